//! Systems that reach the FHIR API (SMART Backend Services): an
//! administrator registers one with its public keys, the scopes it may be
//! granted and the staff role it acts with; the system then trades a JWT it
//! signs for a short-lived token. The token is a session of the system's own
//! account, so the core policy and the audit log apply to it as to a person
//! with that role, and its scopes narrow it further.

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::ids::ClientId;
use carethread_core::policy;
use carethread_core::role::Role;
use carethread_core::user::{DisplayName, Language, NewUser, Username};
use carethread_fhir::smart::{Expected, Jwks, Scopes, verify_assertion};
use carethread_store::{NewAccount, NewSystemClient, SessionRecord, StoreError, SystemClient, SystemToken};
use chrono::{TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::audit::entry;
use crate::passwords::{new_token, token_hash};
use crate::users::require_admin;
use crate::{App, AppError, AppResult, Operator};

/// How long a system's token lasts (SMART recommends five minutes).
pub const TOKEN_LIFETIME: TimeDelta = TimeDelta::minutes(5);

/// The client assertion type SMART Backend Services use (RFC 7523).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A system to register, as an administrator typed it.
#[derive(Debug, Clone)]
pub struct RegisterClient {
    /// What the clinic calls it ("Laboratory interface"); its account's name.
    pub name: String,
    /// The role it acts with: a member of staff's, or an auditor's.
    pub role: String,
    /// Its public keys: a JWK Set with an RSA or P-384 key.
    pub jwks: String,
    /// The scopes it may be granted, e.g. `system/Communication.crs`.
    pub scopes: String,
}

/// Registers a system: the key set and scopes are checked, and its account
/// (a username from its client id and a password nobody knows) and the
/// registration are written with their audit entry in one transaction.
pub async fn register_client(app: &App, by: Operator<'_>, input: RegisterClient) -> AppResult<SystemClient> {
    require_admin(by)?;
    let now = Utc::now();
    let role = input.role.trim().parse::<Role>().map_err(|_| AppError::invalid("role", "is not a CareThread role"))?;
    if !policy::may_act_as_system(role) {
        return Err(AppError::invalid("role", "a system acts with a staff or auditor role"));
    }
    Jwks::parse(&input.jwks).map_err(|e| AppError::invalid("jwks", e.0))?;
    let scopes = Scopes::parse(&input.scopes).map_err(|e| AppError::invalid("scopes", e.to_string()))?;
    if !scopes.only_in(carethread_fhir::smart::Context::System) {
        return Err(AppError::invalid("scopes", "name system/ scopes only, such as system/Communication.rs"));
    }
    let id = ClientId::from_uuid(uuid::Uuid::now_v7());
    let simple = id.to_string().replace('-', "");
    let username = Username::parse(&format!("system-{}", &simple[simple.len() - 12..]))?;
    let name = DisplayName::parse(&input.name).map_err(|_| AppError::invalid("name", "must be 1 to 100 characters"))?;
    let user = NewUser::new(username, name.clone(), role, None, Language::parse("en")?, now.date_naive())?;
    let hash = crate::passwords::hash_in_background(new_token()).await?;
    let scopes = scopes.to_string();
    let new = NewSystemClient {
        id,
        name: name.as_str(),
        jwks: input.jwks.trim(),
        scopes: &scopes,
        account: NewAccount { user: &user, password_hash: &hash, now },
    };
    let audit = entry(by, AuditAction::SystemClientChange, format!("registered, role {}", role.as_str()));
    let client = app.store.register_system_client(new, &audit).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::Conflict("a system with that account exists already".into()),
        other => other.into(),
    })?;
    tracing::info!(client.id = %client.id, role = role.as_str(), "system registered for the FHIR API");
    Ok(client)
}

/// Every registered system (administrators).
pub async fn list_clients(app: &App, by: Operator<'_>) -> AppResult<Vec<SystemClient>> {
    require_admin(by)?;
    Ok(app.store.system_clients().await?)
}

