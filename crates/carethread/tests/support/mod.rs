//! Test harness: starts the real server on `127.0.0.1:0` against a fresh
//! database (a temporary SQLite file, or a new PostgreSQL database when
//! `CARETHREAD_TEST_POSTGRES` names a server), seeded with the demo clinic.

#![allow(dead_code, reason = "each test binary uses a different part of the harness")]

pub mod browser;

use std::sync::Arc;
use std::time::Duration;

use carethread::demo::{self, DemoClinic};
use carethread_core::clinic::ClinicSettings;
use carethread_server::AppState;
use carethread_store::{MasterKey, ScratchDatabase, Store};
use futures_util::StreamExt as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const PASSWORD: &str = "demo-password";

/// Who calls, in the column order of the route-by-role tables. `patient.alice`
/// owns the thread; `proxy.carol` acts for her; the three clinicians are on her
/// care team; front desk and billing are not in the pool her thread is routed to.
pub const CALLERS: [&str; 11] = [
    "anonymous",
    "patient.alice",
    "patient.bob",
    "proxy.carol",
    "dr.lee",
    "rn.kim",
    "rx.patel",
    "desk.ortiz",
    "billing.ng",
    "admin",
    "auditor",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when `CARETHREAD_TEST_POSTGRES` is set.
/// Without it, [`the_scenarios_run_on_postgresql_too`] is reported as
/// ignored, so a run that left PostgreSQL out says so.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        v.push(Backend::Postgres);
    }
    v
}

/// The PostgreSQL half of this binary's scenarios: `backends()` runs them on
/// SQLite alone when `CARETHREAD_TEST_POSTGRES` is not set, and this test is
/// then reported as ignored with the reason instead of the run looking complete.
#[carethread_test_services::needs(postgres)]
#[tokio::test]
async fn the_scenarios_run_on_postgresql_too() {
    assert_eq!(backends(), [Backend::Sqlite, Backend::Postgres]);
    let app = spawn(Backend::Postgres).await;
    let token = app.login("patient.alice").await;
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
}

pub fn postgres_url() -> Option<String> {
    std::env::var("CARETHREAD_TEST_POSTGRES").ok().filter(|s| !s.is_empty())
}

pub struct TestApp {
    pub base: String,
    pub url: String,
    pub backend: Backend,
    pub http: reqwest::Client,
    pub clinic: Arc<DemoClinic>,
    pub store: Arc<dyn Store>,
    pub settings: ClinicSettings,
    pub master: MasterKey,
    /// The SQLite file's folder, for tests that look inside it.
    pub tmp_dir: Option<Arc<tempfile::TempDir>>,
    /// The PostgreSQL database, dropped when this server and its siblings are.
    database: Option<Arc<ScratchDatabase>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The clinic settings most tests run with: the defaults, except that staff
/// sign in without a second factor and one address may sign in often (every
/// test signs in from 127.0.0.1). Tests of those two use `spawn_with`.
pub fn test_settings() -> ClinicSettings {
    ClinicSettings { mfa_required_for_staff: false, login_attempts_per_minute: 10_000, ..ClinicSettings::default() }
}

pub async fn spawn(backend: Backend) -> TestApp {
    spawn_with(backend, test_settings()).await
}

pub async fn spawn_with(backend: Backend, settings: ClinicSettings) -> TestApp {
    spawn_configured(backend, settings, |_| {}).await
}

/// A server whose state `configure` adjusts before it starts (a virus scanner, say).
pub async fn spawn_configured(
    backend: Backend,
    settings: ClinicSettings,
    configure: impl FnOnce(&mut AppState),
) -> TestApp {
    let (url, scratch) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            (format!("sqlite://{}", dir.path().join("test.db").display()), Scratch::Dir(Arc::new(dir)))
        }
        Backend::Postgres => {
            let database = postgres_database("carethread_test").await;
            (database.url().to_owned(), Scratch::Database(Arc::new(database)))
        }
    };
    capture_logs();
    let master = MasterKey::generate();
    let store = carethread_store::open(&url, master.clone()).await.expect("open store");
    let clinic = Arc::new(demo::seed(&store, PASSWORD, false).await.expect("seed"));
    start_configured(backend, url, store, clinic, scratch, settings, master, configure).await
}

/// Where a test server's data lives, kept for as long as a server uses it.
enum Scratch {
    Dir(Arc<tempfile::TempDir>),
    Database(Arc<ScratchDatabase>),
}

/// A new PostgreSQL database on the server `CARETHREAD_TEST_POSTGRES` names,
/// dropped when the returned value is.
pub async fn postgres_database(prefix: &str) -> ScratchDatabase {
    let server = postgres_url().expect("CARETHREAD_TEST_POSTGRES");
    ScratchDatabase::create(&server, prefix).await.expect("create a test database")
}

/// A second server on the same database as `app` (PostgreSQL scale-out).
pub async fn spawn_sibling(app: &TestApp) -> TestApp {
    let store = carethread_store::open(&app.url, app.master.clone()).await.expect("open store");
    let scratch = match (&app.tmp_dir, &app.database) {
        (Some(dir), _) => Scratch::Dir(dir.clone()),
        (None, database) => Scratch::Database(database.clone().expect("a test server has a file or a database")),
    };
    let (url, clinic, settings) = (app.url.clone(), app.clinic.clone(), app.settings.clone());
    start_configured(app.backend, url, store, clinic, scratch, settings, app.master.clone(), |_| {}).await
}

/// Everything the servers of this test process logged, at debug level and above.
static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut logs) = LOGS.lock() {
            logs.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the servers' logs (debug and above, CareThread and its libraries)
/// so tests can check that no message text, token or PHI reaches them.
pub fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_writer(|| LogWriter)
            .with_ansi(false)
            .try_init();
    });
}

