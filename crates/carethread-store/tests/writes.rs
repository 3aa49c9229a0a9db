//! Store-level guarantees behind "nothing acknowledged is ever lost": writes
//! queued together commit together, a failing write does not take its
//! neighbours down, and acknowledged writes survive reopening the database,
//! on SQLite and, when `CARETHREAD_TEST_POSTGRES` names a server, on
//! PostgreSQL, where two servers also write to one database at once.

use std::sync::Arc;

mod support;

use support::{message, new_thread};

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::ids::ThreadId;
use carethread_core::role::Role;
use carethread_core::thread::{Category, Urgency};
use carethread_core::user::User;
use carethread_store::{Idempotency, MasterKey, NewMessage, Store, StoreError, TriageRecord};
use chrono::Utc;

async fn patient(store: &Arc<dyn Store>) -> User {
    support::person(store, "patient.test", Role::Patient).await
}

fn triage() -> TriageRecord {
    support::routine_triage(Category::Other)
}

/// A new SQLite database: its directory (kept for the test) and URL.
fn sqlite() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    (dir, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_does_not_take_concurrent_writes_down_and_all_survive_a_reopen() {
    let (_dir, url) = sqlite();
    failing_write_among_others(&url).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_does_not_take_concurrent_writes_down_and_all_survive_a_reopen_on_postgres() {
    failing_write_among_others(support::postgres_database("carethread_writes").await.url()).await;
}

async fn failing_write_among_others(url: &str) {
    let master = MasterKey::generate();
    let store = carethread_store::open(url, master.clone()).await.expect("open");
    let author = patient(&store).await;
    let thread = new_thread(&store, &author).await;

    // Queue 50 good writes with a bad one in the middle, so they share batches.
    let mut tasks = Vec::new();
    for i in 0..51 {
        let store = store.clone();
        let m = if i == 25 {
            message(ThreadId::from_uuid(uuid_nil()), &author, "to nowhere")
        } else {
            message(thread, &author, &format!("reading {}", if i < 25 { i } else { i - 1 }))
        };
        tasks.push(tokio::spawn(async move { store.add_message(m).await }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let result = task.await.expect("join");
        if i == 25 {
            assert!(matches!(result, Err(StoreError::Missing(_))), "{result:?}");
        } else {
            result.expect("acknowledged");
        }
    }
    assert_eq!(store.messages(thread, true).await.expect("messages").len(), 51);
    // Each stored write left exactly one audit entry, chained in order; the failed one left none.
    let audit = store.verify_audit().await.expect("verify");
    assert_eq!((audit.verified, audit.broken), (52, None), "a user, a thread and 50 messages");
    drop(store);

    let reopened = carethread_store::open(url, master).await.expect("reopen");
    let messages = reopened.messages(thread, true).await.expect("messages");
    assert_eq!(messages.len(), 51, "every acknowledged message is still there");
    let bodies: Vec<_> = messages.iter().map(|m| m.message.body.as_str().to_owned()).collect();
    assert_eq!(bodies[0], "First");
    for i in 0..50 {
        assert!(bodies.contains(&format!("reading {i}")));
    }
}

fn keyed(thread: ThreadId, author: &User, text: &str, key: &str, fingerprint: &str) -> NewMessage {
    NewMessage {
        triage: Some(triage()),
        idempotency: Some(Idempotency { key: key.to_owned(), fingerprint: fingerprint.to_owned() }),
        ..message(thread, author, text)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_committed_together_keep_idempotency_keys_triage_and_the_audit_chain() {
    let (_dir, url) = sqlite();
    keys_triage_and_chain_in_batches(&url).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_committed_together_keep_idempotency_keys_triage_and_the_audit_chain_on_postgres() {
    keys_triage_and_chain_in_batches(support::postgres_database("carethread_writes").await.url()).await;
}

async fn keys_triage_and_chain_in_batches(url: &str) {
    let store = carethread_store::open(url, MasterKey::generate()).await.expect("open");
    let author = patient(&store).await;
    let thread = new_thread(&store, &author).await;
    let stored = store.add_message(keyed(thread, &author, "stored", "k-stored", "f-stored")).await.expect("stored");
    assert!(!stored.replayed);

    // Queued at once, so they share batches: 36 new messages, a retry of the
    // stored one and its key reused for another request.
    let mut sends = Vec::new();
    for i in 0..36 {
        sends.push(keyed(thread, &author, &format!("reading {i}"), &format!("k-{i}"), &format!("f-{i}")));
    }
    sends.push(keyed(thread, &author, "stored", "k-stored", "f-stored"));
    sends.push(keyed(thread, &author, "something else", "k-stored", "f-other"));
    let mut results = send_all(&store, sends).await;
    let reuse = results.pop().expect("reuse");
    let retry = results.pop().expect("retry").expect("the retry is answered");
    assert!(matches!(reuse, Err(StoreError::IdempotencyMismatch)), "{reuse:?}");
    assert!(retry.replayed && retry.message_id == stored.message_id, "{retry:?}");
    let mut ids = std::collections::HashSet::new();
    for result in results {
        let written = result.expect("acknowledged");
        assert!(!written.replayed);
        assert!(ids.insert(written.message_id), "every new message has its own id");
    }
    // One new key sent twice at the same moment stores one message.
    let twin = || keyed(thread, &author, "twin", "k-twin", "f-twin");
    let twins: Vec<_> = send_all(&store, vec![twin(), twin()]).await.into_iter().map(|r| r.expect("twin")).collect();
    assert_eq!(twins[0].message_id, twins[1].message_id, "one key, one message");
    assert_eq!(twins.iter().filter(|t| t.replayed).count(), 1);

    let messages = store.messages(thread, true).await.expect("messages");
    assert_eq!(messages.len(), 1 + 1 + 36 + 1, "the first, the stored one, 36 new and one twin");
    let bodies: Vec<_> = messages.iter().map(|m| m.message.body.as_str()).collect();
    assert_eq!(bodies.iter().filter(|b| **b == "twin").count(), 1);
    assert!(store.latest_triage(thread).await.expect("triage").is_some());
    let audit = store.verify_audit().await.expect("verify");
    assert_eq!((audit.verified, audit.broken), (1 + 1 + 1 + 36 + 1, None), "one entry per stored write, chained");
}

/// Two servers on one PostgreSQL database, each committing its writes in
/// groups: 8 threads shared by both, 300 messages from each server sent at
/// once (the same threads in opposite orders, so the two servers' groups
/// would deadlock if they locked threads in different orders), and one
/// idempotency key sent to both at the same moment. Every message is
/// acknowledged once and stored once in its thread, the key stores one
/// message, and the audit log is one chain.
#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_commit_together_on_one_postgresql_database() {
    let database = support::postgres_database("carethread_writes").await;
    let url = database.url().to_owned();
    let master = MasterKey::generate();
    let first = carethread_store::open(&url, master.clone()).await.expect("first server");
    let second = carethread_store::open(&url, master).await.expect("second server");
    let author = patient(&first).await;
    let mut threads = Vec::new();
    for _ in 0..8 {
        threads.push(new_thread(&first, &author).await);
    }
    let mut tasks = Vec::new();
    let mut sent_to = [0usize; 8];
    for i in 0..600usize {
        let (store, pick) = if i % 2 == 0 { (first.clone(), i / 2) } else { (second.clone(), 7 - (i / 2) % 8) };
        sent_to[pick % 8] += 1;
        let m = message(threads[pick % 8], &author, &format!("reading {i}"));
        tasks.push(tokio::spawn(async move { store.add_message(m).await }));
    }
    let twin = || keyed(threads[0], &author, "twin", "k-twin", "f-twin");
    let (a, b) = (first.clone(), second.clone());
    let (t1, t2) = (twin(), twin());
    let twins = tokio::join!(a.add_message(t1), b.add_message(t2));
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let written = task.await.expect("join").expect("acknowledged");
        assert!(ids.insert(written.message_id), "one acknowledgement per message");
    }
    let (t1, t2) = (twins.0.expect("twin"), twins.1.expect("twin"));
    assert_eq!(t1.message_id, t2.message_id, "one key, one message");
    assert_eq!(u8::from(t1.replayed) + u8::from(t2.replayed), 1, "{t1:?} {t2:?}");

    let mut stored = 0;
    for (n, thread) in threads.iter().enumerate() {
        let messages = second.messages(*thread, true).await.expect("messages");
        let expected = 1 + sent_to[n] + usize::from(n == 0);
        assert_eq!(messages.len(), expected, "thread {n}: the first message, those sent to it and the twin");
        let distinct: std::collections::HashSet<_> = messages.iter().map(|m| m.message.id).collect();
        assert_eq!(distinct.len(), expected, "no message stored twice");
        stored += messages.len();
    }
    assert_eq!(stored, 8 + 600 + 1, "the first messages, 600 sent and one twin");
    let audit = first.verify_audit().await.expect("verify");
    assert_eq!((audit.verified, audit.broken), (1 + 8 + 600 + 1, None), "one chain over both servers' writes");
}

/// The usual group on PostgreSQL (one new message to each of many threads,
/// and a retry) is written in a few statements: every thread moves on and
/// numbers its message, an emergency raises its thread and moves it to the
/// pool that answers emergencies, a retried key answers with the first
/// message and a reused one is refused, and the audit log stays one chain.
#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_of_messages_to_different_threads_is_written_whole_on_postgres() {
    let database = support::postgres_database("carethread_writes").await;
    let url = database.url().to_owned();
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    let author = patient(&store).await;
    let audit = AuditEvent::new(AuditAction::PoolChange, None, Utc::now());
    let urgent_pool = store.create_pool("urgent-care", "Urgent care", &audit).await.expect("pool");
    let mut threads = Vec::new();
    for _ in 0..24 {
        threads.push(new_thread(&store, &author).await);
    }
    let stored =
        store.add_message(keyed(threads[23], &author, "stored", "k-stored", "f-stored")).await.expect("stored");
    let emergency = TriageRecord {
        urgency: Urgency::Emergency,
        pool_slug: Some("urgent-care".to_owned()),
        ..support::routine_triage(Category::Clinical)
    };
    // Rounds of 23 new messages (one to each of 22 threads and an emergency),
    // a retry and a reused key, each to a thread of its own.
    for round in 0..3 {
        let mut sends = Vec::new();
        for (i, thread) in threads.iter().enumerate().take(22) {
            let key = format!("k-{round}-{i}");
            let mut m = keyed(*thread, &author, &format!("reading {round} {i}"), &key, &key);
            if round == 1 && i == 0 {
                m.triage = Some(emergency.clone());
            }
            sends.push(m);
        }
        sends.push(keyed(threads[23], &author, "stored", "k-stored", "f-stored"));
        sends.push(keyed(threads[22], &author, "other", "k-stored", "f-other"));
        let mut results = send_all(&store, sends).await;
        let reused = results.pop().expect("reused");
        let retry = results.pop().expect("retry").expect("the retry is answered");
        assert!(matches!(reused, Err(StoreError::IdempotencyMismatch)), "{reused:?}");
        assert!(retry.replayed && retry.message_id == stored.message_id, "{retry:?}");
        assert!(results.iter().all(|r| r.as_ref().is_ok_and(|w| !w.replayed)), "{results:?}");
    }
    let actor = carethread_core::policy::Actor { id: author.id, role: Role::Patient };
    for (i, thread) in threads.iter().enumerate() {
        let messages = store.messages(*thread, true).await.expect("messages");
        let expected = match i {
            22 => 1,
            23 => 2,
            _ => 4,
        };
        assert_eq!(messages.len(), expected, "thread {i}");
        let summary = store.thread_summary(actor, *thread).await.expect("summary").expect("thread");
        if i == 0 {
            assert_eq!(summary.thread.urgency, Urgency::Emergency, "raised by the emergency");
            assert_eq!(summary.thread.pool_id, Some(urgent_pool.id), "moved to the pool for emergencies");
        } else {
            assert_eq!(summary.thread.urgency, Urgency::Routine, "thread {i}");
        }
        assert!(summary.thread.awaiting_since.is_some(), "thread {i} waits for the care team");
    }
    let audit = store.verify_audit().await.expect("verify");
    assert_eq!(audit.broken, None);
    assert_eq!(audit.verified, 1 + 1 + 24 + 1 + 3 * 22, "one entry per stored write, chained");
}

async fn send_all(
    store: &Arc<dyn Store>,
    sends: Vec<NewMessage>,
) -> Vec<Result<carethread_store::Written, StoreError>> {
    let tasks: Vec<_> = sends
        .into_iter()
        .map(|m| {
            let store = store.clone();
            tokio::spawn(async move { store.add_message(m).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("join"));
    }
    results
}

fn uuid_nil() -> uuid::Uuid {
    uuid::Uuid::nil()
}

#[tokio::test]
async fn unknown_database_schemes_are_refused() {
    let key = MasterKey::generate;
    assert!(matches!(carethread_store::open("mysql://localhost/x", key()).await, Err(StoreError::UnsupportedUrl)));
    assert!(matches!(carethread_store::open("carethread.db", key()).await, Err(StoreError::UnsupportedUrl)));
}

#[tokio::test]
async fn a_database_refuses_a_master_key_that_is_not_its_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    drop(store);
    let refused = carethread_store::open(&url, MasterKey::generate()).await;
    assert!(matches!(refused, Err(StoreError::WrongMasterKey)), "{:?}", refused.err());
}

/// Every file SQLite keeps for the database: the file, its WAL and shared memory.
fn database_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "key") {
            all.extend(std::fs::read(&path).expect("read"));
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_reseals_everything_and_new_master_keys_rewrap() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let master = MasterKey::generate();
    let store = carethread_store::open(&url, master.clone()).await.expect("open");
    let author = patient(&store).await;
    let thread = new_thread(&store, &author).await;
    store.add_message(message(thread, &author, "rotation canary 7f3a")).await.expect("message");
    assert!(!contains(&database_bytes(dir.path()), "rotation canary 7f3a"));

    let report = store.rotate_data_key().await.expect("rotate");
    assert_eq!(report.new_key_id, 2);
    // Thread subject, two messages and two triage-free rows: subject + 2 bodies at least.
    assert!(report.rows_resealed >= 3, "{report:?}");
    let again = store.rotate_data_key().await.expect("rotate again");
    assert_eq!(again.new_key_id, 3);

    let next = MasterKey::generate();
    assert_eq!(store.rewrap_keys(&next).await.expect("rewrap"), 3);
    drop(store);
    assert!(matches!(carethread_store::open(&url, master).await, Err(StoreError::WrongMasterKey)));
    let reopened = carethread_store::open(&url, next).await.expect("reopen with the new master key");
    let bodies: Vec<_> = reopened
        .messages(thread, true)
        .await
        .expect("messages")
        .into_iter()
        .map(|m| m.message.body.as_str().to_owned())
        .collect();
    assert_eq!(bodies, ["First", "rotation canary 7f3a"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_chain_verifies_and_names_the_first_altered_entry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("t.db");
    let url = format!("sqlite://{}", path.display());
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    let author = patient(&store).await;
    let thread = new_thread(&store, &author).await;
    store.add_message(message(thread, &author, "hello")).await.expect("message");
    let read = AuditEvent::new(AuditAction::ThreadRead, Some((author.id, Role::Patient)), Utc::now())
        .patient(author.id)
        .target("thread", thread)
        .detail("opened from the inbox");
    store.record_audit(vec![read.clone(), read]).await.expect("audit");
    let intact = store.verify_audit().await.expect("verify");
    assert_eq!((intact.verified, intact.broken), (5, None));

    // The log refuses changes through SQL...
    let pool = sqlx::SqlitePool::connect(&url).await.expect("raw connection");
    let refused = sqlx::query("UPDATE audit_log SET outcome = 'denied' WHERE seq = 3").execute(&pool).await;
    assert!(refused.is_err(), "the append-only trigger refuses updates");
    // ...and someone who removes the guard is still caught.
    sqlx::query("DROP TRIGGER audit_log_no_update").execute(&pool).await.expect("drop trigger");
    sqlx::query("UPDATE audit_log SET client = '10.9.9.9' WHERE seq = 3").execute(&pool).await.expect("tamper");
    let broken = store.verify_audit().await.expect("verify");
    assert_eq!(broken.verified, 2);
    assert!(broken.broken.as_deref().is_some_and(|b| b.starts_with("entry 3")), "{broken:?}");
    let detail =
        store.audit_entries(&carethread_store::AuditQuery { limit: 1, ..Default::default() }).await.expect("read");
    assert_eq!(detail[0].detail.as_deref(), Some("opened from the inbox"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_pages_reach_the_database_file_without_waiting_for_the_writer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("t.db");
    let store =
        carethread_store::open(&format!("sqlite://{}", path.display()), MasterKey::generate()).await.expect("open");
    let author = patient(&store).await;
    let thread = new_thread(&store, &author).await;
    let size = || std::fs::metadata(&path).map_or(0, |m| m.len());
    let before = size();
    let text = "blood pressure log ".repeat(50);
    let sends = (0..300).map(|i| message(thread, &author, &format!("{text}{i}"))).collect();
    assert!(send_all(&store, sends).await.into_iter().all(|r| r.is_ok()));
    // About 300 kB went to the WAL, far below the writer's own checkpoint
    // threshold (10,000 pages): only the background checkpointer moves it
    // into the database file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while size() < before + 200_000 {
        assert!(std::time::Instant::now() < deadline, "the database file stayed at {} bytes (was {before})", size());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(store.messages(thread, false).await.expect("messages").len(), 301);
}

/// Whether the server `CARETHREAD_TEST_POSTGRES` names holds a database `name`.
async fn database_exists(name: &str) -> bool {
    let server = std::env::var("CARETHREAD_TEST_POSTGRES").expect("CARETHREAD_TEST_POSTGRES");
    let pool = sqlx::PgPool::connect(&server).await.expect("connect");
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&pool)
        .await
        .expect("ask");
    found.is_some()
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scratch_database_is_dropped_with_its_holder_even_while_a_store_has_it_open() {
    let (database, store) = support::postgres_store("carethread_writes").await;
    let name = database.url().rsplit('/').next().expect("a name").to_owned();
    patient(&store).await;
    assert!(database_exists(&name).await, "{name} exists while held");
    drop(database);
    assert!(!database_exists(&name).await, "{name} is gone once dropped, open connections or not");
}
