//! Systems registered for the FHIR API (SMART Backend Services) and the
//! tokens they are given.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::ClientId;
use chrono::{DateTime, Utc};

use crate::{NewSystemClient, StoreResult, SystemClient, SystemToken};

#[async_trait]
pub trait SystemClients: Send + Sync {
    /// Registers a system with the account it acts as, in one transaction.
    /// A taken username is a `Conflict`.
    async fn register_system_client(&self, new: NewSystemClient<'_>, audit: &AuditEvent) -> StoreResult<SystemClient>;
    /// Every registered system, newest first, revoked ones too.
    async fn system_clients(&self) -> StoreResult<Vec<SystemClient>>;
    async fn system_client(&self, id: ClientId) -> StoreResult<Option<SystemClient>>;
    /// Revokes a system: its account is disabled, its tokens end at once, its
    /// subscriptions are turned off and its bulk exports deleted.
    /// `false` when there is no such system or it was revoked already.
    async fn revoke_system_client(&self, id: ClientId, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<bool>;
    /// Uses an assertion's `jti` once and starts the token's session with its
    /// audit entry. `false` (and nothing written) when the `jti` was used
    /// before or the system was revoked meanwhile.
    async fn issue_system_token(&self, token: SystemToken<'_>, audit: &AuditEvent) -> StoreResult<bool>;
}
