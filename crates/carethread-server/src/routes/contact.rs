//! How the signed-in person is told that something is waiting for them:
//! `GET` and `PUT /api/v1/me/notifications`. The rules (and the audit
//! entry) are the application layer's; here the JSON.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carethread_app::contact_preferences::{self, PreferencesInput};
use carethread_store::ContactPreferences;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/me/notifications", get(my_notifications).put(set_my_notifications))
}

/// How a person is notified. Addresses are theirs alone: shown to them, never logged.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationsOut {
    /// The e-mail address notices go to.
    pub email: Option<String>,
    /// The mobile number text messages go to, as `+` and digits.
    pub phone: Option<String>,
    /// `email`, `sms` or `none`.
    pub channel: String,
    /// Start of the quiet hours (`HH:MM`, the clinic's time zone), when set.
    pub quiet_start: Option<String>,
    /// End of the quiet hours (`HH:MM`); notices held back go out then.
    pub quiet_end: Option<String>,
    /// `en` or `es`: the language of notices; `null` for the account's language.
    pub language: Option<String>,
}

impl From<&ContactPreferences> for NotificationsOut {
    fn from(p: &ContactPreferences) -> Self {
        let hhmm = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
        Self {
            email: p.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: p.phone.as_ref().map(|n| n.as_str().to_owned()),
            channel: p.channel.as_str().to_owned(),
            quiet_start: p.quiet_hours.map(|q| hhmm(q.start)),
            quiet_end: p.quiet_hours.map(|q| hhmm(q.end)),
            language: p.language.map(|l| l.as_str().to_owned()),
        }
    }
}

/// All of a person's notice preferences at once (what is left out is cleared).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationsIn {
    /// An e-mail address; required when `channel` is `email`.
    pub email: Option<String>,
    /// A mobile number with its country code (`+1 555 010 0199`); required when `channel` is `sms`.
    pub phone: Option<String>,
    /// `email`, `sms` or `none` (no notices: look in the portal).
    pub channel: String,
    /// Start of the quiet hours, `HH:MM` (24-hour clock); with `quiet_end`, or neither.
    pub quiet_start: Option<String>,
    /// End of the quiet hours, `HH:MM`; may be earlier than the start (over midnight).
    pub quiet_end: Option<String>,
    /// `en` or `es`; `null` for the account's language.
    pub language: Option<String>,
}

/// The caller's notice preferences (the defaults when never set).
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "people",
    responses((status = 200, body = NotificationsOut), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn my_notifications(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<NotificationsOut>> {
    let caller = auth.caller();
    let preferences = contact_preferences::preferences(&state.app(), &caller, caller.user.id).await?;
    Ok(Json((&preferences).into()))
}

/// Sets how the caller is notified: address, number, channel, quiet hours
/// and language, all at once. A text-message channel without a number is
/// refused on `phone`, an e-mail channel without an address on `email`.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "people", request_body = NotificationsIn,
    responses(
        (status = 200, description = "What was saved", body = NotificationsOut),
        (status = 401, body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn set_my_notifications(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<NotificationsIn>,
) -> ApiResult<Json<NotificationsOut>> {
    let caller = auth.caller();
    let typed = PreferencesInput {
        email: input.email,
        phone: input.phone,
        channel: input.channel,
        quiet_start: input.quiet_start,
        quiet_end: input.quiet_end,
        language: input.language,
    };
    let saved = contact_preferences::set_preferences(&state.app(), &caller, caller.user.id, &typed).await?;
    Ok(Json((&saved).into()))
}
