//! Text people type is checked by one rule on both databases: a NUL or another
//! control character is refused with 422 naming the field (never a 500 from
//! PostgreSQL, never stored by SQLite), and nothing is written; invisible
//! formatting characters that disguise a subject or a name are refused, and
//! stripped from file names. Runs on SQLite and, when
//! `CARETHREAD_TEST_POSTGRES` is set, on PostgreSQL.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Reply, TestApp, backends, spawn};

/// A 422 problem+json naming `field`, which does not repeat the text.
fn assert_refused(r: &Reply, field: &str, what: &str) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {}", String::from_utf8_lossy(&r.raw));
    assert_eq!(r.content_type, "application/problem+json", "{what}");
    assert_eq!(r.body["field"], field, "{what}: {}", r.body);
    assert!(!String::from_utf8_lossy(&r.raw).contains("SECRET"), "{what}: the text is echoed: {}", r.body);
}

fn count(list: &Value, key: &str) -> usize {
    list[key].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn nul_in_any_text_is_refused_with_422_on_both_databases_and_nothing_is_stored() {
    for backend in backends() {
        let app = spawn(backend).await;
        let what = |s: &str| format!("{s} on {backend:?}");
        let (alice, nurse, admin) =
            (app.login("patient.alice").await, app.login("rn.kim").await, app.login("admin").await);
        let thread = app.new_thread(&alice, "Knee", "My knee hurts when I climb stairs.").await;
        let nul = "SECRET text with a NUL \u{0} inside";

        // Quick reply body.
        let before = app.get("/api/v1/quick-replies", &nurse).await.body;
        let r = app.post("/api/v1/quick-replies", &nurse, json!({"code": "nulcode", "body": nul})).await;
        assert_refused(&r, "body", &what("quick-reply body"));
        let after = app.get("/api/v1/quick-replies", &nurse).await.body;
        assert_eq!(count(&after, "quick_replies"), count(&before, "quick_replies"), "{}", what("quick reply stored"));

        // Pool name.
        let r = app.post("/api/v1/admin/pools", &admin, json!({"slug": "nul-pool", "name": nul})).await;
        assert_refused(&r, "name", &what("pool name"));
        let pools = app.get("/api/v1/pools", &nurse).await.body;
        assert!(!pools.to_string().contains("nul-pool"), "{}", what("pool stored"));

        // Routing slug.
        let before = app.get("/api/v1/admin/triage", &admin).await.body["routing"].clone();
        let r = app
            .call(
                Method::PATCH,
                "/api/v1/admin/triage",
                Some(&admin),
                Some(json!({"routing": {"clinical": "nurse-triage\u{0}"}})),
            )
            .await;
        assert_refused(&r, "routing.clinical", &what("routing slug"));
        let r = app
            .call(
                Method::POST,
                &format!("/api/v1/threads/{thread}/triage"),
                Some(&nurse),
                Some(json!({"pool": "\u{0}"})),
            )
            .await;
        assert_refused(&r, "pool", &what("re-triage pool slug"));
        assert_eq!(app.get("/api/v1/admin/triage", &admin).await.body["routing"], before, "{}", what("routing"));

        // Reply-library body.
        let path = "/api/v1/admin/ai/replies/refill_sent/en";
        let r = app.call(Method::PUT, path, Some(&admin), Some(json!({"body": nul}))).await;
        assert_refused(&r, "body", &what("reply-library body"));
        let library = app.get("/api/v1/admin/ai/replies", &admin).await.body;
        assert!(
            library["replies"].as_array().expect("replies").iter().all(|r| r["custom"] == false),
            "{}",
            what("reply")
        );

        // Message body, internal note and subject.
        let messages = |b: &Value| count(b, "messages");
        let shown = app.get(&format!("/api/v1/threads/{thread}"), &nurse).await.body;
        let r = app.post(&format!("/api/v1/threads/{thread}/messages"), &alice, json!({"body": nul})).await;
        assert_refused(&r, "body", &what("message body"));
        let r = app
            .post(&format!("/api/v1/threads/{thread}/messages"), &nurse, json!({"body": nul, "internal": true}))
            .await;
        assert_refused(&r, "body", &what("internal note"));
        let now = app.get(&format!("/api/v1/threads/{thread}"), &nurse).await.body;
        assert_eq!(messages(&now), messages(&shown), "{}", what("message stored"));
        let threads = count(&app.get("/api/v1/threads", &alice).await.body, "threads");
        let r =
            app.post("/api/v1/threads", &alice, json!({"subject": "Knee \u{0} again", "body": "Still sore."})).await;
        assert_refused(&r, "subject", &what("subject"));
        assert_eq!(count(&app.get("/api/v1/threads", &alice).await.body, "threads"), threads, "{}", what("thread"));

        // Display names, disclosure lines and override notes.
        let r = app
            .post(
                "/api/v1/admin/users",
                &admin,
                json!({"username": "nul.name", "display_name": "Nul\u{0}Name", "role": "nurse",
                       "password": "violet tram seventeen"}),
            )
            .await;
        assert_refused(&r, "display_name", &what("display name"));
        let r = app
            .call(Method::PATCH, "/api/v1/admin/clinic", Some(&admin), Some(json!({"disclosure_en": "By {name}\u{0}"})))
            .await;
        assert_refused(&r, "disclosure_en", &what("disclosure line"));
        let r = app
            .call(Method::PATCH, "/api/v1/admin/clinic", Some(&admin), Some(json!({"on_call": "pool:nurse\u{0}"})))
            .await;
        assert_refused(&r, "on_call", &what("on-call pool"));
        let r = app
            .call(
                Method::POST,
                &format!("/api/v1/threads/{thread}/triage"),
                Some(&nurse),
                Some(json!({"urgency": "urgent", "note": nul})),
            )
            .await;
        assert_refused(&r, "note", &what("override note"));
        let r = app.post(&format!("/api/v1/threads/{thread}/drafts"), &nurse, json!({"facts": nul})).await;
        assert_refused(&r, "facts", &what("draft facts"));
        let detail = app.get(&format!("/api/v1/threads/{thread}"), &nurse).await.body;
        assert_ne!(detail["urgency"], "urgent", "{}", what("override stored"));
    }
}

#[tokio::test]
async fn line_ends_from_browser_forms_are_stored_as_plain_newlines() {
    for backend in backends() {
        let app = spawn(backend).await;
        let (alice, nurse) = (app.login("patient.alice").await, app.login("rn.kim").await);
        let thread = app.new_thread(&alice, "Sleep", "I sleep badly.\r\nSince last week.").await;
        let r = app
            .post("/api/v1/quick-replies", &nurse, json!({"code": "crlf", "body": "Hello {first_name},\r\nsee you."}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        assert_eq!(r.body["body"], "Hello {first_name},\nsee you.", "on {backend:?}");
        let detail = app.get(&format!("/api/v1/threads/{thread}"), &nurse).await.body;
        assert_eq!(detail["messages"][0]["body"], "I sleep badly.\nSince last week.", "on {backend:?}");
    }
}

#[tokio::test]
async fn invisible_formatting_is_refused_in_subjects_and_names_and_stripped_from_file_names() {
    for backend in backends() {
        let app = spawn(backend).await;
        let (alice, admin) = (app.login("patient.alice").await, app.login("admin").await);
        let what = |s: &str| format!("{s} on {backend:?}");

        let r = app
            .post("/api/v1/threads", &alice, json!({"subject": "Photo \u{202e}gnp.exe", "body": "See photo."}))
            .await;
        assert_refused(&r, "subject", &what("right-to-left override in a subject"));
        let r = app.post("/api/v1/threads", &alice, json!({"subject": "Re\u{200b}fill", "body": "Please."})).await;
        assert_refused(&r, "subject", &what("zero-width space in a subject"));
        let r = app.post("/api/v1/admin/pools", &admin, json!({"slug": "rtl", "name": "\u{2067}Wound care"})).await;
        assert_refused(&r, "name", &what("isolate in a pool name"));
        let me = app.id("patient.bob");
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v1/admin/users/{me}"),
                Some(&admin),
                Some(json!({"display_name": "Bob\u{200f} Smith"})),
            )
            .await;
        assert_refused(&r, "display_name", &what("mark in a display name"));
        assert_eq!(count(&app.get("/api/v1/threads", &alice).await.body, "threads"), 0, "{}", what("threads"));

        let thread = app.new_thread(&alice, "Rash photo", "Photo attached below.").await;
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRfake-image-bytes".to_vec();
        let form = reqwest::multipart::Form::new()
            .text("body", "Two photos")
            .part("file", reqwest::multipart::Part::bytes(png.clone()).file_name("\u{202e}gnp.exe"))
            .part("file", reqwest::multipart::Part::bytes(png).file_name("\u{2066}\u{200b}\u{2069}"));
        let url = format!("{}/api/v1/threads/{thread}/attachments", app.base);
        let sent = TestApp::reply(app.http.post(url).bearer_auth(&alice).multipart(form)).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
        let names: Vec<&str> = sent.body["attachments"]
            .as_array()
            .expect("attachments")
            .iter()
            .filter_map(|a| a["file_name"].as_str())
            .collect();
        assert_eq!(names, ["gnp.exe", "attachment"], "{}", what("file names shown as they are"));
    }
}
