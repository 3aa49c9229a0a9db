//! The server's `CapabilityStatement`, made from one table of what works
//! ([`SUPPORTED`]). The server builds its FHIR routes from the same table's
//! resource types, and a test asks every listed interaction and search
//! parameter, so the statement lists exactly what answers.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::{FHIR_VERSION, instant};

/// A `RESTful` interaction on a resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interaction {
    /// `GET [type]/[id]`.
    Read,
    /// `GET [type]?…`.
    SearchType,
    /// `PUT [type]/[id]`.
    Update,
    /// `POST [type]`.
    Create,
    /// `DELETE [type]/[id]`.
    Delete,
}

impl Interaction {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Interaction::Read => "read",
            Interaction::SearchType => "search-type",
            Interaction::Update => "update",
            Interaction::Create => "create",
            Interaction::Delete => "delete",
        }
    }
}

/// A search parameter a resource type answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchParam {
    pub name: &'static str,
    /// FHIR search parameter type: `reference`, `date`, `token`, …
    pub kind: &'static str,
    pub documentation: &'static str,
}

/// A resource type the server serves, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupportedResource {
    pub resource_type: &'static str,
    pub interactions: &'static [Interaction],
    pub search_params: &'static [SearchParam],
    /// What `_include` may name (`Communication:part-of`).
    pub search_include: &'static [&'static str],
    /// Operations on the type: (name, canonical definition).
    pub operations: &'static [(&'static str, &'static str)],
    pub documentation: &'static str,
}

