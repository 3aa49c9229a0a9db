//! Apps patients connect to their records (SMART App Launch), each
//! patient's consent, and the clinic's key for signing `id_token`s.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::{AppConnectionId, AppId, UserId};
use chrono::{DateTime, Utc};

use crate::{AppConnection, AppTokens, NewAppConnection, PatientApp, StoreResult};

#[async_trait]
pub trait PatientApps: Send + Sync {
    /// Registers an app, with its audit entry.
    async fn register_patient_app(&self, app: &PatientApp, audit: &AuditEvent) -> StoreResult<()>;
    /// Every registered app, newest first, revoked ones too.
    async fn patient_apps(&self) -> StoreResult<Vec<PatientApp>>;
    async fn patient_app(&self, id: AppId) -> StoreResult<Option<PatientApp>>;
    /// Revokes an app: every patient's connection to it ends and its tokens
    /// stop working at once. `false` when there is no such app or it was
    /// revoked already.
    async fn revoke_patient_app(&self, id: AppId, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<bool>;
    /// Keeps a patient's consent and the code it gave, with its audit entry.
    async fn start_app_connection(&self, new: NewAppConnection<'_>, audit: &AuditEvent) -> StoreResult<()>;
    /// The connection a code (its hash) was given for, used or not.
    async fn app_connection_by_code(&self, code_hash: &str) -> StoreResult<Option<AppConnection>>;
    /// The connection a refresh token (its hash) belongs to.
    async fn app_connection_by_refresh(&self, refresh_hash: &str) -> StoreResult<Option<AppConnection>>;
    /// The connection in force that traded in the refresh token
    /// `refresh_hash` already: presented again, it was copied.
    async fn app_connection_by_used_refresh(&self, refresh_hash: &str) -> StoreResult<Option<AppConnection>>;
    /// Redeems a code once: the code is marked used and the tokens start,
    /// with the audit entry. `false` (nothing written) when the code was
    /// used meanwhile, has expired, or the connection ended.
    async fn redeem_app_code(&self, code_hash: &str, tokens: AppTokens<'_>, audit: &AuditEvent) -> StoreResult<bool>;
    /// Trades a refresh token for new tokens: the old access token ends and
    /// the old refresh token is used up. `false` (nothing written) when that
    /// refresh token is no longer the connection's or has expired.
    async fn refresh_app_tokens(
        &self,
        old_refresh_hash: &str,
        tokens: AppTokens<'_>,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Ends a connection (of `user`, when given): its refresh token and its
    /// access token stop working. `false` when there is no such connection
    /// in force. It ends at the audit entry's time.
    async fn end_app_connection(
        &self,
        id: AppConnectionId,
        user: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// The apps a person has connected and not disconnected, newest first.
    async fn app_connections_of(&self, user: UserId) -> StoreResult<Vec<AppConnection>>;
    /// The clinic's `id_token` signing keys (each `kid` and PKCS#8 form),
    /// oldest first: the first signs, all are published (several servers
    /// may each have made one at once).
    async fn signing_keys(&self) -> StoreResult<Vec<(String, Vec<u8>)>>;
    /// Keeps a signing key, sealed. A `kid` kept already is left as it is.
    async fn add_signing_key(&self, kid: &str, pkcs8: &[u8], now: DateTime<Utc>) -> StoreResult<()>;
}
