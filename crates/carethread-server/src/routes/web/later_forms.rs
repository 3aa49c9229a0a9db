//! The staff thread page's forms for what happens later: hold or schedule a
//! reply, release or cancel a held one, and turn the thread into a visit.
//! Each calls the same application function as the JSON API.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use carethread_app::release::{self, HoldReply};
use carethread_app::visits::{self, RequestVisit};
use carethread_core::ids::ThreadId;
use carethread_store::{HeldReplyId, VisitKind};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use super::WebSession;
use super::form_error::FormError;
use super::pages::api_error_in;
use super::thread_page::{LaterForms, ReplyBox};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::routes::web::Checked;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/threads/{id}/held", post(hold))
        .route("/threads/{id}/held/{held}", post(act_on_held))
        .route("/threads/{id}/visit", post(visit))
}

#[derive(Deserialize)]
struct HoldForm {
    #[serde(default)]
    body: String,
    /// `held` (until released) or `scheduled`.
    #[serde(default)]
    mode: String,
    /// `YYYY-MM-DDTHH:MM` on the clinic's clock, for a scheduled release.
    #[serde(default)]
    release_at: String,
}

#[derive(Deserialize)]
struct HeldActionForm {
    /// `release` or `cancel`.
    action: String,
}

#[derive(Deserialize)]
struct VisitForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reason: String,
}

fn back_to(id: ThreadId) -> Response {
    Redirect::to(&format!("/threads/{id}")).into_response()
}

/// A release time typed on the clinic's clock.
fn release_time(session: &WebSession, raw: &str) -> Result<DateTime<Utc>, ApiError> {
    let invalid = || ApiError::invalid("release_at", "must be a date and time");
    let local = NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M").map_err(|_| invalid())?;
    let zone = session.clinic.hours.timezone();
    zone.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc)).ok_or_else(invalid)
}

async fn hold(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(session, form): Checked<HoldForm>,
) -> Response {
    let scheduled = form.mode == "scheduled";
    let result = async {
        let thread = path_id(&id)?;
        let release_at = if scheduled { Some(release_time(&session, &form.release_at)?) } else { None };
        let hold = HoldReply { body: form.body.clone(), release_at };
        release::hold_reply(&state.app(), &session.auth.caller(), thread, hold).await?;
        Ok::<_, ApiError>(thread)
    }
    .await;
    match result {
        Ok(thread) => back_to(thread),
        Err(e) => {
            let field = if FormError::invalid_field(&e) == "release_at" { "hold-release-at" } else { "hold-body" };
            let typed = LaterForms {
                body: form.body,
                scheduled,
                release_at: form.release_at,
                error: Some(refused(&session, &e, field)),
                ..LaterForms::default()
            };
            again(&state, &session, &id, typed).await
        }
    }
}

async fn act_on_held(
    State(state): State<AppState>,
    Path((id, held)): Path<(String, String)>,
    Checked(session, form): Checked<HeldActionForm>,
) -> Response {
    let result = async {
        let id = path_id(&id)?;
        let held: HeldReplyId = path_id(&held)?;
        let (app, caller) = (state.app(), session.auth.caller());
        match form.action.as_str() {
            "release" => release::release_now(&app, &caller, id, held).await.map(|_| ())?,
            "cancel" => release::cancel_held(&app, &caller, id, held).await?,
            _ => return Err(ApiError::invalid("action", "must be release or cancel")),
        }
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => back_to(id),
        Err(e) => api_error_in(&session, &e),
    }
}

async fn visit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(session, form): Checked<VisitForm>,
) -> Response {
    let result = async {
        let thread = path_id(&id)?;
        let kind = VisitKind::parse(&form.kind)?;
        let visit = RequestVisit { kind, reason: form.reason.clone() };
        visits::request_visit(&state.app(), &session.auth.caller(), thread, visit).await?;
        Ok::<_, ApiError>(thread)
    }
    .await;
    match result {
        Ok(thread) => back_to(thread),
        Err(e) => {
            let field = if FormError::invalid_field(&e) == "kind" { "visit-kind" } else { "visit-reason" };
            let typed = LaterForms {
                kind: form.kind,
                reason: form.reason,
                error: Some(refused(&session, &e, field)),
                ..LaterForms::default()
            };
            again(&state, &session, &id, typed).await
        }
    }
}

/// Why a hold or visit form was refused, in the person's words, at `field`.
fn refused(session: &WebSession, err: &ApiError, field: &str) -> FormError {
    let text = session.text;
    let max = session.clinic.profile.message_max_chars.to_string();
    match FormError::invalid_field(err) {
        "body" => {
            FormError::new(field, StatusCode::UNPROCESSABLE_ENTITY, text.fill("form-body_invalid", &[("max", &max)]))
        }
        "release_at" => FormError::new(field, StatusCode::UNPROCESSABLE_ENTITY, text.get("held-error-release_at")),
        "reason" => FormError::new(field, StatusCode::UNPROCESSABLE_ENTITY, text.get("visit-error-reason")),
        _ => FormError::refused(text, err, field),
    }
}

/// The thread page again, with the refused form as typed and its error.
async fn again(state: &AppState, session: &WebSession, id: &str, typed: LaterForms) -> Response {
    let status = typed.error.as_ref().map_or(StatusCode::UNPROCESSABLE_ENTITY, |e| e.status);
    let page = ReplyBox { later: typed, ..ReplyBox::default() };
    super::thread_forms::again(state, session, id, page, status).await
}
