//! A member of staff's overdue notices: the threads escalated to them as
//! overdue that still wait for the care team (no message content).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carethread_app::overdue_notices::{OverdueNotice, overdue_notices};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::dto::PoolOut;
use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/me/overdue", get(my_overdue_notices))
}

/// An overdue thread escalated to the caller.
#[derive(Serialize, ToSchema)]
pub struct OverdueNoticeOut {
    #[schema(format = Uuid)]
    pub thread_id: String,
    /// `emergency`, `urgent` or `routine`.
    pub urgency: String,
    /// Since when the patient has waited for a reply.
    pub waiting_since: DateTime<Utc>,
    /// When the reply was due, by the clinic's reply-time targets.
    pub due: DateTime<Utc>,
    pub pool: Option<PoolOut>,
}

/// The caller's overdue notices, longest waiting first.
#[derive(Serialize, ToSchema)]
pub struct OverdueNoticesOut {
    pub overdue: Vec<OverdueNoticeOut>,
}

impl From<&OverdueNotice> for OverdueNoticeOut {
    fn from(n: &OverdueNotice) -> Self {
        Self {
            thread_id: n.thread_id.to_string(),
            urgency: n.urgency.as_str().to_owned(),
            waiting_since: n.waiting_since,
            due: n.due,
            pool: n.pool.as_ref().map(PoolOut::from),
        }
    }
}

/// The threads escalated to the caller as overdue (as the assignee, the
/// pool's lead, a member of an unassigned thread's pool, or covering for
/// one of them) that still wait for a reply. Staff who work in-baskets.
#[utoipa::path(get, path = "/api/v1/me/overdue", tag = "threads",
    responses(
        (status = 200, body = OverdueNoticesOut),
        (status = 401, body = Problem), (status = 403, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn my_overdue_notices(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<OverdueNoticesOut>> {
    let notices = overdue_notices(&state.app(), &auth.caller()).await?;
    Ok(Json(OverdueNoticesOut { overdue: notices.iter().map(OverdueNoticeOut::from).collect() }))
}
