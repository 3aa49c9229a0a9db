//! Notification preferences over real HTTP, on both backends: a person sets
//! their own e-mail, mobile number, channel, quiet hours and language in the
//! JSON API and in the portal (a refused form comes back as typed with the
//! field at fault marked and the API's status); an administrator sets
//! someone else's, audited as the administrator; and the unsubscribe link
//! asks first, then turns notices off without signing in, in the person's
//! language, answering a token nobody holds with a plain 404.

mod support;

use carethread_app::contact_preferences::{self, PreferencesText};
use carethread_app::{App, AppError, Caller};
use carethread_core::contact::NotifyChannel;
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::browser::{Browser, value_after};
use support::{TestApp, backends, captured_logs, spawn};

const PATH: &str = "/api/v1/me/notifications";

async fn put(app: &TestApp, token: &str, body: Value) -> support::Reply {
    app.call(Method::PUT, PATH, Some(token), Some(body)).await
}

async fn audit_entries(app: &TestApp, query: &str) -> Vec<Value> {
    let auditor = app.login("auditor").await;
    let r = app.get(&format!("/api/v1/audit{query}"), &auditor).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["entries"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_patient_sets_her_own_notice_preferences_over_the_api_and_bad_values_change_nothing() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let defaults = app.get(PATH, &alice).await;
        assert_eq!(defaults.status, StatusCode::OK, "{backend:?}: {:?}", defaults.body);
        assert!(defaults.body["channel"].is_string(), "{backend:?}: {:?}", defaults.body);

        let wanted = json!({"email": "alice.notices@Example.ORG", "phone": "+1 555-010-0199", "channel": "email",
                            "quiet_start": "22:00", "quiet_end": "07:00", "language": "es"});
        let saved = put(&app, &alice, wanted).await;
        assert_eq!(saved.status, StatusCode::OK, "{backend:?}: {:?}", saved.body);
        let expected = json!({"email": "alice.notices@example.org", "phone": "+15550100199", "channel": "email",
                              "quiet_start": "22:00", "quiet_end": "07:00", "language": "es"});
        assert_eq!(saved.body, expected, "{backend:?}");
        assert_eq!(app.get(PATH, &alice).await.body, expected, "{backend:?}: kept");

        // Refusals: the field named, a problem body, the value never echoed, nothing saved.
        for (body, field) in [
            (json!({"channel": "sms", "email": "alice.notices@example.org"}), "phone"),
            (json!({"channel": "email", "email": "alice.notices@"}), "email"),
            (json!({"channel": "none", "phone": "555 0100"}), "phone"),
            (json!({"channel": "pigeon"}), "channel"),
            (json!({"channel": "none", "quiet_start": "22:00"}), "quiet_end"),
            (json!({"channel": "none", "quiet_start": "9pm", "quiet_end": "07:00"}), "quiet_start"),
            (json!({"channel": "none", "language": "fr"}), "language"),
        ] {
            let refused = put(&app, &alice, body.clone()).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?} {body}: {:?}", refused.body);
            assert_eq!(refused.content_type, "application/problem+json", "{body}");
            assert_eq!(refused.body["field"], field, "{backend:?} {body}: {:?}", refused.body);
            let detail = refused.body["detail"].as_str().unwrap_or_default();
            assert!(!detail.contains("alice.notices") && !detail.contains("555 0100"), "{detail}");
        }
        let unknown = put(&app, &alice, json!({"channel": "none", "pager": "123"})).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert_eq!(app.get(PATH, &alice).await.body, expected, "{backend:?}: nothing refused was saved");

        // Each role sets its own; no one's address reaches the logs.
        let kim = app.login("rn.kim").await;
        let pages = put(&app, &kim, json!({"channel": "sms", "phone": "+1 555 010 0142"})).await;
        assert_eq!(pages.status, StatusCode::OK, "{backend:?}: {:?}", pages.body);
        assert_eq!(app.get(PATH, &alice).await.body["phone"], "+15550100199", "{backend:?}: alice's untouched");
        let logs = captured_logs();
        for address in ["alice.notices", "5550100199", "555-010-0199", "5550100142"] {
            assert!(!logs.contains(address), "{backend:?}: {address} was logged");
        }

        let entries = audit_entries(&app, "?action=contact.update").await;
        let alice_id = app.id("patient.alice");
        let own = entries.iter().find(|e| e["actor"]["id"] == alice_id.as_str()).expect("alice's change audited");
        assert!(own.to_string().contains("channel email"), "{own}");
        assert!(!own.to_string().contains("alice.notices"), "{own}: the audit detail names no address");
    }
}

