//! The outbox on SQLite and, when `CARETHREAD_TEST_POSTGRES` is set,
//! PostgreSQL: a job written with a message commits with it; a job is
//! claimed once while its lease holds and again when the lease runs out (a
//! worker that died); a burst with one key is one job; failures retry, then
//! rest in the dead letters until an administrator requeues them.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

mod support;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::ids::ThreadId;
use carethread_core::message::MessageBody;
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, ThreadStatus, Urgency};
use carethread_core::user::User;
use carethread_store::jobs::{MESSAGE, THREAD};
use carethread_store::{JobEffects, JobState, MasterKey, NewJob, NewMessage, NewThread, SentNotice, Store, StoreError};
use chrono::{TimeDelta, Utc};

use support::person;

fn job(kind: &str, key: Option<&str>, in_ms: i64) -> NewJob {
    NewJob {
        kind: kind.into(),
        payload: format!("{{\"thread\":\"{THREAD}\",\"message\":\"{MESSAGE}\"}}"),
        run_at: Utc::now() + TimeDelta::milliseconds(in_ms),
        dedupe_key: key.map(str::to_owned),
    }
}

async fn thread_with_job(store: &Arc<dyn Store>, patient: &User) -> ThreadId {
    let written = store
        .create_thread(NewThread {
            patient_id: patient.id,
            author_id: patient.id,
            subject: Subject::parse("Chest pain").expect("subject"),
            body: MessageBody::parse("It hurts", 5000).expect("body"),
            category: Category::Clinical,
            urgency: Urgency::Emergency,
            pool_slug: None,
            assignee_id: None,
            status: ThreadStatus::Open,
            confidential: false,
            triage: support::routine_triage(Category::Clinical),
            idempotency: None,
            now: Utc::now(),
            audit: vec![AuditEvent::new(AuditAction::ThreadCreate, Some((patient.id, Role::Patient)), Utc::now())],
            jobs: vec![job("page", Some(&format!("page:{THREAD}")), 0)],
        })
        .await
        .expect("thread");
    written.thread_id
}

