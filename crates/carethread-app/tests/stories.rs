//! Stories at the application layer, without HTTP: what patients, proxies
//! and the care team do, through the same functions the API and the portal
//! call, on SQLite and (when configured) PostgreSQL.

mod support;

use carethread_app::AppError;
use carethread_app::drafting::{self, DraftReply};
use carethread_app::messages::{self, AddMessage};
use carethread_app::retriage::{self, Retriage};
use carethread_app::threads::{self, ChangeThread, ListThreads, StartThread, ThreadCriteria};
use carethread_app::wording::{self, CheckWording};
use carethread_core::audit::AuditAction;
use carethread_core::message::MessageBody;
use carethread_core::thread::{ThreadStatus, Urgency};
use carethread_store::AuditQuery;

fn message(subject: &str, body: &str) -> StartThread {
    StartThread {
        patient: None,
        subject: subject.to_owned(),
        body: body.to_owned(),
        category: None,
        confidential: false,
        idempotency: None,
    }
}

fn in_basket() -> ListThreads {
    ListThreads {
        criteria: ThreadCriteria { status: Some(ThreadStatus::Open), ..ThreadCriteria::default() },
        page_size: 50,
        ..ListThreads::default()
    }
}

#[tokio::test]
async fn a_patient_writes_the_nurse_finds_it_in_the_in_basket_and_the_patient_sees_it_was_read() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let asked =
            message("Blood pressure readings", "My home readings were 150/95 this week. Should I change my dose?");
        let started = threads::start_thread(&c.app, &c.alice, asked).await.expect("start");
        assert!(!started.replayed && !started.by_care_team, "{backend}");
        assert_ne!(started.urgency, Urgency::Emergency, "{backend}: a routine question is not an emergency");

        let page = threads::list_threads(&c.app, &c.nurse, in_basket()).await.expect("in-basket");
        let row = page.threads.iter().find(|t| t.thread.id == started.thread_id);
        let row = row.unwrap_or_else(|| panic!("{backend}: the nurse's in-basket shows the new thread"));
        assert_eq!(row.pool.as_ref().map(|p| p.slug.as_str()), Some("nurse-triage"), "{backend}");
        assert_eq!(row.unread, 1, "{backend}: the nurse has not opened it yet");

        // A draft for the nurse, kept with its model; never for the patient.
        let drafted =
            drafting::draft_reply(&c.app, &c.nurse, started.thread_id, DraftReply::default()).await.expect("draft");
        let kept = c
            .app
            .store
            .draft(started.thread_id, carethread_core::ids::DraftId::from_uuid(drafted.id))
            .await
            .expect("read draft")
            .expect("kept");
        assert_eq!(kept.content.requested_by, c.nurse.user.id, "{backend}");
        assert!(
            drafted.draft.body.as_deref().is_some_and(|b| b.contains("Alice")),
            "{backend}: {:?}",
            drafted.draft.body
        );
        let by_patient = drafting::draft_reply(&c.app, &c.alice, started.thread_id, DraftReply::default()).await;
        assert!(matches!(by_patient, Err(AppError::Forbidden(_))), "{backend}: drafts are for the care team");

        let change = ChangeThread { assignee: Some(Some(c.nurse.user.id)), ..ChangeThread::default() };
        threads::update_thread(&c.app, &c.nurse, started.thread_id, change).await.expect("assign");
        let seen = threads::open_thread(&c.app, &c.nurse, started.thread_id).await.expect("nurse opens");
        assert_eq!(seen.summary.thread.assignee_id, Some(c.nurse.user.id), "{backend}");
        assert!(seen.triage.is_some(), "{backend}: staff see the triage result");

        // The nurse replies from the draft, and leaves a note the patient never sees.
        let thread = seen.summary.thread.clone();
        let reply = drafted.draft.body.clone().expect("a drafted reply");
        let used = messages::draft_use(&c.app, &c.nurse, &thread, &drafted.id.to_string(), false, &reply)
            .await
            .expect("draft use");
        let answer = AddMessage {
            body: Some(MessageBody::parse(&reply, 5000).expect("reply body")),
            draft: used,
            ..AddMessage::default()
        };
        let sent = messages::add_message(&c.app, &c.nurse, started.thread_id, answer).await.expect("reply");
        assert!(sent.ai_assisted, "{backend}: a reply sent from a draft is marked AI-assisted");
        let note = AddMessage {
            body: Some(MessageBody::parse("Check her last BMP before changing the dose.", 5000).expect("note")),
            internal: true,
            ..AddMessage::default()
        };
        messages::add_message(&c.app, &c.nurse, started.thread_id, note).await.expect("note");
        let note_by_patient = AddMessage {
            body: Some(MessageBody::parse("A note", 5000).expect("note")),
            internal: true,
            ..AddMessage::default()
        };
        let refused = messages::add_message(&c.app, &c.alice, started.thread_id, note_by_patient).await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: patients write no internal notes");

        let mine = threads::open_thread(&c.app, &c.alice, started.thread_id).await.expect("patient opens");
        assert_eq!(mine.messages.len(), 2, "{backend}: the patient sees her message and the reply, not the note");
        assert_eq!(mine.summary.thread.status, ThreadStatus::AwaitingPatient, "{backend}: the reply waits on her");
        let seen_by_nurse = threads::open_thread(&c.app, &c.nurse, started.thread_id).await.expect("nurse again");
        let answered = seen_by_nurse.messages.iter().find(|m| m.message.id == sent.message_id).expect("the reply");
        assert!(
            answered.read_by.iter().any(|(who, _)| who.id == c.alice.user.id),
            "{backend}: the nurse sees that the patient read the reply"
        );
        assert!(mine.triage.is_none(), "{backend}: patients do not see triage internals");
        let first = &mine.messages[0];
        assert!(
            first.read_by.iter().any(|(who, _)| who.id == c.nurse.user.id),
            "{backend}: the patient sees that the nurse read her message"
        );

        let query = AuditQuery { patient: Some(c.alice.user.id), limit: 500, ..AuditQuery::default() };
        let log = c.app.store.audit_entries(&query).await.expect("audit");
        let read = AuditAction::ThreadRead.as_str();
        assert!(
            log.iter().any(|e| e.action == read && e.client.as_deref() == Some("192.0.2.7")),
            "{backend}: each opening is audited with where it came from: {:?}",
            log.iter().map(|e| (&e.action, &e.client)).collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn a_proxy_writes_for_a_patient_and_the_thread_is_the_patients() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let mut asked = message("Refill for Alice", "Alice needs a refill of her lisinopril, she is almost out.");
        asked.patient = Some(c.alice.user.id);
        let started = threads::start_thread(&c.app, &c.carol, asked).await.expect("proxy starts");
        let theirs = threads::open_thread(&c.app, &c.alice, started.thread_id).await.expect("patient opens");
        assert_eq!(theirs.summary.thread.patient_id, c.alice.user.id, "{backend}");
        assert_eq!(theirs.messages[0].author.id, c.carol.user.id, "{backend}: the proxy is the author");

        let mut unnamed = message("Refill", "Please refill the prescription.");
        unnamed.patient = None;
        let refused = threads::start_thread(&c.app, &c.carol, unnamed).await;
        assert!(
            matches!(refused, Err(AppError::Invalid { ref field, .. }) if field == "patient_id"),
            "{backend}: a proxy must say whom the message is about"
        );
    }
}

