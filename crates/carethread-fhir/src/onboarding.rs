//! Onboarding a clinic from its EHR: a `transaction` or `batch` `Bundle` of
//! `Patient`, `Practitioner`, `RelatedPerson` and `CareTeam`, read into the
//! people, grants and care teams it describes. Each person is known by an
//! identifier, so importing the same bundle again finds them instead of
//! adding them twice: a patient by the clinic's record number, anyone else
//! by any `system|value` identifier. References between entries are their
//! `urn:uuid:` full URLs, a conditional `Patient?identifier=…`, or an
//! existing `Patient/{id}`.

use std::collections::HashMap;

use carethread_core::ids::UserId;
use carethread_core::policy::ProxyScope;
use carethread_core::role::Role;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::{MRN_SYSTEM, ROLE_SYSTEM};

/// How a person is known across imports.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PersonKey {
    /// A patient's record number at the clinic.
    Mrn(String),
    /// Anyone by another identifier (`system`, `value`), e.g. an NPI.
    Identifier { system: String, value: String },
    /// Someone CareThread already has.
    Id(UserId),
}

/// A person an entry describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPerson {
    pub key: PersonKey,
    pub role: Role,
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    /// `en` or `es`, when the entry says.
    pub language: Option<String>,
}

/// A proxy's access an entry (`RelatedPerson`) describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedGrant {
    pub patient: PersonKey,
    pub proxy: PersonKey,
    pub scope: ProxyScope,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A patient's care team an entry (`CareTeam`) describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCareTeam {
    pub patient: PersonKey,
    pub members: Vec<PersonKey>,
}

/// What one entry asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportedEntry {
    Person(ImportedPerson),
    /// A `RelatedPerson`: the proxy (a person) and her access.
    Proxy(ImportedPerson, ImportedGrant),
    CareTeam(ImportedCareTeam),
}

/// Why an entry cannot be imported: which entry (from 0), which element, why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry[{index}].resource.{element}: {reason}")]
pub struct EntryError {
    pub index: usize,
    pub element: String,
    pub reason: String,
}

/// A bundle read: whether it is a `transaction` (all or nothing), and each
/// entry as read or why it cannot be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Onboarding {
    pub transaction: bool,
    pub entries: Vec<Result<ImportedEntry, EntryError>>,
}

/// The extension naming a proxy's scope on a `RelatedPerson`
/// (`full`, `messages_only`, `read_only`).
pub const PROXY_SCOPE_EXTENSION: &str = "https://carethread.org/fhir/StructureDefinition/proxy-scope";

/// Reads a `transaction` or `batch` Bundle; `Err` names what makes the
/// bundle itself unreadable.
pub fn read_onboarding(bundle: &Value) -> Result<Onboarding, (String, String)> {
    let bad = |element: &str, reason: &str| (element.to_owned(), reason.to_owned());
    if bundle["resourceType"] != "Bundle" {
        return Err(bad("resourceType", "must be Bundle"));
    }
    let transaction = match bundle["type"].as_str() {
        Some("transaction") => true,
        Some("batch") => false,
        _ => return Err(bad("type", "must be transaction or batch")),
    };
    let entries = bundle["entry"].as_array().ok_or_else(|| bad("entry", "must list the entries"))?;
    if entries.len() > 5_000 {
        return Err(bad("entry", "may hold at most 5000 entries; send a larger clinic in parts"));
    }
    // First the people each full URL names, so references resolve in any order.
    let mut named: HashMap<&str, PersonKey> = HashMap::new();
    for entry in entries {
        if let (Some(url), Ok(key)) = (entry["fullUrl"].as_str(), person_key(&entry["resource"])) {
            named.insert(url, key);
        }
    }
    let read = entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            read_entry(entry, &named).map_err(|(element, reason)| EntryError { index, element, reason })
        })
        .collect();
    Ok(Onboarding { transaction, entries: read })
}

type Refusal = (String, String);

fn refuse(element: &str, reason: &str) -> Refusal {
    (element.to_owned(), reason.to_owned())
}

