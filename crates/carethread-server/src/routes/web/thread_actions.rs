//! The care team's thread actions: assign to me, forward to a pool or colleague
//! with a note, re-triage, close.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use carethread_app::forwarding::{self, ForwardThread, Forwarded};
use carethread_app::retriage::{self, Retriage};
use carethread_app::threads::{self, ChangeThread};
use carethread_core::ids::ThreadId;
use carethread_core::thread::{ThreadStatus, Urgency};
use serde::Deserialize;

use super::form_error::FormError;
use super::pages::api_error_in;
use super::{WebSession, error_page};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::routes::web::Checked;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/threads/{id}/manage", post(manage))
}

#[derive(Deserialize)]
struct ManageForm {
    action: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    pool: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    note: String,
    /// Forwarding to a pool only: `keep` leaves the thread with its assignee;
    /// anything else (the form's default) clears it so the pool picks it up.
    #[serde(default)]
    assignee_rule: String,
}

/// Staff thread actions, each through the same handler as the API.
async fn manage(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(session, form): Checked<ManageForm>,
) -> Response {
    let text = session.text;
    let auth = session.auth.clone();
    let status = |status| ChangeThread { status: Some(status), ..ChangeThread::default() };
    let replies = |on| ChangeThread { replies_allowed: Some(on), ..ChangeThread::default() };
    let me = ChangeThread { assignee: Some(Some(auth.user.id)), ..ChangeThread::default() };
    let result = match form.action.as_str() {
        "assign_me" => change_thread(&state, &session, &id, me).await,
        "close" => change_thread(&state, &session, &id, status(ThreadStatus::Closed)).await,
        "reopen" => change_thread(&state, &session, &id, status(ThreadStatus::Open)).await,
        "replies_off" => change_thread(&state, &session, &id, replies(false)).await,
        "replies_on" => change_thread(&state, &session, &id, replies(true)).await,
        "retriage" => retriage_thread(&state, &session, &id, &form.urgency, &form.pool).await,
        "forward" => {
            let note = form.note.clone();
            if let Err(e) = forward(&state, &session, &id, form).await {
                // The forward form comes back with its note and the error beside the field.
                let field = match &e {
                    ApiError::Invalid { field, .. } if field == "pool" => "forward-pool",
                    ApiError::Invalid { field, .. } if field == "assignee" => "forward-user",
                    _ => "forward-note",
                };
                let message = match &e {
                    ApiError::Invalid { field, .. } if field == "pool" => text.get("manage-forward_nowhere").to_owned(),
                    ApiError::Invalid { field, .. } if field == "note" => text.get("manage-note_too_long").to_owned(),
                    ApiError::Invalid { .. } => text.get("form-invalid").to_owned(),
                    other => super::form_error::FormError::from_api(&state, &session, other, field, field).message,
                };
                let error = FormError::new(field, super::form_error::form_status(&e), message);
                let status = error.status;
                let page = super::thread_page::ReplyBox {
                    forward_note: note,
                    forward_error: Some(error),
                    ..super::thread_page::ReplyBox::default()
                };
                return super::thread_forms::again(&state, &session, &id, page, status).await;
            }
            Ok(())
        }
        _ => return error_page(text, StatusCode::UNPROCESSABLE_ENTITY, text.get("error-generic")),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/threads/{id}")).into_response(),
        Err(e) => api_error_in(&session, &e),
    }
}

/// Changes the thread `id` as a staff form asks (assign, forward, status, replies).
async fn change_thread(state: &AppState, session: &WebSession, id: &str, change: ChangeThread) -> Result<(), ApiError> {
    let caller = session.auth.caller();
    threads::require_messaging(&caller)?;
    let id: ThreadId = path_id(id)?;
    threads::update_thread(&state.app(), &caller, id, change).await?;
    Ok(())
}

/// Re-triages the thread `id` as the staff form asks (urgency and/or pool).
async fn retriage_thread(
    state: &AppState,
    session: &WebSession,
    id: &str,
    urgency: &str,
    pool: &str,
) -> Result<(), ApiError> {
    let change = Retriage {
        urgency: Some(urgency).filter(|u| !u.is_empty()).map(Urgency::parse).transpose()?,
        pool: Some(pool).filter(|p| !p.is_empty()).map(str::to_owned),
        ..Retriage::default()
    };
    let caller = session.auth.caller();
    threads::require_messaging(&caller)?;
    let id: ThreadId = path_id(id)?;
    retriage::retriage(&state.app(), &caller, id, change).await?;
    state.metrics.triage_overridden();
    Ok(())
}

/// Forwards a thread to a pool and/or a colleague, leaving the note as an
/// internal note that says where it went; the move and the note are written
/// together by the application layer.
async fn forward(state: &AppState, session: &WebSession, id: &str, form: ManageForm) -> Result<(), ApiError> {
    let id: ThreadId = path_id(id)?;
    let assignee = match form.assignee.as_str() {
        "" => None,
        raw => Some(raw.parse().map_err(|_| ApiError::invalid("assignee", "names no colleague"))?),
    };
    let input = ForwardThread {
        pool: Some(form.pool).filter(|p| !p.is_empty()),
        assignee,
        keep_assignee: form.assignee_rule == "keep",
        note: form.note,
    };
    let text = session.text;
    let explain = |done: &Forwarded| {
        let line = text.fill("manage-forwarded", &[("to", &done.to.join(", "))]);
        if done.assignee_cleared { format!("{line} {}", text.get("manage-assignee_cleared")) } else { line }
    };
    forwarding::forward_thread(&state.app(), &session.auth.caller(), id, input, explain).await?;
    Ok(())
}
