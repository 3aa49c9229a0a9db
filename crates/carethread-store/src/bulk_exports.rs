//! What the store keeps of a FHIR Bulk Data export.

use carethread_core::ids::{ExportId, PoolId, UserId};
use chrono::{DateTime, Utc};

/// How far an export got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportStatus {
    InProgress,
    Completed,
    Failed(String),
}

/// One file of an export: a resource type's part, and how many lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub resource_type: String,
    pub part: u32,
    pub lines: u64,
}

/// An export as asked for, and its files so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkExport {
    pub id: ExportId,
    pub requested_by: UserId,
    /// A Group (pool) export; `None` for every patient the system may see.
    pub pool: Option<PoolId>,
    /// The resource types asked for.
    pub types: Vec<String>,
    /// Only what changed since then.
    pub since: Option<DateTime<Utc>>,
    /// The kick-off request's address, repeated in the manifest.
    pub request: String,
    pub status: ExportStatus,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub files: Vec<ExportFile>,
}
