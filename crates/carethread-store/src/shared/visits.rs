//! Visit requests: the reason sealed like a message's, written with the
//! message that tells the patient how to book.

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;
use crate::visits::{NewVisitRequest, VisitKind, VisitRequest, VisitRequestId, VisitStatus};

const SELECT: &str = "SELECT v.id, v.thread_id, v.patient_id, v.kind, v.reason, v.key_id, v.requested_by, \
     v.requested_at, v.status, v.updated_at, p.display_name AS patient_name, p.role AS patient_role, \
     r.display_name AS requester_name, r.role AS requester_role FROM visit_requests v \
     JOIN users p ON p.id = v.patient_id JOIN users r ON r.id = v.requested_by";

fn visit_from_row<R: DialectRow>(row: &R, keys: &Keyring) -> StoreResult<VisitRequest> {
    let id: &str = row.get_v("id")?;
    let slot = Slot { table: "visit_requests", column: "reason", row: id };
    let reason = keys.open_text(row.get_v("key_id")?, slot, row.get_v("reason")?)?;
    let patient: UserId = parse_id(row.get_v::<&str, _>("patient_id")?)?;
    let requester: UserId = parse_id(row.get_v::<&str, _>("requested_by")?)?;
    Ok(VisitRequest {
        id: parse_id(id)?,
        thread_id: parse_id(row.get_v::<&str, _>("thread_id")?)?,
        patient: person(patient, row.get_v("patient_name")?, row.get_v("patient_role")?)?,
        kind: VisitKind::parse(row.get_v("kind")?)?,
        reason,
        requested_by: person(requester, row.get_v("requester_name")?, row.get_v("requester_role")?)?,
        requested_at: at(row.get_v("requested_at")?)?,
        status: VisitStatus::parse(row.get_v("status")?)?,
        updated_at: at(row.get_v("updated_at")?)?,
    })
}

#[async_trait]
impl<B: Backend> crate::VisitRequests for B {
    async fn request_visit(&self, new: NewVisitRequest) -> StoreResult<Written> {
        let sql = self.sql();
        let id = new.id.to_string();
        let slot = Slot { table: "visit_requests", column: "reason", row: &id };
        let (key_id, reason) = sql.keys.seal_text(slot, &new.reason)?;
        let now = new.message.now;
        sql.audited(async |conn| {
            sqlx::query::<B::D>(
                "INSERT INTO visit_requests (id, thread_id, patient_id, kind, reason, key_id, requested_by, \
                 requested_at, status, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $8)",
            )
            .bind_v(&id)
            .bind_v(new.thread_id.to_string())
            .bind_v(new.patient_id.to_string())
            .bind_v(new.kind.as_str())
            .bind_v(&reason)
            .bind_v(key_id)
            .bind_v(new.requested_by.to_string())
            .bind_v(ms(now))
            .execute_with(&mut *conn)
            .await?;
            let outcome = Sql::<B::D>::write_message(conn, &sql.keys, &new.message, None).await?;
            let done = Audited::new(outcome.written, with_target(&new.audit, "visit_request", &id));
            Ok(match outcome.event {
                Some(event) => done.publishing(event),
                None => done,
            })
        })
        .await
    }

    async fn visit_requests(&self, status: Option<VisitStatus>, limit: u32) -> StoreResult<Vec<VisitRequest>> {
        let sql = self.sql();
        let rows = sqlx::query::<B::D>(&format!(
            "{SELECT} WHERE ($1 IS NULL OR v.status = $1) ORDER BY v.requested_at, v.id LIMIT $2"
        ))
        .bind_v(status.map(VisitStatus::as_str))
        .bind_v(i64::from(limit))
        .fetch_all_with(&sql.read)
        .await?;
        sql.decode(|keys| rows.iter().map(|row| visit_from_row(row, keys)).collect()).await
    }

    async fn visit_request(&self, id: VisitRequestId) -> StoreResult<Option<VisitRequest>> {
        self.sql().decoded_one(&format!("{SELECT} WHERE v.id = $1"), id.to_string(), visit_from_row).await
    }

    async fn set_visit_status(&self, id: VisitRequestId, status: VisitStatus, audit: AuditEvent) -> StoreResult<bool> {
        let now = audit.at;
        let sql = self.sql();
        let id = id.to_string();
        sql.audited(async |conn| {
            let changed = sqlx::query::<B::D>("UPDATE visit_requests SET status = $2, updated_at = $3 WHERE id = $1")
                .bind_v(&id)
                .bind_v(status.as_str())
                .bind_v(ms(now))
                .execute_with(&mut *conn)
                .await?
                .rows_affected();
            if changed == 0 {
                return Ok(Audited::unchanged(false));
            }
            Ok(Audited::new(true, with_target(std::slice::from_ref(&audit), "visit_request", &id)))
        })
        .await
    }
}
