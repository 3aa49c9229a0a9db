//! The portal's pages: a patient's (or proxy's) messages, writing a message
//! with the emergency check before sending, a thread with read receipts and
//! the "did this answer your question?" response, and the care team's
//! in-basket and thread with notes, drafts and reading-level feedback.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use carethread_core::role::Role;
use carethread_core::thread::{Urgency, in_basket_order};
use carethread_core::user::Language;
use carethread_store::ThreadFilter;
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;

use super::{CsrfForm, PostedForm, Text, WebSession, error_page, page};
use crate::AppState;
use crate::dto::{MessageOut, ThreadDetail, ThreadListItem};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::routes::drafts::{DraftIn, create_draft, expand_quick_reply, list_quick_replies};
use crate::routes::messages::{PortalMessage, check_files, patient_language, send_from_portal};
use crate::routes::threads::{NewThreadIn, create_thread, get_thread, list_audited};

pub(super) fn router(state: &AppState) -> Router<AppState> {
    let s = &state.settings;
    // Room for every file at its limit plus the form's text fields.
    let upload_limit = s.attachment_max_bytes.saturating_mul(s.attachments_per_message).saturating_add(256 * 1024);
    Router::new()
        .route("/welcome", get(welcome))
        .route("/help", get(help))
        .route("/inbox", get(inbox))
        .route("/inbasket", get(inbasket))
        .route("/compose", get(compose_page).post(compose_submit).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/threads/{id}", get(thread_page))
        .route("/threads/{id}/reply", post(reply).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/threads/{id}/quick-reply", post(quick_reply))
        .route("/threads/{id}/feedback", post(feedback))
        .route("/threads/{id}/draft", post(draft))
}

const WELCOMED_COOKIE: &str = "carethread_welcomed";

/// An API handler's refusal as a page.
pub(super) fn api_error(text: Text, err: &ApiError) -> Response {
    match err {
        ApiError::NotFound => error_page(text, StatusCode::NOT_FOUND, text.get("error.not_found")),
        ApiError::Forbidden(m) | ApiError::Conflict(m) => error_page(text, StatusCode::FORBIDDEN, m),
        ApiError::Invalid { field, detail } => {
            error_page(text, StatusCode::UNPROCESSABLE_ENTITY, &format!("{field} {detail}"))
        }
        ApiError::PayloadTooLarge(m) => error_page(text, StatusCode::PAYLOAD_TOO_LARGE, m),
        ApiError::UnsupportedMediaType(m) => error_page(text, StatusCode::UNSUPPORTED_MEDIA_TYPE, m),
        ApiError::BadRequest(m) => error_page(text, StatusCode::BAD_REQUEST, m),
        _ => error_page(text, StatusCode::INTERNAL_SERVER_ERROR, text.get("error.generic")),
    }
}

fn intro(session: &WebSession) -> Markup {
    let text = session.text;
    let target = session.reply_target();
    html! {
        p { (text.get("welcome.what")) }
        p { (text.fill("welcome.nonurgent", &[("target", &target)])) }
        (hours_line(session))
        div class="emergency" role="note" { p { strong { (text.get("welcome.emergency")) } } }
    }
}

/// The short guided introduction, shown on first sign-in and from Help.
async fn welcome(session: WebSession) -> Response {
    let text = session.text;
    let mut response = page(
        text,
        text.get("welcome.title"),
        Some(&session),
        html! {
            (intro(&session))
            p { a class="button primary" href="/inbox" { (text.get("welcome.continue")) } }
        },
    );
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("carethread_welcomed=1; Path=/; SameSite=Lax; Max-Age=31536000"),
    );
    response
}

async fn help(session: WebSession) -> Response {
    let text = session.text;
    page(text, text.get("help.title"), Some(&session), intro(&session))
}

/// The clinic's hours, and when it is closed, when messages will be read.
fn hours_line(session: &WebSession) -> Markup {
    let text = session.text;
    let p = &session.clinic.profile;
    let days: Vec<&str> = p.open_days.iter().map(|d| text.get(&format!("day.{}", day_key(*d)))).collect();
    let now = Utc::now();
    html! {
        p { (text.fill("hours.line", &[("days", &days.join(", ")), ("opens", &p.opens_at), ("closes", &p.closes_at)])) }
        @if !session.clinic.hours.is_open(now) {
            p class="notice" role="note" {
                (text.fill("compose.after_hours", &[("when", &session.when(session.clinic.hours.next_open(now)))]))
            }
        }
    }
}

/// The catalogue key of an ISO weekday number.
pub(super) fn day_key(day: u8) -> &'static str {
    match day {
        1 => "mon",
        2 => "tue",
        3 => "wed",
        4 => "thu",
        5 => "fri",
        6 => "sat",
        _ => "sun",
    }
}

fn status_label(text: Text, status: &str) -> &'static str {
    match status {
        "open" => text.get("status.open"),
        "awaiting_patient" => text.get("status.awaiting_patient"),
        _ => text.get("status.closed"),
    }
}

