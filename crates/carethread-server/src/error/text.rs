//! What a problem body says, in the caller's language. [`ApiError`] names
//! its title and detail as Fluent messages (`problem-…` in `i18n/*.ftl`);
//! the response carries them, and [`speak_the_callers_language`] writes the
//! body in the signed-in user's language, else the first of English and
//! Spanish the `Accept-Language` header asks for, else English. `type` and
//! `status` never change with the language. Sentences the code writes in
//! English (a conflict's or a refusal's reason) have a Spanish version when
//! they are known here, and the problem's general Spanish text otherwise;
//! none of them carries a submitted value.
//!
//! [`ApiError`]: super::ApiError

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use carethread_core::text::{CONTROL_REASON, INVISIBLE_REASON, SINGLE_LINE_REASON};
use carethread_core::user::Language;
use chrono::Utc;

use crate::AppState;
use crate::routes::Text;

/// A problem with its title and detail as Fluent messages and values, not yet in a language.
#[derive(Debug, Clone)]
pub struct ProblemText {
    pub(super) kind: String,
    pub(super) status: u16,
    pub(super) field: Option<String>,
    /// The title's message id.
    pub(super) title: &'static str,
    pub(super) detail: Detail,
}

/// How the detail is written.
#[derive(Debug, Clone)]
pub(super) enum Detail {
    /// A message of its own, with its values.
    Message(&'static str, Vec<(&'static str, String)>),
    /// A sentence the code wrote in English; `general` is the problem's
    /// general text, for a language the sentence has no version in.
    Sentence { english: String, general: &'static str },
    /// A field, and why it was refused (in English, from the code).
    Field { field: String, reason: String },
}

impl ProblemText {
    /// The problem body in `language`.
    #[must_use]
    pub fn problem(&self, language: Language) -> super::Problem {
        super::Problem {
            kind: self.kind.clone(),
            title: self.title(language),
            status: self.status,
            detail: self.detail(language),
            field: self.field.clone(),
        }
    }

    /// The title in `language`.
    #[must_use]
    pub fn title(&self, language: Language) -> String {
        Text(language).fill(self.title, &[])
    }

    /// The detail in `language`.
    #[must_use]
    pub fn detail(&self, language: Language) -> String {
        let text = Text(language);
        match &self.detail {
            Detail::Message(id, values) => {
                let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
                text.fill(id, &values)
            }
            Detail::Sentence { english, general } => match language {
                Language::En => english.clone(),
                Language::Es => SENTENCES
                    .iter()
                    .find(|(sentence, _)| sentence == english)
                    .map_or_else(|| text.fill(general, &[]), |(_, id)| text.fill(id, &[])),
            },
            Detail::Field { field, reason } => {
                let reason = match language {
                    Language::En => Some(reason.clone()),
                    Language::Es => reason_in(text, reason),
                };
                match reason {
                    Some(reason) => text.fill("problem-invalid_field-detail", &[("field", field), ("reason", &reason)]),
                    None => text.fill("problem-invalid_field-general", &[("field", field)]),
                }
            }
        }
    }
}

