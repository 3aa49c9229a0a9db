//! `carethread bench-inbasket --url URL`: how fast the pages a clinic opens
//! all day answer on a running server, typically one serving a large
//! generated clinic (`carethread bench-insights --data-dir DIR` builds one,
//! `carethread demo --data-dir DIR` serves it). Concurrent clients, signed
//! in as a clinician of the demo clinic and as one of its patients, each ask
//! for one kind of page as fast as it answers, for `--seconds` per kind:
//!
//! - the in-basket's first page (`GET /api/v1/threads`, every status, as the
//!   API lists by default) and its open threads (`?status=open`, as the
//!   portal opens);
//! - later pages: each client follows `next_cursor` from the first page to
//!   the tenth and starts again; only the pages after the first are timed;
//! - a thread opened from the first page (`GET /api/v1/threads/{id}`);
//! - the patient's own list.
//!
//! It prints throughput and p50/p95/p99 latency per kind. Because it only
//! talks HTTP, the same command measures a previous build's server too, so
//! two builds can be measured alternately in one run.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::Value;

/// Options for `carethread bench-inbasket`.
#[derive(clap::Args, Debug, Clone)]
pub struct InBasketBenchArgs {
    /// The server to measure, e.g. `http://127.0.0.1:8080`.
    #[arg(long)]
    pub url: String,
    /// Concurrent clients per kind of page.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Seconds per kind of page.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// The clinician whose in-basket is listed.
    #[arg(long, default_value = "rn.kim")]
    pub staff: String,
    /// The patient whose list is read.
    #[arg(long, default_value = "patient.alice")]
    pub patient: String,
    /// The accounts' password.
    #[arg(long, default_value = "demo")]
    pub password: String,
}

/// What one client asks for, over and over.
#[derive(Clone, Copy)]
enum Kind {
    FirstPage,
    OpenFirstPage,
    LaterPages,
    ThreadOpen,
    PatientList,
}

impl Kind {
    const ALL: [Self; 5] =
        [Self::FirstPage, Self::OpenFirstPage, Self::LaterPages, Self::ThreadOpen, Self::PatientList];

    const fn name(self) -> &'static str {
        match self {
            Self::FirstPage => "in-basket, first page (every status)",
            Self::OpenFirstPage => "in-basket, first page (open)",
            Self::LaterPages => "in-basket, pages 2-10 by cursor",
            Self::ThreadOpen => "thread open (staff)",
            Self::PatientList => "patient's thread list",
        }
    }
}

/// Signs in, then times each kind of page in turn.
pub async fn run(args: InBasketBenchArgs) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let base = args.url.trim_end_matches('/').to_owned();
    let staff = super::sign_in_with(&http, &base, &args.staff, &args.password).await?;
    let patient = super::sign_in_with(&http, &base, &args.patient, &args.password).await?;
    let first: Value = get(&http, &format!("{base}/api/v1/threads"), &staff).await?;
    let threads: Vec<String> = first["threads"]
        .as_array()
        .context("no threads in the in-basket")?
        .iter()
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect();
    if threads.is_empty() {
        bail!("{}'s in-basket is empty", args.staff);
    }
    println!(
        "CareThread in-basket benchmark: {base}, {} clients, {} s per kind, as {} and {}",
        args.clients, args.seconds, args.staff, args.patient
    );
    for kind in Kind::ALL {
        let until = Instant::now() + Duration::from_secs(args.seconds);
        let started = Instant::now();
        let mut clients = Vec::new();
        for client in 0..args.clients {
            let (http, base, threads) = (http.clone(), base.clone(), threads.clone());
            let token = if matches!(kind, Kind::PatientList) { patient.clone() } else { staff.clone() };
            clients.push(tokio::spawn(
                async move { one_client(kind, client, &http, &base, &token, &threads, until).await },
            ));
        }
        let (mut micros, mut failed) = (Vec::new(), 0);
        for client in clients {
            let (timed, errors) = client.await.context("a client stopped")?;
            micros.extend(timed);
            failed += errors;
        }
        println!("{}: {}", kind.name(), super::report(micros, failed, started.elapsed()));
    }
    Ok(())
}

/// One client's requests until `until`: the time of each timed answer, and
/// how many failed.
async fn one_client(
    kind: Kind,
    client: usize,
    http: &reqwest::Client,
    base: &str,
    token: &str,
    threads: &[String],
    until: Instant,
) -> (Vec<u64>, usize) {
    let (mut micros, mut failed) = (Vec::new(), 0);
    let mut cursor: Option<String> = None;
    let mut page = 0;
    let mut n = client;
    while Instant::now() < until {
        let url = match kind {
            Kind::FirstPage | Kind::PatientList => format!("{base}/api/v1/threads"),
            Kind::OpenFirstPage => format!("{base}/api/v1/threads?status=open"),
            Kind::LaterPages => match &cursor {
                Some(c) => format!("{base}/api/v1/threads?cursor={c}"),
                None => format!("{base}/api/v1/threads"),
            },
            Kind::ThreadOpen => format!("{base}/api/v1/threads/{}", threads[n % threads.len()]),
        };
        n += 1;
        let started = Instant::now();
        let answer = get(http, &url, token).await;
        let took = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let timed = !matches!(kind, Kind::LaterPages) || cursor.is_some();
        if let Ok(body) = answer {
            if timed {
                micros.push(took);
            }
            if matches!(kind, Kind::LaterPages) {
                page += 1;
                cursor = body["next_cursor"].as_str().filter(|_| page < 10).map(str::to_owned);
                if cursor.is_none() {
                    page = 0;
                }
            }
        } else {
            failed += 1;
            cursor = None;
            page = 0;
        }
    }
    (micros, failed)
}

async fn get(http: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Value> {
    let answer = http.get(url).bearer_auth(token).send().await?;
    let status = answer.status();
    if !status.is_success() {
        bail!("{url} answered {status}");
    }
    Ok(answer.json().await?)
}