fn urgency_label(text: Text, urgency: &str) -> &'static str {
    match urgency {
        "emergency" => text.get("urgency.emergency"),
        "urgent" => text.get("urgency.urgent"),
        _ => text.get("urgency.routine"),
    }
}

/// Threads the session may see, newest first (staff: most urgent first), audited like the API's list.
async fn visible_threads(
    state: &AppState,
    session: &WebSession,
    filter: ThreadFilter,
) -> Result<Vec<ThreadListItem>, ApiError> {
    let filter = ThreadFilter { emergencies_first: in_basket_order(session.auth.user.role), limit: 200, ..filter };
    let rows = list_audited(state, &session.auth, &filter).await?;
    Ok(rows.iter().map(|r| ThreadListItem::new(r, &session.clinic)).collect())
}

#[derive(Deserialize)]
struct InboxQuery {
    patient: Option<String>,
}

/// A patient's messages; a proxy sees each patient they act for, one at a time.
async fn inbox(
    State(state): State<AppState>,
    session: WebSession,
    headers: HeaderMap,
    Query(q): Query<InboxQuery>,
) -> Response {
    let text = session.text;
    if !writes_for_a_patient(&session) {
        return Redirect::to("/").into_response();
    }
    if crate::extract::cookie_from_headers(&headers, WELCOMED_COOKIE).is_none() {
        return Redirect::to("/welcome").into_response();
    }
    let mut threads = match visible_threads(&state, &session, ThreadFilter::default()).await {
        Ok(t) => t,
        Err(e) => return api_error(text, &e),
    };
    let acting_for = if session.auth.user.role == Role::Proxy {
        state.store.proxy_patients(session.auth.user.id, Utc::now()).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let chosen = q.patient.clone().or_else(|| acting_for.first().map(|p| p.id.to_string()));
    if let Some(p) = &chosen {
        threads.retain(|t| &t.patient.id == p);
    }
    page(
        text,
        text.get("inbox.title"),
        Some(&session),
        html! {
            @if !acting_for.is_empty() {
                form method="get" action="/inbox" class="inline" {
                    label for="patient" { (text.get("inbox.acting_for")) }
                    select id="patient" name="patient" {
                        @for p in &acting_for {
                            option value=(p.id) selected[Some(p.id.to_string()) == chosen] { (p.display_name) }
                        }
                    }
                    button type="submit" { (text.get("inbox.show")) }
                }
            }
            p { a class="button primary" href=(compose_link(chosen.as_deref())) { (text.get("nav.compose")) } }
            (thread_table(&session, &threads, &[]))
        },
    )
}

/// Patients and proxies have an inbox and write messages; everyone else starts elsewhere.
fn writes_for_a_patient(session: &WebSession) -> bool {
    matches!(session.auth.user.role, Role::Patient | Role::Proxy)
}

fn compose_link(patient: Option<&str>) -> String {
    patient.map_or_else(|| "/compose".to_owned(), |p| format!("/compose?patient={p}"))
}

/// Threads as a list: unread marker, status, and for staff the urgency
/// badge, triage reasons and when a reply is due (or that it is overdue).
fn thread_table(session: &WebSession, threads: &[ThreadListItem], reasons: &[Vec<String>]) -> Markup {
    let text = session.text;
    let staff = session.auth.user.role.is_staff();
    let now = Utc::now();
    html! {
        @if threads.is_empty() {
            p { (text.get(if staff { "inbasket.empty" } else { "inbox.empty" })) }
        } @else {
            ul class="threads" id="thread-list" {
                @for (i, t) in threads.iter().enumerate() {
                    @let overdue = staff && t.due_at.is_some_and(|d| d < now);
                    li class={ "thread " (t.urgency) @if t.unread > 0 { " unread" } @if overdue { " overdue" } } {
                        a href={ "/threads/" (t.id) } {
                            @if staff { span class={ "badge " (t.urgency) } { (urgency_label(text, &t.urgency)) } " " }
                            @if overdue { span class="badge overdue" { (text.get("inbasket.overdue")) } " " }
                            strong class="subject" { (t.subject) }
                        }
                        span class="meta" {
                            @if staff { (text.get("inbasket.patient")) ": " (t.patient.display_name) " · " }
                            (status_label(text, &t.status)) " · " (session.when(t.updated_at))
                            @if t.unread > 0 { " · " strong { (text.fill("inbox.unread", &[("count", &t.unread.to_string())])) } }
                            @if let Some(due) = t.due_at {
                                " · " (text.fill(if staff { "inbasket.due" } else { "inbox.expect_by" }, &[("when", &session.when(due))]))
                            }
                            @if let Some(a) = &t.assignee { @if staff { " · " (text.fill("inbasket.assignee", &[("name", &a.display_name)])) } }
                        }
                        @if let Some(r) = reasons.get(i).filter(|r| !r.is_empty()) {
                            span class="meta reasons" { (text.get("inbasket.why")) ": " (r.join("; ")) }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
struct InBasketQuery {
    #[serde(default)]
    view: String,
    #[serde(default)]
    pool: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    status: String,
}

/// The care team's in-basket: emergencies first, then by due time; filters by
/// pool, urgency and status; updates live.
async fn inbasket(State(state): State<AppState>, session: WebSession, Query(q): Query<InBasketQuery>) -> Response {
    let text = session.text;
    if !session.auth.user.role.is_staff() {
        return Redirect::to("/inbox").into_response();
    }
    let assigned = q.view == "assigned";
    let pools = state.store.pools().await.unwrap_or_default();
    let pool = pools.iter().find(|p| p.slug == q.pool);
    let status = match q.status.as_str() {
        "" => Some(carethread_core::thread::ThreadStatus::Open),
        "all" => None,
        raw => carethread_core::thread::ThreadStatus::parse(raw).ok(),
    };
    let filter = ThreadFilter {
        assignee: assigned.then_some(session.auth.user.id),
        pool: pool.map(|p| p.id),
        status,
        ..ThreadFilter::default()
    };
    let mut threads = match visible_threads(&state, &session, filter).await {
        Ok(t) => t,
        Err(e) => return api_error(text, &e),
    };
    if !q.urgency.is_empty() {
        threads.retain(|t| t.urgency == q.urgency);
    }
    // Emergencies first, then the earliest due, then the newest.
    let rank = |u: &str| Urgency::parse(u).map_or(i64::MAX, Urgency::rank);
    threads.sort_by(|a, b| {
        rank(&a.urgency)
            .cmp(&rank(&b.urgency))
            .then_with(|| match (a.due_at, b.due_at) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| b.updated_at.cmp(&a.updated_at))
    });
    threads.truncate(100);
    let mut reasons = Vec::with_capacity(threads.len());
    for t in &threads {
        let found = match t.id.parse() {
            Ok(id) => state.store.latest_triage(id).await.ok().flatten(),
            Err(_) => None,
        };
        reasons.push(found.map(|(r, _)| r.reasons.into_iter().take(2).collect()).unwrap_or_default());
    }
    let view_link =
        |view: &str| format!("/inbasket?view={view}&pool={}&urgency={}&status={}", q.pool, q.urgency, q.status);
    page(
        text,
        text.get("inbasket.title"),
        Some(&session),
        html! {
            nav aria-label=(text.get("inbasket.views")) class="tabs" {
                a href=(view_link("all")) aria-current=[(!assigned).then_some("page")] { (text.get("inbasket.all")) }
                " "
                a href=(view_link("assigned")) aria-current=[assigned.then_some("page")] { (text.get("inbasket.assigned")) }
            }
            form method="get" action="/inbasket" class="inline filters" {
                input type="hidden" name="view" value=(if assigned { "assigned" } else { "all" });
                label for="filter-pool" { (text.get("manage.pool")) }
                select id="filter-pool" name="pool" {
                    option value="" { (text.get("inbasket.any")) }
                    @for p in &pools { option value=(p.slug) selected[p.slug == q.pool] { (p.name) } }
                }
                label for="filter-urgency" { (text.get("inbasket.urgency")) }
                select id="filter-urgency" name="urgency" {
                    option value="" { (text.get("inbasket.any")) }
                    @for u in ["emergency", "urgent", "routine"] { option value=(u) selected[u == q.urgency] { (urgency_label(text, u)) } }
                }
                label for="filter-status" { (text.get("inbox.status")) }
                select id="filter-status" name="status" {
                    @for (value, key) in [("", "status.open"), ("awaiting_patient", "status.awaiting_patient"), ("closed", "status.closed"), ("all", "inbasket.any")] {
                        option value=(value) selected[value == q.status] { (text.get(key)) }
                    }
                }
                button type="submit" { (text.get("inbasket.filter")) }
            }
            p class="hint" { (text.get("inbasket.live")) }
            div id="live" role="status" aria-live="polite" class="visually-hidden" {}
            div data-live-list="" { (thread_table(&session, &threads, &reasons)) }
        },
    )
}

async fn load(state: &AppState, session: &WebSession, id: &str) -> Result<ThreadDetail, ApiError> {
    get_thread(State(state.clone()), session.auth.clone(), Path(id.to_owned())).await.map(|Json(d)| d)
}

/// What the reply box holds when the page is drawn.
#[derive(Default)]
struct ReplyBox {
    text: String,
    draft_id: Option<String>,
    model: Option<String>,
    feedback: Option<carethread_draft::Readability>,
    no_reply_needed: bool,
}

/// What the care team sees around a thread: forwarding targets, the
/// patient's other threads, and their quick replies.
#[derive(Default)]
struct StaffContext {
    pools: Vec<carethread_store::PoolRef>,
    colleagues: Vec<(String, String)>,
    recent: Vec<ThreadListItem>,
    quick: Vec<(String, String)>,
}

async fn staff_context(state: &AppState, session: &WebSession, d: &ThreadDetail) -> StaffContext {
    if !session.auth.user.role.is_staff() {
        return StaffContext::default();
    }
    let pools = state.store.pools().await.unwrap_or_default();
    let colleagues = state
        .store
        .list_users()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| u.role.is_staff() && !u.disabled && u.id != session.auth.user.id)
        .map(|u| {
            (
                u.id.to_string(),
                format!("{} ({})", u.display_name.as_str(), session.text.get(&format!("role.{}", u.role.as_str()))),
            )
        })
        .collect();
    let patient = d.patient.id.parse().ok();
    let recent = match patient {
        Some(p) => visible_threads(state, session, ThreadFilter { patient: Some(p), ..ThreadFilter::default() })
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t.id != d.id)
            .take(5)
            .collect(),
        None => Vec::new(),
    };
    let quick = list_quick_replies(State(state.clone()), session.auth.clone())
        .await
        .map(|Json(list)| list.quick_replies.into_iter().map(|q| (q.code, q.body)).collect())
        .unwrap_or_default();
    StaffContext { pools, colleagues, recent, quick }
}

async fn thread_page(State(state): State<AppState>, session: WebSession, Path(id): Path<String>) -> Response {
    match load(&state, &session, &id).await {
        Ok(detail) => {
            let context = staff_context(&state, &session, &detail).await;
            render_thread(&session, &detail, &ReplyBox::default(), &context)
        }
        Err(e) => api_error(session.text, &e),
    }
}

fn message_item(session: &WebSession, m: &MessageOut, staff: bool) -> Markup {
    let text = session.text;
    html! {
        li class={ "message" @if m.internal { " internal" } @if m.author.role == "patient" || m.author.role == "proxy" { " from-patient" } } {
            p class="meta" {
                strong { (m.author.display_name) }
                " · " time datetime=(m.sent_at.to_rfc3339()) { (session.when(m.sent_at)) }
                @if m.internal { " · " span class="badge" { (text.get("thread.internal")) } }
                @if m.ai_assisted && staff { " · " span class="badge" { (text.get("thread.ai_assisted")) } }
            }
            div class="body" { @for line in m.body.lines() { (line) br; } }
            @for a in &m.attachments {
                p { a href=(a.url) { (text.fill("thread.attachment", &[("name", &a.file_name)])) } }
            }
            @let readers: Vec<_> = m.read_by.iter().filter(|r| r.user_id != m.author.id).collect();
            p class="receipt" {
                @if readers.is_empty() { (text.get("thread.not_read")) }
                @for r in &readers { (text.fill("thread.read_by", &[("name", &r.display_name), ("time", &session.when(r.read_at))])) " " }
            }
        }
    }
}

fn render_thread(session: &WebSession, d: &ThreadDetail, reply: &ReplyBox, context: &StaffContext) -> Response {
    let text = session.text;
    let staff = session.auth.user.role.is_staff();
    let closed = d.status == "closed";
    let patient_may_write = !closed && d.replies_allowed;
    let last_from_staff = d
        .messages
        .iter()
        .rev()
        .find(|m| !m.internal)
        .is_some_and(|m| !matches!(m.author.role.as_str(), "patient" | "proxy"));
    page(
        text,
        &d.subject,
        Some(session),
        html! {
            p { a href="/" { (text.get("thread.back")) } }
            p class="meta" { (text.get("inbox.status")) ": " (status_label(text, &d.status))
                @if staff { " · " (text.get("inbasket.patient")) ": " (d.patient.display_name) }
                @if let Some(due) = d.due_at {
                    " · " (text.fill(if staff { "inbasket.due" } else { "inbox.expect_by" }, &[("when", &session.when(due))]))
                }
                @if !d.replies_allowed { " · " (text.get("thread.replies_off")) } }
            @if let Some(notice) = &d.safety_notice {
                div class="emergency" role="alert" { h2 { (notice.title) } p { (notice.message) } }
            }
            @if let (true, Some(t)) = (staff, &d.triage) {
                section class="triage" aria-labelledby="triage-h" {
                    h2 id="triage-h" { (text.get("thread.triage")) }
                    p { span class={ "badge " (t.urgency) } { (urgency_label(text, &t.urgency)) } " · " (t.category) }
                    ul { @for r in &t.reasons { li { (r) } } }
                }
            }
            section aria-labelledby="messages-h" {
                h2 id="messages-h" { (text.get("thread.messages")) }
                ol class="messages" { @for m in &d.messages { (message_item(session, m, staff)) } }
            }
            @if !staff && last_from_staff && patient_may_write {
                form method="post" action={ "/threads/" (d.id) "/feedback" } class="feedback" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    fieldset {
                        legend { (text.get("thread.answered_q")) }
                        button type="submit" name="answered" value="yes" { (text.get("thread.answered_yes")) }
                        " "
                        button type="submit" name="answered" value="no" { (text.get("thread.answered_no")) }
                    }
                }
            }
            @if staff { (staff_actions(session, d, context)) }
            (reply_section(session, d, reply, context))
            @if staff && !context.recent.is_empty() {
                section aria-labelledby="recent-h" {
                    h2 id="recent-h" { (text.fill("thread.recent", &[("name", &d.patient.display_name)])) }
                    ul {
                        @for t in &context.recent {
                            li { a href={ "/threads/" (t.id) } { (t.subject) } " · " (status_label(text, &t.status)) " · " (session.when(t.updated_at)) }
                        }
                    }
                }
            }
        },
    )
}

/// The reply box, or why there is none; for staff, the draft and quick-reply tools above it.
fn reply_section(session: &WebSession, d: &ThreadDetail, reply: &ReplyBox, context: &StaffContext) -> Markup {
    let text = session.text;
    let staff = session.auth.user.role.is_staff();
    let closed = d.status == "closed";
    html! {
        @if closed || (!staff && !d.replies_allowed) {
            p { (text.get(if closed { "thread.closed" } else { "thread.replies_off_patient" })) }
        } @else {
            @if staff {
                section aria-labelledby="reply-tools-h" {
                    h2 id="reply-tools-h" { (text.get("thread.reply_tools")) }
                    form method="post" action={ "/threads/" (d.id) "/draft" } class="inline" {
                        input type="hidden" name="csrf_token" value=(session.csrf);
                        button type="submit" { (text.get("thread.draft")) }
                    }
                    @if !context.quick.is_empty() {
                        form method="post" action={ "/threads/" (d.id) "/quick-reply" } class="inline" {
                            input type="hidden" name="csrf_token" value=(session.csrf);
                            input type="hidden" name="body" value=(reply.text);
                            label for="quick-code" { (text.get("thread.quick")) }
                            select id="quick-code" name="code" {
                                @for (code, body) in &context.quick {
                                    option value=(code) { "." (code) " — " (body.chars().take(50).collect::<String>()) }
                                }
                            }
                            button type="submit" { (text.get("thread.quick_insert")) }
                        }
                    }
                    @if reply.no_reply_needed { p role="status" { (text.get("thread.no_reply_needed")) } }
                }
            }
            form method="post" action={ "/threads/" (d.id) "/reply" } enctype="multipart/form-data" class="stack reply" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                @if let Some(id) = &reply.draft_id { input type="hidden" name="draft_id" value=(id); }
                @if let Some(model) = &reply.model {
                    p class="notice" role="status" { (text.fill("thread.draft_ai", &[("model", model)])) " " (text.get("thread.draft_help")) }
                }
                label for="reply-body" { (text.get("thread.reply")) }
                textarea id="reply-body" name="body" rows="8" { (reply.text) }
                @if let Some(r) = &reply.feedback {
                    p class="readability" role="status" {
                        (text.fill("thread.readability", &[("grade", &format!("{:.1}", r.grade))]))
                        @if !r.jargon.is_empty() {
                            " · " (text.fill("thread.jargon", &[("list", &r.jargon.iter().map(|j| format!("{} → {}", j.term, j.plain)).collect::<Vec<_>>().join(", "))]))
                        }
                    }
                }
                label for="reply-files" { (text.get("compose.files")) }
                input id="reply-files" name="file" type="file" multiple accept="image/jpeg,image/png,image/heic,application/pdf";
                @if staff {
                    div class="row" {
                        input id="internal" type="checkbox" name="internal" value="true";
                        label for="internal" { (text.get("thread.note")) }
                    }
                }
                button type="submit" class="primary" { (text.get("thread.send")) }
            }
        }
    }
}

/// Assign, forward with a note, re-triage, replies on or off, close: forms for the care team.
fn staff_actions(session: &WebSession, d: &ThreadDetail, context: &StaffContext) -> Markup {
    let text = session.text;
    let closed = d.status == "closed";
    html! {
        section class="actions" aria-labelledby="actions-h" {
            h2 id="actions-h" { (text.get("manage.title")) }
            form method="post" action={ "/threads/" (d.id) "/manage" } class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                button type="submit" name="action" value="assign_me" { (text.get("manage.assign_me")) }
                @if closed {
                    button type="submit" name="action" value="reopen" { (text.get("manage.reopen")) }
                } @else {
                    button type="submit" name="action" value="close" { (text.get("thread.close")) }
                }
                @if d.replies_allowed {
                    button type="submit" name="action" value="replies_off" { (text.get("manage.replies_off")) }
                } @else {
                    button type="submit" name="action" value="replies_on" { (text.get("manage.replies_on")) }
                }
            }
            form method="post" action={ "/threads/" (d.id) "/manage" } class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="forward";
                fieldset {
                    legend { (text.get("manage.forward")) }
                    label for="forward-pool" { (text.get("manage.to_pool")) }
                    select id="forward-pool" name="pool" {
                        option value="" { "—" }
                        @for p in &context.pools { option value=(p.slug) { (p.name) } }
                    }
                    label for="forward-user" { (text.get("manage.to_colleague")) }
                    select id="forward-user" name="assignee" {
                        option value="" { "—" }
                        @for (id, name) in &context.colleagues { option value=(id) { (name) } }
                    }
                    label for="forward-note" { (text.get("manage.note")) }
                    textarea id="forward-note" name="note" rows="2" maxlength="500" {}
                    button type="submit" { (text.get("manage.forward_send")) }
                }
            }
            form method="post" action={ "/threads/" (d.id) "/manage" } class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="retriage";
                label for="retriage-urgency" { (text.get("inbasket.urgency")) }
                select id="retriage-urgency" name="urgency" {
                    @for u in ["emergency", "urgent", "routine"] { option value=(u) selected[u == d.urgency] { (urgency_label(text, u)) } }
                }
                label for="retriage-pool" { (text.get("manage.pool")) }
                select id="retriage-pool" name="pool" {
                    option value="" { "—" }
                    @for p in &context.pools {
                        option value=(p.slug) selected[d.pool.as_ref().is_some_and(|x| x.slug == p.slug)] { (p.name) }
                    }
                }
                button type="submit" { (text.get("manage.retriage")) }
            }
        }
    }
}

#[derive(Deserialize, Default)]
struct ReplyForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    internal: Option<String>,
    #[serde(default)]
    draft_id: Option<String>,
}

