//! The equity monitor on SQLite and PostgreSQL, against a hand count.
//!
//! Billing is turned on at T. Ten Spanish-speaking patients (payer
//! "medicaid", patients since a month before T) each start two conversations
//! five days before T and one five days after; twelve English speakers (ten
//! such, and the story clinic's Alice and Maya, patients from just before T)
//! — the ten each start two before and two after. The care team
//! answers every conversation but two of the Spanish speakers' after T. Two
//! of the Spanish speakers' periods are approved claims; three of them
//! declined billing. Read twenty days after T over two months, both windows
//! are twenty days long.

mod support;

use carethread_app::billing::{self, ConsentChoice, SetupInput};
use carethread_app::equity::{self, EquityQuery};
use carethread_app::{AppError, Caller};
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::equity::{GroupFigures, MONTH_DAYS};
use carethread_core::role::Role;
use carethread_core::thread::ThreadStatus;
use carethread_store::{ClaimDecision, ClaimStatus, PeriodKey};
use chrono::{DateTime, TimeDelta, Utc};

/// Ten patients of the clinic since a month before `on`.
async fn patients(c: &support::Clinic, prefix: &str, spanish: bool, on: DateTime<Utc>) -> Vec<Caller> {
    let mut out = Vec::new();
    for n in 0..10 {
        let username = format!("{prefix}.{n}");
        let born = chrono::NaiveDate::from_ymd_opt(1970, 1, 1);
        let joined = on - TimeDelta::days(30);
        let who = support::person_since(&c.app.store, (&username, &username), Role::Patient, born, joined).await;
        if spanish {
            let audit = AuditEvent::new(AuditAction::UserUpdate, None, Utc::now());
            let change = carethread_store::UserChange {
                language: Some(carethread_core::user::Language::Es),
                ..carethread_store::UserChange::default()
            };
            c.app.store.update_user(who.user.id, &change, &audit).await.expect("language");
        }
        out.push(who);
    }
    out
}

fn group<'a>(report: &'a carethread_core::equity::EquityReport, dimension: &str, value: &str) -> &'a GroupFigures {
    let d = report.dimensions.iter().find(|d| d.dimension.as_str() == dimension).expect("dimension");
    d.groups.iter().find(|g| g.value.as_str() == value).unwrap_or_else(|| panic!("{value} in {:?}", d.groups))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

