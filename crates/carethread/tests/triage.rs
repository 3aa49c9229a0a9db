//! Triage in the product, over real HTTP against a real database (SQLite and,
//! when `CARETHREAD_TEST_POSTGRES` is set, PostgreSQL): emergencies answered
//! and raised, re-triage recorded and counted, routing and the classifier
//! switch in the admin's hands.

mod support;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{backends, spawn};

#[tokio::test]
async fn an_emergency_in_a_routine_thread_gets_its_notice_and_tops_the_nurse_in_basket() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let nurse = app.login("rn.kim").await;
        let refill = app.new_thread(&alice, "Refill", "Please refill my lisinopril at the usual pharmacy.").await;
        let opened = app.get(&format!("/api/v1/threads/{refill}"), &alice).await;
        assert_eq!(opened.body["urgency"], "routine");
        assert!(opened.body["triage"].is_null(), "triage is the care team's working information");
        let mut staff_events = app.events(&nurse).await;
        let mut patient_events = app.events(&alice).await;

        let sent = app
            .post(
                &format!("/api/v1/threads/{refill}/messages"),
                &alice,
                json!({"body": "Also my chest feels tight since this morning and my left arm is numb."}),
            )
            .await;
        assert_eq!(sent.status, StatusCode::CREATED);
        assert!(sent.body["safety_notice"]["message"].as_str().expect("notice").contains("911"));

        staff_events.expect("message.created", &refill).await;
        staff_events.expect("alert.emergency", &refill).await;
        patient_events.expect("message.created", &refill).await;
        let more = patient_events.next(Duration::from_millis(500)).await;
        assert!(more.is_none_or(|(kind, _)| kind != "alert.emergency"), "patients get the notice, not the alert");

        let basket = app.get("/api/v1/threads", &nurse).await;
        let first = &basket.body["threads"][0];
        assert_eq!(first["id"], refill.as_str(), "the emergency is at the top of the nurse in-basket");
        assert_eq!(first["urgency"], "emergency");
        assert_eq!(first["pool"]["slug"], "nurse-triage", "emergencies move to the pool that answers them");
        let detail = app.get(&format!("/api/v1/threads/{refill}"), &nurse).await;
        let reasons = detail.body["triage"]["reasons"].as_array().expect("reasons");
        assert!(reasons.iter().any(|r| r.as_str().is_some_and(|r| r.starts_with("red flag: chest pain"))));
        assert_eq!(detail.body["triage"]["model"]["id"], "carethread-triage");
        let metrics = app.call(Method::GET, "/metrics", None, None).await;
        let text = String::from_utf8_lossy(&metrics.raw);
        assert!(text.contains("carethread_triage_emergencies_total 1"), "{text}");
    }
}

#[tokio::test]
async fn staff_re_triage_is_stored_with_who_and_when_and_counted() {
    for backend in backends() {
        let app = spawn(backend).await;
        let bob = app.login("patient.bob").await;
        let doctor = app.login("dr.lee").await;
        let admin = app.login("admin").await;
        let thread = app.new_thread(&bob, "Question", "I have had a cough for a week, is that ok?").await;
        let url = format!("/api/v1/threads/{thread}/triage");

        let by_patient = app.post(&url, &bob, json!({"urgency": "urgent"})).await;
        assert_eq!(by_patient.status, StatusCode::FORBIDDEN);
        let bad = app.post(&url, &doctor, json!({"urgency": "soon"})).await;
        assert_eq!((bad.status, bad.body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("urgency")));
        let no_pool = app.post(&url, &doctor, json!({"pool": "nowhere"})).await;
        assert_eq!((no_pool.status, no_pool.body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("pool")));
        let nothing = app.post(&url, &doctor, json!({"note": "just a note"})).await;
        assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
        let before = app.get(&format!("/api/v1/threads/{thread}"), &doctor).await;
        assert_ne!(before.body["triage"]["model"]["id"], "override", "refused re-triage wrote nothing");

        let done = app
            .post(&url, &doctor, json!({"urgency": "urgent", "category": "clinical", "pool": "nurse-triage", "note": "cough with fever"}))
            .await;
        assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
        assert_eq!(done.body["urgency"], "urgent");
        assert_eq!(done.body["pool"]["slug"], "nurse-triage");
        let triage = &done.body["triage"];
        assert_eq!(triage["model"]["id"], "override");
        assert_eq!(triage["overridden_by"], app.id("dr.lee").as_str());
        assert!(triage["at"].is_string());
        let reasons = triage["reasons"].as_array().expect("reasons");
        assert!(
            reasons.iter().any(|r| r.as_str().is_some_and(|r| r.contains("urgency routine → urgent"))),
            "{reasons:?}"
        );

        let settings = app.get("/api/v1/admin/triage", &admin).await;
        assert_eq!(settings.status, StatusCode::OK);
        assert_eq!(settings.body["stats"]["overrides"], 1);
        assert!(settings.body["stats"]["automatic"].as_i64().expect("count") >= 1);
        let metrics = app.call(Method::GET, "/metrics", None, None).await;
        assert!(String::from_utf8_lossy(&metrics.raw).contains("carethread_triage_overrides_total 1"));
    }
}

