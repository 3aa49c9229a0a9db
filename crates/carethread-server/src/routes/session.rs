//! Signing in and out, and two-step sign-in (TOTP) enrolment.
//!
//! Sign-in answers an unknown user and a wrong password with the same
//! message after the same argon2 work. Failed attempts lock the account for
//! a growing time (unknown usernames are locked alike, in memory, so a lock
//! reveals nothing), each network address has a per-minute budget, and every
//! attempt is audited.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::routing::{delete, post};
use axum::{Json, Router};
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::user::{User, Username};
use carethread_store::SessionRecord;
use chrono::{DateTime, TimeDelta, Utc};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{csrf_token, expired_cookie, new_token, session_cookie, token_hash, verify_password};
use crate::dto::SessionOut;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated, ClientAddress, SessionOnly};
use crate::totp;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/session", post(sign_in).delete(sign_out))
        .route("/api/v1/sessions", delete(sign_out_everywhere))
        .route("/api/v1/mfa/enrol", post(mfa_enrol))
        .route("/api/v1/mfa/confirm", post(mfa_confirm))
        .route("/api/v1/mfa", delete(mfa_disable))
}

/// Credentials.
#[derive(Deserialize, ToSchema)]
pub struct SignIn {
    pub username: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
    /// The 6-digit code from the authenticator app, or a recovery code,
    /// for accounts with two-step sign-in.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub totp: Option<SecretString>,
    /// Browsers: keep the session in an `HttpOnly` cookie instead of returning the token.
    #[serde(default)]
    pub cookie: bool,
}

const BAD_CREDENTIALS: &str = "the username or password is not correct";

/// Failed attempts on a username that does not exist, and until when it is "locked".
type UnknownFailures = (i64, Option<DateTime<Utc>>);

/// Sign-in attempts per network address, accounts being checked right now,
/// and failures on unknown usernames.
#[derive(Default)]
pub struct LoginGuard {
    /// The per-address budget, built for the clinic's attempts per minute.
    by_address: Mutex<Option<Arc<AddressLimit>>>,
    /// Usernames with a sign-in being checked: one at a time each, so a
    /// burst of parallel guesses cannot outrun the lockout.
    in_flight: Mutex<std::collections::HashSet<String>>,
    /// Failed attempts on usernames that do not exist, so they lock like real ones.
    unknown: Mutex<HashMap<String, UnknownFailures>>,
}

/// Checks between two sweeps of addresses whose budget is full again.
const SWEEP_EVERY: u32 = 1024;

/// A `governor` limiter keyed by network address, on clock `C`
/// (`DefaultKeyedRateLimiter<String>` on the default clock).
type KeyedLimiter<C> = RateLimiter<String, DefaultKeyedStateStore<String>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Sign-in attempts per network address (GCRA, by `governor`): a burst of
/// `per_minute` attempts, then one more every `60 / per_minute` seconds. An
/// attempt whose address is unknown counts against one shared budget.
struct AddressLimit<C: Clock = DefaultClock> {
    per_minute: u32,
    /// `None` when no attempt is allowed at all (zero per minute).
    limiter: Option<KeyedLimiter<C>>,
    checks: AtomicU32,
}

impl<C: Clock> AddressLimit<C> {
    fn new(per_minute: u32, clock: C) -> Self {
        let limiter = NonZeroU32::new(per_minute)
            .map(|n| RateLimiter::new(Quota::per_minute(n), DefaultKeyedStateStore::default(), clock));
        Self { per_minute, limiter, checks: AtomicU32::new(0) }
    }

    /// Counts an attempt from `address`; false once its budget is spent.
    fn admit(&self, address: &str) -> bool {
        let Some(limiter) = &self.limiter else { return false };
        // Memory stays bounded: addresses idle long enough to have their whole
        // budget back are forgotten now and then.
        if self.checks.fetch_add(1, Ordering::Relaxed).is_multiple_of(SWEEP_EVERY) {
            limiter.retain_recent();
        }
        limiter.check_key(&address.to_owned()).is_ok()
    }
}

impl LoginGuard {
    /// Counts an attempt from `address`; false once over `per_minute`.
    fn admit(&self, address: Option<&str>, per_minute: u32) -> bool {
        let limit = {
            let mut current = held(&self.by_address);
            match current.as_ref() {
                Some(limit) if limit.per_minute == per_minute => Arc::clone(limit),
                _ => Arc::clone(current.insert(Arc::new(AddressLimit::new(per_minute, DefaultClock::default())))),
            }
        };
        limit.admit(address.unwrap_or_default())
    }

