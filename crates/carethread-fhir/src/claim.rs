//! Approved online-visit claims as FHIR: each one a `ChargeItem` (what was
//! done, for whom, by whom, when, under which code) and a `Claim` (the
//! professional claim billing staff send on), gathered in a `collection`
//! `Bundle` for the billing system to take. Counts, codes and dates only: no
//! message text.

use carethread_core::billing::{EVisitCode, Payer};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::instant;
use crate::reference::Party;

/// CPT, for 99421–99423 and 98970–98972.
pub const CPT_SYSTEM: &str = "http://www.ama-assn.org/go/cpt";
/// HCPCS Level II, for G2061–G2063.
pub const HCPCS_SYSTEM: &str = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
/// Identifiers of billing periods (patient, clinician and the period's start).
pub const BILLING_PERIOD_SYSTEM: &str = "https://carethread.org/fhir/NamingSystem/evisit-period";

/// What an exported claim is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimFacts {
    pub patient: Party,
    pub clinician: Party,
    pub code: EVisitCode,
    /// The minutes the clinician attested (what the code bills).
    pub minutes: u32,
    /// The minutes CareThread measured.
    pub measured_minutes: u32,
    /// Messages on the threads that count.
    pub messages: usize,
    /// The clinic's date of the first review.
    pub service_date: NaiveDate,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// The clinic's payer setting.
    pub payer: Payer,
}

impl ClaimFacts {
    /// The period's identifier: patient, clinician and start, which name it
    /// in the billing queue too.
    fn identifier(&self) -> Value {
        json!([{
            "system": BILLING_PERIOD_SYSTEM,
            "value": format!("{}/{}/{}", self.patient.id, self.clinician.id, self.period_start.timestamp())
        }])
    }

    fn code(&self) -> Value {
        let system = if self.code.as_str().starts_with('G') { HCPCS_SYSTEM } else { CPT_SYSTEM };
        json!({ "coding": [{ "system": system, "code": self.code.as_str(), "display": self.code.description() }] })
    }
}

/// The `ChargeItem`; `claim` is the full URL of its `Claim` in the bundle.
fn charge_item(facts: &ClaimFacts, claim: &str) -> Value {
    json!({
        "resourceType": "ChargeItem",
        "identifier": facts.identifier(),
        "status": "billable",
        "code": facts.code(),
        "subject": facts.patient.reference(),
        "occurrencePeriod": { "start": instant(facts.period_start), "end": instant(facts.period_end) },
        "performer": [{ "actor": facts.clinician.reference() }],
        "quantity": { "value": 1 },
        "note": [{ "text": format!(
            "{} minutes attested, {} measured, over {} messages",
            facts.minutes, facts.measured_minutes, facts.messages
        ) }],
        "supportingInformation": [{ "reference": claim }]
    })
}

/// The professional `Claim`, created `now`.
fn claim(facts: &ClaimFacts, now: DateTime<Utc>) -> Value {
    let coverage = match facts.payer {
        Payer::Medicare => "Medicare",
        Payer::Other => "The patient's insurance on file",
    };
    json!({
        "resourceType": "Claim",
        "identifier": facts.identifier(),
        "status": "active",
        "type": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"
        }] },
        "use": "claim",
        "patient": facts.patient.reference(),
        "created": instant(now),
        "provider": facts.clinician.reference(),
        "priority": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal"
        }] },
        "insurance": [{ "sequence": 1, "focal": true, "coverage": { "display": coverage } }],
        "item": [{
            "sequence": 1,
            "productOrService": facts.code(),
            "servicedDate": facts.service_date.to_string(),
            "quantity": { "value": 1 }
        }]
    })
}

/// The claims exported `now`, each as a `Claim` and its `ChargeItem`, in a
/// `collection` `Bundle`; `ids` gives each entry's `urn:uuid` (two per claim).
#[must_use]
pub fn claims_bundle(claims: &[ClaimFacts], now: DateTime<Utc>, mut ids: impl FnMut() -> uuid::Uuid) -> Value {
    let mut entries = Vec::with_capacity(claims.len() * 2);
    for facts in claims {
        let claim_url = format!("urn:uuid:{}", ids());
        let charge_url = format!("urn:uuid:{}", ids());
        entries.push(json!({ "fullUrl": charge_url, "resource": charge_item(facts, &claim_url) }));
        entries.push(json!({ "fullUrl": claim_url, "resource": claim(facts, now) }));
    }
    let mut bundle = json!({ "resourceType": "Bundle", "type": "collection", "timestamp": instant(now) });
    // FHIR allows no empty arrays: an export with no claim has no `entry`.
    if !entries.is_empty() {
        bundle["entry"] = Value::Array(entries);
    }
    bundle
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;
    use carethread_core::role::Role;
    use chrono::TimeZone;

    fn facts(code: EVisitCode, payer: Payer) -> ClaimFacts {
        let at = |d| Utc.with_ymd_and_hms(2026, 3, d, 9, 0, 0).single().expect("time");
        ClaimFacts {
            patient: Party { id: id(1), role: Role::Patient, display: "Alice".into() },
            clinician: Party { id: id(2), role: Role::Physician, display: "Dr. Lee".into() },
            code,
            minutes: 7,
            measured_minutes: 6,
            messages: 3,
            service_date: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
            period_start: at(1),
            period_end: at(8),
            payer,
        }
    }

    #[test]
    fn each_claim_is_a_charge_item_and_a_claim_that_point_at_each_other_by_period() {
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).single().expect("time");
        let mut n = 0u128;
        let bundle = claims_bundle(&[facts(EVisitCode::Cpt99421, Payer::Other)], now, || {
            n += 1;
            uuid::Uuid::from_u128(n)
        });
        let entries = bundle["entry"].as_array().expect("entries");
        assert_eq!(entries.len(), 2);
        let (charge, claim) = (&entries[0]["resource"], &entries[1]["resource"]);
        assert_eq!(
            (charge["resourceType"].as_str(), claim["resourceType"].as_str()),
            (Some("ChargeItem"), Some("Claim"))
        );
        assert_eq!(charge["supportingInformation"][0]["reference"], entries[1]["fullUrl"]);
        assert_eq!(charge["identifier"], claim["identifier"]);
        assert_eq!(charge["code"]["coding"][0]["system"], CPT_SYSTEM);
        assert_eq!(claim["item"][0]["productOrService"]["coding"][0]["code"], "99421");
        assert_eq!(claim["item"][0]["servicedDate"], "2026-03-01");
        assert_eq!(claim["patient"]["reference"], format!("Patient/{}", id::<carethread_core::ids::UserId>(1)));
        assert_eq!(claim["provider"]["reference"], format!("Practitioner/{}", id::<carethread_core::ids::UserId>(2)));
        assert_eq!(charge["note"][0]["text"], "7 minutes attested, 6 measured, over 3 messages");
    }

    #[test]
    fn medicare_codes_are_hcpcs_and_the_coverage_says_medicare() {
        let bundle = claims_bundle(&[facts(EVisitCode::G2062, Payer::Medicare)], Utc::now(), uuid::Uuid::now_v7);
        let claim = &bundle["entry"][1]["resource"];
        assert_eq!(claim["item"][0]["productOrService"]["coding"][0]["system"], HCPCS_SYSTEM);
        assert_eq!(claim["insurance"][0]["coverage"]["display"], "Medicare");
    }

    #[test]
    fn no_claims_is_an_empty_collection() {
        let bundle = claims_bundle(&[], Utc::now(), uuid::Uuid::now_v7);
        assert_eq!((bundle["type"].as_str(), bundle.get("entry")), (Some("collection"), None));
    }
}
