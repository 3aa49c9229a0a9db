//! The token exchange of a patient's app (SMART App Launch): its one-time
//! code (with the PKCE verifier) or its refresh token for an access token,
//! her patient id, an `id_token` naming her and a new refresh token. A code
//! or a refresh token presented again means it was copied: the connection
//! it belongs to ends. The clinic's `id_token` signing key is kept here too.

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::policy;
use carethread_core::role::Role;
use carethread_core::user::User;
use carethread_fhir::smart::{LaunchScopes, Refresh, SigningKey, verifier_matches};
use carethread_store::{AppConnection, AppTokens, SessionRecord};
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::passwords::{new_token, token_hash};
use crate::system_clients::TokenRefusal;
use crate::{App, AppError, AppResult};

/// How long an access token lasts at most (and never past the clinic's idle limit).
pub(crate) const ACCESS_LIFETIME: TimeDelta = TimeDelta::minutes(60);
/// How long an `offline_access` refresh token lasts unused (each use gives a new one).
const OFFLINE_LIFETIME: TimeDelta = TimeDelta::days(90);
/// How long after a code expires its second use still ends the connection it
/// started. Later, an old code found somewhere is only refused: it cannot be
/// used to disconnect the patient's app.
const REPLAY_WINDOW: TimeDelta = TimeDelta::minutes(10);

/// A token request from a patient's app (`authorization_code` or
/// `refresh_token`), as sent.
#[derive(Debug, Clone, Default)]
pub struct AppTokenRequest {
    pub grant_type: String,
    pub client_id: Option<String>,
    pub code: Option<SecretString>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<SecretString>,
    pub refresh_token: Option<SecretString>,
    /// This server's FHIR address (the `id_token`'s issuer).
    pub fhir_base: String,
    /// The caller's network address, for the audit log.
    pub client: Option<String>,
}

/// Tokens given to a patient's app.
#[derive(Debug)]
pub struct AppTokensIssued {
    pub access_token: SecretString,
    pub expires_in: i64,
    pub scope: String,
    /// The patient in context (`launch/patient`): always the patient herself.
    pub patient: String,
    pub refresh_token: Option<SecretString>,
    pub id_token: Option<String>,
}

fn required<T: Clone>(value: Option<&T>, name: &str, empty: impl Fn(&T) -> bool) -> Result<T, TokenRefusal> {
    value.filter(|v| !empty(v)).cloned().ok_or_else(|| TokenRefusal::InvalidRequest(format!("{name} is required")))
}

fn secret(value: Option<&SecretString>, name: &str) -> Result<SecretString, TokenRefusal> {
    required(value, name, |v| v.expose_secret().is_empty())
}

/// Trades a code or a refresh token for tokens.
pub async fn issue_tokens(app: &App, request: AppTokenRequest) -> Result<AppTokensIssued, TokenRefusal> {
    let client_id = required(request.client_id.as_ref(), "client_id", String::is_empty)?;
    match request.grant_type.as_str() {
        "authorization_code" => redeem_code(app, &request, &client_id).await,
        "refresh_token" => refresh(app, &request, &client_id).await,
        _ => Err(TokenRefusal::UnsupportedGrantType(
            "grant_type must be client_credentials, authorization_code or refresh_token".into(),
        )),
    }
}

async fn redeem_code(app: &App, request: &AppTokenRequest, client_id: &str) -> Result<AppTokensIssued, TokenRefusal> {
    let code = secret(request.code.as_ref(), "code")?;
    let redirect_uri = required(request.redirect_uri.as_ref(), "redirect_uri", String::is_empty)?;
    let verifier = secret(request.code_verifier.as_ref(), "code_verifier")?;
    let hash = token_hash(code.expose_secret());
    let connection = app.store.app_connection_by_code(&hash).await?.ok_or_else(invalid_grant)?;
    let now = Utc::now();
    if connection.code_used {
        // A code presented twice was copied: what it started ends (RFC 6749 §4.1.2).
        if now < connection.code_expires_at + REPLAY_WINDOW {
            end_copied(app, &connection, request, "a used code was presented again").await?;
        }
        return Err(TokenRefusal::InvalidGrant("that code was used already".into()));
    }
    let deny = async |why: &str| refuse(app, &connection, request, why).await;
    if connection.app.to_string() != client_id {
        return deny("the code was given to another app").await;
    }
    if connection.redirect_uri != redirect_uri {
        return deny("redirect_uri is not the address the code was sent to").await;
    }
    if connection.code_expires_at <= now || connection.ended_at.is_some() || connection.app_revoked {
        return deny("the code has expired").await;
    }
    if !verifier_matches(verifier.expose_secret(), &connection.code_challenge) {
        return deny("code_verifier does not match the code_challenge").await;
    }
    let user = patient_of(app, &connection).await?;
    let made = make_tokens(app, &connection, &user, now);
    // Signed before the code is used up, so a failure leaves the app free to try again.
    let id_token = id_token(app, &made.scopes, &connection, &user, &request.fhir_base, now).await?;
    let audit = token_audit(&connection, request, now).detail(format!("code redeemed, {}", connection.scopes));
    if !app.store.redeem_app_code(&hash, made.record(&connection), &audit).await? {
        // Redeemed at the same moment by another request (the same as a
        // replay), or the connection ended meanwhile.
        end_copied(app, &connection, request, "the code was used or ended meanwhile").await?;
        return Err(TokenRefusal::InvalidGrant("that code was used already".into()));
    }
    Ok(AppTokensIssued { id_token, ..made.issued() })
}

