//! Connecting a patient's app (SMART App Launch, standalone launch): the
//! app sends the patient to the authorization address with its PKCE
//! challenge; she signs in to the portal and sees what the app asks for;
//! if she allows it, the app gets a one-time code, then trades it (with the
//! PKCE verifier) for a short-lived access token, her patient id, an
//! `id_token` naming her (`openid fhirUser`) and, if it asked, a refresh
//! token that rotates on every use.
//!
//! The access token is a session of the patient's own account holding
//! `patient/` scopes: the core policy decides every read as for her, the
//! scopes narrow it, and it reaches the FHIR API only.

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::ids::{AppConnectionId, AppId};
use carethread_core::policy;
use carethread_core::user::User;
use carethread_fhir::smart::{LaunchScopes, Scopes, SigningKey, challenge_valid, verifier_matches};
use carethread_store::{AppConnection, AppTokens, NewAppConnection, PatientApp, SessionRecord};
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::passwords::{new_token, token_hash};
use crate::system_clients::TokenRefusal;
use crate::{App, AppError, AppResult, Caller};

/// How long a code waits to be redeemed.
const CODE_LIFETIME: TimeDelta = TimeDelta::minutes(2);
/// How long an access token lasts at most (and never past the clinic's idle limit).
const ACCESS_LIFETIME: TimeDelta = TimeDelta::minutes(60);
/// How long an `offline_access` refresh token lasts unused (each use gives a new one).
const OFFLINE_LIFETIME: TimeDelta = TimeDelta::days(90);

/// An authorization request as the app sent it (the query string).
#[derive(Debug, Clone, Default)]
pub struct AuthorizeRequest {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub aud: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub nonce: Option<String>,
}

/// A request found sound: what the consent screen shows and, once the
/// patient answers, what the code is given for.
#[derive(Debug, Clone)]
pub struct LaunchPlan {
    pub app: PatientApp,
    pub redirect_uri: String,
    pub state: String,
    /// What the app asked for, narrowed to what it was registered for.
    pub scopes: LaunchScopes,
    pub code_challenge: String,
    pub nonce: Option<String>,
}

impl LaunchPlan {
    /// The origin of the address the answer goes to, which the consent
    /// page's form may be sent on to.
    #[must_use]
    pub fn redirect_origin(&self) -> String {
        reqwest::Url::parse(&self.redirect_uri).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
    }
}

/// Why a request cannot even be answered to the app that sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Untrusted {
    /// No such app is registered, or it was revoked.
    UnknownApp,
    /// The address to send the answer to is not one the app registered.
    UnknownAddress,
}

/// Why an authorization request was refused.
#[derive(Debug)]
pub enum AuthorizeRefusal {
    /// The app or its address cannot be trusted: the person is told, and
    /// nothing is sent to the address (RFC 6749 §4.1.2.1).
    Untrusted(Untrusted),
    /// The app is sent back its error (`error`, and `state` as it sent it).
    SendBack { redirect_uri: String, state: Option<String>, error: &'static str, description: String },
}

/// Checks an authorization request against the app's registration. `fhir_base`
/// is this server's FHIR address, which the request's `aud` must name.
pub async fn check_request(
    app: &App,
    request: AuthorizeRequest,
    fhir_base: &str,
) -> Result<LaunchPlan, AuthorizeRefusal> {
    let id = request.client_id.as_deref().and_then(|c| c.parse::<AppId>().ok());
    let registered = match id {
        Some(id) => app.store.patient_app(id).await.ok().flatten(),
        None => None,
    };
    let registered =
        registered.filter(|a| a.revoked_at.is_none()).ok_or(AuthorizeRefusal::Untrusted(Untrusted::UnknownApp))?;
    let redirect_uri = request
        .redirect_uri
        .filter(|uri| registered.redirect_uris.iter().any(|r| r == uri))
        .ok_or(AuthorizeRefusal::Untrusted(Untrusted::UnknownAddress))?;
    let state = request.state.filter(|s| !s.is_empty() && s.len() <= 500);
    let send_back = |error: &'static str, description: &str| AuthorizeRefusal::SendBack {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error,
        description: description.to_owned(),
    };
    if request.response_type.as_deref() != Some("code") {
        return Err(send_back("unsupported_response_type", "response_type must be code"));
    }
    let Some(state) = state.clone() else {
        return Err(send_back("invalid_request", "state is required (at most 500 characters)"));
    };
    if request.aud.as_deref().map(|a| a.trim_end_matches('/')) != Some(fhir_base.trim_end_matches('/')) {
        return Err(send_back("invalid_request", "aud must name this FHIR server"));
    }
    let challenge = request.code_challenge.unwrap_or_default();
    if request.code_challenge_method.as_deref() != Some("S256") || !challenge_valid(&challenge) {
        return Err(send_back("invalid_request", "a PKCE code_challenge with code_challenge_method S256 is required"));
    }
    let allowed = Scopes::parse(&registered.scopes).map_err(|_| send_back("server_error", "the app's scopes"))?;
    let scopes = LaunchScopes::parse(request.scope.as_deref().unwrap_or_default()).within(&allowed);
    if scopes.resources.is_empty() {
        return Err(send_back("invalid_scope", "ask for at least one patient/ scope the app is registered for"));
    }
    let nonce = request.nonce.filter(|n| !n.is_empty() && n.len() <= 500);
    Ok(LaunchPlan { app: registered, redirect_uri, state, scopes, code_challenge: challenge, nonce })
}

