//! The messages of a thread: adding them, reading them, read receipts and
//! attachments.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::{AttachmentId, MessageId, ThreadId, UserId};
use chrono::{DateTime, Utc};

use crate::{AttachmentView, MessageView, NewMessage, PersonRef, ReadThread, StoreResult, Written};

/// Messages, read receipts and attachments. Every message is written with its
/// audit entries in one transaction.
#[async_trait]
pub trait Messages: Send + Sync {
    /// Adds a message (and its attachments) to a thread, atomically, moving the
    /// thread's status and activity time. Idempotent like [`crate::Threads::create_thread`].
    async fn add_message(&self, new: NewMessage) -> StoreResult<Written>;
    /// Messages of a thread, oldest first, with authors, attachments and read receipts.
    async fn messages(&self, id: ThreadId, include_internal: bool) -> StoreResult<Vec<MessageView>>;
    /// One message with its author, attachments and read receipts.
    async fn message(
        &self,
        thread: ThreadId,
        id: MessageId,
        include_internal: bool,
    ) -> StoreResult<Option<MessageView>>;
    /// The thread a message belongs to (internal notes only with
    /// `include_internal`); `None` when there is no such message. Callers ask
    /// the policy about the thread before showing anything of it.
    async fn message_thread(&self, id: MessageId, include_internal: bool) -> StoreResult<Option<ThreadId>>;
    /// The SHA-256 (lower-case hex) of each attachment of the thread, as
    /// stored when it was uploaded.
    async fn attachment_digests(&self, thread: ThreadId) -> StoreResult<Vec<(AttachmentId, String)>>;
    /// Records that the reader has now read every message of the thread they
    /// may see (see [`ReadThread`]).
    async fn mark_read(&self, read: ReadThread) -> StoreResult<u64> {
        self.record_read(read, Vec::new()).await
    }
    /// Records that the reader opened the thread: `audit` (the reading) and
    /// their receipts on what they had not read, committed together, in one
    /// write a user waits on. Answers how many receipts were left.
    async fn record_read(&self, read: ReadThread, audit: Vec<AuditEvent>) -> StoreResult<u64>;
    /// The first read receipt at or after `since`, on any message of the
    /// thread, by one of `readers`: who opened it and when. (An after-hours
    /// emergency shows staff whether on-call has seen it.)
    async fn first_read_among(
        &self,
        id: ThreadId,
        readers: &[UserId],
        since: DateTime<Utc>,
    ) -> StoreResult<Option<(PersonRef, DateTime<Utc>)>>;
    /// The first member of staff who opened the thread at or after `since`
    /// (an emergency page is acknowledged by whoever opens it first).
    async fn first_staff_read(
        &self,
        id: ThreadId,
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
