//! Systems registered for the FHIR API: registering one with its account,
//! reading them, revoking one, and issuing a token against a `jti` used once.

use async_trait::async_trait;
use carethread_core::ids::ClientId;

use super::backend::Backend;
use super::prelude::*;

use crate::{NewSystemClient, SystemClient, SystemToken};

const CLIENT_COLS: &str = "c.client_id, c.name, c.jwks, c.scopes, c.created_at, c.revoked_at";

fn client_from_row<R: DialectRow>(row: &R) -> StoreResult<SystemClient> {
    Ok(SystemClient {
        id: parse_id(row.get_v::<&str, _>("client_id")?)?,
        name: row.get_v("name")?,
        account: user_from_row(row)?,
        jwks: row.get_v("jwks")?,
        scopes: row.get_v("scopes")?,
        created_at: at(row.get_v("created_at")?)?,
        revoked_at: row.get_v::<Option<i64>, _>("revoked_at")?.map(at).transpose()?,
    })
}

impl<D: Dialect> Sql<D> {
    async fn read_clients(&self, only: Option<ClientId>) -> StoreResult<Vec<SystemClient>> {
        let statement = format!(
            "SELECT {CLIENT_COLS}, {USER_COLS} FROM system_clients c JOIN users u ON u.id = c.user_id \
             WHERE ($1 = '' OR c.client_id = $1) ORDER BY c.created_at DESC, c.client_id"
        );
        let rows = sqlx::query::<D>(&statement)
            .bind_v(only.map(|id| id.to_string()).unwrap_or_default())
            .fetch_all_with(&self.read)
            .await?;
        rows.iter().map(client_from_row).collect()
    }
}

#[async_trait]
impl<B: Backend> crate::SystemClients for B {
    async fn register_system_client(&self, new: NewSystemClient<'_>, audit: &AuditEvent) -> StoreResult<SystemClient> {
        self.sql()
            .audited(async |conn| {
                let account = Sql::<B::D>::insert_user(conn, &new.account).await?;
                sqlx::query::<B::D>(
                    "INSERT INTO system_clients (client_id, user_id, name, jwks, scopes, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind_v(new.id.to_string())
                .bind_v(account.id.to_string())
                .bind_v(new.name)
                .bind_v(new.jwks)
                .bind_v(new.scopes)
                .bind_v(ms(new.account.now))
                .execute_with(&mut *conn)
                .await?;
                let client = SystemClient {
                    id: new.id,
                    name: new.name.to_owned(),
                    account,
                    jwks: new.jwks.to_owned(),
                    scopes: new.scopes.to_owned(),
                    created_at: new.account.now,
                    revoked_at: None,
                };
                Ok(Audited::new(client, with_target(std::slice::from_ref(audit), "system_client", &new.id.to_string())))
            })
            .await
    }

    async fn system_clients(&self) -> StoreResult<Vec<SystemClient>> {
        self.sql().read_clients(None).await
    }

    async fn system_client(&self, id: ClientId) -> StoreResult<Option<SystemClient>> {
        Ok(self.sql().read_clients(Some(id)).await?.into_iter().next())
    }

    async fn revoke_system_client(&self, id: ClientId, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<bool> {
        self.sql()
            .audited(async |conn| {
                let user: Option<String> = sqlx::query::<B::D>(
                    "UPDATE system_clients SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL \
                     RETURNING user_id",
                )
                .bind_v(id.to_string())
                .bind_v(ms(now))
                .fetch_optional_scalar_with(&mut *conn)
                .await?;
                let Some(user) = user else { return Ok(Audited::unchanged(false)) };
                sqlx::query::<B::D>("UPDATE users SET disabled = TRUE WHERE id = $1")
                    .bind_v(&user)
                    .execute_with(&mut *conn)
                    .await?;
                sqlx::query::<B::D>("DELETE FROM sessions WHERE user_id = $1")
                    .bind_v(&user)
                    .execute_with(&mut *conn)
                    .await?;
                // Nothing more is sent to it, and what it exported is gone.
                sqlx::query::<B::D>("UPDATE subscriptions SET status = 'off', error = 'the system was revoked' WHERE owner_id = $1")
                    .bind_v(&user)
                    .execute_with(&mut *conn)
                    .await?;
                sqlx::query::<B::D>(
                    "DELETE FROM bulk_export_files WHERE export_id IN (SELECT id FROM bulk_exports WHERE requested_by = $1)",
                )
                .bind_v(&user)
                .execute_with(&mut *conn)
                .await?;
                sqlx::query::<B::D>("DELETE FROM bulk_exports WHERE requested_by = $1")
                    .bind_v(&user)
                    .execute_with(&mut *conn)
                    .await?;
                Ok(Audited::new(true, with_target(std::slice::from_ref(audit), "system_client", &id.to_string())))
            })
            .await
    }

    async fn issue_system_token(&self, token: SystemToken<'_>, audit: &AuditEvent) -> StoreResult<bool> {
        self.sql()
            .audited(async |conn| {
                sqlx::query::<B::D>("DELETE FROM system_client_assertions WHERE expires_at < $1")
                    .bind_v(ms(token.session.created_at))
                    .execute_with(&mut *conn)
                    .await?;
                let first_use = sqlx::query::<B::D>(
                    "INSERT INTO system_client_assertions (client_id, jti, expires_at) \
                     SELECT client_id, $2, $3 FROM system_clients WHERE client_id = $1 AND revoked_at IS NULL \
                     ON CONFLICT DO NOTHING",
                )
                .bind_v(token.client.to_string())
                .bind_v(token.jti)
                .bind_v(ms(token.jti_expires_at))
                .execute_with(&mut *conn)
                .await?
                .rows_affected()
                    == 1;
                if !first_use {
                    return Ok(Audited::unchanged(false));
                }
                Sql::<B::D>::insert_session(conn, token.session).await?;
                Ok(Audited::new(true, vec![audit.clone()]))
            })
            .await
    }
}
