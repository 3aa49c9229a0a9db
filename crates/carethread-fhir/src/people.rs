//! Patients as FHIR `Patient`, staff as FHIR `Practitioner`.

use carethread_core::ids::UserId;
use carethread_core::role::Role;
use carethread_core::user::Language;
use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use crate::reference::role_display;
use crate::{MRN_SYSTEM, ROLE_SYSTEM};

/// What a `Patient` is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientFacts {
    pub id: UserId,
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    pub language: Language,
    /// The clinic's record number, where one is set.
    pub mrn: Option<String>,
    pub active: bool,
}

/// What a `Practitioner` (a member of staff) is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PractitionerFacts {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub active: bool,
}

/// The `Patient` resource.
#[must_use]
pub fn patient(facts: &PatientFacts) -> Value {
    let mut out = Map::new();
    out.insert("resourceType".into(), json!("Patient"));
    out.insert("id".into(), json!(facts.id.to_string()));
    if let Some(mrn) = &facts.mrn {
        out.insert(
            "identifier".into(),
            json!([{
                "use": "usual",
                "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR" }] },
                "system": MRN_SYSTEM,
                "value": mrn
            }]),
        );
    }
    out.insert("active".into(), json!(facts.active));
    out.insert("name".into(), json!([{ "text": facts.name }]));
    if let Some(born) = facts.birth_date {
        out.insert("birthDate".into(), json!(born.format("%Y-%m-%d").to_string()));
    }
    out.insert(
        "communication".into(),
        json!([{
            "language": { "coding": [{ "system": "urn:ietf:bcp:47", "code": facts.language.as_str() }] },
            "preferred": true
        }]),
    );
    Value::Object(out)
}

/// The `Practitioner` resource: name and role (as a qualification's text and code).
#[must_use]
pub fn practitioner(facts: &PractitionerFacts) -> Value {
    json!({
        "resourceType": "Practitioner",
        "id": facts.id.to_string(),
        "active": facts.active,
        "name": [{ "text": facts.name }],
        "qualification": [{
            "code": {
                "coding": [{ "system": ROLE_SYSTEM, "code": facts.role.as_str(), "display": role_display(facts.role) }],
                "text": role_display(facts.role)
            }
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;

    #[test]
    fn a_patient_carries_name_birth_date_language_and_record_number() {
        let p = patient(&PatientFacts {
            id: id(1),
            name: "Alice Example".into(),
            birth_date: NaiveDate::from_ymd_opt(1980, 2, 29),
            language: Language::Es,
            mrn: Some("MRN-1".into()),
            active: true,
        });
        assert_eq!(p["resourceType"], "Patient");
        assert_eq!(p["name"][0]["text"], "Alice Example");
        assert_eq!(p["birthDate"], "1980-02-29");
        assert_eq!(p["communication"][0]["language"]["coding"][0]["code"], "es");
        assert_eq!(p["identifier"][0]["system"], MRN_SYSTEM);
        assert_eq!(p["identifier"][0]["value"], "MRN-1");
    }

    #[test]
    fn a_patient_without_record_number_or_birth_date_leaves_them_out() {
        let p = patient(&PatientFacts {
            id: id(1),
            name: "A".into(),
            birth_date: None,
            language: Language::En,
            mrn: None,
            active: false,
        });
        assert!(p.get("identifier").is_none() && p.get("birthDate").is_none());
        assert_eq!(p["active"], false);
    }

    #[test]
    fn a_practitioner_names_their_role() {
        let p =
            practitioner(&PractitionerFacts { id: id(2), name: "Dr. Lee".into(), role: Role::Physician, active: true });
        assert_eq!(p["resourceType"], "Practitioner");
        assert_eq!(p["qualification"][0]["code"]["coding"][0]["code"], "physician");
        assert_eq!(p["qualification"][0]["code"]["text"], "Physician");
    }
}
