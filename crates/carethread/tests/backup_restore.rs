//! The restore drill, on SQLite and on PostgreSQL, with the real program:
//! `carethread backup` runs while clients are sending messages to the
//! serving database; the file holds nothing readable without the master
//! key; `carethread restore` puts it into a new database and verifies its
//! audit chain; a server started on the restored database signs people in
//! and reads every message the backup holds (at least every message
//! acknowledged before the backup began, at most those acknowledged before
//! it ended). A backup opened with another master key, or altered, restores
//! nothing, and a restore never overwrites a database.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

#[path = "support/process.rs"]
mod process;

use process::{bodies, carethread, kill, new_thread, printed, seeded, serve, sign_in};

/// Sends messages to `thread` until `stop`, counting the acknowledged ones.
async fn keep_sending(base: String, token: String, thread: String, stop: Arc<AtomicBool>, sent: Arc<AtomicUsize>) {
    let http = reqwest::Client::new();
    while !stop.load(Ordering::Relaxed) {
        let n = sent.load(Ordering::Relaxed);
        let r = http
            .post(format!("{base}/api/v1/threads/{thread}/messages"))
            .bearer_auth(&token)
            .json(&json!({"body": format!("Reading {n}: 128/82")}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::CREATED);
        sent.fetch_add(1, Ordering::Relaxed);
    }
}

/// Backs up `url` under load, restores into `restored`, and checks what came back.
async fn drill(url: &str, restored: &str, dir: &Path) {
    let hex = seeded(url).await;
    let http = reqwest::Client::new();
    let (server, base) = serve(url, &hex);
    let alice = sign_in(&http, &base, "patient.alice").await;
    let thread = new_thread(&http, &base, &alice, "Home readings").await;
    let (stop, sent) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let mut senders = Vec::new();
    for _ in 0..4 {
        let task = keep_sending(base.clone(), alice.clone(), thread.clone(), stop.clone(), sent.clone());
        senders.push(tokio::spawn(task));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let file = dir.join("clinic.ctbackup");
    let file_arg = file.to_str().expect("path");
    let before = sent.load(Ordering::Relaxed);
    let backup = {
        let (url, hex, file_arg) = (url.to_owned(), hex.clone(), file_arg.to_owned());
        tokio::task::spawn_blocking(move || carethread(&["backup", "--database-url", &url, "--to", &file_arg], &hex))
            .await
            .expect("join")
    };
    let after = sent.load(Ordering::Relaxed);
    assert!(backup.status.success(), "backup: {}", printed(&backup));
    stop.store(true, Ordering::Relaxed);
    for task in senders {
        task.await.expect("sender");
    }
    kill(server);
    assert!(before > 0 && after > before, "the clients were sending while the backup ran ({before}, {after})");

    // Sealed: neither an account name nor the database's own text is readable.
    let bytes = std::fs::read(&file).expect("backup file");
    for plain in [&b"patient.alice"[..], b"SQLite format 3", b"PGDMP", b"audit_log"] {
        assert!(
            !bytes.windows(plain.len()).any(|w| w == plain),
            "{} readable in the backup",
            String::from_utf8_lossy(plain)
        );
    }
    // Another master key, or one altered byte: nothing is restored.
    let other = carethread_store::MasterKey::generate().to_hex().to_string();
    let refused = carethread(&["restore", "--database-url", restored, "--from", file_arg], &other);
    assert!(!refused.status.success(), "{}", printed(&refused));
    assert!(printed(&refused).contains("another master key"), "{}", printed(&refused));
    let altered = dir.join("altered.ctbackup");
    let mut changed = bytes.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x40;
    std::fs::write(&altered, changed).expect("write");
    let refused = carethread(&["restore", "--database-url", restored, "--from", altered.to_str().expect("path")], &hex);
    assert!(!refused.status.success(), "{}", printed(&refused));

    let restore = carethread(&["restore", "--database-url", restored, "--from", file_arg], &hex);
    assert!(restore.status.success(), "restore: {}", printed(&restore));
    assert!(printed(&restore).contains("audit log intact"), "{}", printed(&restore));
    // A restore never overwrites a database.
    let again = carethread(&["restore", "--database-url", restored, "--from", file_arg], &hex);
    assert!(!again.status.success(), "{}", printed(&again));

    let (server, base) = serve(restored, &hex);
    let alice = sign_in(&http, &base, "patient.alice").await;
    let held = bodies(&http, &base, &alice, &thread).await;
    kill(server);
    let readings = held.len() - 1;
    assert!(
        (before..=after).contains(&readings),
        "the backup holds every message acknowledged before it began and none after it ended: {before} ≤ {readings} ≤ {after}"
    );
    assert!(held.iter().skip(1).all(|b| b.starts_with("Reading ")), "each message reads back whole");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_into_a_new_sqlite_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("live").join("carethread.db").display());
    std::fs::create_dir_all(dir.path().join("live")).expect("dir");
    let restored = format!("sqlite://{}", dir.path().join("restored").join("carethread.db").display());
    drill(&url, &restored, dir.path()).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_into_a_new_postgresql_database() {
    let database = process::postgres_database("carethread_backup").await;
    let restored = process::postgres_database("carethread_restored").await;
    let dir = tempfile::tempdir().expect("temp dir");
    drill(database.url(), restored.url(), dir.path()).await;
}
