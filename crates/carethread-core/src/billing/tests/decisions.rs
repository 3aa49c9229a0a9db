//! Codes, thresholds and every exclusion, decided from pings.

use super::*;
use Exclusion as X;

#[test]
fn every_threshold_bills_the_right_code_for_each_class_and_payer() {
    use EVisitCode::*;
    type Expected = Result<EVisitCode, &'static [Exclusion]>;
    let table: &[(Role, Payer, i64, Expected)] = &[
        (Role::Physician, Payer::Other, 4, Err(&[X::UnderFiveMinutes])),
        (Role::Physician, Payer::Other, 5, Ok(Cpt99421)),
        (Role::Physician, Payer::Other, 10, Ok(Cpt99421)),
        (Role::Physician, Payer::Other, 11, Ok(Cpt99422)),
        (Role::Physician, Payer::Other, 20, Ok(Cpt99422)),
        (Role::Physician, Payer::Other, 21, Ok(Cpt99423)),
        (Role::Physician, Payer::Medicare, 11, Ok(Cpt99422)),
        (Role::Pharmacist, Payer::Other, 4, Err(&[X::UnderFiveMinutes])),
        (Role::Pharmacist, Payer::Other, 5, Ok(Cpt98970)),
        (Role::Pharmacist, Payer::Other, 10, Ok(Cpt98970)),
        (Role::Pharmacist, Payer::Other, 11, Ok(Cpt98971)),
        (Role::Pharmacist, Payer::Other, 20, Ok(Cpt98971)),
        (Role::Pharmacist, Payer::Other, 21, Ok(Cpt98972)),
        (Role::Pharmacist, Payer::Medicare, 5, Ok(G2061)),
        (Role::Pharmacist, Payer::Medicare, 11, Ok(G2062)),
        (Role::Pharmacist, Payer::Medicare, 21, Ok(G2063)),
        (Role::Nurse, Payer::Other, 30, Err(&[X::ClinicalStaffTime])),
        (Role::FrontDesk, Payer::Other, 30, Err(&[X::NotAClinician])),
    ];
    for &(role, payer, minutes, expected) in table {
        let mut case = Case::doctor_minutes(minutes);
        case.roles = vec![(DOCTOR, role)];
        case.settings.payer = payer;
        let decision = case.decision();
        match expected {
            Ok(code) => {
                let BillingDecision::Billable { code: billed, minutes: billed_minutes, .. } = decision else {
                    panic!("{role} {payer} {minutes} min: expected {code}, got {decision:?}");
                };
                assert_eq!((billed, billed_minutes), (code, u32::try_from(minutes).expect("small")));
            }
            Err(reasons) => assert_eq!(decision, not_billable(reasons), "{role} {payer} {minutes} min"),
        }
    }
}

#[test]
fn a_nurse_practitioner_holding_the_nurse_role_bills_as_a_physician() {
    let mut case = Case::doctor_minutes(12);
    case.roles = vec![(DOCTOR, Role::Nurse)];
    case.settings.classes.set_person(user(DOCTOR), Some(BillingClass::PhysicianOrQhp));
    assert_eq!(case.decision().code(), Some(EVisitCode::Cpt99422));
}

#[test]
fn nurse_time_on_the_thread_does_not_add_to_the_physicians() {
    let mut case = Case::doctor_minutes(4);
    case.pings.extend(work(NURSE, THREAD, review() + TimeDelta::minutes(5), 20));
    assert_eq!(case.decision(), not_billable(&[X::UnderFiveMinutes]));
    assert_eq!(case.decision_of(NURSE), not_billable(&[X::ClinicalStaffTime]));
}

