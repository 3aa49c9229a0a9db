//! The portal's pages: a patient's (or proxy's) messages, writing a message
//! with the emergency check before sending, a thread with read receipts and
//! the "did this answer your question?" response, and the care team's
//! in-basket and thread with notes, drafts and reading-level feedback.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use carethread_core::audit::AuditAction;
use carethread_core::role::Role;
use carethread_core::thread::{Urgency, in_basket_order};
use carethread_core::user::Language;
use carethread_store::ThreadFilter;
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::{CsrfForm, Text, WebSession, error_page, page};
use crate::AppState;
use crate::dto::{MessageOut, ThreadDetail, ThreadListItem};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::routes::drafts::{DraftIn, create_draft};
use crate::routes::messages::{NewMessageIn, post_message};
use crate::routes::threads::{NewThreadIn, create_thread, get_thread};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/welcome", get(welcome))
        .route("/help", get(help))
        .route("/inbox", get(inbox))
        .route("/inbasket", get(inbasket))
        .route("/compose", get(compose_page).post(compose_submit))
        .route("/threads/{id}", get(thread_page))
        .route("/threads/{id}/reply", post(reply))
        .route("/threads/{id}/feedback", post(feedback))
        .route("/threads/{id}/draft", post(draft))
}

const WELCOMED_COOKIE: &str = "carethread_welcomed";

fn when(t: DateTime<Utc>) -> String {
    t.format("%b %-d, %-I:%M %p UTC").to_string()
}

/// An API handler's refusal as a page.
pub(super) fn api_error(text: Text, err: &ApiError) -> Response {
    match err {
        ApiError::NotFound => error_page(text, StatusCode::NOT_FOUND, text.get("error.not_found")),
        ApiError::Forbidden(m) | ApiError::Conflict(m) => error_page(text, StatusCode::FORBIDDEN, m),
        ApiError::Invalid { field, detail } => {
            error_page(text, StatusCode::UNPROCESSABLE_ENTITY, &format!("{field} {detail}"))
        }
        _ => error_page(text, StatusCode::INTERNAL_SERVER_ERROR, text.get("error.generic")),
    }
}

/// When the care team usually answers.
fn reply_target(text: Text) -> &'static str {
    match text.0 {
        Language::En => "2 business days",
        Language::Es => "2 días hábiles",
    }
}

fn intro(text: Text) -> Markup {
    let target = reply_target(text);
    html! {
        p { (text.get("welcome.what")) }
        p { (text.fill("welcome.nonurgent", &[("target", target)])) }
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
            (intro(text))
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
    page(text, text.get("help.title"), Some(&session), intro(text))
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
    assigned_only: bool,
) -> Result<Vec<ThreadListItem>, ApiError> {
    let auth = &session.auth;
    let filter = ThreadFilter {
        assignee: assigned_only.then_some(auth.user.id),
        emergencies_first: in_basket_order(auth.user.role),
        limit: 100,
        ..ThreadFilter::default()
    };
    let rows = state.store.list_threads(auth.actor(), &filter, Utc::now()).await?;
    state.store.record_audit(vec![auth.audit(AuditAction::ThreadList)]).await?;
    Ok(rows.iter().map(ThreadListItem::from).collect())
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
    if session.auth.user.role.is_staff() {
        return Redirect::to("/inbasket").into_response();
    }
    if crate::extract::cookie_from_headers(&headers, WELCOMED_COOKIE).is_none() {
        return Redirect::to("/welcome").into_response();
    }
    let mut threads = match visible_threads(&state, &session, false).await {
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
            (thread_table(text, &threads, false))
        },
    )
}

fn compose_link(patient: Option<&str>) -> String {
    patient.map_or_else(|| "/compose".to_owned(), |p| format!("/compose?patient={p}"))
}

