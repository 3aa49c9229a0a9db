//! Routing: which pool answers a message of a category at an urgency. Each
//! clinic has its own rules; these are the defaults.

use carethread_core::role::Role;
use carethread_core::thread::{Category, Urgency};
use serde::{Deserialize, Serialize};

use crate::sensitive::SensitiveTopic;

/// A clinic's routing rules: one pool for emergencies, one per category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRules {
    /// Pool slug that receives every emergency, whatever its category.
    pub emergency: String,
    pub medication: String,
    pub scheduling: String,
    pub results: String,
    pub clinical: String,
    pub administrative: String,
    pub other: String,
}

impl Default for RoutingRules {
    fn default() -> Self {
        Self {
            emergency: "nurse-triage".to_owned(),
            medication: "pharmacy-refills".to_owned(),
            scheduling: "front-desk".to_owned(),
            results: "nurse-triage".to_owned(),
            clinical: "nurse-triage".to_owned(),
            administrative: "billing".to_owned(),
            other: "front-desk".to_owned(),
        }
    }
}

impl RoutingRules {
    /// The pool slug for a message of `category` at `urgency`.
    #[must_use]
    pub fn route(&self, category: Category, urgency: Urgency) -> &str {
        if urgency == Urgency::Emergency {
            return &self.emergency;
        }
        match category {
            Category::Medication => &self.medication,
            Category::Scheduling => &self.scheduling,
            Category::Results => &self.results,
            Category::Clinical => &self.clinical,
            Category::Administrative => &self.administrative,
            Category::Other => &self.other,
        }
    }

    /// The pool for a message that only clinical staff may read (`sensitive`
    /// names why; empty when it is not sensitive). The rules' pool is kept
    /// when it is clinical (`is_clinical`); otherwise the `clinical` rule's
    /// pool, else the emergency pool, else the first clinical pool in
    /// `clinical_pools`. The reason says what happened, for staff.
    #[must_use]
    pub fn route_guarded(
        &self,
        category: Category,
        urgency: Urgency,
        sensitive: &[Sensitivity],
        clinical_pools: &[&str],
    ) -> Routed {
        let ruled = self.route(category, urgency);
        let Some(first) = sensitive.first() else {
            return Routed { pool: ruled.to_owned(), reason: None };
        };
        let why = sensitive.iter().map(|s| s.label()).collect::<Vec<_>>().join(", ");
        if clinical_pools.contains(&ruled) {
            // A clinical question in a clinical pool is routine; a sensitive topic is worth saying.
            let worth_saying = sensitive.iter().any(|s| *s != Sensitivity::Clinical);
            let reason = worth_saying.then(|| format!("sensitive: {why} → clinical pool {ruled}"));
            return Routed { pool: ruled.to_owned(), reason };
        }
        let fallback = [self.clinical.as_str(), self.emergency.as_str()]
            .into_iter()
            .chain(clinical_pools.iter().copied())
            .find(|p| clinical_pools.contains(p));
        match fallback {
            Some(pool) => Routed {
                pool: pool.to_owned(),
                reason: Some(format!("sensitive: {why} → clinical pool {pool}, not {ruled}")),
            },
            None => Routed {
                pool: ruled.to_owned(),
                reason: Some(format!(
                    "sensitive: {} but no pool has only clinical members; check the routing and the pools",
                    first.label()
                )),
            },
        }
    }

    /// Every rule as (key, pool slug); the key is `emergency` or a category.
    #[must_use]
    pub fn entries(&self) -> [(&'static str, &str); 7] {
        [
            ("emergency", &self.emergency),
            ("medication", &self.medication),
            ("scheduling", &self.scheduling),
            ("results", &self.results),
            ("clinical", &self.clinical),
            ("administrative", &self.administrative),
            ("other", &self.other),
        ]
    }

    /// Sets the rule named `key`; `false` if there is no such rule.
    pub fn set(&mut self, key: &str, pool: String) -> bool {
        let slot = match key {
            "emergency" => &mut self.emergency,
            "medication" => &mut self.medication,
            "scheduling" => &mut self.scheduling,
            "results" => &mut self.results,
            "clinical" => &mut self.clinical,
            "administrative" => &mut self.administrative,
            "other" => &mut self.other,
            _ => return false,
        };
        *slot = pool;
        true
    }
}

/// Whether a pool with members of `roles` is clinical: at least one member,
/// and every member a physician, nurse or pharmacist. Only clinical pools
/// take sensitive messages; a front-desk or billing member makes a pool
/// non-clinical at once, since every member reads what the pool holds.
#[must_use]
pub fn is_clinical_pool(roles: &[Role]) -> bool {
    !roles.is_empty() && roles.iter().all(|r| r.is_clinician())
}

/// Why a message may be read only by clinical staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitivity {
    /// Its category is clinical.
    Clinical,
    /// A topic the sensitive lexicon found.
    Topic(SensitiveTopic),
    /// An adolescent kept it confidential.
    Confidential,
}

