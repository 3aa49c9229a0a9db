//! Uploads are scanned by `ClamAV`'s daemon before anything is stored, and a
//! full disk is answered with 503 and `Retry-After` (sign-out still ends the
//! session). The scanning tests that need a real `clamd` run when
//! `CARETHREAD_TEST_CLAMD` names one (`.ci/run` starts it with a test
//! signature for the EICAR string); without it they are reported as ignored.

mod support;

use std::sync::Arc;
use std::time::Duration;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_server::scanner::Scanner;
use carethread_store::{AuditQuery, StoreError};
use carethread_test_services::needs;
use chrono::Utc;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, RETRY_AFTER};
use serde_json::{Value, json};
use support::browser::{Browser, Page};
use support::{Backend, PASSWORD, TestApp, backends, spawn};

/// The EICAR anti-virus test string: harmless, and found by every scanner.
const EICAR: &str = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// A PDF carrying the EICAR string in a stream: its magic bytes pass, so
/// only a scanner catches it.
fn eicar_pdf() -> Vec<u8> {
    format!("%PDF-1.4\n1 0 obj << /Length 68 >> stream\n{EICAR}\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        .into_bytes()
}

fn clean_pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Length 5 >> stream\nhello\nendstream endobj\n%%EOF\n".to_vec()
}

/// A file name that says something about the patient: never logged.
const TELLING_NAME: &str = "alice-hiv-test-results.pdf";

/// The `clamd` the tests marked `#[needs(clamd)]` scan with.
fn test_clamd() -> String {
    std::env::var("CARETHREAD_TEST_CLAMD").expect("CARETHREAD_TEST_CLAMD names a clamd")
}

async fn spawn_scanning(backend: Backend, address: &str) -> TestApp {
    let scanner = Arc::new(Scanner::new(address.parse().expect("clamd address"), Duration::from_secs(10)));
    support::spawn_configured(backend, support::test_settings(), move |state| state.scanner = Some(scanner)).await
}

/// An address where nothing listens.
async fn dead_address() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("tcp:{}", listener.local_addr().expect("addr"));
    drop(listener);
    address
}

/// A response with the headers these tests look at.
struct Answer {
    status: StatusCode,
    content_type: String,
    retry_after: Option<String>,
    body: Value,
    text: String,
}

