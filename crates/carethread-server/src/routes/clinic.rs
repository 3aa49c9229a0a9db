//! The clinic's profile: hours, reply targets, message length and the
//! disclosure line. Everyone signed in may read it (patients are told when
//! to expect a reply); administrators change it.

use axum::extract::State;
use axum::routing::{get, patch};
use axum::{Json, Router};
use carethread_app::clinic_admin;
use chrono::Utc;

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};
pub use crate::settings_views::ClinicOut;
use crate::settings_views::clinic_out;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/clinic", get(clinic)).route("/api/v1/admin/clinic", patch(update_clinic))
}

/// The clinic's hours, reply targets and limits.
#[utoipa::path(get, path = "/api/v1/clinic", tag = "clinic",
    responses((status = 200, body = ClinicOut), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn clinic(State(state): State<AppState>, _auth: Authenticated) -> ApiResult<Json<ClinicOut>> {
    let clinic = clinic_admin::profile(&state.app()).await;
    Ok(Json(clinic_out(&state.settings.name, &clinic, Utc::now())))
}

/// A change to the clinic profile, as the API reads it: the application's
/// own input (documented as `ClinicIn`).
pub use carethread_app::clinic_admin::ChangeProfile as ClinicIn;

/// Changes the clinic profile (administrators). Every field is checked
/// before anything is saved; the change is audited with the fields it touched.
#[utoipa::path(patch, path = "/api/v1/admin/clinic", tag = "clinic", request_body = ClinicIn,
    responses(
        (status = 200, body = ClinicOut), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn update_clinic(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<ClinicIn>,
) -> ApiResult<Json<ClinicOut>> {
    let clinic = clinic_admin::update_profile(&state.app(), &auth.caller(), input).await?;
    Ok(Json(clinic_out(&state.settings.name, &clinic, Utc::now())))
}
