//! `carethread bench seed`, run as a benchmark runs it: it builds a clinic
//! in a SQLite data directory and in an empty PostgreSQL database, verifies
//! the audit chain it wrote, refuses to write over a clinic, and the real
//! server then serves what it built: the demo accounts sign in with `demo`,
//! the nurse `rn.kim` finds a full in-basket, a patient her own threads, and
//! `carethread audit verify` agrees the chain is whole.

use std::process::Output;

use reqwest::StatusCode;
use serde_json::Value;

#[path = "support/process.rs"]
mod process;

use process::{carethread, kill, printed, serve, sign_in};

/// `carethread ARGS…` with no master key in the environment: a data
/// directory's own `master.key` is used.
fn in_data_dir(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_carethread"))
        .args(args)
        .env_remove("CARETHREAD_MASTER_KEY")
        .env("CARETHREAD_LOG", "warn")
        .output()
        .expect("run carethread")
}

/// Messages asked for: the smallest clinic the seed builds (one demo year).
const MESSAGES: &str = "2000";

/// How many messages the seed says it built, from its `built in` line.
fn built_messages(output: &Output) -> usize {
    let out = printed(output);
    let line = out.lines().find(|l| l.starts_with("built in")).unwrap_or_else(|| panic!("no built line: {out}"));
    let before = line.split(" messages (").next().unwrap_or_default();
    before.rsplit(", ").next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{line}"))
}

/// Signs in to the served clinic and checks what the seed promised.
async fn served_clinic_is_usable(base: &str, messages: usize) {
    let http = reqwest::Client::new();
    let nurse = sign_in(&http, base, "rn.kim").await;
    let list: Value = http
        .get(format!("{base}/api/v1/threads?limit=50"))
        .bearer_auth(&nurse)
        .send()
        .await
        .expect("in-basket")
        .json()
        .await
        .expect("json");
    let threads = list["threads"].as_array().map_or(0, Vec::len);
    assert_eq!(threads, 50, "rn.kim's first page is full: {list}");
    assert!(list["next_cursor"].is_string(), "and there is more: {list}");
    let first = list["threads"][0]["id"].as_str().expect("id");
    let opened = http.get(format!("{base}/api/v1/threads/{first}")).bearer_auth(&nurse).send().await.expect("open");
    assert_eq!(opened.status(), StatusCode::OK);
    let patient = sign_in(&http, base, "patient.alice").await;
    let own = http.get(format!("{base}/api/v1/threads")).bearer_auth(&patient).send().await.expect("list");
    assert_eq!(own.status(), StatusCode::OK);
    assert!(messages >= 1_500, "a demo year holds about 2,300 messages, not {messages}");
}

#[tokio::test]
async fn a_seeded_sqlite_data_directory_is_served_with_the_demo_accounts_and_an_intact_chain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("clinic");
    let data_arg = data.to_str().expect("utf-8 path");
    let seeded = in_data_dir(&["bench", "seed", "--messages", MESSAGES, "--data-dir", data_arg]);
    assert!(seeded.status.success(), "{}", printed(&seeded));
    assert!(printed(&seeded).contains("audit log intact"), "{}", printed(&seeded));
    let messages = built_messages(&seeded);

    let again = in_data_dir(&["bench", "seed", "--messages", MESSAGES, "--data-dir", data_arg]);
    assert!(!again.status.success(), "a second seed would write over the clinic");
    assert!(printed(&again).contains("already holds a clinic"), "{}", printed(&again));

    let verified = in_data_dir(&["audit", "verify", "--data-dir", data_arg]);
    assert!(verified.status.success(), "{}", printed(&verified));

    let master = std::fs::read_to_string(data.join("master.key")).expect("master.key");
    let url = format!("sqlite://{}", data.join("carethread.db").display());
    let (server, base) = serve(&url, master.trim());
    served_clinic_is_usable(&base, messages).await;
    kill(server);
}

#[carethread_test_services::needs(postgres)]
#[tokio::test]
async fn a_seeded_postgresql_database_is_served_with_the_demo_accounts_and_an_intact_chain() {
    let database = process::postgres_database("carethread_seed").await;
    let master = carethread_store::MasterKey::generate().to_hex().to_string();
    let seeded = carethread(&["bench", "seed", "--messages", MESSAGES, "--database-url", database.url()], &master);
    assert!(seeded.status.success(), "{}", printed(&seeded));
    assert!(printed(&seeded).contains("audit log intact"), "{}", printed(&seeded));
    let messages = built_messages(&seeded);

    let no_key = std::process::Command::new(env!("CARGO_BIN_EXE_carethread"))
        .args(["bench", "seed", "--messages", MESSAGES, "--database-url", database.url()])
        .env_remove("CARETHREAD_MASTER_KEY")
        .output()
        .expect("run");
    assert!(!no_key.status.success(), "a PostgreSQL clinic needs its master key");

    let (server, base) = serve(database.url(), &master);
    served_clinic_is_usable(&base, messages).await;
    kill(server);
}
