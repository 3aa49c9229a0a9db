//! The real `carethread demo` process with a real SMTP server (aiosmtpd):
//! it sends its notices to the server named in the environment, and a
//! notice the outbox acknowledged survives `kill -9` of the server and goes
//! out after the restart.

use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

use carethread_notify::test_support::{ReceivedMail, SmtpSink};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[path = "support/process.rs"]
mod process;

const CANARY: &str = "canary-reply-5d1e";

/// `carethread demo` on a free port over `dir`, sending mail to `smtp` after `delay` seconds.
fn demo(dir: &Path, smtp: &str, delay: u64) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_carethread"));
    command.args(["demo", "--port", "0", "--data-dir"]).arg(dir);
    run(command, smtp, delay)
}

/// `carethread serve` on a free port over the PostgreSQL database `url`
/// (seeded with the demo clinic, its data keys under `master`).
fn serve(url: &str, master: &str, smtp: &str, delay: u64) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_carethread"));
    command
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", url])
        .env("CARETHREAD_MASTER_KEY", master)
        .env("CARETHREAD__CLINIC__MFA_REQUIRED_FOR_STAFF", "false");
    run(command, smtp, delay)
}

fn run(mut command: Command, smtp: &str, delay: u64) -> (Child, String) {
    command
        .env("CARETHREAD_LOG", "warn")
        .env_remove("CARETHREAD__SCANNER__CLAMD")
        .env("CARETHREAD__NOTIFICATIONS__SMTP_URL", smtp)
        .env("CARETHREAD__NOTIFICATIONS__FROM", "CareThread <noreply@clinic.example.org>")
        .env("CARETHREAD__NOTIFICATIONS__REPLY_DELAY_SECONDS", delay.to_string());
    process::start(&mut command)
}

/// Alice asks; the nurse replies.
async fn nurse_replies_to_alice(url: &str) {
    let http = reqwest::Client::new();
    let alice = process::sign_in(&http, url, "patient.alice").await;
    let started = http
        .post(format!("{url}/api/v1/threads"))
        .bearer_auth(&alice)
        .json(&json!({"subject": "Refill question", "body": "Can I get my inhaler refilled?"}))
        .send()
        .await
        .expect("thread");
    assert_eq!(started.status(), StatusCode::CREATED);
    let thread = started.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    let nurse = process::sign_in(&http, url, "rn.kim").await;
    let replied = http
        .post(format!("{url}/api/v1/threads/{thread}/messages"))
        .bearer_auth(&nurse)
        .json(&json!({"body": format!("Your refill is ready at the pharmacy. {CANARY}")}))
        .send()
        .await
        .expect("reply");
    assert_eq!(replied.status(), StatusCode::CREATED, "{:?}", replied.text().await);
}

const READERS: [&str; 2] = ["patient.alice@example.org", "proxy.carol@example.org"];

/// What reached Alice and Carol (the demo's year of history also escalates
/// its overdue threads to staff when it starts), waiting up to `limit` for `count`.
fn to_readers(sink: &SmtpSink, count: usize, limit: Duration) -> Vec<ReceivedMail> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let mail: Vec<ReceivedMail> =
            sink.messages().into_iter().filter(|m| m.rcpt_tos.iter().any(|r| READERS.contains(&r.as_str()))).collect();
        if mail.len() >= count || std::time::Instant::now() >= deadline {
            return mail;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn stop(mut child: Child) {
    // SIGKILL: no shutdown, no flush; what was acknowledged must already be durable.
    let _ = child.kill();
    let _ = child.wait();
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_announces_a_reply_by_mail_to_the_server_in_the_environment() {
    let sink = SmtpSink::start().expect("smtp server");
    let dir = tempfile::tempdir().expect("temp dir");
    let (child, url) = demo(dir.path(), &sink.url(), 1);
    nurse_replies_to_alice(&url).await;
    let mail = to_readers(&sink, 2, Duration::from_secs(20));
    stop(child);
    let to: Vec<&str> = mail.iter().flat_map(|m| m.rcpt_tos.iter().map(String::as_str)).collect();
    assert!(to.contains(&"patient.alice@example.org") && to.contains(&"proxy.carol@example.org"), "{to:?}");
    for m in &mail {
        assert!(!m.raw.contains(CANARY) && !m.raw.contains("refill") && !m.raw.contains("Alice"), "{}", m.raw);
        assert!(m.body.contains(&format!("{url}/inbox")), "links to this demo: {}", m.body);
    }
}

/// The nurse replies, the server is killed before the notice is due, and
/// the server `start` brings up again sends it, once.
async fn survives_kill_9(sink: &SmtpSink, start: impl Fn() -> (Child, String)) {
    let (child, url) = start();
    nurse_replies_to_alice(&url).await;
    stop(child);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(to_readers(sink, 0, Duration::ZERO).is_empty(), "nothing was sent before the kill");

    let (child, _) = start();
    let mail = to_readers(sink, 2, Duration::from_secs(20));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = to_readers(sink, 0, Duration::ZERO);
    stop(child);
    assert_eq!(mail.len(), 2, "the patient and her proxy, after the restart: {all:#?}");
    assert_eq!(all.len(), 2, "each once");
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_in_the_outbox_survives_kill_9_and_goes_out_after_restart_on_sqlite() {
    let sink = SmtpSink::start().expect("smtp server");
    let dir = tempfile::tempdir().expect("temp dir");
    survives_kill_9(&sink, || demo(dir.path(), &sink.url(), 4)).await;
}

#[carethread_test_services::needs(smtp)]
#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_in_the_outbox_survives_kill_9_and_goes_out_after_restart_on_postgres() {
    let sink = SmtpSink::start().expect("smtp server");
    let database = process::postgres_database("carethread_notices").await;
    let url = database.url();
    let master = carethread_store::MasterKey::generate();
    let store = carethread_store::open(url, master.clone()).await.expect("open");
    carethread::demo::seed(&store, "demo", false).await.expect("seed");
    drop(store);
    let hex = master.to_hex();
    survives_kill_9(&sink, || serve(url, &hex, &sink.url(), 4)).await;
}