/// Sentences the code writes in English, and their messages.
const SENTENCES: [(&str, &str); 24] = [
    ("the request body is not valid JSON", "problem-sentence-not_json"),
    ("the request body could not be read", "problem-sentence-unreadable"),
    ("send the body as application/json", "problem-sentence-send_json"),
    ("send attachments as multipart/form-data", "problem-sentence-send_multipart"),
    ("the request body is too large", "problem-sentence-too_large"),
    ("the username or password is not correct", "problem-sentence-bad_credentials"),
    (
        "this account uses two-step sign-in: send the 6-digit code from your authenticator app as totp",
        "problem-sentence-code_needed",
    ),
    ("the code is not correct; codes change every 30 seconds", "problem-sentence-wrong_code"),
    ("that username (or record number) is taken", "problem-sentence-username_taken"),
    ("another patient already has that record number", "problem-sentence-mrn_taken"),
    ("a pool with that slug exists", "problem-sentence-pool_taken"),
    ("you already have access to this thread", "problem-sentence-already_open"),
    ("a reply was already sent from this draft", "problem-sentence-draft_used"),
    ("this conversation is closed; start a new message instead", "problem-sentence-closed"),
    ("the care team has turned off replies in this conversation", "problem-sentence-replies_off"),
    ("two-step sign-in is not on", "problem-sentence-mfa_off"),
    ("two-step sign-in is already on; turn it off first to enrol a new app", "problem-sentence-mfa_on"),
    ("there is no enrolment to confirm: enrol first", "problem-sentence-no_enrolment"),
    ("only administrators manage users, teams and pools", "problem-sentence-admins_only"),
    ("your role administers the clinic and does not read or send messages", "problem-sentence-admin_no_messages"),
    ("your access for this patient is read-only", "problem-sentence-read_only"),
    ("you may see this conversation but not do that", "problem-sentence-see_not_do"),
    ("only clinicians may break the glass", "problem-sentence-clinicians_only"),
    ("drafting is switched off for this clinic", "problem-sentence-drafting_off"),
];

/// Why a field was refused, in `text`'s language, for the reasons the
/// domain types and the JSON reader give; `None` for any other.
fn reason_in(text: Text, reason: &str) -> Option<String> {
    let fixed = [
        ("must not be empty", "problem-reason-empty"),
        ("is required", "problem-reason-required"),
        ("has the wrong type", "problem-reason-wrong_type"),
        ("is not a known field", "problem-reason-unknown_field"),
        ("is not valid", "problem-reason-not_valid"),
        (CONTROL_REASON, "problem-reason-control"),
        (SINGLE_LINE_REASON, "problem-reason-single_line"),
        (INVISIBLE_REASON, "problem-reason-invisible"),
    ];
    if let Some((_, id)) = fixed.iter().find(|(english, _)| *english == reason) {
        return Some(text.fill(id, &[]));
    }
    let number = |n: &str| n.parse::<u32>().is_ok();
    let chars = reason.strip_prefix("must be ").and_then(|r| r.strip_suffix(" characters"));
    if let Some(max) = chars.and_then(|r| r.strip_prefix("at most ")).filter(|n| number(n)) {
        return Some(text.fill("problem-reason-at_most", &[("max", max)]));
    }
    if let Some(min) = chars.and_then(|r| r.strip_prefix("at least ")).filter(|n| number(n)) {
        return Some(text.fill("problem-reason-at_least", &[("min", min)]));
    }
    if let Some((min, max)) = chars.and_then(|r| r.split_once(" to ")).filter(|(a, b)| number(a) && number(b)) {
        return Some(text.fill("problem-reason-between", &[("min", min), ("max", max)]));
    }
    if let Some(words) = reason.strip_prefix("must be one of: ") {
        return Some(
            text.fill("problem-reason-one_of", &[("values", &words.split(' ').collect::<Vec<_>>().join(", "))]),
        );
    }
    None
}

/// The language `Accept-Language` prefers among English and Spanish, if it names either.
#[must_use]
pub fn accepted_language(header: &str) -> Option<Language> {
    let mut best: Option<(f32, Language)> = None;
    for entry in header.split(',') {
        let mut parts = entry.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality =
            parts.filter_map(|p| p.trim().strip_prefix("q=")).find_map(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let Ok(language) = Language::parse(primary) else { continue };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, language));
        }
    }
    best.map(|(_, language)| language)
}

/// The signed-in user's language, if the request carries a session that stands.
/// A session that cannot be read (the database failing) is logged once, in
/// the request's span and so with its id, without the token or anything
/// about the person; the problem being answered keeps its status and is
/// written in the language the request accepts, since it already says
/// something went wrong and its cause must not be lost behind a second one.
async fn session_language(state: &AppState, headers: &HeaderMap) -> Option<Language> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let token = bearer
        .or_else(|| crate::extract::cookie_from_headers(headers, crate::auth::SESSION_COOKIE))
        .filter(|t| !t.is_empty() && t.len() <= 256)?;
    let app = state.app();
    let found = match carethread_app::sessions::lookup(&app, &crate::auth::token_hash(token)).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "reading the session to choose the problem's language failed");
            return None;
        }
    };
    let (session, user) = found?;
    carethread_app::sessions::stands(&session, &user, &app.settings, Utc::now()).then_some(user.language)
}

