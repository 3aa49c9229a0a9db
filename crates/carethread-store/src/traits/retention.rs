//! Retention: legal holds on patients, and purging closed conversations
//! past the clinic's retention period.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::{ThreadId, UserId};
use chrono::{DateTime, Utc};

use crate::StoreResult;

/// A patient under legal hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalHold {
    pub patient_id: UserId,
    pub reason: String,
    pub set_by: Option<UserId>,
    pub set_at: DateTime<Utc>,
}

/// Legal holds and the purge of expired conversations. Every change is
/// written with its audit entry in one transaction.
#[async_trait]
pub trait Retention: Send + Sync {
    /// Puts the patient under hold (`Some(reason)`, replacing an earlier
    /// reason) or releases her (`None`); false when releasing a patient who
    /// was not under hold. The audit entry's actor and time are recorded as
    /// who set the hold and when.
    async fn set_legal_hold(&self, patient: UserId, hold: Option<&str>, audit: &AuditEvent) -> StoreResult<bool>;

    /// Every patient under hold.
    async fn legal_holds(&self) -> StoreResult<Vec<LegalHold>>;

    /// Closed threads last changed before `before` whose patient is not
    /// under hold, oldest first, at most `limit`: (thread, patient).
    async fn expired_threads(&self, before: DateTime<Utc>, limit: u32) -> StoreResult<Vec<(ThreadId, UserId)>>;

    /// Deletes the thread with its messages, files, receipts, triage
    /// results, drafts, notices, held replies, visit requests and billing
    /// activity, with `audit`, in one transaction; only if it is still
    /// closed, last changed before `before` and its patient not under hold
    /// (false otherwise: nothing is deleted). The audit log is kept.
    async fn purge_thread(&self, thread: ThreadId, before: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<bool>;
}
