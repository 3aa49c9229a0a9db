//! `carethread bench`: a load benchmark over real HTTP. It starts a server on
//! a loopback port against a fresh database (a temporary SQLite file, or a
//! new database on the PostgreSQL server `--database-url` names), seeds a
//! clinic with one patient per client, then:
//!
//! 1. sends: every client, signed in as its own patient, posts messages (with
//!    an `Idempotency-Key`, as real clients do) to its thread as fast as the
//!    server acknowledges them;
//! 2. in-basket: clinicians list their threads concurrently.
//!
//! It prints throughput and p50/p95/p99 latency for both. With
//! `--sign-in-clients N`, the sends are measured alone and alongside N clients
//! signing in over and over, then N × 4 clients sign in at once with no
//! sends, and the process's memory (`VmRSS` and `VmHWM`) is printed throughout
//! ([`sign_ins`]). On PostgreSQL the run's database is dropped when it ends
//! (and one a killed run left, when the next starts).

pub mod in_basket;
pub mod insights;
mod load_stats;
pub mod seed;
mod sign_ins;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::clinic::ClinicSettings;
use carethread_core::role::Role;
use carethread_core::user::{DisplayName, Language, NewUser, Username};
use carethread_server::AppState;
use carethread_server::auth::hash_password;
use carethread_store::{Membership, NewAccount, Store};
use chrono::{NaiveDate, Utc};
use secrecy::SecretString;
use serde_json::{Value, json};

const PASSWORD: &str = "bench-password-long-enough";

/// Options for `carethread bench`.
#[derive(clap::Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub action: Option<BenchAction>,
    /// A PostgreSQL server to benchmark against (a new database is created on
    /// it). Without it, a temporary SQLite file is used.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Concurrent clients sending messages.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Seconds to send for.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent clinicians listing their in-basket.
    #[arg(long, default_value_t = 16)]
    pub list_clients: usize,
    /// Seconds to list for.
    #[arg(long, default_value_t = 5)]
    pub list_seconds: u64,
    /// Concurrent clients signing in over and over while the sends run (0: none).
    #[arg(long, default_value_t = 0)]
    pub sign_in_clients: usize,
    /// Servers sharing the database (PostgreSQL only), each with its own
    /// connections and writer; the sending clients are spread over them.
    #[arg(long, default_value_t = 1)]
    pub servers: usize,
}

/// What `carethread bench` does other than its load test.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum BenchAction {
    /// Build a large, realistic clinic (the demo's year, scaled) through the
    /// store's writes, in a SQLite data directory or an empty PostgreSQL
    /// database, then verify its audit chain.
    Seed(seed::SeedArgs),
}

/// Latency summary of one phase.
#[derive(Debug, Clone)]
pub struct PhaseReport {
    pub ok: usize,
    pub failed: usize,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

impl std::fmt::Display for PhaseReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ok, {} failed, {:.0}/s; latency p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
            self.ok, self.failed, self.per_second, self.p50_ms, self.p95_ms, self.p99_ms
        )
    }
}

fn report(mut micros: Vec<u64>, failed: usize, elapsed: Duration) -> PhaseReport {
    micros.sort_unstable();
    // Nearest-rank percentile; `per_mille` is the percentile times ten.
    let pct = |per_mille: usize| -> f64 {
        if micros.is_empty() {
            return 0.0;
        }
        let rank = (per_mille * micros.len()).div_ceil(1000).clamp(1, micros.len());
        micros[rank - 1] as f64 / 1000.0
    };
    PhaseReport {
        ok: micros.len(),
        failed,
        per_second: micros.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: pct(500),
        p95_ms: pct(950),
        p99_ms: pct(990),
    }
}

