//! Errors as FHIR `OperationOutcome`.

use serde_json::{Value, json};

/// The FHIR issue types CareThread answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueCode {
    /// A search parameter or id could not be read (400).
    Invalid,
    /// No valid session (401).
    Login,
    /// The role may not do this (403).
    Forbidden,
    /// No such resource, or one the caller may not know exists (404).
    NotFound,
    /// The interaction is not supported (405).
    NotSupported,
    /// A search too wide to answer; narrow it (400).
    TooCostly,
    /// Try again later (429, 503).
    Transient,
    /// Anything else (500).
    Exception,
}

impl IssueCode {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            IssueCode::Invalid => "invalid",
            IssueCode::Login => "login",
            IssueCode::Forbidden => "forbidden",
            IssueCode::NotFound => "not-found",
            IssueCode::NotSupported => "not-supported",
            IssueCode::TooCostly => "too-costly",
            IssueCode::Transient => "transient",
            IssueCode::Exception => "exception",
        }
    }

    /// The issue type for an HTTP error status.
    #[must_use]
    pub const fn for_status(status: u16) -> Self {
        match status {
            401 => IssueCode::Login,
            403 => IssueCode::Forbidden,
            404 | 410 => IssueCode::NotFound,
            405 => IssueCode::NotSupported,
            429 | 503 => IssueCode::Transient,
            400..=499 => IssueCode::Invalid,
            _ => IssueCode::Exception,
        }
    }
}

/// An `OperationOutcome` with one error. `diagnostics` is shown to the
/// caller: it must never carry PHI.
#[must_use]
pub fn operation_outcome(code: IssueCode, diagnostics: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": "error", "code": code.as_str(), "diagnostics": diagnostics }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_issue_types() {
        assert_eq!(IssueCode::for_status(404), IssueCode::NotFound);
        assert_eq!(IssueCode::for_status(401), IssueCode::Login);
        assert_eq!(IssueCode::for_status(422), IssueCode::Invalid);
        assert_eq!(IssueCode::for_status(500), IssueCode::Exception);
        let o = operation_outcome(IssueCode::Invalid, "_count: must be 1 to 100");
        assert_eq!(o["issue"][0]["code"], "invalid");
        assert_eq!(o["issue"][0]["severity"], "error");
    }
}
