//! Replies released later: `GET` and `POST /api/v1/threads/{id}/held` to list
//! and hold a reply (until released, or until `release_at`), `POST
//! …/held/{held}/release` to release it now and `DELETE …/held/{held}` to
//! cancel it. Staff only; the patient's views never show held replies. The
//! rules, the outbox job and the audit entries are the application layer's.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use carethread_app::release::{self, HoldReply};
use carethread_store::HeldReply;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated, path_id};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/threads/{id}/held", get(list_held).post(hold_reply))
        .route("/api/v1/threads/{id}/held/{held}/release", post(release_held))
        .route("/api/v1/threads/{id}/held/{held}", delete(cancel_held))
}

/// A reply to hold.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldIn {
    pub body: String,
    /// RFC 3339, in the future and within 90 days: released then. Left out:
    /// held until a clinician releases it.
    pub release_at: Option<DateTime<Utc>>,
}

/// A held reply, as staff see it (the patient never does).
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldOut {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub thread_id: String,
    #[schema(format = Uuid)]
    pub author_id: String,
    pub author_name: String,
    pub body: String,
    /// `null`: held until released.
    pub release_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<HeldReply> for HeldOut {
    fn from(h: HeldReply) -> Self {
        Self {
            id: h.id.to_string(),
            thread_id: h.thread_id.to_string(),
            author_id: h.author.id.to_string(),
            author_name: h.author.display_name,
            body: h.body.as_str().to_owned(),
            release_at: h.release_at,
            created_at: h.created_at,
        }
    }
}

/// The replies held on a thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldList {
    pub held: Vec<HeldOut>,
}

/// The message a released reply became.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleasedOut {
    #[schema(format = Uuid)]
    pub message_id: String,
}

/// Replies held on the thread (staff who may read it; empty for patients and proxies).
#[utoipa::path(get, path = "/api/v1/threads/{id}/held", tag = "threads",
    params(("id" = String, Path, description = "Thread id")),
    responses((status = 200, body = HeldList), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_held(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<HeldList>> {
    let caller = auth.caller();
    let held = release::held_replies(&state.app(), &caller, path_id(&id)?).await?;
    Ok(Json(HeldList { held: held.into_iter().map(Into::into).collect() }))
}

/// Holds a reply (clinicians who may reply): the patient sees nothing, not
/// even a notice, until it is released at `release_at` or by a clinician.
#[utoipa::path(post, path = "/api/v1/threads/{id}/held", tag = "threads", request_body = HoldIn,
    params(("id" = String, Path, description = "Thread id")),
    responses(
        (status = 201, description = "Held", body = HeldOut),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn hold_reply(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<HoldIn>,
) -> ApiResult<(StatusCode, Json<HeldOut>)> {
    let caller = auth.caller();
    let reply = HoldReply { body: input.body, release_at: input.release_at };
    let held = release::hold_reply(&state.app(), &caller, path_id(&id)?, reply).await?;
    Ok((StatusCode::CREATED, Json(held.into())))
}

/// Releases a held reply now: it becomes a message, and the patient is told
/// after the usual delay.
#[utoipa::path(post, path = "/api/v1/threads/{id}/held/{held}/release", tag = "threads",
    params(("id" = String, Path, description = "Thread id"), ("held" = String, Path, description = "Held reply id")),
    responses((status = 200, body = ReleasedOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, description = "No such held reply (or already released or cancelled)", body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn release_held(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((id, held)): Path<(String, String)>,
) -> ApiResult<Json<ReleasedOut>> {
    let caller = auth.caller();
    let written = release::release_now(&state.app(), &caller, path_id(&id)?, path_id(&held)?).await?;
    Ok(Json(ReleasedOut { message_id: written.message_id.to_string() }))
}

/// Cancels a held reply: the patient never sees it; the audit log keeps that it was cancelled.
#[utoipa::path(delete, path = "/api/v1/threads/{id}/held/{held}", tag = "threads",
    params(("id" = String, Path, description = "Thread id"), ("held" = String, Path, description = "Held reply id")),
    responses((status = 204, description = "Cancelled"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn cancel_held(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((id, held)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let caller = auth.caller();
    release::cancel_held(&state.app(), &caller, path_id(&id)?, path_id(&held)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
