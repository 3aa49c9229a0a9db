//! The outbox as administrators see it: the jobs set aside after failing
//! (dead letters: their kind, runs, last error and when), a retry of one
//! (audited with the administrator as actor), and how many jobs wait, run
//! and lie dead, for monitoring. Jobs' payloads are never shown: they are
//! for the worker, and a job's error is worded without PHI.

use carethread_core::audit::AuditAction;
use carethread_core::policy;
use carethread_store::{JobCounts, JobId, JobRecord, JobState, StoreError};
use chrono::Utc;

use crate::{App, AppError, AppResult, Caller};

/// Most jobs one list shows.
pub const LIST_LIMIT: u32 = 200;

/// Refuses everyone but administrators.
pub fn administrators_only(caller: &Caller) -> AppResult<()> {
    if policy::may_administer(caller.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators see and retry the clinic's background jobs".to_owned()))
    }
}

/// Jobs in `state`, newest first, at most [`LIST_LIMIT`] (administrators).
pub async fn jobs_in_state(app: &App, caller: &Caller, state: JobState) -> AppResult<Vec<JobRecord>> {
    administrators_only(caller)?;
    Ok(app.store.jobs_in_state(state, LIST_LIMIT).await?)
}

/// Puts a dead job back to run now, with an audit entry naming the
/// administrator (administrators). `NotFound` when no dead job has this id;
/// `Conflict` when a pending job already does the same work.
pub async fn retry_dead_job(app: &App, caller: &Caller, id: JobId) -> AppResult<()> {
    administrators_only(caller)?;
    let audit = caller.audit(AuditAction::JobRetry);
    match app.store.requeue_dead_job(id, Utc::now(), audit).await {
        Ok(()) => {
            tracing::info!(job.id = %id, "dead job requeued");
            Ok(())
        }
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict("a pending job already does this work".to_owned())),
        Err(err) => Err(err.into()),
    }
}

/// How many jobs are pending, running and dead: for `/metrics`, which
/// answers without a person signed in (counts only).
pub async fn job_counts(app: &App) -> AppResult<JobCounts> {
    Ok(app.store.job_counts().await?)
}
