//! The clinic's AI governance: the drafting and disclosure switches, the AI
//! report per clinician (drafts generated and sent, edit distance, reading
//! grade of replies, triage overrides), and the clinic's reply library.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use carethread_core::audit::AuditAction;
use carethread_core::user::Language;
use carethread_draft::library::{self, Situation};
use carethread_store::AiSettings;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::dto::PersonOut;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};
use crate::routes::drafts::{ModelOut, admin_only, clinic_library};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/ai", get(ai_admin).patch(update_ai))
        .route("/api/v1/admin/ai/replies", get(reply_library))
        .route("/api/v1/admin/ai/replies/{situation}/{language}", put(set_reply).delete(reset_reply))
}

/// One clinician's drafting and reply figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClinicianAiOut {
    pub clinician: PersonOut,
    pub drafts_generated: i64,
    /// Drafts a reply was sent from (edited or unchanged).
    pub drafts_sent: i64,
    pub drafts_sent_unchanged: i64,
    /// Drafts sent ÷ drafts generated.
    pub utilisation: Option<f64>,
    pub mean_edit_distance: Option<f64>,
    pub mean_seconds_spent: Option<f64>,
    pub replies: i64,
    pub mean_reading_grade: Option<f64>,
    pub triage_overrides: i64,
}

/// The clinic's AI switches, the drafting model, and the AI report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AiAdminOut {
    pub drafting_enabled: bool,
    pub disclosure_enabled: bool,
    pub drafter: ModelOut,
    pub clinic: ClinicianAiTotals,
    pub clinicians: Vec<ClinicianAiOut>,
}

/// The whole clinic's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClinicianAiTotals {
    pub drafts_generated: i64,
    pub drafts_sent: i64,
    pub utilisation: Option<f64>,
    pub replies: i64,
    pub triage_overrides: i64,
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 1000.0).round() / 1000.0)
}

async fn ai_admin_out(state: &AppState) -> ApiResult<AiAdminOut> {
    let settings = state.store.ai_settings().await?;
    let report = state.store.ai_report().await?;
    let model = state.drafter.model();
    let clinicians: Vec<ClinicianAiOut> = report
        .by_clinician
        .iter()
        .map(|(person, f)| ClinicianAiOut {
            clinician: person.into(),
            drafts_generated: f.drafts_generated,
            drafts_sent: f.drafts_sent,
            drafts_sent_unchanged: f.drafts_sent_unchanged,
            utilisation: ratio(f.drafts_sent, f.drafts_generated),
            mean_edit_distance: f.mean_edit_distance,
            mean_seconds_spent: f.mean_seconds_spent,
            replies: f.replies,
            mean_reading_grade: f.mean_reading_grade.map(|g| (g * 10.0).round() / 10.0),
            triage_overrides: f.triage_overrides,
        })
        .collect();
    let sum = |f: fn(&ClinicianAiOut) -> i64| clinicians.iter().map(f).sum::<i64>();
    let (generated, sent) = (sum(|c| c.drafts_generated), sum(|c| c.drafts_sent));
    Ok(AiAdminOut {
        drafting_enabled: settings.drafting_enabled,
        disclosure_enabled: settings.disclosure_enabled,
        drafter: ModelOut { id: model.id, version: model.version },
        clinic: ClinicianAiTotals {
            drafts_generated: generated,
            drafts_sent: sent,
            utilisation: ratio(sent, generated),
            replies: sum(|c| c.replies),
            triage_overrides: sum(|c| c.triage_overrides),
        },
        clinicians,
    })
}

