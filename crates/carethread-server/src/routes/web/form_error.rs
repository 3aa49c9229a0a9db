//! A portal form that was refused: which field is at fault, what the person
//! reads next to it (in their language, in words, never developer text), and
//! the status the re-rendered form answers with. Forms that fail come back
//! with what was typed; only a form that succeeded redirects.

use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::{Text, WebSession};
use crate::AppState;
use crate::error::ApiError;

/// Why a form came back, and where.
#[derive(Debug, Clone)]
pub(crate) struct FormError {
    /// The id of the input at fault (`body`, `files`, `subject`, `reply-body`, …).
    pub(crate) field: String,
    pub(crate) message: String,
    pub(crate) status: StatusCode,
}

/// The status a form refused for `err` answers with: each kind its own, as
/// the API answers it (409 for a conflict, 422 invalid, 413, 415, 503 …).
pub(crate) fn form_status(err: &ApiError) -> StatusCode {
    StatusCode::from_u16(err.problem().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl FormError {
    pub(crate) fn new(field: &str, status: StatusCode, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), message: message.into(), status }
    }

    /// The words for a refusal of a message form whose text box is `body_field`
    /// and whose file input is `files_field`.
    pub(crate) fn from_api(
        state: &AppState,
        session: &WebSession,
        err: &ApiError,
        body_field: &str,
        files_field: &str,
    ) -> Self {
        super::pages::log_unexpected(err);
        let text = session.text;
        let status = form_status(err);
        let max_chars = session.clinic.profile.message_max_chars.to_string();
        let (field, message) = match err {
            ApiError::PayloadTooLarge(_) => (files_field, file_too_large(state, text)),
            ApiError::UnsupportedMediaType(_) => (files_field, text.get("form-file_type").to_owned()),
            ApiError::Invalid { field, .. } => match field.as_str() {
                "file" => (files_field, text.get("form-file_empty").to_owned()),
                "body" => (body_field, text.fill("form-body_invalid", &[("max", &max_chars)])),
                "subject" => ("subject", text.get("form-subject_invalid").to_owned()),
                "confidential" => ("confidential", text.get("form-confidential_refused").to_owned()),
                "patient_id" => ("patient", text.get("form-no_patient").to_owned()),
                _ => (body_field, text.get("form-invalid").to_owned()),
            },
            ApiError::Forbidden(_) => (body_field, text.get("form-read_only_thread").to_owned()),
            ApiError::Conflict(_) => (body_field, text.get("form-conflict").to_owned()),
            ApiError::Unavailable => (body_field, text.get("form-unavailable").to_owned()),
            ApiError::StorageFull => (body_field, text.get("form-storage_full").to_owned()),
            ApiError::Infected => (files_field, text.get("form-infected").to_owned()),
            ApiError::ScannerUnavailable => (files_field, text.get("form-scanner_unavailable").to_owned()),
            ApiError::NotFound => (body_field, text.get("error-not_found").to_owned()),
            other => {
                // Kinds the portal has no words of its own for: the API's plain
                // sentence, at the field it names (a file), never an internal cause.
                let problem = other.problem();
                if status == StatusCode::SERVICE_UNAVAILABLE && problem.field.is_none() {
                    (body_field, text.get("form-unavailable").to_owned())
                } else if problem.field.as_deref() == Some("file") {
                    (files_field, problem.detail)
                } else if status.is_server_error() {
                    (body_field, text.get("error-generic").to_owned())
                } else {
                    (body_field, problem.detail)
                }
            }
        };
        Self::new(field, status, message)
    }

    /// A refusal of a settings form: the API's status and sentence (in the
    /// person's language) at `input`, the id of the input at fault.
    pub(crate) fn refused(text: Text, err: &ApiError, input: &str) -> Self {
        super::pages::log_unexpected(err);
        Self::new(input, form_status(err), super::pages::refusal_words(text, err))
    }

    /// The request field an invalid refusal names (`""` for other kinds).
    pub(crate) fn invalid_field(err: &ApiError) -> &str {
        match err {
            ApiError::Invalid { field, .. } => field,
            _ => "",
        }
    }

    /// A page that re-renders a refused form answers with the refusal's status.
    pub(crate) fn answer(mut response: Response, this: Option<&Self>) -> Response {
        if let Some(e) = this {
            *response.status_mut() = e.status;
        }
        response
    }

    /// Checks what the portal can tell before asking the API, so the person
    /// reads the limit in their own words: the message length and the files.
    pub(crate) fn check_message(
        state: &AppState,
        session: &WebSession,
        body: &str,
        files: &[(Option<String>, Vec<u8>)],
        body_field: &str,
        files_field: &str,
    ) -> Option<Self> {
        let text = session.text;
        let max_chars = session.clinic.profile.message_max_chars;
        if body.trim().chars().count() > max_chars {
            let message = text.fill("form-body_too_long", &[("max", &max_chars.to_string())]);
            return Some(Self::new(body_field, StatusCode::UNPROCESSABLE_ENTITY, message));
        }
        let settings = &state.settings;
        if files.len() > settings.attachments_per_message {
            let message = text.fill("form-too_many_files", &[("count", &settings.attachments_per_message.to_string())]);
            return Some(Self::new(files_field, StatusCode::UNPROCESSABLE_ENTITY, message));
        }
        if files.iter().any(|(_, bytes)| bytes.len() > settings.attachment_max_bytes) {
            return Some(Self::new(files_field, StatusCode::PAYLOAD_TOO_LARGE, file_too_large(state, text)));
        }
        None
    }

    /// Whether this error belongs to the input `id`.
    pub(crate) fn is_for(this: Option<&Self>, id: &str) -> bool {
        this.is_some_and(|e| e.field == id)
    }

    /// The `aria-describedby` value for input `id` when the error is its.
    pub(crate) fn described_by(this: Option<&Self>, id: &str) -> Option<String> {
        Self::is_for(this, id).then(|| format!("{id}-error"))
    }

    /// The message shown next to input `id`, when the error is its.
    pub(crate) fn next_to(this: Option<&Self>, id: &str) -> Markup {
        html! {
            @if let Some(e) = this.filter(|e| e.field == id) {
                p class="error field-error" id={ (id) "-error" } { (e.message) }
            }
        }
    }

    /// A choice list `id` posted as `name`, marked (and its message shown
    /// after it) when the error is its.
    pub(crate) fn select(this: Option<&Self>, id: &str, name: &str, options: &Markup) -> Markup {
        html! {
            select id=(id) name=(name)
                aria-invalid=[Self::is_for(this, id).then_some("true")]
                aria-describedby=[Self::described_by(this, id)] {
                (options)
            }
            (Self::next_to(this, id))
        }
    }

    /// The line at the top of a refused form.
    pub(crate) fn summary(this: Option<&Self>, text: Text) -> Markup {
        html! {
            @if let Some(e) = this {
                div class="error-summary" role="alert" {
                    p { strong { (text.get("form-not_sent")) } }
                    p { a href={ "#" (e.field) } { (e.message) } }
                }
            }
        }
    }
}

/// "This file is larger than 10 MB", in the person's language.
fn file_too_large(state: &AppState, text: Text) -> String {
    let mb = state.settings.attachment_max_bytes.div_ceil(1024 * 1024);
    text.fill("form-file_too_large", &[("size", &mb.to_string())])
}
