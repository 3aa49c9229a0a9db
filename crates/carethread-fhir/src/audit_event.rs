//! The audit log as FHIR `AuditEvent`s: one per entry, its id the entry's
//! sequence number. Who acted (`agent`, with the network address), on whose
//! record and what (`entity`), when (`recorded`), what was done (`type`:
//! CareThread's action code; `action`: create, read, update, delete or
//! execute) and whether it was allowed (`outcome`). A patient's view of her
//! own record shows who, what and when only, as in CareThread.
//!
//! Searching: `patient`, `agent`, `type` (an action code), `date` (prefixes
//! `eq`, `ge`, `gt`, `le`, `lt`), `_count` and `_cursor`; newest first.

use carethread_core::ids::UserId;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::reference::Party;
use crate::search::{
    SearchError, SentBounds, date_bounds, given_with_plus, invalid, json_format, once, page_size, patient_reference,
};
use crate::{CARETHREAD_BASE, instant};

/// The code system of CareThread's audit actions (`thread.read`, …).
pub const AUDIT_ACTION_SYSTEM: &str = "https://carethread.org/fhir/CodeSystem/audit-action";
/// Identifiers of what an audit entry names (`thread:{id}`, `message:{id}`, …).
pub const AUDIT_TARGET_SYSTEM: &str = "https://carethread.org/fhir/NamingSystem/audit-target";

const OBJECT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/object-role";

/// What an `AuditEvent` is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFacts {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// Who acted; `None` for the operator at the command line or the server itself.
    pub actor: Option<Party>,
    pub patient: Option<Party>,
    pub action: String,
    /// `None` in a patient's view (her record shows only allowed accesses).
    pub success: Option<bool>,
    pub target: Option<String>,
    pub client: Option<String>,
    pub detail: Option<String>,
}

/// The FHIR `action` code for a CareThread action: C, R, U, D or E.
fn action_code(action: &str) -> &'static str {
    let verb = action.rsplit(['.', '_']).next().unwrap_or_default();
    match verb {
        "create" | "request" | "enrol" => "C",
        "read" | "list" | "export" => "R",
        "update" | "change" | "triage" | "hold" | "enable" | "rotation" => "U",
        "delete" | "revoke" | "purge" | "cancel" | "disable" => "D",
        _ => "E",
    }
}

/// The `AuditEvent` resource.
#[must_use]
pub fn audit_event(facts: &AuditFacts) -> Value {
    let mut agent = match &facts.actor {
        Some(actor) => json!({ "who": actor.reference(), "requestor": true }),
        None => json!({ "who": { "display": "CareThread (command line or server)" }, "requestor": true }),
    };
    if let Some(address) = &facts.client {
        agent["network"] = json!({ "address": address, "type": "2" });
    }
    let mut entities = Vec::new();
    if let Some(patient) = &facts.patient {
        entities.push(json!({
            "what": patient.reference(),
            "role": { "system": OBJECT_ROLE, "code": "1", "display": "Patient" }
        }));
    }
    if let Some(target) = &facts.target {
        entities.push(json!({ "what": { "identifier": { "system": AUDIT_TARGET_SYSTEM, "value": target } } }));
    }
    let mut out = Map::new();
    out.insert("resourceType".into(), json!("AuditEvent"));
    out.insert("id".into(), json!(facts.seq.to_string()));
    out.insert("type".into(), json!({ "system": AUDIT_ACTION_SYSTEM, "code": facts.action }));
    out.insert("action".into(), json!(action_code(&facts.action)));
    out.insert("recorded".into(), json!(instant(facts.at)));
    if let Some(success) = facts.success {
        out.insert("outcome".into(), json!(if success { "0" } else { "4" }));
    }
    if let Some(detail) = &facts.detail {
        out.insert("outcomeDesc".into(), json!(detail));
    }
    out.insert("agent".into(), json!([agent]));
    out.insert("source".into(), json!({ "observer": { "display": "CareThread" }, "site": CARETHREAD_BASE }));
    if !entities.is_empty() {
        out.insert("entity".into(), Value::Array(entities));
    }
    Value::Object(out)
}

/// A checked `AuditEvent` search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditSearch {
    pub patient: Option<UserId>,
    pub agent: Option<UserId>,
    /// One action code.
    pub action: Option<String>,
    pub date: SentBounds,
    pub count: u32,
    /// Entries before this sequence number (from a `next` link).
    pub before: Option<i64>,
}

impl AuditSearch {
    pub const DEFAULT_COUNT: u32 = 20;