    /// Claims the right to check a password for `username`; `None` while another check runs.
    fn claim(&self, username: &str) -> Option<InFlight<'_>> {
        let mut set = held(&self.in_flight);
        set.insert(username.to_owned()).then(|| InFlight { guard: self, username: username.to_owned() })
    }

    fn unknown_locked_until(&self, username: &str) -> Option<DateTime<Utc>> {
        held(&self.unknown).get(username).and_then(|e| e.1)
    }

    fn unknown_failed(&self, username: &str, lock: impl Fn(i64) -> Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        let mut map = held(&self.unknown);
        if map.len() > 100_000 {
            map.clear();
        }
        let entry = map.entry(username.to_owned()).or_insert((0, None));
        entry.0 += 1;
        entry.1 = lock(entry.0);
        entry.1
    }
}

/// The guard's counters, even after a panic elsewhere left their lock
/// poisoned: every update leaves them consistent, and a guard that stopped
/// counting would let guesses through unchecked.
fn held<T>(lock: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A sign-in check in progress; released when dropped.
struct InFlight<'a> {
    guard: &'a LoginGuard,
    username: String,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        held(&self.guard.in_flight).remove(&self.username);
    }
}

fn seconds_left(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (until - now).num_seconds().max(1)
}

/// Signs in and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses(
        (status = 200, description = "Signed in", body = SessionOut),
        (status = 401, description = "Wrong username or password, or a second factor is needed", body = Problem),
        (status = 422, description = "Missing field", body = Problem),
        (status = 429, description = "Account locked, or too many attempts from this address", body = Problem),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    ApiJson(input): ApiJson<SignIn>,
) -> ApiResult<(HeaderMap, Json<SessionOut>)> {
    let now = Utc::now();
    if !state.login_guard.admit(client.as_deref(), state.settings.login_attempts_per_minute) {
        tracing::warn!("sign-in refused: too many attempts from one address");
        return Err(ApiError::TooManyRequests);
    }
    // An unparseable username is treated like an unknown one: same message, same work.
    let username = Username::parse(&input.username).ok();
    let key = username.as_ref().map_or_else(|| input.username.to_lowercase(), |u| u.as_str().to_owned());
    let Some(_checking) = state.login_guard.claim(&key) else {
        tracing::info!("sign-in refused: another attempt on the account is being checked");
        return Err(ApiError::TooManyRequests);
    };
    let found = match &username {
        Some(username) => state.store.user_credentials(username).await?,
        None => None,
    };
    let login = match &found {
        Some((user, _)) => state.store.login_state(user.id).await?,
        None => None,
    };
    let password = input.password;
    let stored = found.as_ref().map(|(_, hash)| hash.clone());
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, stored.as_deref()))
        .await
        .map_err(ApiError::internal)?;
    let settings = state.settings.clone();
    let lock = move |failures: i64| settings.lockout_after(failures).map(|d| Utc::now() + d);

    let Some((user, _)) = found else {
        if let Some(until) = state.login_guard.unknown_locked_until(&key).filter(|u| *u > now) {
            return Err(ApiError::Locked(seconds_left(until, now)));
        }
        let locked = state.login_guard.unknown_failed(&key, &lock);
        let audit = AuditEvent::new(AuditAction::SignIn, None, now).denied().client(client).detail("unknown username");
        state.store.record_audit(vec![audit]).await?;
        tracing::info!("sign-in refused");
        return Err(locked.map_or_else(bad_credentials, |until| ApiError::Locked(seconds_left(until, now))));
    };
    let audit = |outcome_detail: &str| {
        AuditEvent::new(AuditAction::SignIn, Some((user.id, user.role)), now)
            .target("user", user.id)
            .client(client.clone())
            .denied()
            .detail(outcome_detail)
    };
    if let Some(until) = login.as_ref().and_then(|l| l.locked_until).filter(|u| *u > now) {
        state.store.record_audit(vec![audit("refused: account locked")]).await?;
        tracing::info!("sign-in refused: account locked");
        return Err(ApiError::Locked(seconds_left(until, now)));
    }
    if !verified || user.disabled {
        let why = if user.disabled { "account disabled" } else { "wrong password" };
        let state_after = state.store.record_login_failure(user.id, &lock, &audit(why)).await?;
        tracing::info!("sign-in refused");
        return Err(match state_after.locked_until {
            Some(until) if until > now => ApiError::Locked(seconds_left(until, now)),
            _ => bad_credentials(),
        });
    }
    let mfa_enabled = login.as_ref().is_some_and(|l| l.mfa_enabled);
    if mfa_enabled {
        let Some(code) = input.totp else {
            return Err(ApiError::MfaRequired(
                "this account uses two-step sign-in: send the 6-digit code from your authenticator app as totp".into(),
            ));
        };
        if !second_factor_ok(&state, &user, code.expose_secret(), now).await? {
            let state_after = state.store.record_login_failure(user.id, &lock, &audit("wrong second factor")).await?;
            return Err(match state_after.locked_until {
                Some(until) if until > now => ApiError::Locked(seconds_left(until, now)),
                _ => ApiError::MfaRequired("the code is not correct; codes change every 30 seconds".into()),
            });
        }
    }
    start_session(&state, &user, mfa_enabled, input.cookie, client, now).await
}