/// Runs the benchmark and prints its report.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if let Some(BenchAction::Seed(seed)) = args.action {
        return seed::run(seed).await;
    }
    let tmp = std::env::temp_dir().join(format!("carethread-bench-{}", std::process::id()));
    // The benchmark's PostgreSQL database is dropped when the run ends, and
    // one a killed run left behind when the next starts.
    let mut database = None;
    let url = if let Some(url) = &args.database_url {
        let _ = carethread_store::ScratchDatabase::drop_stale(url, "carethread_bench", Duration::ZERO).await;
        let made = carethread_store::ScratchDatabase::create(url, "carethread_bench")
            .await
            .context("creating a benchmark database")?;
        database.insert(made).url().to_owned()
    } else {
        std::fs::create_dir_all(&tmp)?;
        format!("sqlite://{}", tmp.join("bench.db").display())
    };
    if args.servers > 1 && args.database_url.is_none() {
        bail!("several servers share a PostgreSQL database: give --database-url");
    }
    let master = carethread_store::MasterKey::generate();
    let store = carethread_store::open(&url, master.clone()).await.context("opening the benchmark database")?;
    let backend = store.backend();
    let servers = args.servers.max(1);
    println!(
        "CareThread load benchmark: {backend} backend, {servers} server(s), {} sending clients for {} s",
        args.clients, args.seconds
    );
    let (patients, clinicians) = seed(&store, args.clients).await?;

    // Each server has its own store (connections, group-commit writer) on the one database.
    let (mut bases, mut running) = (Vec::new(), Vec::new());
    for n in 0..servers {
        let store = if n == 0 { store.clone() } else { carethread_store::open(&url, master.clone()).await? };
        let server = Server::start(store).await?;
        bases.push(server.base.clone());
        running.push(server);
    }
    let base = bases[0].clone();

    let http = reqwest::Client::builder().pool_max_idle_per_host(512).build()?;
    let senders = open_threads(&http, &bases, &patients).await?;
    let send_for = Duration::from_secs(args.seconds);
    if args.sign_in_clients == 0 {
        let probe = load_stats::Probe::start(&url).await;
        let (micros, failed, elapsed) = send_phase(&http, &senders, 0, send_for).await?;
        let cost = probe.finish(micros.len()).await;
        println!("sends (POST /api/v1/threads/{{id}}/messages): {}", report(micros, failed, elapsed));
        println!("{cost}");
    } else {
        let load = sign_ins::Load { http: &http, base: &base, senders: &senders, patients: &patients };
        sign_ins::run(&load, args.sign_in_clients, send_for).await?;
    }
    let lists =
        list_phase(&http, &base, &clinicians, args.list_clients, Duration::from_secs(args.list_seconds)).await?;
    println!("in-basket (GET /api/v1/threads, {} clients): {lists}", args.list_clients);

    for server in running {
        server.stop().await;
    }
    if args.database_url.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(())
}

/// A server on a loopback port, for load clients that sign in with a
/// password only (no second factor, no sign-in limit).
struct Server {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(store: Arc<dyn Store>) -> anyhow::Result<Self> {
        let settings = ClinicSettings {
            mfa_required_for_staff: false,
            login_attempts_per_minute: u32::MAX,
            ..ClinicSettings::default()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(carethread_server::serve(listener, AppState::new(store, settings), async move {
            let _ = stopped.await;
        }));
        Ok(Self { base, stop, running })
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.running.await;
    }
}

/// One patient per sending client (on the demo clinicians' care team), and the clinicians' usernames.
async fn seed(store: &Arc<dyn Store>, clients: usize) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let clinic = crate::demo::seed(store, PASSWORD, false).await?;
    let hash = hash_password(&SecretString::from(PASSWORD.to_owned())).context("hashing")?;
    let today = Utc::now().date_naive();
    let born = NaiveDate::from_ymd_opt(1970, 1, 1).context("date")?;
    let mut patients = Vec::new();
    for i in 0..clients {
        let name = format!("bench.patient{i}");
        let new = NewUser::new(
            Username::parse(&name)?,
            DisplayName::parse(&format!("Bench Patient {i}"))?,
            Role::Patient,
            Some(born),
            Language::En,
            today,
        )?;
        let audit = AuditEvent::new(AuditAction::UserCreate, None, Utc::now());
        let user = store.create_user(NewAccount { user: &new, password_hash: &hash, now: Utc::now() }, &audit).await?;
        for staff in ["dr.lee", "rn.kim"] {
            let audit = AuditEvent::new(AuditAction::CareTeamChange, None, Utc::now()).patient(user.id);
            store
                .set_membership(
                    Membership::CareTeam { patient_id: user.id, staff_id: clinic.user(staff)?.id },
                    true,
                    &audit,
                )
                .await?;
        }
        patients.push(name);
    }
    Ok((patients, vec!["rn.kim".to_owned(), "dr.lee".to_owned()]))
}

async fn sign_in(http: &reqwest::Client, base: &str, username: &str) -> anyhow::Result<String> {
    sign_in_with(http, base, username, PASSWORD).await
}

