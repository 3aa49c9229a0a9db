//! Where an AI-assisted reply came from, as a FHIR `Provenance`: the
//! message (`target`), when it was sent (`recorded`), the clinician who
//! sent it (`author`) and the drafting software with its model and version
//! (`assembler`: it drafted what the clinician edited and sent). One per
//! AI-assisted message; its id is the message's.

use carethread_core::ids::MessageId;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::instant;
use crate::reference::Party;

const PARTICIPANT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

/// What a `Provenance` is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceFacts {
    pub message_id: MessageId,
    pub sent: DateTime<Utc>,
    pub clinician: Party,
    /// The drafting model's name and version.
    pub model: (String, String),
}

/// The `Provenance` resource.
#[must_use]
pub fn provenance(facts: &ProvenanceFacts) -> Value {
    let (model, version) = &facts.model;
    json!({
        "resourceType": "Provenance",
        "id": facts.message_id.to_string(),
        "target": [{ "reference": format!("Communication/{}", facts.message_id) }],
        "recorded": instant(facts.sent),
        "activity": {
            "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation", "code": "CREATE" }]
        },
        "agent": [
            {
                "type": { "coding": [{ "system": PARTICIPANT_TYPE, "code": "author", "display": "Author" }] },
                "who": facts.clinician.reference()
            },
            {
                "type": { "coding": [{ "system": PARTICIPANT_TYPE, "code": "assembler", "display": "Assembler" }] },
                "who": { "display": format!("CareThread drafting, model {model} version {version}") }
            }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;
    use carethread_core::role::Role;
    use chrono::TimeZone;

    #[test]
    fn the_clinician_authored_and_the_model_drafted() {
        let facts = ProvenanceFacts {
            message_id: id(1),
            sent: Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).single().expect("time"),
            clinician: Party { id: id(2), role: Role::Nurse, display: "Kim".into() },
            model: ("builtin-library".into(), "3".into()),
        };
        let p = provenance(&facts);
        assert_eq!(p["target"][0]["reference"], format!("Communication/{}", id::<MessageId>(1)));
        assert_eq!(p["agent"][0]["type"]["coding"][0]["code"], "author");
        assert_eq!(p["agent"][1]["who"]["display"], "CareThread drafting, model builtin-library version 3");
        assert_eq!(p["recorded"], "2026-03-01T09:00:00Z");
    }
}
