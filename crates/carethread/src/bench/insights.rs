//! `carethread bench-insights`: how fast the insights pages answer on a large
//! clinic. It builds (or reuses) a database of about `--messages` messages:
//! the demo clinic's year, scaled (as many times the patients and threads,
//! planned the same way and written through the store's own writes, each at
//! the moment it happened, with read receipts, triage, drafts, answers,
//! moves and closes), then `ANALYZE`s it, starts a server on a loopback port
//! and times every insights section over the API, the clinic's default
//! range (the last four weeks) and a whole year, as an administrator opening
//! the page would ask. It prints p50, p95 and the slowest of `--rounds`
//! requests per page and range.
//!
//! The SQLite database is written with `synchronous = NORMAL`
//! ([`carethread_store::Durability::BulkLoad`]): a generated database needs
//! no fsync per commit. It is kept in `--data-dir` (with its `master.key`)
//! and reused by the next run, and `carethread serve --data-dir` can serve
//! it (the demo accounts, password `demo`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use carethread_server::auth::hash_password;
use carethread_server::insights_views::SECTIONS;
use carethread_store::{Durability, MasterKey, Store};
use chrono::{TimeDelta, Utc};
use secrecy::SecretString;

use crate::demo;

/// Messages in one demo year (about; the scale is worked out from it).
const DEMO_YEAR_MESSAGES: u64 = 2_300;
/// The demo accounts' password in the generated clinic.
const PASSWORD: &str = "demo";

/// Options for `carethread bench-insights`.
#[derive(clap::Args, Debug, Clone)]
pub struct InsightsBenchArgs {
    /// About how many messages the generated clinic holds.
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: u64,
    /// Where the SQLite database is kept and found again (default: a
    /// directory under the system's temporary directory).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL server to fill a new database on instead (dropped at the end).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Requests per page and range.
    #[arg(long, default_value_t = 10)]
    pub rounds: usize,
}

/// Builds or reuses the large clinic, then times each insights page.
pub async fn run(args: InsightsBenchArgs) -> anyhow::Result<()> {
    let mut scratch = None;
    let (url, master) = if let Some(server) = &args.database_url {
        let made = carethread_store::ScratchDatabase::create(server, "carethread_insights_bench")
            .await
            .context("creating a benchmark database")?;
        (scratch.insert(made).url().to_owned(), MasterKey::generate())
    } else {
        let dir = args.data_dir.clone().unwrap_or_else(|| std::env::temp_dir().join("carethread-insights-bench"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let master = MasterKey::load_or_create(&dir.join("master.key"))?;
        (format!("sqlite://{}", dir.join("carethread.db").display()), master)
    };
    let store = carethread_store::open_as(&url, master, Durability::BulkLoad).await.context("opening the database")?;
    println!("CareThread insights benchmark: {} backend, {url}", store.backend());
    if demo::is_seeded(&store).await? {
        println!("reusing the clinic already there");
    } else {
        build(&store, args.messages).await?;
    }
    let (messages, threads) = analyze(&url).await?;
    println!("database: {messages} messages in {threads} threads (statistics gathered with ANALYZE)");

    let server = super::Server::start(store).await?;
    let timed = time_pages(&server.base, args.rounds.max(1)).await;
    server.stop().await;
    drop(scratch);
    timed
}

/// Seeds the demo clinic and its year, scaled to about `messages`.
async fn build(store: &Arc<dyn Store>, messages: u64) -> anyhow::Result<()> {
    let scale = u32::try_from(messages.div_ceil(DEMO_YEAR_MESSAGES)).unwrap_or(u32::MAX);
    println!("building a clinic {scale} times the demo's (about {messages} messages)…");
    let started = Instant::now();
    let clinic = demo::seed(store, PASSWORD, false).await?;
    let hash = hash_password(&SecretString::from(PASSWORD.to_owned())).context("hashing the password")?;
    let history = demo::history::seed_scaled(store, &clinic, &hash, Utc::now(), scale).await?;
    println!(
        "built in {:.0} s: {} patients, {} threads, {} messages",
        started.elapsed().as_secs_f64(),
        history.patients,
        history.threads,
        history.messages
    );
    Ok(())
}

/// Gathers the planner's statistics, and counts what is there.
async fn analyze(url: &str) -> anyhow::Result<(i64, i64)> {
    let count = "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM threads)";
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await?;
        sqlx::query("ANALYZE").execute(&pool).await?;
        Ok(sqlx::query_as::<_, (i64, i64)>(count).fetch_one(&pool).await?)
    } else {
        let pool = sqlx::PgPool::connect(url).await?;
        sqlx::query("ANALYZE").execute(&pool).await?;
        Ok(sqlx::query_as::<_, (i64, i64)>(count).fetch_one(&pool).await?)
    }
}

/// Times every section over two ranges, `rounds` requests each after one
/// unmeasured request.
async fn time_pages(base: &str, rounds: usize) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let token = super::sign_in_with(&http, base, "admin", PASSWORD).await?;
    let year_ago = (Utc::now() - TimeDelta::days(364)).date_naive();
    let ranges = [("last 4 weeks", String::new()), ("whole year", format!("?from={year_ago}"))];
    for (range, query) in &ranges {
        for section in SECTIONS {
            let path = format!("/api/v1/insights/{section}{query}");
            let mut micros = Vec::with_capacity(rounds);
            let mut slowest = Duration::ZERO;
            let started_all = Instant::now();
            for round in 0..=rounds {
                let started = Instant::now();
                let reply = http.get(format!("{base}{path}")).bearer_auth(&token).send().await?;
                let status = reply.status();
                let _ = reply.bytes().await?;
                if !status.is_success() {
                    bail!("{path} answered {status}");
                }
                if round > 0 {
                    let took = started.elapsed();
                    slowest = slowest.max(took);
                    micros.push(u64::try_from(took.as_micros()).unwrap_or(u64::MAX));
                }
            }
            let timed = super::report(micros, 0, started_all.elapsed());
            println!(
                "GET {path} ({range}): {} requests, p50 {:.1} ms, p95 {:.1} ms, slowest {:.1} ms",
                timed.ok,
                timed.p50_ms,
                timed.p95_ms,
                slowest.as_secs_f64() * 1000.0
            );
        }
    }
    Ok(())
}
