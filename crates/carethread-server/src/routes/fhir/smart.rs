//! SMART on FHIR's endpoints: where a client learns how to authenticate
//! (`.well-known/smart-configuration`), the key set `id_token`s are signed
//! with, and the token endpoint. There a system trades a signed assertion
//! (Backend Services) and a patient's app trades its code or refresh token
//! (App Launch; the authorization screen is the portal's `/apps/authorize`).
//! The rules are the application layer's ([`carethread_app::system_clients`],
//! [`carethread_app::app_launch`]); this module only translates, and answers
//! refusals as OAuth 2.0 errors (RFC 6749 §5.2) that are also problem details.

use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use carethread_app::app_tokens::{self, AppTokenRequest};
use carethread_app::system_clients::{self, TokenRefusal, TokenRequest};
use carethread_fhir::smart::SigningKey;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::base_url;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::ClientAddress;

/// Where the token endpoint is, below the FHIR base.
pub(super) const TOKEN_PATH: &str = "/auth/token";

/// The token endpoint's address as this request reached the server.
pub(crate) fn token_url(state: &AppState, headers: &HeaderMap) -> String {
    format!("{}{TOKEN_PATH}", base_url(state, headers))
}

/// Where the key set that signs `id_token`s is, below the FHIR base.
pub(super) const JWKS_PATH: &str = "/.well-known/jwks.json";

use crate::addresses::AUTHORIZE_PATH;

/// `GET /fhir/r4/.well-known/smart-configuration`: how systems and
/// patients' apps get a token.
pub(super) async fn configuration(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let body = with_endpoints(
        &state,
        &headers,
        json!({
            "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "none"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": [
                "system/*.cruds", "system/*.rs", "system/*.read", "system/*.write",
                "patient/*.rs", "patient/*.read", "launch/patient", "openid", "fhirUser",
                "offline_access", "online_access",
            ],
            "capabilities": [
                "client-confidential-asymmetric", "client-public", "launch-standalone",
                "context-standalone-patient", "sso-openid-connect", "permission-patient",
                "permission-offline", "permission-online", "permission-v1", "permission-v2",
            ],
        }),
    );
    Json(body).into_response()
}

/// A discovery document with where a client finds the issuer, its keys and
/// the two OAuth endpoints, as both documents name them.
fn with_endpoints(state: &AppState, headers: &HeaderMap, mut document: Value) -> Value {
    let base = base_url(state, headers);
    document["jwks_uri"] = json!(format!("{base}{JWKS_PATH}"));
    document["authorization_endpoint"] = json!(format!("{}{AUTHORIZE_PATH}", crate::addresses::origin(state, headers)));
    document["token_endpoint"] = json!(token_url(state, headers));
    document["issuer"] = json!(base);
    document
}

/// `GET /fhir/r4/.well-known/jwks.json`: the public keys `id_token`s are signed with.
pub(super) async fn jwks(State(state): State<AppState>) -> Response {
    match app_tokens::signing_keys(&state.app()).await {
        Ok(keys) => Json(json!({"keys": keys.iter().map(SigningKey::public_jwk).collect::<Vec<_>>()})).into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}

/// `GET /fhir/r4/.well-known/openid-configuration`: discovery for `OpenID` Connect,
/// for clients that check the `id_token` with a library that starts here.
pub(super) async fn openid_configuration(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let body = with_endpoints(
        &state,
        &headers,
        json!({
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "fhirUser"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "fhirUser"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        }),
    );
    Json(body).into_response()
}

/// The token request's form fields (a system's, or a patient's app's).
#[derive(Deserialize)]
pub(super) struct TokenForm {
    grant_type: Option<String>,
    scope: Option<String>,
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
    client_id: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
}

/// `POST /fhir/r4/auth/token`: a system's signed assertion, or a patient's
/// app's code or refresh token, for a token.
pub(super) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(client): ClientAddress,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    if !state.login_guard.admit(client.as_deref(), state.settings.login_attempts_per_minute) {
        tracing::warn!("token request refused: too many attempts from one address");
        return ApiError::TooManyRequests.into_response();
    }
    let Ok(Form(form)) = form else {
        let why = "send the request as application/x-www-form-urlencoded fields";
        return refusal(TokenRefusal::InvalidRequest(why.into()));
    };
    if matches!(form.grant_type.as_deref(), Some("authorization_code" | "refresh_token")) {
        return app_token(&state, &headers, client, form).await;
    }
    let request = TokenRequest {
        grant_type: form.grant_type,
        scope: form.scope,
        client_assertion_type: form.client_assertion_type,
        client_assertion: form.client_assertion,
        token_url: token_url(&state, &headers),
        client,
    };
    match system_clients::issue_token(&state.app(), request).await {
        Ok(issued) => {
            let body = json!({
                "access_token": issued.access_token.expose_secret(),
                "token_type": "bearer",
                "expires_in": issued.expires_in,
                "scope": issued.scope,
            });
            no_store(Json(body).into_response())
        }
        Err(why) => refusal(why),
    }
}

/// A patient's app's token request.
async fn app_token(state: &AppState, headers: &HeaderMap, client: Option<String>, form: TokenForm) -> Response {
    let request = AppTokenRequest {
        grant_type: form.grant_type.unwrap_or_default(),
        client_id: form.client_id,
        code: form.code.map(SecretString::from),
        redirect_uri: form.redirect_uri,
        code_verifier: form.code_verifier.map(SecretString::from),
        refresh_token: form.refresh_token.map(SecretString::from),
        fhir_base: base_url(state, headers),
        client,
    };
    match app_tokens::issue_tokens(&state.app(), request).await {
        Ok(issued) => {
            let mut body = json!({
                "access_token": issued.access_token.expose_secret(),
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
                "scope": issued.scope,
                "patient": issued.patient,
                "need_patient_banner": true,
            });
            if let Some(refresh) = &issued.refresh_token {
                body["refresh_token"] = json!(refresh.expose_secret());
            }
            if let Some(id_token) = &issued.id_token {
                body["id_token"] = json!(id_token);
            }
            no_store(Json(body).into_response())
        }
        Err(why) => refusal(why),
    }
}

/// An OAuth error answer, which is also a problem detail: 401 with
/// `WWW-Authenticate` for a client that did not authenticate, else 400. A
/// failure of CareThread's own is answered as any other request's.
fn refusal(why: TokenRefusal) -> Response {
    let why = match why {
        TokenRefusal::App(err) => return ApiError::from(err).into_response(),
        why => why,
    };
    let status = match why {
        TokenRefusal::InvalidClient(_) => StatusCode::UNAUTHORIZED,
        _ => StatusCode::BAD_REQUEST,
    };
    let body = json!({
        "error": why.code(),
        "error_description": why.to_string(),
        "type": "about:blank",
        "title": status.canonical_reason(),
        "status": status.as_u16(),
        "detail": why.to_string(),
    });
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("private_key_jwt"));
    }
    no_store(response)
}

/// Token answers are never cached (RFC 6749 §5.1).
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
