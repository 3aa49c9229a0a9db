//! `carethread bench-insights`: how fast the insights pages answer on a large
//! clinic. It builds (or reuses) a database of about `--messages` messages
//! as `carethread bench seed` does ([`super::seed`]: the demo clinic's year,
//! scaled, through the store's own writes), then `ANALYZE`s it, starts a
//! server on a loopback port
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
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use carethread_server::insights_views::SECTIONS;
use carethread_store::{Durability, MasterKey};
use chrono::{TimeDelta, Utc};

use crate::demo;

use super::seed::PASSWORD;

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
        println!("building a clinic of about {} messages…", args.messages);
        let built = super::seed::build(&store, args.messages).await?;
        println!(
            "built in {:.0} s: {} patients, {} threads, {} messages",
            built.seconds, built.patients, built.threads, built.messages
        );
    }
    let (messages, threads) = super::seed::analyze(&url).await?;
    println!("database: {messages} messages in {threads} threads (statistics gathered with ANALYZE)");

    let server = super::Server::start(store).await?;
    let timed = time_pages(&server.base, args.rounds.max(1)).await;
    server.stop().await;
    drop(scratch);
    timed
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