/// The logs captured so far.
pub fn captured_logs() -> String {
    LOGS.lock().map(|l| String::from_utf8_lossy(&l).into_owned()).unwrap_or_default()
}

#[expect(clippy::too_many_arguments, reason = "start's arguments and the one adjustment")]
async fn start_configured(
    backend: Backend,
    url: String,
    store: Arc<dyn Store>,
    clinic: Arc<DemoClinic>,
    scratch: Scratch,
    settings: ClinicSettings,
    master: MasterKey,
    configure: impl FnOnce(&mut AppState),
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut state = AppState::new(store.clone(), settings.clone());
    configure(&mut state);
    tokio::spawn(carethread_server::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    TestApp {
        base,
        url,
        backend,
        http: reqwest::Client::new(),
        clinic,
        store,
        settings,
        master,
        tmp_dir: if let Scratch::Dir(dir) = &scratch { Some(dir.clone()) } else { None },
        database: if let Scratch::Database(database) = scratch { Some(database) } else { None },
        stop: Some(stop),
    }
}

/// A response: status, headers of interest, and body as JSON (or text in `raw`).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl TestApp {
    pub fn id(&self, username: &str) -> String {
        self.clinic.user(username).expect("demo user").id.to_string()
    }

    /// Signs in as a client should: a `503` (the process's password-hashing
    /// queue is full, say while `sign_in_burst.rs` floods it) is tried again
    /// after a pause, as its `Retry-After` asks.
    pub async fn login(&self, username: &str) -> String {
        let body = json!({"username": username, "password": PASSWORD});
        let mut r = self.call(Method::POST, "/api/v1/session", None, Some(body.clone())).await;
        for _ in 0..20 {
            if r.status != StatusCode::SERVICE_UNAVAILABLE {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            r = self.call(Method::POST, "/api/v1/session", None, Some(body.clone())).await;
        }
        assert_eq!(r.status, StatusCode::OK, "sign-in for {username}: {:?}", r.body);
        r.body["token"].as_str().expect("token").to_owned()
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::reply(req).await
    }

    pub async fn reply(req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let raw = resp.bytes().await.expect("body").to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Reply { status, content_type, body, raw }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Starts a thread as `token`'s user and returns its id.
    pub async fn new_thread(&self, token: &str, subject: &str, body: &str) -> String {
        let r = self.post("/api/v1/threads", token, json!({"subject": subject, "body": body})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.body["id"].as_str().expect("id").to_owned()
    }

    pub async fn events(&self, token: &str) -> EventStream {
        let resp =
            self.http.get(format!("{}/api/v1/events", self.base)).bearer_auth(token).send().await.expect("events");
        assert_eq!(resp.status(), StatusCode::OK);
        let mut stream =
            EventStream { inner: Box::pin(resp.bytes_stream().map(|r| r.map(|b| b.to_vec()))), buffer: String::new() };
        let (kind, _) = stream.next(Duration::from_secs(10)).await.expect("ready event");
        assert_eq!(kind, "ready");
        stream
    }
}

/// A server-sent event stream.
pub struct EventStream {
    inner: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<Vec<u8>>> + Send>>,
    buffer: String,
}

impl EventStream {
    /// The next event's type and JSON data, or `None` after `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut kind = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        v.trim().clone_into(&mut kind);
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if data.is_empty() && kind == "message" {
                    continue; // keep-alive comment
                }
                return Some((kind, serde_json::from_str(&data).unwrap_or(Value::Null)));
            }
            let chunk = tokio::time::timeout_at(deadline, self.inner.next()).await.ok()??.ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Waits for an event of `kind` about `thread_id`, skipping others.
    pub async fn expect(&mut self, kind: &str, thread_id: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let Some((k, data)) = self.next(left).await else {
                panic!("no {kind} event for thread {thread_id}");
            };
            if k == kind && data["thread_id"] == thread_id {
                return data;
            }
        }
    }
}

/// A routine thread Alice started `days_ago` in the nurse-triage pool,
/// assigned to `assignee` if any, written straight to the store (the API
/// stamps every thread with the present moment).
pub async fn old_thread(app: &TestApp, subject: &str, days_ago: i64, assignee: Option<&str>) -> String {
    use carethread_core::audit::{AuditAction, AuditEvent};
    use carethread_core::message::MessageBody;
    use carethread_core::role::Role;
    use carethread_core::thread::{Category, Subject, ThreadStatus, Urgency};
    use carethread_store::{NewThread, TriageRecord};
    use chrono::{TimeDelta, Utc};
    let alice = app.clinic.user("patient.alice").expect("alice").id;
    let then = Utc::now() - TimeDelta::days(days_ago);
    let pool = Some("nurse-triage".to_owned());
    let written = app
        .store
        .create_thread(NewThread {
            patient_id: alice,
            author_id: alice,
            subject: Subject::parse(subject).expect("subject"),
            body: MessageBody::parse("Is the rash on my arm something to worry about?", 5000).expect("body"),
            category: Category::Clinical,
            urgency: Urgency::Routine,
            pool_slug: pool.clone(),
            assignee_id: assignee.map(|name| app.clinic.user(name).expect("assignee").id),
            status: ThreadStatus::Open,
            confidential: false,
            triage: TriageRecord {
                urgency: Urgency::Routine,
                category: Category::Clinical,
                pool_slug: pool,
                confidence: 0.9,
                reasons: vec![],
                model_id: "test".into(),
                model_version: "1".into(),
                needs_review: false,
                overridden_by: None,
            },
            idempotency: None,
            now: then,
            audit: vec![AuditEvent::new(AuditAction::ThreadCreate, Some((alice, Role::Patient)), then)],
            jobs: Vec::new(),
        })
        .await
        .expect("thread");
    written.thread_id.to_string()
}
