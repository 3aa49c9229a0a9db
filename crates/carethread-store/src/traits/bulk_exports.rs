//! FHIR Bulk Data exports: asked for, worked through by a job, read back.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::ExportId;
use chrono::{DateTime, Utc};

use crate::{BulkExport, NewJob, StoreResult};

#[async_trait]
pub trait BulkExports: Send + Sync {
    /// Records an export asked for (in progress, no files) with the job that
    /// works it and its audit entry; exports expired by `export.created_at`
    /// are deleted with their files.
    async fn start_bulk_export(&self, export: &BulkExport, job: NewJob, audit: &AuditEvent) -> StoreResult<()>;
    async fn bulk_export(&self, id: ExportId) -> StoreResult<Option<BulkExport>>;
    /// Adds one file (NDJSON, sealed as it is stored), or replaces it when a
    /// retried job writes it again.
    async fn add_bulk_export_file(&self, id: ExportId, resource_type: &str, part: u32, ndjson: &str)
    -> StoreResult<()>;
    /// Marks the export completed, or failed with why (no PHI).
    async fn finish_bulk_export(&self, id: ExportId, failure: Option<&str>, now: DateTime<Utc>) -> StoreResult<()>;
    /// One file's NDJSON; `None` when there is no such file.
    async fn bulk_export_file(&self, id: ExportId, resource_type: &str, part: u32) -> StoreResult<Option<String>>;
    /// Deletes an export and its files; `false` when there was none.
    async fn delete_bulk_export(&self, id: ExportId) -> StoreResult<bool>;
}
