//! `carethread bench --sign-in-clients N`: what sign-ins cost everything
//! else. Password checks are deliberately expensive (argon2id: tens of
//! milliseconds of CPU and about 19 MiB of memory each), so a burst of them
//! must neither starve the sends nor leave the server holding memory.
//!
//! Phases, each printed:
//! 1. sends alone for half the time, sends alongside N clients signing in
//!    over and over for the whole time, then sends alone again for the other
//!    half (alone is measured on both sides, so a database that grows or a
//!    machine that drifts does not favour either);
//! 2. a burst: N × 4 clients signing in at once for three seconds, no sends;
//! 3. two idle seconds.
//!
//! The process's resident memory (`VmRSS`, sampled every 20 ms from
//! `/proc/self/status`) is printed for each phase, with its high-water mark
//! (`VmHWM`) at the end. The server runs in this process, so the figures
//! include the benchmark's own HTTP clients (a few MB).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::task::JoinHandle;

use super::{PASSWORD, Sender, gather, report, send_phase};

/// How long the sign-in burst lasts.
const BURST: Duration = Duration::from_secs(3);
/// How many times the steady sign-in clients the burst has.
const BURST_FACTOR: usize = 4;

/// The running server and its clients.
pub(super) struct Load<'a> {
    pub http: &'a reqwest::Client,
    pub base: &'a str,
    pub senders: &'a [Sender],
    /// Usernames to sign in as (the sending patients).
    pub patients: &'a [String],
}

/// Runs the phases and prints what each measured.
pub(super) async fn run(load: &Load<'_>, clients: usize, duration: Duration) -> anyhow::Result<()> {
    let at_start = memory().map(|m| m.rss_kb);
    let half = duration / 2;

    let sampler = Sampler::start();
    let (mut alone, mut alone_failed, first) = send_phase(load.http, load.senders, 1, half).await?;
    let alone_peak = sampler.stop();

    let sampler = Sampler::start();
    let signing_since = Instant::now();
    let signing = sign_in_clients(load, clients, signing_since + duration);
    let (with, with_failed, with_elapsed) = send_phase(load.http, load.senders, 2, duration).await?;
    let (signed, sign_failed) = gather(signing).await?;
    let signed_elapsed = signing_since.elapsed();
    let with_peak = sampler.stop();

    let sampler = Sampler::start();
    let (again, again_failed, second) = send_phase(load.http, load.senders, 3, half).await?;
    let alone_peak = alone_peak.max(sampler.stop());
    alone.extend(again);
    alone_failed += again_failed;

    let alone = report(alone, alone_failed, first + second);
    let with = report(with, with_failed, with_elapsed);
    println!("sends (POST /api/v1/threads/{{id}}/messages): {alone}");
    println!("sends with {clients} clients signing in: {with}");
    println!(
        "sign-ins alongside sends (POST /api/v1/session, {clients} clients): {}",
        report(signed, sign_failed, signed_elapsed)
    );
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    println!(
        "sends with sign-ins against alone: throughput {:.2}, p50 {:.2}x, p99 {:.2}x",
        ratio(with.per_second, alone.per_second),
        ratio(with.p50_ms, alone.p50_ms),
        ratio(with.p99_ms, alone.p99_ms),
    );

    let sampler = Sampler::start();
    let burst_since = Instant::now();
    let burst = sign_in_clients(load, clients * BURST_FACTOR, burst_since + BURST);
    let (signed, sign_failed) = gather(burst).await?;
    let signed_elapsed = burst_since.elapsed();
    let burst_peak = sampler.stop();
    println!(
        "sign-in burst ({} clients, no sends): {}",
        clients * BURST_FACTOR,
        report(signed, sign_failed, signed_elapsed)
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = memory();
    println!(
        "server memory (VmRSS, MB): at start {}; peak with sends alone {}; peak with sends and sign-ins {}; peak in the burst {}; idle 2 s after {}; high-water mark (VmHWM) {}",
        mb(at_start),
        mb(alone_peak),
        mb(with_peak),
        mb(burst_peak),
        mb(idle.map(|m| m.rss_kb)),
        mb(idle.map(|m| m.hwm_kb)),
    );
    Ok(())
}

/// Starts `clients` clients, each signing in as its own patient over and
/// over until `deadline`; each answers its successful sign-ins' latencies
/// (µs) and its failures.
fn sign_in_clients(load: &Load<'_>, clients: usize, deadline: Instant) -> Vec<JoinHandle<(Vec<u64>, usize)>> {
    (0..clients)
        .map(|i| {
            let http = load.http.clone();
            let url = format!("{}/api/v1/session", load.base);
            // One client per username: two at once on one account are refused by design.
            let username = load.patients[i % load.patients.len().max(1)].clone();
            tokio::spawn(async move {
                let mut micros = Vec::new();
                let mut failed = 0usize;
                while Instant::now() < deadline {
                    let t0 = Instant::now();
                    let answer =
                        http.post(&url).json(&json!({"username": username, "password": PASSWORD})).send().await;
                    match answer {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            micros.push(u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX));
                        }
                        _ => failed += 1,
                    }
                }
                (micros, failed)
            })
        })
        .collect()
}

/// The process's resident memory now and its high-water mark, in KiB.
#[derive(Debug, Clone, Copy)]
struct Memory {
    rss_kb: u64,
    hwm_kb: u64,
}

/// Reads `VmRSS` and `VmHWM` from `/proc/self/status` (Linux only).
fn memory() -> Option<Memory> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix(':')?;
            rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok()
        })
    };
    Some(Memory { rss_kb: field("VmRSS")?, hwm_kb: field("VmHWM")? })
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or_else(|| "n/a".to_owned(), |kb| format!("{:.0}", kb as f64 / 1024.0))
}

/// Samples `VmRSS` every 20 ms on a thread of its own (so a busy runtime
/// does not delay it) and keeps the peak.
struct Sampler {
    stop: Arc<AtomicBool>,
    peak_kb: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl Sampler {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak_kb = Arc::new(AtomicU64::new(0));
        let (stopping, peak) = (stop.clone(), peak_kb.clone());
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                if let Some(m) = memory() {
                    peak.fetch_max(m.rss_kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Self { stop, peak_kb, thread }
    }

    /// Stops sampling; the peak in KiB (`None` where `/proc` cannot be read).
    fn stop(self) -> Option<u64> {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        let last = memory().map(|m| m.rss_kb);
        Some(self.peak_kb.load(Ordering::Relaxed).max(last?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_read_from_proc_where_there_is_one() {
        if std::path::Path::new("/proc/self/status").exists() {
            let m = memory().expect("VmRSS and VmHWM");
            assert!(m.rss_kb > 0 && m.hwm_kb >= m.rss_kb);
        }
        assert_eq!(mb(Some(2048)), "2");
        assert_eq!(mb(None), "n/a");
    }
}
