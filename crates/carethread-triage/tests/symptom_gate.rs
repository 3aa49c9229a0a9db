//! The symptom gate: the classifier alone never calls a message without
//! symptom content an emergency, and still raises one the rules miss.

use carethread_core::thread::Urgency;
use carethread_triage::{RoutingRules, Triage, TriageResult, classify};

fn classifier_alone(subject: &str, body: &str) -> TriageResult {
    let rules = Triage::builtin().classify(subject, body, false, &RoutingRules::default());
    assert_ne!(rules.urgency, Urgency::Emergency, "the rules alone raise {body:?}: {:?}", rules.reasons);
    classify(subject, body)
}

#[test]
fn a_log_of_normal_readings_is_never_an_emergency() {
    for (subject, body) in [
        (
            "Blood pressure log",
            "Blood pressure log: Here are this week's readings. Mon 122/78 HR 72, Tue 118/76 HR 70, \
             Wed 124/80 HR 75, Thu 120/79, Fri 117/75. Sugars 104, 98, 110 fasting. Thanks!",
        ),
        (
            "Registro de presión",
            "Registro de presión de la semana: lunes 121/79, martes 118/77, miércoles 123/80. Gracias.",
        ),
        ("Thank you", "Thank you all so much for everything last week, the nurses were wonderful."),
        ("Form", "Attached is the FMLA form my employer sent, can Dr. Patel sign it by Friday?"),
        ("Appointment", "Can I move my appointment on Tuesday to Thursday afternoon?"),
    ] {
        let t = classifier_alone(subject, body);
        assert_ne!(t.urgency, Urgency::Emergency, "{body:?}: {:?}", t.reasons);
    }
}

#[test]
fn chest_pain_the_rules_miss_is_still_raised_and_names_its_symptoms() {
    let t = classifier_alone("", "chest is sore and achy since an hour ago and I'm sweating and nauseous");
    assert_eq!(t.urgency, Urgency::Emergency, "{:?}", t.reasons);
    let why = t.reasons.iter().find(|r| r.starts_with("classifier urgency: emergency")).expect("an urgency reason");
    assert!(why.contains("symptom \"pain\""), "{why}");
}

#[test]
fn every_emergency_the_classifier_raises_names_its_symptom_content() {
    let routing = RoutingRules::default();
    let examples = carethread_triage::corpus::parse(carethread_triage::TRAIN_SPLIT).expect("the training split parses");
    for e in &examples {
        let t = Triage::builtin().classify(&e.subject, &e.body, true, &routing);
        if let Some(why) = t.reasons.iter().find(|r| r.starts_with("classifier urgency: emergency")) {
            assert!(why.contains(" from "), "{why} for {e:?}");
        }
    }
}
