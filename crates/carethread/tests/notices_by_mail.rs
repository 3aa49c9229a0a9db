//! The real `carethread demo` process with a real SMTP server (aiosmtpd):
//! it sends its notices to the server named in the environment, and a
//! notice the outbox acknowledged survives `kill -9` of the server and goes
//! out after the restart.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use carethread_notify::test_support::SmtpSink;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CANARY: &str = "canary-reply-5d1e";

/// `carethread demo` on a free port over `dir`, sending mail to `smtp` after `delay` seconds.
fn demo(dir: &Path, smtp: &str, delay: u64) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_carethread"))
        .args(["demo", "--port", "0", "--data-dir"])
        .arg(dir)
        .env("CARETHREAD_LOG", "warn")
        .env_remove("CARETHREAD__SCANNER__CLAMD")
        .env("CARETHREAD__NOTIFICATIONS__SMTP_URL", smtp)
        .env("CARETHREAD__NOTIFICATIONS__FROM", "CareThread <noreply@clinic.example.org>")
        .env("CARETHREAD__NOTIFICATIONS__REPLY_DELAY_SECONDS", delay.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run carethread demo");
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
    let url = url.recv_timeout(Duration::from_secs(120)).expect("the demo prints its address");
    (child, url)
}

async fn sign_in(http: &reqwest::Client, url: &str, username: &str) -> String {
    let r = http
        .post(format!("{url}/api/v1/session"))
        .json(&json!({"username": username, "password": "demo"}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.expect("json");
    body["token"].as_str().expect("token").to_owned()
}

/// Alice asks; the nurse replies.
async fn nurse_replies_to_alice(url: &str) {
    let http = reqwest::Client::new();
    let alice = sign_in(&http, url, "patient.alice").await;
    let started = http
        .post(format!("{url}/api/v1/threads"))
        .bearer_auth(&alice)
        .json(&json!({"subject": "Refill question", "body": "Can I get my inhaler refilled?"}))
        .send()
        .await
        .expect("thread");
    assert_eq!(started.status(), StatusCode::CREATED);
    let thread = started.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    let nurse = sign_in(&http, url, "rn.kim").await;
    let replied = http
        .post(format!("{url}/api/v1/threads/{thread}/messages"))
        .bearer_auth(&nurse)
        .json(&json!({"body": format!("Your refill is ready at the pharmacy. {CANARY}")}))
        .send()
        .await
        .expect("reply");
    assert_eq!(replied.status(), StatusCode::CREATED, "{:?}", replied.text().await);
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
    let mail = sink.wait_for(2, Duration::from_secs(20));
    stop(child);
    let to: Vec<&str> = mail.iter().flat_map(|m| m.rcpt_tos.iter().map(String::as_str)).collect();
    assert!(to.contains(&"patient.alice@example.org") && to.contains(&"proxy.carol@example.org"), "{to:?}");
    for m in &mail {
        assert!(!m.raw.contains(CANARY) && !m.raw.contains("refill") && !m.raw.contains("Alice"), "{}", m.raw);
        assert!(m.body.contains(&format!("{url}/inbox")), "links to this demo: {}", m.body);
    }
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_in_the_outbox_survives_kill_9_and_goes_out_after_restart() {
    let sink = SmtpSink::start().expect("smtp server");
    let dir = tempfile::tempdir().expect("temp dir");
    let (child, url) = demo(dir.path(), &sink.url(), 4);
    nurse_replies_to_alice(&url).await;
    stop(child);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(sink.messages().is_empty(), "nothing was sent before the kill");

    let (child, _) = demo(dir.path(), &sink.url(), 4);
    let mail = sink.wait_for(2, Duration::from_secs(20));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = sink.messages();
    stop(child);
    assert_eq!(mail.len(), 2, "the patient and her proxy, after the restart: {all:#?}");
    assert_eq!(all.len(), 2, "each once");
}