#[tokio::test]
async fn admins_edit_routing_and_switch_the_classifier_off_but_the_rules_stay_on() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let bob = app.login("patient.bob").await;
        let nurse = app.login("rn.kim").await;

        let defaults = app.get("/api/v1/admin/triage", &admin).await;
        assert_eq!(defaults.body["classifier_enabled"], true);
        assert_eq!(defaults.body["routing"]["administrative"], "billing");
        let by_nurse = app.call(Method::GET, "/api/v1/admin/triage", Some(&nurse), None).await;
        assert_eq!(by_nurse.status, StatusCode::FORBIDDEN);
        let by_patient = app
            .call(Method::PATCH, "/api/v1/admin/triage", Some(&bob), Some(json!({"classifier_enabled": false})))
            .await;
        assert_eq!(by_patient.status, StatusCode::FORBIDDEN);

        let unknown = app
            .call(
                Method::PATCH,
                "/api/v1/admin/triage",
                Some(&admin),
                Some(json!({"classifier_enabled": false, "routing": {"administrative": "nowhere"}})),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(unknown.body["field"], "routing.administrative");
        let typo = app
            .call(Method::PATCH, "/api/v1/admin/triage", Some(&admin), Some(json!({"routing": {"billingg": "x"}})))
            .await;
        assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
        let unchanged = app.get("/api/v1/admin/triage", &admin).await;
        assert_eq!(unchanged.body["classifier_enabled"], true, "a refused change changes nothing");

        let changed = app
            .call(
                Method::PATCH,
                "/api/v1/admin/triage",
                Some(&admin),
                Some(json!({"routing": {"administrative": "front-desk"}})),
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
        assert_eq!(changed.body["routing"]["administrative"], "front-desk");
        let bill = app
            .post(
                "/api/v1/threads",
                &bob,
                json!({"subject": "Bill", "body": "Question about my bill", "category": "administrative"}),
            )
            .await;
        assert_eq!(bill.body["pool"]["slug"], "front-desk");

        let off = app
            .call(Method::PATCH, "/api/v1/admin/triage", Some(&admin), Some(json!({"classifier_enabled": false})))
            .await;
        assert_eq!(off.body["classifier_enabled"], false);
        let calm = app.new_thread(&bob, "Refill", "Please refill my metformin").await;
        let calm = app.get(&format!("/api/v1/threads/{calm}"), &nurse).await;
        assert_eq!(calm.body["triage"]["model"]["id"], "carethread-rules");
        assert_eq!(calm.body["triage"]["needs_review"], true);
        let urgent = app
            .post("/api/v1/threads", &bob, json!({"subject": "Help", "body": "I can't breathe and my lips are blue"}))
            .await;
        assert_eq!(urgent.body["urgency"], "emergency", "the safety rules stay on");
        assert!(urgent.body["safety_notice"].is_object());
    }
}
