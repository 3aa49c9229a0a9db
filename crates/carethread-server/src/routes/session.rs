//! Signing in and out. The rules (password check, lockout, second factor,
//! the session and its audit entry) are the application layer's; here the
//! per-address budget, the bearer token or cookie and its CSRF token, and
//! the sign-out held in memory when it cannot be written.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::routing::{delete, post};
use axum::{Json, Router};
use carethread_app::sign_in::{self, SignedIn};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{cookie_for, csrf_token, end_every_session, end_session, expired_cookie};
use crate::dto::SessionOut;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ClientAddress, SessionOnly};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/session", post(sign_in).delete(sign_out))
        .route("/api/v1/sessions", delete(sign_out_everywhere))
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
    let attempt =
        sign_in::SignIn { username: input.username, password: input.password, second_factor: input.totp, client };
    let signed_in = crate::auth::sign_in(&state, attempt).await?;
    session_answer(&state, signed_in, input.cookie)
}

/// The started session as the client keeps it: a bearer token in the
/// answer, or for browsers an `HttpOnly` cookie and the session's CSRF token.
fn session_answer(state: &AppState, signed_in: SignedIn, cookie: bool) -> ApiResult<(HeaderMap, Json<SessionOut>)> {
    let mut headers = HeaderMap::new();
    let (token_out, csrf) = if cookie {
        headers.insert(header::SET_COOKIE, cookie_for(state, &signed_in)?);
        (None, Some(csrf_token(&signed_in.session.token_hash)))
    } else {
        (Some(signed_in.token.expose_secret().to_owned()), None)
    };
    let SignedIn { user, session, mfa_enrolment_required, .. } = signed_in;
    Ok((
        headers,
        Json(SessionOut {
            token: token_out,
            csrf_token: csrf,
            user: (&user).into(),
            expires_at: session.expires_at,
            mfa_enrolment_required,
        }),
    ))
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
    end_every_session(&state, &auth).await?;
    Ok(StatusCode::NO_CONTENT)
}
