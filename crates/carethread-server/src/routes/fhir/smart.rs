//! SMART Backend Services: where a system learns how to authenticate
//! (`.well-known/smart-configuration`) and the token endpoint it trades a
//! signed assertion at. The rules are the application layer's
//! ([`carethread_app::system_clients`]); this module only translates, and
//! answers refusals as OAuth 2.0 errors (RFC 6749 §5.2) that are also
//! problem details.

use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use carethread_app::system_clients::{self, TokenRefusal, TokenRequest};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;

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

/// `GET /fhir/r4/.well-known/smart-configuration`: how systems get a token.
pub(super) async fn configuration(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let body = json!({
        "token_endpoint": token_url(&state, &headers),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "scopes_supported": ["system/*.cruds", "system/*.rs", "system/*.read", "system/*.write"],
        "capabilities": ["client-confidential-asymmetric", "permission-v1", "permission-v2"],
    });
    Json(body).into_response()
}

/// The token request's form fields.
#[derive(Deserialize)]
pub(super) struct TokenForm {
    grant_type: Option<String>,
    scope: Option<String>,
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
}

/// `POST /fhir/r4/auth/token`: a system's signed assertion for a token.
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
        return refusal(&TokenRefusal::InvalidRequest(why.into()));
    };
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
        Err(TokenRefusal::App(err)) => ApiError::from(err).into_response(),
        Err(why) => refusal(&why),
    }
}

/// An OAuth error answer, which is also a problem detail: 401 with
/// `WWW-Authenticate` for a client that did not authenticate, else 400.
fn refusal(why: &TokenRefusal) -> Response {
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