async fn refresh(app: &App, request: &AppTokenRequest, client_id: &str) -> Result<AppTokensIssued, TokenRefusal> {
    let refresh = secret(request.refresh_token.as_ref(), "refresh_token")?;
    let hash = token_hash(refresh.expose_secret());
    let Some(connection) = app.store.app_connection_by_refresh(&hash).await? else {
        // A refresh token already traded in, presented again: one of the two
        // holders copied it, and neither is to be trusted (RFC 9700 §4.14.2).
        if let Some(copied) = app.store.app_connection_by_used_refresh(&hash).await? {
            end_copied(app, &copied, request, "a refresh token used before was presented again").await?;
        }
        return Err(invalid_grant());
    };
    let now = Utc::now();
    if connection.app.to_string() != client_id {
        return refuse(app, &connection, request, "the refresh token was given to another app").await;
    }
    if connection.refresh_expires_at.is_none_or(|at| at <= now) || connection.app_revoked {
        return refuse(app, &connection, request, "the refresh token has expired").await;
    }
    let user = patient_of(app, &connection).await?;
    let made = make_tokens(app, &connection, &user, now);
    let audit = token_audit(&connection, request, now).detail("refreshed");
    if !app.store.refresh_app_tokens(&hash, made.record(&connection), &audit).await? {
        // Traded in at the same moment by another request: one of the two copied it.
        end_copied(app, &connection, request, "a refresh token was presented twice at once").await?;
        return Err(invalid_grant());
    }
    // The identity was told with the code; a refresh tells only the tokens.
    Ok(made.issued())
}

fn invalid_grant() -> TokenRefusal {
    TokenRefusal::InvalidGrant("the code or refresh token is not valid".into())
}

fn token_audit(connection: &AppConnection, request: &AppTokenRequest, now: DateTime<Utc>) -> AuditEvent {
    // The app acts for the patient: the entry is hers, naming the connection.
    AuditEvent::new(AuditAction::AppToken, Some((connection.user_id, Role::Patient)), now)
        .target("app_connection", connection.id)
        .client(request.client.clone())
}

/// Refuses a token request for a known connection, audited.
async fn refuse<T>(
    app: &App,
    connection: &AppConnection,
    request: &AppTokenRequest,
    why: &str,
) -> Result<T, TokenRefusal> {
    let audit = token_audit(connection, request, Utc::now()).detail(why.to_owned()).denied();
    app.store.record_audit(vec![audit]).await?;
    Err(TokenRefusal::InvalidGrant(why.to_owned()))
}

/// Ends a connection whose code or refresh token was copied, audited.
async fn end_copied(app: &App, connection: &AppConnection, request: &AppTokenRequest, why: &str) -> AppResult<()> {
    let now = Utc::now();
    let audit = token_audit(connection, request, now).detail(why.to_owned()).denied();
    if !app.store.end_app_connection(connection.id, None, &audit).await? {
        app.store.record_audit(vec![audit]).await?;
    }
    tracing::warn!(connection.id = %connection.id, "an app's code or refresh token was presented again; the connection ended");
    Ok(())
}

/// The patient a connection was given by, if she may still connect apps.
async fn patient_of(app: &App, connection: &AppConnection) -> Result<User, TokenRefusal> {
    let user = app.store.user(connection.user_id).await?.ok_or_else(invalid_grant)?;
    if user.disabled || !policy::may_connect_app(user.role) {
        return Err(TokenRefusal::InvalidGrant("the patient's account no longer allows apps".into()));
    }
    Ok(user)
}

/// Tokens made for a connection, not yet kept.
struct MadeTokens {
    access: SecretString,
    session: SessionRecord,
    refresh: Option<(SecretString, String, DateTime<Utc>)>,
    scopes: LaunchScopes,
}

