//! Validation errors raised when outside input is parsed into domain values.

use std::fmt;

/// The input field a validation error refers to, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field(pub &'static str);

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Why a value from outside could not become a domain value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The field's value breaks a rule; `reason` is safe to show to the user
    /// and never repeats the submitted value (it may be PHI).
    #[error("{field}: {reason}")]
    Invalid { field: Field, reason: String },
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid { field: Field(field), reason: reason.into() }
    }

    /// The field the error is about.
    #[must_use]
    pub fn field(&self) -> &'static str {
        match self {
            Self::Invalid { field, .. } => field.0,
        }
    }

    /// Why the value was refused, without the field's name.
    #[must_use]
    pub fn reason(&self) -> &str {
        match self {
            Self::Invalid { reason, .. } => reason,
        }
    }
}