/// Adds query parameters to an app's address.
fn with_params(redirect_uri: &str, params: &[(&str, &str)]) -> AppResult<String> {
    let mut url =
        reqwest::Url::parse(redirect_uri).map_err(|_| AppError::invalid("redirect_uri", "is not an address"))?;
    url.query_pairs_mut().extend_pairs(params);
    Ok(url.into())
}

/// Where a refusal sends the app back to (its `error`, and its `state`).
pub fn refusal_address(redirect_uri: &str, state: Option<&str>, error: &str, description: &str) -> AppResult<String> {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        params.push(("state", state));
    }
    with_params(redirect_uri, &params)
}

/// The patient's answer on the consent screen. Allowed, a one-time code is
/// kept for the app; either way the answer is audited and the address to
/// send the browser back to is returned.
pub async fn answer(app: &App, caller: &Caller, plan: &LaunchPlan, allow: bool) -> AppResult<String> {
    if !policy::may_connect_app(caller.user.role) {
        return Err(AppError::Forbidden("only a patient can connect an app to her own record".into()));
    }
    let audit = caller.audit(AuditAction::AppConsent).target("patient_app", plan.app.id);
    if !allow {
        app.store.record_audit(vec![audit.detail("refused").denied()]).await?;
        let why = "the patient did not allow it";
        return refusal_address(&plan.redirect_uri, Some(&plan.state), "access_denied", why);
    }
    let now = Utc::now();
    let code = new_token();
    let scopes = plan.scopes.to_string();
    let new = NewAppConnection {
        id: AppConnectionId::from_uuid(uuid::Uuid::now_v7()),
        app: plan.app.id,
        user: caller.user.id,
        scopes: &scopes,
        redirect_uri: &plan.redirect_uri,
        code_challenge: &plan.code_challenge,
        nonce: plan.nonce.as_deref(),
        code_hash: &token_hash(code.expose_secret()),
        code_expires_at: now + CODE_LIFETIME,
        now,
    };
    app.store.start_app_connection(new, &audit.detail(format!("allowed {scopes}"))).await?;
    with_params(&plan.redirect_uri, &[("code", code.expose_secret()), ("state", &plan.state)])
}

/// A token request from a patient's app (`authorization_code` or
/// `refresh_token`), as sent.
#[derive(Debug, Clone, Default)]
pub struct AppTokenRequest {
    pub grant_type: String,
    pub client_id: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
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

/// Trades a code or a refresh token for tokens.
pub async fn issue_tokens(app: &App, request: AppTokenRequest) -> Result<AppTokensIssued, TokenRefusal> {
    let required = |value: &Option<String>, name: &str| {
        value
            .clone()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| TokenRefusal::InvalidRequest(format!("{name} is required")))
    };
    let client_id = required(&request.client_id, "client_id")?;
    match request.grant_type.as_str() {
        "authorization_code" => {
            let code = required(&request.code, "code")?;
            let redirect_uri = required(&request.redirect_uri, "redirect_uri")?;
            let verifier = required(&request.code_verifier, "code_verifier")?;
            let hash = token_hash(&code);
            let connection = app.store.app_connection_by_code(&hash).await?.ok_or_else(invalid_grant)?;
            let now = Utc::now();
            let deny = async |why: &str| refuse(app, &connection, &request, why).await;
            if connection.code_used {
                // A code presented twice was stolen or replayed: the
                // connection it started ends (RFC 6749 §4.1.2).
                let audit = token_audit(&connection, &request, now).detail("a used code was presented again").denied();
                app.store.end_app_connection(connection.id, None, now, &audit).await?;
                return Err(TokenRefusal::InvalidGrant("that code was used already".into()));
            }
            if connection.app.to_string() != client_id {
                return deny("the code was given to another app").await;
            }
            if connection.redirect_uri != redirect_uri {
                return deny("redirect_uri is not the address the code was sent to").await;
            }
            if connection.code_expires_at <= now || connection.ended_at.is_some() || connection.app_revoked {
                return deny("the code has expired").await;
            }
            if !verifier_matches(&verifier, &connection.code_challenge) {
                return deny("code_verifier does not match the code_challenge").await;
            }
            let user = patient_of(app, &connection).await?;
            let made = make_tokens(app, &connection, &user, now);
            let audit = token_audit(&connection, &request, now).detail(format!("code redeemed, {}", connection.scopes));
            if !app.store.redeem_app_code(&hash, made.record(&connection), now, &audit).await? {
                return Err(TokenRefusal::InvalidGrant("that code was used already".into()));
            }
            made.issued(app, &connection, &user, &request, now).await
        }
        "refresh_token" => {
            let refresh = required(&request.refresh_token, "refresh_token")?;
            let hash = token_hash(&refresh);
            let connection = app.store.app_connection_by_refresh(&hash).await?.ok_or_else(invalid_grant)?;
            let now = Utc::now();
            if connection.app.to_string() != client_id {
                return refuse(app, &connection, &request, "the refresh token was given to another app").await;
            }
            if connection.refresh_expires_at.is_none_or(|at| at <= now) || connection.app_revoked {
                return refuse(app, &connection, &request, "the refresh token has expired").await;
            }
            let user = patient_of(app, &connection).await?;
            let made = make_tokens(app, &connection, &user, now);
            let audit = token_audit(&connection, &request, now).detail("refreshed");
            if !app.store.refresh_app_tokens(&hash, made.record(&connection), now, &audit).await? {
                return Err(invalid_grant());
            }
            // The identity was told with the code; a refresh tells only the tokens.
            Ok(made.without_identity())
        }
        _ => Err(TokenRefusal::UnsupportedGrantType(
            "grant_type must be client_credentials, authorization_code or refresh_token".into(),
        )),
    }
}

