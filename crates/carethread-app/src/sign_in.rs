//! Signing in: the password checked against its argon2 hash (an unknown
//! user against a dummy hash, so both take the same time and get the same
//! answer), the account locked for a growing time after repeated failures
//! (unknown usernames are locked alike, in memory, so a lock reveals
//! nothing), the second factor for accounts that use one, and a session
//! started with its audit entry. Every attempt is audited. How the session
//! reaches the client (a bearer token or a cookie) is the interface's.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::user::{User, Username};
use carethread_store::SessionRecord;
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::passwords::{new_token, token_hash, verify_in_background};
use crate::{App, AppError, AppResult};

const BAD_CREDENTIALS: &str = "the username or password is not correct";

/// Failed attempts on a username that does not exist, and until when it is "locked".
type UnknownFailures = (i64, Option<DateTime<Utc>>);

/// Accounts being checked right now, and failures on unknown usernames.
#[derive(Default)]
pub struct AccountGuard {
    /// Usernames with a sign-in being checked: one at a time each, so a
    /// burst of parallel guesses cannot outrun the lockout.
    in_flight: Mutex<HashSet<String>>,
    /// Failed attempts on usernames that do not exist, so they lock like real ones.
    unknown: Mutex<HashMap<String, UnknownFailures>>,
}

/// The guard's sets, even after a panic elsewhere left their lock
/// poisoned: every update leaves them consistent, and a guard that stopped
/// counting would let guesses through unchecked.
fn held<T>(lock: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AccountGuard {
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

/// A sign-in check in progress; released when dropped.
struct InFlight<'a> {
    guard: &'a AccountGuard,
    username: String,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        held(&self.guard.in_flight).remove(&self.username);
    }
}

/// A sign-in attempt.
pub struct SignIn {
    pub username: String,
    pub password: SecretString,
    /// The authenticator app's code or a recovery code, for accounts with two-step sign-in.
    pub second_factor: Option<SecretString>,
    /// The client's network address, for the audit log.
    pub client: Option<String>,
}

/// A started session. The token is handed to the client once; only its hash is kept.
pub struct SignedIn {
    pub user: User,
    pub token: SecretString,
    pub session: SessionRecord,
    /// The clinic requires two-step sign-in for this role and the user has not enrolled.
    pub mfa_enrolment_required: bool,
}

fn seconds_left(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (until - now).num_seconds().max(1)
}

fn locked(until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    AppError::Locked { seconds: seconds_left(until, now) }
}

