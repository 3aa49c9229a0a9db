//! Forwarding at the application layer: the move and the note that explains
//! it are written together or not at all. On SQLite and (when configured)
//! PostgreSQL.

mod support;

use carethread_app::forwarding::{self, ForwardThread, Forwarded};
use carethread_app::threads::{self, ChangeThread, StartThread};
use carethread_app::{AppError, Operator, teams};

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
    }
}
