//! Two-step sign-in (MFA): the TOTP secret, used time steps and recovery
//! codes.

use super::prelude::*;

use crate::MfaRecord;

impl<D: Dialect> Sql<D> {
    pub(crate) async fn read_mfa(&self, user: UserId) -> StoreResult<Option<MfaRecord>> {
        let row =
            sqlx::query::<D>("SELECT id, mfa_secret, mfa_key_id, mfa_enabled, mfa_last_step FROM users WHERE id = $1")
                .bind_v(user.to_string())
                .fetch_optional_with(&self.read)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let Some(stored) = row.get_v::<Option<String>, _>("mfa_secret")? else { return Ok(None) };
        let id: String = row.get_v("id")?;
        let key: Option<i64> = row.get_v("mfa_key_id")?;
        let secret = self
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

    pub(crate) async fn write_mfa_secret(&self, user: UserId, secret: &[u8], audit: &AuditEvent) -> StoreResult<()> {
        use base64::Engine as _;
        let id = user.to_string();
        let key_id = self.keys.active();
        let text = base64::engine::general_purpose::STANDARD_NO_PAD.encode(secret);
        let sealed =
            self.keys.seal_text_with(key_id, Slot { table: "users", column: "mfa_secret", row: &id }, &text)?;
        self.audited(async |conn| {
            sqlx::query::<D>(
                "UPDATE users SET mfa_secret = $2, mfa_key_id = $3, mfa_enabled = FALSE, mfa_last_step = NULL WHERE id = $1",
            )
            .bind_v(&id)
            .bind_v(sealed)
            .bind_v(key_id)
            .execute_with(&mut *conn)
            .await?;
            sqlx::query::<D>("DELETE FROM recovery_codes WHERE user_id = $1").bind_v(&id).execute_with(&mut *conn).await?;
            Ok(Audited::new((), vec![audit.clone()]))
        })
        .await
    }

    pub(crate) async fn write_mfa_enabled(
        &self,
        user: UserId,
        enabled: bool,
        recovery_hashes: &[String],
        keep_session: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let id = user.to_string();
        self.audited(async |conn| {
            // Turning the second factor on or off ends every other session: one
            // opened with the password alone must not gain (or keep) access.
            sqlx::query::<D>("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind_v(&id)
                .bind_v(keep_session)
                .execute_with(&mut *conn)
                .await?;
            sqlx::query::<D>("UPDATE sessions SET mfa_passed = $2 WHERE token_hash = $1")
                .bind_v(keep_session)
                .bind_v(enabled)
                .execute_with(&mut *conn)
                .await?;
            if enabled {
                sqlx::query::<D>("UPDATE users SET mfa_enabled = TRUE WHERE id = $1").bind_v(&id).execute_with(&mut *conn).await?;
            } else {
                sqlx::query::<D>(
                    "UPDATE users SET mfa_enabled = FALSE, mfa_secret = NULL, mfa_key_id = NULL, mfa_last_step = NULL WHERE id = $1",
                )
                .bind_v(&id)
                .execute_with(&mut *conn)
                .await?;
            }
            sqlx::query::<D>("DELETE FROM recovery_codes WHERE user_id = $1").bind_v(&id).execute_with(&mut *conn).await?;
            for hash in recovery_hashes {
                sqlx::query::<D>("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind_v(&id)
                    .bind_v(hash)
                    .execute_with(&mut *conn)
                    .await?;
            }
            Ok(Audited::new((), vec![audit.clone()]))
        })
        .await
    }

    pub(crate) async fn write_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool> {
        let done = sqlx::query::<D>(
            "UPDATE users SET mfa_last_step = $2 WHERE id = $1 AND (mfa_last_step IS NULL OR mfa_last_step < $2)",
        )
        .bind_v(user.to_string())
        .bind_v(step)
        .execute_with(&self.write)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    pub(crate) async fn write_use_recovery_code(
        &self,
        user: UserId,
        hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query::<D>(
            "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind_v(user.to_string())
        .bind_v(hash)
        .bind_v(ms(now))
        .execute_with(&self.write)
        .await?
        .rows_affected();
        Ok(done == 1)
    }
}
