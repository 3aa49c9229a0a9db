//! Who was paged about a thread, how and when, who acknowledged it, and
//! whether a staff reply has gone unread by the patient and their proxies
//! (staff who may read the thread).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use carethread_app::paging_status::{PagingStatus, paging_status};
use carethread_core::ids::ThreadId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;
use crate::extract::path_id;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/threads/{id}/pages", get(thread_pages))
}

/// One page that went out.
#[derive(Serialize, ToSchema)]
pub struct PageOut {
    #[schema(format = Uuid)]
    pub person_id: String,
    pub person: String,
    /// `page` (the first page to whoever is on call), `repage` or
    /// `escalation` (the next person down the clinic's chain).
    pub kind: String,
    /// `email` or `sms`.
    pub channel: String,
    pub at: DateTime<Utc>,
}

/// The first member of staff to open the thread after the first page.
#[derive(Serialize, ToSchema)]
pub struct AcknowledgedOut {
    #[schema(format = Uuid)]
    pub person_id: String,
    pub person: String,
    pub at: DateTime<Utc>,
}

/// Paging and read status of a thread.
#[derive(Serialize, ToSchema)]
pub struct ThreadPagesOut {
    /// Oldest first.
    pub pages: Vec<PageOut>,
    pub acknowledged: Option<AcknowledgedOut>,
    /// When the oldest staff reply neither the patient nor a proxy has
    /// opened was sent, once it has waited the clinic's reminder delay
    /// (two days by default); `null` otherwise.
    pub unread_reply_since: Option<DateTime<Utc>>,
}

pub(crate) fn pages_out(status: &PagingStatus) -> ThreadPagesOut {
    ThreadPagesOut {
        pages: status
            .pages
            .iter()
            .map(|p| PageOut {
                person_id: p.person.id.to_string(),
                person: p.person.display_name.clone(),
                kind: p.kind.as_str().to_owned(),
                channel: p.channel.clone(),
                at: p.at,
            })
            .collect(),
        acknowledged: status.acknowledged.as_ref().map(|(who, at)| AcknowledgedOut {
            person_id: who.id.to_string(),
            person: who.display_name.clone(),
            at: *at,
        }),
        unread_reply_since: status.unread_reply_since,
    }
}

/// Who was paged about an emergency thread (page, repage, escalation), when
/// and by which channel, who on staff acknowledged it, and whether a reply
/// has gone unread for the clinic's reminder delay. Staff who may read the
/// thread; patients and proxies are refused.
#[utoipa::path(get, path = "/api/v1/threads/{id}/pages", tag = "threads",
    params(("id" = String, Path, description = "Thread id")),
    responses(
        (status = 200, body = ThreadPagesOut),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, description = "No such thread, or not yours to see", body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn thread_pages(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<ThreadPagesOut>> {
    let caller = auth.caller();
    let id: ThreadId = path_id(&id)?;
    let status = paging_status(&state.app(), &caller, id).await?;
    Ok(Json(pages_out(&status)))
}