/// Why a session could not start after the credentials checked out.
fn locked_now(now: DateTime<Utc>, state_after: Option<carethread_store::LoginState>) -> ApiError {
    let until = state_after.and_then(|s| s.locked_until).unwrap_or(now + TimeDelta::seconds(60));
    ApiError::Locked(seconds_left(until, now))
}

/// Starts a signed-in session: a bearer token in the answer, or for
/// browsers an `HttpOnly` cookie and the session's CSRF token.
async fn start_session(
    state: &AppState,
    user: &User,
    mfa_enabled: bool,
    cookie: bool,
    client: Option<String>,
    now: DateTime<Utc>,
) -> ApiResult<(HeaderMap, Json<SessionOut>)> {
    let token = new_token();
    let expires_at = now + TimeDelta::hours(i64::from(state.settings.session_max_hours));
    let session = SessionRecord {
        token_hash: token_hash(token.expose_secret()),
        user_id: user.id,
        created_at: now,
        last_seen_at: now,
        expires_at,
        mfa_enabled,
        // A session of an account with MFA exists only after the second factor passed.
        mfa_passed: mfa_enabled,
    };
    let success =
        AuditEvent::new(AuditAction::SignIn, Some((user.id, user.role)), now).target("user", user.id).client(client);
    if !state.store.record_login_success(&session, &success).await? {
        // A parallel attempt locked the account while this one was checked.
        return Err(locked_now(now, state.store.login_state(user.id).await?));
    }
    tracing::info!(user.id = %user.id, "signed in");
    let mut headers = HeaderMap::new();
    let (token_out, csrf) = if cookie {
        let cookie = session_cookie(token.expose_secret(), (expires_at - now).num_seconds(), state.tls);
        headers.insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(ApiError::internal)?);
        (None, Some(csrf_token(&session.token_hash)))
    } else {
        (Some(token.expose_secret().to_owned()), None)
    };
    Ok((
        headers,
        Json(SessionOut {
            token: token_out,
            csrf_token: csrf,
            user: user.into(),
            expires_at,
            mfa_enrolment_required: !mfa_enabled && state.settings.mfa_required(user.role),
        }),
    ))
}

/// Checks a TOTP code (each time step once) or uses up a recovery code.
async fn second_factor_ok(state: &AppState, user: &User, code: &str, now: DateTime<Utc>) -> ApiResult<bool> {
    let Some(mfa) = state.store.mfa(user.id).await? else { return Ok(false) };
    if totp::is_recovery_code(code) {
        return Ok(state.store.use_recovery_code(user.id, &totp::recovery_hash(code), now).await?);
    }
    match totp::matching_step(&mfa.secret, code, now.timestamp()) {
        Some(step) => Ok(state.store.accept_totp_step(user.id, step).await?),
        None => Ok(false),
    }
}

fn bad_credentials() -> ApiError {
    ApiError::Unauthorized(BAD_CREDENTIALS.to_owned())
}

