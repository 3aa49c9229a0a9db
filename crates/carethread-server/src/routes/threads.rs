//! Threads: list, start, open, and manage (assign, status, replies).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use axum::{Json, Router};
use carethread_core::audit::AuditAction;
use carethread_core::ids::{PoolId, ThreadId, UserId};
use carethread_core::message::MessageBody;
use carethread_core::policy::{self, Actor, Decision, ThreadAction, ThreadFacts, decide_new_thread, decide_thread};
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, Thread, ThreadPatch, ThreadStatus, Urgency, in_basket_order};
use carethread_core::user::age_in_years;
use carethread_store::{NewThread, ThreadCursor, ThreadFilter, TriageRecord};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::dto::{SafetyNotice, ThreadDetail, ThreadList, ThreadListItem, thread_url};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiQuery, Authenticated};
use crate::intake::triage_patient_message;
use crate::routes::after_hours;
use crate::routes::messages::idempotency;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/threads", get(list_threads).post(create_thread))
        .route("/api/v1/threads/{id}", get(get_thread).patch(update_thread))
        .route("/api/v1/threads/{id}/confidential", axum::routing::put(set_confidential))
}

/// Refuses roles that take no part in messaging (admins, auditors).
pub(crate) fn require_messaging(auth: &Authenticated) -> ApiResult<()> {
    if policy::may_use_messaging(auth.user.role) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("your role administers the clinic and does not read or send messages".to_owned()))
    }
}

/// A thread the caller may see, with how the caller relates to it, read once
/// so the policy can be asked about several actions without reading again.
pub(crate) struct ThreadAccess {
    pub(crate) thread: Thread,
    actor: Actor,
    facts: ThreadFacts,
    now: DateTime<Utc>,
}

impl ThreadAccess {
    /// Whether the caller may also do `action` to this thread.
    pub(crate) fn allows(&self, action: ThreadAction) -> bool {
        decide_thread(self.actor, action, &self.facts, self.now).is_allowed()
    }

    /// Refuses `action` with the policy's answer.
    pub(crate) fn require(&self, action: ThreadAction) -> ApiResult<()> {
        match decide_thread(self.actor, action, &self.facts, self.now) {
            Decision::Allow => Ok(()),
            Decision::Forbidden => Err(ApiError::Forbidden("you may see this conversation but not do that".to_owned())),
            Decision::NotFound => Err(ApiError::NotFound),
        }
    }
}

/// Loads a thread the caller may see, asking the core policy. Unknown ids,
/// malformed ids and threads the caller may not see all answer 404.
pub(crate) async fn load_thread(state: &AppState, auth: &Authenticated, raw_id: &str) -> ApiResult<ThreadAccess> {
    require_messaging(auth)?;
    let id: ThreadId = raw_id.parse().map_err(|_| ApiError::NotFound)?;
    let now = Utc::now();
    let (thread, facts) = state.store.thread_facts(auth.actor(), id, now).await?.ok_or(ApiError::NotFound)?;
    let access = ThreadAccess { thread, actor: auth.actor(), facts, now };
    if let Err(refused) = access.require(ThreadAction::Read) {
        // An attempt on a patient's thread the policy refused: kept for the privacy officer.
        let attempt =
            auth.audit(AuditAction::ThreadRead).patient(access.thread.patient_id).target("thread", id).denied();
        state.store.record_audit(vec![attempt]).await?;
        return Err(refused);
    }
    Ok(access)
}

/// Loads a thread the caller may do `action` to (404 when they may not see it).
pub(crate) async fn authorize_thread(
    state: &AppState,
    auth: &Authenticated,
    raw_id: &str,
    action: ThreadAction,
) -> ApiResult<Thread> {
    let access = load_thread(state, auth, raw_id).await?;
    access.require(action)?;
    Ok(access.thread)
}

/// The threads the caller may see under `filter`, with the listing audited
/// (naming the patient when the list is one patient's).
pub(crate) async fn list_audited(
    state: &AppState,
    auth: &Authenticated,
    filter: &ThreadFilter,
) -> ApiResult<Vec<carethread_store::ThreadSummary>> {
    let rows = state.store.list_threads(auth.actor(), filter, Utc::now()).await?;
    let mut listed = auth.audit(AuditAction::ThreadList);
    if let Some(patient) = filter.patient {
        listed = listed.patient(patient);
    }
    state.store.record_audit(vec![listed]).await?;
    Ok(rows)
}

/// The full thread as the caller may see it.
pub(crate) async fn thread_detail(state: &AppState, auth: &Authenticated, id: ThreadId) -> ApiResult<ThreadDetail> {
    let summary = state.store.thread_summary(auth.actor(), id).await?.ok_or(ApiError::NotFound)?;
    let staff = auth.user.role.is_staff();
    // Triage is the care team's working information; patients get the safety notice instead.
    let triage = if staff { state.store.latest_triage(id).await? } else { None };
    let messages = state.store.messages(id, staff).await?;
    let clinic = state.clinic.get(&*state.store).await;
    let mut detail = ThreadDetail::new(&summary, triage.as_ref(), &messages, &clinic);
    if staff {
        if let Some((t, at)) = &triage {
            detail.on_call = after_hours::on_call(state, &clinic, id, t.urgency, *at).await?;
        }
    } else {
        (detail.due_at, detail.after_hours) =
            after_hours::for_patient(&clinic, &summary.thread, auth.user.language, Utc::now());
    }
    Ok(detail)
}