/// A reply (with files, if chosen) from the thread page's multipart form.
async fn reply(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let text = session.text;
    let posted = match PostedForm::read(multipart).await {
        Ok(p) => p,
        Err(e) => return api_error(text, &e),
    };
    let form: ReplyForm = match posted.parse() {
        Ok(f) => f,
        Err(e) => return api_error(text, &e),
    };
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    if posted.files.is_empty() && form.body.trim().is_empty() {
        return error_page(text, StatusCode::UNPROCESSABLE_ENTITY, text.get("error.empty"));
    }
    let result = match check_files(&state, posted.files) {
        Ok(files) => {
            let message = PortalMessage {
                text: Some(&form.body),
                internal: form.internal.is_some(),
                files,
                draft_id: form.draft_id.as_deref(),
                acknowledgement: false,
            };
            send_from_portal(&state, &session.auth, &id, message).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/threads/{id}")).into_response(),
        Err(e) => api_error(text, &e),
    }
}

#[derive(Deserialize)]
struct QuickForm {
    csrf_token: String,
    code: String,
    #[serde(default)]
    body: String,
}

/// Puts a quick reply, expanded for this thread, into the reply box (no script needed).
async fn quick_reply(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    Form(form): Form<QuickForm>,
) -> Response {
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    let text = session.text;
    let expanded = expand_quick_reply(State(state.clone()), session.auth.clone(), Path((id.clone(), form.code))).await;
    let Json(q) = match expanded {
        Ok(q) => q,
        Err(e) => return api_error(text, &e),
    };
    let detail = match load(&state, &session, &id).await {
        Ok(d) => d,
        Err(e) => return api_error(text, &e),
    };
    let body = if form.body.trim().is_empty() { q.body } else { format!("{}\n\n{}", form.body.trim_end(), q.body) };
    let language = match detail.patient.id.parse() {
        Ok(patient) => patient_language(&state, patient).await.unwrap_or_default(),
        Err(_) => Language::default(),
    };
    let feedback = Some(carethread_draft::readability::measure(&body, language));
    let reply = ReplyBox { text: body, feedback, ..ReplyBox::default() };
    let context = staff_context(&state, &session, &detail).await;
    render_thread(&session, &detail, &reply, &context)
}

#[derive(Deserialize)]
struct FeedbackForm {
    csrf_token: String,
    answered: String,
}

/// "Did this answer your question?": the answer goes to the care team as a message.
async fn feedback(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    Form(form): Form<FeedbackForm>,
) -> Response {
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    let text = session.text;
    let body = if form.answered == "yes" {
        format!("✓ {}: {}", text.get("thread.answered_q"), text.get("thread.answered_yes"))
    } else {
        text.get("thread.answered_no").to_owned()
    };
    // "Yes" leaves the thread with the patient; "I still have a question" puts it back with the care team.
    let message =
        PortalMessage { text: Some(&body), acknowledgement: form.answered == "yes", ..PortalMessage::default() };
    match send_from_portal(&state, &session.auth, &id, message).await {
        Ok(_) => Redirect::to(&format!("/threads/{id}")).into_response(),
        Err(e) => api_error(text, &e),
    }
}

/// Asks for a draft and shows the thread with it in the reply box, with its reading level.
async fn draft(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    let text = session.text;
    let made =
        create_draft(State(state.clone()), session.auth.clone(), Path(id.clone()), ApiJson(DraftIn::default())).await;
    let (_, Json(d)) = match made {
        Ok(made) => made,
        Err(e) => return api_error(text, &e),
    };
    let detail = match load(&state, &session, &id).await {
        Ok(detail) => detail,
        Err(e) => return api_error(text, &e),
    };
    let reply = ReplyBox {
        text: d.body.clone().unwrap_or_default(),
        draft_id: d.body.as_ref().map(|_| d.id.clone()),
        model: d.body.as_ref().map(|_| format!("{} {}", d.model.id, d.model.version)),
        feedback: d.readability,
        no_reply_needed: !d.reply_needed,
    };
    let context = staff_context(&state, &session, &detail).await;
    render_thread(&session, &detail, &reply, &context)
}

#[derive(Deserialize, Default)]
struct ComposeQuery {
    kind: Option<String>,
    patient: Option<String>,
}

const KINDS: [&str; 5] = ["question", "refill", "appointment", "result", "billing"];

/// The details each kind of message asks for, so clinicians get what they need.
fn kind_fields(kind: &str) -> &'static [(&'static str, &'static str)] {
    match kind {
        "refill" => &[("medication", "compose.medication"), ("pharmacy", "compose.pharmacy")],
        "appointment" => &[("days", "compose.days")],
        "result" => &[("result", "compose.result")],
        "question" => &[("since", "compose.since"), ("severity", "compose.severity")],
        _ => &[],
    }
}