/// Revokes a system: its tokens stop working at once and it gets no more.
pub async fn revoke_client(app: &App, by: Operator<'_>, id: ClientId) -> AppResult<()> {
    require_admin(by)?;
    let audit = entry(by, AuditAction::SystemClientChange, "revoked");
    if app.store.revoke_system_client(id, Utc::now(), &audit).await? {
        tracing::info!(client.id = %id, "system revoked");
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A token request (`POST …/auth/token`, form-encoded), as sent.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub scope: Option<String>,
    pub client_assertion_type: Option<String>,
    pub client_assertion: Option<String>,
    /// The token endpoint's address as this server is reached (the `aud`
    /// the assertion must name).
    pub token_url: String,
    /// The caller's network address, for the audit log.
    pub client: Option<String>,
}

/// A token given to a system.
#[derive(Debug)]
pub struct IssuedToken {
    pub access_token: SecretString,
    pub expires_in: i64,
    /// The scopes granted: those asked for, as far as the registration allows.
    pub scope: String,
}

/// Why a token was refused, as OAuth 2.0 names it (RFC 6749 §5.2).
#[derive(Debug, thiserror::Error)]
pub enum TokenRefusal {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    UnsupportedGrantType(String),
    /// The client is unknown, revoked, or its assertion did not check out.
    #[error("{0}")]
    InvalidClient(String),
    #[error("{0}")]
    InvalidScope(String),
    /// A patient's app presented a code or refresh token that is not (or no
    /// longer) good.
    #[error("{0}")]
    InvalidGrant(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for TokenRefusal {
    fn from(err: StoreError) -> Self {
        Self::App(err.into())
    }
}

impl TokenRefusal {
    /// The OAuth `error` code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            TokenRefusal::InvalidRequest(_) => "invalid_request",
            TokenRefusal::UnsupportedGrantType(_) => "unsupported_grant_type",
            TokenRefusal::InvalidClient(_) => "invalid_client",
            TokenRefusal::InvalidScope(_) => "invalid_scope",
            TokenRefusal::InvalidGrant(_) => "invalid_grant",
            TokenRefusal::App(_) => "server_error",
        }
    }
}

/// Issues a token for a system's signed assertion: `client_credentials`
/// with a `jwt-bearer` assertion signed by a registered key, naming this
/// endpoint, used once; granted the scopes asked for that the registration
/// allows. A refusal for a registered system is in the audit log.
pub async fn issue_token(app: &App, request: TokenRequest) -> Result<IssuedToken, TokenRefusal> {
    let now = Utc::now();
    let required = |value: Option<String>, name: &str| {
        value.filter(|v| !v.is_empty()).ok_or_else(|| TokenRefusal::InvalidRequest(format!("{name} is required")))
    };
    if required(request.grant_type, "grant_type")? != "client_credentials" {
        return Err(TokenRefusal::UnsupportedGrantType("grant_type must be client_credentials".into()));
    }
    if required(request.client_assertion_type, "client_assertion_type")? != JWT_BEARER {
        return Err(TokenRefusal::InvalidRequest(format!("client_assertion_type must be {JWT_BEARER}")));
    }
    let assertion = required(request.client_assertion, "client_assertion")?;
    let wanted =
        Scopes::parse(&required(request.scope, "scope")?).map_err(|e| TokenRefusal::InvalidScope(e.to_string()))?;
    let client = client_named_by(app, &assertion).await?;
    let audit = |detail: &str| {
        AuditEvent::new(AuditAction::SystemToken, Some((client.account.id, client.account.role)), now)
            .target("system_client", client.id)
            .client(request.client.clone())
            .detail(detail.to_owned())
    };
    let refuse = async |why: TokenRefusal| -> Result<IssuedToken, TokenRefusal> {
        app.store.record_audit(vec![audit(&why.to_string()).denied()]).await?;
        tracing::info!(client.id = %client.id, "system token refused");
        Err(why)
    };
    let keys = Jwks::parse(&client.jwks).map_err(|_| StoreError::Corrupt("a system's key set".into()))?;
    let expected = Expected { client_id: &client.id.to_string(), audience: &request.token_url, now };
    let verified = match verify_assertion(&assertion, &keys, expected) {
        Ok(verified) => verified,
        Err(why) => return refuse(TokenRefusal::InvalidClient(why.0.to_owned())).await,
    };
    let registered = Scopes::parse(&client.scopes).map_err(|_| StoreError::Corrupt("a system's scopes".into()))?;
    let granted = wanted.within(&registered);
    if granted.is_empty() {
        return refuse(TokenRefusal::InvalidScope("none of the scopes asked for is registered for this system".into()))
            .await;
    }
    let token = new_token();
    let session = SessionRecord {
        token_hash: token_hash(token.expose_secret()),
        user_id: client.account.id,
        created_at: now,
        last_seen_at: now,
        expires_at: now + TOKEN_LIFETIME,
        mfa_enabled: false,
        mfa_passed: false,
        scopes: Some(granted.to_string()),
    };
    let issue =
        SystemToken { client: client.id, jti: &verified.jti, jti_expires_at: verified.expires_at, session: &session };
    if !app.store.issue_system_token(issue, &audit(&format!("granted {granted}"))).await? {
        return refuse(TokenRefusal::InvalidClient("that assertion was used already (its jti)".into())).await;
    }
    tracing::info!(client.id = %client.id, "system token issued");
    Ok(IssuedToken { access_token: token, expires_in: TOKEN_LIFETIME.num_seconds(), scope: granted.to_string() })
}

/// The registered, unrevoked system an assertion says it comes from (its
/// `iss`, read before the signature is checked against that system's keys).
async fn client_named_by(app: &App, assertion: &str) -> Result<SystemClient, TokenRefusal> {
    let unknown = || TokenRefusal::InvalidClient("the assertion names no registered system".into());
    let id = carethread_fhir::smart::unverified_issuer(assertion).and_then(|iss| iss.parse::<ClientId>().ok());
    let client = app.store.system_client(id.ok_or_else(unknown)?).await?.ok_or_else(unknown)?;
    if client.revoked_at.is_some() || client.account.disabled {
        return Err(TokenRefusal::InvalidClient("this system's registration was revoked".into()));
    }
    // Its account's role may have been changed since it was registered.
    if !policy::may_act_as_system(client.account.role) {
        return Err(TokenRefusal::InvalidClient("this system's account has a role systems may not act with".into()));
    }
    Ok(client)
}