/// Signs `username` in with `password` over the API: their bearer token.
async fn sign_in_with(http: &reqwest::Client, base: &str, username: &str, password: &str) -> anyhow::Result<String> {
    let response = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("sign-in for {username} failed: {}", response.status());
    }
    let body: Value = response.json().await?;
    body["token"].as_str().map(str::to_owned).context("no token in the sign-in answer")
}

/// Signs every patient in and opens a thread for each: the sending clients'
/// sessions, spread over the servers at `bases` in turn.
async fn open_threads(http: &reqwest::Client, bases: &[String], patients: &[String]) -> anyhow::Result<Vec<Sender>> {
    let mut sessions = Vec::new();
    for (n, name) in patients.iter().enumerate() {
        let base = &bases[n % bases.len()];
        let token = sign_in(http, base, name).await?;
        let created: Value = http
            .post(format!("{base}/api/v1/threads"))
            .bearer_auth(&token)
            .json(&json!({"subject": "Blood pressure log", "body": "Here are this week's readings.", "category": "clinical"}))
            .send()
            .await?
            .json()
            .await?;
        let thread = created["id"].as_str().context("no thread id")?.to_owned();
        sessions.push(Sender { token, thread, base: base.clone() });
    }
    Ok(sessions)
}

/// A sending client: its patient's session and thread, and the server it talks to.
struct Sender {
    token: String,
    thread: String,
    base: String,
}

/// Every sender posts messages for `duration`; the acknowledged sends'
/// latencies in microseconds, the failures, and the time taken. `phase`
/// keeps each phase's idempotency keys apart.
async fn send_phase(
    http: &reqwest::Client,
    senders: &[Sender],
    phase: u32,
    duration: Duration,
) -> anyhow::Result<(Vec<u64>, usize, Duration)> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for (client, Sender { token, thread, base }) in senders.iter().enumerate() {
        let http = http.clone();
        let token = token.clone();
        let url = format!("{base}/api/v1/threads/{thread}/messages");
        tasks.push(tokio::spawn(async move {
            let mut micros = Vec::new();
            let mut failed = 0usize;
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let t0 = Instant::now();
                let result = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("bench-{phase}-{client}-{n}"))
                    .json(&json!({"body": format!("Reading {n}: 128/82, pulse 70. Feeling fine today.")}))
                    .send()
                    .await;
                match result {
                    Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                        let _ = r.bytes().await;
                        micros.push(u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX));
                    }
                    _ => failed += 1,
                }
            }
            (micros, failed)
        }));
    }
    let (micros, failed) = gather(tasks).await?;
    Ok((micros, failed, started.elapsed()))
}

async fn list_phase(
    http: &reqwest::Client,
    base: &str,
    clinicians: &[String],
    clients: usize,
    duration: Duration,
) -> anyhow::Result<PhaseReport> {
    let mut tokens = Vec::new();
    for name in clinicians {
        tokens.push(sign_in(http, base, name).await?);
    }
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for i in 0..clients {
        let http = http.clone();
        let token = tokens[i % tokens.len()].clone();
        let url = format!("{base}/api/v1/threads?limit=50");
        tasks.push(tokio::spawn(async move {
            let mut micros = Vec::new();
            let mut failed = 0usize;
            while Instant::now() < deadline {
                let t0 = Instant::now();
                match http.get(&url).bearer_auth(&token).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        micros.push(u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX));
                    }
                    _ => failed += 1,
                }
            }
            (micros, failed)
        }));
    }
    collect(tasks, started).await
}

async fn collect(
    tasks: Vec<tokio::task::JoinHandle<(Vec<u64>, usize)>>,
    started: Instant,
) -> anyhow::Result<PhaseReport> {
    let (all, failed) = gather(tasks).await?;
    Ok(report(all, failed, started.elapsed()))
}

/// Every client's latencies (microseconds) and failures, put together.
async fn gather(tasks: Vec<tokio::task::JoinHandle<(Vec<u64>, usize)>>) -> anyhow::Result<(Vec<u64>, usize)> {
    let mut all = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (micros, f) = task.await?;
        all.extend(micros);
        failed += f;
    }
    Ok((all, failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let r = report((1..=100).map(|n| n * 1000).collect(), 2, Duration::from_secs(10));
        assert_eq!(r.ok, 100);
        assert_eq!(r.failed, 2);
        assert!((r.per_second - 10.0).abs() < 1e-9);
        assert!((r.p50_ms - 50.0).abs() < 1e-9);
        assert!((r.p99_ms - 99.0).abs() < 1e-9);
    }
}