#[derive(Deserialize, Default, Clone)]
struct ComposeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    patient: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    medication: String,
    #[serde(default)]
    pharmacy: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    severity: String,
    /// Set once the writer has seen the emergency guidance and still sends.
    #[serde(default)]
    confirmed: String,
    /// Back to the form to change the message.
    #[serde(default)]
    edit: String,
    /// Files chosen before the emergency guidance was shown, which must be chosen again.
    #[serde(default)]
    files_dropped: String,
}

impl ComposeForm {
    fn field(&self, name: &str) -> &str {
        match name {
            "medication" => &self.medication,
            "pharmacy" => &self.pharmacy,
            "days" => &self.days,
            "result" => &self.result,
            "since" => &self.since,
            "severity" => &self.severity,
            _ => "",
        }
    }

    /// Subject, body and category as the care team will read them.
    fn message(&self, text: Text) -> (String, String, Option<&'static str>) {
        let mut details = Vec::new();
        for (name, label) in kind_fields(&self.kind) {
            let value = self.field(name).trim();
            if !value.is_empty() {
                details.push(format!("{} {value}", text.get(label)));
            }
        }
        let body = if details.is_empty() {
            self.body.trim().to_owned()
        } else {
            format!("{}\n\n{}", details.join("\n"), self.body.trim())
        };
        let subject = if self.subject.trim().is_empty() {
            text.get(&format!("compose.kind.{}", self.kind)).to_owned()
        } else {
            self.subject.trim().to_owned()
        };
        let category = match self.kind.as_str() {
            "refill" => Some("medication"),
            "appointment" => Some("scheduling"),
            "result" => Some("results"),
            "billing" => Some("administrative"),
            _ => None,
        };
        (subject, body, category)
    }
}

