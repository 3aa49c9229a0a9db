//! How the signed-in person is told that something is waiting for them:
//! `GET` and `PUT /api/v1/me/notifications`. The rules (and the audit
//! entry) are the application layer's; here the JSON.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carethread_app::contact_preferences::{self, PreferencesText};

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/me/notifications", get(my_notifications).put(set_my_notifications))
}

/// The caller's notice preferences (the defaults when never set).
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "people",
    responses((status = 200, body = PreferencesText), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn my_notifications(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<PreferencesText>> {
    let caller = auth.caller();
    let preferences = contact_preferences::preferences(&state.app(), &caller, caller.user.id).await?;
    Ok(Json((&preferences).into()))
}

/// Sets how the caller is notified: address, number, channel, quiet hours
/// and language, all at once. A text-message channel without a number is
/// refused on `phone`, an e-mail channel without an address on `email`.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "people", request_body = PreferencesText,
    responses(
        (status = 200, description = "What was saved", body = PreferencesText),
        (status = 401, body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn set_my_notifications(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<PreferencesText>,
) -> ApiResult<Json<PreferencesText>> {
    let caller = auth.caller();
    let saved = contact_preferences::set_preferences(&state.app(), &caller, caller.user.id, &input).await?;
    Ok(Json((&saved).into()))
}
