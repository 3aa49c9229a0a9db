//! Threads: who may see them (facts read with the data), starting them,
//! moving them between pools and people, and listing them.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::{ThreadId, UserId};
use carethread_core::policy::{Actor, PatientFacts, ThreadFacts};
use carethread_core::thread::{Thread, ThreadPatch};
use chrono::{DateTime, Utc};

use crate::{NewThread, StoreResult, ThreadChange, ThreadFilter, ThreadSummary, ThreadUpdate, Written};

/// Threads. Every change is written with its audit entries in one transaction.
#[async_trait]
pub trait Threads: Send + Sync {
    /// How `actor` relates to the patient `patient_id`; `None` when there is no such patient.
    async fn patient_facts(&self, actor: Actor, patient_id: UserId) -> StoreResult<Option<PatientFacts>>;
    /// The thread and how `actor` relates to it; `None` when there is no such thread.
    async fn thread_facts(
        &self,
        actor: Actor,
        id: ThreadId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Thread, ThreadFacts)>>;
    /// Creates a thread with its first message and triage result, atomically.
    /// With an idempotency key already used by the same user, stores nothing
    /// and returns what the first request created.
    async fn create_thread(&self, new: NewThread) -> StoreResult<Written>;
    /// Changes a thread's status, pool, assignee, replies or confidentiality:
    /// [`Threads::update_thread_with_note`] without a note.
    async fn update_thread(
        &self,
        id: ThreadId,
        patch: &ThreadPatch,
        now: DateTime<Utc>,
        audit: &[AuditEvent],
    ) -> StoreResult<Thread> {
        Ok(self.update_thread_with_note(ThreadUpdate { id, patch, note: None, now, audit }).await?.thread)
    }
    /// [`Threads::update_thread`] and, with a note, an internal note on the
    /// thread, in one transaction with both's audit entries: the change and
    /// the note are stored together or not at all (a forward never lands
    /// without the note that explains it).
    async fn update_thread_with_note(&self, update: ThreadUpdate<'_>) -> StoreResult<ThreadChange>;
    /// Threads `actor` may see, newest activity first.
    async fn list_threads(
        &self,
        actor: Actor,
        filter: &ThreadFilter,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ThreadSummary>>;
    /// The database's plan for the statement [`Self::list_threads`] runs
    /// with these arguments, one line per step: what an operator reads when
    /// an in-basket is slow, and what the plan tests check.
    async fn explain_list_threads(
        &self,
        actor: Actor,
        filter: &ThreadFilter,
        now: DateTime<Utc>,
    ) -> StoreResult<String>;
    /// A thread with its people, pool and latest triage result.
    async fn thread_summary(&self, actor: Actor, id: ThreadId) -> StoreResult<Option<ThreadSummary>>;
}
