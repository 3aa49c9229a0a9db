//! Sign-in state and sessions: failed attempts and lock-outs, signing in, the
//! session of a request, ending sessions, and the second factor (the TOTP
//! secret, used time steps and recovery codes).

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;

use crate::{LoginState, MfaChange, MfaRecord};

impl<D: Dialect> Sql<D> {
    /// Inserts a signed-in session.
    pub(crate) async fn insert_session(conn: &mut D::Connection, session: &SessionRecord) -> StoreResult<()> {
        sqlx::query::<D>(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, mfa_passed, scopes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind_v(&session.token_hash)
        .bind_v(session.user_id.to_string())
        .bind_v(ms(session.created_at))
        .bind_v(ms(session.last_seen_at))
        .bind_v(ms(session.expires_at))
        .bind_v(session.mfa_passed)
        .bind_v(session.scopes.as_deref())
        .execute_with(&mut *conn)
        .await?;
        Ok(())
    }
}

#[async_trait]
impl<B: Backend> crate::Sessions for B {
    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()> {
        let mut conn = self.sql().write.acquire().await?;
        Sql::<B::D>::insert_session(&mut conn, session).await
    }

    async fn login_state(&self, user: UserId) -> StoreResult<Option<LoginState>> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>("SELECT failed_logins, locked_until, mfa_enabled FROM users WHERE id = $1")
            .bind_v(user.to_string())
            .fetch_optional_with(&sql.read)
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

    async fn record_login_failure(
        &self,
        user: UserId,
        lock: &(dyn Fn(i64) -> Option<DateTime<Utc>> + Sync),
        audit: &AuditEvent,
    ) -> StoreResult<LoginState> {
        let sql = self.sql();
        sql.audited(async |conn| {
            let failed: i64 = sqlx::query::<B::D>(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
            )
            .bind_v(user.to_string())
            .fetch_scalar_with(&mut *conn)
            .await?;
            let locked_until = lock(failed);
            if let Some(until) = locked_until {
                sqlx::query::<B::D>("UPDATE users SET locked_until = $2 WHERE id = $1")
                    .bind_v(user.to_string())
                    .bind_v(ms(until))
                    .execute_with(&mut *conn)
                    .await?;
            }
            let mfa_enabled: bool = sqlx::query::<B::D>("SELECT mfa_enabled FROM users WHERE id = $1")
                .bind_v(user.to_string())
                .fetch_scalar_with(&mut *conn)
                .await?;
            let state = LoginState { failed_logins: failed, locked_until, mfa_enabled };
            Ok(Audited::new(state, vec![audit.clone()]))
        })
        .await
    }