#[tokio::test]
async fn an_adolescents_confidential_thread_is_invisible_to_the_proxy() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let mut asked = message("A private question", "I have a question about contraception I want to keep private.");
        asked.confidential = true;
        let started = threads::start_thread(&c.app, &c.maya, asked).await.expect("maya starts");
        let mut open = message("School form", "Can the clinic fill in my school sports form?");
        open.confidential = false;
        let shared = threads::start_thread(&c.app, &c.maya, open).await.expect("maya starts another");

        let mine = ListThreads {
            criteria: ThreadCriteria { patient: Some(c.maya.user.id), ..ThreadCriteria::default() },
            page_size: 50,
            ..ListThreads::default()
        };
        let listed = threads::list_threads(&c.app, &c.carol, mine).await.expect("proxy lists");
        let ids: Vec<_> = listed.threads.iter().map(|t| t.thread.id).collect();
        assert!(ids.contains(&shared.thread_id), "{backend}: the proxy sees what is not confidential");
        assert!(!ids.contains(&started.thread_id), "{backend}: the confidential thread is not listed");
        let opened = threads::open_thread(&c.app, &c.carol, started.thread_id).await;
        assert!(matches!(opened, Err(AppError::NotFound)), "{backend}: opening it answers as if it did not exist");
        threads::open_thread(&c.app, &c.nurse, started.thread_id).await.expect("the care team still reads it");

        // Maya keeps the other thread from Carol too; Carol cannot undo it.
        let by_proxy = threads::set_confidential(&c.app, &c.carol, shared.thread_id, false).await;
        assert!(matches!(by_proxy, Err(AppError::Forbidden(_))), "{backend}: only the patient decides");
        threads::set_confidential(&c.app, &c.maya, shared.thread_id, true).await.expect("maya hides it");
        let opened = threads::open_thread(&c.app, &c.carol, shared.thread_id).await;
        assert!(matches!(opened, Err(AppError::NotFound)), "{backend}: now hidden from the proxy");

        let mut adult = message("Private", "Keep this from my proxy please.");
        adult.confidential = true;
        let refused = threads::start_thread(&c.app, &c.alice, adult).await;
        assert!(
            matches!(refused, Err(AppError::Invalid { ref field, .. }) if field == "confidential"),
            "{backend}: only adolescents keep threads from proxies"
        );
    }
}

