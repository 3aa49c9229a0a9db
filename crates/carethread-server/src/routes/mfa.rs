//! Two-step sign-in (TOTP) over the API: enrol an authenticator app,
//! confirm it with a first code, turn it off. The rules are the application
//! layer's; here the QR code and the JSON.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, post};
use axum::{Json, Router};
use carethread_app::mfa;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated, SessionOnly};
use crate::totp;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/mfa/enrol", post(mfa_enrol))
        .route("/api/v1/mfa/confirm", post(mfa_confirm))
        .route("/api/v1/mfa", delete(mfa_disable))
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
    let enrolment = mfa::enrol(&state.app(), &auth.caller()).await?;
    let qr_svg = totp::qr_svg(&enrolment.otpauth_uri).ok_or_else(|| ApiError::internal(std::fmt::Error))?;
    Ok(Json(MfaEnrolment { secret: enrolment.secret, otpauth_uri: enrolment.otpauth_uri, qr_svg }))
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
    let recovery_codes = mfa::confirm(&state.app(), &auth.caller(), &auth.token_hash, &input.code).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
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
    mfa::disable(&state.app(), &auth.caller(), &auth.token_hash, &input.code).await?;
    Ok(StatusCode::NO_CONTENT)
}
