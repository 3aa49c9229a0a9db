//! Wording feedback on what a clinician is about to send: the reading grade
//! and the jargon in it, each term with a plain alternative. Drafts carry
//! this feedback already; this route gives it for the text a clinician
//! actually typed (the portal's reply box calls it as they type, and its
//! "Check wording" button shows the same without a script).

use axum::routing::post;
use axum::{Json, Router};
use carethread_core::policy;
use carethread_core::user::Language;
use carethread_draft::readability::{self, MAX_DRAFT_GRADE};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};

/// The longest text checked, in characters.
const MAX_CHECKED_CHARS: usize = 20_000;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/drafts/check", post(check_wording))
}

/// A reply as typed, to check before sending.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WordingCheckIn {
    /// The reply's text (at most 20,000 characters).
    pub body: String,
    /// `en` (default) or `es`: the patient's language.
    pub language: Option<String>,
}

/// A jargon term and what to say instead.
#[derive(Debug, Serialize, ToSchema)]
pub struct JargonOut {
    pub term: String,
    pub plain: String,
}

/// What a patient would notice about the wording.
#[derive(Debug, Serialize, ToSchema)]
pub struct WordingCheckOut {
    pub language: String,
    /// The school grade needed to read it (Flesch–Kincaid; for Spanish, the
    /// grade band of the Fernández–Huerta ease).
    pub grade: f64,
    /// The grade replies should not exceed.
    pub target_grade: f64,
    pub above_target: bool,
    /// Jargon found, in order, each with a plain alternative.
    pub jargon: Vec<JargonOut>,
    /// Whether the reply acknowledges the patient's feelings.
    pub empathy: bool,
    pub words: usize,
    pub sentences: usize,
}

/// The feedback for `body` written in `language`.
#[must_use]
pub(crate) fn wording_feedback(body: &str, language: Language) -> WordingCheckOut {
    let r = readability::measure(body, language);
    WordingCheckOut {
        language: language.as_str().to_owned(),
        grade: r.grade,
        target_grade: MAX_DRAFT_GRADE,
        above_target: r.grade > MAX_DRAFT_GRADE,
        jargon: r.jargon.into_iter().map(|j| JargonOut { term: j.term, plain: j.plain }).collect(),
        empathy: r.empathy,
        words: r.words,
        sentences: r.sentences,
    }
}

/// Checks the wording of a reply before it is sent (care-team staff): its
/// reading grade against the target and the jargon in it, with plain words
/// to use instead.
#[utoipa::path(post, path = "/api/v1/drafts/check", tag = "drafting", request_body = WordingCheckIn,
    responses(
        (status = 200, description = "Reading grade and jargon with plain alternatives", body = WordingCheckOut),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn check_wording(
    auth: Authenticated,
    ApiJson(input): ApiJson<WordingCheckIn>,
) -> ApiResult<Json<WordingCheckOut>> {
    if !policy::works_in_baskets(auth.user.role) {
        return Err(ApiError::Forbidden("reply feedback is for the care team".into()));
    }
    let language = match input.language.as_deref() {
        None => Language::En,
        Some(raw) => Language::parse(raw).map_err(|_| ApiError::invalid("language", "must be en or es"))?,
    };
    if input.body.trim().is_empty() {
        return Err(ApiError::invalid("body", "must not be empty"));
    }
    if input.body.chars().count() > MAX_CHECKED_CHARS {
        return Err(ApiError::invalid("body", "must be at most 20,000 characters"));
    }
    Ok(Json(wording_feedback(&input.body, language)))
}
