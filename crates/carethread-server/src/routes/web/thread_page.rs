//! One thread as a page: messages with read receipts, the "did this answer
//! your question?" response, and for staff the reply box with drafts, quick
//! replies, notes and reading-level feedback.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Form, Json};
use carethread_app::threads::{self, ListThreads};
use carethread_core::ids::ThreadId;
use carethread_core::user::Language;
use maud::{Markup, html};
use serde::Deserialize;

use super::{PostedForm, WebSession, page};
use crate::AppState;
use crate::dto::{MessageOut, ThreadDetail, ThreadListItem};
use crate::error::ApiError;
use crate::routes::drafts::{expand_quick_reply, list_quick_replies};
use crate::routes::messages::patient_language;

use super::form_error::FormError;
use super::inbasket::visible_threads;
use super::pages::{api_error_in, patient_label, status_label, urgency_label};
use super::thread_forms::{ReplyForm, again, confidential_section, described, note_section};
use carethread_core::policy::ThreadAction;

/// Opens the thread (audited, with read receipts) as the page shows it.
pub(super) async fn load(state: &AppState, session: &WebSession, id: &str) -> Result<ThreadDetail, ApiError> {
    let caller = session.auth.caller();
    threads::require_messaging(&caller)?;
    let id: ThreadId = id.parse().map_err(|_| ApiError::NotFound)?;
    let view = threads::open_thread(&state.app(), &caller, id).await?;
    crate::thread_views::detail_of(state, &session.auth, &view).await
}

/// Whether the session may do `action` to the thread `id`.
async fn may(state: &AppState, session: &WebSession, id: &str, action: ThreadAction) -> bool {
    let Ok(id) = id.parse::<ThreadId>() else { return false };
    threads::access_thread(&state.app(), &session.auth.caller(), id).await.is_ok_and(|a| a.allows(action))
}

/// What the reply box holds when the page is drawn.
#[derive(Default)]
pub(super) struct ReplyBox {
    pub(super) text: String,
    pub(super) draft_id: Option<String>,
    pub(super) model: Option<String>,
    pub(super) feedback: Option<carethread_draft::Readability>,
    /// On an emergency thread, what the checked reply must fix.
    pub(super) emergency: Vec<carethread_draft::safety::EmergencyProblem>,
    pub(super) no_reply_needed: bool,
    /// Why the reply form came back, next to its field.
    pub(super) error: Option<FormError>,
    /// What was typed in the internal-note box, when the note form came back.
    pub(super) note: String,
    /// Why the note form came back.
    pub(super) note_error: Option<FormError>,
    /// The forward form's note, and why the forward came back.
    pub(super) forward_note: String,
    pub(super) forward_error: Option<FormError>,
}

/// What the care team sees around a thread: forwarding targets, the
/// patient's other threads, their quick replies, and who the patient is
/// (date of birth, record number); and for everyone, what the core policy
/// lets the viewer do here.
#[derive(Default)]
pub(super) struct StaffContext {
    pools: Vec<carethread_store::PoolRef>,
    colleagues: Vec<(String, String)>,
    recent: Vec<ThreadListItem>,
    quick: Vec<(String, String)>,
    /// "Alice Johnson · DOB Apr 12, 1968 · MRN 00123" (staff only).
    patient: String,
    /// The policy lets the viewer add a patient-visible message.
    may_reply: bool,
    /// The viewer is the thread's patient and may keep it from their proxies.
    may_mark_confidential: bool,
}

