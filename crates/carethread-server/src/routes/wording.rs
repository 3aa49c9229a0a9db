//! Wording feedback on what a clinician is about to send: the reading grade
//! and the jargon in it, each term with a plain alternative. Drafts carry
//! this feedback already; this route gives it for the text a clinician
//! actually typed (the portal's reply box calls it as they type, and its
//! "Check wording" button shows the same without a script). Given the
//! thread, it also checks a reply on an emergency thread the way drafts are
//! checked: no promised reply time, and the right crisis line first.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use carethread_app::threads;
use carethread_app::wording::{self, CheckWording, WordingCheck};
use carethread_core::ids::ThreadId;
use carethread_core::policy;
use carethread_core::user::Language;
use carethread_draft::Crisis;
use carethread_draft::readability::MAX_DRAFT_GRADE;
use carethread_draft::safety::EmergencyProblem;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::extract::{ApiJson, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/drafts/check", post(check_wording))
}

/// A reply as typed, to check before sending.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WordingCheckIn {
    /// The reply's text (at most 20,000 characters).
    pub body: String,
    /// `en` or `es`: the patient's language (default: the thread's
    /// patient's language, else `en`).
    pub language: Option<String>,
    /// The thread the reply is for: on an emergency thread the reply is
    /// checked for a promised reply time and the crisis line.
    #[schema(format = Uuid)]
    pub thread_id: Option<String>,
}

/// Something a reply on an emergency thread must fix.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmergencyProblemOut {
    /// `promises_reply_time`, `missing_crisis_line` or `crisis_line_late`.
    pub code: &'static str,
    /// In English, for the clinician.
    pub detail: String,
    /// The crisis line the reply must give first (988 or 911).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<&'static str>,
    /// The words that promise a reply time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phrase: Option<String>,
}

impl From<&EmergencyProblem> for EmergencyProblemOut {
    fn from(p: &EmergencyProblem) -> Self {
        let (code, line, phrase) = match p {
            EmergencyProblem::PromisesReplyTime(phrase) => ("promises_reply_time", None, Some(phrase.clone())),
            EmergencyProblem::MissingCrisisLine(line) => ("missing_crisis_line", Some(*line), None),
            EmergencyProblem::CrisisLineLate(line, _) => ("crisis_line_late", Some(*line), None),
        };
        Self { code, detail: p.to_string(), line, phrase }
    }
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
    /// With `thread_id` on an emergency thread: `self_harm` (988 first) or `danger` (911).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis: Option<&'static str>,
    /// With `thread_id` on an emergency thread: what the reply must fix.
    pub emergency_problems: Vec<EmergencyProblemOut>,
}

/// The feedback as the API answers it.
fn wording_out(check: &WordingCheck) -> WordingCheckOut {
    let r = &check.readability;
    WordingCheckOut {
        language: check.language.as_str().to_owned(),
        grade: r.grade,
        target_grade: MAX_DRAFT_GRADE,
        above_target: r.grade > MAX_DRAFT_GRADE,
        jargon: r.jargon.iter().map(|j| JargonOut { term: j.term.clone(), plain: j.plain.clone() }).collect(),
        empathy: r.empathy,
        words: r.words,
        sentences: r.sentences,
        crisis: check.crisis.map(|c| match c {
            Crisis::SelfHarm => "self_harm",
            Crisis::Danger => "danger",
        }),
        emergency_problems: check.emergency_problems.iter().map(EmergencyProblemOut::from).collect(),
    }
}

/// Checks the wording of a reply before it is sent (care-team staff): its
/// reading grade against the target and the jargon in it, with plain words
/// to use instead.
#[utoipa::path(post, path = "/api/v1/drafts/check", tag = "drafting", request_body = WordingCheckIn,
    responses(
        (status = 200, description = "Reading grade and jargon with plain alternatives", body = WordingCheckOut),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, description = "No such thread, or not one the caller may answer", body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn check_wording(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<WordingCheckIn>,
) -> ApiResult<Json<WordingCheckOut>> {
    let caller = auth.caller();
    let thread = match input.thread_id.as_deref() {
        // Malformed ids answer like threads the caller may not see.
        Some(raw) if policy::works_in_baskets(caller.user.role) => {
            threads::require_messaging(&caller)?;
            Some(path_id::<ThreadId>(raw)?)
        }
        _ => None,
    };
    let language = input
        .language
        .as_deref()
        .map(|raw| Language::parse(raw).map_err(|_| ApiError::invalid("language", "must be en or es")))
        .transpose()?;
    let check = CheckWording { body: input.body, language, thread };
    Ok(Json(wording_out(&wording::check_wording(&state.app(), &caller, check).await?)))
}
