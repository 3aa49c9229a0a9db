//! FHIR Bulk Data exports: the request, its progress, and its files (NDJSON,
//! sealed like message bodies), deleted with the export when it expires.

use async_trait::async_trait;
use carethread_core::ids::ExportId;

use super::backend::Backend;
use super::prelude::*;

use crate::{BulkExport, ExportFile, ExportStatus, NewJob};

const EXPORT_COLS: &str =
    "id, requested_by, pool_id, types, since, request, status, error, created_at, completed_at, expires_at";

fn file_id(id: ExportId, resource_type: &str, part: u32) -> String {
    format!("{id}/{resource_type}/{part}")
}

fn export_from_row<R: DialectRow>(row: &R, files: Vec<ExportFile>) -> StoreResult<BulkExport> {
    let status = match row.get_v::<&str, _>("status")? {
        "in_progress" => ExportStatus::InProgress,
        "completed" => ExportStatus::Completed,
        _ => ExportStatus::Failed(row.get_v::<Option<String>, _>("error")?.unwrap_or_default()),
    };
    let types: String = row.get_v("types")?;
    Ok(BulkExport {
        id: parse_id(row.get_v::<&str, _>("id")?)?,
        requested_by: parse_id(row.get_v::<&str, _>("requested_by")?)?,
        pool: opt_id(row.get_v::<Option<&str>, _>("pool_id")?)?,
        types: types.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect(),
        since: row.get_v::<Option<i64>, _>("since")?.map(at).transpose()?,
        request: row.get_v("request")?,
        status,
        created_at: at(row.get_v("created_at")?)?,
        completed_at: row.get_v::<Option<i64>, _>("completed_at")?.map(at).transpose()?,
        expires_at: at(row.get_v("expires_at")?)?,
        files,
    })
}

#[async_trait]
impl<B: Backend> crate::BulkExports for B {
    async fn start_bulk_export(&self, export: &BulkExport, job: NewJob, audit: &AuditEvent) -> StoreResult<()> {
        self.sql()
            .audited(async |conn| {
                sqlx::query::<B::D>(
                    "DELETE FROM bulk_export_files WHERE export_id IN (SELECT id FROM bulk_exports WHERE expires_at <= $1)",
                )
                .bind_v(ms(export.created_at))
                .execute_with(&mut *conn)
                .await?;
                sqlx::query::<B::D>("DELETE FROM bulk_exports WHERE expires_at <= $1")
                    .bind_v(ms(export.created_at))
                    .execute_with(&mut *conn)
                    .await?;
                sqlx::query::<B::D>(&format!(
                    "INSERT INTO bulk_exports ({EXPORT_COLS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'in_progress', NULL, $7, NULL, $8)"
                ))
                .bind_v(export.id.to_string())
                .bind_v(export.requested_by.to_string())
                .bind_v(export.pool.map(|p| p.to_string()))
                .bind_v(export.types.join(","))
                .bind_v(export.since.map(ms))
                .bind_v(export.request.as_str())
                .bind_v(ms(export.created_at))
                .bind_v(ms(export.expires_at))
                .execute_with(&mut *conn)
                .await?;
                let audit = with_target(std::slice::from_ref(audit), "bulk_export", &export.id.to_string());
                Ok(Audited::new((), audit).with_jobs(vec![job]))
            })
            .await
    }

    async fn bulk_export(&self, id: ExportId) -> StoreResult<Option<BulkExport>> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>(&format!("SELECT {EXPORT_COLS} FROM bulk_exports WHERE id = $1"))
            .bind_v(id.to_string())
            .fetch_optional_with(&sql.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let files = sqlx::query::<B::D>(
            "SELECT resource_type, part, lines FROM bulk_export_files WHERE export_id = $1 ORDER BY resource_type, part",
        )
        .bind_v(id.to_string())
        .fetch_all_with(&sql.read)
        .await?
        .iter()
        .map(|r| {
            Ok(ExportFile {
                resource_type: r.get_v("resource_type")?,
                part: u32::try_from(r.get_v::<i64, _>("part")?).map_err(|_| StoreError::Corrupt("part".into()))?,
                lines: u64::try_from(r.get_v::<i64, _>("lines")?).map_err(|_| StoreError::Corrupt("lines".into()))?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        export_from_row(&row, files).map(Some)
    }

    async fn add_bulk_export_file(
        &self,
        id: ExportId,
        resource_type: &str,
        part: u32,
        ndjson: &str,
    ) -> StoreResult<()> {
        let sql = self.sql();
        let row_id = file_id(id, resource_type, part);
        let (key_id, sealed) =
            sql.keys.seal(Slot { table: "bulk_export_files", column: "body", row: &row_id }, ndjson.as_bytes())?;
        sqlx::query::<B::D>(
            "INSERT INTO bulk_export_files (id, export_id, resource_type, part, lines, key_id, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (id) DO UPDATE SET lines = excluded.lines, key_id = excluded.key_id, body = excluded.body",
        )
        .bind_v(&row_id)
        .bind_v(id.to_string())
        .bind_v(resource_type)
        .bind_v(i64::from(part))
        .bind_v(i64::try_from(ndjson.lines().count()).unwrap_or(i64::MAX))
        .bind_v(key_id)
        .bind_v(sealed)
        .execute_with(&sql.write)
        .await?;
        Ok(())
    }

    async fn finish_bulk_export(&self, id: ExportId, failure: Option<&str>, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query::<B::D>("UPDATE bulk_exports SET status = $2, error = $3, completed_at = $4 WHERE id = $1")
            .bind_v(id.to_string())
            .bind_v(if failure.is_some() { "failed" } else { "completed" })
            .bind_v(failure)
            .bind_v(ms(now))
            .execute_with(&self.sql().write)
            .await?;
        Ok(())
    }

    async fn bulk_export_file(&self, id: ExportId, resource_type: &str, part: u32) -> StoreResult<Option<String>> {
        let sql = self.sql();
        let row_id = file_id(id, resource_type, part);
        let row = sqlx::query::<B::D>("SELECT key_id, body FROM bulk_export_files WHERE id = $1")
            .bind_v(&row_id)
            .fetch_optional_with(&sql.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let plain = sql
            .decode(|keys| {
                let slot = Slot { table: "bulk_export_files", column: "body", row: &row_id };
                keys.open(row.get_v("key_id")?, slot, row.get_v("body")?)
            })
            .await?;
        String::from_utf8(plain).map(Some).map_err(|_| StoreError::Corrupt("an export file".into()))
    }

    async fn delete_bulk_export(&self, id: ExportId) -> StoreResult<bool> {
        let sql = self.sql();
        let mut tx = sql.write.begin().await?;
        sqlx::query::<B::D>("DELETE FROM bulk_export_files WHERE export_id = $1")
            .bind_v(id.to_string())
            .execute_with(&mut *tx)
            .await?;
        let deleted = sqlx::query::<B::D>("DELETE FROM bulk_exports WHERE id = $1")
            .bind_v(id.to_string())
            .execute_with(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(deleted > 0)
    }
}