pub(super) async fn staff_context(
    state: &AppState,
    session: &WebSession,
    d: &ThreadDetail,
) -> Result<StaffContext, ApiError> {
    let may_reply = may(state, session, &d.id, ThreadAction::Reply).await;
    let may_mark_confidential =
        d.patient.id == session.auth.user.id.to_string() && super::compose::may_mark_confidential(state, session);
    if !session.auth.user.role.is_staff() {
        return Ok(StaffContext { may_reply, may_mark_confidential, ..StaffContext::default() });
    }
    let pools = state.store.pools().await?;
    let colleagues = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| u.role.is_staff() && !u.disabled && u.id != session.auth.user.id)
        .map(|u| {
            (
                u.id.to_string(),
                format!("{} ({})", u.display_name.as_str(), session.text.get(&format!("role-{}", u.role.as_str()))),
            )
        })
        .collect();
    let patient = d.patient.id.parse().ok();
    let recent = match patient {
        Some(p) => visible_threads(state, session, ListThreads { patient: Some(p), ..ListThreads::default() })
            .await?
            .0
            .into_iter()
            .filter(|t| t.id != d.id)
            .take(5)
            .collect(),
        None => Vec::new(),
    };
    let Json(quick) = list_quick_replies(State(state.clone()), session.auth.clone()).await?;
    let quick = quick.quick_replies.into_iter().map(|q| (q.code, q.body)).collect();
    let patient = match d.patient.id.parse() {
        Ok(id) => state.store.user(id).await?.map_or_else(
            || d.patient.display_name.clone(),
            |u| {
                patient_label(
                    session,
                    &d.patient.display_name,
                    u.date_of_birth,
                    u.mrn.as_ref().map(carethread_core::user::Mrn::as_str),
                )
            },
        ),
        Err(_) => d.patient.display_name.clone(),
    };
    Ok(StaffContext { pools, colleagues, recent, quick, patient, may_reply, may_mark_confidential })
}

#[derive(Deserialize, Default)]
pub(super) struct ThreadQuery {
    /// A draft just made for this thread, to show in the reply box.
    #[serde(default)]
    draft: Option<String>,
}

pub(super) async fn thread_page(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    Query(q): Query<ThreadQuery>,
) -> Response {
    match load(&state, &session, &id).await {
        Ok(detail) => {
            let reply = match q.draft.as_deref() {
                Some(draft) => match super::thread_forms::drafted_box(&state, &session, &detail, draft).await {
                    Ok(reply) => reply,
                    Err(e) => return api_error_in(&session, &e),
                },
                None => ReplyBox::default(),
            };
            match staff_context(&state, &session, &detail).await {
                Ok(context) => render_thread(&session, &detail, &reply, &context),
                Err(e) => api_error_in(&session, &e),
            }
        }
        Err(e) => api_error_in(&session, &e),
    }
}

pub(super) fn message_item(session: &WebSession, m: &MessageOut, staff: bool) -> Markup {
    let text = session.text;
    html! {
        li class={ "message" @if m.internal { " internal" } @if m.author.role == "patient" || m.author.role == "proxy" { " from-patient" } } {
            p class="meta" {
                strong { (m.author.display_name) }
                " · " time datetime=(m.sent_at.to_rfc3339()) { (session.when(m.sent_at)) }
                @if m.internal { " · " strong class="badge note-label" { (text.get("thread-note_badge")) } }
                @if m.ai_assisted && staff { " · " span class="badge" { (text.get("thread-ai_assisted")) } }
            }
            div class="body" { @for line in m.body.lines() { (line) br; } }
            @for a in &m.attachments {
                p { a href=(a.url) { (text.fill("thread-attachment", &[("name", &a.file_name)])) } }
            }
            @let readers: Vec<_> = m.read_by.iter().filter(|r| r.user_id != m.author.id).collect();
            p class="receipt" {
                @if readers.is_empty() { (text.get("thread-not_read")) }
                @for r in &readers { (text.fill("thread-read_by", &[("name", &r.display_name), ("time", &session.when(r.read_at))])) " " }
            }
        }
    }
}