async fn compose_page(State(state): State<AppState>, session: WebSession, Query(q): Query<ComposeQuery>) -> Response {
    let form = ComposeForm {
        kind: q.kind.unwrap_or_default(),
        patient: q.patient.unwrap_or_default(),
        ..ComposeForm::default()
    };
    compose_form(&state, &session, &form).await
}

async fn compose_form(state: &AppState, session: &WebSession, form: &ComposeForm) -> Response {
    let text = session.text;
    if !writes_for_a_patient(session) {
        return Redirect::to("/").into_response();
    }
    let acting_for = if session.auth.user.role == Role::Proxy {
        state.store.proxy_patients(session.auth.user.id, Utc::now()).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let kind = if KINDS.contains(&form.kind.as_str()) { form.kind.as_str() } else { "question" };
    let target = session.reply_target();
    page(
        text,
        text.get("compose.title"),
        Some(session),
        html! {
            p { (text.fill("compose.reply_time", &[("target", &target)])) }
            (hours_line(session))
            p class="emergency-line" { (text.get("app.emergency")) }
            @if form.files_dropped.parse::<usize>().is_ok_and(|n| n > 0) {
                p class="notice" role="status" { (text.fill("compose.files_again", &[("count", &form.files_dropped)])) }
            }
            form method="post" action="/compose" enctype="multipart/form-data" class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                @if !acting_for.is_empty() {
                    label for="compose-patient" { (text.get("compose.for_patient")) }
                    select id="compose-patient" name="patient" {
                        @for p in &acting_for { option value=(p.id) selected[p.id.to_string() == form.patient] { (p.display_name) } }
                    }
                }
                fieldset {
                    legend { (text.get("compose.kind")) }
                    @for k in KINDS {
                        div class="row" {
                            input type="radio" id={ "kind-" (k) } name="kind" value=(k) checked[k == kind];
                            label for={ "kind-" (k) } { (text.get(&format!("compose.kind.{k}"))) }
                        }
                    }
                }
                @for k in KINDS {
                    @for (name, label) in kind_fields(k) {
                        div class={ "kind-field kind-" (k) } {
                            label for={ "f-" (name) } { (text.get(label)) }
                            input id={ "f-" (name) } name=(name) type="text" value=(form.field(name));
                        }
                    }
                }
                label for="subject" { (text.get("compose.subject")) }
                input id="subject" name="subject" type="text" maxlength="200" value=(form.subject);
                label for="body" { (text.get("compose.body")) }
                textarea id="body" name="body" rows="8" required { (form.body) }
                label for="files" { (text.get("compose.files")) }
                input id="files" name="file" type="file" multiple accept="image/jpeg,image/png,image/heic,application/pdf";
                p class="hint" { (text.fill("compose.files_hint", &[
                    ("count", &state.settings.attachments_per_message.to_string()),
                    ("size", &(state.settings.attachment_max_bytes / (1024 * 1024)).to_string()),
                ])) }
                button type="submit" class="primary" { (text.get("compose.send")) }
            }
        },
    )
}