/// Rewrites a problem body in the caller's language (English bodies are
/// written by [`ApiError`](super::ApiError) itself) and says which in
/// `Content-Language`.
pub(crate) async fn speak_the_callers_language(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    // Only what choosing the language needs, kept past the handler.
    let mut headers = HeaderMap::new();
    for name in [header::AUTHORIZATION, header::COOKIE, header::ACCEPT_LANGUAGE] {
        for value in request.headers().get_all(&name) {
            headers.append(name.clone(), value.clone());
        }
    }
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    // What the framework refuses by itself (a path that is not UTF-8, say) is a problem too.
    let plain = response.extensions().get::<ProblemText>().is_none()
        && response.headers().get(header::CONTENT_TYPE).is_none_or(|v| v.as_bytes() != super::PROBLEM_JSON.as_bytes());
    if api
        && plain
        && let Some(error) = super::ApiError::for_status(response.status())
    {
        response = axum::response::IntoResponse::into_response(error);
    }
    let Some(text) = response.extensions_mut().remove::<ProblemText>() else { return response };
    let accepted = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(accepted_language);
    let language = match session_language(&state, &headers).await {
        Some(language) => language,
        None => accepted.unwrap_or(Language::En),
    };
    response.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(language.as_str()));
    if language == Language::En {
        return response;
    }
    if let Ok(bytes) = serde_json::to_vec(&text.problem(language)) {
        response.headers_mut().remove(header::CONTENT_LENGTH);
        *response.body_mut() = Body::from(bytes);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_of_english_and_spanish() {
        assert_eq!(accepted_language("es-MX,es;q=0.9,en;q=0.8"), Some(Language::Es));
        assert_eq!(accepted_language("fr-FR, en;q=0.5, es;q=0.7"), Some(Language::Es));
        assert_eq!(accepted_language("en-US,en;q=0.9"), Some(Language::En));
        assert_eq!(accepted_language("fr, de"), None);
        assert_eq!(accepted_language("es;q=0, en;q=0.1"), Some(Language::En));
        assert_eq!(accepted_language(""), None);
    }

    #[test]
    fn known_reasons_are_written_in_spanish_and_others_fall_back_to_the_general_text() {
        let text = Text(Language::Es);
        assert_eq!(
            reason_in(text, "must be at most 200 characters").as_deref(),
            Some("puede tener como máximo 200 caracteres")
        );
        assert_eq!(reason_in(text, "must be 3 to 64 characters").as_deref(), Some("debe tener de 3 a 64 caracteres"));
        assert_eq!(
            reason_in(text, "must be one of: open awaiting_patient closed").as_deref(),
            Some("debe ser uno de estos valores: open, awaiting_patient, closed")
        );
        assert_eq!(reason_in(text, "must be at most lots of characters"), None);
        let field = ProblemText {
            kind: "https://carethread.org/problems/invalid-field".into(),
            status: 422,
            field: Some("mrn".into()),
            title: "problem-invalid_field",
            detail: Detail::Field { field: "mrn".into(), reason: "something new".into() },
        };
        assert_eq!(field.detail(Language::Es), "el campo «mrn» no es válido");
        assert_eq!(field.detail(Language::En), "mrn something new");
    }

    #[test]
    fn every_known_sentence_has_spanish_that_differs_from_the_english() {
        for (english, id) in SENTENCES {
            let spanish = Text(Language::Es).fill(id, &[]);
            assert!(!spanish.is_empty() && spanish != english, "{id}");
            assert_eq!(Text(Language::En).fill(id, &[]), english, "{id}: the English message is the code's sentence");
        }
    }
}
