//! A patient's record of messages to keep, on both databases: she (or a
//! proxy with full access) downloads every conversation as a readable
//! document and as a FHIR Bundle, from the API and the portal; internal
//! notes and a confidential thread stay out of what they must not see;
//! anyone else is refused; each download is audited. The FHIR Bundle is
//! validated with `fhir.resources` when that service is set up.

#[path = "support/fhir_check.rs"]
mod fhir_check;
mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::browser::Browser;
use support::{Reply, TestApp, backends, spawn};

async fn download(app: &TestApp, token: &str, query: &str) -> Reply {
    TestApp::reply(app.http.get(format!("{}/api/v1/record?{query}", app.base)).bearer_auth(token)).await
}

/// Alice's conversation with a reply and an internal note, Bob's, and a
/// confidential one of Maya's (15; Carol is the proxy of both Alice and Maya).
async fn seed(app: &TestApp) {
    let alice = app.login("patient.alice").await;
    let kim = app.login("rn.kim").await;
    let thread = app.new_thread(&alice, "Refill for lisinopril", "I am almost out of my blood pressure pills").await;
    assert_eq!(app.get(&format!("/api/v1/threads/{thread}"), &kim).await.status, StatusCode::OK);
    let note = json!({"body": "SECRET-NOTE checked the chart", "internal": true});
    assert!(app.post(&format!("/api/v1/threads/{thread}/messages"), &kim, note).await.status.is_success());
    let reply = json!({"body": "Sent to your pharmacy today"});
    assert!(app.post(&format!("/api/v1/threads/{thread}/messages"), &kim, reply).await.status.is_success());
    let bob = app.login("patient.bob").await;
    app.new_thread(&bob, "Knee pain", "BOB-ONLY my knee hurts").await;
    let maya = app.login("patient.maya").await;
    app.new_thread(&maya, "School note", "MAYA-SHARED a note for school").await;
    let private = app.new_thread(&maya, "Private question", "PRIVATE-TEXT a question for the nurse").await;
    let path = format!("/api/v1/threads/{private}/confidential");
    let marked = app.call(reqwest::Method::PUT, &path, Some(&maya), Some(json!({"confidential": true}))).await;
    assert!(marked.status.is_success(), "{:?}", marked.body);
}

async fn a_patient_and_her_full_proxy_download_her_record(app: &TestApp) -> Value {
    seed(app).await;
    let alice = app.login("patient.alice").await;
    let html = download(app, &alice, "format=html").await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.content_type.starts_with("text/html"), "{}", html.content_type);
    let page = String::from_utf8_lossy(&html.raw).into_owned();
    for expected in ["Refill for lisinopril", "almost out of my blood pressure pills", "Sent to your pharmacy today"] {
        assert!(page.contains(expected), "{expected} is in the document");
    }
    assert!(!page.contains("SECRET-NOTE") && !page.contains("BOB-ONLY"), "no internal note, nobody else's");

    let fhir = download(app, &alice, "format=fhir").await;
    assert_eq!((fhir.status, fhir.content_type.as_str()), (StatusCode::OK, "application/fhir+json"));
    let bundle = fhir.body.clone();
    assert_eq!((&bundle["resourceType"], &bundle["type"]), (&json!("Bundle"), &json!("collection")));
    let kinds: Vec<&str> = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["resource"]["resourceType"].as_str())
        .collect();
    assert_eq!(kinds.first(), Some(&"Patient"));
    assert_eq!(kinds, ["Patient", "Communication", "Communication"], "her question and the reply, no note");
    assert!(!bundle.to_string().contains("SECRET-NOTE"));

    // Carol has full access: Alice's record, but not a confidential thread.
    let carol = app.login("proxy.carol").await;
    let alice_id = app.id("patient.alice");
    let hers = download(app, &carol, &format!("patient={alice_id}&format=html")).await;
    assert_eq!(hers.status, StatusCode::OK, "{:?}", hers.body);
    let proxy_page = String::from_utf8_lossy(&hers.raw).into_owned();
    assert!(proxy_page.contains("Refill for lisinopril"));
    // Maya's confidential thread is in her own copy, not in her proxy's.
    let maya_id = app.id("patient.maya");
    let mayas = download(app, &carol, &format!("patient={maya_id}")).await;
    let mayas_for_carol = String::from_utf8_lossy(&mayas.raw).into_owned();
    assert!(mayas_for_carol.contains("MAYA-SHARED") && !mayas_for_carol.contains("PRIVATE-TEXT"));
    let own = download(app, &app.login("patient.maya").await, "").await;
    assert!(String::from_utf8_lossy(&own.raw).contains("PRIVATE-TEXT"), "but is in her own");
    // Every download is in the audit log, naming the patient.
    let auditor = app.login("auditor").await;
    let log = app.get(&format!("/api/v1/audit?action=patient.record_export&patient={alice_id}"), &auditor).await;
    assert_eq!(log.body["entries"].as_array().map(Vec::len), Some(3), "{:?}", log.body);
    bundle
}

