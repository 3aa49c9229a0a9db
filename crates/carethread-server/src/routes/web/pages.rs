//! The portal's pages and what they share: the routes of the messaging pages
//! (lists in `inbasket`, one thread in `thread_page`, writing in `compose`),
//! the welcome and help pages, the clinic's hours, and status and urgency
//! words.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use maud::{Markup, html};

use super::form_error::form_status;
use super::{Text, WebSession, error_page, page};
use crate::AppState;
use crate::error::ApiError;

pub(super) fn router(state: &AppState) -> Router<AppState> {
    use super::compose::{compose_page, compose_submit, sent_page};
    use super::inbasket::{inbasket, inbox};
    use super::thread_forms::{confidential, draft, feedback, note, reply};
    use super::thread_page::{check_wording, quick_reply, thread_page};
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
        .route("/threads/{id}/check-wording", post(check_wording).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/threads/{id}/sent", get(sent_page))
        .route("/threads/{id}/note", post(note))
        .route("/threads/{id}/confidential", post(confidential))
        .route("/threads/{id}/quick-reply", post(quick_reply))
        .route("/threads/{id}/feedback", post(feedback))
        .route("/threads/{id}/draft", post(draft))
}

pub(super) const WELCOMED_COOKIE: &str = "carethread_welcomed";

/// An API handler's refusal as a page, with its own status for each kind of
/// refusal (a conflict is 409, an unavailable database 503, …). Pages that
/// have a session use [`api_error_in`], which keeps the menu.
pub(super) fn api_error(text: Text, err: &ApiError) -> Response {
    log_unexpected(err);
    error_page(text, form_status(err), &refusal_words(text, err))
}

/// Logs the cause of an unexpected refusal once, where the portal answers it
/// (within the request's span, so with its id); the person reads a sentence
/// in their language, never the cause. Causes carry no submitted values.
pub(crate) fn log_unexpected(err: &ApiError) {
    if let ApiError::Internal(cause) = err {
        tracing::error!(error = %cause, "portal request failed");
    }
}

/// An API handler's refusal as a page of the signed-in person's portal, with the menu.
pub(super) fn api_error_in(session: &WebSession, err: &ApiError) -> Response {
    log_unexpected(err);
    let text = session.text;
    let mut response = page(
        text,
        text.get("error-title"),
        Some(session),
        html! { p role="alert" { (refusal_words(text, err)) } p { a href="/" { (text.get("thread-back")) } } },
    );
    *response.status_mut() = form_status(err);
    response
}

/// What the person reads for a refusal: the portal's words where it has
/// them, else the API's problem detail in the person's language (the same
/// sentence the API answers with), never an internal cause.
pub(crate) fn refusal_words(text: Text, err: &ApiError) -> String {
    match err {
        ApiError::NotFound => text.get("error-not_found").to_owned(),
        ApiError::Forbidden(_) | ApiError::Conflict(_) | ApiError::BadRequest(_) | ApiError::Invalid { .. } => {
            err.problem_text().detail(text.0)
        }
        ApiError::PayloadTooLarge(_) => text.get("form-upload_too_large").to_owned(),
        ApiError::UnsupportedMediaType(_) => text.get("form-file_type").to_owned(),
        ApiError::Unavailable => text.get("form-unavailable").to_owned(),
        ApiError::StorageFull => text.get("form-storage_full").to_owned(),
        ApiError::Infected => text.get("form-infected").to_owned(),
        ApiError::ScannerUnavailable => text.get("form-scanner_unavailable").to_owned(),
        _ => text.get("error-generic").to_owned(),
    }
}

/// A patient as staff name them: name, date of birth and, where the clinic
/// set one, the record number ("Alice Johnson · DOB Apr 12, 1968 · MRN A-1"),
/// so two patients with the same name are never confused.
pub(super) fn patient_label(
    session: &WebSession,
    name: &str,
    date_of_birth: Option<chrono::NaiveDate>,
    mrn: Option<&str>,
) -> String {
    let text = session.text;
    let mut label = name.to_owned();
    if let Some(dob) = date_of_birth {
        let date = match text.0 {
            carethread_core::user::Language::En => dob.format("%b %-d, %Y").to_string(),
            carethread_core::user::Language::Es => dob.format("%d/%m/%Y").to_string(),
        };
        label = format!("{label} · {}", text.fill("patient-dob", &[("date", &date)]));
    }
    if let Some(mrn) = mrn {
        label = format!("{label} · {}", text.fill("patient-mrn", &[("mrn", mrn)]));
    }
    label
}

/// The labels (name, date of birth, record number) of the patients on a page of a staff list, by patient id.
pub(super) async fn patient_labels(
    state: &AppState,
    session: &WebSession,
    threads: &[crate::dto::ThreadListItem],
) -> Result<std::collections::HashMap<String, String>, carethread_app::AppError> {
    let (app, caller) = (state.app(), session.auth.caller());
    let mut labels = std::collections::HashMap::new();
    for t in threads {
        if labels.contains_key(&t.patient.id) {
            continue;
        }
        let Ok(id) = t.patient.id.parse() else { continue };
        if let Some(u) = carethread_app::composing::patient_details(&app, &caller, id).await? {
            let mrn = u.mrn.as_ref().map(carethread_core::user::Mrn::as_str);
            labels.insert(t.patient.id.clone(), patient_label(session, u.display_name.as_str(), u.date_of_birth, mrn));
        }
    }
    Ok(labels)
}

pub(super) fn intro(session: &WebSession) -> Markup {
    let text = session.text;
    let target = session.reply_target();
    html! {
        p { (text.get("welcome-what")) }
        p { (text.fill("welcome-nonurgent", &[("target", &target)])) }
        (hours_line(session))
        div class="emergency" role="note" { p { strong { (text.get("welcome-emergency")) } } }
    }
}

/// The short guided introduction, shown on first sign-in and from Help.
async fn welcome(session: WebSession) -> Response {
    let text = session.text;
    let mut response = page(
        text,
        text.get("welcome-title"),
        Some(&session),
        html! {
            (intro(&session))
            p { a class="button primary" href="/inbox" { (text.get("welcome-continue")) } }
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
    page(text, text.get("help-title"), Some(&session), intro(&session))
}

/// The clinic's hours, and when it is closed, when messages will be read.
pub(super) fn hours_line(session: &WebSession) -> Markup {
    let text = session.text;
    let p = &session.clinic.profile;
    let days: Vec<&str> = p.open_days.iter().map(|d| text.get(&format!("day-{}", day_key(*d)))).collect();
    let now = Utc::now();
    html! {
        p { (text.fill("hours-line", &[("days", &days.join(", ")), ("opens", &p.opens_at), ("closes", &p.closes_at)])) }
        @if !session.clinic.hours.is_open(now) {
            p class="notice" role="note" {
                (text.fill("compose-after_hours", &[("when", &session.when(session.clinic.hours.next_open(now)))]))
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

pub(super) fn status_label(text: Text, status: &str) -> &'static str {
    match status {
        "open" => text.get("status-open"),
        "awaiting_patient" => text.get("status-awaiting_patient"),
        _ => text.get("status-closed"),
    }
}

pub(super) fn urgency_label(text: Text, urgency: &str) -> &'static str {
    match urgency {
        "emergency" => text.get("urgency-emergency"),
        "urgent" => text.get("urgency-urgent"),
        _ => text.get("urgency-routine"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carethread_core::user::Language;

    #[test]
    fn status_words_are_translated() {
        assert_eq!(status_label(Text(Language::Es), "awaiting_patient"), "Respondido");
    }
}