/// Everything the FHIR API answers.
pub const SUPPORTED: &[SupportedResource] = &[
    SupportedResource {
        resource_type: "Communication",
        interactions: &[Interaction::Read, Interaction::SearchType, Interaction::Create],
        search_params: &[
            SearchParam {
                name: "subject",
                kind: "reference",
                documentation: "The patient: Patient/{id}. Staff must name a subject or part-of.",
            },
            SearchParam {
                name: "part-of",
                kind: "reference",
                documentation: "The conversation: its thread id, or with :identifier, \
                                https://carethread.org/fhir/NamingSystem/thread-id|{id}.",
            },
            SearchParam {
                name: "sent",
                kind: "date",
                documentation: "When the message was sent, with the prefixes eq, ge, gt, le or lt; \
                                a date or a date-time with a time zone. May be repeated.",
            },
            SearchParam {
                name: "category",
                kind: "token",
                documentation: "The conversation's triage category (medication, scheduling, results, ...), \
                                with or without the triage-category system.",
            },
            SearchParam {
                name: "priority",
                kind: "token",
                documentation: "The conversation's urgency: routine, urgent or asap (an emergency).",
            },
            SearchParam {
                name: "_lastUpdated",
                kind: "date",
                documentation: "As sent: a message does not change once sent.",
            },
        ],
        search_include: &["Communication:part-of"],
        operations: &[],
        documentation: "One Communication per message of a conversation the caller may read \
                        (internal notes for staff only); newest first. _count 1-100 (default 20); \
                        pages follow the next link. Create sends a message to the subject patient: \
                        in the conversation partOf names, or starting one with topic.text as its subject; \
                        text as contentString payloads; an internal-note category makes it a note for staff.",
    },
    SupportedResource {
        resource_type: "Task",
        interactions: &[Interaction::Read, Interaction::SearchType, Interaction::Update],
        search_params: &[
            SearchParam {
                name: "owner",
                kind: "reference",
                documentation: "The assignee (Practitioner/{id}) or the pool (Group/{id}) that owns the task.",
            },
            SearchParam {
                name: "status",
                kind: "token",
                documentation: "ready (waiting for the care team), on-hold (waiting for the patient) or completed.",
            },
            SearchParam {
                name: "priority",
                kind: "token",
                documentation: "routine, urgent or asap (triaged as an emergency).",
            },
        ],
        search_include: &[],
        operations: &[],
        documentation: "One Task per conversation the caller's in-basket holds (staff who work in-baskets): \
                        its owner, status, priority and due time (restriction.period.end). Emergencies first, \
                        then the longest waiting, as the in-basket orders them. _count 1-100 (default 20); \
                        pages follow the next link. Update (PUT) changes status (ready, on-hold, completed) \
                        and owner (Practitioner or Group) by the same rules as assigning in CareThread.",
    },
    SupportedResource {
        resource_type: "Group",
        interactions: &[Interaction::Read, Interaction::SearchType],
        search_params: &[SearchParam {
            name: "name",
            kind: "string",
            documentation: "Any part of the pool's name or address name, case-insensitive.",
        }],
        search_include: &[],
        operations: &[("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export")],
        documentation: "A pool (a shared in-basket) and the staff who work from it, for staff.",
    },
    SupportedResource {
        resource_type: "CareTeam",
        interactions: &[Interaction::Read, Interaction::SearchType],
        search_params: &[SearchParam {
            name: "subject",
            kind: "reference",
            documentation: "The patient: Patient/{id}. Her care team, if the caller may see her.",
        }],
        search_include: &[],
        operations: &[],
        documentation: "A patient's care team (its id is the patient's): the clinicians who look after her, \
                        with their roles, for whoever may see the patient.",
    },
    SupportedResource {
        resource_type: "Provenance",
        interactions: &[Interaction::Read, Interaction::SearchType],
        search_params: &[SearchParam {
            name: "target",
            kind: "reference",
            documentation: "The message: Communication/{id}.",
        }],
        search_include: &[],
        operations: &[],
        documentation: "Where an AI-assisted reply came from (its id is the message's): the clinician who sent \
                        it and the drafting model and version, for whoever may read the message.",
    },
    SupportedResource {
        resource_type: "AuditEvent",
        interactions: &[Interaction::Read, Interaction::SearchType],
        search_params: &[
            SearchParam {
                name: "patient",
                kind: "reference",
                documentation: "Entries about the patient's record: Patient/{id}. A patient sees only her own.",
            },
            SearchParam {
                name: "agent",
                kind: "reference",
                documentation: "What one person did: Practitioner/{id}, Patient/{id} or RelatedPerson/{id}.",
            },
            SearchParam {
                name: "type",
                kind: "token",
                documentation: "One CareThread audit action, such as thread.read or thread.break_glass.",
            },
            SearchParam {
                name: "date",
                kind: "date",
                documentation: "When it happened, with the prefixes eq, ge, gt, le or lt. May be repeated.",
            },
        ],
        search_include: &[],
        operations: &[],
        documentation: "The audit log, newest first, for privacy officers (everything) and patients (who \
                        accessed their own record: who, what and when). Reading it is itself audited. \
                        _count 1-100 (default 20); pages follow the next link.",
    },
    SupportedResource {
        resource_type: "RelatedPerson",
        interactions: &[Interaction::Read, Interaction::SearchType],
        search_params: &[
            SearchParam {
                name: "patient",
                kind: "reference",
                documentation: "The patient whose proxies: Patient/{id}.",
            },
            SearchParam {
                name: "identifier",
                kind: "token",
                documentation: "The proxy, by CareThread user id: https://carethread.org/fhir/NamingSystem/user-id|{id}.",
            },
        ],
        search_include: &[],
        operations: &[],
        documentation: "A proxy's access to one patient (one per grant): the proxy, the patient, the scope \
                        (extension proxy-scope) and the period; for the patient, the proxy, and staff who may \
                        see the patient.",
    },
    SupportedResource {
        resource_type: "Subscription",
        interactions: &[Interaction::Read, Interaction::SearchType, Interaction::Create, Interaction::Delete],
        search_params: &[],
        search_include: &[],
        operations: &[],
        documentation: "Topic-based subscriptions (the R4 Subscriptions Backport) for registered systems: \
                        criteria https://carethread.org/fhir/SubscriptionTopic/communication-created or \
                        .../task-changed, optionally filtered to one patient (Communication?subject=Patient/{id}); \
                        rest-hook, id-only payloads, a handshake first. A search lists the system's own; \
                        delete ends one.",
    },
    SupportedResource {
        resource_type: "Patient",
        interactions: &[Interaction::Read, Interaction::SearchType],
        search_params: &[
            SearchParam { name: "name", kind: "string", documentation: "Any part of the name, case-insensitive." },
            SearchParam {
                name: "identifier",
                kind: "token",
                documentation: "The clinic's record number: https://carethread.org/fhir/NamingSystem/mrn|{number}, \
                                or the number alone.",
            },
        ],
        search_include: &[],
        operations: &[("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export")],
        documentation: "A patient the caller may write or read for: themselves, a proxy's patients, \
                        a clinician's care-team patients, any patient for front desk and billing. \
                        A search finds only those; _count 1-100 (default 20); pages follow next.",
    },
    SupportedResource {
        resource_type: "Practitioner",
        interactions: &[Interaction::Read, Interaction::SearchType],
        search_params: &[SearchParam {
            name: "name",
            kind: "string",
            documentation: "Any part of the name, case-insensitive. _count 1-100 (default 20); pages follow next.",
        }],
        search_include: &[],
        operations: &[],
        documentation: "A member of the clinic's staff: name and role.",
    },
];