fn make_tokens(app: &App, connection: &AppConnection, user: &User, now: DateTime<Utc>) -> MadeTokens {
    let scopes = LaunchScopes::parse(&connection.scopes);
    let idle = TimeDelta::minutes(i64::from(app.settings.session_idle_minutes));
    let refresh_until = scopes.refresh.map(|kind| match kind {
        // Sliding: each use gives 90 days more.
        Refresh::Offline => now + OFFLINE_LIFETIME,
        // Fixed when she allowed it (a session's longest life), however often it is used.
        Refresh::Online => connection
            .refresh_expires_at
            .unwrap_or(connection.created_at + TimeDelta::hours(i64::from(app.settings.session_max_hours))),
    });
    // An online_access connection's access token does not outlive it either.
    let online_until = refresh_until.filter(|_| scopes.refresh == Some(Refresh::Online));
    let at_most = now + ACCESS_LIFETIME.min(idle);
    let expires_at = online_until.map_or(at_most, |until| at_most.min(until));
    let access = new_token();
    let session = SessionRecord {
        token_hash: token_hash(access.expose_secret()),
        user_id: user.id,
        created_at: now,
        last_seen_at: now,
        expires_at,
        mfa_enabled: false,
        // She passed her second factor, if she has one, in the portal session she consented in.
        mfa_passed: true,
        scopes: Some(scopes.resources.to_string()),
    };
    let refresh = refresh_until.map(|until| {
        let token = new_token();
        let hash = token_hash(token.expose_secret());
        (token, hash, until)
    });
    MadeTokens { access, session, refresh, scopes }
}

impl MadeTokens {
    fn record<'a>(&'a self, connection: &AppConnection) -> AppTokens<'a> {
        AppTokens {
            connection: connection.id,
            session: &self.session,
            refresh_hash: self.refresh.as_ref().map(|(_, hash, _)| hash.as_str()),
            refresh_expires_at: self.refresh.as_ref().map(|(_, _, at)| *at),
        }
    }

    fn issued(self) -> AppTokensIssued {
        AppTokensIssued {
            expires_in: (self.session.expires_at - self.session.created_at).num_seconds(),
            scope: self.scopes.to_string(),
            patient: self.session.user_id.to_string(),
            access_token: self.access,
            refresh_token: self.refresh.map(|(token, _, _)| token),
            id_token: None,
        }
    }
}

/// The `id_token` for `openid` (naming her `Patient` resource for `fhirUser`).
async fn id_token(
    app: &App,
    scopes: &LaunchScopes,
    connection: &AppConnection,
    user: &User,
    fhir_base: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<String>> {
    if !scopes.identity() {
        return Ok(None);
    }
    let base = fhir_base.trim_end_matches('/');
    let mut claims = json!({
        "iss": base,
        "sub": user.id.to_string(),
        "aud": connection.app.to_string(),
        "iat": now.timestamp(),
        "exp": (now + ACCESS_LIFETIME).timestamp(),
    });
    if scopes.fhir_user {
        claims["fhirUser"] = json!(format!("{base}/Patient/{}", user.id));
    }
    if let Some(nonce) = &connection.nonce {
        claims["nonce"] = json!(nonce);
    }
    let keys = signing_keys(app).await?;
    let key = keys.first().ok_or(AppError::NotFound)?;
    Ok(Some(key.sign(&claims).map_err(AppError::internal)?))
}

/// One key made at a time in this process (making one takes a while).
static MAKING_KEY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The clinic's `id_token` signing keys, oldest first (the first signs;
/// all are published). The first time, one is made and kept.
pub async fn signing_keys(app: &App) -> AppResult<Vec<SigningKey>> {
    let read = async || -> AppResult<Vec<SigningKey>> {
        let kept = app.store.signing_keys().await?;
        kept.iter().map(|(kid, pkcs8)| SigningKey::from_pkcs8(kid, pkcs8).map_err(AppError::internal)).collect()
    };
    let keys = read().await?;
    if !keys.is_empty() {
        return Ok(keys);
    }
    let _making = MAKING_KEY.lock().await;
    let keys = read().await?;
    if !keys.is_empty() {
        return Ok(keys);
    }
    let kid = uuid::Uuid::now_v7().simple().to_string();
    let made = {
        let kid = kid.clone();
        tokio::task::spawn_blocking(move || SigningKey::generate(&kid)).await.map_err(AppError::internal)?
    };
    let (_, pkcs8) = made.map_err(AppError::internal)?;
    app.store.add_signing_key(&kid, &pkcs8, Utc::now()).await?;
    tracing::info!(kid, "id_token signing key made");
    read().await
}
