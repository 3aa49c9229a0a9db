//! The thread page's own forms: a reply (always patient-visible), an
//! internal note (always staff only, from its own box and button), an
//! adolescent's choice to keep a thread from her proxies, and the patient's
//! "did this answer your question?". Each redirects when it succeeds and
//! comes back with what was typed, and why, when it does not.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::form_error::FormError;
use super::pages::api_error_in;
use super::thread_page::{ReplyBox, load, render_thread, staff_context};
use super::{CheckedSession, PostedForm, WebSession};
use crate::AppState;
use crate::dto::ThreadDetail;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::routes::web::Checked;
use crate::sending::send_composed;
use carethread_app::composing::{ComposedMessage, check_files};
use carethread_app::drafting::{DraftReply, draft_reply};
use carethread_app::threads::{require_messaging, set_confidential};
use carethread_core::ids::ThreadId;

#[derive(Deserialize, Default)]
pub(super) struct ReplyForm {
    #[serde(default)]
    pub(super) csrf_token: String,
    #[serde(default)]
    pub(super) body: String,
    #[serde(default)]
    pub(super) draft_id: Option<String>,
}

/// The thread page again, with what was typed and why it came back.
pub(super) async fn again(
    state: &AppState,
    session: &WebSession,
    id: &str,
    reply: ReplyBox,
    status: StatusCode,
) -> Response {
    let detail = match load(state, session, id).await {
        Ok(d) => d,
        Err(e) => return api_error_in(session, &e),
    };
    let context = match staff_context(state, session, &detail).await {
        Ok(c) => c,
        Err(e) => return api_error_in(session, &e),
    };
    let mut response = render_thread(session, &detail, &reply, &context);
    *response.status_mut() = status;
    response
}

