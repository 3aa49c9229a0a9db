//! Coverage while a clinician is away, on SQLite and PostgreSQL: the
//! threads assigned to them go to the coverer at the start (and a patient's
//! new message or a new assignment while they are away goes there at once),
//! marked as covered for them, and the patient is told who covers until when;
//! at the end the threads still with the coverer come back, while one that
//! someone else took, or that was closed, stays.

mod support;

use carethread_app::coverage::{self, SetAway};
use carethread_app::jobs;
use carethread_app::messages::{self, AddMessage};
use carethread_app::threads::{self, ChangeThread, StartThread};
use carethread_app::{AppError, Caller};
use carethread_core::audit::AuditAction;
use carethread_core::coverage::Coverer;
use carethread_core::ids::ThreadId;
use carethread_core::message::MessageBody;
use carethread_core::thread::ThreadStatus;
use carethread_store::AuditQuery;
use chrono::{DateTime, TimeDelta, Utc};

async fn thread_assigned_to(c: &support::Clinic, to: &Caller, subject: &str) -> ThreadId {
    let start = StartThread {
        subject: subject.to_owned(),
        body: "When should I take the new tablets?".to_owned(),
        ..StartThread::default()
    };
    let id = threads::start_thread(&c.app, &c.alice, start).await.expect("thread").thread_id;
    let assign = ChangeThread { assignee: Some(Some(to.user.id)), ..ChangeThread::default() };
    threads::update_thread(&c.app, &c.nurse, id, assign).await.expect("assigned");
    id
}

async fn holder(
    c: &support::Clinic,
    id: ThreadId,
) -> (Option<carethread_core::ids::UserId>, Option<carethread_core::ids::PoolId>) {
    let (thread, _) = c.app.store.thread_facts(c.nurse.actor(), id, Utc::now()).await.expect("read").expect("thread");
    (thread.assignee_id, thread.pool_id)
}

