//! Replies held back from the patient until released.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::ThreadId;

use crate::held::{HeldReply, HeldReplyId, NewHeldReply, ReleaseHeld};
use crate::{StoreResult, Written};

/// Held and scheduled replies. Only staff read them; the patient's views of a
/// thread read messages, which a held reply is not until it is released.
#[async_trait]
pub trait HeldReplies: Send + Sync {
    /// Holds a reply, with its audit entry and release job, in one transaction.
    async fn hold_reply(&self, new: NewHeldReply) -> StoreResult<HeldReplyId>;

    /// The replies held on a thread, oldest first.
    async fn held_replies(&self, thread: ThreadId) -> StoreResult<Vec<HeldReply>>;

    /// One held reply; `None` once released or cancelled.
    async fn held_reply(&self, id: HeldReplyId) -> StoreResult<Option<HeldReply>>;

    /// Deletes the held reply and writes the message it becomes, with its
    /// notices, audit entries and the release's, in one transaction; the
    /// pending release job is cancelled with it. `None` (and nothing
    /// written) when it was already released or cancelled, so a retried
    /// release never posts twice.
    async fn release_held(&self, release: ReleaseHeld) -> StoreResult<Option<Written>>;

    /// Deletes a held reply and cancels its pending release job (`release_job`
    /// names its dedupe key), with the audit entry; false when there was none.
    async fn cancel_held(&self, id: HeldReplyId, release_job: &str, audit: AuditEvent) -> StoreResult<bool>;
}
