//! A proxy's access to a patient as a FHIR `RelatedPerson`: one per grant
//! (a family member or caregiver may act for several patients, and FHIR's
//! `RelatedPerson` belongs to one), naming the patient, the proxy (by
//! CareThread's user id, which is how messages refer to her), the grant's
//! scope and its period.

use carethread_core::ids::GrantId;
use carethread_core::policy::ProxyScope;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::onboarding::PROXY_SCOPE_EXTENSION;
use crate::reference::Party;
use crate::{USER_ID_SYSTEM, instant};

/// What a `RelatedPerson` is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedPersonFacts {
    pub grant: GrantId,
    pub patient: Party,
    pub proxy: Party,
    pub scope: ProxyScope,
    pub granted_at: DateTime<Utc>,
    /// When the access ends (or ended): its expiry, or its revocation.
    pub ends: Option<DateTime<Utc>>,
    pub active: bool,
}

/// The `RelatedPerson` resource.
#[must_use]
pub fn related_person(facts: &RelatedPersonFacts) -> Value {
    let mut period = Map::new();
    period.insert("start".into(), json!(instant(facts.granted_at)));
    if let Some(end) = facts.ends {
        period.insert("end".into(), json!(instant(end)));
    }
    json!({
        "resourceType": "RelatedPerson",
        "id": facts.grant.to_string(),
        "extension": [{ "url": PROXY_SCOPE_EXTENSION, "valueCode": facts.scope.as_str() }],
        "identifier": [{ "system": USER_ID_SYSTEM, "value": facts.proxy.id.to_string() }],
        "active": facts.active,
        "patient": facts.patient.reference(),
        "name": [{ "text": facts.proxy.display }],
        "period": Value::Object(period)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;
    use carethread_core::ids::UserId;
    use carethread_core::role::Role;

    #[test]
    fn a_grant_reads_as_the_proxy_related_to_the_patient_with_scope_and_period() {
        let facts = RelatedPersonFacts {
            grant: id(9),
            patient: Party { id: id(1), role: Role::Patient, display: "Alice".into() },
            proxy: Party { id: id(2), role: Role::Proxy, display: "Carol".into() },
            scope: ProxyScope::Full,
            granted_at: DateTime::UNIX_EPOCH,
            ends: None,
            active: true,
        };
        let r = related_person(&facts);
        assert_eq!(r["id"], id::<GrantId>(9).to_string());
        assert_eq!(r["patient"]["reference"], format!("Patient/{}", id::<UserId>(1)));
        assert_eq!(r["identifier"][0]["value"], id::<UserId>(2).to_string());
        assert_eq!(r["extension"][0]["valueCode"], "full");
        assert!(r["period"].get("end").is_none());
    }
}
