//! A burst of sign-ins larger than the password-hashing queue: what does not
//! fit is answered at once with 503, `Retry-After` and a problem body (never
//! a 500, never a wait without end), and people sign in as usual once the
//! burst has passed. A test binary of its own: the hashing threads and their
//! queue are shared by every server in the process, and a burst here would
//! turn other tests' sign-ins away.

mod support;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use serde_json::{Value, json};
use support::Backend;

/// More sign-ins at once than the queue holds on any machine this runs on
/// (64 waiting per process on up to three cores; each check takes tens of ms).
const BURST: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_ins_beyond_the_hashing_queue_are_answered_503_with_retry_after_and_a_problem() {
    let app = support::spawn(Backend::Sqlite).await;
    let url = format!("{}/api/v1/session", app.base);
    let mut burst = tokio::task::JoinSet::new();
    for i in 0..BURST {
        let (http, url) = (app.http.clone(), url.clone());
        burst.spawn(async move {
            let r = http
                .post(&url)
                .json(&json!({"username": format!("nobody.{i}"), "password": "not the password"}))
                .send()
                .await
                .expect("an answer");
            let header = |name| r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let (status, content_type, retry_after) = (r.status(), header(CONTENT_TYPE), header(RETRY_AFTER));
            let body: Value = r.json().await.unwrap_or(Value::Null);
            (status, content_type, retry_after, body)
        });
    }
    let mut busy = 0;
    while let Some(answer) = burst.join_next().await {
        let (status, content_type, retry_after, body) = answer.expect("join");
        match status {
            // Checked against the dummy hash: refused like any wrong password.
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert_eq!(content_type.as_deref(), Some("application/problem+json"));
                assert!(retry_after.and_then(|s| s.parse::<u32>().ok()).is_some_and(|s| s > 0), "Retry-After");
                assert_eq!(body["status"], 503);
                assert_eq!(body["type"], "https://carethread.org/problems/unavailable");
            }
            other => panic!("a sign-in in the burst was answered {other}: {body}"),
        }
    }
    assert!(busy > 0, "a burst of {BURST} sign-ins fits no hashing queue of this size");
    // Once the burst has passed, people sign in as usual.
    let token = app.login("patient.alice").await;
    assert!(!token.is_empty());
}