#[tokio::test]
async fn a_patient_and_her_full_proxy_download_her_record_as_a_document_and_a_bundle() {
    for backend in backends() {
        let app = spawn(backend).await;
        a_patient_and_her_full_proxy_download_her_record(&app).await;
    }
}

#[tokio::test]
async fn anyone_else_is_refused_and_bad_requests_are_named() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice_id = app.id("patient.alice");
        let bob = app.login("patient.bob").await;
        // Bob gives Carol read-only access: she reads his messages but gets no copy of the record.
        let grant = json!({"proxy_id": app.id("proxy.carol"), "scope": "read_only"});
        let granted = app.post("/api/v1/grants", &bob, grant).await;
        assert!(granted.status.is_success(), "{:?}", granted.body);
        let carol = app.login("proxy.carol").await;
        let bob_id = app.id("patient.bob");
        assert_eq!(download(&app, &carol, &format!("patient={bob_id}")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(download(&app, &bob, &format!("patient={alice_id}")).await.status, StatusCode::NOT_FOUND);
        for staff in ["rn.kim", "dr.lee", "admin", "auditor"] {
            let token = app.login(staff).await;
            let r = download(&app, &token, &format!("patient={alice_id}")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{staff}: staff export at the command line");
        }
        let alice = app.login("patient.alice").await;
        for (query, field) in [("format=pdf", "format"), ("patient=nobody", "patient")] {
            let r = download(&app, &alice, query).await;
            assert_eq!((r.status, &r.body["field"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!(field)), "{query}");
        }
        assert_eq!(
            TestApp::reply(app.http.get(format!("{}/api/v1/record", app.base))).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn the_portal_offers_the_download_to_the_patient_and_her_full_proxy() {
    for backend in backends() {
        let app = spawn(backend).await;
        seed(&app).await;
        let alice = Browser::sign_in(&app, "patient.alice").await;
        let page = alice.get("/record").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("/record/download?format=html") && page.html.contains("format=fhir"));
        let alice_id = app.id("patient.alice");
        let file = alice.get(&format!("/record/download?format=html&patient={alice_id}")).await;
        assert_eq!(file.status, StatusCode::OK);
        assert!(file.html.contains("Refill for lisinopril"));
        let carol = Browser::sign_in(&app, "proxy.carol").await;
        let offered = carol.get("/record").await;
        assert!(offered.html.contains(&alice_id), "Carol may download Alice's record");
        let refused =
            Browser::sign_in(&app, "patient.bob").await.get(&format!("/record/download?patient={alice_id}")).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
    }
}

/// The Bundle a patient downloads is valid FHIR R4.
#[carethread_test_services::needs(fhir)]
#[tokio::test]
async fn the_downloaded_bundle_validates_with_fhir_resources() {
    let python = std::env::var("CARETHREAD_TEST_FHIR").expect("CARETHREAD_TEST_FHIR names a python");
    let app = spawn(support::Backend::Sqlite).await;
    let bundle = a_patient_and_her_full_proxy_download_her_record(&app).await;
    let mut resources: Vec<Value> =
        bundle["entry"].as_array().into_iter().flatten().map(|e| e["resource"].clone()).collect();
    resources.push(bundle);
    fhir_check::validate(&python, &resources);
}