/// What the statement says about this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityInfo {
    /// The absolute address of the FHIR base (`…/fhir/r4`).
    pub base_url: String,
    /// Where a patient is sent to allow an app (SMART App Launch).
    pub authorize_url: String,
    /// CareThread's version.
    pub software_version: String,
    /// When the statement was made (now, or the build time).
    pub date: DateTime<Utc>,
}

/// The `CapabilityStatement` for [`SUPPORTED`].
#[must_use]
pub fn capability_statement(info: &CapabilityInfo) -> Value {
    let resources: Vec<Value> = SUPPORTED
        .iter()
        .map(|r| {
            let mut resource = json!({
                "type": r.resource_type,
                "documentation": r.documentation,
                "interaction": r.interactions.iter().map(|i| json!({ "code": i.as_str() })).collect::<Vec<_>>(),
            });
            if !r.operations.is_empty() {
                resource["operation"] = r
                    .operations
                    .iter()
                    .map(|(name, definition)| json!({ "name": name, "definition": definition }))
                    .collect();
            }
            if !r.search_include.is_empty() {
                resource["searchInclude"] = json!(r.search_include);
            }
            if !r.search_params.is_empty() {
                resource["searchParam"] = r
                    .search_params
                    .iter()
                    .map(|p| json!({ "name": p.name, "type": p.kind, "documentation": p.documentation }))
                    .collect();
            }
            resource
        })
        .collect();
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(info.date),
        "publisher": "CareThread",
        "kind": "instance",
        "software": { "name": "CareThread", "version": info.software_version },
        "implementation": { "description": "CareThread FHIR R4 API", "url": info.base_url },
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "documentation": "Secure messages as the signed-in person may see them, and the care team's tasks.",
            "security": {
                "cors": true,
                "service": [{ "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "SMART-on-FHIR"
                }]}],
                "extension": [{
                    "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                    "extension": [
                        { "url": "token", "valueUri": format!("{}/auth/token", info.base_url) },
                        { "url": "authorize", "valueUri": info.authorize_url },
                    ]
                }],
                "description": "A person's bearer token from POST /api/v1/session; a registered system's \
                                from the token endpoint (SMART Backend Services: client_credentials with a \
                                JWT signed RS384 or ES384; system scopes); or a patient's app's (SMART App \
                                Launch, standalone: authorization code with PKCE S256; patient scopes). Every \
                                interaction is checked by CareThread's access policy, then the token's scopes, \
                                and written to its audit log."
            },
            "resource": resources,
            // POST to the base: onboarding a clinic's people from its EHR (administrators).
            "interaction": [
                { "code": "transaction", "documentation": "Patient, Practitioner, RelatedPerson and CareTeam, all or nothing." },
                { "code": "batch", "documentation": "The same, each entry on its own." }
            ]
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_statement_lists_every_supported_resource_with_its_interactions() {
        let info = CapabilityInfo {
            base_url: "https://x/fhir/r4".into(),
            authorize_url: "https://x/apps/authorize".into(),
            software_version: "0.1.0".into(),
            date: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("a valid time"),
        };
        let cs = capability_statement(&info);
        assert_eq!(cs["fhirVersion"], "4.0.1");
        assert_eq!(cs["kind"], "instance");
        let listed = cs["rest"][0]["resource"].as_array().map(Vec::len);
        assert_eq!(listed, Some(SUPPORTED.len()));
        assert_eq!(cs["rest"][0]["resource"][0]["type"], "Communication");
        assert_eq!(cs["rest"][0]["resource"][0]["interaction"][1]["code"], "search-type");
        assert_eq!(cs["rest"][0]["resource"][0]["searchParam"][2]["type"], "date");
        assert_eq!(cs["rest"][0]["resource"][1]["type"], "Task");
        assert_eq!(cs["rest"][0]["resource"][2]["searchParam"][0]["name"], "name");
        assert_eq!(cs["rest"][0]["resource"][0]["searchInclude"][0], "Communication:part-of");
        assert_eq!(cs["rest"][0]["interaction"][0]["code"], "transaction");
        assert!(
            cs["rest"][0]["security"]["extension"][0]["extension"][0]["valueUri"]
                .as_str()
                .is_some_and(|uri| uri.ends_with("/fhir/r4/auth/token"))
        );
    }
}