#[tokio::test]
async fn an_emergency_is_triaged_emergency_and_tops_the_in_basket() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let routine = message("Appointment", "Can I move my appointment next week to Thursday?");
        threads::start_thread(&c.app, &c.alice, routine).await.expect("routine");
        let urgent = message("Chest pain", "I have crushing chest pain spreading to my left arm and I can't breathe.");
        let started = threads::start_thread(&c.app, &c.alice, urgent).await.expect("emergency");
        assert_eq!(started.urgency, Urgency::Emergency, "{backend}");

        let page = threads::list_threads(&c.app, &c.doctor, in_basket()).await.expect("in-basket");
        assert_eq!(page.threads.first().map(|t| t.thread.id), Some(started.thread_id), "{backend}: emergencies first");

        // A reply that promises a reply time on an emergency is flagged before it is sent.
        let reply = "Thanks for your message. We will get back to you within 2 business days.";
        let check = CheckWording { body: reply.to_owned(), language: None, thread: Some(started.thread_id) };
        let feedback = wording::check_wording(&c.app, &c.nurse, check.clone()).await.expect("check");
        assert!(feedback.crisis.is_some(), "{backend}: an emergency thread names its crisis");
        assert!(!feedback.emergency_problems.is_empty(), "{backend}: the promised reply time is flagged");
        let by_patient = wording::check_wording(&c.app, &c.alice, check).await;
        assert!(matches!(by_patient, Err(AppError::Forbidden(_))), "{backend}: feedback is for the care team");

        // The doctor called the patient back and re-triages it; the override names who and why.
        let change = Retriage {
            urgency: Some(Urgency::Urgent),
            note: Some("called the patient: pain from a fall, no cardiac signs".to_owned()),
            ..Retriage::default()
        };
        let now = retriage::retriage(&c.app, &c.doctor, started.thread_id, change).await.expect("re-triage");
        assert_eq!(now, Urgency::Urgent, "{backend}");
        let seen = threads::open_thread(&c.app, &c.nurse, started.thread_id).await.expect("nurse opens");
        let (triage, _) = seen.triage.expect("triage");
        assert_eq!(triage.urgency, Urgency::Urgent, "{backend}");
        assert!(triage.reasons.iter().any(|r| r.contains("Doctor Story")), "{backend}: {:?}", triage.reasons);
        let by_patient = retriage::retriage(&c.app, &c.alice, started.thread_id, Retriage::default()).await;
        assert!(matches!(by_patient, Err(AppError::Forbidden(_))), "{backend}: patients do not re-triage");
    }
}

#[tokio::test]
async fn roles_outside_messaging_and_people_outside_the_thread_are_refused() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let asked = message("Rash", "I have an itchy rash on my arm since Monday.");
        let started = threads::start_thread(&c.app, &c.alice, asked).await.expect("start");
        let closed = ChangeThread { status: Some(ThreadStatus::Closed), ..ChangeThread::default() };
        let by_patient = threads::update_thread(&c.app, &c.alice, started.thread_id, closed.clone()).await;
        assert!(matches!(by_patient, Err(AppError::Forbidden(_))), "{backend}: patients do not manage threads");
        let nothing = threads::update_thread(&c.app, &c.nurse, started.thread_id, ChangeThread::default()).await;
        assert!(matches!(nothing, Err(AppError::Invalid { .. })), "{backend}: an empty change is refused");
        threads::update_thread(&c.app, &c.nurse, started.thread_id, closed).await.expect("nurse closes");
        let page = threads::list_threads(&c.app, &c.nurse, in_basket()).await.expect("in-basket");
        assert!(
            page.threads.iter().all(|t| t.thread.id != started.thread_id),
            "{backend}: closed leaves the in-basket"
        );
    }
}
