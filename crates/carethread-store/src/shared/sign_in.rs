//! Sign-in state and sessions: failed attempts and lock-outs, signing in, the
//! session of a request, and ending sessions.

use super::prelude::*;

use crate::LoginState;

impl<D: Dialect> Sql<D> {
    /// Inserts a signed-in session.
    pub(crate) async fn insert_session(conn: &mut D::Connection, session: &SessionRecord) -> StoreResult<()> {
        sqlx::query::<D>(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, mfa_passed) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind_v(&session.token_hash)
        .bind_v(session.user_id.to_string())
        .bind_v(ms(session.created_at))
        .bind_v(ms(session.last_seen_at))
        .bind_v(ms(session.expires_at))
        .bind_v(session.mfa_passed)
        .execute_with(&mut *conn)
        .await?;
        Ok(())
    }

    pub(crate) async fn read_login_state(&self, user: UserId) -> StoreResult<Option<LoginState>> {
        let row = sqlx::query::<D>("SELECT failed_logins, locked_until, mfa_enabled FROM users WHERE id = $1")
            .bind_v(user.to_string())
            .fetch_optional_with(&self.read)
            .await?;
        row.map(|row| {
            Ok(LoginState {
                failed_logins: row.get_v("failed_logins")?,
                locked_until: row.get_v::<Option<i64>, _>("locked_until")?.map(at).transpose()?,
                mfa_enabled: row.get_v("mfa_enabled")?,
            })
        })
        .transpose()
    }

    pub(crate) async fn write_login_failure(
        &self,
        user: UserId,
        lock: &(dyn Fn(i64) -> Option<DateTime<Utc>> + Sync),
        audit: &AuditEvent,
    ) -> StoreResult<LoginState> {
        self.audited(async |conn| {
            let failed: i64 = sqlx::query::<D>(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
            )
            .bind_v(user.to_string())
            .fetch_scalar_with(&mut *conn)
            .await?;
            let locked_until = lock(failed);
            if let Some(until) = locked_until {
                sqlx::query::<D>("UPDATE users SET locked_until = $2 WHERE id = $1")
                    .bind_v(user.to_string())
                    .bind_v(ms(until))
                    .execute_with(&mut *conn)
                    .await?;
            }
            let mfa_enabled: bool = sqlx::query::<D>("SELECT mfa_enabled FROM users WHERE id = $1")
                .bind_v(user.to_string())
                .fetch_scalar_with(&mut *conn)
                .await?;
            let state = LoginState { failed_logins: failed, locked_until, mfa_enabled };
            Ok(Audited::new(state, vec![audit.clone()]))
        })
        .await
    }

    /// Clears failed attempts and starts the session, unless the account was
    /// locked in the meantime (checked in the same statement): then `false`.
    pub(crate) async fn write_login_success(&self, session: &SessionRecord, audit: &AuditEvent) -> StoreResult<bool> {
        self.audited(async |conn| {
            let cleared = sqlx::query::<D>(
                "UPDATE users SET failed_logins = 0, locked_until = NULL \
                 WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)",
            )
            .bind_v(session.user_id.to_string())
            .bind_v(ms(session.created_at))
            .execute_with(&mut *conn)
            .await?
            .rows_affected();
            if cleared == 0 {
                return Ok(Audited::unchanged(false));
            }
            Self::insert_session(conn, session).await?;
            Ok(Audited::new(true, vec![audit.clone()]))
        })
        .await
    }

    pub(crate) async fn write_end_sessions(
        &self,
        user: UserId,
        only: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<u64> {
        self.audited(async |conn| {
            let ended = sqlx::query::<D>("DELETE FROM sessions WHERE user_id = $1 AND ($2 = '' OR token_hash = $2)")
                .bind_v(user.to_string())
                .bind_v(only.unwrap_or(""))
                .execute_with(&mut *conn)
                .await?
                .rows_affected();
            Ok(Audited::new(ended, vec![audit.clone()]))
        })
        .await
    }

    pub(crate) async fn read_session(&self, token_hash: &str) -> StoreResult<Option<(SessionRecord, User)>> {
        let row = sqlx::query::<D>(&format!(
            "SELECT {USER_COLS}, s.token_hash, s.created_at, s.last_seen_at, s.expires_at, s.mfa_passed, u.mfa_enabled \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
        ))
        .bind_v(token_hash)
        .fetch_optional_with(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        let session = SessionRecord {
            token_hash: row.get_v("token_hash")?,
            user_id: user.id,
            created_at: at(row.get_v("created_at")?)?,
            last_seen_at: at(row.get_v("last_seen_at")?)?,
            expires_at: at(row.get_v("expires_at")?)?,
            mfa_enabled: row.get_v("mfa_enabled")?,
            mfa_passed: row.get_v("mfa_passed")?,
        };
        Ok(Some((session, user)))
    }

    pub(crate) async fn write_session_seen(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query::<D>("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
            .bind_v(token_hash)
            .bind_v(ms(now))
            .execute_with(&self.write)
            .await?;
        Ok(())
    }

    pub(crate) async fn remove_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query::<D>("DELETE FROM sessions WHERE token_hash = $1")
            .bind_v(token_hash)
            .execute_with(&self.write)
            .await?;
        Ok(())
    }
}