fn read_entry(entry: &Value, named: &HashMap<&str, PersonKey>) -> Result<ImportedEntry, Refusal> {
    let resource = &entry["resource"];
    let method = entry["request"]["method"].as_str().unwrap_or("POST");
    if !matches!(method, "POST" | "PUT") {
        return Err(refuse("request.method", "must be POST or PUT (people are created or brought up to date)"));
    }
    match resource["resourceType"].as_str() {
        Some("Patient") => Ok(ImportedEntry::Person(person(resource, Role::Patient)?)),
        Some("Practitioner") => {
            let role = practitioner_role(resource)?;
            Ok(ImportedEntry::Person(person(resource, role)?))
        }
        Some("RelatedPerson") => {
            let proxy = person(resource, Role::Proxy)?;
            let patient = reference(&resource["patient"], "patient", named)?;
            let scope = resource["extension"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|e| e["url"] == PROXY_SCOPE_EXTENSION)
                .map(|e| e["valueCode"].as_str().and_then(|c| ProxyScope::parse(c).ok()))
                .map_or(Ok(ProxyScope::ReadOnly), |s| s.ok_or_else(|| refuse("extension", "names no proxy scope")))?;
            let expires_at = match resource["period"]["end"].as_str() {
                None => None,
                Some(end) => Some(period_end(end).ok_or_else(|| refuse("period.end", "is not a date or date-time"))?),
            };
            let grant = ImportedGrant { patient, proxy: proxy.key.clone(), scope, expires_at };
            Ok(ImportedEntry::Proxy(proxy, grant))
        }
        Some("CareTeam") => {
            let patient = reference(&resource["subject"], "subject", named)?;
            let participants = resource["participant"].as_array().map(Vec::as_slice).unwrap_or_default();
            let members = participants
                .iter()
                .map(|p| reference(&p["member"], "participant.member", named))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ImportedEntry::CareTeam(ImportedCareTeam { patient, members }))
        }
        _ => Err(refuse("resourceType", "must be Patient, Practitioner, RelatedPerson or CareTeam")),
    }
}

/// The identifier a person is known by: a patient's record number; anyone
/// else's first `system|value` identifier.
fn person_key(resource: &Value) -> Result<PersonKey, Refusal> {
    let identifiers = resource["identifier"].as_array().map(Vec::as_slice).unwrap_or_default();
    let pairs = identifiers.iter().filter_map(|i| Some((i["system"].as_str()?, i["value"].as_str()?)));
    if resource["resourceType"] == "Patient" {
        let mrn = pairs.clone().find(|(system, _)| *system == MRN_SYSTEM).map(|(_, v)| v.trim().to_owned());
        return mrn.filter(|m| !m.is_empty()).map(PersonKey::Mrn).ok_or_else(|| {
            refuse(
                "identifier",
                "a patient needs the clinic's record number (system https://carethread.org/fhir/NamingSystem/mrn)",
            )
        });
    }
    let (system, value) = pairs
        .map(|(s, v)| (s.trim(), v.trim()))
        .find(|(s, v)| !s.is_empty() && !v.is_empty() && s.len() <= 200 && v.len() <= 200)
        .ok_or_else(|| refuse("identifier", "needs an identifier with a system and a value, such as an NPI"))?;
    Ok(PersonKey::Identifier { system: system.to_owned(), value: value.to_owned() })
}

fn person(resource: &Value, role: Role) -> Result<ImportedPerson, Refusal> {
    let key = person_key(resource)?;
    let name = &resource["name"][0];
    let text = name["text"].as_str().map(str::to_owned).or_else(|| {
        let given: Vec<&str> = name["given"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let family = name["family"].as_str();
        let whole: Vec<&str> = given.into_iter().chain(family).collect();
        (!whole.is_empty()).then(|| whole.join(" "))
    });
    let name =
        text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).ok_or_else(|| refuse("name", "needs a name"))?;
    let birth_date = match resource["birthDate"].as_str() {
        None => None,
        Some(raw) => {
            Some(NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| refuse("birthDate", "is not a date"))?)
        }
    };
    let language = resource["communication"][0]["language"]["coding"][0]["code"].as_str().map(str::to_owned);
    Ok(ImportedPerson { key, role, name, birth_date, language })
}

fn practitioner_role(resource: &Value) -> Result<Role, Refusal> {
    let codings = resource["qualification"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|q| q["code"]["coding"].as_array().into_iter().flatten());
    let code = codings.filter(|c| c["system"] == ROLE_SYSTEM).find_map(|c| c["code"].as_str());
    let role = code.and_then(|c| c.parse::<Role>().ok()).filter(|r| r.is_staff());
    role.ok_or_else(|| {
        refuse("qualification", "needs a staff role from https://carethread.org/fhir/CodeSystem/staff-role")
    })
}

