//! Triage in the product: staff re-triage a thread; admins edit the routing
//! rules, switch the classifier off or on, and see how triage is doing.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use carethread_app::clinic_admin;
use carethread_app::retriage::{self, Retriage};
use carethread_core::ids::ThreadId;
use carethread_core::thread::{Category, Urgency};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::dto::ThreadDetail;
use crate::error::{ApiResult, Problem};
use crate::extract::path_id;
use crate::extract::{ApiJson, Authenticated};
pub use crate::settings_views::TriageSettingsOut;
use crate::settings_views::settings_out;
use crate::thread_views::thread_detail;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/threads/{id}/triage", post(retriage))
        .route("/api/v1/admin/triage", get(triage_settings).patch(update_triage_settings))
}

/// A staff member's re-triage. Absent fields keep the thread's current value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetriageIn {
    /// `emergency`, `urgent` or `routine`.
    pub urgency: Option<String>,
    /// `medication`, `scheduling`, `results`, `clinical`, `administrative` or `other`.
    pub category: Option<String>,
    /// Slug of the pool to move the thread to.
    pub pool: Option<String>,
    /// Why (kept with the override; at most 500 characters).
    pub note: Option<String>,
}

/// Re-triages a thread by hand (staff who may manage it). The override is
/// stored with who and when, counted, and shown as the thread's triage.
#[utoipa::path(post, path = "/api/v1/threads/{id}/triage", tag = "triage", request_body = RetriageIn,
    params(("id" = String, Path, description = "Thread id")),
    responses(
        (status = 200, description = "The re-triaged thread", body = ThreadDetail),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn retriage(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RetriageIn>,
) -> ApiResult<Json<ThreadDetail>> {
    let change = Retriage {
        urgency: input.urgency.as_deref().map(Urgency::parse).transpose()?,
        category: input.category.as_deref().map(Category::parse).transpose()?,
        pool: input.pool,
        note: input.note,
    };
    let caller = auth.caller();
    carethread_app::threads::require_messaging(&caller)?;
    let id: ThreadId = path_id(&id)?;
    retriage::retriage(&state.app(), &caller, id, change).await?;
    state.metrics.triage_overridden();
    Ok(Json(thread_detail(&state, &auth, id).await?))
}

/// The clinic's triage settings and counts (admins).
#[utoipa::path(get, path = "/api/v1/admin/triage", tag = "triage",
    responses(
        (status = 200, description = "Triage settings and counts", body = TriageSettingsOut),
        (status = 401, body = Problem), (status = 403, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn triage_settings(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<TriageSettingsOut>> {
    let (stored, counts) = clinic_admin::triage_settings(&state.app(), &auth.caller()).await?;
    Ok(Json(settings_out(&stored, counts)))
}

/// Routing rules to change: rule key (`emergency` or a category) → pool slug.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingIn {
    pub emergency: Option<String>,
    pub medication: Option<String>,
    pub scheduling: Option<String>,
    pub results: Option<String>,
    pub clinical: Option<String>,
    pub administrative: Option<String>,
    pub other: Option<String>,
}

/// A change to the triage settings. Absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageSettingsIn {
    pub classifier_enabled: Option<bool>,
    pub routing: Option<RoutingIn>,
}

/// Switches the classifier and edits routing rules (admins). Takes effect for
/// the next message; every named pool must exist, or nothing changes.
#[utoipa::path(patch, path = "/api/v1/admin/triage", tag = "triage", request_body = TriageSettingsIn,
    responses(
        (status = 200, description = "The new settings", body = TriageSettingsOut),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn update_triage_settings(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<TriageSettingsIn>,
) -> ApiResult<Json<TriageSettingsOut>> {
    let mut routing = Vec::new();
    if let Some(r) = input.routing {
        let named = [
            ("emergency", r.emergency),
            ("medication", r.medication),
            ("scheduling", r.scheduling),
            ("results", r.results),
            ("clinical", r.clinical),
            ("administrative", r.administrative),
            ("other", r.other),
        ];
        routing.extend(named.into_iter().filter_map(|(key, slug)| slug.map(|s| (key, s))));
    }
    let (app, caller) = (state.app(), auth.caller());
    let (stored, counts) =
        clinic_admin::update_triage_settings(&app, &caller, input.classifier_enabled, routing).await?;
    Ok(Json(settings_out(&stored, counts)))
}
