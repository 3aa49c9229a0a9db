//! Every write a user waits on commits with the writes queued beside it:
//! read receipts, thread changes, re-triage and drafts share group commits
//! with new messages on SQLite (one writer), and run on their own on
//! PostgreSQL. Either way each is answered as it was stored, a failing one
//! takes none of its neighbours down, a receipt never skips a message
//! written in the same group, and the audit log stays one chain.

use std::sync::Arc;

mod support;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::ids::ThreadId;
use carethread_core::role::Role;
use carethread_core::thread::{Category, ThreadPatch, ThreadStatus, Urgency};
use carethread_core::user::User;
use carethread_store::{DraftContent, MasterKey, NewDraft, ReadThread, Store, StoreError, TriageOverride};
use chrono::Utc;

use support::{message, new_thread, person};

fn event(action: AuditAction, who: &User) -> AuditEvent {
    AuditEvent::new(action, Some((who.id, who.role)), Utc::now()).patient(who.id)
}

fn read(thread: ThreadId, reader: &User) -> ReadThread {
    ReadThread { thread, reader: reader.id, include_internal: true, now: Utc::now() }
}

/// What one queued write answered, reduced to what the test checks.
#[derive(Debug)]
enum Answer {
    Sent,
    Read,
    Changed(ThreadStatus),
    Retriaged(Urgency),
    Drafted,
    Refused(StoreError),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_changes_retriage_and_drafts_commit_beside_messages_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    queued_beside_messages(&store).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_changes_retriage_and_drafts_commit_beside_messages_on_postgres() {
    let (_db, store) = support::postgres_store("carethread_queued").await;
    queued_beside_messages(&store).await;
}

/// 120 messages from a patient, 120 openings by a nurse, closes and reopens of
/// a second thread, a re-triage, a draft, and a change to a thread that does
/// not exist, all sent at once.
async fn queued_beside_messages(store: &Arc<dyn Store>) {
    let patient = person(store, "patient.queued", Role::Patient).await;
    let nurse = person(store, "rn.queued", Role::Nurse).await;
    let talked = new_thread(store, &patient).await;
    let handled = new_thread(store, &patient).await;
    let nowhere = ThreadId::from_uuid(uuid::Uuid::nil());

    let mut tasks = Vec::new();
    for i in 0..120 {
        let (s, p) = (store.clone(), patient.clone());
        tasks.push(tokio::spawn(async move {
            s.add_message(message(talked, &p, &format!("reading {i}"))).await.map(|_| Answer::Sent)
        }));
        let (s, n) = (store.clone(), nurse.clone());
        tasks.push(tokio::spawn(async move { s.mark_read(read(talked, &n)).await.map(|_| Answer::Read) }));
        if i % 8 == 0 {
            let (s, n) = (store.clone(), nurse.clone());
            let status = if i % 16 == 0 { ThreadStatus::Closed } else { ThreadStatus::Open };
            tasks.push(tokio::spawn(async move {
                let patch = ThreadPatch { status: Some(status), ..ThreadPatch::default() };
                let audit = [event(AuditAction::ThreadUpdate, &n)];
                s.update_thread(handled, &patch, Utc::now(), &audit).await.map(|t| Answer::Changed(t.status))
            }));
        }
    }
    let (s, n) = (store.clone(), nurse.clone());
    tasks.push(tokio::spawn(async move {
        let patch = ThreadPatch { assignee_id: Some(Some(n.id)), ..ThreadPatch::default() };
        let audit = [event(AuditAction::ThreadUpdate, &n)];
        s.update_thread(nowhere, &patch, Utc::now(), &audit).await.map(|t| Answer::Changed(t.status))
    }));
    let (s, n) = (store.clone(), nurse.clone());
    tasks.push(tokio::spawn(async move {
        let change = TriageOverride {
            thread_id: talked,
            by: n.id,
            urgency: Urgency::Urgent,
            category: Category::Clinical,
            pool_id: None,
            pool_slug: None,
            reasons: vec!["re-triaged by hand".to_owned()],
            now: Utc::now(),
            audit: vec![event(AuditAction::ThreadTriage, &n)],
        };
        s.override_triage(&change).await.map(|t| Answer::Retriaged(t.urgency))
    }));
    let (s, n) = (store.clone(), nurse.clone());
    tasks.push(tokio::spawn(async move {
        let content = DraftContent {
            thread_id: talked,
            requested_by: n.id,
            body: Some("Thank you, your readings look fine.".to_owned()),
            model_id: "test".to_owned(),
            model_version: "1".to_owned(),
            reply_needed: true,
            reasons: vec!["a reading".to_owned()],
        };
        let new = NewDraft { content, now: Utc::now(), audit: event(AuditAction::DraftCreate, &n) };
        s.create_draft(&new).await.map(|_| Answer::Drafted)
    }));
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("join").unwrap_or_else(Answer::Refused));
    }

    let refused: Vec<_> = answers.iter().filter(|a| matches!(a, Answer::Refused(_))).collect();
    assert!(
        matches!(refused.as_slice(), [Answer::Refused(StoreError::Missing("thread"))]),
        "only the change to a missing thread is refused: {refused:?}"
    );
    let count = |f: fn(&Answer) -> bool| answers.iter().filter(|a| f(a)).count();
    assert_eq!(count(|a| matches!(a, Answer::Sent)), 120);
    assert_eq!(count(|a| matches!(a, Answer::Read)), 120);
    // Each change answers the thread as it left it: closed eight times, reopened seven.
    assert_eq!(count(|a| matches!(a, Answer::Changed(ThreadStatus::Closed))), 8);
    assert_eq!(count(|a| matches!(a, Answer::Changed(ThreadStatus::Open))), 7);
    assert!(answers.iter().any(|a| matches!(a, Answer::Retriaged(Urgency::Urgent))));
    assert_eq!(count(|a| matches!(a, Answer::Drafted)), 1);

    // One last opening: then the nurse has a receipt on every message of the
    // patient's, none skipped by a receipt written in the same group as it.
    store.mark_read(read(talked, &nurse)).await.expect("last opening");
    let messages = store.messages(talked, true).await.expect("messages");
    assert_eq!(messages.len(), 121);
    let unread: Vec<_> = messages
        .iter()
        .filter(|m| !m.read_by.iter().any(|(who, _)| who.id == nurse.id))
        .map(|m| m.message.body.as_str().to_owned())
        .collect();
    assert!(unread.is_empty(), "messages the nurse opened without a receipt: {unread:?}");
    assert_eq!(store.mark_read(read(talked, &nurse)).await.expect("again"), 0, "nothing left to read");

    let (triage, _) = store.latest_triage(talked).await.expect("triage").expect("a result");
    assert_eq!((triage.urgency, triage.overridden_by), (Urgency::Urgent, Some(nurse.id)));

    // Audit: 2 people, 2 threads, 120 messages, 15 changes, a re-triage, a
    // draft; receipts and the refused change leave none. One chain.
    let audit = store.verify_audit().await.expect("verify");
    assert_eq!((audit.verified, audit.broken), (2 + 2 + 120 + 15 + 1 + 1, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opening_is_audited_with_its_receipts_and_audited_alone_when_nothing_is_new_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    opening_audited(&store).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opening_is_audited_with_its_receipts_and_audited_alone_when_nothing_is_new_on_postgres() {
    let (_db, store) = support::postgres_store("carethread_queued").await;
    opening_audited(&store).await;
}

async fn opening_audited(store: &Arc<dyn Store>) {
    let patient = person(store, "patient.opens", Role::Patient).await;
    let nurse = person(store, "rn.opens", Role::Nurse).await;
    let thread = new_thread(store, &patient).await;
    store.add_message(message(thread, &patient, "second")).await.expect("second");
    let opened = || {
        AuditEvent::new(AuditAction::ThreadRead, Some((nurse.id, nurse.role)), Utc::now())
            .patient(patient.id)
            .target("thread", thread)
    };
    let entries = || async { store.verify_audit().await.expect("verify").verified };
    let before = entries().await;
    assert_eq!(store.record_read(read(thread, &nurse), vec![opened()]).await.expect("open"), 2);
    assert_eq!(entries().await, before + 1, "the opening is audited with its receipts");
    assert_eq!(store.record_read(read(thread, &nurse), vec![opened()]).await.expect("again"), 0);
    assert_eq!(entries().await, before + 2, "opening a thread already read is audited too");
    let messages = store.messages(thread, true).await.expect("messages");
    assert!(messages.iter().all(|m| m.read_by.iter().any(|(who, _)| who.id == nurse.id)));
}
