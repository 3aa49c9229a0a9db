//! Readings past an emergency threshold make a message an emergency with the
//! number and the threshold first among its reasons; messages in a language
//! CareThread does not triage go to clinical staff, marked for review with
//! the language named, and never to a non-clinical pool.

use carethread_core::thread::{Category, Urgency};
use carethread_triage::{RoutingRules, Triage, classify};

#[test]
fn a_reading_past_its_threshold_is_an_emergency_with_the_reading_first() {
    let t = classify("Dad", "Dad, 78, BP 82/50, confused since this morning");
    assert_eq!((t.urgency, t.pool.as_str()), (Urgency::Emergency, "nurse-triage"));
    assert_eq!(
        t.reasons[0], "vital sign: blood pressure 82/50 (emergency: systolic below 90 with symptoms)",
        "{:?}",
        t.reasons
    );

    let t = classify("Refill", "Can you refill my albuterol? My sats 86% on the home monitor.");
    assert_eq!(t.urgency, Urgency::Emergency);
    assert_eq!(t.reasons[0], "vital sign: SpO2 86% (emergency below 90%)", "{:?}", t.reasons);

    let t = classify("Coumadin clinic", "INR 9.6 at the lab this morning, what dose tonight?");
    assert_eq!(t.urgency, Urgency::Emergency);
    assert_eq!(t.reasons[0], "vital sign: INR 9.6 (emergency above 9)", "{:?}", t.reasons);

    let off = Triage::builtin().classify("", "glucosa 38 mg/dL", false, &RoutingRules::default());
    assert_eq!(off.urgency, Urgency::Emergency);
    assert_eq!(off.reasons[0], "vital sign: glucose 38 mg/dL (emergency below 54 mg/dL)");
}

#[test]
fn normal_and_past_readings_are_not_alarms() {
    let log = classify("Blood pressure log", "Here are this week's readings: 118/76, 122/80, 119/78. Pulse 70.");
    assert!(!log.reasons.iter().any(|r| r.starts_with("vital sign")), "{:?}", log.reasons);
    let past = classify("Question", "Last year my BP was 210/130 and they changed my pills.");
    assert!(!past.reasons.iter().any(|r| r.starts_with("vital sign")), "{:?}", past.reasons);
    assert!(
        past.reasons.contains(
            &"not counted: vital sign: blood pressure 210/130 (emergency at or above 180/120) (past history)"
                .to_owned()
        ),
        "{:?}",
        past.reasons
    );
}

/// Clinic rules whose category pools are not clinical staff.
fn clinic_rules() -> RoutingRules {
    let mut rules = RoutingRules::default();
    rules.set("other", "front-desk".to_owned());
    rules.set("administrative", "billing".to_owned());
    rules.set("scheduling", "front-desk".to_owned());
    rules.set("medication", "pharmacy-refills".to_owned());
    rules
}

#[test]
fn a_language_carethread_does_not_triage_goes_to_nurses_with_an_interpreter() {
    let messages = [
        ("Vietnamese", "Lịch hẹn", "Chào bác sĩ, tôi muốn đổi lịch hẹn sang tuần sau được không? Cảm ơn bác sĩ nhiều."),
        ("Mandarin", "预约", "医生您好，我想把下周的预约改到星期五下午，可以吗？谢谢您。"),
        ("Russian", "Запись", "Здравствуйте, доктор. Можно перенести мой приём на следующую неделю? Спасибо большое."),
        (
            "French",
            "Rendez-vous",
            "Bonjour docteur, est-ce que je peux changer mon rendez-vous pour la semaine prochaine? Merci beaucoup, bonne journée.",
        ),
    ];
    for (language, subject, body) in messages {
        for use_classifier in [true, false] {
            let t = Triage::builtin().classify(subject, body, use_classifier, &clinic_rules());
            assert!(t.needs_review, "{language}: {t:?}");
            assert_eq!(t.pool, "nurse-triage", "{language}: {t:?}");
            assert_eq!(t.category, Category::Clinical, "{language}: {t:?}");
            assert_ne!(t.urgency, Urgency::Routine, "{language}: {t:?}");
            assert!(t.interpreter.as_deref().is_some_and(|l| l.starts_with(language)), "{language}: {t:?}");
            let reason = t.reasons.iter().find(|r| r.starts_with("language: ")).expect("a language reason");
            assert!(reason.starts_with(&format!("language: {language}")), "{reason}");
            assert!(reason.ends_with("— not triaged automatically; interpreter needed"), "{reason}");
        }
    }
}

#[test]
fn the_rules_still_run_on_a_message_in_another_language() {
    let t = classify("", "Bố tôi bị khó thở và mệt lắm, máy đo SpO2 85, huyết áp 80/50, tôi phải làm gì?");
    assert_eq!(t.urgency, Urgency::Emergency);
    assert_eq!(t.reasons[0], "vital sign: SpO2 85% (emergency below 90%)", "{:?}", t.reasons);
    assert!(t.reasons.iter().any(|r| r.starts_with("language: Vietnamese")), "{:?}", t.reasons);
}

#[test]
fn english_and_spanish_messages_are_triaged_as_before() {
    for (subject, body, pool) in [
        ("Appointment", "Can I reschedule my appointment to next week? Thank you so much.", "front-desk"),
        ("Cita", "Buenas tardes, quisiera cambiar mi cita para la próxima semana. Muchas gracias.", "front-desk"),
        ("Refill", "hola necesito refill del metformin porfa, thank you", "pharmacy-refills"),
    ] {
        let t = Triage::builtin().classify(subject, body, true, &clinic_rules());
        assert_eq!(t.interpreter, None, "{t:?}");
        assert!(!t.reasons.iter().any(|r| r.starts_with("language: ")), "{t:?}");
        assert_eq!(t.pool, pool, "{t:?}");
    }
    let short = classify("", "merci");
    assert_eq!(short.interpreter, None);
}
