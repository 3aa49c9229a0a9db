//! Apps patients connect (SMART App Launch): registering and revoking an
//! app, a patient's consent from its one-time code to its rotating refresh
//! token, ending a connection, and the sealed `id_token` signing key.

use async_trait::async_trait;
use carethread_core::ids::{AppConnectionId, AppId};

use super::backend::Backend;
use super::prelude::*;

use crate::{AppConnection, AppTokens, NewAppConnection, PatientApp};

const APP_COLS: &str = "a.app_id, a.name, a.redirect_uris, a.scopes, a.created_at, a.revoked_at";

const CONNECTION_SELECT: &str = "SELECT c.id, c.app_id, a.name AS app_name, a.revoked_at AS app_revoked_at, c.user_id, \
     c.scopes, c.redirect_uri, c.code_challenge, c.nonce, c.code_expires_at, c.code_used_at, c.refresh_expires_at, \
     c.created_at, c.last_used_at, c.ended_at FROM app_connections c JOIN patient_apps a ON a.app_id = c.app_id";

fn app_from_row<R: DialectRow>(row: &R) -> StoreResult<PatientApp> {
    Ok(PatientApp {
        id: parse_id(row.get_v::<&str, _>("app_id")?)?,
        name: row.get_v("name")?,
        redirect_uris: row.get_v::<&str, _>("redirect_uris")?.lines().map(str::to_owned).collect(),
        scopes: row.get_v("scopes")?,
        created_at: at(row.get_v("created_at")?)?,
        revoked_at: row.get_v::<Option<i64>, _>("revoked_at")?.map(at).transpose()?,
    })
}

fn connection_from_row<R: DialectRow>(row: &R) -> StoreResult<AppConnection> {
    let optional_at =
        |name: &str| -> StoreResult<Option<DateTime<Utc>>> { row.get_v::<Option<i64>, _>(name)?.map(at).transpose() };
    Ok(AppConnection {
        id: parse_id(row.get_v::<&str, _>("id")?)?,
        app: parse_id(row.get_v::<&str, _>("app_id")?)?,
        app_name: row.get_v("app_name")?,
        app_revoked: optional_at("app_revoked_at")?.is_some(),
        user_id: parse_id(row.get_v::<&str, _>("user_id")?)?,
        scopes: row.get_v("scopes")?,
        redirect_uri: row.get_v("redirect_uri")?,
        code_challenge: row.get_v("code_challenge")?,
        nonce: row.get_v("nonce")?,
        code_expires_at: at(row.get_v("code_expires_at")?)?,
        code_used: optional_at("code_used_at")?.is_some(),
        refresh_expires_at: optional_at("refresh_expires_at")?,
        created_at: at(row.get_v("created_at")?)?,
        last_used_at: at(row.get_v("last_used_at")?)?,
        ended_at: optional_at("ended_at")?,
    })
}

const SIGNING_SLOT: &str = "private_key";

impl<D: Dialect> Sql<D> {
    async fn read_apps(&self, only: Option<AppId>) -> StoreResult<Vec<PatientApp>> {
        let statement = format!(
            "SELECT {APP_COLS} FROM patient_apps a WHERE ($1 = '' OR a.app_id = $1) ORDER BY a.created_at DESC, a.app_id"
        );
        let rows = sqlx::query::<D>(&statement)
            .bind_v(only.map(|id| id.to_string()).unwrap_or_default())
            .fetch_all_with(&self.read)
            .await?;
        rows.iter().map(app_from_row).collect()
    }

    async fn connection_where(&self, condition: &str, value: &str) -> StoreResult<Option<AppConnection>> {
        let statement = format!("{CONNECTION_SELECT} WHERE {condition}");
        let row = sqlx::query::<D>(&statement).bind_v(value).fetch_optional_with(&self.read).await?;
        row.as_ref().map(connection_from_row).transpose()
    }

    /// Ends the connections `condition` (on `app_connections`, with `$1`
    /// bound to `key`) names: their refresh tokens are forgotten and their
    /// access tokens stop at once. The rows are changed (and so locked)
    /// first, so a refresh racing this either finished before (its new token
    /// is the one ended) or finds the connection ended. How many ended.
    pub(crate) async fn end_connections(
        conn: &mut D::Connection,
        condition: &str,
        key: String,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let ended = format!(
            "UPDATE app_connections SET ended_at = $2, refresh_hash = NULL WHERE {condition} AND ended_at IS NULL"
        );
        let count =
            sqlx::query::<D>(&ended).bind_v(&key).bind_v(ms(now)).execute_with(&mut *conn).await?.rows_affected();
        let sessions = format!(
            "DELETE FROM sessions WHERE token_hash IN \
             (SELECT access_hash FROM app_connections WHERE {condition} AND access_hash IS NOT NULL)"
        );
        sqlx::query::<D>(&sessions).bind_v(&key).execute_with(&mut *conn).await?;
        let forgotten =
            format!("UPDATE app_connections SET access_hash = NULL WHERE {condition} AND access_hash IS NOT NULL");
        sqlx::query::<D>(&forgotten).bind_v(&key).execute_with(&mut *conn).await?;
        let traded = format!(
            "DELETE FROM app_used_refresh WHERE connection_id IN (SELECT id FROM app_connections WHERE {condition})"
        );
        sqlx::query::<D>(&traded).bind_v(&key).execute_with(&mut *conn).await?;
        Ok(count)
    }