    async fn record_login_success(&self, session: &SessionRecord, audit: &AuditEvent) -> StoreResult<bool> {
        let sql = self.sql();
        sql.audited(async |conn| {
            let cleared = sqlx::query::<B::D>(
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
            Sql::<B::D>::insert_session(conn, session).await?;
            Ok(Audited::new(true, vec![audit.clone()]))
        })
        .await
    }

    async fn end_sessions(&self, user: UserId, only: Option<&str>, audit: &AuditEvent) -> StoreResult<u64> {
        let sql = self.sql();
        sql.audited(async |conn| {
            let ended = sqlx::query::<B::D>("DELETE FROM sessions WHERE user_id = $1 AND ($2 = '' OR token_hash = $2)")
                .bind_v(user.to_string())
                .bind_v(only.unwrap_or(""))
                .execute_with(&mut *conn)
                .await?
                .rows_affected();
            // Everywhere means the apps she connected too: an app connected by
            // someone who learnt her password must not outlive this.
            if only.is_none() {
                Sql::<B::D>::end_connections(conn, "user_id = $1", user.to_string(), audit.at).await?;
            }
            Ok(Audited::new(ended, vec![audit.clone()]))
        })
        .await
    }

    async fn mfa(&self, user: UserId) -> StoreResult<Option<MfaRecord>> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>(
            "SELECT id, mfa_secret, mfa_key_id, mfa_enabled, mfa_last_step FROM users WHERE id = $1",
        )
        .bind_v(user.to_string())
        .fetch_optional_with(&sql.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let Some(stored) = row.get_v::<Option<String>, _>("mfa_secret")? else { return Ok(None) };
        let id: String = row.get_v("id")?;
        let key: Option<i64> = row.get_v("mfa_key_id")?;
        let secret = sql
            .decode(|keys| {
                use base64::Engine as _;
                let text =
                    keys.open_text(key, Slot { table: "users", column: "mfa_secret", row: &id }, stored.clone())?;
                base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(text.as_bytes())
                    .map_err(|_| StoreError::Corrupt("mfa secret".into()))
            })
            .await?;
        Ok(Some(MfaRecord { secret, enabled: row.get_v("mfa_enabled")?, last_step: row.get_v("mfa_last_step")? }))
    }

    async fn set_mfa_secret(&self, user: UserId, secret: &[u8], audit: &AuditEvent) -> StoreResult<()> {
        use base64::Engine as _;
        let sql = self.sql();
        let id = user.to_string();
        let text = base64::engine::general_purpose::STANDARD_NO_PAD.encode(secret);
        let (key_id, sealed) = sql.keys.seal_text(Slot { table: "users", column: "mfa_secret", row: &id }, &text)?;
        sql.audited(async |conn| {
            sqlx::query::<B::D>(
                "UPDATE users SET mfa_secret = $2, mfa_key_id = $3, mfa_enabled = FALSE, mfa_last_step = NULL WHERE id = $1",
            )
            .bind_v(&id)
            .bind_v(sealed)
            .bind_v(key_id)
            .execute_with(&mut *conn)
            .await?;
            sqlx::query::<B::D>("DELETE FROM recovery_codes WHERE user_id = $1").bind_v(&id).execute_with(&mut *conn).await?;
            Ok(Audited::new((), vec![audit.clone()]))
        })
        .await
    }

    async fn set_mfa_enabled(&self, change: &MfaChange, audit: &AuditEvent) -> StoreResult<()> {
        let sql = self.sql();
        let &MfaChange { user, enabled, ref recovery_hashes, ref keep_session } = change;
        let id = user.to_string();
        sql.audited(async |conn| {
            // Turning the second factor on or off ends every other session: one
            // opened with the password alone must not gain (or keep) access.
            sqlx::query::<B::D>("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind_v(&id)
                .bind_v(keep_session)
                .execute_with(&mut *conn)
                .await?;
            sqlx::query::<B::D>("UPDATE sessions SET mfa_passed = $2 WHERE token_hash = $1")
                .bind_v(keep_session)
                .bind_v(enabled)
                .execute_with(&mut *conn)
                .await?;
            if enabled {
                sqlx::query::<B::D>("UPDATE users SET mfa_enabled = TRUE WHERE id = $1").bind_v(&id).execute_with(&mut *conn).await?;
            } else {
                sqlx::query::<B::D>(
                    "UPDATE users SET mfa_enabled = FALSE, mfa_secret = NULL, mfa_key_id = NULL, mfa_last_step = NULL WHERE id = $1",
                )
                .bind_v(&id)
                .execute_with(&mut *conn)
                .await?;
            }
            sqlx::query::<B::D>("DELETE FROM recovery_codes WHERE user_id = $1").bind_v(&id).execute_with(&mut *conn).await?;
            for hash in recovery_hashes {
                sqlx::query::<B::D>("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind_v(&id)
                    .bind_v(hash)
                    .execute_with(&mut *conn)
                    .await?;
            }
            Ok(Audited::new((), vec![audit.clone()]))
        })
        .await
    }

    async fn accept_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool> {
        let sql = self.sql();
        let done = sqlx::query::<B::D>(
            "UPDATE users SET mfa_last_step = $2 WHERE id = $1 AND (mfa_last_step IS NULL OR mfa_last_step < $2)",
        )
        .bind_v(user.to_string())
        .bind_v(step)
        .execute_with(&sql.write)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    async fn use_recovery_code(&self, user: UserId, hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let sql = self.sql();
        let done = sqlx::query::<B::D>(
            "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind_v(user.to_string())
        .bind_v(hash)
        .bind_v(ms(now))
        .execute_with(&sql.write)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<(SessionRecord, User)>> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>(&format!(
            "SELECT {USER_COLS}, s.token_hash, s.created_at, s.last_seen_at, s.expires_at, s.mfa_passed, s.scopes, u.mfa_enabled \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
        ))
        .bind_v(token_hash)
        .fetch_optional_with(&sql.read)
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
            scopes: row.get_v("scopes")?,
        };
        Ok(Some((session, user)))
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let sql = self.sql();
        sqlx::query::<B::D>("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
            .bind_v(token_hash)
            .bind_v(ms(now))
            .execute_with(&sql.write)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let sql = self.sql();
        sqlx::query::<B::D>("DELETE FROM sessions WHERE token_hash = $1")
            .bind_v(token_hash)
            .execute_with(&sql.write)
            .await?;
        Ok(())
    }
}
