//! Replies released later and threads turned into visits, on SQLite and
//! PostgreSQL: a held reply shows nowhere on the patient's side, not even as
//! a notice, until it is released; a scheduled one is released at its time,
//! by a server restarted since, exactly once; a cancelled one leaves nothing
//! for the patient and one audit entry; a thread turned into a visit closes
//! with the booking text for the patient, a notice, and a request the front
//! desk and billing see.

mod support;

use support::{email, notifications, to};

use std::time::Duration;

use carethread_app::jobs::{self, Job};
use carethread_app::release::{self, HoldReply};
use carethread_app::threads::{self, StartThread};
use carethread_app::visits::{self, RequestVisit};
use carethread_app::{App, AppError, Caller};
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::clinic::ClinicSettings;
use carethread_core::ids::ThreadId;
use carethread_core::role::Role;
use carethread_core::thread::ThreadStatus;
use carethread_core::user::{DisplayName, Language, NewUser, Username};
use carethread_notify::test_support::SmtpSink;
use carethread_store::{AuditQuery, JobState, NewAccount, VisitKind, VisitStatus};
use chrono::{DateTime, TimeDelta, Utc};

const CANARY: &str = "Your biopsy result canary-5d21";

async fn question(c: &support::Clinic) -> ThreadId {
    let start = StartThread {
        subject: "Biopsy".to_owned(),
        body: "Are my biopsy results back?".to_owned(),
        ..StartThread::default()
    };
    threads::start_thread(&c.app, &c.alice, start).await.expect("thread").thread_id
}

/// What `who` reads on the thread: the bodies of its messages.
async fn bodies(app: &App, who: &Caller, thread: ThreadId) -> Vec<String> {
    let view = threads::open_thread(app, who, thread).await.expect("open");
    view.messages.iter().map(|m| m.message.body.as_str().to_owned()).collect()
}

fn hold(release_at: Option<DateTime<Utc>>) -> HoldReply {
    HoldReply { body: CANARY.to_owned(), release_at }
}

