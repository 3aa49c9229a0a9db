//! What a send phase cost: CPU time per acknowledged send, of this process
//! (the server and the load clients, which share it) and of the database
//! server's processes (PostgreSQL's backends; SQLite runs inside this
//! process), read from `/proc` before and after; and on PostgreSQL how often
//! the database's active backends were found waiting on a lock (sampled
//! every 20 ms from `pg_stat_activity`), which shows whether one row
//! serialises the writes.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// CPU seconds of this process and of the PostgreSQL server's processes.
#[derive(Debug, Clone, Copy, Default)]
struct Cpu {
    own: f64,
    database: f64,
}

/// Clock ticks per second of `/proc`'s times (`getconf CLK_TCK`, 100 on Linux).
fn ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

/// User plus system ticks from a `/proc/<pid>/stat` line (the fields after
/// the command name, which may hold spaces, in parentheses).
fn stat_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // Fields 14 and 15 of the line are the 12th and 13th after the name.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn read_cpu() -> Cpu {
    let tick = ticks_per_second();
    let own = std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| stat_ticks(&s)).unwrap_or(0);
    let mut database = 0u64;
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let path = entry.path();
            let is_pid =
                path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
            if !is_pid || std::fs::read_to_string(path.join("comm")).map_or(true, |c| c.trim() != "postgres") {
                continue;
            }
            database += std::fs::read_to_string(path.join("stat")).ok().and_then(|s| stat_ticks(&s)).unwrap_or(0);
        }
    }
    #[expect(clippy::cast_precision_loss, reason = "tick counts are far below 2^52")]
    Cpu { own: own as f64 / tick, database: database as f64 / tick }
}

/// The lock sampler: its stop flag, and its task answering (waiting, active) sample counts.
type Sampler = (Arc<AtomicBool>, tokio::task::JoinHandle<(u64, u64)>);

/// A send phase being watched.
pub struct Probe {
    cpu: Cpu,
    sampler: Option<Sampler>,
}

impl Probe {
    /// Starts watching; on PostgreSQL (`url`), samples lock waits on a connection of its own.
    pub async fn start(url: &str) -> Self {
        let sampler = if url.starts_with("postgres") { lock_sampler(url).await } else { None };
        Self { cpu: read_cpu(), sampler }
    }

    /// Stops watching `acknowledged` sends and says what they cost.
    pub async fn finish(self, acknowledged: usize) -> String {
        let after = read_cpu();
        #[expect(clippy::cast_precision_loss, reason = "send counts are far below 2^52")]
        let per_send = |seconds: f64| seconds * 1e6 / acknowledged.max(1) as f64;
        let mut line = format!(
            "CPU per acknowledged send: {:.0} µs in this process (server and clients)",
            per_send(after.own - self.cpu.own)
        );
        if let Some((stop, task)) = self.sampler {
            stop.store(true, Ordering::Relaxed);
            let _ = write!(line, ", {:.0} µs in PostgreSQL", per_send(after.database - self.cpu.database));
            if let Ok((waiting, active)) = task.await {
                #[expect(clippy::cast_precision_loss, reason = "sample counts are small")]
                let share = if active == 0 { 0.0 } else { 100.0 * waiting as f64 / active as f64 };
                let _ =
                    write!(line, "; active backends waiting on a lock: {share:.1}% ({waiting} of {active} sampled)");
            }
        }
        line
    }
}

/// Every 20 ms until stopped: how many of the database's active client
/// backends (other than the sampler's) wait on a lock, and how many are active.
async fn lock_sampler(url: &str) -> Option<Sampler> {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await.ok()?;
    let stop = Arc::new(AtomicBool::new(false));
    let (waiting, active) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let flag = stop.clone();
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        while !flag.load(Ordering::Relaxed) {
            tick.tick().await;
            let row: Result<(i64, i64), _> = sqlx::query_as(
                "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FROM pg_stat_activity \
                 WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid() \
                 AND datname = current_database()",
            )
            .fetch_one(&pool)
            .await;
            if let Ok((w, a)) = row {
                waiting.fetch_add(u64::try_from(w).unwrap_or(0), Ordering::Relaxed);
                active.fetch_add(u64::try_from(a).unwrap_or(0), Ordering::Relaxed);
            }
        }
        (waiting.load(Ordering::Relaxed), active.load(Ordering::Relaxed))
    });
    Some((stop, task))
}

#[cfg(test)]
mod tests {
    use super::stat_ticks;

    #[test]
    fn cpu_ticks_are_read_after_a_command_name_with_spaces() {
        let line = "42 (tokio runtime) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 8 0 123 0 0";
        assert_eq!(stat_ticks(line), Some(325));
        assert_eq!(stat_ticks("garbage"), None);
    }
}
