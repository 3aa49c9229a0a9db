//! Held replies and visits over HTTP, on both backends: a held reply is in
//! no patient or proxy view of the thread, only in the staff list, until it
//! is released; a scheduled time in the past or too far ahead is refused
//! naming the field; a thread turned into a visit closes,
//! carries the booking text for the patient and shows up for the front desk.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::browser::Browser;
use support::{backends, spawn};

fn bodies(thread: &Value) -> Vec<String> {
    thread["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["body"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn a_held_reply_reaches_the_patient_only_when_released() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let carol = app.login("proxy.carol").await;
        let lee = app.login("dr.lee").await;
        let thread = app.new_thread(&alice, "Biopsy", "Are my biopsy results back?").await;
        let text = "Your biopsy is back; let us talk it through on Monday.";

        let held = app.post(&format!("/api/v1/threads/{thread}/held"), &lee, json!({"body": text})).await;
        assert_eq!(held.status, StatusCode::CREATED, "{backend:?}: {:?}", held.body);
        assert_eq!(held.body["release_at"], Value::Null);
        let held_id = held.body["id"].as_str().expect("id").to_owned();
        for reader in [&alice, &carol] {
            let seen = app.get(&format!("/api/v1/threads/{thread}"), reader).await;
            assert!(!bodies(&seen.body).iter().any(|b| b == text), "{backend:?}: hidden");
            let listed = app.get(&format!("/api/v1/threads/{thread}/held"), reader).await;
            assert_eq!(listed.body["held"], json!([]), "{backend:?}");
        }
        let listed = app.get(&format!("/api/v1/threads/{thread}/held"), &lee).await;
        assert_eq!(listed.body["held"][0]["body"], json!(text), "{backend:?}");

        for (release_at, why) in [("2000-01-01T00:00:00Z", "in the past"), ("2099-01-01T00:00:00Z", "too far ahead")] {
            let refused = app
                .post(&format!("/api/v1/threads/{thread}/held"), &lee, json!({"body": "x", "release_at": release_at}))
                .await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {why}");
            assert_eq!(refused.body["field"], json!("release_at"), "{backend:?}: {why}");
        }

        let released = app.post(&format!("/api/v1/threads/{thread}/held/{held_id}/release"), &lee, json!({})).await;
        assert_eq!(released.status, StatusCode::OK, "{backend:?}: {:?}", released.body);
        let again = app.post(&format!("/api/v1/threads/{thread}/held/{held_id}/release"), &lee, json!({})).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{backend:?}: released once");
        let seen = app.get(&format!("/api/v1/threads/{thread}"), &alice).await;
        assert_eq!(bodies(&seen.body).iter().filter(|b| *b == text).count(), 1, "{backend:?}");
    }
}

#[tokio::test]
async fn a_thread_turned_into_a_visit_closes_and_reaches_the_front_desk() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let lee = app.login("dr.lee").await;
        let desk = app.login("desk.ortiz").await;
        let thread = app.new_thread(&alice, "Rash", "The rash on my arm is spreading.").await;

        let unknown = app
            .post(
                &format!("/api/v1/threads/{thread}/visit"),
                &lee,
                json!({"kind": "house_call", "reason": "Look at it"}),
            )
            .await;
        assert_eq!((unknown.status, &unknown.body["field"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("kind")));
        let visit = app
            .post(
                &format!("/api/v1/threads/{thread}/visit"),
                &lee,
                json!({"kind": "in_person", "reason": "We need to see the rash."}),
            )
            .await;
        assert_eq!(visit.status, StatusCode::CREATED, "{backend:?}: {:?}", visit.body);
        let id = visit.body["id"].as_str().expect("id").to_owned();

        let seen = app.get(&format!("/api/v1/threads/{thread}"), &alice).await;
        assert_eq!(seen.body["status"], json!("closed"), "{backend:?}");
        let last = bodies(&seen.body).pop().expect("booking message");
        assert!(last.contains("in-person visit") && last.contains("We need to see the rash."), "{backend:?}: {last}");

        let open = app.get("/api/v1/visit-requests", &desk).await;
        assert_eq!(open.status, StatusCode::OK, "{backend:?}");
        assert_eq!(open.body["requests"][0]["id"], json!(id), "{backend:?}");
        assert_eq!(open.body["requests"][0]["kind"], json!("in_person"));
        let booked = app
            .call(
                Method::PATCH,
                &format!("/api/v1/visit-requests/{id}"),
                Some(&desk),
                Some(json!({"status": "booked"})),
            )
            .await;
        assert_eq!(booked.status, StatusCode::NO_CONTENT, "{backend:?}: {:?}", booked.body);
        let open = app.get("/api/v1/visit-requests", &desk).await;
        assert_eq!(open.body["requests"], json!([]), "{backend:?}");
        let all = app.get("/api/v1/visit-requests?status=all", &app.login("billing.ng").await).await;
        assert_eq!(all.body["requests"][0]["status"], json!("booked"), "{backend:?}");
    }
}

#[tokio::test]
async fn the_portal_keeps_what_was_typed_when_a_hold_or_visit_form_is_refused() {
    let app = spawn(support::Backend::Sqlite).await;
    let alice = app.login("patient.alice").await;
    let thread = app.new_thread(&alice, "Results", "Are my results back?").await;
    let lee = Browser::sign_in(&app, "dr.lee").await;
    let typed = "Your results are back; we will talk on Monday.";
    let past = lee
        .post(
            &format!("/threads/{thread}/held"),
            &[("body", typed), ("mode", "scheduled"), ("release_at", "2001-02-03T04:05")],
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(past.html.contains(typed) && past.html.contains("2001-02-03T04:05"), "kept as typed");
    assert!(past.html.contains("id=\"hold-release-at-error\""), "the error is at the release time");

    let no_reason = lee.post(&format!("/threads/{thread}/visit"), &[("kind", "phone"), ("reason", "  ")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.html.contains("id=\"visit-reason-error\""), "the error is at the reason");
    assert!(no_reason.html.contains("value=\"phone\" selected"), "the kind stays chosen");

    let held = lee.post(&format!("/threads/{thread}/held"), &[("body", typed), ("mode", "held")]).await;
    assert_eq!(held.status, StatusCode::SEE_OTHER);
    let page = lee.get(&format!("/threads/{thread}")).await;
    assert!(page.html.contains("Held until released") && page.html.contains(typed));
    let patient = Browser::sign_in(&app, "patient.alice").await;
    let theirs = patient.get(&format!("/threads/{thread}")).await;
    assert!(!theirs.html.contains(typed) && !theirs.html.contains("Held until released"));
}
