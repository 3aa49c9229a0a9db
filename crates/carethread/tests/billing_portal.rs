//! E-visit billing through the portal, on both backends: an administrator
//! turns it on; the compose page tells the patient and records her answer;
//! the clinician's thread page carries the running total, the attestation
//! form and the first-party activity script; billing staff's queue shows
//! the period without any message text and exports CSV.

mod support;

use reqwest::StatusCode;
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
    use serde_json::json;
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
