//! Threads and their messages: who may see them (facts read with the data),
//! writing them, moving them between pools and people, triage results, read
//! receipts and attachments.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::{AttachmentId, MessageId, ThreadId, UserId};
use carethread_core::policy::{Actor, PatientFacts, ThreadFacts};
use carethread_core::thread::{Thread, ThreadPatch};
use chrono::{DateTime, Utc};

use crate::{
    AttachmentView, MessageView, NewMessage, NewNote, NewThread, PersonRef, StoreResult, ThreadChange, ThreadFilter,
    ThreadSummary, TriageOverride, TriageRecord, TriageStats, Written,
};

/// Threads and messages. Every change is written with its audit entries in one transaction.
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
    /// Adds a message (and its attachments) to a thread, atomically, moving the
    /// thread's status and activity time. Idempotent like [`Threads::create_thread`].
    async fn add_message(&self, new: NewMessage) -> StoreResult<Written>;
    /// Changes a thread's status, pool, assignee, replies or confidentiality.
    async fn update_thread(
        &self,
        id: ThreadId,
        patch: &ThreadPatch,
        now: DateTime<Utc>,
        audit: &[AuditEvent],
    ) -> StoreResult<Thread>;
    /// [`Threads::update_thread`] and, with `note`, an internal note on the
    /// thread, in one transaction with both's audit entries: the change and
    /// the note are stored together or not at all (a forward never lands
    /// without the note that explains it).
    async fn update_thread_with_note(
        &self,
        id: ThreadId,
        patch: &ThreadPatch,
        note: Option<&NewNote>,
        now: DateTime<Utc>,
        audit: &[AuditEvent],
    ) -> StoreResult<ThreadChange>;
    /// Threads `actor` may see, newest activity first.
    async fn list_threads(
        &self,
        actor: Actor,
        filter: &ThreadFilter,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ThreadSummary>>;
    /// A thread with its people, pool and latest triage result.
    async fn thread_summary(&self, actor: Actor, id: ThreadId) -> StoreResult<Option<ThreadSummary>>;
    async fn latest_triage(&self, id: ThreadId) -> StoreResult<Option<(TriageRecord, DateTime<Utc>)>>;
    /// Re-triages a thread by hand: moves it and records who did it, atomically.
    async fn override_triage(&self, change: &TriageOverride) -> StoreResult<Thread>;
    /// Triage results by model, reviews asked for, and overrides.
    async fn triage_stats(&self) -> StoreResult<TriageStats>;
    /// Messages of a thread, oldest first, with authors, attachments and read receipts.
    async fn messages(&self, id: ThreadId, include_internal: bool) -> StoreResult<Vec<MessageView>>;
    /// One message with its author, attachments and read receipts.
    async fn message(
        &self,
        thread: ThreadId,
        id: MessageId,
        include_internal: bool,
    ) -> StoreResult<Option<MessageView>>;
    /// Records that `reader` has now read every message in the thread they may see.
    async fn mark_read(
        &self,
        id: ThreadId,
        reader: UserId,
        include_internal: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// The first read receipt at or after `since`, on any message of the
    /// thread, by one of `readers`: who opened it and when. (An after-hours
    /// emergency shows staff whether on-call has seen it.)
    async fn first_read_among(
        &self,
        id: ThreadId,
        readers: &[UserId],
        since: DateTime<Utc>,
    ) -> StoreResult<Option<(PersonRef, DateTime<Utc>)>>;
    /// An attachment's description and bytes, if it belongs to the thread.
    /// Internal-note attachments are returned only with `include_internal`.
    async fn attachment(
        &self,
        thread: ThreadId,
        id: AttachmentId,
        include_internal: bool,
    ) -> StoreResult<Option<(AttachmentView, Vec<u8>)>>;
}
