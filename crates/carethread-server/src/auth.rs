//! Browser sessions: the session cookie and its CSRF token. Passwords and
//! session tokens themselves (argon2id hashes; 256 random bits stored only as
//! their SHA-256 hash) are the application layer's, re-exported here.

use axum::http::HeaderValue;
use carethread_app::sessions::{self, SignOutPending};
use carethread_app::sign_in::{self, SignIn, SignedIn};
use chrono::Utc;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::Authenticated;

pub use carethread_app::passwords::{
    PasswordHashError, hash_password, hex, new_token, token_hash, verify_password, warm_up,
};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "carethread_session";

/// The CSRF token of a cookie session: derived from the session's token
/// hash, so it needs no storage and changes with every session. A page on
/// another site can make the browser send the cookie but cannot know this.
#[must_use]
pub fn csrf_token(token_hash: &str) -> String {
    format!("{:x}", Sha256::digest(format!("carethread-csrf:{token_hash}").as_bytes()))
}

/// `Set-Cookie` for a new browser session: `HttpOnly`, `SameSite=Strict`,
/// and `Secure` when served over TLS.
#[must_use]
pub fn session_cookie(token: &str, max_age_seconds: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}")
}

/// `Set-Cookie` that removes the session cookie.
#[must_use]
pub fn expired_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// Constant-time comparison of two ASCII tokens.
#[must_use]
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Signs in through the application layer, once the attempt fits the
/// budget of its network address (the API and the portal alike).
pub(crate) async fn sign_in(state: &AppState, attempt: SignIn) -> Result<SignedIn, ApiError> {
    if !state.login_guard.admit(attempt.client.as_deref(), state.settings.login_attempts_per_minute) {
        tracing::warn!("sign-in refused: too many attempts from one address");
        return Err(ApiError::TooManyRequests);
    }
    Ok(sign_in::sign_in(&state.app(), attempt).await?)
}

/// The `Set-Cookie` value that carries a started session to a browser.
pub(crate) fn cookie_for(state: &AppState, signed_in: &SignedIn) -> Result<HeaderValue, ApiError> {
    let max_age = (signed_in.session.expires_at - Utc::now()).num_seconds().max(0);
    let cookie = session_cookie(signed_in.token.expose_secret(), max_age, state.tls);
    HeaderValue::from_str(&cookie).map_err(ApiError::internal)
}

/// How long a sign-out that could not be written is held in memory: a
/// session's whole lifetime.
fn held_for(state: &AppState) -> std::time::Duration {
    std::time::Duration::from_secs(u64::from(state.settings.session_max_hours) * 3600)
}

/// Ends the caller's session. When the sign-out cannot be written (a full
/// disk) the session ends all the same, in memory, and is written later;
/// the error says why it was not written.
pub(crate) async fn end_session(state: &AppState, auth: &Authenticated) -> Result<(), ApiError> {
    if let Err(SignOutPending { error, audit }) =
        sessions::sign_out(&state.app(), &auth.caller(), &auth.token_hash).await
    {
        state.write_health.hold_sign_out(&state.store, &auth.token_hash, auth.user.id, audit, held_for(state));
        return Err(error.into());
    }
    Ok(())
}

/// Ends every session of the caller, in memory if it cannot be written yet.
pub(crate) async fn end_every_session(state: &AppState, auth: &Authenticated) -> Result<(), ApiError> {
    if let Err(SignOutPending { error, audit }) = sessions::sign_out_everywhere(&state.app(), &auth.caller()).await {
        let now = Utc::now();
        state.write_health.hold_sign_out_everywhere(&state.store, auth.user.id, now, audit, held_for(state));
        return Err(error.into());
    }
    Ok(())
}
