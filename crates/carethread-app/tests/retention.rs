//! Retention on SQLite and PostgreSQL: with `retention_months` set, the
//! daily sweep purges closed conversations last changed before the period
//! (messages, receipts, triage and all), leaves open and recent ones and
//! those of a patient under legal hold, audits each purge without a word of
//! what was written, and keeps the audit chain whole; releasing the hold lets
//! the next sweep purge. Only administrators set holds; with retention off
//! nothing is ever purged.

mod support;

use carethread_app::{App, AppError, Operator, jobs, retention};
use carethread_core::audit::AuditAction;
use carethread_core::clinic::ClinicSettings;
use carethread_core::ids::ThreadId;
use carethread_core::policy::Actor;
use carethread_core::role::Role;
use carethread_core::thread::ThreadStatus;
use carethread_store::AuditQuery;
use chrono::{TimeDelta, Utc};

const SECRET: &str = "Retention-canary-77c1";

/// A thread of `patient`'s started `days_ago` in `status`, written to the store at that time.
async fn thread(
    c: &support::Clinic,
    patient: &carethread_app::Caller,
    days_ago: i64,
    status: ThreadStatus,
) -> ThreadId {
    let then = Utc::now() - TimeDelta::days(days_ago);
    support::thread_at(c, patient, &format!("My old question {SECRET}"), then, status).await
}

async fn exists(c: &support::Clinic, id: ThreadId) -> bool {
    let admin_view = Actor { id: c.nurse.user.id, role: Role::Nurse };
    c.app.store.thread_summary(admin_view, id).await.expect("summary").is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_conversations_past_retention_are_purged_unless_on_legal_hold() {
    for backend in support::backends() {
        let mut c = support::clinic(backend).await;
        let seven_years = ClinicSettings { retention_months: 84, ..ClinicSettings::default() };
        c.app = App::new(c.app.store.clone(), seven_years);
        let expired = thread(&c, &c.alice, 8 * 366, ThreadStatus::Closed).await;
        let held = thread(&c, &c.maya, 8 * 366, ThreadStatus::Closed).await;
        let still_open = thread(&c, &c.alice, 8 * 366, ThreadStatus::Open).await;
        let recent = thread(&c, &c.alice, 366, ThreadStatus::Closed).await;
        c.app
            .store
            .mark_read(carethread_store::ReadThread {
                thread: expired,
                reader: c.nurse.user.id,
                include_internal: true,
                now: Utc::now(),
            })
            .await
            .expect("a read receipt");

        // Only administrators hold records, of patients, with a reason.
        let refused = retention::set_legal_hold(&c.app, Operator::Person(&c.nurse), c.maya.user.id, Some("x")).await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: {refused:?}");
        let not_a_patient =
            retention::set_legal_hold(&c.app, Operator::Person(&c.admin), c.nurse.user.id, Some("x")).await;
        assert!(matches!(not_a_patient, Err(AppError::NotFound)), "{backend}: {not_a_patient:?}");
        for bad in ["", "  ", "two\nlines"] {
            let r = retention::set_legal_hold(&c.app, Operator::Person(&c.admin), c.maya.user.id, Some(bad)).await;
            assert!(matches!(r, Err(AppError::Invalid { .. })), "{backend}: {bad:?}: {r:?}");
        }
        let reason = Some("Records request from counsel, case 2026-114");
        assert!(
            retention::set_legal_hold(&c.app, Operator::Person(&c.admin), c.maya.user.id, reason).await.expect("hold")
        );
        let holds = retention::legal_holds(&c.app, Operator::Person(&c.admin)).await.expect("holds");
        assert_eq!(holds.iter().map(|h| h.patient_name.as_str()).collect::<Vec<_>>(), ["Maya Story"], "{backend}");
        assert_eq!(holds[0].set_by.as_deref(), Some("Admin Story"));

        let now = Utc::now();
        jobs::retention::seed(&c.app, now).await;
        jobs::run_due(&c.app, now).await;
        assert!(!exists(&c, expired).await, "{backend}: purged");
        assert!(c.app.store.messages(expired, true).await.expect("messages").is_empty(), "{backend}");
        for kept in [held, still_open, recent] {
            assert!(exists(&c, kept).await, "{backend}: kept");
            assert_eq!(c.app.store.messages(kept, true).await.expect("messages").len(), 1, "{backend}");
        }

        // The purge is on the patient's record, without a word of what was written.
        let query = AuditQuery {
            patient: Some(c.alice.user.id),
            action: Some(AuditAction::RetentionPurge),
            limit: 10,
            ..AuditQuery::default()
        };
        let purges = c.app.store.audit_entries(&query).await.expect("audit");
        assert_eq!(purges.len(), 1, "{backend}: {purges:?}");
        assert_eq!(purges[0].target.as_deref(), Some(format!("thread:{expired}").as_str()), "{backend}");
        assert!(!format!("{purges:?}").contains(SECRET), "{backend}");
        let chain = c.app.store.verify_audit().await.expect("verify");
        assert_eq!(chain.broken, None, "{backend}: the audit log is never purged");

        // Released: the next day's sweep purges Maya's old conversation too.
        assert!(
            retention::set_legal_hold(&c.app, Operator::Person(&c.admin), c.maya.user.id, None).await.expect("release")
        );
        let again = retention::set_legal_hold(&c.app, Operator::Person(&c.admin), c.maya.user.id, None).await;
        assert!(!again.expect("a second release changes nothing"), "{backend}");
        jobs::run_due(&c.app, now + TimeDelta::days(1) + TimeDelta::minutes(1)).await;
        assert!(!exists(&c, held).await, "{backend}: purged once released");
        assert!(exists(&c, still_open).await && exists(&c, recent).await, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_retention_off_nothing_is_ever_purged() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let old = thread(&c, &c.alice, 30 * 366, ThreadStatus::Closed).await;
        let now = Utc::now();
        jobs::retention::seed(&c.app, now).await;
        jobs::run_due(&c.app, now + TimeDelta::days(2)).await;
        assert!(exists(&c, old).await, "{backend}");
    }
}