    /// Gives a connection new tokens if `statement` changes its row (binding
    /// `$1` its id, `$2` the hash of the code or refresh token traded in,
    /// `$3` now, `$4` to `$6` the new refresh token's hash and expiry and the
    /// access token's hash): the access token it held ends, the new one's
    /// session starts, a refresh token traded in is remembered (`refresh`),
    /// and the audit entry is written. `false` (nothing written) when the
    /// row did not match.
    async fn swap_tokens(
        &self,
        statement: &'static str,
        traded: &str,
        refresh: bool,
        tokens: AppTokens<'_>,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        self.audited(async |conn| {
            let held: Option<Option<String>> =
                sqlx::query::<D>("SELECT access_hash FROM app_connections WHERE id = $1")
                    .bind_v(tokens.connection.to_string())
                    .fetch_optional_scalar_with(&mut *conn)
                    .await?;
            let swapped = sqlx::query::<D>(statement)
                .bind_v(tokens.connection.to_string())
                .bind_v(traded)
                .bind_v(ms(now))
                .bind_v(tokens.refresh_hash)
                .bind_v(tokens.refresh_expires_at.map(ms))
                .bind_v(&tokens.session.token_hash)
                .execute_with(&mut *conn)
                .await?
                .rows_affected()
                == 1;
            if !swapped {
                return Ok(Audited::unchanged(false));
            }
            if refresh {
                sqlx::query::<D>("INSERT INTO app_used_refresh (hash, connection_id) VALUES ($1, $2)")
                    .bind_v(traded)
                    .bind_v(tokens.connection.to_string())
                    .execute_with(&mut *conn)
                    .await?;
            }
            if let Some(old) = held.flatten() {
                sqlx::query::<D>("DELETE FROM sessions WHERE token_hash = $1")
                    .bind_v(old)
                    .execute_with(&mut *conn)
                    .await?;
            }
            Sql::<D>::insert_session(conn, tokens.session).await?;
            Ok(Audited::new(true, vec![audit.clone()]))
        })
        .await
    }
}

