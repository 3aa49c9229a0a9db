//! Drafting: reply drafts for staff, readability feedback on any reply, and
//! quick replies (the clinic's AI switches, reply library and report are in
//! `ai_settings`). Drafts are never sent by themselves and never shown to
//! patients.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use carethread_app::drafting::{self, DraftReply, Drafted};
use carethread_app::quick_replies;
use carethread_core::ids::ThreadId;
use carethread_core::policy;
use carethread_core::user::Language;
use carethread_draft::Readability;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::extract::{ApiJson, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/threads/{id}/drafts", post(create_draft))
        .route("/api/v1/threads/{id}/quick-replies/{code}", get(expand_quick_reply))
        .route("/api/v1/readability", post(readability))
        .route("/api/v1/quick-replies", get(list_quick_replies).post(create_quick_reply))
        .route("/api/v1/quick-replies/{id}", axum::routing::delete(delete_quick_reply))
}

fn staff_only(auth: &Authenticated) -> ApiResult<()> {
    if policy::works_in_baskets(auth.user.role) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("drafting and reply feedback are for the care team".into()))
    }
}

fn language_of(raw: &str) -> ApiResult<Language> {
    Language::parse(raw).map_err(|_| ApiError::invalid("language", "must be en or es"))
}

/// What a clinician may ask of a draft.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftIn {
    /// A reply-library situation to use instead of the one the drafter would pick.
    pub situation: Option<String>,
    /// Facts the clinician wants in the reply (a plan, a dose they decided); the draft may repeat them.
    pub facts: Option<String>,
    /// When the patient can expect the next step, e.g. "by Thursday".
    pub expected_time: Option<String>,
}

pub use crate::ai_views::ModelOut;