/// Sends a new message (with files, if chosen); when it reads like an
/// emergency, shows the emergency guidance first and sends only when the
/// writer confirms.
async fn compose_submit(
    State(state): State<AppState>,
    session: WebSession,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let text = session.text;
    let posted = match PostedForm::read(multipart).await {
        Ok(p) => p,
        Err(e) => return api_error(text, &e),
    };
    let mut form: ComposeForm = match posted.parse() {
        Ok(f) => f,
        Err(e) => return api_error(text, &e),
    };
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    if !form.edit.is_empty() {
        return compose_form(&state, &session, &form).await;
    }
    if form.body.trim().is_empty() {
        return error_page(text, StatusCode::UNPROCESSABLE_ENTITY, text.get("error.empty"));
    }
    // Files are checked before anything is written, so a bad one stores nothing.
    let files = match check_files(&state, posted.files) {
        Ok(files) => files,
        Err(e) => return api_error(text, &e),
    };
    let (subject, body, category) = form.message(text);
    let emergency = carethread_triage::classify(&subject, &body).urgency == Urgency::Emergency;
    if emergency && form.confirmed.is_empty() {
        form.files_dropped = files.len().to_string();
        return emergency_review(&session, &form);
    }
    let input = NewThreadIn {
        subject,
        body,
        category: category.map(str::to_owned),
        patient_id: Some(form.patient.clone()).filter(|p| !p.is_empty()),
        confidential: false,
    };
    let detail = match create_thread(State(state.clone()), session.auth.clone(), HeaderMap::new(), ApiJson(input)).await
    {
        Ok((_, _, Json(detail))) => detail,
        Err(e) => return api_error(text, &e),
    };
    if !files.is_empty()
        && let Err(e) =
            send_from_portal(&state, &session.auth, &detail.id, PortalMessage { files, ..PortalMessage::default() })
                .await
    {
        tracing::warn!(error = %e, "files for a new thread were not stored");
        return api_error(text, &e);
    }
    render_sent(&session, &detail)
}

