//! The reasons staff read next to a triage result name clinical evidence (red
//! flags first, the medicines and how long something has gone on) and never
//! an empty word such as "and" or "on".

use carethread_core::thread::Urgency;
use carethread_triage::classify;

/// Words that carry no clinical meaning, in English and Spanish.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "at", "be", "but", "can", "do", "for", "from", "had", "has", "have", "i", "im", "in",
    "is", "it", "its", "me", "my", "of", "on", "or", "so", "that", "the", "this", "to", "was", "with", "you", "your",
    "al", "con", "de", "del", "el", "en", "es", "la", "las", "lo", "los", "me", "mi", "no", "para", "por", "que", "se",
    "su", "un", "una", "y", "ya",
];

/// The quoted words of a reason ("word \"and\"" → `["and"]`).
fn quoted(reason: &str) -> Vec<String> {
    reason.split('"').skip(1).step_by(2).flat_map(|q| q.split_whitespace().map(str::to_owned)).collect()
}

fn assert_no_stop_words(reasons: &[String]) {
    for reason in reasons {
        for word in quoted(reason) {
            assert!(!STOP_WORDS.contains(&word.as_str()), "stop word {word:?} in {reason:?} ({reasons:?})");
        }
        assert!(!reason.chars().any(char::is_control), "{reason:?}");
    }
}

#[test]
fn a_refill_names_the_medicine_and_how_long_and_no_stop_words() {
    let t = classify("Refill", "Can you refill my lisinopril? I ran out 3 days ago and I am on the last pill.");
    assert!(t.reasons.iter().any(|r| r == "mentions a medicine: lisinopril"), "{:?}", t.reasons);
    assert!(t.reasons.iter().any(|r| r == "since: 3 days ago"), "{:?}", t.reasons);
    assert_no_stop_words(&t.reasons);
}

#[test]
fn spanish_messages_name_the_medicine_and_the_duration() {
    let t = classify("Tos", "Tengo tos desde hace 2 días y tomo metformina con la comida.");
    assert!(t.reasons.iter().any(|r| r == "mentions a medicine: metformina"), "{:?}", t.reasons);
    assert!(t.reasons.iter().any(|r| r == "since: hace 2 días"), "{:?}", t.reasons);
    assert_no_stop_words(&t.reasons);
}

#[test]
fn durations_are_read_after_since_and_for_but_not_from_doses() {
    let t = classify("Cough", "I have had a cough for two weeks and a fever since yesterday.");
    assert!(t.reasons.iter().any(|r| r == "since: two weeks"), "{:?}", t.reasons);
    assert!(t.reasons.iter().any(|r| r == "since: yesterday"), "{:?}", t.reasons);
    let dose = classify("Dose", "Should I take the metformin twice a day or once a day?");
    assert!(!dose.reasons.iter().any(|r| r.starts_with("since:")), "{:?}", dose.reasons);
    assert!(dose.reasons.iter().any(|r| r == "mentions a medicine: metformin"), "{:?}", dose.reasons);
    assert_no_stop_words(&t.reasons);
    assert_no_stop_words(&dose.reasons);
}

#[test]
fn red_flags_come_first_and_the_evidence_follows() {
    let t = classify(
        "Refill please",
        "Can you refill my lisinopril? Also my chest feels tight since this morning and I am on the couch.",
    );
    assert_eq!(t.urgency, Urgency::Emergency);
    assert!(t.reasons[0].starts_with("red flag: chest pain"), "{:?}", t.reasons);
    assert!(t.reasons.iter().any(|r| r == "mentions a medicine: lisinopril"), "{:?}", t.reasons);
    assert!(t.reasons.iter().any(|r| r == "since: this morning"), "{:?}", t.reasons);
    assert_no_stop_words(&t.reasons);
}

#[test]
fn everyday_messages_never_explain_themselves_with_empty_words() {
    for (subject, body) in [
        ("Question", "I was wondering if I could get the results of my blood test and what they mean for me."),
        ("Appointment", "Can I move my appointment on Monday to the afternoon? I have to work in the morning."),
        ("Bill", "I got a bill and I do not understand it, is it from you or from the lab?"),
        ("Pregunta", "Quiero saber si puedo cambiar la cita del lunes para el martes en la tarde."),
        ("Factura", "Me llegó una factura y no entiendo lo que tengo que pagar."),
    ] {
        let t = classify(subject, body);
        assert!(t.reasons.iter().any(|r| r.starts_with("classifier: ")), "{:?}", t.reasons);
        assert_no_stop_words(&t.reasons);
    }
}

/// Whether the classifier's part of a reason names what it read: the
/// features (or, for an emergency, the symptom content) after " from ".
fn names_evidence(reason: &str) -> bool {
    let Some((_, evidence)) = reason.split_once(") from ") else { return false };
    !evidence.trim().is_empty()
}

#[test]
fn every_reason_for_every_training_message_names_evidence_and_no_empty_word() {
    let examples = carethread_triage::corpus::parse(carethread_triage::TRAIN_SPLIT).expect("the training split parses");
    let mut unexplained = Vec::new();
    for e in &examples {
        let t = classify(&e.subject, &e.body);
        assert!(!t.reasons.is_empty(), "{e:?}");
        for reason in &t.reasons {
            // The patient's own words ("ate my pills") are quoted as written;
            // the classifier's reasons name features, never an empty word.
            if !(reason.starts_with("classifier: ") || reason.starts_with("classifier urgency: ")) {
                continue;
            }
            if !names_evidence(reason) {
                unexplained.push(format!("{reason:?} for {:?} / {:?}", e.subject, e.body));
            }
            assert_no_stop_words(std::slice::from_ref(reason));
            for word in quoted(reason) {
                let folded = carethread_triage::text::normalise(&word);
                let medicine = folded == "<medicine>";
                assert!(medicine || !carethread_triage::evidence::is_uninformative(&folded), "{word:?} in {reason:?}");
            }
        }
    }
    assert!(unexplained.is_empty(), "{} reasons name no evidence:\n{}", unexplained.len(), unexplained.join("\n"));
}
