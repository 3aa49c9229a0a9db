//! One thread as a page: messages with read receipts, triage in the
//! reader's language, the "did this answer your question?" response, and for
//! staff the reply box (`reply`) and the care team's forms (`manage`).

use axum::extract::{Path, Query, State};
use axum::response::Response;
use carethread_app::threads::{self, ListThreads, ThreadCriteria};
use carethread_core::ids::ThreadId;
use carethread_core::policy::ThreadAction;
use maud::{Markup, html};
use serde::Deserialize;

use super::{WebSession, page};
use crate::AppState;
use crate::dto::{MessageOut, ThreadDetail, ThreadListItem};
use crate::error::ApiError;
use crate::extract::path_id;

use super::form_error::FormError;
use super::inbasket::visible_threads;
use super::pages::{api_error_in, patient_label, status_label, urgency_label};
use super::thread_forms::{confidential_section, note_section};

mod later;
mod manage;
mod paging;
mod reply;

pub(super) use later::LaterForms;
pub(super) use reply::{check_wording, quick_reply};

/// Opens the thread (audited, with read receipts) as the page shows it.
pub(super) async fn load(state: &AppState, session: &WebSession, id: &str) -> Result<ThreadDetail, ApiError> {
    let caller = session.auth.caller();
    threads::require_messaging(&caller)?;
    let id: ThreadId = path_id(id)?;
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
    /// The hold and visit forms, when one came back refused.
    pub(super) later: later::LaterForms,
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
    /// Staff: the name of the person away the thread is covered for.
    covering_for: Option<String>,
    /// Patients and proxies, when the thread's latest message was written in
    /// a language CareThread does not triage: what to do in an emergency, in it.
    interpreter: Option<carethread_app::guidance::InterpreterGuidance>,
    /// Staff: who was paged about the thread and who acknowledged it, and
    /// whether a reply has gone unread for the reminder delay.
    paging: Option<carethread_app::paging_status::PagingStatus>,
    /// The reminder delay, for "not read after 2 days".
    unread_after: chrono::TimeDelta,
    /// Staff: replies held back on the thread (held or scheduled).
    held: Vec<carethread_store::HeldReply>,
    /// E-visit billing: a clinician's time, or the patient's e-visit line.
    billing: super::billing::ThreadBilling,
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
        let id = path_id(&d.id)?;
        let interpreter = carethread_app::guidance::for_thread(&state.app(), &session.auth.caller(), id).await?;
        let billing = super::billing::for_thread(state, session, &d.id).await?;
        return Ok(StaffContext { may_reply, may_mark_confidential, interpreter, billing, ..StaffContext::default() });
    }
    let (app, caller) = (state.app(), session.auth.caller());
    let pools = carethread_app::teams::pools(&app, &caller).await?;
    let colleagues = carethread_app::forwarding::colleagues(&app, &caller)
        .await?
        .into_iter()
        .map(|u| {
            (
                u.id.to_string(),
                format!("{} ({})", u.display_name, session.text.get(&format!("role-{}", u.role.as_str()))),
            )
        })
        .collect();
    let patient = d.patient.id.parse().ok();
    let recent = match patient {
        Some(p) => visible_threads(
            state,
            session,
            ListThreads {
                criteria: ThreadCriteria { patient: Some(p), ..ThreadCriteria::default() },
                ..ListThreads::default()
            },
        )
        .await?
        .0
        .into_iter()
        .filter(|t| t.id != d.id)
        .take(5)
        .collect(),
        None => Vec::new(),
    };
    let quick = carethread_app::quick_replies::list_quick_replies(&app, &caller).await?;
    let quick = quick.into_iter().map(|q| (q.code, q.body)).collect();
    let patient = match d.patient.id.parse() {
        Ok(id) => carethread_app::composing::patient_details(&app, &caller, id).await?.map_or_else(
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
    let paging = match d.id.parse() {
        Ok(id) => Some(carethread_app::paging_status::paging_status(&app, &caller, id).await?),
        Err(_) => None,
    };
    let unread_after = app.notifications.unread_reminder_after;
    let held = match d.id.parse() {
        Ok(id) => carethread_app::release::held_replies(&app, &caller, id).await?,
        Err(_) => Vec::new(),
    };
    let covering_for = match d.id.parse() {
        Ok(id) => carethread_app::coverage::covering_for(&app, &[id]).await?.remove(&id),
        Err(_) => None,
    };
    let billing = super::billing::for_thread(state, session, &d.id).await?;
    Ok(StaffContext {
        billing,
        pools,
        colleagues,
        recent,
        quick,
        patient,
        may_reply,
        may_mark_confidential,
        interpreter: None,
        covering_for,
        paging,
        unread_after,
        held,
    })
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
                @if staff { " · " (text.get("inbasket-patient")) ": " (context.patient)
                    @if carethread_core::policy::may_record_patient_groups(session.auth.user.role) {
                        " (" a href={ "/patients/" (d.patient.id) "/groups" } { (text.get("groups-link")) } ")"
                    }
                }
                @if session.auth.user.role == carethread_core::role::Role::Proxy {
                    " · " (text.fill("thread-about", &[("name", &d.patient.display_name)]))
                }
                @if let Some(due) = d.wait.due_at {
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
                    @match &d.pool { Some(p) => { (text.pool_name(&p.slug, &p.name)) } None => { (text.get("inbasket-no_pool")) } }
                    @if let Some(name) = &context.covering_for {
                        " · " span class="badge covering" { (text.fill("coverage-covering_for", &[("name", name)])) }
                    }
                }
            }
            @if d.confidential {
                p class="notice" role="note" { (text.get("thread-confidential_on")) }
            }
            @if let Some(notice) = &d.safety_notice {
                div class="emergency" role="alert" { h2 { (notice.title) } p { (notice.message) } }
            }
            @if let Some(found) = &context.interpreter { (super::emergency_help::interpreter_alert(text, found)) }
            (crate::after_hours::notice(d.wait.after_hours.as_ref()))
            @if let Some(on_call) = &d.wait.on_call { p { (crate::after_hours::on_call_badge(session, Some(on_call))) } }
            @if staff {
                (paging::pages_section(session, context.paging.as_ref()))
                (paging::unread_notice(session, context.paging.as_ref(), context.unread_after))
            }
            @if let (true, Some(t)) = (staff, &d.triage) {
                section class="triage" aria-labelledby="triage-h" {
                    h2 id="triage-h" { (text.get("thread-triage")) }
                    p { span class={ "badge " (t.urgency) } { (urgency_label(text, &t.urgency)) } " · " (text.category(&t.category)) }
                    ul { @for r in &t.reasons { li { (text.reason(r)) } } }
                }
            }
            section aria-labelledby="messages-h" {
                h2 id="messages-h" { (text.get("thread-messages")) }
                ol class="messages" { @for m in &d.messages { (message_item(session, m, staff)) } }
            }
            (super::billing::thread_section(session, &d.id, &context.billing))
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
            @if staff { (manage::staff_actions(session, d, context, reply)) }
            (reply::reply_section(session, d, reply, context))
            @if staff { (later::later_section(session, d, &context.held, context.may_reply, &reply.later)) }
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