/// A draft for the clinician (never shown to the patient).
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftOut {
    #[schema(format = Uuid)]
    pub id: String,
    /// `null` when no reply is needed.
    pub body: Option<String>,
    pub model: ModelOut,
    #[schema(value_type = Option<Object>)]
    pub readability: Option<Readability>,
    pub reply_needed: bool,
    pub reasons: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// Drafts a reply (staff who may answer the thread). Stored as a pending
/// draft; nothing is sent until a clinician sends a reply with its `draft_id`.
#[utoipa::path(post, path = "/api/v1/threads/{id}/drafts", tag = "drafting", request_body = DraftIn,
    params(("id" = String, Path, description = "Thread id")),
    responses(
        (status = 201, description = "A draft, or the advice that no reply is needed", body = DraftOut),
        (status = 401, body = Problem), (status = 403, description = "Not care-team staff, or drafting is switched off", body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn create_draft(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DraftIn>,
) -> ApiResult<(StatusCode, Json<DraftOut>)> {
    let caller = auth.caller();
    carethread_app::threads::require_messaging(&caller)?;
    let id: ThreadId = path_id(&id)?;
    let ask = DraftReply { situation: input.situation, facts: input.facts, expected_time: input.expected_time };
    let Drafted { id, draft, created_at: now } = drafting::draft_reply(&state.app(), &caller, id, ask).await?;
    state.metrics.draft_generated();
    Ok((
        StatusCode::CREATED,
        Json(DraftOut {
            id: id.to_string(),
            body: draft.body,
            model: ModelOut { id: draft.model.id, version: draft.model.version },
            readability: draft.readability,
            reply_needed: draft.reply_needed,
            reasons: draft.reasons,
            created_at: now,
        }),
    ))
}

/// Text to measure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadabilityIn {
    pub text: String,
    /// `en` (default) or `es`.
    pub language: Option<String>,
}

/// Reading level, sentence and word counts, jargon with plain alternatives,
/// and whether an empathy statement is present: feedback on any reply.
#[utoipa::path(post, path = "/api/v1/readability", tag = "drafting", request_body = ReadabilityIn,
    responses(
        (status = 200, description = "Flesch–Kincaid grade (English) or Fernández–Huerta ease with its grade (Spanish)", body = Object),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn readability(auth: Authenticated, ApiJson(input): ApiJson<ReadabilityIn>) -> ApiResult<Json<Readability>> {
    staff_only(&auth)?;
    let language = input.language.as_deref().map(language_of).transpose()?.unwrap_or(Language::En);
    if input.text.trim().is_empty() {
        return Err(ApiError::invalid("text", "must not be empty"));
    }
    if input.text.chars().count() > 20_000 {
        return Err(ApiError::invalid("text", "must be at most 20,000 characters"));
    }
    Ok(Json(carethread_draft::readability::measure(&input.text, language)))
}

/// A quick reply.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuickReplyOut {
    #[schema(format = Uuid)]
    pub id: String,
    /// Typed as `.code` in a reply.
    pub code: String,
    pub body: String,
    /// The whole clinic's, rather than the caller's own.
    pub clinic_wide: bool,
}

/// Quick replies.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuickReplyList {
    pub quick_replies: Vec<QuickReplyOut>,
}

fn quick_out(q: &carethread_store::QuickReply) -> QuickReplyOut {
    QuickReplyOut {
        id: q.id.to_string(),
        code: q.code.clone(),
        body: q.body.clone(),
        clinic_wide: q.owner_id.is_none(),
    }
}

/// The clinic's quick replies and the caller's own (staff).
#[utoipa::path(get, path = "/api/v1/quick-replies", tag = "drafting",
    responses((status = 200, body = QuickReplyList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_quick_replies(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<QuickReplyList>> {
    let all = quick_replies::list_quick_replies(&state.app(), &auth.caller()).await?;
    Ok(Json(QuickReplyList { quick_replies: all.iter().map(quick_out).collect() }))
}

/// A new quick reply.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuickReplyIn {
    /// 2–30 lowercase letters, digits or dashes, e.g. `refillsent`.
    pub code: String,
    /// The text, with the reply-library placeholders (`{first_name}`, `{clinician}`, …).
    pub body: String,
    /// Administrators: for the whole clinic.
    #[serde(default)]
    pub clinic_wide: bool,
}

/// Adds a quick reply: a clinician's own, or (administrators) the clinic's.
#[utoipa::path(post, path = "/api/v1/quick-replies", tag = "drafting", request_body = QuickReplyIn,
    responses(
        (status = 201, body = QuickReplyOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn create_quick_reply(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<QuickReplyIn>,
) -> ApiResult<(StatusCode, Json<QuickReplyOut>)> {
    let (caller, app) = (auth.caller(), state.app());
    let created = quick_replies::create_quick_reply(&app, &caller, &input.code, &input.body, input.clinic_wide).await?;
    Ok((StatusCode::CREATED, Json(quick_out(&created))))
}

/// Deletes one of the caller's quick replies (administrators: a clinic-wide one).
#[utoipa::path(delete, path = "/api/v1/quick-replies/{id}", tag = "drafting",
    params(("id" = String, Path, description = "Quick reply id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete_quick_reply(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: carethread_core::ids::QuickReplyId = path_id(&id)?;
    quick_replies::delete_quick_reply(&state.app(), &auth.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A quick reply filled in for a thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpandedQuickReply {
    pub code: String,
    pub body: String,
}

/// Expands `.code` for a thread: the caller's own quick reply first, then
/// the clinic's, with the patient's first name and the caller's name filled in.
#[utoipa::path(get, path = "/api/v1/threads/{id}/quick-replies/{code}", tag = "drafting",
    params(("id" = String, Path, description = "Thread id"), ("code" = String, Path, description = "The code, with or without its dot")),
    responses((status = 200, body = ExpandedQuickReply), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn expand_quick_reply(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((id, code)): Path<(String, String)>,
) -> ApiResult<Json<ExpandedQuickReply>> {
    let id: ThreadId = path_id(&id)?;
    let expanded = quick_replies::expand_quick_reply(&state.app(), &auth.caller(), id, &code).await?;
    Ok(Json(ExpandedQuickReply { code: expanded.code, body: expanded.body }))
}
