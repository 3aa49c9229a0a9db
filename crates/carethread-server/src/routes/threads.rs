//! Threads: list, start, open, and manage (assign, status, replies).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use axum::{Json, Router};
use carethread_app::threads::{self, ChangeThread, ListThreads, StartThread, StartedThread, ThreadCriteria};
use carethread_core::ids::{PoolId, ThreadId, UserId};
use carethread_core::thread::{Category, ThreadStatus, Urgency};
use carethread_store::ThreadCursor;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::dto::{SafetyNotice, ThreadDetail, ThreadList, thread_url};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::parse_uuid_field;
use crate::extract::path_id;
use crate::extract::{ApiJson, ApiQuery, Authenticated};
use crate::sending::idempotency;
use crate::thread_views::{detail_of, list_items, require_messaging, thread_detail};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/threads", get(list_threads).post(create_thread))
        .route("/api/v1/threads/{id}", get(get_thread).patch(update_thread))
        .route("/api/v1/threads/{id}/confidential", axum::routing::put(set_confidential))
}

/// Filters for the thread list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `open`, `awaiting_patient` or `closed`.
    status: Option<String>,
    /// Pool id.
    pool: Option<String>,
    /// `me` or a user id.
    assignee: Option<String>,
    /// Patient id.
    patient: Option<String>,
    /// `emergency`, `urgent` or `routine`.
    urgency: Option<String>,
    /// `true`: only threads with a care-team reply that neither the patient
    /// nor a proxy has opened after the clinic's reminder delay (two days by
    /// default): "not read after 2 days".
    unread_reply: Option<String>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
    /// Page size, 1–100 (default 50).
    limit: Option<String>,
}

