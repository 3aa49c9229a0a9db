//! The durable outbox: jobs written with the actions that cause them, run by
//! a worker in every server.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::{ThreadId, UserId};
use chrono::{DateTime, Utc};

use crate::StoreResult;
use crate::jobs::{ClaimedJob, JobCounts, JobEffects, JobId, JobRecord, NewJob, SentNotice, WaitingThread};

/// Jobs to run later or elsewhere. At least once: a job is claimed with a
/// lease, and a job whose worker died is claimed again when its lease runs
/// out, so what the outbox acknowledged survives a crash; what a job does
/// must be safe to do twice.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Adds `jobs` on their own (most jobs are written with the action that
    /// causes them instead). A job whose `dedupe_key` a pending job already
    /// holds is not added.
    async fn enqueue_jobs(&self, jobs: Vec<NewJob>) -> StoreResult<()>;

    /// Claims up to `limit` jobs due at `now` (and jobs whose lease ran out),
    /// holding each until `now + lease`. On PostgreSQL several servers claim
    /// at once and never the same job (`FOR UPDATE SKIP LOCKED`).
    async fn claim_jobs(
        &self,
        now: DateTime<Utc>,
        lease: chrono::TimeDelta,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedJob>>;

    /// Marks a claimed job done and, in the same transaction, records what
    /// it did and adds the jobs that follow from it.
    async fn finish_job(&self, id: JobId, now: DateTime<Utc>, effects: JobEffects) -> StoreResult<()>;

    /// Gives a claimed job back to run again at `run_at`, noting why it failed.
    async fn retry_job(&self, id: JobId, run_at: DateTime<Utc>, error: &str) -> StoreResult<()>;

    /// Sets a claimed job aside for good (dead-letter), noting why.
    async fn bury_job(&self, id: JobId, now: DateTime<Utc>, error: &str) -> StoreResult<()>;

    /// Cancels pending jobs with `dedupe_key` (a reminder no longer needed).
    async fn cancel_jobs(&self, dedupe_key: &str, now: DateTime<Utc>) -> StoreResult<u64>;

    /// Jobs in `state` (`dead` for the administrator's list), newest first.
    async fn jobs_in_state(&self, state: crate::jobs::JobState, limit: u32) -> StoreResult<Vec<JobRecord>>;

    /// How many jobs are pending, running and dead.
    async fn job_counts(&self) -> StoreResult<JobCounts>;

    /// Puts a dead job back to run now, with the audit entry of who did it.
    /// `Missing` when no dead job has this id.
    async fn requeue_dead_job(&self, id: JobId, now: DateTime<Utc>, audit: AuditEvent) -> StoreResult<()>;

    /// Notices sent about a thread, oldest first.
    async fn notices_for_thread(&self, thread: ThreadId) -> StoreResult<Vec<SentNotice>>;

    /// When `recipient` was last sent a notice of `kind` (about `thread`, if given).
    async fn last_notice(
        &self,
        recipient: UserId,
        kind: &str,
        thread: Option<ThreadId>,
    ) -> StoreResult<Option<DateTime<Utc>>>;

    /// Open threads waiting for the care team since `waiting_before` or
    /// earlier that have no overdue escalation mark
    /// ([`crate::jobs::OVERDUE_ESCALATED`]) since their wait began, longest
    /// waiting first, at most `limit` (an index on `awaiting_since` keeps it
    /// to the threads that wait).
    async fn waiting_unescalated(&self, waiting_before: DateTime<Utc>, limit: u32) -> StoreResult<Vec<WaitingThread>>;

    /// Open threads escalated to `recipient` as overdue whose wait still
    /// stands (nobody on the care team has replied since), longest waiting
    /// first, at most `limit`: the person's in-app overdue notices.
    async fn overdue_escalations(&self, recipient: UserId, limit: u32) -> StoreResult<Vec<WaitingThread>>;
}
