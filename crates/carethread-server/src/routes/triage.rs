//! Triage in the product: staff re-triage a thread; admins edit the routing
//! rules, switch the classifier off or on, and see how triage is doing.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use carethread_app::retriage::{self, Retriage};
use carethread_core::audit::AuditAction;
use carethread_core::ids::ThreadId;
use carethread_core::policy;
use carethread_core::thread::{Category, Urgency};
use carethread_store::TriageStats;
use carethread_triage::RoutingRules;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::dto::ThreadDetail;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};
use crate::intake::routing_rules;
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
    let id: ThreadId = id.parse().map_err(|_| ApiError::NotFound)?;
    retriage::retriage(&state.app(), &caller, id, change).await?;
    state.metrics.triage_overridden();
    Ok(Json(thread_detail(&state, &auth, id).await?))
}

/// Automatic triage results by model.
#[derive(Serialize, ToSchema)]
pub struct ModelCountOut {
    pub id: String,
    pub version: String,
    pub results: i64,
}

/// How triage is doing.
#[derive(Serialize, ToSchema)]
pub struct TriageStatsOut {
    /// Messages triaged automatically.
    pub automatic: i64,
    /// Of those, how many asked for a person to check.
    pub needs_review: i64,
    pub emergencies: i64,
    /// Threads re-triaged by staff.
    pub overrides: i64,
    /// Overrides per automatic result.
    pub override_rate: f64,
    pub by_model: Vec<ModelCountOut>,
}

impl From<TriageStats> for TriageStatsOut {
    fn from(s: TriageStats) -> Self {
        Self {
            automatic: s.automatic,
            needs_review: s.needs_review,
            emergencies: s.emergencies,
            overrides: s.overrides,
            override_rate: if s.automatic == 0 { 0.0 } else { s.overrides as f64 / s.automatic as f64 },
            by_model: s
                .by_model
                .into_iter()
                .map(|m| ModelCountOut { id: m.model_id, version: m.model_version, results: m.results })
                .collect(),
        }
    }
}

/// The routing rules: a pool slug for emergencies and for each category.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct RoutingOut {
    pub emergency: String,
    pub medication: String,
    pub scheduling: String,
    pub results: String,
    pub clinical: String,
    pub administrative: String,
    pub other: String,
}

impl From<RoutingRules> for RoutingOut {
    fn from(r: RoutingRules) -> Self {
        Self {
            emergency: r.emergency,
            medication: r.medication,
            scheduling: r.scheduling,
            results: r.results,
            clinical: r.clinical,
            administrative: r.administrative,
            other: r.other,
        }
    }
}

/// The clinic's triage settings.
#[derive(Serialize, ToSchema)]
pub struct TriageSettingsOut {
    /// When off, only the safety rules and category keywords triage (red flags still raise emergencies).
    pub classifier_enabled: bool,
    pub routing: RoutingOut,
    pub model: crate::dto::ModelOut,
    /// Version of the red-flag lexicon.
    pub lexicon_version: String,
    pub updated_at: Option<DateTime<Utc>>,
    pub stats: TriageStatsOut,
}

fn require_admin(auth: &Authenticated) -> ApiResult<()> {
    if policy::may_administer(auth.user.role) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only clinic administrators manage triage settings".to_owned()))
    }
}

/// The settings as stored now, which also become the ones this server
/// triages with (so a change takes effect here at once).
async fn settings_out(state: &AppState) -> ApiResult<TriageSettingsOut> {
    let stored = Arc::new(state.store.triage_settings().await?);
    state.triage.put(stored.clone());
    let counts = state.store.triage_stats().await?;
    Ok(TriageSettingsOut {
        classifier_enabled: stored.classifier_enabled,
        routing: routing_rules(&stored).into(),
        model: crate::dto::ModelOut {
            id: carethread_triage::MODEL_ID.to_owned(),
            version: carethread_triage::MODEL_VERSION.to_owned(),
        },
        lexicon_version: carethread_triage::safety::Lexicon::builtin().version().to_owned(),
        updated_at: stored.updated_at,
        stats: counts.into(),
    })
}

/// The clinic's triage settings and counts (admins).
#[utoipa::path(get, path = "/api/v1/admin/triage", tag = "triage",
    responses(
        (status = 200, description = "Triage settings and counts", body = TriageSettingsOut),
        (status = 401, body = Problem), (status = 403, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn triage_settings(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<TriageSettingsOut>> {
    require_admin(&auth)?;
    Ok(Json(settings_out(&state).await?))
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
    require_admin(&auth)?;
    let mut routes: Vec<carethread_store::RoutingRule> = Vec::new();
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
        for (key, slug) in named {
            let Some(slug) = slug else { continue };
            carethread_core::text::single_line("routing", &slug)
                .map_err(|e| ApiError::invalid(format!("routing.{key}"), e.reason()))?;
            let pool = state.store.pool_by_slug(&slug).await?;
            let pool = pool.ok_or_else(|| ApiError::invalid(format!("routing.{key}"), "names no pool"))?;
            routes.push(carethread_store::RoutingRule { key: key.to_owned(), pool_id: pool.id });
        }
    }
    if input.classifier_enabled.is_none() && routes.is_empty() {
        return Err(ApiError::invalid("body", "names no change"));
    }
    let audit = auth.audit(AuditAction::SettingsChange).target("settings", "triage").detail(format!(
        "classifier {}; routing rules changed: {}",
        input.classifier_enabled.map_or("unchanged", |on| if on { "on" } else { "off" }),
        routes.iter().map(|r| r.key.as_str()).collect::<Vec<_>>().join(", ")
    ));
    state.store.update_triage_settings(input.classifier_enabled, &routes, auth.user.id, Utc::now(), &audit).await?;
    tracing::info!(classifier = ?input.classifier_enabled, rules = routes.len(), "triage settings changed");
    Ok(Json(settings_out(&state).await?))
}
