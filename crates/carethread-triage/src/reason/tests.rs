use super::*;
use crate::{RoutingRules, Sensitivity, TRAIN_SPLIT, Triage, corpus};

fn read(text: &str) -> ReasonCode {
    ReasonCode::read(text).unwrap_or_else(|| panic!("no code for {text:?}"))
}

fn args(code: &ReasonCode) -> Vec<(&str, &str)> {
    code.args.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Messages that make each kind of rule write a reason.
const MESSAGES: &[(&str, &str)] = &[
    ("Refill please", "Can you refill my lisinopril? Also my chest feels tight since this morning."),
    ("Question", "No chest pain, just wondering about my cholesterol results."),
    ("", "My father had a stroke years ago; I had chest pain in 2019."),
    ("Ayuda", "Tengo dolor de pecho y me falta el aire desde hace 2 días"),
    ("", "HR 140 since lunch, sats 86%, RR 32"),
    ("", "pulso 35 y me siento débil"),
    ("", "sugar over 400 and vomiting, also sugar 45 this morning"),
    ("", "104.5F since last night"),
    ("", "my 6 week old baby has a temperature of 100.8 F"),
    ("", "BP 210/130 right now"),
    ("", "BP 185/100 and a bad headache"),
    ("", "BP 85/50, dizzy and lightheaded"),
    ("", "INR 6.5 and my gums are bleeding"),
    ("", "INR 10.2 this morning"),
    ("", "I have heart failure and gained 4 lb in 2 days, my ankles are swollen"),
    ("", "heart failure: up 3 pounds since yesterday, 3 lb in a day"),
    ("", "If my BP were 210/130 what should I do?"),
    (
        "Rendez-vous",
        "Bonjour, je voudrais prendre un rendez-vous avec le médecin la semaine prochaine s'il vous plaît.",
    ),
    ("", "我的药吃完了，请帮我续药，谢谢医生"),
    ("Urgent", "Please call me back asap, my rash is getting worse"),
    ("Hello", "Just saying hi"),
];

#[test]
fn every_reason_the_rules_and_the_classifier_write_has_a_code() {
    let routing = RoutingRules::default();
    let examples = corpus::parse(TRAIN_SPLIT).expect("the training split parses");
    let messages = examples.iter().map(|e| (e.subject.as_str(), e.body.as_str())).chain(MESSAGES.iter().copied());
    let mut seen = std::collections::BTreeSet::new();
    for (subject, body) in messages {
        for use_classifier in [true, false] {
            let result = Triage::builtin().classify(subject, body, use_classifier, &routing);
            for reason in &result.reasons {
                let code = read(reason);
                seen.insert(code.code);
                if code.code == "not-counted" {
                    let finding = code.arg("finding");
                    let reading = finding.starts_with("vital sign: ") || finding.starts_with("lab value: ");
                    assert!(reading == ReasonCode::read(finding).is_some(), "{reason:?}");
                }
                assert!(
                    code.args.iter().all(|(k, v)| !v.is_empty() || matches!(*k, "bound" | "features")),
                    "{reason:?} {code:?}"
                );
            }
        }
    }
    for code in [
        "red-flag",
        "not-counted",
        "vital-sign-high",
        "vital-sign-low",
        "vital-sign-at-or-above",
        "vital-sign-high-with-symptoms",
        "vital-sign-systolic-low-with-symptoms",
        "vital-sign-high-with-bleeding",
        "vital-sign-infant-fever",
        "vital-sign-weight-gain",
        "lab-value-at-or-above",
        "lab-value-low",
        "mentions-medicine",
        "since",
        "mentions-word",
        "no-category-keywords",
        "asks-quickly",
        "classifier-category",
        "classifier-urgency",
        "no-symptom-named",
        "interpreter",
    ] {
        assert!(seen.contains(code), "no message gave {code}; seen {seen:?}");
    }
}

#[test]
fn vital_signs_read_as_what_value_and_threshold() {
    let low = read("vital sign: SpO2 86% (emergency below 90%)");
    assert_eq!(low.code, "vital-sign-low");
    assert_eq!(args(&low), [("bound", ""), ("threshold", "90%"), ("value", "86%"), ("what", "spo2")]);
    let glucose = read("vital sign: glucose over 400 mg/dL (emergency above 400 mg/dL with symptoms)");
    assert_eq!(glucose.code, "vital-sign-high-with-symptoms");
    assert_eq!(
        (glucose.arg("bound"), glucose.arg("value"), glucose.arg("threshold")),
        ("over", "400 mg/dL", "400 mg/dL")
    );
    let heart = read("vital sign: heart rate 150 (emergency above 130)");
    assert_eq!((heart.code, heart.arg("what")), ("vital-sign-high", "heart_rate"));
    let gain = read(
        "vital sign: weight gain 4 lb in 2 days (heart failure: emergency at 3 lb / 1 kg in a day or 5 lb / 2 kg in a week)",
    );
    assert_eq!(
        args(&gain),
        [("amount", "4 lb"), ("day_threshold", "3 lb / 1 kg"), ("days", "2"), ("week_threshold", "5 lb / 2 kg")]
    );
    assert!(ReasonCode::read("vital sign: mood 3 (emergency below 5)").is_none());
}

#[test]
fn red_flags_and_what_was_not_counted_keep_the_patients_words() {
    let flag = read("red flag: chest pain (\"chest feels tight\")");
    assert_eq!(args(&flag), [("family", "chest pain"), ("phrase", "chest feels tight")]);
    let negated = read("not counted: chest pain (negated)");
    assert_eq!(args(&negated), [("finding", "chest pain"), ("why", "negated")]);
    let history =
        read("not counted: vital sign: blood pressure 210/130 (emergency at or above 180/120) (past history)");
    assert_eq!(history.arg("why"), "history");
    assert_eq!(read(history.arg("finding")).code, "vital-sign-at-or-above");
}

#[test]
fn routing_and_the_care_teams_reasons_have_codes() {
    let rules = RoutingRules::default();
    let sensitive = [Sensitivity::Topic(crate::sensitive::SensitiveTopic::MentalHealth)];
    let moved = rules.route_guarded(
        carethread_core::thread::Category::Administrative,
        carethread_core::thread::Urgency::Routine,
        &sensitive,
        &["nurse-triage"],
    );
    let code = read(&moved.reason.expect("a reason"));
    assert_eq!(args(&code), [("pool", "nurse-triage"), ("ruled", "billing"), ("topics", "mental_health")]);
    let none = rules.route_guarded(
        carethread_core::thread::Category::Administrative,
        carethread_core::thread::Urgency::Routine,
        &sensitive,
        &[],
    );
    assert_eq!(read(&none.reason.expect("a reason")).code, "sensitive-no-clinical-pool");
    assert_eq!(args(&read("re-triaged by Kim (nurse)")), [("name", "Kim"), ("role", "nurse")]);
    assert_eq!(args(&read("urgency routine → urgent")), [("from", "routine"), ("to", "urgent")]);
    assert_eq!(read("category kept: scheduling (triage read clinical)").arg("read"), "clinical");
    assert_eq!(read("started by the care team").code, "started-by-care-team");
    assert!(ReasonCode::read("something a person typed").is_none());
}
