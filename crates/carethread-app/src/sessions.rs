//! Ending sessions: signing out of this one, or out of every session at
//! once (a lost phone, a shared computer). Audited with the sign-out.

use carethread_core::audit::{AuditAction, AuditEvent};

use crate::{App, AppError, Caller};

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
