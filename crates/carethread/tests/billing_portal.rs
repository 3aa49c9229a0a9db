//! E-visit billing through the portal, on both backends: an administrator
//! turns it on; the compose page tells the patient and records her answer;
//! the clinician's thread page carries the running total, the attestation
//! form and the first-party activity script; billing staff's queue shows
//! the period without any message text and exports CSV, or FHIR
//! `ChargeItem`s and `Claim`s that `fhir.resources` accepts.

#[path = "support/fhir_check.rs"]
mod fhir_check;
mod support;

use carethread_app::billing::queue::{self, ClaimChoice};
use carethread_app::{App, Caller};
use carethread_core::clinic::ClinicSettings;
use carethread_core::ids::UserId;
use carethread_store::ClaimStatus;
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::json;
use support::browser::Browser;
use support::{backends, spawn};

#[tokio::test]
async fn the_clinic_bills_e_visits_from_the_portal_without_showing_billing_staff_any_message() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = Browser::sign_in(&app, "admin").await;
        let saved = admin
            .post(
                "/admin/billing",
                &[
                    ("enabled", "true"),
                    ("notice_en", "A message that needs medical evaluation may be billed to your insurance."),
                    ("notice_es", "Un mensaje que necesita evaluación médica puede facturarse a su seguro."),
                    ("payer", "other"),
                    ("idle_cutoff_seconds", "60"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{backend:?}: {}", saved.html);
        let refused = admin
            .post("/admin/billing", &[("enabled", "true"), ("payer", "other"), ("idle_cutoff_seconds", "60")])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: a notice is required");

        let alice = Browser::sign_in(&app, "patient.alice").await;
        let compose = alice.get("/compose").await;
        assert!(compose.html.contains("may be billed to your insurance"), "{backend:?}");
        assert!(compose.html.contains("name=\"billing_consent\"") && compose.html.contains("What is never billed"));
        let sent = alice
            .post_files(
                "/compose",
                &[
                    ("kind", "question"),
                    ("subject", "Itchy rash"),
                    ("body", "The rash on my arm itches at night."),
                    ("billing_consent", "agree"),
                ],
                &[],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{backend:?}");
        let thread = sent.location.trim_start_matches("/threads/").trim_end_matches("/sent").to_owned();
        let consent = alice.get("/billing/consent").await;
        assert!(consent.html.contains("You agreed to online visit charges"), "{backend:?}");

        let lee = Browser::sign_in(&app, "dr.lee").await;
        let page = lee.get(&format!("/threads/{thread}")).await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        assert!(page.html.contains("id=\"billing-activity\"") && page.html.contains("/static/billing-activity.js"));
        let script = lee.get("/static/billing-activity.js").await;
        assert!(script.status == StatusCode::OK && script.html.contains("X-CSRF-Token"), "{backend:?}");
        assert!(!script.html.contains("http://") && !script.html.contains("https://"), "no third-party code");
        let clerk = app.login("billing.ng").await;
        let facts = serde_json::json!({"first_visit_on": "2020-01-15", "surgical_global_until": null});
        let alice_id = app.id("patient.alice");
        let put = app
            .call(reqwest::Method::PUT, &format!("/api/v1/billing/patients/{alice_id}"), Some(&clerk), Some(facts))
            .await;
        assert_eq!(put.status, StatusCode::OK, "{backend:?}: an established patient");
        let token = app.login("dr.lee").await;
        let ping = app
            .post(&format!("/api/v1/threads/{thread}/activity"), &token, serde_json::json!({"kind": "reading"}))
            .await;
        assert_eq!(ping.status, StatusCode::NO_CONTENT, "{backend:?}");
        let page = lee.get(&format!("/threads/{thread}")).await;
        assert!(page.html.contains("Your time with this patient this period: 0 min"), "{backend:?}");
        let attested = lee
            .post(&format!("/threads/{thread}/billing-attest"), &[("purpose", "evaluation"), ("minutes", "6")])
            .await;
        assert_eq!(attested.status, StatusCode::SEE_OTHER, "{backend:?}: {}", attested.html);
        let patient_view = alice.get(&format!("/threads/{thread}")).await;
        assert!(patient_view.html.contains("This conversation is an online visit"), "{backend:?}");
        assert!(patient_view.html.contains("5–10 minutes total"), "{backend:?}: the code's plain meaning");

        let billing = Browser::sign_in(&app, "billing.ng").await;
        let queue = billing.get("/billing").await;
        assert_eq!(queue.status, StatusCode::OK, "{backend:?}");
        assert!(queue.html.contains("Alice") && queue.html.contains("period_open"), "{backend:?}");
        assert!(!queue.html.contains("itches") && !queue.html.contains("Itchy rash"), "{backend:?}: no message text");
        assert_eq!(billing.get(&format!("/threads/{thread}")).await.status, StatusCode::NOT_FOUND, "{backend:?}");
        let csv = billing.post("/billing/export", &[]).await;
        assert!(csv.content_type.starts_with("text/csv") && csv.html.starts_with("patient_id,"), "{backend:?}");
    }
}

#[tokio::test]
async fn the_billing_api_answers_each_role_its_part_and_refuses_bad_input_with_a_problem() {
    use reqwest::Method;
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let setup = json!({"enabled": true, "notice_en": "May be billed.", "notice_es": "Puede facturarse.",
                           "payer": "other", "idle_cutoff_seconds": 60});
        let on = app.call(Method::PUT, "/api/v1/billing/settings", Some(&admin), Some(setup.clone())).await;
        assert_eq!(on.status, StatusCode::OK, "{backend:?}");
        let mut bad = setup.clone();
        bad["payer"] = json!("someone");
        let refused = app.call(Method::PUT, "/api/v1/billing/settings", Some(&admin), Some(bad)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(refused.content_type.starts_with("application/problem+json"));
        bad = setup;
        bad["idle_cutoff_seconds"] = json!(5);
        let refused = app.call(Method::PUT, "/api/v1/billing/settings", Some(&admin), Some(bad)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");

        let alice = app.login("patient.alice").await;
        let shown = app.get("/api/v1/me/billing-consent", &alice).await;
        assert_eq!(
            (shown.body["billing_on"].as_bool(), shown.body["consent_current"].as_bool()),
            (Some(true), Some(false))
        );
        let agreed =
            app.call(Method::PUT, "/api/v1/me/billing-consent", Some(&alice), Some(json!({"choice": "agree"}))).await;
        assert_eq!(agreed.body["consent_current"], true, "{backend:?}");
        let odd =
            app.call(Method::PUT, "/api/v1/me/billing-consent", Some(&alice), Some(json!({"choice": "maybe"}))).await;
        assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        let thread = app.new_thread(&alice, "Sore knee", "My knee hurts when I climb stairs.").await;

        let lee = app.login("dr.lee").await;
        let early = app
            .call(
                Method::PUT,
                &format!("/api/v1/threads/{thread}/billing-attestation"),
                Some(&lee),
                Some(json!({"purpose": "evaluation"})),
            )
            .await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{backend:?}: nothing measured yet");
        let ping = json!({"kind": "typing"});
        let pinged =
            app.call(Method::POST, &format!("/api/v1/threads/{thread}/activity"), Some(&lee), Some(ping)).await;
        assert_eq!(pinged.status, StatusCode::NO_CONTENT);
        let time = app.get(&format!("/api/v1/threads/{thread}/billing-time"), &lee).await;
        assert!(time.body["period_start"].is_string(), "{backend:?}: {}", time.body);
        let wrong = app
            .call(
                Method::PUT,
                &format!("/api/v1/threads/{thread}/billing-attestation"),
                Some(&lee),
                Some(json!({"purpose": "chat"})),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");

        let clerk = app.login("billing.ng").await;
        let queue = app.get("/api/v1/billing/queue", &clerk).await;
        let periods = queue.body["periods"].as_array().expect("periods");
        assert_eq!(periods.len(), 1, "{backend:?}");
        let period = periods[0]["period"].as_str().expect("period").to_owned();
        assert!(periods[0]["exclusions"].as_array().is_some_and(|e| e.iter().any(|x| x == "period_open")));
        assert!(!queue.body.to_string().contains("knee hurts"), "{backend:?}: no message text");
        let approve = app
            .call(
                Method::PUT,
                &format!("/api/v1/billing/periods/{period}"),
                Some(&clerk),
                Some(json!({"status": "approved"})),
            )
            .await;
        assert_eq!(approve.status, StatusCode::CONFLICT, "{backend:?}: an open, unattested period does not bill");
        let on_hold = json!({"status": "held", "reason": "waiting for the week to end"});
        let held =
            app.call(Method::PUT, &format!("/api/v1/billing/periods/{period}"), Some(&clerk), Some(on_hold)).await;
        assert_eq!(held.body["status"], "held", "{backend:?}");
        let csv = app.call(Method::POST, "/api/v1/billing/export", Some(&clerk), None).await;
        assert!(csv.content_type.starts_with("text/csv"), "{backend:?}");
        assert_eq!(String::from_utf8_lossy(&csv.raw).lines().count(), 1, "{backend:?}: nothing approved");
    }
}

/// An attested online visit by Dr. Lee for Alice, whose week is over by
/// `later`, approved by billing staff through the application layer (the
/// API has no clock to move): the period it made.
async fn approved_claim(app: &support::TestApp, later: DateTime<Utc>) {
    use reqwest::Method;
    let admin = app.login("admin").await;
    let setup = json!({"enabled": true, "notice_en": "May be billed.", "notice_es": "Puede facturarse.",
                       "payer": "other", "idle_cutoff_seconds": 60});
    let on = app.call(Method::PUT, "/api/v1/billing/settings", Some(&admin), Some(setup)).await;
    assert_eq!(on.status, StatusCode::OK);
    let alice = app.login("patient.alice").await;
    let agreed =
        app.call(Method::PUT, "/api/v1/me/billing-consent", Some(&alice), Some(json!({"choice": "agree"}))).await;
    assert_eq!(agreed.status, StatusCode::OK);
    let thread = app.new_thread(&alice, "Itchy rash", "The rash on my arm itches at night.").await;
    let clerk = app.login("billing.ng").await;
    let facts = json!({"first_visit_on": "2020-01-15", "surgical_global_until": null});
    let alice_id = app.id("patient.alice");
    let put = app.call(Method::PUT, &format!("/api/v1/billing/patients/{alice_id}"), Some(&clerk), Some(facts)).await;
    assert_eq!(put.status, StatusCode::OK);
    let lee = app.login("dr.lee").await;
    let ping = json!({"kind": "reading"});
    let pinged = app.call(Method::POST, &format!("/api/v1/threads/{thread}/activity"), Some(&lee), Some(ping)).await;
    assert_eq!(pinged.status, StatusCode::NO_CONTENT);
    let attest = json!({"purpose": "evaluation", "minutes": 7});
    let attested =
        app.call(Method::PUT, &format!("/api/v1/threads/{thread}/billing-attestation"), Some(&lee), Some(attest)).await;
    assert_eq!(attested.status, StatusCode::OK, "{}", attested.body);

    let worker = App::new(app.store.clone(), ClinicSettings::default());
    let clerk_id: UserId = app.id("billing.ng").parse().expect("id");
    let user = app.store.user(clerk_id).await.expect("read").expect("billing.ng");
    let caller = Caller { user, client: None };
    let rows = queue::queue_at(&worker, &caller, later).await.expect("queue");
    let row = rows.iter().find(|r| r.key.patient.to_string() == alice_id).expect("Alice's period");
    let approve = ClaimChoice { status: ClaimStatus::Approved, reason: None };
    queue::decide_claim_at(&worker, &caller, row.key, approve, later).await.expect("approve");
}

#[carethread_test_services::needs(fhir)]
#[tokio::test]
async fn an_approved_claim_leaves_once_as_a_valid_fhir_charge_item_and_claim() {
    use reqwest::Method;
    let python = std::env::var("CARETHREAD_TEST_FHIR").expect("CARETHREAD_TEST_FHIR names a python");
    for backend in backends() {
        let app = spawn(backend).await;
        approved_claim(&app, Utc::now() + TimeDelta::days(8)).await;
        let clerk = app.login("billing.ng").await;
        let odd = app.call(Method::POST, "/api/v1/billing/export?format=xml", Some(&clerk), None).await;
        assert_eq!((odd.status, odd.body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("format")));
        assert!(odd.content_type.starts_with("application/problem+json"), "{backend:?}");
        let lee = app.login("dr.lee").await;
        let refused = app.call(Method::POST, "/api/v1/billing/export?format=fhir", Some(&lee), None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}: billing staff only");

        let fhir = app.call(Method::POST, "/api/v1/billing/export?format=fhir", Some(&clerk), None).await;
        assert_eq!(fhir.status, StatusCode::OK, "{backend:?}: {}", fhir.body);
        assert!(fhir.content_type.starts_with("application/fhir+json"), "{backend:?}");
        let text = fhir.body.to_string();
        assert!(!text.contains("itches") && !text.contains("Itchy rash"), "{backend:?}: no message text");
        let resources: Vec<serde_json::Value> =
            fhir.body["entry"].as_array().expect("entries").iter().map(|e| e["resource"].clone()).collect();
        let kinds: Vec<&str> = resources.iter().filter_map(|r| r["resourceType"].as_str()).collect();
        assert_eq!(kinds, ["ChargeItem", "Claim"], "{backend:?}");
        assert_eq!(resources[1]["item"][0]["productOrService"]["coding"][0]["code"], "99421", "{backend:?}");
        assert_eq!(resources[1]["patient"]["reference"], format!("Patient/{}", app.id("patient.alice")));
        assert_eq!(resources[0]["performer"][0]["actor"]["reference"], format!("Practitioner/{}", app.id("dr.lee")));
        let mut all = resources.clone();
        all.push(fhir.body.clone());
        fhir_check::validate(&python, &all);

        // Exported once: neither format gives it again, from the API or the portal.
        let again = app.call(Method::POST, "/api/v1/billing/export?format=fhir", Some(&clerk), None).await;
        assert_eq!((again.status, again.body.get("entry")), (StatusCode::OK, None), "{backend:?}");
        let billing = Browser::sign_in(&app, "billing.ng").await;
        let page = billing.get("/billing").await;
        assert!(page.html.contains("value=\"fhir\"") && page.html.contains("Exported"), "{backend:?}");
        let portal = billing.post("/billing/export", &[("format", "fhir")]).await;
        assert!(portal.content_type.starts_with("application/fhir+json"), "{backend:?}: {}", portal.html);
        assert!(portal.html.contains("\"collection\"") && !portal.html.contains("\"entry\""), "{backend:?}");
        let csv = billing.post("/billing/export", &[("format", "csv")]).await;
        assert_eq!(csv.html.lines().count(), 1, "{backend:?}: the header alone");
    }
}

#[tokio::test]
async fn a_visit_about_the_problem_is_recorded_from_the_thread_page_or_over_json() {
    use reqwest::Method;
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let setup = json!({"enabled": true, "notice_en": "May be billed.", "notice_es": "Puede facturarse.",
                           "payer": "other", "idle_cutoff_seconds": 60});
        assert_eq!(
            app.call(Method::PUT, "/api/v1/billing/settings", Some(&admin), Some(setup)).await.status,
            StatusCode::OK
        );
        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Sore knee", "My knee hurts when I climb stairs.").await;
        let day = (Utc::now() - TimeDelta::days(2)).date_naive().to_string();
        let path = format!("/api/v1/threads/{thread}/recorded-visits");

        let lee = app.login("dr.lee").await;
        let recorded = app.call(Method::POST, &path, Some(&lee), Some(json!({"visited_on": day}))).await;
        assert_eq!((recorded.status, recorded.body["visited_on"].as_str()), (StatusCode::CREATED, Some(day.as_str())));
        for (body, field) in
            [(json!({"visited_on": "2999-01-01"}), "visited_on"), (json!({"visited_on": "soon"}), "visited_on")]
        {
            let refused = app.call(Method::POST, &path, Some(&lee), Some(body)).await;
            assert_eq!(
                (refused.status, refused.body["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field))
            );
        }
        let clerk = app.login("billing.ng").await;
        let refused = app.call(Method::POST, &path, Some(&clerk), Some(json!({"visited_on": day}))).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}: billing staff do not read threads");

        let portal = Browser::sign_in(&app, "dr.lee").await;
        let page = portal.get(&format!("/threads/{thread}")).await;
        assert!(page.html.contains("A visit about this") && page.html.contains("/visit-recorded"), "{backend:?}");
        let posted = portal.post(&format!("/threads/{thread}/visit-recorded"), &[("visited_on", &day)]).await;
        assert_eq!(posted.status, StatusCode::SEE_OTHER, "{backend:?}: {}", posted.html);
        let future = portal.post(&format!("/threads/{thread}/visit-recorded"), &[("visited_on", "2999-01-01")]).await;
        assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        let patient = Browser::sign_in(&app, "patient.alice").await;
        assert!(!patient.get(&format!("/threads/{thread}")).await.html.contains("/visit-recorded"), "{backend:?}");
    }
}