async fn answer(req: reqwest::RequestBuilder) -> Answer {
    let r = req.send().await.expect("request");
    let header = |name| r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (status, content_type, retry_after) =
        (r.status(), header(reqwest::header::CONTENT_TYPE).unwrap_or_default(), header(RETRY_AFTER));
    let text = r.text().await.unwrap_or_default();
    Answer { status, content_type, retry_after, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
}

async fn upload(app: &TestApp, token: &str, thread: &str, name: &str, bytes: Vec<u8>) -> Answer {
    let form = reqwest::multipart::Form::new()
        .text("body", "the letter from the lab")
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    let url = format!("{}/api/v1/threads/{thread}/attachments", app.base);
    answer(app.http.post(url).bearer_auth(token).multipart(form)).await
}

/// (messages, attachments) in a thread, as its patient sees it.
async fn stored(app: &TestApp, token: &str, thread: &str) -> (usize, usize) {
    let detail = app.get(&format!("/api/v1/threads/{thread}"), token).await;
    let messages = detail.body["messages"].as_array().expect("messages");
    let files = messages.iter().map(|m| m["attachments"].as_array().map_or(0, Vec::len)).sum();
    (messages.len(), files)
}

async fn thread_count(app: &TestApp, token: &str) -> usize {
    app.get("/api/v1/threads", token).await.body["threads"].as_array().map_or(0, Vec::len)
}

fn assert_problem(a: &Answer, status: StatusCode, kind: &str) {
    assert_eq!(a.status, status, "{}", a.text);
    assert_eq!(a.content_type, "application/problem+json", "{}", a.text);
    let found = a.body["type"].as_str().unwrap_or_default();
    assert!(found.ends_with(&format!("/{kind}")), "problem type {found}, wanted {kind}");
}

fn assert_unavailable(a: &Answer, what: &str) {
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {}", a.text);
    assert_eq!(a.content_type, "application/problem+json", "{what}");
    let retry = a.retry_after.as_deref().and_then(|r| r.parse::<u32>().ok());
    assert!(retry.is_some_and(|s| s > 0), "{what}: Retry-After {:?}", a.retry_after);
}

/// A portal answer read as the API's are.
fn answered(page: Page) -> Answer {
    let body = serde_json::from_str(&page.html).unwrap_or(Value::Null);
    Answer {
        status: page.status,
        content_type: page.content_type,
        retry_after: page.retry_after,
        body,
        text: page.html,
    }
}

#[needs(clamd)]
#[tokio::test]
async fn a_pdf_carrying_eicar_is_refused_quarantined_and_never_stored() {
    let clamd = test_clamd();
    for backend in backends() {
        let app = spawn_scanning(backend, &clamd).await;
        let token = app.login("patient.alice").await;
        let thread = app.new_thread(&token, "Lab letter", "Here is the letter from the lab.").await;
        let before = stored(&app, &token, &thread).await;

        // The API refuses it with a clear problem, and nothing is stored.
        let refused = upload(&app, &token, &thread, TELLING_NAME, eicar_pdf()).await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, "infected-file");
        assert_eq!(refused.body["field"], "file");
        assert!(refused.body["detail"].as_str().unwrap_or_default().contains("virus"), "{}", refused.text);
        assert_eq!(stored(&app, &token, &thread).await, before, "{backend:?}: nothing stored");

        // The refusal is audited without the file's name or content; the logs carry neither.
        let query = AuditQuery { action: Some(AuditAction::AttachmentCreate), limit: 100, ..AuditQuery::default() };
        let entries = app.store.audit_entries(&query).await.expect("audit");
        let entry = entries.iter().find(|e| e.outcome == "denied").expect("an audited refusal");
        assert_eq!(entry.target.as_deref(), Some(format!("thread:{thread}").as_str()));
        assert_eq!(entry.patient.as_ref().map(|p| p.id.to_string()), Some(app.id("patient.alice")));
        let detail = entry.detail.as_deref().unwrap_or_default();
        assert!(detail.contains("Eicar-Test-Signature") && !detail.contains("hiv"), "{detail}");
        let logs = support::captured_logs();
        assert!(logs.contains("upload refused"), "the refusal is logged");
        assert!(!logs.contains("hiv-test") && !logs.contains("EICAR-STANDARD"), "no file name or content in logs");

        // The portal's reply and compose forms refuse it too, saying why.
        let alice = Browser::sign_in(&app, "patient.alice").await;
        let reply = answered(
            alice
                .post_files(&format!("/threads/{thread}/reply"), &[("body", "")], &[(TELLING_NAME, eicar_pdf())])
                .await,
        );
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
        assert!(reply.text.contains("virus"), "the page says why: {}", reply.text);
        assert_eq!(stored(&app, &token, &thread).await, before, "{backend:?}: nothing stored from the portal");
        let threads = thread_count(&app, &token).await;
        let fields = [("kind", "question"), ("subject", "Scan"), ("body", "My scan results.")];
        let compose = answered(alice.post_files("/compose", &fields, &[(TELLING_NAME, eicar_pdf())]).await);
        assert_eq!(compose.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", compose.text);
        assert!(compose.text.contains("virus"), "{}", compose.text);
        assert_eq!(thread_count(&app, &token).await, threads, "{backend:?}: no thread started");

        // A clean PDF passes the same scan.
        let clean = upload(&app, &token, &thread, "letter.pdf", clean_pdf()).await;
        assert_eq!(clean.status, StatusCode::CREATED, "{}", clean.text);
        assert_eq!(stored(&app, &token, &thread).await, (before.0 + 1, before.1 + 1));
    }
}

#[tokio::test]
async fn uploads_fail_closed_when_the_scanner_does_not_answer() {
    for backend in backends() {
        let app = spawn_scanning(backend, &dead_address().await).await;
        let token = app.login("patient.alice").await;
        let thread = app.new_thread(&token, "Lab letter", "Here is the letter from the lab.").await;
        let before = stored(&app, &token, &thread).await;
        let refused = upload(&app, &token, &thread, "letter.pdf", clean_pdf()).await;
        assert_unavailable(&refused, "upload with the scanner down");
        assert_eq!(refused.body["type"], "https://carethread.org/problems/scanner-unavailable");
        assert_eq!(stored(&app, &token, &thread).await, before, "{backend:?}: never stored unscanned");

        let alice = Browser::sign_in(&app, "patient.alice").await;
        let reply = answered(
            alice.post_files(&format!("/threads/{thread}/reply"), &[("body", "")], &[("a.pdf", clean_pdf())]).await,
        );
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.text);
        assert_eq!(stored(&app, &token, &thread).await, before);

        // Messages without files still go through, and readiness says scanning is down.
        let text = app.post(&format!("/api/v1/threads/{thread}/messages"), &token, json!({"body": "No file."})).await;
        assert_eq!(text.status, StatusCode::CREATED);
        let ready = answer(app.http.get(format!("{}/readyz", app.base))).await;
        assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
        assert_eq!(ready.body["scanning"], "unreachable");
    }
}

