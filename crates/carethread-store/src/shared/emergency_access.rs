//! Break-the-glass: opening emergency access to a patient's record.

use super::prelude::*;

impl<D: Dialect> Sql<D> {
    pub(crate) async fn write_emergency_access(
        &self,
        user: UserId,
        patient: UserId,
        reason: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let id = new_id().to_string();
        let key_id = self.keys.active();
        let sealed =
            self.keys.seal_text_with(key_id, Slot { table: "emergency_access", column: "reason", row: &id }, reason)?;
        let event = ThreadEvent {
            kind: EventKind::BreakGlass,
            thread_id: audit
                .target
                .as_deref()
                .and_then(|t| t.strip_prefix("thread:"))
                .and_then(|t| t.parse().ok())
                .unwrap_or_else(|| ThreadId::from_uuid(Uuid::nil())),
            message_id: None,
            internal: true,
            alert: true,
            at: now,
        };
        self.audited(async |conn| {
            sqlx::query::<D>(
                "INSERT INTO emergency_access (id, user_id, patient_id, reason, key_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind_v(&id)
            .bind_v(user.to_string())
            .bind_v(patient.to_string())
            .bind_v(sealed)
            .bind_v(key_id)
            .bind_v(ms(now))
            .bind_v(ms(expires_at))
            .execute_with(&mut *conn)
            .await?;
            Ok(Audited::new((), vec![audit.clone()]).publishing(event))
        })
        .await
    }
}