fn hidden_fields(form: &ComposeForm) -> Markup {
    html! {
        @for (name, value) in [("kind", &form.kind), ("patient", &form.patient), ("subject", &form.subject), ("body", &form.body),
            ("medication", &form.medication), ("pharmacy", &form.pharmacy), ("days", &form.days), ("result", &form.result),
            ("since", &form.since), ("severity", &form.severity)] {
            input type="hidden" name=(name) value=(value);
        }
    }
}

fn emergency_review(session: &WebSession, form: &ComposeForm) -> Response {
    let text = session.text;
    let files_dropped = form.files_dropped.as_str();
    page(
        text,
        text.get("emergency.title"),
        Some(session),
        html! {
            div class="emergency" role="alert" {
                p { strong { (text.get("emergency.text")) } }
                p { strong { (text.get("emergency.call")) } }
                p { (text.get("emergency.crisis")) }
            }
            @if !files_dropped.is_empty() && files_dropped != "0" {
                p class="notice" { (text.fill("compose.files_later", &[("count", files_dropped)])) }
            }
            form method="post" action="/compose" enctype="multipart/form-data" class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                (hidden_fields(form))
                input type="hidden" name="edit" value="1";
                input type="hidden" name="files_dropped" value=(form.files_dropped);
                button type="submit" { (text.get("emergency.edit")) }
            }
            form method="post" action="/compose" enctype="multipart/form-data" class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                (hidden_fields(form))
                input type="hidden" name="confirmed" value="1";
                button type="submit" class="primary" { (text.get("emergency.send_anyway")) }
            }
        },
    )
}

fn render_sent(session: &WebSession, d: &ThreadDetail) -> Response {
    let text = session.text;
    page(
        text,
        text.get("sent.title"),
        Some(session),
        html! {
            @if let Some(notice) = &d.safety_notice {
                div class="emergency" role="alert" { h2 { (notice.title) } p { (notice.message) } }
            }
            p { a href={ "/threads/" (d.id) } { (d.subject) } }
            p { a href="/inbox" { (text.get("thread.back")) } }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refill_request_carries_the_medicine_and_pharmacy() {
        let form = ComposeForm {
            kind: "refill".into(),
            medication: "lisinopril".into(),
            pharmacy: "CVS Main St".into(),
            body: "Running low.".into(),
            ..ComposeForm::default()
        };
        let (subject, body, category) = form.message(Text(Language::En));
        assert_eq!(subject, "A prescription refill");
        assert!(body.starts_with("Which medicine? lisinopril\nWhich pharmacy? CVS Main St"));
        assert_eq!(category, Some("medication"));
    }

    #[test]
    fn status_words_are_translated() {
        assert_eq!(status_label(Text(Language::Es), "awaiting_patient"), "Respondido");
    }
}
