//! The outside services some tests need, shared by the build script (which
//! reads the environment) and the attribute (which reads the result).

/// A service a test may need.
pub struct Service {
    /// The name used in `#[needs(name)]`.
    pub name: &'static str,
    /// The environment variable that configures it for the tests.
    pub variable: &'static str,
    /// The `cfg` the build script sets when the variable is set and not empty.
    pub cfg: &'static str,
    /// What is missing, in the reason `cargo test` prints.
    pub what: &'static str,
    /// A value for the variable, in the reason.
    pub example: &'static str,
}

pub const SERVICES: [Service; 6] = [
    Service {
        name: "postgres",
        variable: "CARETHREAD_TEST_POSTGRES",
        cfg: "carethread_test_postgres",
        what: "PostgreSQL",
        example: "postgres://postgres@127.0.0.1:5432/postgres",
    },
    Service {
        name: "clamd",
        variable: "CARETHREAD_TEST_CLAMD",
        cfg: "carethread_test_clamd",
        what: "clamd",
        example: "tcp:127.0.0.1:3310",
    },
    Service {
        name: "llm",
        variable: "CARETHREAD_TEST_LLM",
        cfg: "carethread_test_llm",
        what: "an OpenAI-compatible model server",
        example: "http://127.0.0.1:18765/v1",
    },
    Service {
        name: "browser",
        variable: "CARETHREAD_TEST_BROWSER",
        cfg: "carethread_test_browser",
        what: "Chromium, node and the npm packages of tests/browser",
        example: "1",
    },
    Service {
        name: "smtp",
        variable: "CARETHREAD_TEST_SMTP",
        cfg: "carethread_test_smtp",
        what: "a Python with aiosmtpd (a real SMTP server)",
        example: "/opt/carethread-smtp/bin/python",
    },
    Service {
        name: "fhir",
        variable: "CARETHREAD_TEST_FHIR",
        cfg: "carethread_test_fhir",
        what: "a Python with fhir.resources 6.4 (FHIR R4 models), fhirpy, PyJWT and cryptography",
        example: "/opt/carethread-fhir/bin/python",
    },
];
