//! A thread change that leaves a note (a forward that says why) is one
//! write: the move, the note and their audit entries are stored together or
//! not at all, on SQLite and, when `CARETHREAD_TEST_POSTGRES` is set,
//! PostgreSQL; and a page of threads reads each one's latest triage.

use std::sync::Arc;

mod support;
use std::time::Duration;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::ids::{ThreadId, UserId};
use carethread_core::message::MessageBody;
use carethread_core::policy::Actor;
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, Thread, ThreadPatch, ThreadStatus, Urgency};
use carethread_core::user::User;
use carethread_store::{EventKind, MasterKey, NewNote, NewThread, Store, StoreError, ThreadUpdate, TriageOverride};
use chrono::Utc;

use support::person;

async fn new_thread(store: &Arc<dyn Store>, patient: &User) -> ThreadId {
    let triage = support::routine_triage(Category::Clinical);
    let new = NewThread {
        patient_id: patient.id,
        author_id: patient.id,
        subject: Subject::parse("Blood pressure").expect("subject"),
        body: MessageBody::parse("My readings are high", 5000).expect("body"),
        category: Category::Clinical,
        urgency: Urgency::Routine,
        pool_slug: None,
        assignee_id: None,
        status: ThreadStatus::Open,
        confidential: false,
        triage,
        idempotency: None,
        now: Utc::now(),
        audit: vec![AuditEvent::new(AuditAction::ThreadCreate, Some((patient.id, Role::Patient)), Utc::now())],
        jobs: Vec::new(),
    };
    store.create_thread(new).await.expect("thread").thread_id
}

fn note(author: UserId, text: &str) -> NewNote {
    NewNote {
        author_id: author,
        body: MessageBody::parse(text, 5000).expect("body"),
        audit: vec![AuditEvent::new(AuditAction::NoteCreate, Some((author, Role::Nurse)), Utc::now())],
    }
}

async fn thread(store: &Arc<dyn Store>, nurse: &User, id: ThreadId) -> Thread {
    let actor = Actor { id: nurse.id, role: nurse.role };
    store.thread_facts(actor, id, Utc::now()).await.expect("facts").expect("thread exists").0
}

async fn forward_with_a_note_lands_whole_or_not_at_all(store: Arc<dyn Store>) {
    let patient = person(&store, "patient.fwd", Role::Patient).await;
    let nurse = person(&store, "nurse.fwd", Role::Nurse).await;
    let audit = AuditEvent::new(AuditAction::PoolChange, None, Utc::now());
    let pool = store.create_pool("nurses", "Nurses", &audit).await.expect("pool");
    let id = new_thread(&store, &patient).await;
    let mut events = store.subscribe();
    let update = || vec![AuditEvent::new(AuditAction::ThreadUpdate, Some((nurse.id, Role::Nurse)), Utc::now())];

    // A forward with a note: both land, with both audit entries.
    let forward = ThreadPatch { pool_id: Some(Some(pool.id)), ..ThreadPatch::default() };
    let before = store.verify_audit().await.expect("verify").verified;
    let change = store
        .update_thread_with_note(ThreadUpdate {
            id,
            patch: &forward,
            note: Some(&note(nurse.id, "Forwarded: please review the readings")),
            now: Utc::now(),
            audit: &update(),
        })
        .await
        .expect("forward with a note");
    assert_eq!(change.thread.pool_id, Some(pool.id));
    let note_id = change.note_id.expect("the note was written");
    let staff_view = store.messages(id, true).await.expect("messages");
    assert_eq!(staff_view.len(), 2, "the first message and the note");
    let written = &staff_view[1];
    assert_eq!(written.message.id, note_id);
    assert!(written.message.internal, "a forward's note is internal");
    assert_eq!(written.message.body.as_str(), "Forwarded: please review the readings");
    assert_eq!(written.author.id, nurse.id);
    assert_eq!(store.messages(id, false).await.expect("messages").len(), 1, "the patient never sees the note");
    let chain = store.verify_audit().await.expect("verify");
    assert_eq!((chain.verified, chain.broken), (before + 2, None), "the change's entry and the note's, chained");
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        let event =
            tokio::time::timeout(Duration::from_secs(10), events.recv()).await.expect("event in time").expect("event");
        // On PostgreSQL the thread's creation may arrive here late, through LISTEN.
        if event.thread_id == id && event.kind != EventKind::ThreadCreated {
            kinds.push((event.kind, event.internal));
        }
    }
    assert_eq!(kinds, [(EventKind::ThreadUpdated, false), (EventKind::MessageCreated, true)]);

    // A note that cannot be stored (its author does not exist) takes the
    // change down with it: the thread stays where it was.
    let undo = ThreadPatch { pool_id: Some(None), status: Some(ThreadStatus::Closed), ..ThreadPatch::default() };
    let stranger = UserId::from_uuid(uuid::Uuid::now_v7());
    let failed = store
        .update_thread_with_note(ThreadUpdate {
            id,
            patch: &undo,
            note: Some(&note(stranger, "lost note")),
            now: Utc::now(),
            audit: &update(),
        })
        .await;
    assert!(matches!(failed, Err(StoreError::Missing(_))), "{failed:?}");
    let unchanged = thread(&store, &nurse, id).await;
    assert_eq!((unchanged.pool_id, unchanged.status), (Some(pool.id), ThreadStatus::Open), "the change rolled back");
    assert_eq!(store.messages(id, true).await.expect("messages").len(), 2, "no note was added");
    let chain = store.verify_audit().await.expect("verify");
    assert_eq!((chain.verified, chain.broken), (before + 2, None), "no audit entry for what did not happen");

    // A note for a thread that does not exist stores nothing either.
    let nowhere = ThreadId::from_uuid(uuid::Uuid::now_v7());
    let missing = store
        .update_thread_with_note(ThreadUpdate {
            id: nowhere,
            patch: &undo,
            note: Some(&note(nurse.id, "x")),
            now: Utc::now(),
            audit: &update(),
        })
        .await;
    assert!(matches!(missing, Err(StoreError::Missing("thread"))), "{missing:?}");

    // Without a note it is a plain change.
    let close = ThreadPatch { status: Some(ThreadStatus::Closed), ..ThreadPatch::default() };
    let change = store
        .update_thread_with_note(ThreadUpdate { id, patch: &close, note: None, now: Utc::now(), audit: &update() })
        .await
        .expect("close");
    assert_eq!((change.thread.status, change.note_id), (ThreadStatus::Closed, None));
    assert_eq!(store.messages(id, true).await.expect("messages").len(), 2);
}