#[tokio::test]
async fn an_administrator_sets_another_persons_preferences_audited_as_the_administrator_and_no_one_else_may() {
    for backend in backends() {
        let app = spawn(backend).await;
        let core = App::new(app.store.clone(), app.settings.clone());
        let caller =
            |username: &str| Caller { user: app.clinic.user(username).expect("demo user").clone(), client: None };
        let bob = app.clinic.user("patient.bob").expect("bob").id;
        let typed =
            PreferencesText { channel: "sms".into(), phone: Some("+34 600 000 000".into()), ..Default::default() };

        for outsider in ["patient.alice", "proxy.carol", "dr.lee", "desk.ortiz", "auditor"] {
            let refused = contact_preferences::set_preferences(&core, &caller(outsider), bob, &typed).await;
            assert!(matches!(refused, Err(AppError::NotFound)), "{backend:?}: {outsider} {refused:?}");
            let read = contact_preferences::preferences(&core, &caller(outsider), bob).await;
            assert!(matches!(read, Err(AppError::NotFound)), "{backend:?}: {outsider} reads");
        }
        let saved = contact_preferences::set_preferences(&core, &caller("admin"), bob, &typed).await.expect("admin");
        assert_eq!(saved.channel, NotifyChannel::Sms);
        let bob_token = app.login("patient.bob").await;
        assert_eq!(app.get(PATH, &bob_token).await.body["phone"], "+34600000000", "{backend:?}: bob sees it");

        let entries = audit_entries(&app, "?action=contact.update").await;
        let change = entries.first().expect("audited");
        assert_eq!(change["actor"]["id"], app.id("admin"), "{backend:?}: the administrator is the actor");
        assert!(change["target"].as_str().is_some_and(|t| t.contains(&bob.to_string())), "{change}");

        let nobody: carethread_core::ids::UserId = "00000000-0000-7000-8000-000000000000".parse().expect("an id");
        let missing = contact_preferences::set_preferences(&core, &caller("admin"), nobody, &typed).await;
        assert!(matches!(missing, Err(AppError::NotFound)), "{backend:?}");
    }
}

