//! `carethread bench seed`: builds a large, realistic clinic to measure
//! against, through the store's own writes. It is the demo clinic's year,
//! scaled to about `--messages` messages: as many times the patients (both
//! languages, with their care teams and equity groups), and threads of varied
//! length and age written each at the moment it happened, with triage, read
//! receipts, drafts and their use, answers, forwards, re-triage, closes and
//! every audit entry. The demo accounts (password `demo`) are among its
//! users; `rn.kim` is on every generated patient's care team.
//!
//! With `--data-dir DIR` it writes a SQLite data directory (`carethread.db`
//! and `master.key`) that `carethread demo --data-dir DIR` or `carethread
//! serve --database-url sqlite://DIR/carethread.db` serves; with
//! `--database-url postgres://…` it fills that (empty) database. The master
//! key is found as every other command finds it: `CARETHREAD_MASTER_KEY`,
//! else `--master-key-file`, else `master.key` in the data directory. SQLite is
//! written with `synchronous = NORMAL` ([`Durability::BulkLoad`]): a
//! generated database needs no fsync per commit. At the end it gathers the
//! planner's statistics, verifies the audit chain, and prints the rate.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, bail};
use carethread_app::{App, Operator};
use carethread_server::auth::hash_password;
use carethread_store::{Durability, Store};

use crate::config::DatabaseConfig;
use chrono::Utc;
use secrecy::SecretString;

use crate::demo;

/// Messages in one demo year (about; the scale is worked out from it).
const DEMO_YEAR_MESSAGES: u64 = 2_300;
/// The demo accounts' password in a generated clinic.
pub const PASSWORD: &str = "demo";

/// Options for `carethread bench seed`.
#[derive(clap::Args, Debug, Clone)]
pub struct SeedArgs {
    /// About how many messages the clinic holds.
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: u64,
    /// The SQLite data directory to write (created; it must not hold a clinic yet).
    #[arg(long, conflicts_with = "database_url", required_unless_present = "database_url")]
    pub data_dir: Option<PathBuf>,
    /// An empty PostgreSQL database to fill instead.
    #[arg(long)]
    pub database_url: Option<String>,
    /// The master key file for a PostgreSQL database (created if missing);
    /// `CARETHREAD_MASTER_KEY` takes precedence.
    #[arg(long, requires = "database_url")]
    pub master_key_file: Option<PathBuf>,
}

/// What a seed built.
#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    pub patients: usize,
    pub threads: usize,
    pub messages: usize,
    pub seconds: f64,
}

/// Builds the clinic where the arguments say, then analyses and verifies it.
pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let url = match (&args.data_dir, &args.database_url) {
        (Some(dir), _) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            format!("sqlite://{}", dir.join("carethread.db").display())
        }
        (None, Some(url)) => url.clone(),
        (None, None) => bail!("give --data-dir DIR or --database-url postgres://…"),
    };
    // The key every other command would open this database with.
    let master_key_file = args.master_key_file.map(|f| f.display().to_string());
    let master = crate::cli::database::master_key(&DatabaseConfig { url: url.clone(), master_key_file })?;
    let store = carethread_store::open_as(&url, master, Durability::BulkLoad).await.context("opening the database")?;
    if demo::is_seeded(&store).await? {
        bail!("{url} already holds a clinic: seed an empty database");
    }
    println!("CareThread seed: about {} messages, {} backend", args.messages, store.backend());
    let seeded = build(&store, args.messages).await?;
    let rate = seeded.messages as f64 / seeded.seconds.max(f64::EPSILON);
    println!(
        "built in {:.0} s: {} patients, {} threads, {} messages ({rate:.0} messages/s; 10,000,000 would take about {:.0} min)",
        seeded.seconds,
        seeded.patients,
        seeded.threads,
        seeded.messages,
        10_000_000.0 / rate.max(f64::EPSILON) / 60.0
    );
    let (messages, threads) = analyze(&url).await?;
    println!("database: {messages} messages in {threads} threads (statistics gathered with ANALYZE)");
    let started = Instant::now();
    let app = App::new(store.clone(), carethread_core::clinic::ClinicSettings::default());
    let report = carethread_app::audit::verify_audit(&app, Operator::CommandLine).await?;
    match report.broken {
        None => println!(
            "audit log intact: {} entries, verified in {:.0} s",
            report.verified,
            started.elapsed().as_secs_f64()
        ),
        Some(broken) => bail!("audit log BROKEN after {} intact entries: {broken}", report.verified),
    }
    println!("sign in as any demo account (admin, dr.lee, rn.kim, patient.alice, …) with the password {PASSWORD}");
    Ok(())
}

/// Seeds the demo clinic and its year, scaled to about `messages`.
///
/// # Errors
/// When a write fails.
pub async fn build(store: &Arc<dyn Store>, messages: u64) -> anyhow::Result<Seeded> {
    let scale = u32::try_from(messages.div_ceil(DEMO_YEAR_MESSAGES)).unwrap_or(u32::MAX);
    let started = Instant::now();
    let clinic = demo::seed(store, PASSWORD, false).await?;
    let hash = hash_password(&SecretString::from(PASSWORD.to_owned())).context("hashing the password")?;
    let history = demo::history::seed_scaled(store, &clinic, &hash, Utc::now(), scale).await?;
    Ok(Seeded {
        patients: history.patients,
        threads: history.threads,
        messages: history.messages,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Gathers the planner's statistics, and counts the messages and threads.
///
/// # Errors
/// When the database cannot be reached.
pub async fn analyze(url: &str) -> anyhow::Result<(i64, i64)> {
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