fn reference(value: &Value, element: &str, named: &HashMap<&str, PersonKey>) -> Result<PersonKey, Refusal> {
    let raw = value["reference"].as_str().unwrap_or_default();
    if let Some(key) = named.get(raw) {
        return Ok(key.clone());
    }
    if let Some(mrn) = raw.strip_prefix("Patient?identifier=").and_then(|q| q.strip_prefix(&format!("{MRN_SYSTEM}|"))) {
        return Ok(PersonKey::Mrn(mrn.to_owned()));
    }
    if let Some((system, value)) = raw.strip_prefix("Practitioner?identifier=").and_then(|q| q.split_once('|')) {
        return Ok(PersonKey::Identifier { system: system.to_owned(), value: value.to_owned() });
    }
    let existing =
        raw.strip_prefix("Patient/").or_else(|| raw.strip_prefix("Practitioner/")).and_then(|id| id.parse().ok());
    existing.map(PersonKey::Id).ok_or_else(|| {
        refuse(
            element,
            "must name an entry of this bundle (its fullUrl), Patient?identifier=…, or an existing Patient/{id}",
        )
    })
}

fn period_end(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&Utc)).ok().or_else(|| {
        let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()?;
        Some(day.succ_opt()?.and_hms_opt(0, 0, 0)?.and_utc())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle() -> Value {
        json!({"resourceType": "Bundle", "type": "transaction", "entry": [
            {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient",
                "identifier": [{"system": MRN_SYSTEM, "value": "E-100"}], "name": [{"given": ["Rosa"], "family": "Diaz"}],
                "birthDate": "1980-05-01", "communication": [{"language": {"coding": [{"code": "es"}]}}]},
             "request": {"method": "PUT", "url": "Patient?identifier=x"}},
            {"fullUrl": "urn:uuid:d1", "resource": {"resourceType": "Practitioner",
                "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}], "name": [{"text": "Dr. Ana Ruiz"}],
                "qualification": [{"code": {"coding": [{"system": ROLE_SYSTEM, "code": "physician"}]}}]},
             "request": {"method": "POST", "url": "Practitioner"}},
            {"fullUrl": "urn:uuid:r1", "resource": {"resourceType": "RelatedPerson", "patient": {"reference": "urn:uuid:p1"},
                "identifier": [{"system": "https://ehr.example/person", "value": "77"}], "name": [{"text": "Luis Diaz"}],
                "period": {"end": "2030-01-31"},
                "extension": [{"url": PROXY_SCOPE_EXTENSION, "valueCode": "full"}]}},
            {"resource": {"resourceType": "CareTeam", "subject": {"reference": "urn:uuid:p1"},
                "participant": [{"member": {"reference": "urn:uuid:d1"}}]}},
            {"resource": {"resourceType": "Observation"}},
            {"resource": {"resourceType": "Patient", "name": [{"text": "No number"}]}}
        ]})
    }

    #[test]
    fn people_grants_and_care_teams_are_read_with_references_resolved() {
        let read = read_onboarding(&bundle()).expect("readable");
        assert!(read.transaction);
        let rosa = PersonKey::Mrn("E-100".into());
        let npi = PersonKey::Identifier { system: "http://hl7.org/fhir/sid/us-npi".into(), value: "1234567893".into() };
        match &read.entries[0] {
            Ok(ImportedEntry::Person(p)) => {
                assert_eq!(
                    (&p.key, p.role, p.name.as_str(), p.language.as_deref()),
                    (&rosa, Role::Patient, "Rosa Diaz", Some("es"))
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&read.entries[1], Ok(ImportedEntry::Person(p)) if p.role == Role::Physician && p.key == npi));
        match &read.entries[2] {
            Ok(ImportedEntry::Proxy(proxy, grant)) => {
                assert_eq!((proxy.role, &grant.patient, grant.scope), (Role::Proxy, &rosa, ProxyScope::Full));
                assert_eq!(grant.expires_at.map(|t| t.to_rfc3339()), Some("2030-02-01T00:00:00+00:00".to_owned()));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            read.entries[3],
            Ok(ImportedEntry::CareTeam(ImportedCareTeam { patient: rosa, members: vec![npi] }))
        );
        assert!(matches!(&read.entries[4], Err(e) if e.index == 4 && e.element == "resourceType"));
        assert!(matches!(&read.entries[5], Err(e) if e.element == "identifier"));
    }

    #[test]
    fn a_bundle_that_is_not_a_transaction_or_batch_is_refused() {
        assert!(read_onboarding(&json!({"resourceType": "Bundle", "type": "collection", "entry": []})).is_err());
        assert!(read_onboarding(&json!({"resourceType": "Patient"})).is_err());
        let mut unknown_reference = bundle();
        unknown_reference["entry"][3]["resource"]["subject"]["reference"] = json!("urn:uuid:nobody");
        let read = read_onboarding(&unknown_reference).expect("readable");
        assert!(matches!(&read.entries[3], Err(e) if e.element == "subject"));
    }
}
