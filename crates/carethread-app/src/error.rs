//! `AppError`: why an operation did not happen, in the clinic's terms. The
//! server turns each variant into an HTTP status and problem body in one
//! place; the CLI and background jobs report them as they are.

use carethread_core::DomainError;
use carethread_core::attachment::UploadRefused;
use carethread_core::thread::ReplyRefused;
use carethread_store::StoreError;

/// An operation that did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such thing, or one the caller may not know exists (another
    /// patient's record answers exactly like a missing one).
    #[error("not found")]
    NotFound,
    /// The caller may know the thing exists but may not do this to it; the
    /// text says why, without PHI.
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with the state of what it changes (a taken
    /// name, a thread that takes no replies).
    #[error("{0}")]
    Conflict(String),
    /// A field of the request is invalid: which one, and why (never its value).
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The message or a file is larger than the clinic accepts.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// A file has a type the clinic does not accept.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A file carries malware: refused, nothing stored.
    #[error("a file carries malware; nothing was stored")]
    Infected,
    /// The database is not answering; the caller may retry in a little while.
    #[error("the service is temporarily unavailable")]
    Unavailable,
    /// The database has no room to write: nothing was saved; the caller may
    /// retry once room is made.
    #[error("nothing could be saved for want of storage")]
    StorageFull,
    /// Sign-in refused; the text never says whether the user exists.
    #[error("{0}")]
    SignInRefused(String),
    /// The account uses two-step sign-in and no code (or a wrong one) was given.
    #[error("{0}")]
    SecondFactorRequired(String),
    /// Repeated failed sign-ins locked the account for `seconds` more.
    #[error("too many failed sign-ins: this account is locked for a while; try again in {seconds} seconds")]
    Locked { seconds: i64 },
    /// Another attempt on the same account is being checked; try again.
    #[error("too many attempts at once; wait a moment and try again")]
    TooManyAttempts,
    /// Anything else: the cause is for the log, never for the person.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The result of an operation.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// Shorthand for [`AppError::Invalid`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), reason: reason.into() }
    }

    /// Shorthand for [`AppError::Internal`].
    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(err))
    }
}

impl From<DomainError> for AppError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Invalid { field, reason } => AppError::Invalid { field: field.0.to_owned(), reason },
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(what) => AppError::Conflict(format!("{what} already exists")),
            StoreError::Missing(_) => AppError::NotFound,
            StoreError::IdempotencyMismatch => AppError::invalid(
                "Idempotency-Key",
                "was already used for a different request; use a new key for a new message",
            ),
            // A commit that failed is a write that failed: most often for want of room.
            StoreError::CommitFailed => AppError::StorageFull,
            StoreError::StorageFull(cause) => {
                tracing::warn!(error = %cause, "write refused: the database has no room");
                AppError::StorageFull
            }
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                AppError::Unavailable
            }
            other => AppError::internal(other),
        }
    }
}

impl From<ReplyRefused> for AppError {
    fn from(err: ReplyRefused) -> Self {
        AppError::Conflict(err.to_string())
    }
}

impl From<UploadRefused> for AppError {
    fn from(err: UploadRefused) -> Self {
        match err {
            UploadRefused::TooLarge { .. } => AppError::PayloadTooLarge(err.to_string()),
            UploadRefused::UnsupportedType => AppError::UnsupportedMediaType(err.to_string()),
            UploadRefused::Empty | UploadRefused::TooMany { .. } => AppError::invalid("file", err.to_string()),
        }
    }
}
