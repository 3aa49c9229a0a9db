// Sign-in protection and sessions: failed attempts, lock-outs, signing in
// and ending sessions: SQL shared by both backends. `include!`d by `sqlite.rs`
// and `postgres.rs` after `sql_store.rs`.

use crate::LoginState;

impl Backend {
    async fn read_login_state(&self, user: UserId) -> StoreResult<Option<LoginState>> {
        let row = sqlx::query("SELECT failed_logins, locked_until, mfa_enabled FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.map(|row| {
            Ok(LoginState {
                failed_logins: row.try_get("failed_logins")?,
                locked_until: row.try_get::<Option<i64>, _>("locked_until")?.map(at).transpose()?,
                mfa_enabled: row.try_get("mfa_enabled")?,
            })
        })
        .transpose()
    }

    async fn write_login_failure(
        &self,
        user: UserId,
        lock: &(dyn Fn(i64) -> Option<DateTime<Utc>> + Sync),
        audit: &AuditEvent,
    ) -> StoreResult<LoginState> {
        let mut tx = self.write.begin().await?;
        let failed: i64 =
            sqlx::query_scalar("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins")
                .bind(user.to_string())
                .fetch_one(&mut *tx)
                .await?;
        let locked_until = lock(failed);
        if let Some(until) = locked_until {
            sqlx::query("UPDATE users SET locked_until = $2 WHERE id = $1")
                .bind(user.to_string())
                .bind(ms(until))
                .execute(&mut *tx)
                .await?;
        }
        append_audit(&mut tx, &self.keys, std::slice::from_ref(audit)).await?;
        let mfa_enabled: bool = sqlx::query_scalar("SELECT mfa_enabled FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(LoginState { failed_logins: failed, locked_until, mfa_enabled })
    }

    /// Clears failed attempts and starts the session, unless the account was
    /// locked in the meantime (checked in the same statement): then `false`.
    async fn write_login_success(&self, session: &SessionRecord, audit: &AuditEvent) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let cleared = sqlx::query(
            "UPDATE users SET failed_logins = 0, locked_until = NULL \
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)",
        )
        .bind(session.user_id.to_string())
        .bind(ms(session.created_at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if cleared == 0 {
            return Ok(false);
        }
        insert_session(&mut tx, session).await?;
        append_audit(&mut tx, &self.keys, std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn write_end_sessions(&self, user: UserId, only: Option<&str>, audit: &AuditEvent) -> StoreResult<u64> {
        let mut tx = self.write.begin().await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 = '' OR token_hash = $2)")
            .bind(user.to_string())
            .bind(only.unwrap_or(""))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        append_audit(&mut tx, &self.keys, std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(ended)
    }
}