#[async_trait]
impl<B: Backend> crate::PatientApps for B {
    async fn register_patient_app(&self, app: &PatientApp, audit: &AuditEvent) -> StoreResult<()> {
        self.sql()
            .audited(async |conn| {
                sqlx::query::<B::D>(
                    "INSERT INTO patient_apps (app_id, name, redirect_uris, scopes, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind_v(app.id.to_string())
                .bind_v(&app.name)
                .bind_v(app.redirect_uris.join("\n"))
                .bind_v(&app.scopes)
                .bind_v(ms(app.created_at))
                .execute_with(&mut *conn)
                .await?;
                Ok(Audited::new((), with_target(std::slice::from_ref(audit), "patient_app", &app.id.to_string())))
            })
            .await
    }

    async fn patient_apps(&self) -> StoreResult<Vec<PatientApp>> {
        self.sql().read_apps(None).await
    }

    async fn patient_app(&self, id: AppId) -> StoreResult<Option<PatientApp>> {
        Ok(self.sql().read_apps(Some(id)).await?.into_iter().next())
    }

    async fn revoke_patient_app(&self, id: AppId, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<bool> {
        self.sql()
            .audited(async |conn| {
                let revoked = sqlx::query::<B::D>(
                    "UPDATE patient_apps SET revoked_at = $2 WHERE app_id = $1 AND revoked_at IS NULL",
                )
                .bind_v(id.to_string())
                .bind_v(ms(now))
                .execute_with(&mut *conn)
                .await?
                .rows_affected()
                    == 1;
                if !revoked {
                    return Ok(Audited::unchanged(false));
                }
                Sql::<B::D>::end_connections(conn, "app_id = $1", id.to_string(), now).await?;
                Ok(Audited::new(true, with_target(std::slice::from_ref(audit), "patient_app", &id.to_string())))
            })
            .await
    }

    async fn start_app_connection(&self, new: NewAppConnection<'_>, audit: &AuditEvent) -> StoreResult<()> {
        self.sql()
            .audited(async |conn| {
                sqlx::query::<B::D>(
                    "INSERT INTO app_connections (id, app_id, user_id, scopes, redirect_uri, code_challenge, nonce, \
                     code_hash, code_expires_at, created_at, last_used_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
                )
                .bind_v(new.id.to_string())
                .bind_v(new.app.to_string())
                .bind_v(new.user.to_string())
                .bind_v(new.scopes)
                .bind_v(new.redirect_uri)
                .bind_v(new.code_challenge)
                .bind_v(new.nonce)
                .bind_v(new.code_hash)
                .bind_v(ms(new.code_expires_at))
                .bind_v(ms(new.now))
                .execute_with(&mut *conn)
                .await?;
                Ok(Audited::new((), with_target(std::slice::from_ref(audit), "app_connection", &new.id.to_string())))
            })
            .await
    }

    async fn app_connection_by_code(&self, code_hash: &str) -> StoreResult<Option<AppConnection>> {
        self.sql().connection_where("c.code_hash = $1", code_hash).await
    }

    async fn app_connection_by_refresh(&self, refresh_hash: &str) -> StoreResult<Option<AppConnection>> {
        self.sql().connection_where("c.refresh_hash = $1", refresh_hash).await
    }

    async fn app_connection_by_used_refresh(&self, refresh_hash: &str) -> StoreResult<Option<AppConnection>> {
        let traded = "c.id = (SELECT u.connection_id FROM app_used_refresh u WHERE u.hash = $1) AND c.ended_at IS NULL";
        self.sql().connection_where(traded, refresh_hash).await
    }

    async fn redeem_app_code(&self, code_hash: &str, tokens: AppTokens<'_>, audit: &AuditEvent) -> StoreResult<bool> {
        let now = audit.at;
        let redeem = "UPDATE app_connections SET code_used_at = $3, refresh_hash = $4, refresh_expires_at = $5, \
             access_hash = $6, last_used_at = $3 \
             WHERE id = $1 AND code_hash = $2 AND code_used_at IS NULL AND ended_at IS NULL AND code_expires_at > $3";
        self.sql().swap_tokens(redeem, code_hash, false, tokens, now, audit).await
    }

    async fn refresh_app_tokens(
        &self,
        old_refresh_hash: &str,
        tokens: AppTokens<'_>,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let now = audit.at;
        let rotate = "UPDATE app_connections SET refresh_hash = $4, refresh_expires_at = $5, access_hash = $6, \
             last_used_at = $3 \
             WHERE id = $1 AND refresh_hash = $2 AND ended_at IS NULL AND refresh_expires_at > $3";
        self.sql().swap_tokens(rotate, old_refresh_hash, true, tokens, now, audit).await
    }

    async fn end_app_connection(
        &self,
        id: AppConnectionId,
        user: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let now = audit.at;
        self.sql()
            .audited(async |conn| {
                let in_force = sqlx::query::<B::D>(
                    "SELECT id FROM app_connections WHERE id = $1 AND ($2 = '' OR user_id = $2) AND ended_at IS NULL",
                )
                .bind_v(id.to_string())
                .bind_v(user.map(|u| u.to_string()).unwrap_or_default())
                .fetch_optional_with(&mut *conn)
                .await?;
                if in_force.is_none() {
                    return Ok(Audited::unchanged(false));
                }
                if Sql::<B::D>::end_connections(conn, "id = $1", id.to_string(), now).await? == 0 {
                    return Ok(Audited::unchanged(false));
                }
                Ok(Audited::new(true, with_target(std::slice::from_ref(audit), "app_connection", &id.to_string())))
            })
            .await
    }

    async fn app_connections_of(&self, user: UserId) -> StoreResult<Vec<AppConnection>> {
        let statement = format!(
            "{CONNECTION_SELECT} WHERE c.user_id = $1 AND c.code_used_at IS NOT NULL AND c.ended_at IS NULL \
             ORDER BY c.created_at DESC, c.id"
        );
        let rows = sqlx::query::<B::D>(&statement).bind_v(user.to_string()).fetch_all_with(&self.sql().read).await?;
        rows.iter().map(connection_from_row).collect()
    }

    async fn signing_keys(&self) -> StoreResult<Vec<(String, Vec<u8>)>> {
        let sql = self.sql();
        let rows = sqlx::query::<B::D>("SELECT kid, key_id, private_key FROM signing_keys ORDER BY created_at, kid")
            .fetch_all_with(&sql.read)
            .await?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in &rows {
            let kid: String = row.get_v("kid")?;
            let pkcs8 = sql
                .decode(|keys| {
                    let slot = Slot { table: "signing_keys", column: SIGNING_SLOT, row: &kid };
                    keys.open(row.get_v("key_id")?, slot, row.get_v("private_key")?)
                })
                .await?;
            keys.push((kid, pkcs8));
        }
        Ok(keys)
    }

    async fn add_signing_key(&self, kid: &str, pkcs8: &[u8], now: DateTime<Utc>) -> StoreResult<()> {
        let sql = self.sql();
        let (key_id, sealed) = sql.keys.seal(Slot { table: "signing_keys", column: SIGNING_SLOT, row: kid }, pkcs8)?;
        sqlx::query::<B::D>(
            "INSERT INTO signing_keys (kid, key_id, private_key, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kid) DO NOTHING",
        )
        .bind_v(kid)
        .bind_v(key_id)
        .bind_v(sealed)
        .bind_v(ms(now))
        .execute_with(&sql.write)
        .await?;
        Ok(())
    }
}