    /// Reads the query string's name–value pairs (already percent-decoded).
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, SearchError> {
        let mut search = Self::default();
        let mut count = None;
        for (name, raw) in pairs {
            let value = given_with_plus(name, raw)?;
            let value = value.as_str();
            match name.as_str() {
                "patient" => once(&mut search.patient, patient_reference(name, value)?, name)?,
                "agent" => {
                    let id = ["Practitioner/", "Patient/", "RelatedPerson/"]
                        .iter()
                        .find_map(|prefix| value.strip_prefix(prefix))
                        .unwrap_or(value);
                    let id = id
                        .parse()
                        .map_err(|_| invalid(name, "must be Practitioner/{id}, Patient/{id} or RelatedPerson/{id}"))?;
                    once(&mut search.agent, id, name)?;
                }
                "type" => {
                    let code = value.strip_prefix(&format!("{AUDIT_ACTION_SYSTEM}|")).unwrap_or(value);
                    if code.len() > 64 || !code.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_') {
                        return Err(invalid(name, "must be an audit action code, such as thread.read"));
                    }
                    once(&mut search.action, code.to_owned(), name)?;
                }
                "date" => date_bounds("date", &mut search.date, value)?,
                "_count" => once(&mut count, page_size(name, value)?, name)?,
                "_cursor" => {
                    let seq = value
                        .parse()
                        .ok()
                        .filter(|s| *s > 0)
                        .ok_or_else(|| invalid(name, "is not a cursor from a next link"))?;
                    once(&mut search.before, seq, name)?;
                }
                "_format" => json_format(name, value)?,
                other => return Err(invalid(other, "is not a supported search parameter for AuditEvent")),
            }
        }
        search.count = count.unwrap_or(Self::DEFAULT_COUNT);
        Ok(search)
    }

    /// The canonical query of this search's page after `before` (or the first).
    #[must_use]
    pub fn query(&self, before: Option<i64>) -> String {
        let mut parts = Vec::new();
        if let Some(patient) = self.patient {
            parts.push(format!("patient=Patient/{patient}"));
        }
        if let Some(agent) = self.agent {
            parts.push(format!("agent={agent}"));
        }
        if let Some(action) = &self.action {
            parts.push(format!("type={action}"));
        }
        if let Some(since) = self.date.since {
            parts.push(format!("date=ge{}", since.format("%Y-%m-%dT%H:%M:%S%.6fZ")));
        }
        if let Some(until) = self.date.until {
            parts.push(format!("date=lt{}", until.format("%Y-%m-%dT%H:%M:%S%.6fZ")));
        }
        parts.push(format!("_count={}", self.count));
        if let Some(before) = before {
            parts.push(format!("_cursor={before}"));
        }
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;
    use carethread_core::role::Role;
    use chrono::TimeZone;

    fn facts() -> AuditFacts {
        AuditFacts {
            seq: 42,
            at: Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).single().expect("time"),
            actor: Some(Party { id: id(2), role: Role::Nurse, display: "Kim".into() }),
            patient: Some(Party { id: id(1), role: Role::Patient, display: "Alice".into() }),
            action: "thread.read".into(),
            success: Some(true),
            target: Some("thread:abc".into()),
            client: Some("203.0.113.9".into()),
            detail: None,
        }
    }

    #[test]
    fn an_entry_says_who_did_what_to_whose_record_when() {
        let e = audit_event(&facts());
        assert_eq!(e["id"], "42");
        assert_eq!(
            (&e["type"]["code"], &e["action"], &e["outcome"]),
            (&json!("thread.read"), &json!("R"), &json!("0"))
        );
        assert_eq!(e["agent"][0]["who"]["reference"], format!("Practitioner/{}", id::<UserId>(2)));
        assert_eq!(e["agent"][0]["network"]["address"], "203.0.113.9");
        assert_eq!(e["entity"][0]["what"]["reference"], format!("Patient/{}", id::<UserId>(1)));
        assert_eq!(e["entity"][1]["what"]["identifier"]["value"], "thread:abc");
        let patients_view = AuditFacts { success: None, target: None, client: None, ..facts() };
        let e = audit_event(&patients_view);
        assert!(e.get("outcome").is_none() && e["agent"][0].get("network").is_none());
        assert_eq!(e["entity"].as_array().map(Vec::len), Some(1));
        let denied = audit_event(&AuditFacts { success: Some(false), actor: None, ..facts() });
        assert_eq!(denied["outcome"], "4");
        assert_eq!(denied["agent"][0]["requestor"], true);
    }

    #[test]
    fn actions_map_to_fhir_action_codes() {
        for (action, code) in [
            ("thread.read", "R"),
            ("message.create", "C"),
            ("grant.revoke", "D"),
            ("thread.update", "U"),
            ("session.sign_in", "E"),
            ("audit.export", "R"),
        ] {
            assert_eq!(action_code(action), code, "{action}");
        }
    }

    #[test]
    fn search_parameters_are_read_and_written_back() {
        let pairs =
            |raw: &[(&str, &str)]| raw.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>();
        let patient: UserId = id(1);
        let s = AuditSearch::parse(&pairs(&[
            ("patient", &format!("Patient/{patient}")),
            ("type", &format!("{AUDIT_ACTION_SYSTEM}|thread.read")),
            ("date", "ge2026-03-01"),
            ("_count", "5"),
        ]))
        .expect("search");
        assert_eq!((s.patient, s.action.as_deref(), s.count), (Some(patient), Some("thread.read"), 5));
        assert_eq!(AuditSearch::parse(&pairs(&[("_cursor", "17")])).expect("cursor").before, Some(17));
        assert!(s.query(Some(9)).ends_with("_count=5&_cursor=9"));
        for (name, value) in
            [("patient", "x"), ("type", "DROP TABLE"), ("date", "yesterday"), ("_cursor", "-1"), ("code", "x")]
        {
            let err = AuditSearch::parse(&pairs(&[(name, value)])).expect_err(name);
            assert!(matches!(&err, SearchError::Invalid { param, .. } if param == name), "{err:?}");
        }
    }
}