/// Threads the caller may see: for staff, most urgent first (emergencies at
/// the top), then those waiting longest for the care team (earliest due),
/// then the rest by newest activity; for patients and proxies, newest
/// activity first. Pages are cut by cursor, never by count of what came before.
#[utoipa::path(get, path = "/api/v1/threads", tag = "threads", params(ListQuery),
    responses(
        (status = 200, description = "A page of threads", body = ThreadList),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn list_threads(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ThreadList>> {
    require_messaging(&auth)?;
    let page_size = match q.limit.as_deref() {
        None => 50,
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", "must be a whole number from 1 to 100"))?,
    };
    let criteria = ThreadCriteria {
        status: q.status.as_deref().map(ThreadStatus::parse).transpose()?,
        pool: q.pool.as_deref().map(|p| parse_uuid_field::<PoolId>("pool", p)).transpose()?,
        assignee: match q.assignee.as_deref() {
            None => None,
            Some("me") => Some(auth.user.id),
            Some(raw) => Some(parse_uuid_field::<UserId>("assignee", raw)?),
        },
        patient: q.patient.as_deref().map(|p| parse_uuid_field::<UserId>("patient", p)).transpose()?,
        urgency: q.urgency.as_deref().map(Urgency::parse).transpose()?,
        unread_reply_before: match q.unread_reply.as_deref() {
            None | Some("false") => None,
            Some("true") => Some(chrono::Utc::now() - state.app().notifications.unread_reminder_after),
            Some(_) => return Err(ApiError::invalid("unread_reply", "must be true or false")),
        },
    };
    let query = ListThreads {
        criteria,
        after: q
            .cursor
            .as_deref()
            .map(|c| {
                ThreadCursor::decode(c).ok_or_else(|| ApiError::invalid("cursor", "is not a cursor from this list"))
            })
            .transpose()?,
        page_size,
    };
    let page = threads::list_threads(&state.app(), &auth.caller(), query).await?;
    let clinic = state.clinic.get(&*state.store).await;
    Ok(Json(ThreadList {
        threads: list_items(&state, &auth, &page.threads, &clinic).await?,
        next_cursor: page.next_cursor,
    }))
}

/// A new thread and its first message.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewThreadIn {
    pub subject: String,
    pub body: String,
    /// `medication`, `scheduling`, `results`, `clinical`, `administrative` or `other`:
    /// what the patient says the message is about. It sets the category and the
    /// routing, except that an emergency goes to the emergency pool and clinical,
    /// sexual-health, mental-health and confidential messages never go to a pool
    /// non-clinical staff read. When absent, triage decides.
    pub category: Option<String>,
    /// Required for proxies and staff: whom the thread is about.
    #[schema(format = Uuid)]
    pub patient_id: Option<String>,
    /// Adolescent patients (12–17) may hide a thread from their proxies.
    #[serde(default)]
    pub confidential: bool,
}

/// Starts a thread. An emergency-sounding message gets a `safety_notice`.
#[utoipa::path(post, path = "/api/v1/threads", tag = "threads", request_body = NewThreadIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a retry with the same key returns the first result and stores nothing new")),
    responses(
        (status = 201, description = "Thread started", body = ThreadDetail),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn create_thread(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NewThreadIn>,
) -> ApiResult<(StatusCode, HeaderMap, Json<ThreadDetail>)> {
    require_messaging(&auth)?;
    let key = idempotency(&headers, "POST /threads", &input)?;
    let started = start(&state, &auth, input, key).await?;
    let opened = threads::thread_view(&state.app(), &auth.caller(), started.thread_id).await?;
    let mut detail = detail_of(&state, &auth, &opened).await?;
    if !started.by_care_team {
        detail.safety_notice = SafetyNotice::for_urgency(started.urgency, auth.user.language);
    }
    let mut out_headers = HeaderMap::new();
    if let Ok(location) = thread_url(started.thread_id).parse() {
        out_headers.insert(header::LOCATION, location);
    }
    Ok((StatusCode::CREATED, out_headers, Json(detail)))
}

/// Starts the thread `input` asks for, counted in the metrics.
async fn start(
    state: &AppState,
    auth: &Authenticated,
    input: NewThreadIn,
    idempotency: Option<carethread_store::Idempotency>,
) -> ApiResult<StartedThread> {
    let start = StartThread {
        patient: input.patient_id.as_deref().map(|raw| parse_uuid_field::<UserId>("patient_id", raw)).transpose()?,
        category: input.category.as_deref().map(Category::parse).transpose()?,
        subject: input.subject,
        body: input.body,
        confidential: input.confidential,
        idempotency,
    };
    let started = threads::start_thread(&state.app(), &auth.caller(), start).await?;
    state.metrics.thread_started(started.urgency, started.replayed);
    Ok(started)
}

/// Opens a thread: its messages (internal notes for staff only), attachments
/// and read receipts. Opening records the caller's read receipts.
#[utoipa::path(get, path = "/api/v1/threads/{id}", tag = "threads",
    params(("id" = String, Path, description = "Thread id")),
    responses(
        (status = 200, description = "The thread", body = ThreadDetail),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, description = "No such thread, or not yours to see", body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn get_thread(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<ThreadDetail>> {
    let caller = auth.caller();
    threads::require_messaging(&caller)?;
    let id: ThreadId = path_id(&id)?;
    let view = threads::open_thread(&state.app(), &caller, id).await?;
    Ok(Json(detail_of(&state, &auth, &view).await?))
}

/// A staff change to a thread. Absent fields stay as they are; `null` clears
/// the pool or the assignee.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(clippy::option_option, reason = "absent, null and a value are three different requests")]
pub struct ThreadPatchIn {
    /// `open`, `awaiting_patient` or `closed`.
    pub status: Option<String>,
    pub replies_allowed: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub pool_id: Option<Option<String>>,
    /// A staff member's id, or `me`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub assignee_id: Option<Option<String>>,
    /// An internal note saved with the change, in the same transaction (why
    /// it was assigned or forwarded); staff who may leave notes. At most the
    /// clinic's `message_max_chars` characters (`GET /api/v1/clinic`: 5,000
    /// unless the clinic changed it, never more than 20,000); blank adds none.
    pub note: Option<String>,
}

/// Distinguishes a field set to `null` (`Some(None)`) from an absent one (`None`).
#[expect(clippy::option_option, reason = "absent, null and a value are three different requests")]
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Assigns or forwards a thread, changes its status, or turns replies on or off (staff).
#[utoipa::path(patch, path = "/api/v1/threads/{id}", tag = "threads", request_body = ThreadPatchIn,
    params(("id" = String, Path, description = "Thread id")),
    responses(
        (status = 200, description = "The updated thread", body = ThreadDetail),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn update_thread(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ThreadPatchIn>,
) -> ApiResult<Json<ThreadDetail>> {
    let change = thread_change(&auth, input)?;
    let caller = auth.caller();
    threads::require_messaging(&caller)?;
    let id: ThreadId = path_id(&id)?;
    let thread = threads::update_thread(&state.app(), &caller, id, change).await?;
    Ok(Json(thread_detail(&state, &auth, thread.id).await?))
}

/// The change a request asks for, with `me` as the caller.
pub(crate) fn thread_change(auth: &Authenticated, input: ThreadPatchIn) -> ApiResult<ChangeThread> {
    Ok(ChangeThread {
        status: input.status.as_deref().map(ThreadStatus::parse).transpose()?,
        replies_allowed: input.replies_allowed,
        pool: input
            .pool_id
            .map(|pool| pool.map(|raw| parse_uuid_field::<PoolId>("pool_id", &raw)).transpose())
            .transpose()?,
        assignee: input
            .assignee_id
            .map(|assignee| match assignee.as_deref() {
                None => Ok(None),
                Some("me") => Ok(Some(auth.user.id)),
                Some(raw) => parse_uuid_field::<UserId>("assignee_id", raw).map(Some),
            })
            .transpose()?,
        note: input.note,
    })
}

/// Whether an adolescent's thread is kept from their proxies.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfidentialIn {
    /// `true`: proxies (such as a parent) no longer see the thread; the care team still does.
    pub confidential: bool,
}

/// An adolescent patient (by the clinic's age range) keeps one of their own
/// threads from their proxies, or shows it to them again.
#[utoipa::path(put, path = "/api/v1/threads/{id}/confidential", tag = "threads", request_body = ConfidentialIn,
    params(("id" = String, Path, description = "Thread id")),
    responses(
        (status = 200, description = "The updated thread", body = ThreadDetail),
        (status = 401, body = Problem), (status = 403, description = "Not the thread's patient", body = Problem),
        (status = 404, body = Problem),
        (status = 422, description = "Only patients aged 12 to 17 may keep threads from their proxies", body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn set_confidential(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ConfidentialIn>,
) -> ApiResult<Json<ThreadDetail>> {
    let caller = auth.caller();
    threads::require_messaging(&caller)?;
    let id: ThreadId = path_id(&id)?;
    threads::set_confidential(&state.app(), &caller, id, input.confidential).await?;
    Ok(Json(thread_detail(&state, &auth, id).await?))
}
