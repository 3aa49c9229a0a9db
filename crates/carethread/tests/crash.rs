//! Durability as a property of the suite: the real `carethread serve`
//! process is killed with SIGKILL at a random moment while eight clients
//! send messages at once, then started again, three times over, on SQLite
//! and on PostgreSQL. Every message the server acknowledged is stored
//! exactly once; every message in flight at the kill, sent again with the
//! same `Idempotency-Key`, is then stored exactly once too (whether the first
//! attempt had committed or not); nothing else is stored; and
//! `carethread audit verify` finds one unbroken chain.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

#[path = "support/process.rs"]
mod process;

use process::{bodies, carethread, kill, new_thread, printed, seeded, serve, sign_in};

/// Clients sending at once, each to a thread of its own.
const CLIENTS: usize = 8;
/// Kills (and restarts) of the server per backend.
const CYCLES: usize = 3;

/// A pseudo-random number from the clock (the kill moment varies run to run).
fn jitter(below: u64) -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    u64::from(nanos) % below.max(1)
}

/// One client: its session and thread.
#[derive(Clone)]
struct Client {
    token: String,
    thread: String,
}

/// What one client saw: the keys acknowledged, and the one in flight when
/// the server died (sent, no answer).
#[derive(Default)]
struct Seen {
    acknowledged: Vec<String>,
    in_flight: Option<String>,
}

async fn post(
    http: &reqwest::Client,
    base: &str,
    client: &Client,
    key: &str,
) -> Result<reqwest::Response, reqwest::Error> {
    http.post(format!("{base}/api/v1/threads/{}/messages", client.thread))
        .bearer_auth(&client.token)
        .header("Idempotency-Key", key)
        .json(&json!({"body": format!("Reading {key}: 128/82, pulse 70.")}))
        .timeout(Duration::from_secs(20))
        .send()
        .await
}

/// Sends until the server stops answering.
async fn send_until_killed(http: reqwest::Client, base: String, client: Client, label: String) -> Seen {
    let mut seen = Seen::default();
    for n in 0.. {
        let key = format!("{label}-{n}");
        match post(&http, &base, &client, &key).await {
            Ok(r) if r.status() == StatusCode::CREATED => seen.acknowledged.push(key),
            Ok(r) => panic!("{key}: the server answered {} before it was killed", r.status()),
            Err(_) => {
                seen.in_flight = Some(key);
                break;
            }
        }
    }
    seen
}

async fn kill_at_random_under_load(url: &str) {
    let hex = seeded(url).await;
    let http = reqwest::Client::new();

    // Each client's own thread, started while the server is up.
    let (mut server, mut base) = serve(url, &hex);
    let mut clients = Vec::new();
    for n in 0..CLIENTS {
        let patient = if n % 2 == 0 { "patient.alice" } else { "patient.bob" };
        let token = sign_in(&http, &base, patient).await;
        let thread = new_thread(&http, &base, &token, &format!("Home readings {n}")).await;
        clients.push(Client { token, thread });
    }

    let mut expected: HashMap<usize, Vec<String>> = HashMap::new();
    for cycle in 0..CYCLES {
        let tasks: Vec<_> = clients
            .iter()
            .enumerate()
            .map(|(n, c)| {
                tokio::spawn(send_until_killed(http.clone(), base.clone(), c.clone(), format!("k{cycle}-{n}")))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(300 + jitter(1200))).await;
        // SIGKILL: no shutdown, no flush; what was acknowledged must already be durable.
        kill(server);
        let mut seen = Vec::new();
        for task in tasks {
            seen.push(task.await.expect("join"));
        }
        (server, base) = serve(url, &hex);
        // Sessions are in the database: the clients carry on after the restart.
        for (n, s) in seen.into_iter().enumerate() {
            let mut keys = s.acknowledged;
            if let Some(key) = s.in_flight {
                let again = post(&http, &base, &clients[n], &key).await.expect("sent again");
                assert_eq!(again.status(), StatusCode::CREATED, "{key} sent again after the restart");
                keys.push(key);
            }
            expected.entry(n).or_default().extend(keys);
        }
    }

    let acknowledged: usize = expected.values().map(Vec::len).sum();
    assert!(acknowledged >= CLIENTS * CYCLES, "the clients sent during every cycle ({acknowledged} in all)");
    for (n, client) in clients.iter().enumerate() {
        let stored = bodies(&http, &base, &client.token, &client.thread).await;
        let keys = &expected[&n];
        assert_eq!(stored.len(), 1 + keys.len(), "client {n}: the first message and each acknowledged one, once");
        for key in keys {
            let copies = stored.iter().filter(|b| b.starts_with(&format!("Reading {key}:"))).count();
            assert_eq!(copies, 1, "{key} stored once");
        }
    }
    kill(server);
    let verify = carethread(&["audit", "verify", "--database-url", url], &hex);
    assert!(verify.status.success(), "the audit chain verifies: {}", printed(&verify));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_kill_9_under_load_exactly_once_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("carethread.db").display());
    kill_at_random_under_load(&url).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_kill_9_under_load_exactly_once_on_postgres() {
    let database = process::postgres_database("carethread_crash").await;
    kill_at_random_under_load(database.url()).await;
}