impl Sensitivity {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Sensitivity::Clinical => "clinical question",
            Sensitivity::Topic(t) => t.label(),
            Sensitivity::Confidential => "confidential",
        }
    }
}

/// Where a message goes, and why when sensitivity decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub pool: String,
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLINICAL: &[&str] = &["nurse-triage", "pharmacy-refills"];

    #[test]
    fn defaults_follow_the_clinic_conventions() {
        let rules = RoutingRules::default();
        assert_eq!(rules.route(Category::Medication, Urgency::Routine), "pharmacy-refills");
        assert_eq!(rules.route(Category::Scheduling, Urgency::Urgent), "front-desk");
        assert_eq!(rules.route(Category::Administrative, Urgency::Routine), "billing");
        assert_eq!(rules.route(Category::Results, Urgency::Routine), "nurse-triage");
        assert_eq!(rules.route(Category::Clinical, Urgency::Routine), "nurse-triage");
        assert_eq!(rules.route(Category::Medication, Urgency::Emergency), "nurse-triage");
    }

    #[test]
    fn rules_can_be_edited_by_key() {
        let mut rules = RoutingRules::default();
        assert!(rules.set("administrative", "front-desk".to_owned()));
        assert!(!rules.set("nonsense", "x".to_owned()));
        assert_eq!(rules.route(Category::Administrative, Urgency::Routine), "front-desk");
        assert_eq!(rules.entries().len(), 7);
    }

    #[test]
    fn sensitive_messages_never_go_to_front_desk_or_billing() {
        let rules = RoutingRules::default();
        let sexual = [Sensitivity::Topic(SensitiveTopic::SexualHealth)];
        // A question the classifier called scheduling, about birth control.
        let routed = rules.route_guarded(Category::Scheduling, Urgency::Routine, &sexual, CLINICAL);
        assert_eq!(routed.pool, "nurse-triage");
        assert_eq!(
            routed.reason.as_deref(),
            Some("sensitive: sexual health → clinical pool nurse-triage, not front-desk")
        );
        // The patient chose billing; still clinical staff.
        let routed = rules.route_guarded(Category::Administrative, Urgency::Routine, &sexual, CLINICAL);
        assert_eq!(routed.pool, "nurse-triage");
        // Confidential threads too.
        let routed = rules.route_guarded(Category::Other, Urgency::Routine, &[Sensitivity::Confidential], CLINICAL);
        assert_eq!(routed.pool, "nurse-triage");
    }

    #[test]
    fn a_clinical_rule_that_points_at_billing_falls_back_to_the_emergency_pool() {
        let mut rules = RoutingRules::default();
        rules.set("clinical", "billing".to_owned());
        let routed = rules.route_guarded(Category::Clinical, Urgency::Routine, &[Sensitivity::Clinical], CLINICAL);
        assert_eq!(routed.pool, "nurse-triage");
        assert_eq!(
            routed.reason.as_deref(),
            Some("sensitive: clinical question → clinical pool nurse-triage, not billing")
        );
    }

    #[test]
    fn clinical_pools_and_plain_messages_keep_the_rules() {
        let rules = RoutingRules::default();
        let refill = rules.route_guarded(Category::Medication, Urgency::Routine, &[Sensitivity::Clinical], CLINICAL);
        assert_eq!(refill, Routed { pool: "pharmacy-refills".to_owned(), reason: None });
        let mind = [Sensitivity::Topic(SensitiveTopic::MentalHealth)];
        let therapy = rules.route_guarded(Category::Clinical, Urgency::Routine, &mind, CLINICAL);
        assert_eq!(therapy.reason.as_deref(), Some("sensitive: mental health → clinical pool nurse-triage"));
        let plain = rules.route_guarded(Category::Scheduling, Urgency::Routine, &[], CLINICAL);
        assert_eq!(plain, Routed { pool: "front-desk".to_owned(), reason: None });
        // With no clinical pool at all, the rules stand and the reason says so.
        let none = rules.route_guarded(Category::Scheduling, Urgency::Routine, &[Sensitivity::Confidential], &[]);
        assert_eq!(none.pool, "front-desk");
        assert!(none.reason.is_some_and(|r| r.contains("no pool has only clinical members")));
    }

    #[test]
    fn a_pool_is_clinical_when_every_member_is_a_clinician() {
        assert!(is_clinical_pool(&[Role::Nurse, Role::Physician]));
        assert!(is_clinical_pool(&[Role::Pharmacist]));
        assert!(!is_clinical_pool(&[Role::Nurse, Role::FrontDesk]));
        assert!(!is_clinical_pool(&[Role::Billing]));
        assert!(!is_clinical_pool(&[]));
    }
}