fn invalid_grant() -> TokenRefusal {
    TokenRefusal::InvalidGrant("the code or refresh token is not valid".into())
}

fn token_audit(connection: &AppConnection, request: &AppTokenRequest, now: DateTime<Utc>) -> AuditEvent {
    // The app acts for the patient: the entry is hers, naming the connection.
    AuditEvent::new(AuditAction::AppToken, Some((connection.user_id, carethread_core::role::Role::Patient)), now)
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
    let access = new_token();
    let session = SessionRecord {
        token_hash: token_hash(access.expose_secret()),
        user_id: user.id,
        created_at: now,
        last_seen_at: now,
        expires_at: now + ACCESS_LIFETIME.min(idle),
        mfa_enabled: false,
        // She passed her second factor, if she has one, in the portal session she consented in.
        mfa_passed: true,
        scopes: Some(scopes.resources.to_string()),
    };
    let refresh = scopes.refreshable().then(|| {
        let lifetime = if scopes.refresh == Some(carethread_fhir::smart::Refresh::Offline) {
            OFFLINE_LIFETIME
        } else {
            TimeDelta::hours(i64::from(app.settings.session_max_hours))
        };
        let token = new_token();
        let hash = token_hash(token.expose_secret());
        (token, hash, now + lifetime)
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

    fn without_identity(self) -> AppTokensIssued {
        AppTokensIssued {
            expires_in: (self.session.expires_at - self.session.created_at).num_seconds(),
            scope: self.scopes.to_string(),
            patient: self.session.user_id.to_string(),
            access_token: self.access,
            refresh_token: self.refresh.map(|(token, _, _)| token),
            id_token: None,
        }
    }

    async fn issued(
        self,
        app: &App,
        connection: &AppConnection,
        user: &User,
        request: &AppTokenRequest,
        now: DateTime<Utc>,
    ) -> Result<AppTokensIssued, TokenRefusal> {
        let id_token = if self.scopes.identity() {
            let base = request.fhir_base.trim_end_matches('/');
            let mut claims = json!({
                "iss": base,
                "sub": user.id.to_string(),
                "aud": connection.app.to_string(),
                "iat": now.timestamp(),
                "exp": (now + ACCESS_LIFETIME).timestamp(),
                "fhirUser": format!("{base}/Patient/{}", user.id),
            });
            if let Some(nonce) = &connection.nonce {
                claims["nonce"] = json!(nonce);
            }
            let key = signing_key(app).await?;
            Some(key.sign(&claims).map_err(AppError::internal)?)
        } else {
            None
        };
        Ok(AppTokensIssued { id_token, ..self.without_identity() })
    }
}

/// The clinic's `id_token` signing key: the one kept, or a new one made
/// and kept (if several servers make one at once, the first kept wins).
pub async fn signing_key(app: &App) -> AppResult<SigningKey> {
    if let Some((kid, pkcs8)) = app.store.signing_key().await? {
        return SigningKey::from_pkcs8(&kid, &pkcs8).map_err(AppError::internal);
    }
    let kid = uuid::Uuid::now_v7().simple().to_string();
    let made = {
        let kid = kid.clone();
        tokio::task::spawn_blocking(move || SigningKey::generate(&kid)).await.map_err(AppError::internal)?
    };
    let (_, pkcs8) = made.map_err(AppError::internal)?;
    app.store.add_signing_key(&kid, &pkcs8, Utc::now()).await?;
    tracing::info!(kid, "id_token signing key made");
    let (kid, pkcs8) = app.store.signing_key().await?.ok_or(AppError::NotFound)?;
    SigningKey::from_pkcs8(&kid, &pkcs8).map_err(AppError::internal)
}
