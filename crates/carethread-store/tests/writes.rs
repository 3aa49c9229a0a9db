//! Store-level guarantees behind "nothing acknowledged is ever lost": writes
//! queued together commit together, a failing write does not take its
//! neighbours down, and acknowledged writes survive reopening the database.

use std::sync::Arc;

use carethread_core::ids::ThreadId;
use carethread_core::message::MessageBody;
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, ThreadStatus, Urgency};
use carethread_core::user::{DisplayName, Language, NewUser, User, Username};
use carethread_store::{NewMessage, NewThread, Store, StoreError, TriageRecord};
use chrono::{NaiveDate, Utc};

async fn patient(store: &Arc<dyn Store>) -> User {
    let new = NewUser::new(
        Username::parse("patient.test").expect("username"),
        DisplayName::parse("Test Patient").expect("name"),
        Role::Patient,
        NaiveDate::from_ymd_opt(1980, 1, 1),
        Language::En,
        Utc::now().date_naive(),
    )
    .expect("new user");
    store.create_user(&new, "not-a-real-hash", Utc::now()).await.expect("user")
}

fn triage() -> TriageRecord {
    TriageRecord {
        urgency: Urgency::Routine,
        category: Category::Other,
        pool_slug: None,
        confidence: 1.0,
        reasons: vec![],
        model_id: "test".into(),
        model_version: "1".into(),
        needs_review: false,
        overridden_by: None,
    }
}

fn message(thread_id: ThreadId, author: &User, text: &str) -> NewMessage {
    NewMessage {
        thread_id,
        author_id: author.id,
        body: Some(MessageBody::parse(text, 5000).expect("body")),
        internal: false,
        new_status: ThreadStatus::Open,
        triage: None,
        attachments: vec![],
        idempotency: None,
        now: Utc::now(),
    }
}

async fn new_thread(store: &Arc<dyn Store>, author: &User) -> ThreadId {
    store
        .create_thread(NewThread {
            patient_id: author.id,
            author_id: author.id,
            subject: Subject::parse("Readings").expect("subject"),
            body: MessageBody::parse("First", 5000).expect("body"),
            category: Category::Other,
            urgency: Urgency::Routine,
            pool_slug: None,
            assignee_id: None,
            status: ThreadStatus::Open,
            confidential: false,
            triage: triage(),
            idempotency: None,
            now: Utc::now(),
        })
        .await
        .expect("thread")
        .thread_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_does_not_take_concurrent_writes_down_and_all_survive_a_reopen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = carethread_store::open(&url).await.expect("open");
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
    drop(store);

    let reopened = carethread_store::open(&url).await.expect("reopen");
    let messages = reopened.messages(thread, true).await.expect("messages");
    assert_eq!(messages.len(), 51, "every acknowledged message is still there");
    let bodies: Vec<_> = messages.iter().map(|m| m.message.body.as_str().to_owned()).collect();
    assert_eq!(bodies[0], "First");
    for i in 0..50 {
        assert!(bodies.contains(&format!("reading {i}")));
    }
}

fn uuid_nil() -> uuid::Uuid {
    uuid::Uuid::nil()
}

#[tokio::test]
async fn unknown_database_schemes_are_refused() {
    assert!(matches!(carethread_store::open("mysql://localhost/x").await, Err(StoreError::UnsupportedUrl)));
    assert!(matches!(carethread_store::open("carethread.db").await, Err(StoreError::UnsupportedUrl)));
}
