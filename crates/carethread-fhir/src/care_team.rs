//! A patient's care team as a FHIR `CareTeam`: the clinicians who look after
//! her, each with their role. One per patient; its id is the patient's.

use serde_json::{Map, Value, json};

use crate::ROLE_SYSTEM;
use crate::reference::{Party, role_display};

/// The `CareTeam` of `patient`.
#[must_use]
pub fn care_team(patient: &Party, members: &[Party]) -> Value {
    let mut out = Map::new();
    out.insert("resourceType".into(), json!("CareTeam"));
    out.insert("id".into(), json!(patient.id.to_string()));
    out.insert("status".into(), json!("active"));
    out.insert("name".into(), json!(format!("Care team of {}", patient.display)));
    out.insert("subject".into(), patient.reference());
    if !members.is_empty() {
        let participants: Vec<Value> = members
            .iter()
            .map(|m| {
                json!({
                    "role": [{
                        "coding": [{ "system": ROLE_SYSTEM, "code": m.role.as_str(), "display": role_display(m.role) }]
                    }],
                    "member": m.reference()
                })
            })
            .collect();
        out.insert("participant".into(), Value::Array(participants));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;
    use carethread_core::ids::UserId;
    use carethread_core::role::Role;

    #[test]
    fn the_team_names_its_patient_and_each_clinician_with_their_role() {
        let alice = Party { id: id(1), role: Role::Patient, display: "Alice".into() };
        let kim = Party { id: id(2), role: Role::Nurse, display: "Kim".into() };
        let team = care_team(&alice, std::slice::from_ref(&kim));
        assert_eq!(team["id"], id::<UserId>(1).to_string());
        assert_eq!(team["subject"]["reference"], format!("Patient/{}", id::<UserId>(1)));
        assert_eq!(team["participant"][0]["member"]["reference"], format!("Practitioner/{}", id::<UserId>(2)));
        assert_eq!(team["participant"][0]["role"][0]["coding"][0]["code"], "nurse");
        assert!(care_team(&alice, &[]).get("participant").is_none());
    }
}
