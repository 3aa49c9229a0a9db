//! The worker every server runs: claims the jobs that are due, runs each,
//! and finishes, retries (with exponential backoff) or dead-letters it.

use std::time::Duration;

use carethread_store::{ClaimedJob, JobEffects};
use chrono::{DateTime, TimeDelta, Utc};

use super::Job;
use crate::App;

/// How long a claimed job is held before another worker may take it.
const LEASE: TimeDelta = TimeDelta::seconds(60);
/// Most jobs claimed at once.
const BATCH: u32 = 32;
/// Runs before a failing job is set aside for an administrator.
pub const MAX_ATTEMPTS: u32 = 8;
/// How often an idle worker looks for due jobs.
const POLL: Duration = Duration::from_millis(500);

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub done: usize,
    pub retried: usize,
    pub dead: usize,
}

/// How a job's run ended.
pub(crate) enum Outcome {
    Done(JobEffects),
    /// May succeed later: run again after a backoff.
    Retry(String),
    /// Will not succeed as it is: set aside.
    Fail(String),
}

/// Runs every job due at `now` (the clock is passed in, so tests can move
/// it), until none is left.
pub async fn run_due(app: &App, now: DateTime<Utc>) -> RunSummary {
    let mut summary = RunSummary::default();
    loop {
        let claimed = match app.store.claim_jobs(now, LEASE, BATCH).await {
            Ok(claimed) => claimed,
            Err(err) => {
                tracing::warn!(error = %err, "could not claim jobs");
                return summary;
            }
        };
        if claimed.is_empty() {
            return summary;
        }
        for job in claimed {
            run_one(app, job, now, &mut summary).await;
        }
    }
}

async fn run_one(app: &App, claimed: ClaimedJob, now: DateTime<Utc>, summary: &mut RunSummary) {
    let outcome = match serde_json::from_str::<Job>(&claimed.payload) {
        Ok(job) => super::run(app, &job, now).await,
        Err(_) => Outcome::Fail("the job's payload could not be read".to_owned()),
    };
    let stored = match outcome {
        Outcome::Done(effects) => {
            summary.done += 1;
            app.store.finish_job(claimed.id, now, effects).await
        }
        Outcome::Retry(why) if claimed.attempts < MAX_ATTEMPTS => {
            summary.retried += 1;
            tracing::info!(job.id = %claimed.id, job.kind = %claimed.kind, attempts = claimed.attempts, reason = %why, "job will be retried");
            app.store.retry_job(claimed.id, now + backoff(claimed.attempts), &why).await
        }
        Outcome::Retry(why) | Outcome::Fail(why) => {
            summary.dead += 1;
            tracing::warn!(job.id = %claimed.id, job.kind = %claimed.kind, attempts = claimed.attempts, reason = %why, "job set aside");
            app.store.bury_job(claimed.id, now, &why).await
        }
    };
    if let Err(err) = stored {
        // The lease runs out and the job is run again: at least once.
        tracing::warn!(job.id = %claimed.id, error = %err, "could not record a job's end");
    }
}

/// Waits before run `attempts + 1`: 30 s, 1 min, 2 min, … up to an hour.
#[must_use]
pub fn backoff(attempts: u32) -> TimeDelta {
    let doublings = attempts.saturating_sub(1).min(7);
    (TimeDelta::seconds(30) * (1 << doublings)).min(TimeDelta::hours(1))
}

/// Runs the worker until the process ends: every server runs one.
#[must_use = "the worker runs until the handle is aborted or the process ends"]
pub fn spawn_worker(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        super::overdue::seed(&app, Utc::now()).await;
        super::retention::seed(&app, Utc::now()).await;
        crate::subscriptions::seed(&app, Utc::now()).await;
        loop {
            run_due(&app, Utc::now()).await;
            tokio::time::sleep(POLL).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour() {
        assert_eq!(backoff(1), TimeDelta::seconds(30));
        assert_eq!(backoff(2), TimeDelta::seconds(60));
        assert_eq!(backoff(4), TimeDelta::seconds(240));
        assert_eq!(backoff(8), TimeDelta::hours(1));
        assert_eq!(backoff(30), TimeDelta::hours(1));
    }
}
