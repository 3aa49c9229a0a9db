//! Legal holds, and the purge of closed conversations past the retention
//! period: every row that belongs to the thread goes in one transaction with
//! its audit entry; the audit log itself is append-only and stays.

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;
use crate::LegalHold;

/// Whether the thread is closed, last changed before `$2`, and its patient
/// not under hold: the condition every purge statement repeats.
const STILL_EXPIRED: &str = "SELECT t.id FROM threads t WHERE t.id = $1 AND t.status = 'closed' AND t.updated_at < $2 \
     AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.patient_id = t.patient_id)";

/// The rows of a thread, children first, as the foreign keys require.
const PURGE: &[&str] = &[
    "DELETE FROM message_reads WHERE message_id IN (SELECT m.id FROM messages m WHERE m.thread_id = $1)",
    "DELETE FROM attachments WHERE thread_id = $1",
    "DELETE FROM drafts WHERE thread_id = $1",
    "DELETE FROM triage_results WHERE thread_id = $1",
    "DELETE FROM thread_reads WHERE thread_id = $1",
    "DELETE FROM notices_sent WHERE thread_id = $1",
    "DELETE FROM coverage_moves WHERE thread_id = $1",
    "DELETE FROM coverage_received WHERE thread_id = $1",
    "DELETE FROM held_replies WHERE thread_id = $1",
    "DELETE FROM visit_requests WHERE thread_id = $1",
    "DELETE FROM recorded_visits WHERE thread_id = $1",
    "DELETE FROM billing_pings WHERE thread_id = $1",
    "DELETE FROM billing_threads WHERE thread_id = $1",
    "DELETE FROM messages WHERE thread_id = $1",
    "DELETE FROM threads WHERE id = $1",
];

#[async_trait]
impl<B: Backend> crate::Retention for B {
    async fn set_legal_hold(&self, patient: UserId, hold: Option<&str>, audit: &AuditEvent) -> StoreResult<bool> {
        let (now, by) = (audit.at, audit.actor_id);
        let audit = with_target(std::slice::from_ref(audit), "user", &patient.to_string());
        self.sql()
            .audited(async |conn| {
                let done = match hold {
                    Some(reason) => {
                        sqlx::query::<B::D>(
                            "INSERT INTO legal_holds (patient_id, reason, set_by, set_at) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (patient_id) DO UPDATE SET reason = $2, set_by = $3, set_at = $4",
                        )
                        .bind_v(patient.to_string())
                        .bind_v(reason)
                        .bind_v(by.map(|b| b.to_string()))
                        .bind_v(ms(now))
                        .execute_with(&mut *conn)
                        .await?
                    }
                    None => {
                        sqlx::query::<B::D>("DELETE FROM legal_holds WHERE patient_id = $1")
                            .bind_v(patient.to_string())
                            .execute_with(&mut *conn)
                            .await?
                    }
                };
                if done.rows_affected() == 0 {
                    return Ok(Audited::unchanged(false));
                }
                Ok(Audited::new(true, audit.clone()))
            })
            .await
    }

    async fn legal_holds(&self) -> StoreResult<Vec<LegalHold>> {
        let rows = sqlx::query::<B::D>(
            "SELECT patient_id, reason, set_by, set_at FROM legal_holds ORDER BY set_at, patient_id",
        )
        .fetch_all_with(&self.sql().read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(LegalHold {
                    patient_id: parse_id(row.get_v::<&str, _>("patient_id")?)?,
                    reason: row.get_v("reason")?,
                    set_by: opt_id(row.get_v::<Option<&str>, _>("set_by")?)?,
                    set_at: at(row.get_v("set_at")?)?,
                })
            })
            .collect()
    }

    async fn expired_threads(&self, before: DateTime<Utc>, limit: u32) -> StoreResult<Vec<(ThreadId, UserId)>> {
        let rows = sqlx::query::<B::D>(
            "SELECT t.id, t.patient_id FROM threads t WHERE t.status = 'closed' AND t.updated_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.patient_id = t.patient_id) \
             ORDER BY t.updated_at, t.id LIMIT $2",
        )
        .bind_v(ms(before))
        .bind_v(i64::from(limit))
        .fetch_all_with(&self.sql().read)
        .await?;
        rows.iter()
            .map(|row| Ok((parse_id(row.get_v::<&str, _>("id")?)?, parse_id(row.get_v::<&str, _>("patient_id")?)?)))
            .collect()
    }

    async fn purge_thread(&self, thread: ThreadId, before: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<bool> {
        let audit = with_target(std::slice::from_ref(audit), "thread", &thread.to_string());
        self.sql()
            .audited(async |conn| {
                // Checked again inside the transaction: a thread reopened, or
                // a hold set, since the sweep listed it is left alone.
                let still = sqlx::query::<B::D>(STILL_EXPIRED)
                    .bind_v(thread.to_string())
                    .bind_v(ms(before))
                    .fetch_optional_with(&mut *conn)
                    .await?;
                if still.is_none() {
                    return Ok(Audited::unchanged(false));
                }
                for statement in PURGE {
                    sqlx::query::<B::D>(statement).bind_v(thread.to_string()).execute_with(&mut *conn).await?;
                }
                Ok(Audited::new(true, audit.clone()))
            })
            .await
    }
}