async fn staff(app: &App, username: &str, role: Role) -> Caller {
    let new = NewUser::new(
        Username::parse(username).expect("username"),
        DisplayName::parse("Desk Story").expect("name"),
        role,
        None,
        Language::En,
        Utc::now().date_naive(),
    )
    .expect("user");
    let audit = AuditEvent::new(AuditAction::UserCreate, None, Utc::now());
    let user = app
        .store
        .create_user(NewAccount { user: &new, password_hash: "not-a-real-hash", now: Utc::now() }, &audit)
        .await
        .expect("create");
    Caller { user, client: None }
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_reply_is_invisible_and_silent_until_released_then_announced_after_the_delay() {
    for backend in support::backends() {
        let sink = SmtpSink::start().expect("smtp server");
        let mut c = support::clinic(backend).await;
        c.app = c.app.clone().with_notifications(notifications(&sink.url()));
        email(&c.app, &c.alice, "alice@example.org").await;
        email(&c.app, &c.carol, "carol@example.org").await;
        let thread = question(&c).await;

        let held = release::hold_reply(&c.app, &c.doctor, thread, hold(None)).await.expect("hold").id;
        // The patient and her proxy see nothing; staff see it held.
        for reader in [&c.alice, &c.carol] {
            assert!(bodies(&c.app, reader, thread).await.iter().all(|b| !b.contains("canary")), "{backend}");
            assert!(release::held_replies(&c.app, reader, thread).await.expect("held").is_empty(), "{backend}");
        }
        let shown = release::held_replies(&c.app, &c.nurse, thread).await.expect("held");
        assert_eq!((shown.len(), shown[0].release_at, shown[0].body.as_str()), (1, None, CANARY), "{backend}");
        // No notice, however long it is held.
        jobs::run_due(&c.app, Utc::now() + TimeDelta::days(3)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(sink.messages().is_empty(), "{backend}: a held reply sends no notice");
        // Only clinicians who may reply release it.
        let refused = release::release_now(&c.app, &c.outsider, thread, held).await;
        assert!(matches!(refused, Err(AppError::NotFound)), "{backend}: {refused:?}");

        release::release_now(&c.app, &c.doctor, thread, held).await.expect("release");
        let again = release::release_now(&c.app, &c.doctor, thread, held).await;
        assert!(matches!(again, Err(AppError::NotFound)), "{backend}: released once");
        assert!(release::held_replies(&c.app, &c.nurse, thread).await.expect("held").is_empty(), "{backend}");
        // Announced after the reply delay, like any reply.
        jobs::run_due(&c.app, Utc::now()).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(sink.messages().is_empty(), "{backend}: not before the delay");
        jobs::run_due(&c.app, Utc::now() + TimeDelta::minutes(6)).await;
        let mail = sink.wait_for(2, Duration::from_secs(10));
        assert_eq!((to(&mail, "alice@example.org"), to(&mail, "carol@example.org")), (1, 1), "{backend}: {mail:#?}");
        assert!(mail.iter().all(|m| !m.raw.contains("canary")), "{backend}: no content in notices");
        let seen = bodies(&c.app, &c.alice, thread).await;
        assert_eq!(seen.iter().filter(|b| b.as_str() == CANARY).count(), 1, "{backend}: {seen:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_reply_is_released_once_at_its_time_even_by_a_restarted_server() {
    for backend in support::backends() {
        let mut c = support::clinic(backend).await;
        let thread = question(&c).await;
        let at = Utc::now() + TimeDelta::hours(2);
        let held = release::hold_reply(&c.app, &c.nurse, thread, hold(Some(at))).await.expect("hold").id;
        let shown = release::held_replies(&c.app, &c.doctor, thread).await.expect("held");
        assert_eq!(shown[0].release_at.map(|t| t.timestamp_millis()), Some(at.timestamp_millis()), "{backend}");
        // A second release job for the same reply, as a retried job would be.
        c.app.store.enqueue_jobs(vec![Job::ReleaseReply { held }.at(at, None)]).await.expect("duplicate");

        jobs::run_due(&c.app, at - TimeDelta::minutes(1)).await;
        assert!(bodies(&c.app, &c.alice, thread).await.iter().all(|b| b != CANARY), "{backend}: not yet");

        // The server restarts: a new application over the same database.
        c.app = App::new(
            carethread_store::open(&c.store_url, c.master.clone()).await.expect("reopen"),
            ClinicSettings::default(),
        );
        jobs::run_due(&c.app, at + TimeDelta::seconds(1)).await;
        jobs::run_due(&c.app, at + TimeDelta::minutes(1)).await;
        let seen = bodies(&c.app, &c.alice, thread).await;
        assert_eq!(seen.iter().filter(|b| b.as_str() == CANARY).count(), 1, "{backend}: released once: {seen:?}");
        assert_eq!(bodies(&c.app, &c.carol, thread).await.iter().filter(|b| b.as_str() == CANARY).count(), 1);
        assert!(release::held_replies(&c.app, &c.nurse, thread).await.expect("held").is_empty(), "{backend}");
        assert!(c.app.store.jobs_in_state(JobState::Dead, 10).await.expect("dead").is_empty(), "{backend}");
        let released = AuditQuery { action: Some(AuditAction::MessageRelease), limit: 10, ..AuditQuery::default() };
        assert_eq!(c.app.store.audit_entries(&released).await.expect("audit").len(), 1, "{backend}");
        let summary = c.app.store.thread_summary(c.nurse.actor(), thread).await.expect("summary").expect("thread");
        assert_eq!(summary.thread.status, ThreadStatus::AwaitingPatient, "{backend}: a reply like any other");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_reply_leaves_nothing_for_the_patient_and_one_audit_entry() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let thread = question(&c).await;
        let at = Utc::now() + TimeDelta::hours(1);
        let held = release::hold_reply(&c.app, &c.doctor, thread, hold(Some(at))).await.expect("hold").id;
        let before = bodies(&c.app, &c.alice, thread).await;

        release::cancel_held(&c.app, &c.doctor, thread, held).await.expect("cancel");
        jobs::run_due(&c.app, at + TimeDelta::hours(1)).await;
        assert_eq!(bodies(&c.app, &c.alice, thread).await, before, "{backend}");
        assert!(release::held_replies(&c.app, &c.nurse, thread).await.expect("held").is_empty(), "{backend}");
        let again = release::cancel_held(&c.app, &c.doctor, thread, held).await;
        assert!(matches!(again, Err(AppError::NotFound)), "{backend}");
        let cancelled = c.app.store.jobs_in_state(JobState::Cancelled, 10).await.expect("jobs");
        assert!(cancelled.iter().any(|j| j.kind == "release_reply"), "{backend}: {cancelled:?}");

        let audit = |action| AuditQuery { action: Some(action), limit: 10, ..AuditQuery::default() };
        let log = c.app.store.audit_entries(&audit(AuditAction::MessageCancel)).await.expect("audit");
        assert_eq!(log.len(), 1, "{backend}");
        let patient_view = AuditQuery {
            patient: Some(c.alice.user.id),
            patient_view: true,
            exclude_actor: Some(c.alice.user.id),
            limit: 100,
            ..AuditQuery::default()
        };
        let shown = c.app.store.audit_entries(&patient_view).await.expect("patient view");
        assert!(
            shown.iter().all(|e| !e.action.starts_with("message.hold") && !e.action.starts_with("message.cancel")),
            "{backend}: {shown:?}"
        );
        // Front desk may not hold replies.
        let desk = staff(&c.app, "desk.story", Role::FrontDesk).await;
        let refused = release::hold_reply(&c.app, &desk, thread, hold(None)).await;
        assert!(refused.is_err(), "{backend}");
        let past = release::hold_reply(&c.app, &c.doctor, thread, hold(Some(Utc::now() - TimeDelta::hours(1)))).await;
        assert!(matches!(past, Err(AppError::Invalid { .. })), "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_turned_into_a_visit_closes_tells_the_patient_how_to_book_and_reaches_front_desk_and_billing() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let desk = staff(&c.app, "desk.story", Role::FrontDesk).await;
        let billing = staff(&c.app, "billing.story", Role::Billing).await;
        let thread = question(&c).await;
        let input = RequestVisit { kind: VisitKind::Video, reason: "We need to look at the rash together.".to_owned() };

        let request = visits::request_visit(&c.app, &c.doctor, thread, input.clone()).await.expect("visit");
        let summary = c.app.store.thread_summary(c.nurse.actor(), thread).await.expect("summary").expect("thread");
        assert_eq!(summary.thread.status, ThreadStatus::Closed, "{backend}");
        let seen = bodies(&c.app, &c.alice, thread).await;
        let last = seen.last().expect("booking message");
        assert!(last.contains("video visit") && last.contains("How to book"), "{backend}: {last}");
        assert!(last.contains("look at the rash"), "{backend}: the reason");
        // The patient is told (a notice job, no content).
        let pending = c.app.store.jobs_in_state(JobState::Pending, 50).await.expect("jobs");
        assert!(pending.iter().any(|j| j.kind == "deliver"), "{backend}: {pending:?}");
        // Closed: a second request is refused.
        assert!(visits::request_visit(&c.app, &c.doctor, thread, input).await.is_err(), "{backend}");

        for worker in [&desk, &billing] {
            let open = visits::visit_requests(&c.app, worker, None).await.expect("list");
            assert_eq!(open.len(), 1, "{backend}");
            assert_eq!((open[0].id, open[0].kind, open[0].status), (request, VisitKind::Video, VisitStatus::Open));
            assert_eq!((open[0].thread_id, open[0].patient.id), (thread, c.alice.user.id), "{backend}");
        }
        for refused in [&c.nurse, &c.alice, &c.carol, &c.admin] {
            assert!(visits::visit_requests(&c.app, refused, None).await.is_err(), "{backend}");
        }
        assert!(visits::set_visit_status(&c.app, &billing, request, VisitStatus::Booked).await.is_err());
        visits::set_visit_status(&c.app, &desk, request, VisitStatus::Booked).await.expect("booked");
        assert!(visits::visit_requests(&c.app, &desk, Some(VisitStatus::Open)).await.expect("open").is_empty());
        let booked = visits::visit_requests(&c.app, &billing, Some(VisitStatus::Booked)).await.expect("booked");
        assert_eq!(booked.len(), 1, "{backend}");
        let audit = AuditQuery { action: Some(AuditAction::VisitRequest), limit: 10, ..AuditQuery::default() };
        assert_eq!(c.app.store.audit_entries(&audit).await.expect("audit").len(), 2, "{backend}");
    }
}

#[test]
fn the_booking_text_is_plain_and_in_the_patients_language() {
    let en = visits::booking_text(Language::En, VisitKind::InPerson, "a check of your wound", "Clinic");
    assert!(en.contains("in-person visit") && en.contains("call Clinic"), "{en}");
    let es = visits::booking_text(Language::Es, VisitKind::Phone, "revisar su herida", "Clínica");
    assert!(es.contains("por teléfono") && es.contains("Cómo pedir la cita"), "{es}");
}