/// A reply (with files, if chosen) from the thread page's multipart form:
/// always a message the patient sees, never an internal note (notes have
/// their own form). A refused reply comes back with its text.
pub(super) async fn reply(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let text = session.text;
    let (posted, unread) = PostedForm::read_partial(multipart).await;
    let form: ReplyForm = match posted.parse() {
        Ok(f) => f,
        Err(e) => return api_error_in(&session, &e),
    };
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    let came_back = |error: FormError| ReplyBox {
        text: form.body.clone(),
        draft_id: form.draft_id.clone().filter(|d| !d.is_empty()),
        error: Some(error),
        ..ReplyBox::default()
    };
    let refused = |e: &ApiError| FormError::from_api(&state, &session, e, "reply-body", "reply-files");
    if let Some(e) = unread {
        let error = refused(&e);
        let status = error.status;
        return again(&state, &session, &id, came_back(error), status).await;
    }
    if posted.files.is_empty() && form.body.trim().is_empty() {
        let error = FormError::new("reply-body", StatusCode::UNPROCESSABLE_ENTITY, text.get("error-empty"));
        return again(&state, &session, &id, came_back(error), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if let Some(error) =
        FormError::check_message(&state, &session, &form.body, &posted.files, "reply-body", "reply-files")
    {
        let status = error.status;
        return again(&state, &session, &id, came_back(error), status).await;
    }
    let result = match check_files(&state.app(), posted.files).map_err(ApiError::from) {
        Ok(files) => {
            let message = ComposedMessage {
                text: Some(&form.body),
                internal: false,
                files,
                draft_id: form.draft_id.as_deref(),
                answered: None,
            };
            send_composed(&state, &session.auth, &id, message).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/threads/{id}")).into_response(),
        Err(ApiError::NotFound) => api_error_in(&session, &ApiError::NotFound),
        Err(e) => {
            let error = refused(&e);
            let status = error.status;
            again(&state, &session, &id, came_back(error), status).await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct NoteForm {
    #[serde(default)]
    body: String,
}

/// An internal note from its own form: only ever a note, which the patient never sees.
pub(super) async fn note(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(session, form): Checked<NoteForm>,
) -> Response {
    let text = session.text;
    let came_back =
        |error: FormError| ReplyBox { note: form.body.clone(), note_error: Some(error), ..ReplyBox::default() };
    if form.body.trim().is_empty() {
        let error = FormError::new("note-body", StatusCode::UNPROCESSABLE_ENTITY, text.get("error-empty"));
        return again(&state, &session, &id, came_back(error), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if let Some(error) = FormError::check_message(&state, &session, &form.body, &[], "note-body", "note-body") {
        let status = error.status;
        return again(&state, &session, &id, came_back(error), status).await;
    }
    let message = ComposedMessage { text: Some(&form.body), internal: true, ..ComposedMessage::default() };
    match send_composed(&state, &session.auth, &id, message).await {
        Ok(_) => Redirect::to(&format!("/threads/{id}")).into_response(),
        Err(e @ (ApiError::NotFound | ApiError::Forbidden(_))) => api_error_in(&session, &e),
        Err(e) => {
            let error = FormError::from_api(&state, &session, &e, "note-body", "note-body");
            let status = error.status;
            again(&state, &session, &id, came_back(error), status).await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ConfidentialForm {
    #[serde(default)]
    confidential: String,
}

/// An adolescent keeps one of their threads from their proxies, or shows it to them again.
pub(super) async fn confidential(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(session, form): Checked<ConfidentialForm>,
) -> Response {
    let confidential = form.confidential == "true";
    let caller = session.auth.caller();
    let changed = async {
        require_messaging(&caller)?;
        let thread: ThreadId = path_id(&id)?;
        set_confidential(&state.app(), &caller, thread, confidential).await?;
        Ok::<(), ApiError>(())
    }
    .await;
    match changed {
        Ok(()) => Redirect::to(&format!("/threads/{id}")).into_response(),
        Err(e) => api_error_in(&session, &e),
    }
}

/// The internal-note form: its own box and its own button, marked staff only.
pub(super) fn note_section(session: &WebSession, d: &ThreadDetail, reply: &ReplyBox) -> Markup {
    let text = session.text;
    let error = reply.note_error.as_ref();
    html! {
        section class="note-form" aria-labelledby="note-h" {
            h2 id="note-h" { (text.get("thread-note_section")) }
            form method="post" action={ "/threads/" (d.id) "/note" } class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                label for="note-body" { (text.get("thread-note_label")) }
                textarea id="note-body" name="body" rows="3"
                    aria-invalid=[FormError::is_for(error, "note-body").then_some("true")]
                    aria-describedby=[FormError::described_by(error, "note-body")] { (reply.note) }
                (FormError::next_to(error, "note-body"))
                button type="submit" class="note" { (text.get("thread-note_add")) }
            }
        }
    }
}

/// For an adolescent on their own thread: keep it from their proxies, with who will and won't see it.
pub(super) fn confidential_section(session: &WebSession, d: &ThreadDetail) -> Markup {
    let text = session.text;
    html! {
        section aria-labelledby="private-h" {
            h2 id="private-h" { (text.get("thread-private_h")) }
            p id="private-help" { (text.get("compose-confidential_help")) }
            form method="post" action={ "/threads/" (d.id) "/confidential" } class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                @if d.confidential {
                    input type="hidden" name="confidential" value="false";
                    button type="submit" aria-describedby="private-help" { (text.get("thread-confidential_unmark")) }
                } @else {
                    input type="hidden" name="confidential" value="true";
                    button type="submit" aria-describedby="private-help" { (text.get("thread-confidential_mark")) }
                }
            }
        }
    }
}

pub(super) fn described(error: Option<&FormError>, id: &str) -> String {
    match FormError::described_by(error, id) {
        Some(e) => format!("{id}-hint {e}"),
        None => format!("{id}-hint"),
    }
}

#[derive(Deserialize)]
pub(super) struct FeedbackForm {
    answered: String,
}

/// "Did this answer your question?": the answer goes to the care team as a message.
pub(super) async fn feedback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(session, form): Checked<FeedbackForm>,
) -> Response {
    let yes = match form.answered.as_str() {
        "yes" => true,
        "no" => false,
        _ => return api_error_in(&session, &ApiError::invalid("answered", "must be yes or no")),
    };
    // "Yes" leaves the thread with the patient; "I still have a question" puts it back with the care team.
    let message = ComposedMessage { answered: Some(yes), ..ComposedMessage::default() };
    match send_composed(&state, &session.auth, &id, message).await {
        Ok(_) => Redirect::to(&format!("/threads/{id}")).into_response(),
        Err(e) => api_error_in(&session, &e),
    }
}

/// Asks for a draft, then shows the thread with it in the reply box by
/// redirecting to the page (a reload shows the same draft, never makes another).
pub(super) async fn draft(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CheckedSession(session): CheckedSession,
) -> Response {
    let made = async {
        let caller = session.auth.caller();
        require_messaging(&caller)?;
        let thread: ThreadId = path_id(&id)?;
        let drafted = draft_reply(&state.app(), &caller, thread, DraftReply::default()).await?;
        state.metrics.draft_generated();
        Ok::<_, ApiError>(drafted)
    }
    .await;
    match made {
        Ok(d) => Redirect::to(&format!("/threads/{id}?draft={}", d.id)).into_response(),
        Err(e) => api_error_in(&session, &e),
    }
}

/// The reply box holding a draft this clinician asked for on this thread and
/// has not sent yet, with its reading level in the patient's language; empty
/// for anything else (a draft id that is not one is no error: the page is
/// shown without it).
pub(super) async fn drafted_box(
    state: &AppState,
    session: &WebSession,
    d: &ThreadDetail,
    raw: &str,
) -> Result<ReplyBox, ApiError> {
    let (Ok(thread), Ok(draft_id)) = (d.id.parse(), raw.parse::<carethread_core::ids::DraftId>()) else {
        return Ok(ReplyBox::default());
    };
    let found =
        carethread_app::composing::pending_draft(&state.app(), &session.auth.caller(), thread, draft_id).await?;
    let Some(draft) = found else {
        return Ok(ReplyBox::default());
    };
    let Some(body) = draft.content.body else {
        return Ok(ReplyBox { no_reply_needed: !draft.content.reply_needed, ..ReplyBox::default() });
    };
    let language = match d.patient.id.parse() {
        Ok(patient) => carethread_app::wording::patient_language(&state.app(), patient).await?,
        Err(_) => carethread_core::user::Language::default(),
    };
    Ok(ReplyBox {
        feedback: Some(carethread_draft::readability::measure(&body, language)),
        model: Some(format!("{} {}", draft.content.model_id, draft.content.model_version)),
        draft_id: Some(draft.id.to_string()),
        text: body,
        no_reply_needed: !draft.content.reply_needed,
        ..ReplyBox::default()
    })
}