/// The clinic's AI switches and report: per clinician, drafts generated,
/// utilisation, mean edit distance, mean reading grade of replies, triage overrides.
#[utoipa::path(get, path = "/api/v1/admin/ai", tag = "drafting",
    responses((status = 200, body = AiAdminOut), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn ai_admin(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<AiAdminOut>> {
    admin_only(&auth)?;
    Ok(Json(ai_admin_out(&state).await?))
}

/// A change to the AI switches.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AiSettingsIn {
    pub drafting_enabled: Option<bool>,
    /// The patient-visible line on replies that started from a draft.
    pub disclosure_enabled: Option<bool>,
}

/// Switches drafting, or the disclosure line, on or off.
#[utoipa::path(patch, path = "/api/v1/admin/ai", tag = "drafting", request_body = AiSettingsIn,
    responses((status = 200, body = AiAdminOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_ai(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<AiSettingsIn>,
) -> ApiResult<Json<AiAdminOut>> {
    admin_only(&auth)?;
    if input.drafting_enabled.is_none() && input.disclosure_enabled.is_none() {
        return Err(ApiError::invalid("body", "names no change"));
    }
    let current = state.store.ai_settings().await?;
    let next = AiSettings {
        drafting_enabled: input.drafting_enabled.unwrap_or(current.drafting_enabled),
        disclosure_enabled: input.disclosure_enabled.unwrap_or(current.disclosure_enabled),
    };
    let audit = auth.audit(AuditAction::SettingsChange).target("settings", "ai").detail(format!(
        "drafting {}, disclosure line {}",
        if next.drafting_enabled { "on" } else { "off" },
        if next.disclosure_enabled { "on" } else { "off" }
    ));
    state.store.update_ai_settings(next, auth.user.id, Utc::now(), &audit).await?;
    Ok(Json(ai_admin_out(&state).await?))
}

/// One reply of the library.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyOut {
    pub situation: String,
    pub language: String,
    pub body: String,
    /// The clinic's own text rather than the built-in one.
    pub custom: bool,
}

/// The reply library.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyLibraryOut {
    pub replies: Vec<ReplyOut>,
    pub placeholders: Vec<String>,
}

/// The clinic's reply library, every situation in both languages (administrators).
#[utoipa::path(get, path = "/api/v1/admin/ai/replies", tag = "drafting",
    responses((status = 200, body = ReplyLibraryOut), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn reply_library(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<ReplyLibraryOut>> {
    admin_only(&auth)?;
    let library = clinic_library(&state).await?;
    let mut replies = Vec::new();
    for situation in Situation::ALL {
        for language in [Language::En, Language::Es] {
            replies.push(ReplyOut {
                situation: situation.as_str().to_owned(),
                language: language.as_str().to_owned(),
                body: library.reply(situation, language).to_owned(),
                custom: library.is_custom(situation, language),
            });
        }
    }
    Ok(Json(ReplyLibraryOut {
        replies,
        placeholders: library::PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect(),
    }))
}

/// The clinic's text for a situation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyIn {
    pub body: String,
}

fn situation_and_language(situation: &str, language: &str) -> ApiResult<(Situation, Language)> {
    let s = Situation::parse(situation).map_err(|_| ApiError::NotFound)?;
    let l = Language::parse(language).map_err(|_| ApiError::NotFound)?;
    Ok((s, l))
}

/// Replaces the built-in reply for a situation and language with the clinic's own.
#[utoipa::path(put, path = "/api/v1/admin/ai/replies/{situation}/{language}", tag = "drafting", request_body = ReplyIn,
    params(("situation" = String, Path), ("language" = String, Path)),
    responses((status = 204, description = "Saved"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_reply(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((situation, language)): Path<(String, String)>,
    ApiJson(input): ApiJson<ReplyIn>,
) -> ApiResult<StatusCode> {
    admin_only(&auth)?;
    let (s, l) = situation_and_language(&situation, &language)?;
    let body = carethread_core::text::multi_line("body", &input.body)?;
    library::check_template(&body).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    if !carethread_draft::safety::problems(&body, l, "").iter().all(|p| p.starts_with("reads at grade")) {
        return Err(ApiError::invalid("body", "must not state a dose, a diagnosis or what a result means"));
    }
    let audit = auth.audit(AuditAction::SettingsChange).detail(format!(
        "reply library {} ({}) changed",
        s.as_str(),
        l.as_str()
    ));
    state.store.set_reply_template(s.as_str(), l.as_str(), Some(body.trim()), auth.user.id, Utc::now(), &audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Goes back to the built-in reply for a situation and language.
#[utoipa::path(delete, path = "/api/v1/admin/ai/replies/{situation}/{language}", tag = "drafting",
    params(("situation" = String, Path), ("language" = String, Path)),
    responses((status = 204, description = "Back to the built-in reply"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn reset_reply(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((situation, language)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    admin_only(&auth)?;
    let (s, l) = situation_and_language(&situation, &language)?;
    let audit =
        auth.audit(AuditAction::SettingsChange).detail(format!("reply library {} ({}) reset", s.as_str(), l.as_str()));
    state.store.set_reply_template(s.as_str(), l.as_str(), None, auth.user.id, Utc::now(), &audit).await?;
    Ok(StatusCode::NO_CONTENT)
}
