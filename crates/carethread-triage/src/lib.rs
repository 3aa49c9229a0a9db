//! CareThread triage: decides how urgent a patient's message is, what it is
//! about, and which pool should answer it. Works offline, without a server or
//! database.
//!
//! Safety rules run first and can only raise urgency: any red-flag phrase makes
//! the message an emergency. This first version uses a compact rule set
//! (red flags in English and Spanish, with simple negation handling, and
//! category keywords); every result names the model and version that produced it.

pub mod eval;
mod rules;
pub mod safety;
pub mod text;

use carethread_core::thread::{Category, Urgency};
use serde::Serialize;

pub use rules::{MODEL_ID, MODEL_VERSION};

/// The outcome of triaging one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriageResult {
    pub urgency: Urgency,
    pub category: Category,
    /// Slug of the pool the message should go to.
    pub pool: &'static str,
    /// 0–1: how sure the triage is of the category.
    pub confidence: f64,
    /// A human should look at the triage because confidence is low.
    pub needs_review: bool,
    /// Why: the rule that fired or the words that decided the category.
    pub reasons: Vec<String>,
}

/// Triages a message from its subject and body.
#[must_use]
pub fn classify(subject: &str, body: &str) -> TriageResult {
    let text = format!("{subject}\n{body}").to_lowercase();
    let mut reasons = Vec::new();
    let red_flags = safety::Lexicon::builtin().check(&text).flags;
    let (category, confidence, category_reasons) = rules::category(&text);
    reasons.extend(red_flags.iter().map(|flag| format!("red flag: {}", flag.family)));
    reasons.extend(category_reasons);
    let urgency = if !red_flags.is_empty() {
        Urgency::Emergency
    } else if rules::is_urgent(&text) {
        reasons.push("asks for a quick answer or describes worsening symptoms".to_owned());
        Urgency::Urgent
    } else {
        Urgency::Routine
    };
    TriageResult {
        urgency,
        category,
        pool: route(category, urgency),
        confidence,
        needs_review: confidence < 0.5,
        reasons,
    }
}

/// The default routing: which pool answers a category at an urgency.
#[must_use]
pub fn route(category: Category, urgency: Urgency) -> &'static str {
    if urgency == Urgency::Emergency {
        return "nurse-triage";
    }
    match category {
        Category::Medication => "pharmacy-refills",
        Category::Scheduling => "front-desk",
        Category::Administrative => "billing",
        Category::Results | Category::Clinical | Category::Other => "nurse-triage",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chest_pain_hidden_in_a_refill_is_an_emergency() {
        let t =
            classify("Refill please", "Can you refill my lisinopril? Also my chest feels tight since this morning.");
        assert_eq!(t.urgency, Urgency::Emergency);
        assert_eq!(t.pool, "nurse-triage");
        assert!(t.reasons.iter().any(|r| r.contains("chest")));
    }

    #[test]
    fn negated_red_flags_do_not_fire() {
        let t = classify("Question", "No chest pain, just wondering about my cholesterol results.");
        assert_ne!(t.urgency, Urgency::Emergency);
        assert_eq!(t.category, Category::Results);
    }

    #[test]
    fn spanish_red_flags_fire() {
        assert_eq!(classify("Ayuda", "Tengo dolor de pecho y me falta el aire").urgency, Urgency::Emergency);
        assert_eq!(classify("", "Quiero suicidarme").urgency, Urgency::Emergency);
    }

    #[test]
    fn routine_requests_route_by_category() {
        let refill = classify("Refill", "I need a refill of my metformin at the usual pharmacy");
        assert_eq!((refill.category, refill.pool), (Category::Medication, "pharmacy-refills"));
        let visit = classify("Appointment", "Can I reschedule my appointment to next week?");
        assert_eq!((visit.category, visit.pool), (Category::Scheduling, "front-desk"));
        let bill = classify("Bill", "I got a bill from my insurance I don't understand");
        assert_eq!((bill.category, bill.pool), (Category::Administrative, "billing"));
    }
}