/// Signs in. A wrong password and an unknown username answer alike
/// (`SignInRefused`) after the same work; repeated failures lock the
/// account (`Locked`, with the seconds left); an account with two-step
/// sign-in needs its code (`SecondFactorRequired`).
pub async fn sign_in(app: &App, input: SignIn) -> AppResult<SignedIn> {
    let now = Utc::now();
    // An unparseable username is treated like an unknown one: same message, same work.
    let username = Username::parse(&input.username).ok();
    let key = username.as_ref().map_or_else(|| input.username.to_lowercase(), |u| u.as_str().to_owned());
    let Some(_checking) = app.sign_ins.claim(&key) else {
        tracing::info!("sign-in refused: another attempt on the account is being checked");
        return Err(AppError::TooManyAttempts);
    };
    let found = match &username {
        Some(username) => app.store.user_credentials(username).await?,
        None => None,
    };
    let login = match &found {
        Some(found) => app.store.login_state(found.user.id).await?,
        None => None,
    };
    let password = input.password;
    let stored = found.as_ref().map(|found| found.password_hash.clone());
    // On the hashing threads; a busy server answers 503 rather than queueing without end.
    let verified = verify_in_background(password, stored).await?;
    let settings = app.settings.clone();
    let lock = move |failures: i64| settings.lockout_after(failures).map(|d| Utc::now() + d);
    let client = input.client;

    let Some(carethread_store::Credentials { user, .. }) = found else {
        if let Some(until) = app.sign_ins.unknown_locked_until(&key).filter(|u| *u > now) {
            return Err(locked(until, now));
        }
        let locked_until = app.sign_ins.unknown_failed(&key, &lock);
        let audit = AuditEvent::new(AuditAction::SignIn, None, now).denied().client(client).detail("unknown username");
        app.store.record_audit(vec![audit]).await?;
        tracing::info!("sign-in refused");
        return Err(locked_until.map_or_else(bad_credentials, |until| locked(until, now)));
    };
    let audit = |outcome_detail: &str| {
        AuditEvent::new(AuditAction::SignIn, Some((user.id, user.role)), now)
            .target("user", user.id)
            .client(client.clone())
            .denied()
            .detail(outcome_detail)
    };
    if let Some(until) = login.as_ref().and_then(|l| l.locked_until).filter(|u| *u > now) {
        app.store.record_audit(vec![audit("refused: account locked")]).await?;
        tracing::info!("sign-in refused: account locked");
        return Err(locked(until, now));
    }
    if !verified || user.disabled {
        let why = if user.disabled { "account disabled" } else { "wrong password" };
        let state_after = app.store.record_login_failure(user.id, &lock, &audit(why)).await?;
        tracing::info!("sign-in refused");
        return Err(match state_after.locked_until {
            Some(until) if until > now => locked(until, now),
            _ => bad_credentials(),
        });
    }
    let mfa_enabled = login.as_ref().is_some_and(|l| l.mfa_enabled);
    if mfa_enabled {
        let Some(code) = input.second_factor else {
            return Err(AppError::SecondFactorRequired(
                "this account uses two-step sign-in: send the 6-digit code from your authenticator app as totp".into(),
            ));
        };
        if !crate::mfa::second_factor_ok(app, &user, code.expose_secret(), now).await? {
            let state_after = app.store.record_login_failure(user.id, &lock, &audit("wrong second factor")).await?;
            return Err(match state_after.locked_until {
                Some(until) if until > now => locked(until, now),
                _ => AppError::SecondFactorRequired("the code is not correct; codes change every 30 seconds".into()),
            });
        }
    }
    start_session(app, user, mfa_enabled, client, now).await
}

/// Starts a session after the credentials checked out, with its audit entry.
async fn start_session(
    app: &App,
    user: User,
    mfa_enabled: bool,
    client: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<SignedIn> {
    let token = new_token();
    let expires_at = now + TimeDelta::hours(i64::from(app.settings.session_max_hours));
    let session = SessionRecord {
        token_hash: token_hash(token.expose_secret()),
        user_id: user.id,
        created_at: now,
        last_seen_at: now,
        expires_at,
        mfa_enabled,
        // A session of an account with MFA exists only after the second factor passed.
        mfa_passed: mfa_enabled,
        scopes: None,
    };
    let success =
        AuditEvent::new(AuditAction::SignIn, Some((user.id, user.role)), now).target("user", user.id).client(client);
    if !app.store.record_login_success(&session, &success).await? {
        // A parallel attempt locked the account while this one was checked.
        let state_after = app.store.login_state(user.id).await?;
        let until = state_after.and_then(|s| s.locked_until).unwrap_or(now + TimeDelta::seconds(60));
        return Err(locked(until, now));
    }
    tracing::info!(user.id = %user.id, "signed in");
    let mfa_enrolment_required = !mfa_enabled && app.settings.mfa_required(user.role);
    Ok(SignedIn { user, token, session, mfa_enrolment_required })
}

fn bad_credentials() -> AppError {
    AppError::SignInRefused(BAD_CREDENTIALS.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_check_at_a_time_per_username_even_after_a_panic_poisoned_the_lock() {
        let guard = std::sync::Arc::new(AccountGuard::default());
        let poisoner = guard.clone();
        let panicked = std::thread::spawn(move || {
            let _held = poisoner.in_flight.lock();
            panic!("a panic while the set is held");
        })
        .join();
        assert!(panicked.is_err());
        let (claimed, again) = (guard.claim("alice"), guard.claim("alice"));
        assert!(claimed.is_some() && again.is_none(), "one check at a time per username");
        drop((claimed, again));
        assert!(guard.claim("alice").is_some(), "released when the check ends");
    }
}