/// List rows as the caller sees them: for patients, the reply time they are
/// promised or the after-hours guidance; for staff, whether on-call has seen
/// an emergency that arrived after hours.
pub(crate) async fn list_items(
    state: &AppState,
    auth: &Authenticated,
    rows: &[carethread_store::ThreadSummary],
    clinic: &crate::clinic::Clinic,
) -> ApiResult<Vec<ThreadListItem>> {
    let staff = auth.user.role.is_staff();
    let now = Utc::now();
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let mut item = ThreadListItem::new(row, clinic);
        if !staff {
            (item.due_at, item.after_hours) = after_hours::for_patient(clinic, &row.thread, auth.user.language, now);
        } else if row.thread.urgency == Urgency::Emergency
            && let Some((t, at)) = state.store.latest_triage(row.thread.id).await?
        {
            item.on_call = after_hours::on_call(state, clinic, row.thread.id, t.urgency, at).await?;
        }
        items.push(item);
    }
    Ok(items)
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
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
    /// Page size, 1–100 (default 50).
    limit: Option<String>,
}

pub(crate) fn parse_uuid_field<T: std::str::FromStr>(field: &'static str, raw: &str) -> ApiResult<T> {
    raw.parse().map_err(|_| ApiError::invalid(field, "must be an identifier (UUID)"))
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
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", "must be a whole number from 1 to 100"))?,
    };
    let filter = ThreadFilter {
        status: q.status.as_deref().map(ThreadStatus::parse).transpose()?,
        pool: q.pool.as_deref().map(|p| parse_uuid_field::<PoolId>("pool", p)).transpose()?,
        assignee: match q.assignee.as_deref() {
            None => None,
            Some("me") => Some(auth.user.id),
            Some(raw) => Some(parse_uuid_field::<UserId>("assignee", raw)?),
        },
        patient: q.patient.as_deref().map(|p| parse_uuid_field::<UserId>("patient", p)).transpose()?,
        urgency: q.urgency.as_deref().map(Urgency::parse).transpose()?,
        after: q
            .cursor
            .as_deref()
            .map(|c| {
                ThreadCursor::decode(c).ok_or_else(|| ApiError::invalid("cursor", "is not a cursor from this list"))
            })
            .transpose()?,
        emergencies_first: in_basket_order(auth.user.role),
        limit: limit + 1,
    };
    let mut rows = list_audited(&state, &auth, &filter).await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|s| ThreadCursor::after(&s.thread).encode())
    } else {
        None
    };
    let clinic = state.clinic.get(&*state.store).await;
    Ok(Json(ThreadList { threads: list_items(&state, &auth, &rows, &clinic).await?, next_cursor }))
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
    let actor = auth.actor();
    let now = Utc::now();
    let patient_id = match (actor.role, input.patient_id.as_deref()) {
        (Role::Patient, None) => actor.id,
        (_, Some(raw)) => parse_uuid_field::<UserId>("patient_id", raw)?,
        (_, None) => return Err(ApiError::invalid("patient_id", "is required when writing for someone else")),
    };
    let no_such_patient = || ApiError::invalid("patient_id", "names no patient you can write for");
    let facts = state.store.patient_facts(actor, patient_id).await?.ok_or_else(no_such_patient)?;
    match decide_new_thread(actor, &facts, now) {
        Decision::Allow => {}
        Decision::Forbidden => {
            return Err(ApiError::Forbidden("your access for this patient is read-only".to_owned()));
        }
        Decision::NotFound => return Err(no_such_patient()),
    }
    let subject = Subject::parse(&input.subject)?;
    let body = MessageBody::parse(&input.body, state.clinic.get(&*state.store).await.profile.message_max_chars)?;
    let category = input.category.as_deref().map(Category::parse).transpose()?;
    if input.confidential {
        let age = auth.user.date_of_birth.map(|dob| age_in_years(dob, now.date_naive()));
        if !policy::may_mark_confidential(actor.role, age, &state.settings) {
            return Err(ApiError::invalid("confidential", "can be set only by patients aged 12 to 17"));
        }
    }
    let key = idempotency(&headers, "POST /threads", &input)?;

    let from_care_team = actor.role.is_staff();
    let (urgency, category, pool_slug, triage) = if from_care_team {
        let category = category.unwrap_or(Category::Other);
        let record = TriageRecord {
            urgency: Urgency::Routine,
            category,
            pool_slug: None,
            confidence: 1.0,
            reasons: vec!["started by the care team".to_owned()],
            model_id: "care-team".to_owned(),
            model_version: "1".to_owned(),
            needs_review: false,
            overridden_by: None,
        };
        (Urgency::Routine, category, None, record)
    } else {
        let record =
            triage_patient_message(&state, subject.as_str(), body.as_str(), category, input.confidential).await?;
        (record.urgency, record.category, record.pool_slug.clone(), record)
    };
    let written = state
        .store
        .create_thread(NewThread {
            patient_id,
            author_id: actor.id,
            subject,
            body,
            category,
            urgency,
            pool_slug,
            assignee_id: from_care_team.then_some(actor.id),
            status: if from_care_team { ThreadStatus::AwaitingPatient } else { ThreadStatus::Open },
            confidential: input.confidential,
            triage,
            idempotency: key,
            now,
            audit: vec![auth.audit(AuditAction::ThreadCreate).patient(patient_id)],
        })
        .await?;
    if !written.replayed {
        state.metrics.thread_created();
        if urgency == Urgency::Emergency {
            state.metrics.emergency_triaged();
        }
        tracing::info!(thread.id = %written.thread_id, urgency = urgency.as_str(), "thread started");
    }
    let mut detail = thread_detail(&state, &auth, written.thread_id).await?;
    if !from_care_team {
        detail.safety_notice = SafetyNotice::for_urgency(urgency, auth.user.language);
    }
    let mut out_headers = HeaderMap::new();
    if let Ok(location) = thread_url(written.thread_id).parse() {
        out_headers.insert(header::LOCATION, location);
    }
    Ok((StatusCode::CREATED, out_headers, Json(detail)))
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
    let thread = authorize_thread(&state, &auth, &id, ThreadAction::Read).await?;
    let read = auth.audit(AuditAction::ThreadRead).patient(thread.patient_id).target("thread", thread.id);
    state.store.record_audit(vec![read]).await?;
    let staff = auth.user.role.is_staff();
    state.store.mark_read(thread.id, auth.user.id, staff, Utc::now()).await?;
    Ok(Json(thread_detail(&state, &auth, thread.id).await?))
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
    let thread = authorize_thread(&state, &auth, &id, ThreadAction::Manage).await?;
    let mut patch = ThreadPatch {
        status: input.status.as_deref().map(ThreadStatus::parse).transpose()?,
        replies_allowed: input.replies_allowed,
        ..ThreadPatch::default()
    };
    if let Some(pool) = input.pool_id {
        patch.pool_id = Some(match pool {
            None => None,
            Some(raw) => {
                let id = parse_uuid_field::<PoolId>("pool_id", &raw)?;
                state.store.pool(id).await?.ok_or_else(|| ApiError::invalid("pool_id", "names no pool"))?;
                Some(id)
            }
        });
    }
    if let Some(assignee) = input.assignee_id {
        patch.assignee_id = Some(match assignee.as_deref() {
            None => None,
            Some("me") => Some(auth.user.id),
            Some(raw) => {
                let id = parse_uuid_field::<UserId>("assignee_id", raw)?;
                let user = state.store.user(id).await?;
                if !user.is_some_and(|u| u.role.is_staff() && !u.disabled) {
                    return Err(ApiError::invalid("assignee_id", "names no active staff member"));
                }
                Some(id)
            }
        });
    }
    if patch.is_empty() {
        return Err(ApiError::invalid("body", "names no change"));
    }
    let audit = auth.audit(AuditAction::ThreadUpdate).patient(thread.patient_id);
    state.store.update_thread(thread.id, &patch, Utc::now(), &[audit]).await?;
    tracing::info!(thread.id = %thread.id, "thread updated");
    Ok(Json(thread_detail(&state, &auth, thread.id).await?))
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
    let thread = authorize_thread(&state, &auth, &id, ThreadAction::Read).await?;
    let now = Utc::now();
    let age = auth.user.date_of_birth.map(|dob| age_in_years(dob, now.date_naive()));
    if auth.user.role != Role::Patient || thread.patient_id != auth.user.id {
        return Err(ApiError::Forbidden("only the patient decides whether their thread is kept from proxies".into()));
    }
    if !policy::may_mark_confidential(auth.user.role, age, &state.settings) {
        return Err(ApiError::invalid("confidential", "can be set only by patients aged 12 to 17"));
    }
    let mut patch = ThreadPatch { confidential: Some(input.confidential), ..ThreadPatch::default() };
    let mut detail = if input.confidential { "kept from proxies" } else { "shown to proxies" };
    if input.confidential {
        // Confidential threads are read by clinical staff only: out of a front-desk or billing pool.
        let (pool, clear_assignee) = crate::intake::clinical_home(&state, &thread).await?;
        if let Some(pool) = pool {
            patch.pool_id = Some(Some(pool));
            detail = "kept from proxies; moved to a clinical pool";
        }
        if clear_assignee {
            patch.assignee_id = Some(None);
        }
    }
    let audit = auth.audit(AuditAction::ThreadUpdate).patient(thread.patient_id).detail(detail);
    state.store.update_thread(thread.id, &patch, now, &[audit]).await?;
    tracing::info!(thread.id = %thread.id, "thread confidentiality changed");
    Ok(Json(thread_detail(&state, &auth, thread.id).await?))
}