#[tokio::test]
async fn the_notifications_page_saves_and_a_refused_form_comes_back_as_typed_with_the_field_marked() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = Browser::sign_in(&app, "patient.alice").await;
        let page = alice.get("/notifications").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        assert!(page.html.contains("href=\"/notifications\""), "{backend:?}: linked from the menu");

        let typed = [
            ("email", "alice.notices@example.org"),
            ("phone", ""),
            ("channel", "sms"),
            ("quiet_start", "21:30"),
            ("quiet_end", "06:45"),
            ("language", "es"),
        ];
        let refused = alice.post("/notifications", &typed).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: as the API answers");
        assert!(refused.html.contains("id=\"phone-error\""), "{backend:?}: the phone is marked");
        assert!(refused.html.contains("aria-invalid=\"true\""), "{backend:?}");
        assert!(refused.html.contains("value=\"alice.notices@example.org\""), "{backend:?}: kept as typed");
        assert!(refused.html.contains("value=\"21:30\"") && refused.html.contains("value=\"06:45\""), "{backend:?}");
        assert!(refused.html.contains("value=\"sms\" checked"), "{backend:?}: the channel stays chosen");
        let bearer = app.login("patient.alice").await;
        assert_eq!(app.get(PATH, &bearer).await.body["channel"], "email", "{backend:?}: nothing saved");

        let bad_time = alice.post("/notifications", &[("channel", "none"), ("quiet_start", "21:30")]).await;
        assert_eq!(bad_time.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(bad_time.html.contains("id=\"quiet_end-error\""), "{backend:?}");

        let fine = [
            ("email", "alice.notices@example.org"),
            ("channel", "email"),
            ("quiet_start", "21:30"),
            ("quiet_end", "06:45"),
            ("language", "es"),
        ];
        let saved = alice.post("/notifications", &fine).await;
        assert_eq!((saved.status, saved.location.as_str()), (StatusCode::SEE_OTHER, "/notifications?saved=1"));
        let shown = alice.get(&saved.location).await;
        assert!(shown.html.contains("role=\"status\""), "{backend:?}: says it was saved");
        assert!(shown.html.contains("value=\"21:30\"") && shown.html.contains("value=\"es\" selected"), "{backend:?}");
        let api = app.get(PATH, &bearer).await.body;
        assert_eq!((api["quiet_start"].as_str(), api["language"].as_str()), (Some("21:30"), Some("es")));

        // A form from elsewhere (no CSRF token of this session) changes nothing.
        let forged = alice
            .send(
                alice
                    .http
                    .post(format!("{}/notifications", app.base))
                    .form(&[("channel", "none"), ("csrf_token", "x")]),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{backend:?}");
        assert_eq!(app.get(PATH, &bearer).await.body["channel"], "email", "{backend:?}");

        // Spanish: the page and its refusals.
        let es = alice.post("/lang", &[("lang", "es")]).await;
        assert_eq!(es.status, StatusCode::SEE_OTHER);
        let refused = alice.post("/notifications", &[("channel", "email"), ("email", "")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(refused.html.contains("Escriba su correo electrónico"), "{backend:?}: in Spanish");
    }
}

/// Gives `username` an unsubscribe token, as the first notice to them would.
async fn token_for(app: &TestApp, username: &str) -> String {
    let user = app.clinic.user(username).expect("demo user").id;
    let candidate = format!("tok{}", "a1b2c3".repeat(7));
    app.store.ensure_unsubscribe_token(user, &candidate, Utc::now()).await.expect("token")
}

#[tokio::test]
async fn the_unsubscribe_link_asks_first_then_turns_notices_off_in_the_persons_language() {
    for backend in backends() {
        let app = spawn(backend).await;
        let bearer = app.login("patient.alice").await;
        let body = json!({"email": "alice.notices@example.org", "channel": "email", "language": "es"});
        assert_eq!(put(&app, &bearer, body).await.status, StatusCode::OK);
        let token = token_for(&app, "patient.alice").await;
        let visitor = Browser::anonymous(&app);
        let link = format!("/unsubscribe/{token}");

        let asked = visitor.get(&link).await;
        assert_eq!(asked.status, StatusCode::OK, "{backend:?}");
        assert!(asked.html.contains("Sí, dejar de recibir avisos"), "{backend:?}: in her notice language");
        assert!(!asked.html.contains("Alice") && !asked.html.contains("alice.notices"), "{backend:?}: no one named");
        assert_eq!(
            app.get(PATH, &bearer).await.body["channel"],
            "email",
            "{backend:?}: opening the link changes nothing"
        );
        let confirm = value_after(&asked.html, "name=\"confirm\" value=\"");
        assert_eq!(confirm.len(), 64, "{backend:?}");

        // Without the page's confirmation, or posted from another site: refused, nothing changed.
        let bare = visitor.send(visitor.http.post(format!("{}{link}", app.base)).form(&[("confirm", "")])).await;
        assert_eq!(bare.status, StatusCode::FORBIDDEN, "{backend:?}");
        let cross = visitor
            .send(
                visitor
                    .http
                    .post(format!("{}{link}", app.base))
                    .header("origin", "https://elsewhere.example")
                    .form(&[("confirm", confirm.as_str())]),
            )
            .await;
        assert_eq!(cross.status, StatusCode::FORBIDDEN, "{backend:?}");
        assert_eq!(app.get(PATH, &bearer).await.body["channel"], "email", "{backend:?}");

        let done =
            visitor.send(visitor.http.post(format!("{}{link}", app.base)).form(&[("confirm", confirm.as_str())])).await;
        assert_eq!(done.status, StatusCode::OK, "{backend:?}");
        assert!(done.html.contains("Ya no recibirá avisos"), "{backend:?}: said plainly, in Spanish");
        let now = app.get(PATH, &bearer).await.body;
        assert_eq!(now["channel"], "none", "{backend:?}: notices are off");
        assert_eq!(now["email"], "alice.notices@example.org", "{backend:?}: the address is kept");
        let again =
            visitor.send(visitor.http.post(format!("{}{link}", app.base)).form(&[("confirm", confirm.as_str())])).await;
        assert_eq!(again.status, StatusCode::OK, "{backend:?}: saying yes twice is harmless");

        let entries = audit_entries(&app, "?action=contact.unsubscribe").await;
        let entry = entries.first().expect("audited");
        assert_eq!(entry["actor"], Value::Null, "{backend:?}: no one signed in");
        assert!(entry["target"].as_str().is_some_and(|t| t.contains(&app.id("patient.alice"))), "{entry}");
        assert!(!captured_logs().contains(&token), "{backend:?}: the token is not logged");
    }
}

#[tokio::test]
async fn an_unknown_unsubscribe_token_answers_a_plain_404_that_names_no_one() {
    for backend in backends() {
        let app = spawn(backend).await;
        let real = token_for(&app, "patient.bob").await;
        let visitor = Browser::anonymous(&app);
        let unknown = format!("{}x", &real[..real.len() - 1]);
        for path in [format!("/unsubscribe/{unknown}"), "/unsubscribe/short".into(), "/unsubscribe/..%2F..".into()] {
            let page = visitor.get(&path).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{backend:?} {path}");
            assert!(page.content_type.starts_with("text/html"), "{backend:?} {path}: a plain page");
            assert!(!page.html.contains("Bob") && !page.html.contains("patient.bob"), "{backend:?} {path}");
        }
        // The confirmation for an unknown token still finds no one, and changes nothing.
        let confirm = {
            use sha2::Digest as _;
            format!("{:x}", sha2::Sha256::digest(format!("carethread-unsubscribe:{unknown}").as_bytes()))
        };
        let posted = visitor
            .send(visitor.http.post(format!("{}/unsubscribe/{unknown}", app.base)).form(&[("confirm", confirm)]))
            .await;
        assert_eq!(posted.status, StatusCode::NOT_FOUND, "{backend:?}");
        let bob = app.login("patient.bob").await;
        assert_eq!(app.get(PATH, &bob).await.body["channel"], "email", "{backend:?}");
    }
}
