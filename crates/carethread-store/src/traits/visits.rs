//! Threads turned into visits.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;

use crate::visits::{NewVisitRequest, VisitRequest, VisitRequestId, VisitStatus};
use crate::{StoreResult, Written};

/// Visit requests: written with the message that tells the patient how to
/// book (and closes the thread); listed for the front desk and billing.
#[async_trait]
pub trait VisitRequests: Send + Sync {
    /// Stores the request and writes its message, in one transaction.
    async fn request_visit(&self, new: NewVisitRequest) -> StoreResult<Written>;

    /// Requests, oldest first, in one status or any.
    async fn visit_requests(&self, status: Option<VisitStatus>, limit: u32) -> StoreResult<Vec<VisitRequest>>;

    /// One request.
    async fn visit_request(&self, id: VisitRequestId) -> StoreResult<Option<VisitRequest>>;

    /// Marks a request booked or cancelled, with the audit entry; false when
    /// there is no such request.
    async fn set_visit_status(&self, id: VisitRequestId, status: VisitStatus, audit: AuditEvent) -> StoreResult<bool>;
}
