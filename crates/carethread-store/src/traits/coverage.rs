//! Coverage while a clinician is away: their absence and coverer, and the
//! threads moved to the coverer so they come back when the absence ends.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::coverage::{Absence, Coverer};
use carethread_core::ids::{ThreadId, UserId};
use chrono::{DateTime, Utc};

use crate::{NewJob, StoreResult};

/// What ending coverage did: the threads given back, and those kept by
/// whoever took them (or closed) meanwhile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnedThreads {
    pub returned: Vec<ThreadId>,
    pub kept: Vec<ThreadId>,
}

/// A thread being covered: whose it is while they are away, and where it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoveredThread {
    pub thread: ThreadId,
    /// The away clinician the thread belongs to.
    pub person: UserId,
    pub coverer: Coverer,
}

/// Absences and the threads moved while they last. Every change is written
/// with its audit entries in one transaction.
#[async_trait]
pub trait Coverage: Send + Sync {
    /// A person's absence, in force, to come or just ended; `None` when none is set.
    async fn absence(&self, person: UserId) -> StoreResult<Option<Absence>>;

    /// Every absence set (a short list: one per person at most).
    async fn absences(&self) -> StoreResult<Vec<Absence>>;

    /// Sets (or replaces) a person's absence, with the audit entry and the
    /// jobs that start and end the coverage, in one transaction.
    async fn set_absence(&self, absence: &Absence, audit: &AuditEvent, jobs: Vec<NewJob>) -> StoreResult<()>;

    /// Removes a person's absence, with the audit entry and the jobs that
    /// give their threads back; `false` (and nothing written) when none was set.
    async fn clear_absence(&self, person: UserId, audit: &AuditEvent, jobs: Vec<NewJob>) -> StoreResult<bool>;

    /// Moves the threads assigned to `person` that are not closed to
    /// `coverer` (a colleague, or a pool where they wait unassigned),
    /// remembering each so it can come back; one audit entry per thread,
    /// made from `audit` (and at its time). Answers the threads moved.
    async fn cover_threads(&self, person: UserId, coverer: Coverer, audit: &AuditEvent) -> StoreResult<Vec<ThreadId>>;

    /// Gives `person` back the threads moved to their coverer that are still
    /// where they were moved and not closed (the core's `comes_back`), into
    /// the pool they were in; the others stay. Forgets every move of theirs.
    async fn return_threads(
        &self,
        person: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<ReturnedThreads>;

    /// Which of `threads` are being covered for someone away: moved and
    /// still where they were moved.
    async fn covered_threads(&self, threads: &[ThreadId]) -> StoreResult<Vec<CoveredThread>>;
}
