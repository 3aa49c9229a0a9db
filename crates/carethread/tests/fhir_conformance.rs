//! A real FHIR client against the running server, on both databases:
//! `fhir_conformance.py` (fhirpy, `PyJWT`, fhir.resources' R4 models)
//! imports an EHR's onboarding Bundle twice (each person once), registers a
//! system, gets a SMART Backend Services token with a JWT it signs, reads,
//! searches following `next` links, creates Communications, exports in bulk
//! (the NDJSON files), is refused outside its scopes, and validates every
//! resource it received.

mod support;

use std::process::Command;

use support::{backends, spawn};

#[carethread_test_services::needs(fhir)]
#[tokio::test]
async fn a_real_fhir_client_reads_searches_writes_and_is_held_to_its_scopes() {
    let python = std::env::var("CARETHREAD_TEST_FHIR").expect("CARETHREAD_TEST_FHIR names a python");
    let suite = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fhir_conformance.py");
    let onboarding = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/onboarding-bundle.json");
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        app.new_thread(&alice, "Refill", "I am almost out of my blood pressure pills").await;
        let admin = app.login("admin").await;
        let patient = app.id("patient.alice");
        let args: Vec<String> = vec![
            "--base".into(),
            app.base.clone(),
            "--admin-token".into(),
            admin,
            "--patient".into(),
            patient,
            "--onboarding".into(),
            onboarding.into(),
        ];
        // The server's outbox worker, as `serve` runs one (bulk exports are its jobs).
        let worker = carethread_app::App::new(app.store.clone(), support::test_settings());
        let jobs = tokio::spawn(async move {
            loop {
                carethread_app::jobs::run_due(&worker, chrono::Utc::now()).await;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        });
        // The suite calls this server: it runs apart from the runtime serving it.
        let out = tokio::task::spawn_blocking({
            let python = python.clone();
            move || Command::new(python).arg(suite).args(args).output()
        });
        let out = out.await.expect("join").expect("run the conformance suite");
        jobs.abort();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{backend:?}: the FHIR conformance suite failed:\n{stdout}\n{stderr}");
        assert!(stdout.contains("resources received and validated"), "{stdout}");
    }
}