/// A change whose audit entry cannot be written is not stored either: the
/// audit log refuses new entries (as a full or broken log would), and a
/// forward with its note and a new pool both fail and leave nothing behind.
async fn nothing_is_stored_without_its_audit_entry(store: Arc<dyn Store>, refuse_audit: impl AsyncFnOnce()) {
    let patient = person(&store, "patient.aud", Role::Patient).await;
    let nurse = person(&store, "nurse.aud", Role::Nurse).await;
    let id = new_thread(&store, &patient).await;
    let audit = AuditEvent::new(AuditAction::PoolChange, None, Utc::now());
    let pool = store.create_pool("triage", "Triage", &audit).await.expect("pool");
    refuse_audit().await;

    let forward = ThreadPatch { pool_id: Some(Some(pool.id)), ..ThreadPatch::default() };
    let update = vec![AuditEvent::new(AuditAction::ThreadUpdate, Some((nurse.id, Role::Nurse)), Utc::now())];
    let failed = store
        .update_thread_with_note(ThreadUpdate {
            id,
            patch: &forward,
            note: Some(&note(nurse.id, "see readings")),
            now: Utc::now(),
            audit: &update,
        })
        .await;
    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(thread(&store, &nurse, id).await.pool_id, None, "the forward rolled back with its audit entry");
    assert_eq!(store.messages(id, true).await.expect("messages").len(), 1, "no note was added");
    let refused = store.create_pool("billing", "Billing", &audit).await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(store.pool_by_slug("billing").await.expect("pool"), None, "the pool was not created");
}

/// A page of threads reads each one's latest triage urgency at once: the
/// override, not the first result, and nothing for a thread never triaged.
async fn a_page_reads_each_threads_latest_triage(store: Arc<dyn Store>) {
    let patient = person(&store, "patient.page", Role::Patient).await;
    let nurse = person(&store, "nurse.page", Role::Nurse).await;
    let (raised, kept) = (new_thread(&store, &patient).await, new_thread(&store, &patient).await);
    let later = Utc::now() + chrono::TimeDelta::minutes(1);
    store
        .override_triage(&TriageOverride {
            thread_id: raised,
            by: nurse.id,
            urgency: Urgency::Emergency,
            category: Category::Clinical,
            pool_id: None,
            pool_slug: None,
            reasons: vec!["chest pain on exertion".to_owned()],
            now: later,
            audit: vec![AuditEvent::new(AuditAction::ThreadTriage, Some((nurse.id, Role::Nurse)), later)],
        })
        .await
        .expect("override");
    let never = ThreadId::from_uuid(uuid::Uuid::now_v7());
    let latest = store.latest_triage_urgencies(&[raised, kept, never]).await.expect("latest");
    assert_eq!(latest.len(), 2, "{latest:?}");
    assert_eq!(latest[&raised].0, Urgency::Emergency);
    assert_eq!(latest[&raised].1.timestamp_millis(), later.timestamp_millis());
    assert_eq!(latest[&kept].0, Urgency::Routine);
    assert!(store.latest_triage_urgencies(&[]).await.expect("none").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_reads_each_threads_latest_triage_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    a_page_reads_each_threads_latest_triage(store).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_reads_each_threads_latest_triage_on_postgres() {
    let (_database, store) = support::postgres_store("carethread_changes").await;
    a_page_reads_each_threads_latest_triage(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forward_and_its_note_commit_together_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    forward_with_a_note_lands_whole_or_not_at_all(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_stored_without_its_audit_entry_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    let refuse = async || {
        let pool = sqlx::SqlitePool::connect(&url).await.expect("raw connection");
        sqlx::query("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'refused'); END")
            .execute(&pool)
            .await
            .expect("trigger");
    };
    nothing_is_stored_without_its_audit_entry(store, refuse).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forward_and_its_note_commit_together_on_postgres() {
    let database = support::postgres_database("carethread_changes").await;
    let url = database.url().to_owned();
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    forward_with_a_note_lands_whole_or_not_at_all(store).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_stored_without_its_audit_entry_on_postgres() {
    let database = support::postgres_database("carethread_changes").await;
    let url = database.url().to_owned();
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    let refuse = async || {
        let pool = sqlx::PgPool::connect(&url).await.expect("raw connection");
        sqlx::query(
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
        )
        .execute(&pool)
        .await
        .expect("function");
        sqlx::query(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        )
        .execute(&pool)
        .await
        .expect("trigger");
    };
    nothing_is_stored_without_its_audit_entry(store, refuse).await;
}