pub(super) fn render_thread(
    session: &WebSession,
    d: &ThreadDetail,
    reply: &ReplyBox,
    context: &StaffContext,
) -> Response {
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
            p { a href="/" { (text.get("thread-back")) } }
            p class="meta" { (text.get("inbox-status")) ": " (status_label(text, &d.status))
                @if staff { " · " (text.get("inbasket-patient")) ": " (context.patient) }
                @if session.auth.user.role == carethread_core::role::Role::Proxy {
                    " · " (text.fill("thread-about", &[("name", &d.patient.display_name)]))
                }
                @if let Some(due) = d.due_at {
                    " · " (text.fill(if staff { "inbasket-due" } else { "inbox-expect_by" }, &[("when", &session.when(due))]))
                }
                @if !d.replies_allowed { " · " (text.get("thread-replies_off")) } }
            @if staff {
                p class="meta assignment" {
                    @match &d.assignee {
                        Some(a) => { (text.fill("inbasket-assignee", &[("name", &a.display_name)])) }
                        None => { (text.get("thread-not_assigned")) }
                    }
                    " · " (text.get("manage-pool")) ": "
                    @match &d.pool { Some(p) => { (p.name) } None => { "—" } }
                }
            }
            @if d.confidential {
                p class="notice" role="note" { (text.get("thread-confidential_on")) }
            }
            @if let Some(notice) = &d.safety_notice {
                div class="emergency" role="alert" { h2 { (notice.title) } p { (notice.message) } }
            }
            (crate::routes::after_hours::notice(d.after_hours.as_ref()))
            @if let Some(on_call) = &d.on_call { p { (crate::routes::after_hours::on_call_badge(session, Some(on_call))) } }
            @if let (true, Some(t)) = (staff, &d.triage) {
                section class="triage" aria-labelledby="triage-h" {
                    h2 id="triage-h" { (text.get("thread-triage")) }
                    p { span class={ "badge " (t.urgency) } { (urgency_label(text, &t.urgency)) } " · " (t.category) }
                    ul { @for r in &t.reasons { li { (r) } } }
                }
            }
            section aria-labelledby="messages-h" {
                h2 id="messages-h" { (text.get("thread-messages")) }
                ol class="messages" { @for m in &d.messages { (message_item(session, m, staff)) } }
            }
            @if !staff && last_from_staff && patient_may_write && context.may_reply {
                form method="post" action={ "/threads/" (d.id) "/feedback" } class="feedback" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    fieldset {
                        legend { (text.get("thread-answered_q")) }
                        button type="submit" name="answered" value="yes" { (text.get("thread-answered_yes")) }
                        " "
                        button type="submit" name="answered" value="no" { (text.get("thread-answered_no")) }
                    }
                }
            }
            @if staff { (staff_actions(session, d, context, reply)) }
            (reply_section(session, d, reply, context))
            @if staff { (note_section(session, d, reply)) }
            @if context.may_mark_confidential { (confidential_section(session, d)) }
            @if staff && !context.recent.is_empty() {
                section aria-labelledby="recent-h" {
                    h2 id="recent-h" { (text.fill("thread-recent", &[("name", &context.patient)])) }
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
pub(super) fn reply_section(
    session: &WebSession,
    d: &ThreadDetail,
    reply: &ReplyBox,
    context: &StaffContext,
) -> Markup {
    let text = session.text;
    let max_chars = session.clinic.profile.message_max_chars.to_string();
    let staff = session.auth.user.role.is_staff();
    let closed = d.status == "closed";
    let error = reply.error.as_ref();
    html! {
        @if closed || (!staff && !d.replies_allowed) {
            p { (text.get(if closed { "thread-closed" } else { "thread-replies_off_patient" })) }
        } @else if !context.may_reply {
            p class="notice" role="note" { (text.get("form-read_only_thread")) }
        } @else {
            @if staff {
                section aria-labelledby="reply-tools-h" {
                    h2 id="reply-tools-h" { (text.get("thread-reply_tools")) }
                    form method="post" action={ "/threads/" (d.id) "/draft" } class="inline" {
                        input type="hidden" name="csrf_token" value=(session.csrf);
                        button type="submit" { (text.get("thread-draft")) }
                    }
                    @if !context.quick.is_empty() {
                        form method="post" action={ "/threads/" (d.id) "/quick-reply" } class="inline" {
                            input type="hidden" name="csrf_token" value=(session.csrf);
                            input type="hidden" name="body" value=(reply.text);
                            label for="quick-code" { (text.get("thread-quick")) }
                            select id="quick-code" name="code" {
                                @for (code, body) in &context.quick {
                                    option value=(code) { "." (code) " — " (body.chars().take(50).collect::<String>()) }
                                }
                            }
                            button type="submit" { (text.get("thread-quick_insert")) }
                        }
                    }
                    @if reply.no_reply_needed { p role="status" { (text.get("thread-no_reply_needed")) } }
                }
            }
            form method="post" action={ "/threads/" (d.id) "/reply" } enctype="multipart/form-data" class="stack reply" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                @if let Some(id) = &reply.draft_id { input type="hidden" name="draft_id" value=(id); }
                @if let Some(model) = &reply.model {
                    p class="notice" role="status" { (text.fill("thread-draft_ai", &[("model", model)])) " " (text.get("thread-draft_help")) }
                }
                (FormError::summary(error, text))
                label for="reply-body" { (text.get("thread-reply")) }
                p class="hint" id="reply-body-hint" { (text.fill("compose-chars_hint", &[("max", &max_chars)])) }
                textarea id="reply-body" name="body" rows="8" data-max-chars=(max_chars)
                    data-count-text=(text.get("compose-chars_count")) data-over-text=(text.get("compose-chars_over"))
                    aria-invalid=[FormError::is_for(error, "reply-body").then_some("true")]
                    aria-describedby=(described(error, "reply-body")) { (reply.text) }
                (FormError::next_to(error, "reply-body"))
                @if staff { (super::wording_feedback::region(text, &d.id, reply.feedback.as_ref(), &reply.emergency)) }
                label for="reply-files" { (text.get("compose-files")) }
                input id="reply-files" name="file" type="file" multiple accept="image/jpeg,image/png,image/heic,application/pdf"
                    aria-invalid=[FormError::is_for(error, "reply-files").then_some("true")]
                    aria-describedby=[FormError::described_by(error, "reply-files")];
                (FormError::next_to(error, "reply-files"))
                @if staff { p class="hint" { (text.get("thread-reply_to_patient")) } }
                @if staff {
                    button type="submit" formaction={ "/threads/" (d.id) "/check-wording" } formnovalidate {
                        (text.get("thread-check_wording"))
                    }
                }
                button type="submit" class="primary" { (text.get("thread-send")) }
            }
        }
    }
}

/// Assign, forward with a note, re-triage, replies on or off, close: forms for the care team.
pub(super) fn staff_actions(
    session: &WebSession,
    d: &ThreadDetail,
    context: &StaffContext,
    reply: &ReplyBox,
) -> Markup {
    let text = session.text;
    let error = reply.forward_error.as_ref();
    let invalid = |id: &str| FormError::is_for(error, id).then_some("true");
    let closed = d.status == "closed";
    html! {
        section class="actions" aria-labelledby="actions-h" {
            h2 id="actions-h" { (text.get("manage-title")) }
            form method="post" action={ "/threads/" (d.id) "/manage" } class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                button type="submit" name="action" value="assign_me" { (text.get("manage-assign_me")) }
                @if closed {
                    button type="submit" name="action" value="reopen" { (text.get("manage-reopen")) }
                } @else {
                    button type="submit" name="action" value="close" { (text.get("thread-close")) }
                }
                @if d.replies_allowed {
                    button type="submit" name="action" value="replies_off" { (text.get("manage-replies_off")) }
                } @else {
                    button type="submit" name="action" value="replies_on" { (text.get("manage-replies_on")) }
                }
            }
            form method="post" action={ "/threads/" (d.id) "/manage" } class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="forward";
                fieldset {
                    legend { (text.get("manage-forward")) }
                    label for="forward-pool" { (text.get("manage-to_pool")) }
                    select id="forward-pool" name="pool" aria-invalid=[invalid("forward-pool")]
                        aria-describedby=[FormError::described_by(error, "forward-pool")] {
                        option value="" { "—" }
                        @for p in &context.pools { option value=(p.slug) { (p.name) } }
                    }
                    label for="forward-user" { (text.get("manage-to_colleague")) }
                    select id="forward-user" name="assignee" aria-describedby="forward-user-hint" {
                        option value="" { "—" }
                        @for (id, name) in &context.colleagues { option value=(id) { (name) } }
                    }
                    (FormError::next_to(error, "forward-pool"))
                    p class="hint" id="forward-user-hint" { (text.get("manage-colleague_hint")) }
                    (FormError::next_to(error, "forward-user"))
                    @if let Some(a) = &d.assignee {
                        fieldset {
                            legend { (text.fill("manage-assignee_rule", &[("name", &a.display_name)])) }
                            div class="row" {
                                input type="radio" id="assignee-clear" name="assignee_rule" value="clear" checked;
                                label for="assignee-clear" { (text.get("manage-clear_assignee")) }
                            }
                            div class="row" {
                                input type="radio" id="assignee-keep" name="assignee_rule" value="keep";
                                label for="assignee-keep" { (text.fill("manage-keep_assignee", &[("name", &a.display_name)])) }
                            }
                        }
                    }
                    label for="forward-note" { (text.get("manage-note")) }
                    textarea id="forward-note" name="note" rows="2" maxlength="500" aria-invalid=[invalid("forward-note")]
                        aria-describedby=[FormError::described_by(error, "forward-note")] { (reply.forward_note) }
                    (FormError::next_to(error, "forward-note"))
                    button type="submit" { (text.get("manage-forward_send")) }
                }
            }
            form method="post" action={ "/threads/" (d.id) "/manage" } class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="retriage";
                label for="retriage-urgency" { (text.get("inbasket-urgency")) }
                select id="retriage-urgency" name="urgency" {
                    @for u in ["emergency", "urgent", "routine"] { option value=(u) selected[u == d.urgency] { (urgency_label(text, u)) } }
                }
                label for="retriage-pool" { (text.get("manage-pool")) }
                select id="retriage-pool" name="pool" {
                    option value="" { "—" }
                    @for p in &context.pools {
                        option value=(p.slug) selected[d.pool.as_ref().is_some_and(|x| x.slug == p.slug)] { (p.name) }
                    }
                }
                button type="submit" { (text.get("manage-retriage")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub(super) struct QuickForm {
    csrf_token: String,
    code: String,
    #[serde(default)]
    body: String,
}

/// Puts a quick reply, expanded for this thread, into the reply box (no script needed).
pub(super) async fn quick_reply(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    Form(form): Form<QuickForm>,
) -> Response {
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    let expanded = expand_quick_reply(State(state.clone()), session.auth.clone(), Path((id.clone(), form.code))).await;
    let Json(q) = match expanded {
        Ok(q) => q,
        Err(e) => return api_error_in(&session, &e),
    };
    let detail = match load(&state, &session, &id).await {
        Ok(d) => d,
        Err(e) => return api_error_in(&session, &e),
    };
    let body = if form.body.trim().is_empty() { q.body } else { format!("{}\n\n{}", form.body.trim_end(), q.body) };
    let language = match detail.patient.id.parse() {
        Ok(patient) => match patient_language(&state, patient).await {
            Ok(language) => language,
            Err(e) => return api_error_in(&session, &e),
        },
        Err(_) => Language::default(),
    };
    let feedback = Some(carethread_draft::readability::measure(&body, language));
    let reply = ReplyBox { text: body, feedback, ..ReplyBox::default() };
    match staff_context(&state, &session, &detail).await {
        Ok(context) => render_thread(&session, &detail, &reply, &context),
        Err(e) => api_error_in(&session, &e),
    }
}

/// "Check wording": the thread page again with what was typed, its reading
/// level and jargon in the patient's language, and on an emergency thread
/// what the reply must fix (works without a script).
pub(super) async fn check_wording(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let (posted, _) = PostedForm::read_partial(multipart).await;
    let form: ReplyForm = match posted.parse() {
        Ok(f) => f,
        Err(e) => return api_error_in(&session, &e),
    };
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    let mut reply = ReplyBox {
        text: form.body.clone(),
        draft_id: form.draft_id.clone().filter(|d| !d.is_empty()),
        ..ReplyBox::default()
    };
    if session.auth.user.role.is_staff() && !form.body.trim().is_empty() {
        match super::wording_feedback::for_thread(&state, &session, &id, &form.body).await {
            Ok((feedback, emergency)) => (reply.feedback, reply.emergency) = (Some(feedback), emergency),
            Err(e) => return api_error_in(&session, &e),
        }
    }
    again(&state, &session, &id, reply, StatusCode::OK).await
}
