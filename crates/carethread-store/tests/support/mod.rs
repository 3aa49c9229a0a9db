//! People, triage results and PostgreSQL databases the store tests start
//! from.
#![allow(dead_code, reason = "the support module serves several test files; each uses part of it")]

pub mod week;

use std::sync::Arc;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::ids::ThreadId;
use carethread_core::message::MessageBody;
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, ThreadStatus, Urgency};
use carethread_core::user::{DisplayName, Language, NewUser, User, Username};
use carethread_store::{MasterKey, NewAccount, NewMessage, NewThread, ScratchDatabase, Store, TriageRecord};
use chrono::{NaiveDate, Utc};

/// A user named `username` (also their display name) with `role`; a patient
/// is born in 1980.
pub async fn person(store: &Arc<dyn Store>, username: &str, role: Role) -> User {
    let new = NewUser::new(
        Username::parse(username).expect("username"),
        DisplayName::parse(username).expect("name"),
        role,
        (role == Role::Patient).then(|| NaiveDate::from_ymd_opt(1980, 1, 1)).flatten(),
        Language::En,
        Utc::now().date_naive(),
    )
    .expect("new user");
    let audit = AuditEvent::new(AuditAction::UserCreate, None, Utc::now());
    store
        .create_user(NewAccount { user: &new, password_hash: "not-a-real-hash", now: Utc::now() }, &audit)
        .await
        .expect("user")
}

/// A routine triage result in `category`, to no pool.
pub fn routine_triage(category: Category) -> TriageRecord {
    TriageRecord {
        urgency: Urgency::Routine,
        category,
        pool_slug: None,
        confidence: 1.0,
        reasons: vec![],
        model_id: "test".into(),
        model_version: "1".into(),
        needs_review: false,
        overridden_by: None,
    }
}

/// A patient's message in `thread_id`, with its audit entry.
pub fn message(thread_id: ThreadId, author: &User, text: &str) -> NewMessage {
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
        audit: vec![AuditEvent::new(AuditAction::MessageCreate, Some((author.id, Role::Patient)), Utc::now())],
        jobs: Vec::new(),
        draft: None,
        reading_grade: None,
        answered: None,
    }
}

/// A routine thread the patient `author` starts, with its first message.
pub async fn new_thread(store: &Arc<dyn Store>, author: &User) -> ThreadId {
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
            triage: routine_triage(Category::Other),
            idempotency: None,
            now: Utc::now(),
            audit: vec![AuditEvent::new(AuditAction::ThreadCreate, Some((author.id, Role::Patient)), Utc::now())],
            jobs: Vec::new(),
        })
        .await
        .expect("thread")
        .thread_id
}

/// A new PostgreSQL database on the server `CARETHREAD_TEST_POSTGRES` names,
/// dropped when the returned value is.
pub async fn postgres_database(prefix: &str) -> ScratchDatabase {
    let server = std::env::var("CARETHREAD_TEST_POSTGRES").expect("CARETHREAD_TEST_POSTGRES names a server");
    ScratchDatabase::create(&server, prefix).await.expect("scratch database")
}

/// A store on a new PostgreSQL database; the database is dropped with the
/// first value, so keep it for as long as the store is used.
pub async fn postgres_store(prefix: &str) -> (ScratchDatabase, Arc<dyn Store>) {
    let database = postgres_database(prefix).await;
    let store = carethread_store::open(database.url(), MasterKey::generate()).await.expect("open");
    (database, store)
}
