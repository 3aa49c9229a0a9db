//! Sessions: whether one still stands (its user enabled, within its
//! lifetime and idle limit, its second factor passed), its idle clock, and
//! ending them: signing out of this one, or out of every session at once (a
//! lost phone, a shared computer), audited with the sign-out.

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::clinic::ClinicSettings;
use carethread_core::user::User;
use carethread_store::{SessionRecord, StoreError};
use chrono::{DateTime, TimeDelta, Utc};

use crate::{App, AppError, AppResult, Caller};

/// Whether a session still stands at `now`: its user is enabled, it is
/// within its lifetime and idle limit, and, if the account uses a second
/// factor, it passed it (a session opened with the password alone before the
/// account turned MFA on never becomes a full session).
#[must_use]
pub fn stands(session: &SessionRecord, user: &User, settings: &ClinicSettings, now: DateTime<Utc>) -> bool {
    let idle = TimeDelta::minutes(i64::from(settings.session_idle_minutes));
    !user.disabled
        && session.expires_at > now
        && session.last_seen_at + idle > now
        && (session.mfa_passed || !session.mfa_enabled)
}

/// The session a token's hash names, with its user, whether or not it still
/// stands (the interface checks what only it knows, then [`stands`]).
pub async fn lookup(app: &App, token_hash: &str) -> AppResult<Option<(SessionRecord, User)>> {
    Ok(app.store.session(token_hash).await?)
}

/// Forgets a session found no longer standing. Tidying up may wait for a
/// write that succeeds, so a failure is only logged; a disabled user's
/// sessions are ended when the account is disabled.
pub async fn forget(app: &App, token_hash: &str, user: &User) {
    if user.disabled {
        return;
    }
    if let Err(err) = app.store.delete_session(token_hash).await {
        tracing::debug!(error = %err, "an expired session was not deleted yet");
    }
}

/// Refreshes a session's idle clock, at most once a minute to spare the
/// writer. While the database has no room, reading goes on and the clock
/// waits for the next request.
pub async fn refresh(app: &App, token_hash: &str, last_seen: DateTime<Utc>, now: DateTime<Utc>) -> AppResult<()> {
    if now - last_seen <= TimeDelta::seconds(60) {
        return Ok(());
    }
    match app.store.touch_session(token_hash, now).await {
        Err(StoreError::StorageFull(err)) => {
            tracing::debug!(error = %err, "session idle clock not refreshed: no room to write");
            Ok(())
        }
        other => Ok(other?),
    }
}

/// A sign-out the store could not write (most often a full disk). The
/// session must end all the same: the interface refuses it from now on and
/// writes `audit` once it can.
#[derive(Debug)]
pub struct SignOutPending {
    pub error: AppError,
    pub audit: AuditEvent,
}

/// Ends the caller's session (`session` is its token hash).
pub async fn sign_out(app: &App, caller: &Caller, session: &str) -> Result<(), SignOutPending> {
    let audit = caller.audit(AuditAction::SignOut).target("user", caller.user.id);
    match app.store.end_sessions(caller.user.id, Some(session), &audit).await {
        Ok(_) => Ok(()),
        Err(err) => Err(SignOutPending { error: err.into(), audit }),
    }
}

/// Ends every session of the caller.
pub async fn sign_out_everywhere(app: &App, caller: &Caller) -> Result<(), SignOutPending> {
    let audit = caller.audit(AuditAction::SignOutEverywhere).target("user", caller.user.id);
    match app.store.end_sessions(caller.user.id, None, &audit).await {
        Ok(_) => Ok(()),
        Err(err) => Err(SignOutPending { error: err.into(), audit }),
    }
}