async fn outbox_story(store: Arc<dyn Store>) {
    let patient = person(&store, "patient.jobs", Role::Patient).await;
    let nurse = person(&store, "nurse.jobs", Role::Nurse).await;

    // A job written with a new thread names the thread the write chose.
    let thread = thread_with_job(&store, &patient).await;
    let claimed = store.claim_jobs(Utc::now(), TimeDelta::seconds(30), 10).await.expect("claim");
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    assert_eq!(claimed[0].kind, "page");
    assert!(claimed[0].payload.contains(&thread.to_string()), "{}", claimed[0].payload);
    assert!(!claimed[0].payload.contains(THREAD), "placeholder replaced: {}", claimed[0].payload);
    assert_eq!(claimed[0].dedupe_key.as_deref(), Some(format!("page:{thread}").as_str()));
    assert_eq!(claimed[0].attempts, 1);

    // While its lease holds nobody else gets it; when it runs out (the worker
    // died) the next claim takes it again.
    assert!(store.claim_jobs(Utc::now(), TimeDelta::seconds(30), 10).await.expect("claim").is_empty());
    let later = Utc::now() + TimeDelta::seconds(31);
    let again = store.claim_jobs(later, TimeDelta::seconds(30), 10).await.expect("reclaim");
    assert_eq!(again.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(), vec![(claimed[0].id, 2)]);

    // Finishing records what it sent and adds its follow-up in one step.
    let notice = SentNotice {
        recipient_id: nurse.id,
        thread_id: Some(thread),
        kind: "emergency_page".into(),
        channel: "email".into(),
        // Stored to the millisecond.
        sent_at: chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("now"),
    };
    let repage = NewJob { payload: "{}".into(), ..job("repage", None, 60_000) };
    store
        .finish_job(claimed[0].id, Utc::now(), JobEffects { sent: vec![notice.clone()], follow_ups: vec![repage] })
        .await
        .expect("finish");
    assert_eq!(store.notices_for_thread(thread).await.expect("notices"), vec![notice.clone()]);
    let last = store.last_notice(nurse.id, "emergency_page", Some(thread)).await.expect("last");
    assert_eq!(last.map(|t| t.timestamp_millis()), Some(notice.sent_at.timestamp_millis()));
    assert_eq!(store.last_notice(nurse.id, "new_message", None).await.expect("last"), None);
    assert!(store.claim_jobs(Utc::now(), TimeDelta::seconds(30), 10).await.expect("claim").is_empty(), "not due");
    let due = store.claim_jobs(Utc::now() + TimeDelta::minutes(2), TimeDelta::seconds(30), 10).await.expect("claim");
    assert_eq!(due.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(), vec!["repage"]);
    store.finish_job(due[0].id, Utc::now(), JobEffects::default()).await.expect("finish");

    // A burst of replies with one key is one pending job, also within one
    // message's write.
    let reply = |key: &str| NewMessage {
        thread_id: thread,
        author_id: nurse.id,
        body: Some(MessageBody::parse("We will call you", 5000).expect("body")),
        internal: false,
        new_status: ThreadStatus::AwaitingPatient,
        triage: None,
        attachments: vec![],
        idempotency: None,
        now: Utc::now(),
        audit: vec![],
        jobs: vec![job("notify", Some(key), 0), job("notify", Some(key), 0)],
        draft: None,
        reading_grade: None,
        answered: None,
    };
    for _ in 0..3 {
        store.add_message(reply("notify:patient")).await.expect("reply");
    }
    let burst = store.claim_jobs(Utc::now(), TimeDelta::seconds(30), 10).await.expect("claim");
    assert_eq!(burst.len(), 1, "one job for the burst: {burst:?}");
    assert!(burst[0].payload.contains(&thread.to_string()) && !burst[0].payload.contains(MESSAGE));

    // A reply after the job was claimed waits as a new pending job; when the
    // claimed one fails and would be pending again, the newer one does the work.
    store.add_message(reply("notify:patient")).await.expect("reply");
    store.retry_job(burst[0].id, Utc::now(), "relay unreachable").await.expect("retry");
    let next = store.claim_jobs(Utc::now() + TimeDelta::seconds(1), TimeDelta::seconds(30), 10).await.expect("claim");
    assert_eq!(next.len(), 1, "{next:?}");
    assert_ne!(next[0].id, burst[0].id);

    // Retried, it runs again later; buried, it waits for an administrator.
    store.retry_job(next[0].id, Utc::now() + TimeDelta::seconds(5), "relay unreachable").await.expect("retry");
    assert!(store.claim_jobs(Utc::now(), TimeDelta::seconds(30), 10).await.expect("claim").is_empty());
    let retried = store.claim_jobs(Utc::now() + TimeDelta::seconds(6), TimeDelta::seconds(30), 10).await.expect("c");
    assert_eq!((retried[0].id, retried[0].attempts), (next[0].id, 2));
    store.bury_job(retried[0].id, Utc::now(), "address refused").await.expect("bury");
    let dead = store.jobs_in_state(JobState::Dead, 10).await.expect("dead");
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].id, dead[0].last_error.as_deref()), (next[0].id, Some("address refused")));
    assert_eq!(store.job_counts().await.expect("counts").dead, 1);

    let before = store.verify_audit().await.expect("verify").verified;
    let audit = AuditEvent::new(AuditAction::ThreadUpdate, Some((nurse.id, Role::Nurse)), Utc::now());
    store.requeue_dead_job(dead[0].id, Utc::now(), audit.clone()).await.expect("requeue");
    assert_eq!(store.verify_audit().await.expect("verify").verified, before + 1, "the requeue is audited");
    let missing = store.requeue_dead_job(dead[0].id, Utc::now(), audit).await;
    assert!(matches!(missing, Err(StoreError::Missing("job"))), "{missing:?}");
    let requeued = store.claim_jobs(Utc::now() + TimeDelta::seconds(1), TimeDelta::seconds(30), 10).await.expect("c");
    assert_eq!((requeued[0].id, requeued[0].attempts), (dead[0].id, 1));

    // Cancelling a pending reminder leaves nothing to run.
    store.enqueue_jobs(vec![job("reminder", Some("reminder:x"), 0)]).await.expect("enqueue");
    assert_eq!(store.cancel_jobs("reminder:x", Utc::now()).await.expect("cancel"), 1);
    let left = store.claim_jobs(Utc::now() + TimeDelta::seconds(1), TimeDelta::seconds(30), 10).await.expect("c");
    assert!(left.iter().all(|j| j.kind != "reminder"), "{left:?}");
    assert!(store.verify_audit().await.expect("verify").broken.is_none());
}

/// Many workers claiming at once never get the same job; with several
/// stores (one per server, as separate processes open them) the workers are
/// spread over them and the jobs enqueued through the first.
async fn workers_never_share_a_job(stores: &[Arc<dyn Store>]) {
    let jobs: Vec<NewJob> = (0..60).map(|_| NewJob { payload: "{}".into(), ..job("work", None, 0) }).collect();
    stores[0].enqueue_jobs(jobs).await.expect("enqueue");
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let store = stores[worker % stores.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store.claim_jobs(Utc::now(), TimeDelta::seconds(60), 5).await.expect("claim");
                if got.is_empty() {
                    break;
                }
                mine.extend(got.into_iter().map(|j| j.id));
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            mine
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for task in tasks {
        for id in task.await.expect("worker") {
            total += 1;
            seen.insert(id);
        }
    }
    assert_eq!((total, seen.len()), (60, 60), "every job claimed exactly once");
}

async fn sqlite() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    (dir, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_keeps_claims_leases_retries_and_dead_letters_on_sqlite() {
    let (_dir, store) = sqlite().await;
    outbox_story(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_never_share_a_job_on_sqlite() {
    let (_dir, store) = sqlite().await;
    workers_never_share_a_job(&[store]).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_keeps_claims_leases_retries_and_dead_letters_on_postgres() {
    let (_database, store) = support::postgres_store("carethread_outbox").await;
    outbox_story(store).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_never_share_a_job_on_postgres() {
    let (_database, store) = support::postgres_store("carethread_outbox").await;
    workers_never_share_a_job(&[store]).await;
}

/// Two servers on one database share its outbox: their workers never get the same job.
#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_of_two_servers_never_share_a_job_on_postgres() {
    let database = support::postgres_database("carethread_outbox").await;
    let master = MasterKey::generate();
    let first = carethread_store::open(database.url(), master.clone()).await.expect("open");
    let second = carethread_store::open(database.url(), master).await.expect("a second server's store");
    workers_never_share_a_job(&[first, second]).await;
}