fn away(from: DateTime<Utc>, days: i64, coverer: Coverer) -> SetAway {
    SetAway { from, until: from + TimeDelta::days(days), coverer }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_away_clinicians_threads_go_to_the_colleague_covering_and_come_back_unless_taken() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let doctor = c.doctor.user.id;
        let nurse = c.nurse.user.id;
        let kept = thread_assigned_to(&c, &c.doctor, "Tablets").await;
        let taken = thread_assigned_to(&c, &c.doctor, "Knee").await;
        let closed = thread_assigned_to(&c, &c.doctor, "Rash").await;
        let written_to = thread_assigned_to(&c, &c.doctor, "Refill").await;

        let now = Utc::now();
        let set = coverage::set_away(&c.app, &c.doctor, doctor, away(now, 3, Coverer::User(nurse))).await.expect("set");
        assert!(set.in_force, "{backend}");
        assert_eq!(set.coverer_name, "Nurse Story");

        // Before the start job runs, a patient's message to the away doctor goes to the nurse at once.
        let text =
            AddMessage { body: Some(MessageBody::parse("Any news?", 5000).expect("body")), ..AddMessage::default() };
        messages::add_message(&c.app, &c.alice, written_to, text).await.expect("message");
        assert_eq!(holder(&c, written_to).await.0, Some(nurse), "{backend}: a new message goes to the coverer");

        jobs::run_due(&c.app, now + TimeDelta::seconds(1)).await;
        for id in [kept, taken, closed, written_to] {
            assert_eq!(holder(&c, id).await.0, Some(nurse), "{backend}: moved to the coverer");
        }
        let marks = coverage::covering_for(&c.app, &[kept, taken]).await.expect("marks");
        assert_eq!(marks.get(&kept).map(String::as_str), Some("Doctor Story"), "{backend}");

        // Assigning a thread to the away doctor hands it on to the nurse, as the answer says.
        let late = thread_assigned_to(&c, &c.nurse, "Late").await;
        let to_doctor = ChangeThread { assignee: Some(Some(doctor)), ..ChangeThread::default() };
        let answered = threads::update_thread(&c.app, &c.nurse, late, to_doctor).await.expect("assigned");
        assert_eq!(answered.assignee_id, Some(nurse), "{backend}: a new assignment goes to the coverer");
        assert_eq!(holder(&c, late).await.0, Some(nurse), "{backend}");

        // The patient sees who covers and until when.
        let told = coverage::care_team_away(&c.app, &c.alice, c.alice.user.id).await.expect("away");
        assert_eq!(told.len(), 1, "{backend}");
        assert_eq!((told[0].person_name.as_str(), told[0].coverer_name.as_str()), ("Doctor Story", "Nurse Story"));
        assert_eq!(told[0].until, set.until);
        let outsider = coverage::care_team_away(&c.app, &c.outsider, c.alice.user.id).await;
        assert!(matches!(outsider, Err(AppError::NotFound)), "{backend}: {outsider:?}");

        // Meanwhile someone else takes one thread and another is closed.
        let give = ChangeThread { assignee: Some(Some(c.outsider.user.id)), ..ChangeThread::default() };
        threads::update_thread(&c.app, &c.nurse, taken, give).await.expect("taken");
        let close = ChangeThread { status: Some(ThreadStatus::Closed), ..ChangeThread::default() };
        threads::update_thread(&c.app, &c.nurse, closed, close).await.expect("closed");
        assert!(coverage::covering_for(&c.app, &[taken, closed]).await.expect("marks").is_empty(), "{backend}");

        jobs::run_due(&c.app, set.until + TimeDelta::seconds(1)).await;
        for id in [kept, written_to, late] {
            assert_eq!(holder(&c, id).await.0, Some(doctor), "{backend}: given back");
        }
        assert_eq!(holder(&c, taken).await.0, Some(c.outsider.user.id), "{backend}: taken stays");
        assert_eq!(holder(&c, closed).await.0, Some(nurse), "{backend}: closed stays");
        assert!(coverage::covering_for(&c.app, &[kept]).await.expect("marks").is_empty(), "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_covers_until_the_clinician_is_back_early() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let doctor = c.doctor.user.id;
        let id = thread_assigned_to(&c, &c.doctor, "Tablets").await;
        let (_, first_pool) = holder(&c, id).await;
        let pool = c.app.store.pool_by_slug("nurse-triage").await.expect("pools").expect("pool");
        // An administrator sets it for the doctor, starting now.
        let now = Utc::now();
        coverage::set_away(&c.app, &c.admin, doctor, away(now, 7, Coverer::Pool(pool.id))).await.expect("set");
        jobs::run_due(&c.app, now + TimeDelta::seconds(1)).await;
        assert_eq!(holder(&c, id).await, (None, Some(pool.id)), "{backend}: waits unassigned in the pool");
        let marks = coverage::covering_for(&c.app, &[id]).await.expect("marks");
        assert_eq!(marks.get(&id).map(String::as_str), Some("Doctor Story"), "{backend}");

        assert!(coverage::clear_away(&c.app, &c.doctor, doctor).await.expect("clear"), "{backend}");
        assert!(!coverage::clear_away(&c.app, &c.doctor, doctor).await.expect("clear again"), "{backend}");
        jobs::run_due(&c.app, Utc::now() + TimeDelta::seconds(1)).await;
        assert_eq!(holder(&c, id).await, (Some(doctor), first_pool), "{backend}: back where it was");
        assert!(coverage::away(&c.app, &c.doctor, doctor).await.expect("away").is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_away_is_set_by_the_clinician_or_an_administrator_and_must_make_sense() {
    let c = support::clinic("sqlite").await;
    let doctor = c.doctor.user.id;
    let nurse = Coverer::User(c.nurse.user.id);
    let now = Utc::now();
    let invalid = |r: Result<coverage::AwayView, AppError>| match r {
        Err(AppError::Invalid { field, .. }) => field,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(invalid(coverage::set_away(&c.app, &c.doctor, doctor, away(now, 91, nurse)).await), "until");
    let backwards = SetAway { from: now + TimeDelta::days(2), until: now + TimeDelta::days(1), coverer: nurse };
    assert_eq!(invalid(coverage::set_away(&c.app, &c.doctor, doctor, backwards).await), "until");
    let myself = Coverer::User(doctor);
    assert_eq!(invalid(coverage::set_away(&c.app, &c.doctor, doctor, away(now, 1, myself)).await), "coverer");
    let patient = Coverer::User(c.alice.user.id);
    assert_eq!(invalid(coverage::set_away(&c.app, &c.doctor, doctor, away(now, 1, patient)).await), "coverer");

    let by_nurse = coverage::set_away(&c.app, &c.nurse, doctor, away(now, 1, nurse)).await;
    assert!(matches!(by_nurse, Err(AppError::Forbidden(_))), "{by_nurse:?}");
    let by_patient = coverage::set_away(&c.app, &c.alice, c.alice.user.id, away(now, 1, nurse)).await;
    assert!(matches!(by_patient, Err(AppError::Forbidden(_))), "{by_patient:?}");
    let for_patient = coverage::set_away(&c.app, &c.admin, c.alice.user.id, away(now, 1, nurse)).await;
    assert!(matches!(for_patient, Err(AppError::NotFound)), "{for_patient:?}");

    let later = now + TimeDelta::days(10);
    let set = coverage::set_away(&c.app, &c.admin, doctor, away(later, 5, nurse)).await.expect("admin sets it");
    assert!(!set.in_force);
    let seen = coverage::away(&c.app, &c.doctor, doctor).await.expect("read").expect("set");
    assert_eq!((seen.from, seen.until), (set.from, set.until));
    let query = AuditQuery { action: Some(AuditAction::CoverageChange), limit: 10, ..AuditQuery::default() };
    let entries = c.app.store.audit_entries(&query).await.expect("audit");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].actor.as_ref().map(|a| a.id), Some(c.admin.user.id));
    assert_eq!(entries[0].target.as_deref(), Some(format!("user:{doctor}").as_str()));
}
