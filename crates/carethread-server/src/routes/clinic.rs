//! The clinic's profile: hours, reply targets, message length and the
//! disclosure line. Everyone signed in may read it (patients are told when
//! to expect a reply); administrators change it.

use axum::extract::State;
use axum::routing::{get, patch};
use axum::{Json, Router};
use carethread_app::clinic_admin::{self, ChangeProfile};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

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

/// A change to the clinic profile. Absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClinicIn {
    pub timezone: Option<String>,
    pub open_days: Option<Vec<u8>>,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub routine_reply_days: Option<u32>,
    pub urgent_reply_hours: Option<u32>,
    pub emergency_reply_minutes: Option<u32>,
    pub message_max_chars: Option<usize>,
    pub disclosure_en: Option<String>,
    pub disclosure_es: Option<String>,
    /// The after-hours line (digits, `+`, spaces, dashes); empty removes it.
    pub after_hours_phone: Option<String>,
    /// `user:<id>` (an active physician, nurse or pharmacist), `pool:<slug>`, or empty for nobody.
    pub on_call: Option<String>,
}

impl From<ClinicIn> for ChangeProfile {
    fn from(i: ClinicIn) -> Self {
        ChangeProfile {
            timezone: i.timezone,
            open_days: i.open_days,
            opens_at: i.opens_at,
            closes_at: i.closes_at,
            routine_reply_days: i.routine_reply_days,
            urgent_reply_hours: i.urgent_reply_hours,
            emergency_reply_minutes: i.emergency_reply_minutes,
            message_max_chars: i.message_max_chars,
            disclosure_en: i.disclosure_en,
            disclosure_es: i.disclosure_es,
            after_hours_phone: i.after_hours_phone,
            on_call: i.on_call,
        }
    }
}

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
    let clinic = clinic_admin::update_profile(&state.app(), &auth.caller(), input.into()).await?;
    Ok(Json(clinic_out(&state.settings.name, &clinic, Utc::now())))
}
