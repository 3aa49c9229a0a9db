//! The reply box under a thread, and the two forms that redraw the page
//! with it filled: a quick reply expanded into it, and "check wording".

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use carethread_core::user::Language;
use maud::{Markup, html};
use serde::Deserialize;

use super::super::form_error::FormError;
use super::super::pages::api_error_in;
use super::super::thread_forms::{ReplyForm, again, described};
use super::super::{PostedForm, WebSession};
use super::{ReplyBox, StaffContext, load, render_thread, staff_context};
use crate::AppState;
use crate::dto::ThreadDetail;
use crate::routes::web::Checked;

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
                @if staff { (super::super::wording_feedback::region(text, &d.id, reply.feedback.as_ref(), &reply.emergency)) }
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

#[derive(Deserialize)]
pub(in crate::routes::web) struct QuickForm {
    code: String,
    #[serde(default)]
    body: String,
}

/// Puts a quick reply, expanded for this thread, into the reply box (no script needed).
pub(in crate::routes::web) async fn quick_reply(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(session, form): Checked<QuickForm>,
) -> Response {
    let (app, caller) = (state.app(), session.auth.caller());
    let expanded = match id.parse() {
        Ok(thread) => carethread_app::quick_replies::expand_quick_reply(&app, &caller, thread, &form.code)
            .await
            .map_err(crate::error::ApiError::from),
        Err(_) => Err(crate::error::ApiError::NotFound),
    };
    let q = match expanded {
        Ok(q) => q,
        Err(e) => return api_error_in(&session, &e),
    };
    let detail = match load(&state, &session, &id).await {
        Ok(d) => d,
        Err(e) => return api_error_in(&session, &e),
    };
    let body = if form.body.trim().is_empty() { q.body } else { format!("{}\n\n{}", form.body.trim_end(), q.body) };
    let language = match detail.patient.id.parse() {
        Ok(patient) => match carethread_app::wording::patient_language(&state.app(), patient).await {
            Ok(language) => language,
            Err(e) => return api_error_in(&session, &e.into()),
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
pub(in crate::routes::web) async fn check_wording(
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
        match super::super::wording_feedback::for_thread(&state, &session, &id, &form.body).await {
            Ok((feedback, emergency)) => (reply.feedback, reply.emergency) = (Some(feedback), emergency),
            Err(e) => return api_error_in(&session, &e),
        }
    }
    again(&state, &session, &id, reply, StatusCode::OK).await
}
