//! Two-step sign-in (TOTP, RFC 6238): enrolling an authenticator app,
//! confirming it with a first code (which issues recovery codes), turning it
//! off, and checking a second factor. Each time step's code is accepted
//! once; each recovery code once.

use carethread_core::audit::AuditAction;
use carethread_core::user::User;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::{App, AppError, AppResult, Caller, totp};

/// A new authenticator secret, to scan or type into an app.
pub struct Enrolment {
    /// The secret in base32, for typing in by hand.
    pub secret: String,
    /// The `otpauth://` URI (what a QR code encodes).
    pub otpauth_uri: String,
}

/// Starts enrolment: a new secret for an authenticator app, kept until a
/// first code confirms it. Refused while two-step sign-in is on.
pub async fn enrol(app: &App, caller: &Caller) -> AppResult<Enrolment> {
    if app.store.mfa(caller.user.id).await?.is_some_and(|m| m.enabled) {
        return Err(AppError::Conflict("two-step sign-in is already on; turn it off first to enrol a new app".into()));
    }
    let secret = totp::new_secret();
    let audit = caller.audit(AuditAction::MfaEnrol).target("user", caller.user.id);
    app.store.set_mfa_secret(caller.user.id, &secret, &audit).await?;
    let otpauth_uri = totp::otpauth_uri(&app.settings.name, caller.user.username.as_str(), &secret);
    Ok(Enrolment { secret: totp::base32(&secret), otpauth_uri })
}

/// Confirms enrolment with the app's current code: two-step sign-in is on
/// for the account (and the caller's session, `session` being its token
/// hash), and recovery codes are issued, shown only now.
pub async fn confirm(app: &App, caller: &Caller, session: &str, code: &SecretString) -> AppResult<Vec<String>> {
    let mfa = app.store.mfa(caller.user.id).await?;
    let Some(mfa) = mfa.filter(|m| !m.enabled) else {
        return Err(AppError::Conflict("there is no enrolment to confirm: enrol first".into()));
    };
    let now = Utc::now();
    let step = totp::matching_step(&mfa.secret, code.expose_secret(), now.timestamp())
        .ok_or_else(|| AppError::invalid("code", "is not the current code from your authenticator app"))?;
    if !app.store.accept_totp_step(caller.user.id, step).await? {
        return Err(AppError::invalid("code", "was already used; wait for the next one"));
    }
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
    let audit = caller.audit(AuditAction::MfaEnable).target("user", caller.user.id);
    let change = carethread_store::MfaChange {
        user: caller.user.id,
        enabled: true,
        recovery_hashes: hashes,
        keep_session: session.to_owned(),
    };
    app.store.set_mfa_enabled(&change, &audit).await?;
    Ok(codes)
}

/// Turns two-step sign-in off with a current code or an unused recovery
/// code. Refused where the clinic requires it for the caller's role.
pub async fn disable(app: &App, caller: &Caller, session: &str, code: &SecretString) -> AppResult<()> {
    if app.settings.mfa_required(caller.user.role) {
        return Err(AppError::Forbidden("your clinic requires two-step sign-in for your role".into()));
    }
    if !app.store.mfa(caller.user.id).await?.is_some_and(|m| m.enabled) {
        return Err(AppError::Conflict("two-step sign-in is not on".into()));
    }
    if !second_factor_ok(app, &caller.user, code.expose_secret(), Utc::now()).await? {
        return Err(AppError::invalid("code", "is not a current code or an unused recovery code"));
    }
    let audit = caller.audit(AuditAction::MfaDisable).target("user", caller.user.id);
    let change = carethread_store::MfaChange {
        user: caller.user.id,
        enabled: false,
        recovery_hashes: Vec::new(),
        keep_session: session.to_owned(),
    };
    app.store.set_mfa_enabled(&change, &audit).await?;
    Ok(())
}

/// Checks a TOTP code (each time step once) or uses up a recovery code.
pub(crate) async fn second_factor_ok(app: &App, user: &User, code: &str, now: DateTime<Utc>) -> AppResult<bool> {
    let Some(mfa) = app.store.mfa(user.id).await? else { return Ok(false) };
    if totp::is_recovery_code(code) {
        return Ok(app.store.use_recovery_code(user.id, &totp::recovery_hash(code), now).await?);
    }
    match totp::matching_step(&mfa.secret, code, now.timestamp()) {
        Some(step) => Ok(app.store.accept_totp_step(user.id, step).await?),
        None => Ok(false),
    }
}

/// Whether the caller's account uses two-step sign-in, and whether the
/// clinic requires it for their role.
#[derive(Debug, Clone, Copy)]
pub struct MfaStatus {
    pub enabled: bool,
    pub required: bool,
}

/// The caller's two-step sign-in status.
pub async fn status(app: &App, caller: &Caller) -> AppResult<MfaStatus> {
    let enabled = app.store.mfa(caller.user.id).await?.is_some_and(|m| m.enabled);
    Ok(MfaStatus { enabled, required: app.settings.mfa_required(caller.user.role) })
}