#[tokio::test]
async fn readiness_and_the_admin_page_say_when_scanning_is_off() {
    let app = spawn(Backend::Sqlite).await;
    let ready = answer(app.http.get(format!("{}/readyz", app.base))).await;
    assert_eq!((ready.status, &ready.body["scanning"]), (StatusCode::OK, &json!("off")), "{}", ready.text);
    let admin = Browser::sign_in(&app, "admin").await;
    let page = answered(admin.get("/admin").await);
    assert!(page.text.contains("Virus scanning of files: off"), "{}", page.text);
}

#[needs(clamd)]
#[tokio::test]
async fn readiness_and_the_admin_page_say_when_scanning_is_on() {
    let app = spawn_scanning(Backend::Sqlite, &test_clamd()).await;
    let ready = answer(app.http.get(format!("{}/readyz", app.base))).await;
    assert_eq!((ready.status, &ready.body["scanning"]), (StatusCode::OK, &json!("on")), "{}", ready.text);
    let admin = Browser::sign_in(&app, "admin").await;
    let page = answered(admin.get("/admin").await);
    assert!(page.text.contains("Virus scanning of files: on"), "{}", page.text);
}

/// Fills the database to its last byte: the writer may not grow the file
/// (`max_page_count`), and audit entries of shrinking size take up the room
/// left in the pages it has, until every write that adds a row fails.
async fn fill_the_disk(app: &TestApp) {
    assert!(app.store.cap_storage_for_tests(true).await.expect("cap"), "SQLite caps its file");
    for size in [3000, 700, 150, 30, 0] {
        for _ in 0..10_000 {
            let mut filler = AuditEvent::new(AuditAction::SettingsChange, None, Utc::now());
            if size > 0 {
                filler = filler.detail("x".repeat(size));
            }
            match app.store.record_audit(vec![filler]).await {
                Ok(()) => {}
                Err(StoreError::StorageFull(_) | StoreError::CommitFailed) => break,
                Err(other) => panic!("filling the disk: {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn a_full_disk_answers_503_with_retry_after_and_sign_out_still_ends_the_session() {
    let app = spawn(Backend::Sqlite).await;
    let alice = app.login("patient.alice").await;
    let other = app.login("patient.alice").await;
    let thread = app.new_thread(&alice, "Knee", "My knee still hurts after the fall.").await;
    let bob = Browser::sign_in(&app, "patient.bob").await;
    let (lee_phone, lee_desk) = (app.login("dr.lee").await, app.login("dr.lee").await);
    let ready = answer(app.http.get(format!("{}/readyz", app.base))).await;
    assert_eq!(ready.status, StatusCode::OK);

    fill_the_disk(&app).await;
    let url = |path: &str| format!("{}{path}", app.base);
    let sign_in =
        answer(app.http.post(url("/api/v1/session")).json(&json!({"username": "patient.alice", "password": PASSWORD})))
            .await;
    assert_unavailable(&sign_in, "sign-in");
    let me = answer(app.http.patch(url("/api/v1/me")).bearer_auth(&alice).json(&json!({"language": "es"}))).await;
    assert_unavailable(&me, "PATCH /me");
    let sent = answer(
        app.http
            .post(url(&format!("/api/v1/threads/{thread}/messages")))
            .bearer_auth(&alice)
            .json(&json!({"body": "Hello?"})),
    )
    .await;
    assert_unavailable(&sent, "a message");
    let ready = answer(app.http.get(url("/readyz"))).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "not ready while writes fail: {}", ready.text);

    // Sign-out cannot be written, but the session ends all the same.
    let out = answer(app.http.delete(url("/api/v1/session")).bearer_auth(&alice)).await;
    assert_unavailable(&out, "sign-out");
    let after = answer(app.http.get(url("/api/v1/me")).bearer_auth(&alice)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "the signed-out token is refused: {}", after.text);
    // Signing out everywhere (a lost phone) ends every session of the user, not others'.
    let everywhere = answer(app.http.delete(url("/api/v1/sessions")).bearer_auth(&lee_phone)).await;
    assert_unavailable(&everywhere, "sign-out everywhere");
    for token in [&lee_phone, &lee_desk] {
        let after = answer(app.http.get(url("/api/v1/me")).bearer_auth(token)).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "every session ended: {}", after.text);
    }
    // The portal's sign-out too: the browser is sent to sign in, and its cookie no longer works.
    // The cookie as it was, sent again after signing out (a browser would drop it; a thief would not).
    let cookie = bob.cookie();
    let out =
        answer(bob.http.post(url("/signout")).header(COOKIE, &cookie).form(&[("csrf_token", bob.csrf.as_str())])).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.text);
    let after = answer(bob.http.get(url("/api/v1/me")).header(COOKIE, &cookie)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "the signed-out cookie is refused: {}", after.text);
    let still = answer(app.http.get(url("/api/v1/me")).bearer_auth(&other)).await;
    assert_eq!(still.status, StatusCode::OK, "reading goes on for other sessions");

    // Room again: ready, writes succeed, and the sign-out stays.
    assert!(app.store.cap_storage_for_tests(false).await.expect("uncap"));
    // Readiness probes a write at most once a second, so a poller sees it within seconds.
    let mut ready = answer(app.http.get(url("/readyz"))).await;
    for _ in 0..50 {
        if ready.status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        ready = answer(app.http.get(url("/readyz"))).await;
    }
    assert_eq!(ready.status, StatusCode::OK, "ready once writes succeed: {}", ready.text);
    assert_eq!(ready.body["writes"], "ok");
    let sent = app.post(&format!("/api/v1/threads/{thread}/messages"), &other, json!({"body": "Hello?"})).await;
    assert_eq!(sent.status, StatusCode::CREATED);
    let after = answer(app.http.get(url("/api/v1/me")).bearer_auth(&alice)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    let lee = answer(app.http.get(url("/api/v1/me")).bearer_auth(&lee_desk)).await;
    assert_eq!(lee.status, StatusCode::UNAUTHORIZED);
    let query = AuditQuery { action: Some(AuditAction::SignOutEverywhere), limit: 10, ..AuditQuery::default() };
    assert!(!app.store.audit_entries(&query).await.expect("audit").is_empty(), "written once room returns");
    let query = AuditQuery { action: Some(AuditAction::SignOut), limit: 10, ..AuditQuery::default() };
    assert!(
        !app.store.audit_entries(&query).await.expect("audit").is_empty(),
        "the sign-out is recorded once room returns"
    );
}

#[tokio::test]
async fn the_write_probe_answers_on_every_backend_and_only_sqlite_can_be_capped() {
    for backend in backends() {
        let app = spawn(backend).await;
        app.store.probe_write().await.expect("a probe write on a healthy database");
        app.store.probe_write().await.expect("and again: the probe leaves nothing behind");
        let capped = app.store.cap_storage_for_tests(false).await.expect("cap");
        assert_eq!(capped, backend == Backend::Sqlite, "{backend:?}");
    }
}

/// Runs `carethread demo` on a free port with `env`, and returns its `/readyz` answer.
async fn demo_readiness(env: &[(&str, &str)]) -> Value {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_carethread"));
    command
        .args(["demo", "--port", "0", "--data-dir"])
        .arg(dir.path())
        .env("CARETHREAD_LOG", "warn")
        .env_remove("CARETHREAD__SCANNER__CLAMD")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("run carethread demo");
    // Its output is read to the end: a closed pipe would end the demo.
    let stdout = child.stdout.take().expect("stdout");
    let (found, url) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                let _ = found.send(u.trim_end_matches('/').to_owned());
            }
        }
    });
    let url = url.recv_timeout(Duration::from_mins(1)).expect("the demo prints its address");
    let ready = answer(reqwest::Client::new().get(format!("{url}/readyz"))).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    ready.body
}

#[tokio::test]
async fn the_demo_scans_with_the_clamd_named_in_the_environment_and_says_when_it_does_not() {
    assert_eq!(demo_readiness(&[]).await["scanning"], "off", "a fresh demo has no scanner");
    let down = dead_address().await;
    let ready = demo_readiness(&[("CARETHREAD__SCANNER__CLAMD", &down)]).await;
    assert_eq!(ready["scanning"], "unreachable", "the setting is honoured: {ready}");
}

#[tokio::test]
async fn a_page_of_phi_is_not_shown_when_its_reading_cannot_be_audited() {
    let app = spawn(Backend::Sqlite).await;
    let alice = Browser::sign_in(&app, "patient.alice").await;
    assert_eq!(alice.get("/privacy").await.status, StatusCode::OK);

    // Reading who has seen her messages is itself recorded; with no room to record it, nothing is shown.
    fill_the_disk(&app).await;
    let page = alice.get("/privacy").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{}", page.html);
    assert!(!page.html.contains("<table"), "no access log without its audit entry");
    assert!(app.store.cap_storage_for_tests(false).await.expect("uncap"));
}