/// Signs out: the token stops working at once. When the sign-out cannot be
/// written (a full disk), the answer is 503 with `Retry-After`, and the
/// session has ended all the same: this server refuses the token from now
/// on and writes the sign-out once it can.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses(
        (status = 204, description = "Signed out"), (status = 401, body = Problem),
        (status = 503, description = "Signed out, but not yet recorded: the token is refused all the same", body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn sign_out(
    State(state): State<AppState>,
    SessionOnly(auth): SessionOnly,
) -> Result<(StatusCode, [(header::HeaderName, String); 1]), axum::response::Response> {
    let expired = [(header::SET_COOKIE, expired_cookie(state.tls))];
    if let Err(err) = end_session(&state, &auth).await {
        let mut response = axum::response::IntoResponse::into_response(err);
        if let Ok(cookie) = HeaderValue::from_str(&expired[0].1) {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        return Err(response);
    }
    Ok((StatusCode::NO_CONTENT, expired))
}

/// Ends the caller's session, in memory if the sign-out cannot be written
/// (it is written later); the error says why it was not written.
pub(crate) async fn end_session(state: &AppState, auth: &Authenticated) -> ApiResult<()> {
    let audit = auth.audit(AuditAction::SignOut).target("user", auth.user.id);
    if let Err(err) = state.store.end_sessions(auth.user.id, Some(&auth.token_hash), &audit).await {
        let lifetime = std::time::Duration::from_secs(u64::from(state.settings.session_max_hours) * 3600);
        state.write_health.hold_sign_out(&state.store, &auth.token_hash, auth.user.id, audit, lifetime);
        return Err(err.into());
    }
    Ok(())
}

/// Signs out everywhere: every session of the caller ends at once (a lost
/// phone, a shared computer); on a full disk, 503 and they end all the same.
#[utoipa::path(delete, path = "/api/v1/sessions", tag = "session",
    responses(
        (status = 204, description = "Every session ended"), (status = 401, body = Problem),
        (status = 503, description = "Every session ended, but not yet recorded", body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    SessionOnly(auth): SessionOnly,
) -> ApiResult<StatusCode> {
    let audit = auth.audit(AuditAction::SignOutEverywhere).target("user", auth.user.id);
    if let Err(err) = state.store.end_sessions(auth.user.id, None, &audit).await {
        // Every session ends all the same, in memory, and is written once it can be.
        let lifetime = std::time::Duration::from_secs(u64::from(state.settings.session_max_hours) * 3600);
        state.write_health.hold_sign_out_everywhere(&state.store, auth.user.id, Utc::now(), audit, lifetime);
        return Err(err.into());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A new authenticator secret, to scan or type into an app.
#[derive(Serialize, ToSchema)]
pub struct MfaEnrolment {
    /// The secret in base32, for typing in by hand.
    pub secret: String,
    /// The `otpauth://` URI (what the QR code encodes).
    pub otpauth_uri: String,
    /// The URI as a QR code (SVG) to scan with the app.
    pub qr_svg: String,
}

/// Starts two-step sign-in: a new secret for an authenticator app. Confirm with a first code.
#[utoipa::path(post, path = "/api/v1/mfa/enrol", tag = "session",
    responses(
        (status = 200, description = "The secret to add to an authenticator app", body = MfaEnrolment),
        (status = 401, body = Problem),
        (status = 409, description = "Two-step sign-in is already on; turn it off first", body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn mfa_enrol(State(state): State<AppState>, SessionOnly(auth): SessionOnly) -> ApiResult<Json<MfaEnrolment>> {
    if state.store.mfa(auth.user.id).await?.is_some_and(|m| m.enabled) {
        return Err(ApiError::Conflict("two-step sign-in is already on; turn it off first to enrol a new app".into()));
    }
    let secret = totp::new_secret();
    state
        .store
        .set_mfa_secret(auth.user.id, &secret, &auth.audit(AuditAction::MfaEnrol).target("user", auth.user.id))
        .await?;
    let otpauth_uri = totp::otpauth_uri(&state.settings.name, auth.user.username.as_str(), &secret);
    let qr_svg = totp::qr_svg(&otpauth_uri).ok_or_else(|| ApiError::internal(std::fmt::Error))?;
    Ok(Json(MfaEnrolment { secret: totp::base32(&secret), otpauth_uri, qr_svg }))
}

/// A code from the authenticator app (or, to turn two-step sign-in off, a recovery code).
#[derive(Deserialize, ToSchema)]
pub struct MfaCode {
    #[schema(value_type = String)]
    pub code: SecretString,
}

/// Recovery codes, each usable once in place of an app code. Shown only now.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// Confirms enrolment with a first code; two-step sign-in is then on, and recovery codes are issued.
#[utoipa::path(post, path = "/api/v1/mfa/confirm", tag = "session", request_body = MfaCode,
    responses(
        (status = 200, description = "Two-step sign-in is on", body = RecoveryCodes),
        (status = 401, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn mfa_confirm(
    State(state): State<AppState>,
    SessionOnly(auth): SessionOnly,
    ApiJson(input): ApiJson<MfaCode>,
) -> ApiResult<Json<RecoveryCodes>> {
    let mfa = state.store.mfa(auth.user.id).await?;
    let Some(mfa) = mfa.filter(|m| !m.enabled) else {
        return Err(ApiError::Conflict("there is no enrolment to confirm: enrol first".into()));
    };
    let now = Utc::now();
    let step = totp::matching_step(&mfa.secret, input.code.expose_secret(), now.timestamp())
        .ok_or_else(|| ApiError::invalid("code", "is not the current code from your authenticator app"))?;
    if !state.store.accept_totp_step(auth.user.id, step).await? {
        return Err(ApiError::invalid("code", "was already used; wait for the next one"));
    }
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
    let audit = auth.audit(AuditAction::MfaEnable).target("user", auth.user.id);
    state.store.set_mfa_enabled(auth.user.id, true, &hashes, &auth.token_hash, &audit).await?;
    Ok(Json(RecoveryCodes { recovery_codes: codes }))
}

/// Turns two-step sign-in off, with a current code or a recovery code. Not
/// allowed where the clinic requires it for the caller's role.
#[utoipa::path(delete, path = "/api/v1/mfa", tag = "session", request_body = MfaCode,
    responses(
        (status = 204, description = "Two-step sign-in is off"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn mfa_disable(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<MfaCode>,
) -> ApiResult<StatusCode> {
    if state.settings.mfa_required(auth.user.role) {
        return Err(ApiError::Forbidden("your clinic requires two-step sign-in for your role".into()));
    }
    if !state.store.mfa(auth.user.id).await?.is_some_and(|m| m.enabled) {
        return Err(ApiError::Conflict("two-step sign-in is not on".into()));
    }
    if !second_factor_ok(&state, &auth.user, input.code.expose_secret(), Utc::now()).await? {
        return Err(ApiError::invalid("code", "is not a current code or an unused recovery code"));
    }
    let audit = auth.audit(AuditAction::MfaDisable).target("user", auth.user.id);
    state.store.set_mfa_enabled(auth.user.id, false, &[], &auth.token_hash, &audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod guard_tests {
    use super::*;

    #[test]
    fn the_address_limit_still_counts_after_a_panic_poisoned_its_lock() {
        let guard = std::sync::Arc::new(LoginGuard::default());
        let poisoner = guard.clone();
        let _ = std::thread::spawn(move || {
            let _held = poisoner.by_address.lock();
            panic!("a panic while the counters are held");
        })
        .join();
        assert!(guard.by_address.is_poisoned());
        assert!(guard.admit(Some("192.0.2.1"), 2));
        assert!(guard.admit(Some("192.0.2.1"), 2));
        assert!(!guard.admit(Some("192.0.2.1"), 2), "the third attempt in the minute is refused");
        let (claimed, again) = (guard.claim("alice"), guard.claim("alice"));
        assert!(claimed.is_some() && again.is_none(), "one check at a time per username");
    }

    #[test]
    fn an_address_gets_its_budget_back_as_time_passes_and_idle_ones_are_forgotten() {
        use governor::clock::FakeRelativeClock;
        use std::time::Duration;

        let clock = FakeRelativeClock::default();
        let limit = AddressLimit::new(3, clock.clone());
        for _ in 0..3 {
            assert!(limit.admit("192.0.2.1"));
        }
        assert!(!limit.admit("192.0.2.1"), "the fourth attempt at once is refused");
        assert!(limit.admit("192.0.2.2"), "another address has its own budget");
        assert!(!limit.admit("192.0.2.1"), "a refused attempt frees nothing");

        clock.advance(Duration::from_secs(19));
        assert!(!limit.admit("192.0.2.1"), "not yet a third of a minute later");
        clock.advance(Duration::from_secs(1));
        assert!(limit.admit("192.0.2.1"), "one attempt more every 20 seconds");
        assert!(!limit.admit("192.0.2.1"));

        clock.advance(Duration::from_mins(1));
        for _ in 0..3 {
            assert!(limit.admit("192.0.2.1"), "a minute later the whole budget is back");
        }
        let limiter = limit.limiter.as_ref().expect("a limiter for 3 a minute");
        assert_eq!(limiter.len(), 2);
        clock.advance(Duration::from_mins(2));
        limiter.retain_recent();
        assert_eq!(limiter.len(), 0, "addresses with their whole budget back are forgotten");
    }

    #[test]
    fn no_attempt_is_allowed_with_a_budget_of_zero_and_unknown_addresses_share_one() {
        let guard = LoginGuard::default();
        assert!(!guard.admit(Some("192.0.2.1"), 0));
        assert!(guard.admit(None, 1));
        assert!(!guard.admit(None, 1), "attempts without an address share one budget");
    }
}
