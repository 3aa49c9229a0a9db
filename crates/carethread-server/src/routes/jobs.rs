//! The clinic's background jobs as administrators see them: the dead
//! letters (kind, runs, last error, when) and a retry of one. Payloads are
//! never shown.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use carethread_app::outbox_admin;
use carethread_store::{JobId, JobRecord, JobState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiQuery, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/admin/jobs", get(list_jobs)).route("/api/v1/admin/jobs/{id}/retry", post(retry_job))
}

/// Which jobs to list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsQuery {
    /// `dead` (the default), `pending`, `running`, `done` or `cancelled`.
    state: Option<String>,
}

/// A background job.
#[derive(Serialize, ToSchema)]
pub struct JobOut {
    #[schema(format = Uuid)]
    pub id: String,
    /// What the job does (`deliver`, `page`, `reply_notice`, `unread_reminder`, `overdue_scan`).
    pub kind: String,
    pub state: String,
    /// Runs so far.
    pub attempts: u32,
    /// Why the last run failed, without health information.
    pub last_error: Option<String>,
    pub run_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// When it finished, or was set aside.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Jobs, newest first.
#[derive(Serialize, ToSchema)]
pub struct JobList {
    pub jobs: Vec<JobOut>,
}

pub(crate) fn job_out(job: &JobRecord) -> JobOut {
    JobOut {
        id: job.id.to_string(),
        kind: job.kind.clone(),
        state: job.state.as_str().to_owned(),
        attempts: job.attempts,
        last_error: job.last_error.clone(),
        run_at: job.run_at,
        created_at: job.created_at,
        finished_at: job.finished_at,
    }
}

/// A job state as a query names it.
pub(crate) fn parse_state(raw: Option<&str>) -> Result<JobState, ApiError> {
    Ok(match raw.unwrap_or("dead") {
        "dead" => JobState::Dead,
        "pending" => JobState::Pending,
        "running" => JobState::Running,
        "done" => JobState::Done,
        "cancelled" => JobState::Cancelled,
        _ => return Err(ApiError::invalid("state", "must be dead, pending, running, done or cancelled")),
    })
}

/// Background jobs in a state (administrators): by default the dead
/// letters, set aside after failing too often or for good, newest first
/// (at most 200).
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "admin", params(JobsQuery),
    responses(
        (status = 200, body = JobList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn list_jobs(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<JobsQuery>,
) -> ApiResult<Json<JobList>> {
    let wanted = parse_state(q.state.as_deref())?;
    let jobs = outbox_admin::jobs_in_state(&state.app(), &auth.caller(), wanted).await?;
    Ok(Json(JobList { jobs: jobs.iter().map(job_out).collect() }))
}

/// Runs a dead job again now (administrators); audited with the
/// administrator as actor.
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/retry", tag = "admin",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 204, description = "Requeued"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, description = "No dead job has this id", body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn retry_job(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let caller = auth.caller();
    // Refused roles hear 403 whatever the id; a malformed id is no dead job.
    let Ok(id) = id.parse::<JobId>() else {
        outbox_admin::administrators_only(&caller)?;
        return Err(ApiError::NotFound);
    };
    outbox_admin::retry_dead_job(&state.app(), &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
