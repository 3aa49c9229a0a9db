//! Threads turned into visits: `POST /api/v1/threads/{id}/visit` (staff who
//! manage the thread: the patient is told how to book, the thread closes),
//! `GET /api/v1/visit-requests` for the front desk and billing, and `PATCH
//! /api/v1/visit-requests/{id}` for the front desk to mark one booked or
//! cancelled. The rules and the audit entries are the application layer's.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use carethread_app::visits::{self, RequestVisit};
use carethread_core::ids::ThreadId;
use carethread_store::{VisitKind, VisitRequest, VisitRequestId, VisitStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::path_id;
use crate::extract::{ApiJson, ApiQuery, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/threads/{id}/visit", post(request_visit))
        .route("/api/v1/visit-requests", get(list_visit_requests))
        .route("/api/v1/visit-requests/{id}", patch(update_visit_request))
}

/// How and why the patient is to be seen.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitIn {
    /// `in_person`, `video` or `phone`.
    pub kind: String,
    /// For the patient to read: why the clinic wants to see them (1–500 characters).
    pub reason: String,
}

/// A visit request's new status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitStatusIn {
    /// `booked` or `cancelled`.
    pub status: String,
}

/// Which requests to list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitQuery {
    /// `open` (default), `booked`, `cancelled` or `all`.
    status: Option<String>,
}

/// A visit request, as the front desk and billing see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitOut {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub thread_id: String,
    #[schema(format = Uuid)]
    pub patient_id: String,
    pub patient_name: String,
    /// `in_person`, `video` or `phone`.
    pub kind: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    /// `open`, `booked` or `cancelled`.
    pub status: String,
    pub updated_at: DateTime<Utc>,
}

impl From<VisitRequest> for VisitOut {
    fn from(v: VisitRequest) -> Self {
        Self {
            id: v.id.to_string(),
            thread_id: v.thread_id.to_string(),
            patient_id: v.patient.id.to_string(),
            patient_name: v.patient.display_name,
            kind: v.kind.as_str().to_owned(),
            reason: v.reason,
            requested_by: v.requested_by.display_name,
            requested_at: v.requested_at,
            status: v.status.as_str().to_owned(),
            updated_at: v.updated_at,
        }
    }
}

/// Visit requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitList {
    pub requests: Vec<VisitOut>,
}

/// The request a thread became.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitCreated {
    #[schema(format = Uuid)]
    pub id: String,
}

/// Turns the thread into a visit: the patient reads why and how to book and
/// is told to sign in, the front desk gets the request, the thread closes.
#[utoipa::path(post, path = "/api/v1/threads/{id}/visit", tag = "threads", request_body = VisitIn,
    params(("id" = String, Path, description = "Thread id")),
    responses(
        (status = 201, description = "Requested; the thread is closed", body = VisitCreated),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn request_visit(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<VisitIn>,
) -> ApiResult<(StatusCode, Json<VisitCreated>)> {
    let caller = auth.caller();
    let thread: ThreadId = path_id(&id)?;
    let kind = VisitKind::parse(&input.kind)?;
    let id = visits::request_visit(&state.app(), &caller, thread, RequestVisit { kind, reason: input.reason }).await?;
    Ok((StatusCode::CREATED, Json(VisitCreated { id: id.to_string() })))
}

/// Visit requests, oldest first (front desk and billing).
#[utoipa::path(get, path = "/api/v1/visit-requests", tag = "threads", params(VisitQuery),
    responses((status = 200, body = VisitList), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_visit_requests(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<VisitQuery>,
) -> ApiResult<Json<VisitList>> {
    let caller = auth.caller();
    let status = match q.status.as_deref() {
        None => Some(VisitStatus::Open),
        Some("all") => None,
        Some(raw) => Some(VisitStatus::parse(raw)?),
    };
    let found = visits::visit_requests(&state.app(), &caller, status).await?;
    Ok(Json(VisitList { requests: found.into_iter().map(Into::into).collect() }))
}

/// Marks a visit request booked or cancelled (front desk).
#[utoipa::path(patch, path = "/api/v1/visit-requests/{id}", tag = "threads", request_body = VisitStatusIn,
    params(("id" = String, Path, description = "Visit request id")),
    responses((status = 204, description = "Updated"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_visit_request(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<VisitStatusIn>,
) -> ApiResult<StatusCode> {
    let caller = auth.caller();
    let id: VisitRequestId = path_id(&id)?;
    let status = VisitStatus::parse(&input.status)?;
    visits::set_visit_status(&state.app(), &caller, id, status).await?;
    Ok(StatusCode::NO_CONTENT)
}
