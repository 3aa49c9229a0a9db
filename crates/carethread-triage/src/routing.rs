//! Routing: which pool answers a message of a category at an urgency. Each
//! clinic has its own rules; these are the defaults.

use carethread_core::thread::{Category, Urgency};
use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