#[test]
fn every_exclusion_is_found() {
    type Change = fn(&mut Case);
    let table: &[(&str, Change, &[Exclusion])] = &[
        ("no visit yet", |c| c.patient.first_visit_on = None, &[X::NotEstablished]),
        ("first visit on the day", |c| c.patient.first_visit_on = Some(date(2026, 11, 16)), &[X::NotEstablished]),
        ("global period", |c| c.patient.surgical_global_until = Some(date(2026, 11, 16)), &[X::SurgicalGlobalPeriod]),
        ("no consent", |c| c.patient.consent = None, &[X::NoConsent]),
        ("consent after", |c| c.patient.consent = Consent::new(date(2026, 11, 17), None).ok(), &[X::NoConsent]),
        (
            "declined",
            |c| c.patient.consent = Consent::new(date(2026, 6, 1), Some(date(2026, 9, 1))).ok(),
            &[X::ConsentWithdrawn],
        ),
        (
            "consent a year old",
            |c| c.patient.consent = Consent::new(date(2025, 11, 16), None).ok(),
            &[X::ConsentExpired],
        ),
        ("scheduling", |c| c.threads[0].purpose = MessagePurpose::Scheduling, &[X::Scheduling]),
        ("result notice", |c| c.threads[0].purpose = MessagePurpose::ResultNotice, &[X::ResultNotice]),
        ("refill", |c| c.threads[0].purpose = MessagePurpose::RefillWithoutEvaluation, &[X::RefillWithoutEvaluation]),
        ("administrative", |c| c.threads[0].purpose = MessagePurpose::Administrative, &[X::Administrative]),
        (
            "visit 6 days before the message",
            |c| c.threads[0].related_visits.push(utc("2026-11-09T17:00:00-06:00")),
            &[X::RecentVisitSameProblem],
        ),
        ("led to a visit", |c| c.threads[0].related_visits.push(utc("2026-11-19T09:00:00-06:00")), &[X::LedToVisit]),
        ("not attested", |c| c.attest = Attest::Nobody, &[X::NotAttested]),
        ("attested under 5", |c| c.attest = Attest::Minutes(4), &[X::UnderFiveMinutes]),
        ("period still open", |c| c.now = review() + TimeDelta::days(3), &[X::PeriodOpen]),
    ];
    for (name, change, expected) in table {
        let mut case = Case::doctor_minutes(12);
        change(&mut case);
        assert_eq!(case.decision(), not_billable(expected), "{name}");
    }
}

/// A thread Dr. Lee started, which the patient answered.
fn care_team_thread() -> EVisitThread {
    EVisitThread {
        id: thread_id(OTHER_THREAD),
        started_by: Role::Physician,
        purpose: MessagePurpose::Evaluation,
        related_visits: Vec::new(),
        messages: vec![message(5, utc("2026-11-16T11:00:00-06:00"), PATIENT, Role::Patient)],
    }
}

#[test]
fn a_care_team_thread_sets_its_own_time_aside_and_the_patients_still_counts() {
    let mut case = Case::doctor_minutes(3);
    case.threads.push(care_team_thread());
    case.pings.extend(work(DOCTOR, OTHER_THREAD, review() + TimeDelta::hours(1), 12));
    assert_eq!(case.decision(), not_billable(&[X::StartedByCareTeam, X::UnderFiveMinutes]));
    let mut longer = Case::doctor_minutes(6);
    longer.threads.push(care_team_thread());
    longer.pings.extend(work(DOCTOR, OTHER_THREAD, review() + TimeDelta::hours(1), 12));
    let BillingDecision::Billable { minutes, measured_minutes, .. } = longer.decision() else { panic!("billable") };
    assert_eq!((minutes, measured_minutes), (6, 6));
}

#[test]
fn a_thread_the_care_team_started_never_opens_a_period() {
    let mut case = Case::doctor_minutes(0);
    case.threads = vec![care_team_thread()];
    case.pings = work(DOCTOR, OTHER_THREAD, review() + TimeDelta::hours(1), 12);
    assert!(case.measures().is_empty());
}

#[test]
fn the_edges_of_the_visit_windows_are_exact() {
    let billable = |visit: &str| {
        let mut case = Case::doctor_minutes(12);
        case.threads[0].related_visits.push(utc(visit));
        case.decision().is_billable()
    };
    // The message was sent Sunday 2026-11-15 16:00: seven days before is the 8th, 16:00.
    assert!(!billable("2026-11-08T16:00:00-06:00"));
    assert!(billable("2026-11-08T15:59:00-06:00"));
    // The period ends Monday 2026-11-23 10:00.
    assert!(!billable("2026-11-23T09:59:00-06:00"));
    assert!(billable("2026-11-23T10:00:00-06:00"));
}

