//! Threads turned into visits: the request the front desk books and billing
//! sees (an e-visit that leads to a visit within 7 days is not billed apart).

use carethread_core::audit::AuditEvent;
use carethread_core::ids::{ThreadId, UserId};
use carethread_core::label_enum;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{NewMessage, PersonRef};

/// A visit request's identifier (a version 7 UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VisitRequestId(Uuid);

impl VisitRequestId {
    /// A new identifier.
    #[must_use]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for VisitRequestId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for VisitRequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for VisitRequestId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

label_enum!(
    /// How the patient is to be seen.
    VisitKind, "kind" {
        InPerson => "in_person",
        Video => "video",
        Phone => "phone",
    }
);

label_enum!(
    /// Where a visit request stands.
    VisitStatus, "status" {
        Open => "open",
        Booked => "booked",
        Cancelled => "cancelled",
    }
);

/// A visit request as the front desk and billing see it.
#[derive(Debug, Clone)]
pub struct VisitRequest {
    pub id: VisitRequestId,
    pub thread_id: ThreadId,
    pub patient: PersonRef,
    pub kind: VisitKind,
    /// Written for the patient to read.
    pub reason: String,
    pub requested_by: PersonRef,
    pub requested_at: DateTime<Utc>,
    pub status: VisitStatus,
    pub updated_at: DateTime<Utc>,
}

/// A thread turned into a visit: the request, and the message that tells
/// the patient how to book (which closes the thread and carries the notice
/// job), written in one transaction with the request's audit entry.
#[derive(Debug)]
pub struct NewVisitRequest {
    pub id: VisitRequestId,
    pub thread_id: ThreadId,
    pub patient_id: UserId,
    pub kind: VisitKind,
    pub reason: String,
    pub requested_by: UserId,
    pub message: NewMessage,
    pub audit: Vec<AuditEvent>,
}
