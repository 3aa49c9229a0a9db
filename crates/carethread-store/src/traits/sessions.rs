//! Signing in: sessions, failed attempts and lockout, and the second factor
//! (TOTP and recovery codes).

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::UserId;
use carethread_core::user::User;
use chrono::{DateTime, Utc};

use crate::{LoginState, MfaChange, MfaRecord, SessionRecord, StoreResult};

/// Sessions and sign-in state. Tokens are never stored, only their hashes.
#[async_trait]
pub trait Sessions: Send + Sync {
    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()>;
    /// Failed attempts and lockout of an account; `None` when no such user.
    async fn login_state(&self, user: UserId) -> StoreResult<Option<LoginState>>;
    /// Counts a failed sign-in; `lock` maps the failure count to the time
    /// the account stays locked until, if it should be.
    async fn record_login_failure(
        &self,
        user: UserId,
        lock: &(dyn Fn(i64) -> Option<DateTime<Utc>> + Sync),
        audit: &AuditEvent,
    ) -> StoreResult<LoginState>;
    /// Starts a session after a successful sign-in and clears failed attempts;
    /// `false` (and no session) if the account is locked at that moment.
    async fn record_login_success(&self, session: &SessionRecord, audit: &AuditEvent) -> StoreResult<bool>;
    /// Ends one session (`only`) or all of a user's sessions.
    async fn end_sessions(&self, user: UserId, only: Option<&str>, audit: &AuditEvent) -> StoreResult<u64>;
    /// The user's TOTP enrolment, if any.
    async fn mfa(&self, user: UserId) -> StoreResult<Option<MfaRecord>>;
    /// Stores a new (unconfirmed) TOTP secret, replacing any earlier one.
    async fn set_mfa_secret(&self, user: UserId, secret: &[u8], audit: &AuditEvent) -> StoreResult<()>;
    /// Confirms MFA with fresh recovery codes, or removes it (see [`MfaChange`]).
    async fn set_mfa_enabled(&self, change: &MfaChange, audit: &AuditEvent) -> StoreResult<()>;
    /// Accepts TOTP time step `step` once: false if it (or a later one) was used.
    async fn accept_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool>;
    /// Uses up a recovery code; false if unknown or already used.
    async fn use_recovery_code(&self, user: UserId, hash: &str, now: DateTime<Utc>) -> StoreResult<bool>;
    /// The session and its user, if the token hash is known (expiry is the caller's rule).
    async fn session(&self, token_hash: &str) -> StoreResult<Option<(SessionRecord, User)>>;
    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
}
