//! The clinic's AI governance: the drafting and disclosure switches, the AI
//! report per clinician (drafts generated and sent, edit distance, reading
//! grade of replies, triage overrides), and the clinic's reply library.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use carethread_app::ai_admin;
use carethread_core::user::Language;
use carethread_draft::library::{self, Situation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
pub use crate::ai_views::AiAdminOut;
use crate::ai_views::ai_admin_out;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/ai", get(ai_admin).patch(update_ai))
        .route("/api/v1/admin/ai/replies", get(reply_library))
        .route("/api/v1/admin/ai/replies/{situation}/{language}", put(set_reply).delete(reset_reply))
}

/// The clinic's AI switches and report: per clinician, drafts generated,
/// utilisation, mean edit distance, mean reading grade of replies, triage overrides.
#[utoipa::path(get, path = "/api/v1/admin/ai", tag = "drafting",
    responses((status = 200, body = AiAdminOut), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn ai_admin(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<AiAdminOut>> {
    let overview = ai_admin::ai_overview(&state.app(), &auth.caller()).await?;
    Ok(Json(ai_admin_out(&overview)))
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
    let (app, caller) = (state.app(), auth.caller());
    ai_admin::update_ai(&app, &caller, input.drafting_enabled, input.disclosure_enabled).await?;
    Ok(Json(ai_admin_out(&ai_admin::ai_overview(&app, &caller).await?)))
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
    let library = ai_admin::reply_library(&state.app(), &auth.caller()).await?;
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
    ai_admin::set_reply(&state.app(), &auth.caller(), &situation, &language, Some(&input.body)).await?;
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
    ai_admin::set_reply(&state.app(), &auth.caller(), &situation, &language, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
