//! `ApiError`: the one place errors become HTTP responses. Every failure is an
//! RFC 9457 `application/problem+json` body. What the user reads (`detail`) is
//! kept apart from the cause, which is logged once here and never sent. The
//! title and detail are Fluent messages, written in the caller's language
//! ([`text`]).

mod text;

pub(crate) use text::speak_the_callers_language;
pub use text::{ProblemText, accepted_language};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use carethread_app::AppError;
use carethread_core::DomainError;
use carethread_core::attachment::UploadRefused;
use carethread_core::thread::ReplyRefused;
use carethread_core::user::Language;
use carethread_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer from the API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be read (e.g. malformed JSON).
    #[error("{0}")]
    BadRequest(String),
    /// No valid session.
    #[error("sign in to continue")]
    Unauthenticated,
    /// Sign-in refused; the message never says whether the user exists.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but this role may not do this (used only where existence is no secret).
    #[error("{0}")]
    Forbidden(String),
    /// No such resource, or one the caller may not know exists.
    #[error("not found")]
    NotFound,
    /// The route exists but not with this method.
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    /// The request conflicts with the resource's state.
    #[error("{0}")]
    Conflict(String),
    /// The body or a file is too large.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body or a file has a type CareThread does not accept.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A field is invalid; names the field.
    #[error("{field}: {detail}")]
    Invalid { field: String, detail: String },
    /// The account's clinic requires a second factor and the user has not enrolled.
    #[error("your clinic requires two-step sign-in: enrol an authenticator app (POST /api/v1/mfa/enrol) to continue")]
    MfaEnrolmentRequired,
    /// The account uses a second factor and none (or a wrong one) was given.
    #[error("{0}")]
    MfaRequired(String),
    /// The account is locked after repeated failed sign-ins.
    #[error("too many failed sign-ins: this account is locked for a while; try again in {0} seconds")]
    Locked(i64),
    /// Too many requests from this address.
    #[error("too many attempts from your network address; wait a minute and try again")]
    TooManyRequests,
    /// The database is not answering.
    #[error("the service is temporarily unavailable")]
    Unavailable,
    /// The database has no room to write (a full disk): nothing was saved.
    #[error(
        "nothing could be saved just now because the server is short of storage; nothing was changed, so please try again in a few minutes"
    )]
    StorageFull,
    /// A file carries a virus or other malware: refused, and nothing stored.
    #[error(
        "a file you attached contains a virus or other malware, so nothing was sent; check your device for viruses, then attach a clean copy"
    )]
    Infected,
    /// Files cannot be checked for viruses right now: nothing is stored unscanned.
    #[error("files cannot be checked for viruses right now, so nothing was sent; please try again in a few minutes")]
    ScannerUnavailable,
    /// Anything else: logged in full, answered opaquely.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For 422: the request field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), detail: detail.into() }
    }

    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(err))
    }

    /// The error for an answer the framework gave by itself with `status`
    /// (an extractor's refusal), so the API answers it as a problem too.
    #[must_use]
    pub fn for_status(status: StatusCode) -> Option<Self> {
        Some(match status {
            StatusCode::BAD_REQUEST => ApiError::BadRequest("the request could not be read".to_owned()),
            StatusCode::NOT_FOUND => ApiError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge("the request body is too large".to_owned()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ApiError::UnsupportedMediaType("send the body as application/json".to_owned())
            }
            StatusCode::UNPROCESSABLE_ENTITY => ApiError::invalid("body", "is not valid"),
            _ => return None,
        })
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated | ApiError::Unauthorized(_) | ApiError::MfaRequired(_) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Forbidden(_) | ApiError::MfaEnrolmentRequired => StatusCode::FORBIDDEN,
            ApiError::Locked(_) | ApiError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid { .. } | ApiError::Infected => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable | ApiError::StorageFull | ApiError::ScannerUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad-request",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Unauthorized(_) => "sign-in-failed",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::MfaEnrolmentRequired => "mfa-enrolment-required",
            ApiError::MfaRequired(_) => "mfa-required",
            ApiError::Locked(_) => "account-locked",
            ApiError::TooManyRequests => "too-many-requests",
            ApiError::NotFound => "not-found",
            ApiError::MethodNotAllowed => "method-not-allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge(_) => "payload-too-large",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::Invalid { .. } => "invalid-field",
            ApiError::Unavailable => "unavailable",
            ApiError::StorageFull => "storage-full",
            ApiError::Infected => "infected-file",
            ApiError::ScannerUnavailable => "scanner-unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The problem body for this error, in English.
    #[must_use]
    pub fn problem(&self) -> Problem {
        self.problem_text().problem(Language::En)
    }

    /// The problem as Fluent messages (`problem-<slug>` titles), ready for any language.
    #[must_use]
    pub fn problem_text(&self) -> ProblemText {
        use text::Detail::{Field, Message, Sentence};
        let slug = self.slug();
        let message = |id| Message(id, Vec::new());
        let sentence = |english: &String, general| Sentence { english: english.clone(), general };
        let (title, detail) = match self {
            ApiError::BadRequest(why) => ("problem-bad_request", sentence(why, "problem-bad_request-detail")),
            ApiError::Unauthenticated => ("problem-unauthenticated", message("problem-unauthenticated-detail")),
            ApiError::Unauthorized(why) => ("problem-sign_in_failed", sentence(why, "problem-sign_in_failed-detail")),
            ApiError::Forbidden(why) => ("problem-forbidden", sentence(why, "problem-forbidden-detail")),
            ApiError::NotFound => ("problem-not_found", message("problem-not_found-detail")),
            ApiError::MethodNotAllowed => ("problem-method_not_allowed", message("problem-method_not_allowed-detail")),
            ApiError::Conflict(why) => ("problem-conflict", sentence(why, "problem-conflict-detail")),
            ApiError::PayloadTooLarge(why) => {
                ("problem-payload_too_large", sentence(why, "problem-payload_too_large-detail"))
            }
            ApiError::UnsupportedMediaType(why) => {
                ("problem-unsupported_media_type", sentence(why, "problem-unsupported_media_type-detail"))
            }
            ApiError::Invalid { field, detail } => {
                ("problem-invalid_field", Field { field: field.clone(), reason: detail.clone() })
            }
            ApiError::MfaEnrolmentRequired => {
                ("problem-mfa_enrolment_required", message("problem-mfa_enrolment_required-detail"))
            }
            ApiError::MfaRequired(why) => ("problem-mfa_required", sentence(why, "problem-mfa_required-detail")),
            ApiError::Locked(seconds) => (
                "problem-account_locked",
                Message("problem-account_locked-detail", vec![("seconds", seconds.to_string())]),
            ),
            ApiError::TooManyRequests => ("problem-too_many_requests", message("problem-too_many_requests-detail")),
            ApiError::Unavailable => ("problem-unavailable", message("problem-unavailable-detail")),
            ApiError::StorageFull => ("problem-storage_full", message("problem-storage_full-detail")),
            ApiError::Infected => ("problem-infected_file", message("problem-infected_file-detail")),
            ApiError::ScannerUnavailable => {
                ("problem-scanner_unavailable", message("problem-scanner_unavailable-detail"))
            }
            ApiError::Internal(_) => ("problem-internal", message("problem-internal-detail")),
        };
        let field = match self {
            ApiError::Invalid { field, .. } => Some(field.clone()),
            ApiError::Infected => Some("file".to_owned()),
            _ => None,
        };
        ProblemText {
            kind: format!("https://carethread.org/problems/{slug}"),
            status: self.status().as_u16(),
            field,
            title,
            detail,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The one place an internal cause is logged (unavailability is logged
        // with its cause where it is detected); never PHI (store and domain
        // errors do not carry submitted values).
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = %cause, source = ?cause.source(), "request failed");
        }
        let status = self.status();
        let text = self.problem_text();
        let body = serde_json::to_vec(&text.problem(Language::En)).unwrap_or_default();
        let mut response = (status, body).into_response();
        // Rewritten in the caller's language on the way out (`speak_the_callers_language`).
        response.extensions_mut().insert(text);
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        let retry = match &self {
            ApiError::Locked(seconds) => Some(seconds.to_string()),
            ApiError::TooManyRequests | ApiError::StorageFull => Some("60".to_owned()),
            ApiError::Unavailable | ApiError::ScannerUnavailable => Some("30".to_owned()),
            _ => None,
        };
        if matches!(self, ApiError::StorageFull) {
            response.extensions_mut().insert(crate::write_health::WritesFailing);
        }
        if let Some(value) = retry.and_then(|r| HeaderValue::from_str(&r).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// The one map from the application layer's errors to HTTP answers.
impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound => ApiError::NotFound,
            AppError::Forbidden(why) => ApiError::Forbidden(why),
            AppError::Conflict(why) => ApiError::Conflict(why),
            AppError::Invalid { field, reason } => ApiError::Invalid { field, detail: reason },
            AppError::PayloadTooLarge(why) => ApiError::PayloadTooLarge(why),
            AppError::UnsupportedMediaType(why) => ApiError::UnsupportedMediaType(why),
            AppError::Infected => ApiError::Infected,
            AppError::Unavailable => ApiError::Unavailable,
            AppError::StorageFull => ApiError::StorageFull,
            AppError::SignInRefused(why) => ApiError::Unauthorized(why),
            AppError::SecondFactorRequired(why) => ApiError::MfaRequired(why),
            AppError::Locked { seconds } => ApiError::Locked(seconds),
            AppError::TooManyAttempts => ApiError::TooManyRequests,
            AppError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        AppError::from(err).into()
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        AppError::from(err).into()
    }
}

impl From<ReplyRefused> for ApiError {
    fn from(err: ReplyRefused) -> Self {
        AppError::from(err).into()
    }
}

impl From<UploadRefused> for ApiError {
    fn from(err: UploadRefused) -> Self {
        AppError::from(err).into()
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
