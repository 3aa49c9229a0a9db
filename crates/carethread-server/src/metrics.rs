//! Prometheus metrics, kept in memory and rendered as text at `/metrics`:
//! request counts and latency histograms by method, matched route and status,
//! and messages sent.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Latency histogram bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Series {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

/// The process's counters.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
    messages_sent: AtomicU64,
    threads_created: AtomicU64,
    emergencies_triaged: AtomicU64,
    triage_overrides: AtomicU64,
    drafts_generated: AtomicU64,
}

impl Metrics {
    pub fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut map = self.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let series = map.entry((method.to_owned(), route.to_owned(), status)).or_default();
        series.count += 1;
        series.sum_seconds += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                series.buckets[i] += 1;
            }
        }
    }

    pub fn message_sent(&self) {
        self.messages_sent.fetch_add(1, Ordering::Relaxed);
    }

    pub fn thread_created(&self) {
        self.threads_created.fetch_add(1, Ordering::Relaxed);
        self.messages_sent.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a started thread (and an emergency among them); a replayed
    /// start counts nothing.
    pub fn thread_started(&self, urgency: carethread_core::thread::Urgency, replayed: bool) {
        if !replayed {
            self.thread_created();
            if urgency == carethread_core::thread::Urgency::Emergency {
                self.emergency_triaged();
            }
        }
    }

    pub fn emergency_triaged(&self) {
        self.emergencies_triaged.fetch_add(1, Ordering::Relaxed);
    }

    pub fn triage_overridden(&self) {
        self.triage_overrides.fetch_add(1, Ordering::Relaxed);
    }

    pub fn draft_generated(&self) {
        self.drafts_generated.fetch_add(1, Ordering::Relaxed);
    }

    /// Prometheus text exposition format.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        let map = self.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        out.push_str("# HELP carethread_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE carethread_http_requests_total counter\n");
        for ((method, route, status), s) in map.iter() {
            let _ = writeln!(
                out,
                "carethread_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str("# HELP carethread_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE carethread_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), s) in map.iter() {
            let agg = by_route.entry((method, route)).or_default();
            agg.count += s.count;
            agg.sum_seconds += s.sum_seconds;
            for (a, b) in agg.buckets.iter_mut().zip(s.buckets) {
                *a += b;
            }
        }
        for ((method, route), s) in &by_route {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(out, "carethread_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}");
            }
            let _ =
                writeln!(out, "carethread_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "carethread_http_request_duration_seconds_sum{{{labels}}} {}", s.sum_seconds);
            let _ = writeln!(out, "carethread_http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
        out.push_str(
            "# HELP carethread_messages_sent_total Messages stored, including first messages of new threads.\n",
        );
        out.push_str("# TYPE carethread_messages_sent_total counter\n");
        let _ = writeln!(out, "carethread_messages_sent_total {}", self.messages_sent.load(Ordering::Relaxed));
        out.push_str("# HELP carethread_threads_created_total Threads started.\n");
        out.push_str("# TYPE carethread_threads_created_total counter\n");
        let _ = writeln!(out, "carethread_threads_created_total {}", self.threads_created.load(Ordering::Relaxed));
        out.push_str("# HELP carethread_triage_emergencies_total Patient messages triaged as emergencies.\n");
        out.push_str("# TYPE carethread_triage_emergencies_total counter\n");
        let emergencies = self.emergencies_triaged.load(Ordering::Relaxed);
        let _ = writeln!(out, "carethread_triage_emergencies_total {emergencies}");
        out.push_str("# HELP carethread_triage_overrides_total Threads re-triaged by staff.\n");
        out.push_str("# TYPE carethread_triage_overrides_total counter\n");
        let _ = writeln!(out, "carethread_triage_overrides_total {}", self.triage_overrides.load(Ordering::Relaxed));
        out.push_str("# HELP carethread_drafts_generated_total Reply drafts generated for clinicians.\n");
        out.push_str("# TYPE carethread_drafts_generated_total counter\n");
        let _ = writeln!(out, "carethread_drafts_generated_total {}", self.drafts_generated.load(Ordering::Relaxed));
        out
    }
}

/// The outbox's job counts as Prometheus gauges, for `/metrics`.
pub(crate) fn job_gauges(counts: carethread_store::JobCounts) -> String {
    format!(
        "# HELP carethread_jobs Background jobs by state.\n# TYPE carethread_jobs gauge\n\
         carethread_jobs{{state=\"pending\"}} {}\ncarethread_jobs{{state=\"running\"}} {}\n\
         carethread_jobs{{state=\"dead\"}} {}\n",
        counts.pending, counts.running, counts.dead
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let m = Metrics::default();
        m.record_request("GET", "/api/v1/threads", 200, Duration::from_millis(3));
        m.record_request("GET", "/api/v1/threads", 200, Duration::from_millis(30));
        m.message_sent();
        let text = m.render();
        assert!(
            text.contains("carethread_http_requests_total{method=\"GET\",route=\"/api/v1/threads\",status=\"200\"} 2")
        );
        assert!(text.contains("route=\"/api/v1/threads\",le=\"0.005\"} 1"));
        assert!(text.contains("route=\"/api/v1/threads\",le=\"0.05\"} 2"));
        assert!(text.contains("carethread_messages_sent_total 1"));
    }
}
