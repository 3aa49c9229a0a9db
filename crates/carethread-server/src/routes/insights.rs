//! The clinic's insights (administrators and clinic leads): volume,
//! response times against the targets, workload, quality and safety, and
//! drafting over a date range, as JSON or one table as CSV.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiQuery, Authenticated};
pub use crate::insights_views::{InsightsOut, InsightsParams};
use crate::insights_views::{csv, section};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/insights/{section}", get(insights))
}

/// One section of the clinic's insights over the clinic's days `from` to
/// `to`: `volume` (patient messages per day, week and month, per 100
/// patients, by category, urgency and pool, the after-hours and no-reply
/// shares), `response` (first staff reply and closing against the reply
/// targets, overdue by pool, replies unread after two days), `workload`
/// (per member of staff and pool: replies, moves, coverage received, active
/// and after-hours time), `safety` (emergencies' first opening by staff,
/// triage overrides by direction, reading level, patients' answers to "did
/// this answer your question?") or `ai` (drafts requested and used, edits
/// and writing time with and without a draft, per week and person). Narrowed
/// by pool, category, urgency, member of staff and group of patients.
/// Counts only, never message content. `format=csv&table=…` answers one
/// table as CSV.
#[utoipa::path(get, path = "/api/v1/insights/{section}", tag = "insights",
    params(("section" = String, Path, description = "volume, response, workload, safety or ai"), InsightsParams),
    responses(
        (status = 200, description = "The section's figures and tables (or one table as CSV)", body = InsightsOut),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn insights(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(name): Path<String>,
    ApiQuery(params): ApiQuery<InsightsParams>,
) -> ApiResult<Response> {
    let out = section(&state.app(), &auth.caller(), &name, &params).await?;
    let wants_csv = params.wants_csv()?;
    if wants_csv {
        return csv(&out, params.table.as_deref());
    }
    Ok(Json(out).into_response())
}
