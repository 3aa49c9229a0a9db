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
//! scopes narrow it, and it reaches the FHIR API only. The token exchange is
//! [`crate::app_tokens`].

use carethread_core::audit::AuditAction;
use carethread_core::ids::{AppConnectionId, AppId};
use carethread_core::policy;
use carethread_fhir::smart::{LaunchScopes, Scopes, challenge_valid};
use carethread_store::{NewAppConnection, PatientApp};
use chrono::{TimeDelta, Utc};
use secrecy::ExposeSecret;

use crate::passwords::{new_token, token_hash};
use crate::{App, AppError, AppResult, Caller};

/// How long a code waits to be redeemed.
pub(crate) const CODE_LIFETIME: TimeDelta = TimeDelta::minutes(2);

/// An authorization request as the app sent it (the query string), and as
/// the consent form sends it again.
#[derive(Debug, Clone, Default, serde::Deserialize)]
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

impl AuthorizeRequest {
    /// Each parameter by name, for the consent form to send again.
    #[must_use]
    pub fn fields(&self) -> [(&'static str, Option<&str>); 9] {
        [
            ("response_type", self.response_type.as_deref()),
            ("client_id", self.client_id.as_deref()),
            ("redirect_uri", self.redirect_uri.as_deref()),
            ("scope", self.scope.as_deref()),
            ("state", self.state.as_deref()),
            ("aud", self.aud.as_deref()),
            ("code_challenge", self.code_challenge.as_deref()),
            ("code_challenge_method", self.code_challenge_method.as_deref()),
            ("nonce", self.nonce.as_deref()),
        ]
    }
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
    /// The registration could not be read (the database failing).
    Failed(AppError),
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
        Some(id) => app.store.patient_app(id).await.map_err(|e| AuthorizeRefusal::Failed(e.into()))?,
        None => None,
    };
    let registered =
        registered.filter(|a| a.revoked_at.is_none()).ok_or(AuthorizeRefusal::Untrusted(Untrusted::UnknownApp))?;
    let redirect_uri = request
        .redirect_uri
        .filter(|uri| registered.redirect_uris.iter().any(|r| crate::patient_apps::redirect_matches(r, uri)))
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
