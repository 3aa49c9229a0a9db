//! Forwarding at the application layer: the move and the note that explains
//! it are written together or not at all. On SQLite and (when configured)
//! PostgreSQL.

mod support;

use carethread_app::forwarding::{self, ForwardThread, Forwarded};
use carethread_app::threads::{self, ChangeThread, StartThread};
use carethread_app::{AppError, Operator, in_basket, teams};

fn question() -> StartThread {
    StartThread {
        patient: None,
        subject: "Inhaler refill".to_owned(),
        body: "My inhaler is almost empty; could the pharmacy renew it?".to_owned(),
        category: None,
        confidential: false,
        idempotency: None,
    }
}

fn explain(done: &Forwarded) -> String {
    let cleared = if done.assignee_cleared { " (assignee cleared)" } else { "" };
    format!("Forwarded to {}{cleared}", done.to.join(", "))
}

#[tokio::test]
async fn a_forward_moves_the_thread_and_leaves_its_note_in_one_go_or_not_at_all() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let pharmacy = teams::create_pool(&c.app, Operator::Person(&c.admin), "pharmacy", "Pharmacy").await;
        let pharmacy = pharmacy.expect("pool");
        let started = threads::start_thread(&c.app, &c.alice, question()).await.expect("start");
        let mine = ChangeThread { assignee: Some(Some(c.nurse.user.id)), ..ChangeThread::default() };
        threads::update_thread(&c.app, &c.nurse, started.thread_id, mine).await.expect("assign");

        // Refused as a whole: a note too long moves nothing.
        let too_long =
            ForwardThread { pool: Some("pharmacy".to_owned()), note: "x".repeat(501), ..ForwardThread::default() };
        let refused = forwarding::forward_thread(&c.app, &c.nurse, started.thread_id, too_long, explain).await;
        assert!(matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "note"), "{backend}");
        let nowhere = ForwardThread { pool: Some("no-such-pool".to_owned()), ..ForwardThread::default() };
        let refused = forwarding::forward_thread(&c.app, &c.nurse, started.thread_id, nowhere, explain).await;
        assert!(matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "pool"), "{backend}");
        let by_patient = ForwardThread { pool: Some("pharmacy".to_owned()), ..ForwardThread::default() };
        let refused = forwarding::forward_thread(&c.app, &c.alice, started.thread_id, by_patient, explain).await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: patients do not forward");
        let seen = threads::open_thread(&c.app, &c.nurse, started.thread_id).await.expect("open");
        assert_ne!(seen.summary.thread.pool_id, Some(pharmacy.id), "{backend}: nothing moved");
        assert!(seen.messages.iter().all(|m| !m.message.internal), "{backend}: and no note was left");

        let to_pharmacy = ForwardThread {
            pool: Some("pharmacy".to_owned()),
            note: "Refill request; last fill was in March.".to_owned(),
            ..ForwardThread::default()
        };
        let moved = forwarding::forward_thread(&c.app, &c.nurse, started.thread_id, to_pharmacy, explain)
            .await
            .expect("forward");
        assert_eq!(moved.pool_id, Some(pharmacy.id), "{backend}");
        assert_eq!(moved.assignee_id, None, "{backend}: a forward to a pool alone clears the assignee");
        let seen = threads::open_thread(&c.app, &c.nurse, started.thread_id).await.expect("open");
        let note = seen.messages.iter().find(|m| m.message.internal).expect("the note");
        assert_eq!(
            note.message.body.as_str(),
            "Forwarded to Pharmacy (assignee cleared)\nRefill request; last fill was in March.",
            "{backend}"
        );
        let by_alice = threads::open_thread(&c.app, &c.alice, started.thread_id).await.expect("alice");
        assert!(by_alice.messages.iter().all(|m| !m.message.internal), "{backend}: the patient never sees it");

        // An assignment with a note (the API's PATCH) writes both too.
        let back = ChangeThread {
            assignee: Some(Some(c.doctor.user.id)),
            note: Some("Please review the dose.".to_owned()),
            ..ChangeThread::default()
        };
        threads::update_thread(&c.app, &c.nurse, started.thread_id, back).await.expect("assign with a note");
        let seen = threads::open_thread(&c.app, &c.doctor, started.thread_id).await.expect("open");
        assert_eq!(seen.summary.thread.assignee_id, Some(c.doctor.user.id), "{backend}");
        assert!(
            seen.messages.iter().any(|m| m.message.internal && m.message.body.as_str() == "Please review the dose.")
        );

        // A note longer than the clinic's message limit is refused, naming the note, and nothing moves.
        let limit = c.app.clinic.get(&*c.app.store).await.profile.message_max_chars;
        let too_long = ChangeThread {
            assignee: Some(Some(c.nurse.user.id)),
            note: Some("x".repeat(limit + 1)),
            ..ChangeThread::default()
        };
        let refused = threads::update_thread(&c.app, &c.doctor, started.thread_id, too_long).await;
        assert!(matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "note"), "{backend}");
        let seen = threads::open_thread(&c.app, &c.doctor, started.thread_id).await.expect("open");
        assert_eq!(seen.summary.thread.assignee_id, Some(c.doctor.user.id), "{backend}: nothing moved");
    }
}

#[tokio::test]
async fn colleagues_and_the_in_basket_are_for_the_care_team() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let started = threads::start_thread(&c.app, &c.alice, question()).await.expect("start");

        let colleagues = forwarding::colleagues(&c.app, &c.nurse).await.expect("colleagues");
        assert!(colleagues.iter().any(|p| p.id == c.doctor.user.id), "{backend}: the doctor is a colleague");
        assert!(colleagues.iter().all(|p| p.id != c.nurse.user.id), "{backend}: not oneself");
        assert!(colleagues.iter().all(|p| p.role.is_staff()), "{backend}: staff only");
        let refused = forwarding::colleagues(&c.app, &c.alice).await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: patients see no staff list");

        let query = threads::ListThreads { page_size: 50, ..threads::ListThreads::default() };
        let listed = in_basket::in_basket(&c.app, &c.nurse, query.clone()).await.expect("in-basket");
        assert_eq!(listed.reasons.len(), listed.page.threads.len(), "{backend}: one entry per thread");
        let at = listed.page.threads.iter().position(|t| t.thread.id == started.thread_id).expect("listed");
        assert!(!listed.reasons[at].is_empty(), "{backend}: triage said why");
        let refused = in_basket::in_basket(&c.app, &c.alice, query).await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: the in-basket is the care team's");
    }
}