async fn seed(c: &support::Clinic, on: DateTime<Utc>, es: &[Caller], en: &[Caller]) {
    for (i, p) in es.iter().enumerate() {
        for k in 0..2 {
            let t = support::thread_at(
                c,
                p,
                "Una pregunta",
                on - TimeDelta::days(5) + TimeDelta::hours(k),
                ThreadStatus::Open,
            )
            .await;
            support::message_at(c, &c.nurse, t, "Respuesta", on - TimeDelta::days(4)).await;
        }
        let t = support::thread_at(c, p, "Otra pregunta", on + TimeDelta::days(5), ThreadStatus::Open).await;
        if i >= 2 {
            support::message_at(c, &c.nurse, t, "Respuesta", on + TimeDelta::days(6)).await;
        }
    }
    for p in en {
        for (days, k) in [(-5, 0), (-5, 1), (5, 0), (5, 1)] {
            let t = support::thread_at(
                c,
                p,
                "A question",
                on + TimeDelta::days(days) + TimeDelta::hours(k),
                ThreadStatus::Open,
            )
            .await;
            support::message_at(c, &c.nurse, t, "An answer", on + TimeDelta::days(days + 1)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitor_matches_the_hand_count_and_flags_the_group_that_wrote_less() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let setup = SetupInput {
            enabled: true,
            notice_en: "May be billed.".to_owned(),
            notice_es: "Puede facturarse.".to_owned(),
            payer: "other".to_owned(),
            idle_cutoff_seconds: 60,
        };
        billing::set_setup(&c.app, &c.admin, setup).await.expect("billing on");
        let on = billing::setup(&c.app).await.expect("setup").enabled_since.expect("turned on now");
        let es = patients(&c, "paciente", true, on).await;
        let en = patients(&c, "patient", false, on).await;
        seed(&c, on, &es, &en).await;
        let desk = support::person(&c.app.store, "desk.story", "Desk Story", Role::FrontDesk, None).await;
        for p in &es {
            let groups = [("payer".to_owned(), "medicaid".to_owned()), ("zip_region".to_owned(), "north".to_owned())];
            equity::set_patient_groups(&c.app, &desk, p.user.id, &groups).await.expect("groups");
        }
        for p in &es[..3] {
            billing::set_consent(&c.app, p, None, ConsentChoice::Decline).await.expect("decline");
        }
        for p in &es[..2] {
            let key =
                PeriodKey { patient: p.user.id, clinician: c.doctor.user.id, period_start: on + TimeDelta::days(5) };
            let decision = ClaimDecision {
                key,
                status: ClaimStatus::Approved,
                reason: None,
                code: Some(carethread_core::billing::EVisitCode::Cpt99421),
                minutes: Some(7),
                decided_by: c.admin.user.id,
                decided_at: on,
                exported_at: None,
            };
            let audit = AuditEvent::new(AuditAction::BillingChange, None, on);
            c.app.store.decide_claim(&decision, &audit).await.expect("claim");
        }

        let now = on + TimeDelta::days(20);
        let query = EquityQuery { months: Some(2), margin_points: None };
        let report = equity::report_at(&c.app, &c.admin, query, now).await.expect("report");
        let months = 20.0 / MONTH_DAYS;
        let spanish = group(&report, "language", "es");
        assert_eq!(spanish.patients, 10, "{backend}");
        assert!(close(spanish.before_per_100, 20.0 * 100.0 / 10.0 / months), "{backend}: {spanish:?}");
        assert!(close(spanish.after_per_100, 10.0 * 100.0 / 10.0 / months), "{backend}: {spanish:?}");
        assert!(close(spanish.change_percent, -50.0), "{backend}: {spanish:?}");
        assert!(close(spanish.billed_share, 0.2) && close(spanish.declined_share, 0.3), "{backend}: {spanish:?}");
        assert!(close(spanish.unanswered_before, 0.0) && close(spanish.unanswered_after, 0.2), "{backend}");
        assert!(spanish.flagged, "{backend}: fell 50% while the others held");
        // Alice and Maya became patients just before billing began and wrote
        // nothing: they count for all of "after" and none of "before".
        let english = group(&report, "language", "en");
        assert_eq!(english.patients, 12, "{backend}: Alice and Maya too");
        let expected = (1.0 / 12.0 - 1.0 / 10.0) * 1000.0;
        assert!(english.change_percent.is_some_and(|c| (c - expected).abs() < 0.01), "{backend}: {english:?}");
        assert!(!english.flagged, "{backend}");
        let medicaid = group(&report, "payer", "medicaid");
        assert!(medicaid.flagged && close(medicaid.change_percent, -50.0), "{backend}: {medicaid:?}");
        assert_eq!(group(&report, "zip_region", "north").patients, 10, "{backend}: a clinic's own grouping");
        assert_eq!(group(&report, "payer", "not given").patients, 12, "{backend}");
        assert!(!group(&report, "payer", "not given").flagged, "{backend}: not given is never flagged");

        let wide = EquityQuery { months: Some(2), margin_points: Some(60.0) };
        assert!(equity::report_at(&c.app, &c.admin, wide, now).await.expect("report").flagged().is_empty());
        for bad in [EquityQuery { months: Some(0), ..wide }, EquityQuery { months: Some(25), ..wide }] {
            assert!(matches!(equity::report_at(&c.app, &c.admin, bad, now).await, Err(AppError::Invalid { .. })));
        }
        let bad = EquityQuery { margin_points: Some(-1.0), ..wide };
        assert!(matches!(equity::report_at(&c.app, &c.admin, bad, now).await, Err(AppError::Invalid { .. })));
        for who in [&c.nurse, &c.doctor, &c.alice, &c.carol, &desk] {
            let refused = equity::report_at(&c.app, who, query, now).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: {:?}", who.user.role);
        }
        // Turning billing off keeps when it began, so the comparison stands.
        let off = SetupInput {
            enabled: false,
            notice_en: String::new(),
            notice_es: String::new(),
            payer: "other".to_owned(),
            idle_cutoff_seconds: 60,
        };
        billing::set_setup(&c.app, &c.admin, off).await.expect("billing off");
        assert_eq!(billing::setup(&c.app).await.expect("setup").enabled_since, Some(on), "{backend}");
        let later = equity::report_at(&c.app, &c.admin, query, now).await.expect("report");
        assert!(group(&later, "language", "es").flagged, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn front_desk_records_the_groups_a_patient_gave_and_nobody_else_does() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let desk = support::person(&c.app.store, "desk.story", "Desk Story", Role::FrontDesk, None).await;
        let alice = c.alice.user.id;
        let given = [("sex".to_owned(), "female".to_owned()), ("race".to_owned(), "Asian".to_owned())];
        let kept = equity::set_patient_groups(&c.app, &desk, alice, &given).await.expect("groups");
        let shown: Vec<(&str, &str)> = kept.iter().map(|(d, v)| (d.as_str(), v.as_str())).collect();
        assert_eq!(shown, [("race", "Asian"), ("sex", "female")], "{backend}");
        // An empty value takes one back; the others stay.
        let cleared = equity::set_patient_groups(&c.app, &c.admin, alice, &[("race".to_owned(), String::new())]).await;
        assert_eq!(cleared.expect("cleared").len(), 1, "{backend}");
        assert_eq!(equity::patient_groups(&c.app, &desk, alice).await.expect("read").groups.len(), 1, "{backend}");

        for bad in [("language", "fr"), ("Not A Name", "x"), ("payer", "a\nb")] {
            let typed = [(bad.0.to_owned(), bad.1.to_owned())];
            let refused = equity::set_patient_groups(&c.app, &desk, alice, &typed).await;
            assert!(matches!(refused, Err(AppError::Invalid { .. })), "{backend}: {bad:?} {refused:?}");
        }
        let twice = [("sex".to_owned(), "f".to_owned()), ("sex".to_owned(), "m".to_owned())];
        assert!(matches!(
            equity::set_patient_groups(&c.app, &desk, alice, &twice).await,
            Err(AppError::Invalid { .. })
        ));
        for who in [&c.nurse, &c.doctor, &c.alice, &c.carol] {
            let refused = equity::set_patient_groups(&c.app, who, alice, &given).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: {:?}", who.user.role);
            assert!(matches!(equity::patient_groups(&c.app, who, alice).await, Err(AppError::Forbidden(_))));
        }
        let staff = equity::set_patient_groups(&c.app, &desk, c.nurse.user.id, &given).await;
        assert!(matches!(staff, Err(AppError::NotFound)), "{backend}: groups are recorded for patients only");
    }
}
