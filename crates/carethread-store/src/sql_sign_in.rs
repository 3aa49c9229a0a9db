// Sign-in state and sessions: failed attempts and lock-outs, signing in,
// the session of a request, and ending sessions. SQL shared by both backends;
// `include!`d by `sqlite.rs` and `postgres.rs` after `sql_store.rs`.

use crate::LoginState;

/// Inserts a signed-in session.
async fn insert_session(conn: &mut Conn, session: &SessionRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, mfa_passed) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&session.token_hash)
    .bind(session.user_id.to_string())
    .bind(ms(session.created_at))
    .bind(ms(session.last_seen_at))
    .bind(ms(session.expires_at))
    .bind(session.mfa_passed)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

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
        self.audited(async |conn| {
            let failed: i64 = sqlx::query_scalar(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
            )
            .bind(user.to_string())
            .fetch_one(&mut *conn)
            .await?;
            let locked_until = lock(failed);
            if let Some(until) = locked_until {
                sqlx::query("UPDATE users SET locked_until = $2 WHERE id = $1")
                    .bind(user.to_string())
                    .bind(ms(until))
                    .execute(&mut *conn)
                    .await?;
            }
            let mfa_enabled: bool = sqlx::query_scalar("SELECT mfa_enabled FROM users WHERE id = $1")
                .bind(user.to_string())
                .fetch_one(&mut *conn)
                .await?;
            let state = LoginState { failed_logins: failed, locked_until, mfa_enabled };
            Ok(Audited::new(state, vec![audit.clone()]))
        })
        .await
    }

    /// Clears failed attempts and starts the session, unless the account was
    /// locked in the meantime (checked in the same statement): then `false`.
    async fn write_login_success(&self, session: &SessionRecord, audit: &AuditEvent) -> StoreResult<bool> {
        self.audited(async |conn| {
            let cleared = sqlx::query(
                "UPDATE users SET failed_logins = 0, locked_until = NULL \
                 WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)",
            )
            .bind(session.user_id.to_string())
            .bind(ms(session.created_at))
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if cleared == 0 {
                return Ok(Audited::unchanged(false));
            }
            insert_session(conn, session).await?;
            Ok(Audited::new(true, vec![audit.clone()]))
        })
        .await
    }

    async fn write_end_sessions(&self, user: UserId, only: Option<&str>, audit: &AuditEvent) -> StoreResult<u64> {
        self.audited(async |conn| {
            let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 = '' OR token_hash = $2)")
                .bind(user.to_string())
                .bind(only.unwrap_or(""))
                .execute(&mut *conn)
                .await?
                .rows_affected();
            Ok(Audited::new(ended, vec![audit.clone()]))
        })
        .await
    }

    async fn read_session(&self, token_hash: &str) -> StoreResult<Option<(SessionRecord, User)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLS}, s.token_hash, s.created_at, s.last_seen_at, s.expires_at, s.mfa_passed, u.mfa_enabled \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        let session = SessionRecord {
            token_hash: row.try_get("token_hash")?,
            user_id: user.id,
            created_at: at(row.try_get("created_at")?)?,
            last_seen_at: at(row.try_get("last_seen_at")?)?,
            expires_at: at(row.try_get("expires_at")?)?,
            mfa_enabled: row.try_get("mfa_enabled")?,
            mfa_passed: row.try_get("mfa_passed")?,
        };
        Ok(Some((session, user)))
    }

    async fn write_session_seen(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(ms(now))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn remove_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