fn thread_table(text: Text, threads: &[ThreadListItem], staff: bool) -> Markup {
    html! {
        @if threads.is_empty() {
            p { (text.get(if staff { "inbasket.empty" } else { "inbox.empty" })) }
        } @else {
            ul class="threads" id="thread-list" {
                @for t in threads {
                    li class={ "thread " (t.urgency) @if t.unread > 0 { " unread" } } {
                        a href={ "/threads/" (t.id) } {
                            @if staff { span class={ "badge " (t.urgency) } { (urgency_label(text, &t.urgency)) } " " }
                            strong class="subject" { (t.subject) }
                        }
                        span class="meta" {
                            @if staff { (text.get("inbasket.patient")) ": " (t.patient.display_name) " · " }
                            (status_label(text, &t.status)) " · " (when(t.updated_at))
                            @if t.unread > 0 { " · " strong { (text.fill("inbox.unread", &[("count", &t.unread.to_string())])) } }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct InBasketQuery {
    view: Option<String>,
}

/// The care team's in-basket: emergencies first, then by time; updates live.
async fn inbasket(State(state): State<AppState>, session: WebSession, Query(q): Query<InBasketQuery>) -> Response {
    let text = session.text;
    if !session.auth.user.role.is_staff() {
        return Redirect::to("/inbox").into_response();
    }
    let assigned = q.view.as_deref() == Some("assigned");
    let threads = match visible_threads(&state, &session, assigned).await {
        Ok(t) => t,
        Err(e) => return api_error(text, &e),
    };
    page(
        text,
        text.get("inbasket.title"),
        Some(&session),
        html! {
            nav aria-label=(text.get("inbasket.title")) class="tabs" {
                a href="/inbasket" aria-current=[(!assigned).then_some("page")] { (text.get("inbasket.all")) }
                " "
                a href="/inbasket?view=assigned" aria-current=[assigned.then_some("page")] { (text.get("inbasket.assigned")) }
            }
            p class="hint" { (text.get("inbasket.live")) }
            div id="live" role="status" aria-live="polite" class="visually-hidden" {}
            div data-live-list="" { (thread_table(text, &threads, true)) }
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

async fn thread_page(State(state): State<AppState>, session: WebSession, Path(id): Path<String>) -> Response {
    match load(&state, &session, &id).await {
        Ok(detail) => {
            let pools = staff_pools(&state, &session).await;
            render_thread(&session, &detail, &ReplyBox::default(), &pools)
        }
        Err(e) => api_error(session.text, &e),
    }
}

fn message_item(text: Text, m: &MessageOut, staff: bool) -> Markup {
    html! {
        li class={ "message" @if m.internal { " internal" } @if m.author.role == "patient" || m.author.role == "proxy" { " from-patient" } } {
            p class="meta" {
                strong { (m.author.display_name) }
                " · " time datetime=(m.sent_at.to_rfc3339()) { (when(m.sent_at)) }
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
                @for r in &readers { (text.fill("thread.read_by", &[("name", &r.display_name), ("time", &when(r.read_at))])) " " }
            }
        }
    }
}

fn render_thread(
    session: &WebSession,
    d: &ThreadDetail,
    reply: &ReplyBox,
    pools: &[carethread_store::PoolRef],
) -> Response {
    let text = session.text;
    let staff = session.auth.user.role.is_staff();
    let closed = d.status == "closed" || !d.replies_allowed;
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
                @if staff { " · " (text.get("inbasket.patient")) ": " (d.patient.display_name) } }
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
                ol class="messages" { @for m in &d.messages { (message_item(text, m, staff)) } }
            }
            @if !staff && last_from_staff && !closed {
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
            @if closed {
                p { (text.get("thread.closed")) }
            } @else {
                @if staff {
                    (staff_actions(session, d, pools))
                    form method="post" action={ "/threads/" (d.id) "/draft" } class="inline" {
                        input type="hidden" name="csrf_token" value=(session.csrf);
                        button type="submit" { (text.get("thread.draft")) }
                    }
                    @if reply.no_reply_needed { p role="status" { (text.get("thread.no_reply_needed")) } }
                }
                form method="post" action={ "/threads/" (d.id) "/reply" } class="stack reply" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    @if let Some(id) = &reply.draft_id { input type="hidden" name="draft_id" value=(id); }
                    @if let Some(model) = &reply.model {
                        p class="notice" role="status" { (text.fill("thread.draft_ai", &[("model", model)])) " " (text.get("thread.draft_help")) }
                    }
                    label for="reply-body" { (text.get("thread.reply")) }
                    textarea id="reply-body" name="body" rows="8" required { (reply.text) }
                    @if let Some(r) = &reply.feedback {
                        p class="readability" role="status" {
                            (text.fill("thread.readability", &[("grade", &format!("{:.1}", r.grade))]))
                            @if !r.jargon.is_empty() {
                                " · " (text.fill("thread.jargon", &[("list", &r.jargon.iter().map(|j| format!("{} → {}", j.term, j.plain)).collect::<Vec<_>>().join(", "))]))
                            }
                        }
                    }
                    @if staff {
                        div class="row" {
                            input id="internal" type="checkbox" name="internal" value="true";
                            label for="internal" { (text.get("thread.note")) }
                        }
                    }
                    button type="submit" class="primary" { (text.get("thread.send")) }
                }
            }
        },
    )
}

/// Assign, close and re-triage: forms for the care team.
fn staff_actions(session: &WebSession, d: &ThreadDetail, pools: &[carethread_store::PoolRef]) -> Markup {
    let text = session.text;
    html! {
        section class="actions" aria-labelledby="actions-h" {
            h2 id="actions-h" { (text.get("manage.title")) }
            form method="post" action={ "/threads/" (d.id) "/manage" } class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                button type="submit" name="action" value="assign_me" { (text.get("manage.assign_me")) }
                button type="submit" name="action" value="close" { (text.get("thread.close")) }
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
                    @for p in pools {
                        option value=(p.slug) selected[d.pool.as_ref().is_some_and(|x| x.slug == p.slug)] { (p.name) }
                    }
                }
                button type="submit" { (text.get("manage.retriage")) }
            }
        }
    }
}

#[derive(Deserialize)]
struct ReplyForm {
    csrf_token: String,
    body: String,
    #[serde(default)]
    internal: Option<String>,
    #[serde(default)]
    draft_id: Option<String>,
}

async fn reply(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Response {
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    if form.body.trim().is_empty() {
        return error_page(session.text, StatusCode::UNPROCESSABLE_ENTITY, session.text.get("error.empty"));
    }
    let input = NewMessageIn {
        body: form.body,
        internal: form.internal.is_some(),
        draft_id: form.draft_id.filter(|d| !d.is_empty()),
    };
    match post_message(State(state), session.auth.clone(), Path(id.clone()), HeaderMap::new(), ApiJson(input)).await {
        Ok(_) => Redirect::to(&format!("/threads/{id}")).into_response(),
        Err(e) => api_error(session.text, &e),
    }
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
    let input = NewMessageIn { body, internal: false, draft_id: None };
    match post_message(State(state), session.auth.clone(), Path(id.clone()), HeaderMap::new(), ApiJson(input)).await {
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
    let pools = staff_pools(&state, &session).await;
    render_thread(&session, &detail, &reply, &pools)
}

/// The pools a staff member may forward to (none for patients).
async fn staff_pools(state: &AppState, session: &WebSession) -> Vec<carethread_store::PoolRef> {
    if session.auth.user.role.is_staff() { state.store.pools().await.unwrap_or_default() } else { Vec::new() }
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
    if session.auth.user.role.is_staff() {
        return Redirect::to("/inbasket").into_response();
    }
    let acting_for = if session.auth.user.role == Role::Proxy {
        state.store.proxy_patients(session.auth.user.id, Utc::now()).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let kind = if KINDS.contains(&form.kind.as_str()) { form.kind.as_str() } else { "question" };
    let target = reply_target(text);
    page(
        text,
        text.get("compose.title"),
        Some(session),
        html! {
            p { (text.fill("compose.reply_time", &[("target", target)])) }
            p class="emergency-line" { (text.get("app.emergency")) }
            form method="post" action="/compose" class="stack" {
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
                button type="submit" class="primary" { (text.get("compose.send")) }
            }
        },
    )
}

/// Sends a new message; when it reads like an emergency, shows the emergency
/// guidance first and sends only when the writer confirms.
async fn compose_submit(State(state): State<AppState>, session: WebSession, Form(form): Form<ComposeForm>) -> Response {
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    let text = session.text;
    if !form.edit.is_empty() {
        return compose_form(&state, &session, &form).await;
    }
    if form.body.trim().is_empty() {
        return error_page(text, StatusCode::UNPROCESSABLE_ENTITY, text.get("error.empty"));
    }
    let (subject, body, category) = form.message(text);
    let emergency = carethread_triage::classify(&subject, &body).urgency == Urgency::Emergency;
    if emergency && form.confirmed.is_empty() {
        return emergency_review(&session, &form);
    }
    let input = NewThreadIn {
        subject,
        body,
        category: category.map(str::to_owned),
        patient_id: Some(form.patient.clone()).filter(|p| !p.is_empty()),
        confidential: false,
    };
    match create_thread(State(state), session.auth.clone(), HeaderMap::new(), ApiJson(input)).await {
        Ok((_, _, Json(detail))) => render_sent(&session, &detail),
        Err(e) => api_error(text, &e),
    }
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
            form method="post" action="/compose" class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                (hidden_fields(form))
                input type="hidden" name="edit" value="1";
                button type="submit" { (text.get("emergency.edit")) }
            }
            form method="post" action="/compose" class="inline" {
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
