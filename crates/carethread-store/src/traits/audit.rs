//! The audit log: append-only and hash-chained.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;

use crate::{AuditQuery, AuditRecord, AuditVerification, StoreResult};

/// Reading, verifying and (for entries that go with no other write) appending to the audit log.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends entries on their own (reads, sign-in refusals, denials).
    async fn record_audit(&self, events: Vec<AuditEvent>) -> StoreResult<()>;
    /// Entries, newest first.
    async fn audit_entries(&self, query: &AuditQuery) -> StoreResult<Vec<AuditRecord>>;
    /// Walks the hash chain from the first entry.
    async fn verify_audit(&self) -> StoreResult<AuditVerification>;
}