#[test]
fn the_patient_facts_edges_are_exact() {
    let with = |change: fn(&mut Case)| {
        let mut case = Case::doctor_minutes(12);
        change(&mut case);
        case.decision().is_billable()
    };
    assert!(with(|c| c.patient.surgical_global_until = Some(date(2026, 11, 15))));
    assert!(with(|c| c.patient.consent = Consent::new(date(2025, 11, 17), None).ok()));
    assert!(with(|c| c.patient.consent = Consent::new(date(2026, 6, 1), Some(date(2026, 11, 17))).ok()));
    assert!(with(|c| c.patient.first_visit_on = Some(date(2026, 11, 15))));
}

#[test]
fn the_attested_minutes_bill_and_the_measured_are_kept() {
    let mut case = Case::doctor_minutes(4);
    case.attest = Attest::Minutes(12);
    let BillingDecision::Billable { code, minutes, measured_minutes, .. } = case.decision() else { panic!("billable") };
    assert_eq!((code, minutes, measured_minutes), (EVisitCode::Cpt99422, 12, 4));
}

#[test]
fn every_exclusion_that_applies_is_listed_not_only_the_first() {
    let mut case = Case::doctor_minutes(2);
    case.roles = vec![(DOCTOR, Role::Nurse)];
    case.patient.first_visit_on = None;
    case.patient.consent = None;
    case.threads[0].related_visits.push(utc("2026-11-18T09:00:00-06:00"));
    case.attest = Attest::Nobody;
    case.now = review();
    assert_eq!(
        case.decision(),
        not_billable(&[
            X::ClinicalStaffTime,
            X::NotEstablished,
            X::NoConsent,
            X::LedToVisit,
            X::NotAttested,
            X::PeriodOpen
        ])
    );
}

#[test]
fn a_billable_period_lists_the_conversation_but_not_internal_notes() {
    let mut case = Case::doctor_minutes(8);
    let reply_at = review() + TimeDelta::minutes(8);
    case.threads[0].messages.push(message(7, reply_at, DOCTOR, Role::Physician));
    case.threads[0].messages.push(EVisitMessage { internal: true, ..message(8, reply_at, DOCTOR, Role::Physician) });
    let BillingDecision::Billable { messages, period, .. } = case.decision() else { panic!("billable") };
    assert_eq!(messages, [message_id(THREAD * 1_000), message_id(7)]);
    assert_eq!(period.start(), review());
}

#[test]
fn an_attestation_for_another_period_or_patient_is_refused() {
    let case = Case::doctor_minutes(8);
    let m = case.measures().remove(0);
    let other = BillingPeriod::starting_at(review() + TimeDelta::days(30), Chicago);
    let later = review() + TimeDelta::days(40);
    let wrong_period = Attestation::from_parts(user(PATIENT), user(DOCTOR), &other, 8, 8, later).expect("valid");
    let wrong_patient = Attestation::new(user(PROXY), &m, 8, 8, later).expect("valid");
    for a in [wrong_period, wrong_patient] {
        let result = decide(&case.settings, &case.patient, Role::Physician, &case.threads, &m, Some(&a), case.now);
        assert_eq!(result.map_err(|e| e.field()), Err("attestation"));
    }
    let missing_thread = decide(&case.settings, &case.patient, Role::Physician, &[], &m, None, case.now);
    assert_eq!(missing_thread.map_err(|e| e.field()), Err("threads"));
}

#[test]
fn decisions_serialize_with_their_stable_codes() {
    let refused = serde_json::to_value(not_billable(&[X::NoConsent, X::UnderFiveMinutes])).expect("json");
    assert_eq!(
        refused,
        serde_json::json!({"decision": "not_billable", "reasons": ["no_consent", "under_five_minutes"]})
    );
    let billed = serde_json::to_value(Case::doctor_minutes(12).decision()).expect("json");
    assert_eq!((billed["decision"].as_str(), billed["code"].as_str()), (Some("billable"), Some("99422")));
    assert_eq!((billed["minutes"].as_u64(), billed["measured_minutes"].as_u64()), (Some(12), Some(12)));
}
