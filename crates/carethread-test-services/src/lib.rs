//! `#[needs(postgres)]` (or `clamd`, `llm`, `browser`, `smtp`, `fhir`) on a test: when the
//! service's variable (`CARETHREAD_TEST_POSTGRES`, …) was not set as the tests
//! were built, the test is marked `#[ignore = "needs PostgreSQL: set …"]`, so
//! `cargo test` reports it as ignored with the reason instead of counting a
//! test that never ran as passed. With the variable set, the test is
//! unchanged and runs. `.ci/run` sets every variable and fails if anything
//! was ignored.
//!
//! Put it above the test attribute:
//!
//! ```text
//! #[needs(postgres)]
//! #[tokio::test]
//! async fn an_event_posted_on_one_server_reaches_a_client_of_another() { … }
//! ```

use proc_macro::TokenStream;

mod services;

use services::SERVICES;

/// Marks the test ignored, naming the missing service, unless it is configured.
#[proc_macro_attribute]
pub fn needs(service: TokenStream, test: TokenStream) -> TokenStream {
    let name = service.to_string();
    let Some(found) = SERVICES.iter().find(|s| s.name == name.trim()) else {
        let known: Vec<&str> = SERVICES.iter().map(|s| s.name).collect();
        let message = format!("unknown test service `{name}`: use one of {}", known.join(", "));
        return format!("compile_error!({message:?});").parse().unwrap_or_default();
    };
    if configured(found.cfg) {
        return test;
    }
    let reason = format!("needs {}: set {}={}", found.what, found.variable, found.example);
    let mut out: TokenStream = format!("#[ignore = {reason:?}]").parse().unwrap_or_default();
    out.extend(test);
    out
}

/// Whether the build script found the service's variable set.
fn configured(cfg: &str) -> bool {
    const FOUND: [(&str, bool); 6] = [
        ("carethread_test_postgres", cfg!(carethread_test_postgres)),
        ("carethread_test_clamd", cfg!(carethread_test_clamd)),
        ("carethread_test_llm", cfg!(carethread_test_llm)),
        ("carethread_test_browser", cfg!(carethread_test_browser)),
        ("carethread_test_smtp", cfg!(carethread_test_smtp)),
        ("carethread_test_fhir", cfg!(carethread_test_fhir)),
    ];
    FOUND.iter().any(|(name, set)| *name == cfg && *set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_names_its_variable_and_a_cfg_the_attribute_reads() {
        for service in &SERVICES {
            assert!(
                service.variable.starts_with("CARETHREAD_TEST_") && !service.example.is_empty(),
                "{}",
                service.name
            );
            assert!(service.cfg.starts_with("carethread_test_"), "{}", service.name);
            // An unknown cfg would read as "never configured": every test ignored for good.
            let known = matches!(
                service.cfg,
                "carethread_test_postgres"
                    | "carethread_test_clamd"
                    | "carethread_test_llm"
                    | "carethread_test_browser"
                    | "carethread_test_smtp"
                    | "carethread_test_fhir"
            );
            assert!(known, "{} has no arm in `configured`", service.cfg);
        }
    }
}
