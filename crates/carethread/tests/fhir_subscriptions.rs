//! FHIR subscriptions for a registered system, on both databases, against
//! a real HTTP endpoint: the handshake makes it active; a message the
//! system may read is told by id only, one it may not is not; an endpoint
//! that fails is tried again by the outbox; a deleted subscription tells
//! nothing more. Every notification validates with `fhir.resources` when
//! that service is set up.

#[path = "support/fhir_check.rs"]
mod fhir_check;
#[path = "support/smart.rs"]
mod smart;
mod support;

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode as HookStatus};
use chrono::{TimeDelta, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smart::{Signer, register, token_for};
use support::{Reply, TestApp, backends, spawn};

/// What the endpoint was sent: the `Authorization` header and the body.
type Received = Vec<(Option<String>, Value)>;

/// An endpoint that keeps what it is sent and answers the status it is set to.
struct Hook {
    received: Arc<Mutex<Received>>,
    answer: Arc<AtomicU16>,
    url: String,
}

impl Hook {
    async fn start() -> Self {
        let received: Arc<Mutex<Received>> = Arc::default();
        let answer = Arc::new(AtomicU16::new(200));
        let (kept, status) = (received.clone(), answer.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let (kept, status) = (kept.clone(), status.clone());
                async move {
                    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
                    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    kept.lock().expect("lock").push((auth, value));
                    HookStatus::from_u16(status.load(Ordering::SeqCst)).unwrap_or(HookStatus::OK)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve the hook") });
        Self { received, answer, url }
    }

    fn taken(&self) -> Received {
        std::mem::take(&mut *self.received.lock().expect("lock"))
    }
}

async fn fhir(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> Reply {
    let mut req = app.http.request(method, format!("{}/fhir/r4/{path}", app.base)).bearer_auth(token);
    if let Some(body) = body {
        req = req.header("content-type", "application/fhir+json").body(body.to_string());
    }
    TestApp::reply(req).await
}

/// A nurse-role system on Alice's care team.
async fn system(app: &TestApp) -> String {
    let admin = app.login("admin").await;
    let signer = Signer::ec();
    let scopes = "system/Subscription.crds system/Communication.rs";
    let lab = register(app, &admin, &signer, scopes).await;
    let team = format!(
        "/api/v1/admin/patients/{}/care-team/{}",
        app.id("patient.alice"),
        lab["account_id"].as_str().expect("id")
    );
    assert!(app.call(Method::PUT, &team, Some(&admin), None).await.status.is_success());
    let granted = token_for(app, &signer, lab["client_id"].as_str().expect("id"), scopes).await;
    granted.body["access_token"].as_str().expect("token").to_owned()
}

fn subscription(endpoint: &str) -> Value {
    json!({"resourceType": "Subscription", "status": "requested", "reason": "lab follow-up",
        "criteria": "https://carethread.org/fhir/SubscriptionTopic/communication-created",
        "channel": {"type": "rest-hook", "endpoint": endpoint, "payload": "application/fhir+json",
            "header": ["Authorization: Bearer hook-secret"]}})
}

/// Runs what is due at `at` (scans recur every five seconds, so calls are
/// spaced further apart than that).
async fn run_jobs(app: &TestApp, at: chrono::DateTime<Utc>) {
    let worker = carethread_app::App::new(app.store.clone(), support::test_settings());
    carethread_app::subscriptions::seed(&worker, at).await;
    carethread_app::jobs::run_due(&worker, at).await;
}

/// The focus of each event a notification names.
fn focus(bundle: &Value) -> Vec<String> {
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    entries.iter().skip(1).filter_map(|e| e["fullUrl"].as_str().map(str::to_owned)).collect()
}

async fn a_system_is_told_of_what_it_may_read(app: &TestApp) -> Vec<Value> {
    let hook = Hook::start().await;
    let token = system(app).await;
    let made = fhir(app, Method::POST, "Subscription", &token, Some(subscription(&hook.url))).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.body["status"], "requested");
    assert!(!made.body.to_string().contains("hook-secret"), "headers are not shown back");
    let id = made.body["id"].as_str().expect("id").to_owned();

    run_jobs(app, Utc::now()).await;
    let handshake = hook.taken();
    assert_eq!(handshake.len(), 1);
    assert_eq!(handshake[0].0.as_deref(), Some("Bearer hook-secret"));
    assert_eq!(handshake[0].1["entry"][0]["resource"]["parameter"][3]["valueCode"], "handshake");
    let read = fhir(app, Method::GET, &format!("Subscription/{id}"), &token, None).await;
    assert_eq!(read.body["status"], "active");

    // Alice's message is told (by id); Bob's, whom the system does not care for, is not.
    let alice = app.login("patient.alice").await;
    let thread = app.new_thread(&alice, "Dizzy", "I feel dizzy after the new pill").await;
    let bob = app.login("patient.bob").await;
    app.new_thread(&bob, "Knee", "BOB my knee hurts").await;
    run_jobs(app, Utc::now() + TimeDelta::seconds(10)).await;
    let told = hook.taken();
    assert_eq!(told.len(), 1, "{told:?}");
    let named = focus(&told[0].1);
    assert_eq!(named.len(), 1);
    let messages = fhir(app, Method::GET, &format!("Communication?part-of={thread}"), &token, None).await;
    let message = messages.body["entry"][0]["resource"]["id"].as_str().expect("message").to_owned();
    assert!(named[0].ends_with(&format!("/Communication/{message}")), "{named:?}");
    assert!(!told[0].1.to_string().contains("dizzy"), "ids only: no message text");
    let mut bundles = vec![handshake[0].1.clone(), told[0].1.clone()];

    // An endpoint that fails is tried again later by the outbox.
    hook.answer.store(503, Ordering::SeqCst);
    let reply = json!({"body": "And it is worse when I stand up"});
    assert!(app.post(&format!("/api/v1/threads/{thread}/messages"), &alice, reply).await.status.is_success());
    run_jobs(app, Utc::now() + TimeDelta::seconds(20)).await;
    assert_eq!(hook.taken().len(), 1, "tried once, refused");
    hook.answer.store(200, Ordering::SeqCst);
    run_jobs(app, Utc::now() + TimeDelta::minutes(2)).await;
    let again = hook.taken();
    assert_eq!(again.len(), 1, "delivered on the retry");
    assert_eq!(focus(&again[0].1).len(), 1);
    bundles.push(again[0].1.clone());

    // Its own subscriptions are listed; a deleted one tells nothing more.
    let listed = fhir(app, Method::GET, "Subscription", &token, None).await;
    assert_eq!(listed.body["total"], 1);
    assert_eq!(
        fhir(app, Method::DELETE, &format!("Subscription/{id}"), &token, None).await.status,
        StatusCode::NO_CONTENT
    );
    app.new_thread(&alice, "Another", "Another question").await;
    run_jobs(app, Utc::now() + TimeDelta::minutes(4)).await;
    assert!(hook.taken().is_empty(), "nothing after it ended");
    bundles
}

#[tokio::test]
async fn a_system_is_told_by_id_of_the_messages_it_may_read() {
    for backend in backends() {
        let app = spawn(backend).await;
        a_system_is_told_of_what_it_may_read(&app).await;
    }
}

#[tokio::test]
async fn subscriptions_are_for_systems_with_safe_endpoints() {
    for backend in backends() {
        let app = spawn(backend).await;
        let token = system(&app).await;
        let kim = app.login("rn.kim").await;
        let asked = subscription("https://lab.example/hook");
        assert_eq!(fhir(&app, Method::POST, "Subscription", &kim, Some(asked)).await.status, StatusCode::FORBIDDEN);
        let internal = [
            "http://lab.example/hook",
            "ftp://127.0.0.1/x",
            "",
            "http://localhost:@10.0.0.5/x",
            "https://user:pw@lab.example/hook",
            "https://10.0.0.5/hook",
            "https://169.254.169.254/latest",
            "https://[::1]/hook",
        ];
        for endpoint in internal {
            let r = fhir(&app, Method::POST, "Subscription", &token, Some(subscription(endpoint))).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{endpoint}: {:?}", r.body);
        }
        for header in ["Host: internal.example", "Content-Length: 0", "Authorization: a\r\nX-Evil: 1", "no colon"] {
            let mut asked = subscription("https://lab.example/hook");
            asked["channel"]["header"] = json!([header]);
            let r = fhir(&app, Method::POST, "Subscription", &token, Some(asked)).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{header:?}: {:?}", r.body);
        }
        let mut filtered = subscription("https://lab.example/hook");
        filtered["_criteria"] = json!({"extension": [{"url": "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria",
            "valueString": format!("Communication?subject=Patient/{}", app.id("patient.bob"))}]});
        let r = fhir(&app, Method::POST, "Subscription", &token, Some(filtered)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "a patient the system may not see: {:?}", r.body);
        let other = Signer::ec();
        let admin = app.login("admin").await;
        let stranger = register(&app, &admin, &other, "system/Subscription.crds").await;
        let stranger =
            token_for(&app, &other, stranger["client_id"].as_str().expect("id"), "system/Subscription.crds").await;
        let mine =
            fhir(&app, Method::POST, "Subscription", &token, Some(subscription("https://lab.example/hook"))).await;
        let id = mine.body["id"].as_str().expect("id");
        let theirs = stranger.body["access_token"].as_str().expect("token");
        assert_eq!(
            fhir(&app, Method::GET, &format!("Subscription/{id}"), theirs, None).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

/// Every notification is valid FHIR R4.
#[carethread_test_services::needs(fhir)]
#[tokio::test]
async fn every_notification_validates_with_fhir_resources() {
    let python = std::env::var("CARETHREAD_TEST_FHIR").expect("CARETHREAD_TEST_FHIR names a python");
    let app = spawn(support::Backend::Sqlite).await;
    let bundles = a_system_is_told_of_what_it_may_read(&app).await;
    let mut resources = Vec::new();
    for bundle in bundles {
        resources.extend(bundle["entry"].as_array().into_iter().flatten().filter_map(|e| e.get("resource").cloned()));
        resources.push(bundle);
    }
    fhir_check::validate(&python, &resources);
}
