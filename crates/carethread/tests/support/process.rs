//! The real `carethread` program, run as a clinic runs it: `serve` on a
//! free port over a database seeded with the demo clinic's accounts, and the
//! maintenance commands.
#![allow(dead_code, reason = "each test binary uses a different part of it")]

use std::io::BufRead as _;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

/// A new database at `url` with the demo clinic's accounts (password
/// `demo`), its data keys under a new master key: the key, in hex.
pub async fn seeded(url: &str) -> String {
    let master = carethread_store::MasterKey::generate();
    let store = carethread_store::open(url, master.clone()).await.expect("open");
    carethread::demo::seed(&store, "demo", false).await.expect("seed");
    drop(store);
    master.to_hex().to_string()
}

/// A new PostgreSQL database on the server `CARETHREAD_TEST_POSTGRES` names,
/// dropped when the returned value is.
pub async fn postgres_database(prefix: &str) -> carethread_store::ScratchDatabase {
    let server = std::env::var("CARETHREAD_TEST_POSTGRES").expect("CARETHREAD_TEST_POSTGRES");
    carethread_store::ScratchDatabase::create(&server, prefix).await.expect("scratch database")
}

/// `carethread serve` on a free port over the database `url`; the process and its address.
pub fn serve(url: &str, master: &str) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_carethread"));
    command
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", url])
        .env("CARETHREAD_MASTER_KEY", master)
        .env("CARETHREAD__CLINIC__MFA_REQUIRED_FOR_STAFF", "false")
        .env("CARETHREAD_LOG", "warn")
        .env_remove("CARETHREAD__SCANNER__CLAMD");
    start(&mut command)
}

/// Starts a `carethread serve` or `demo` command; the process and the
/// address it prints.
pub fn start(command: &mut Command) -> (Child, String) {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("run carethread");
    // Its output is read to the end: a closed pipe would end the server.
    let stdout = child.stdout.take().expect("stdout");
    let (found, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                let _ = found.send(u.trim_end_matches('/').to_owned());
            }
        }
    });
    let address = address.recv_timeout(Duration::from_mins(2)).expect("the server prints its address");
    (child, address)
}

/// Stops a server with SIGKILL: no shutdown, no flush.
pub fn kill(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// `carethread ARGS…` with the master key `master` in the environment.
pub fn carethread(args: &[&str], master: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carethread"))
        .args(args)
        .env("CARETHREAD_MASTER_KEY", master)
        .env("CARETHREAD_LOG", "warn")
        .output()
        .expect("run carethread")
}

/// What a command printed, for assertion messages.
pub fn printed(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// A demo account's bearer token.
pub async fn sign_in(http: &reqwest::Client, base: &str, username: &str) -> String {
    let r = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": username, "password": "demo"}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), StatusCode::OK, "{username}");
    r.json::<Value>().await.expect("json")["token"].as_str().expect("token").to_owned()
}

/// A new thread of the patient `token` signs in as; its id.
pub async fn new_thread(http: &reqwest::Client, base: &str, token: &str, subject: &str) -> String {
    let r = http
        .post(format!("{base}/api/v1/threads"))
        .bearer_auth(token)
        .json(&json!({"subject": subject, "body": "Here are this week's readings."}))
        .send()
        .await
        .expect("thread");
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned()
}

/// Every message body in a thread, as `token` reads it.
pub async fn bodies(http: &reqwest::Client, base: &str, token: &str, thread: &str) -> Vec<String> {
    let r = http.get(format!("{base}/api/v1/threads/{thread}")).bearer_auth(token).send().await;
    let detail: Value = r.expect("thread").json().await.expect("json");
    detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["body"].as_str().unwrap_or("").to_owned())
        .collect()
}
