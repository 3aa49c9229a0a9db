//! FHIR Bulk Data export for a registered system, on both databases: the
//! asynchronous pattern (kick-off with `Prefer: respond-async`, `202` and a
//! status address, the job, the manifest, NDJSON files read with the same
//! token), what goes in (what the system's role may see, nothing else),
//! refusals, another system kept out, cancelling. Every line validates with
//! `fhir.resources` when that service is set up.

#[path = "support/fhir_check.rs"]
mod fhir_check;
#[path = "support/smart.rs"]
mod smart;
mod support;

use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smart::{Signer, register, token_for};
use support::{Reply, TestApp, backends, spawn};

const SCOPES: &str = "system/Patient.rs system/Communication.rs system/Practitioner.rs system/Group.rs";

async fn get(app: &TestApp, url: &str, token: &str, prefer: bool) -> Reply {
    let url = if url.starts_with("http") { url.to_owned() } else { format!("{}/fhir/r4/{url}", app.base) };
    let mut req = app.http.get(url).bearer_auth(token).header("accept", "application/fhir+json");
    if prefer {
        req = req.header("prefer", "respond-async");
    }
    TestApp::reply(req).await
}

async fn content_location(app: &TestApp, path: &str, token: &str) -> String {
    let url = format!("{}/fhir/r4/{path}", app.base);
    let req = app.http.get(url).bearer_auth(token).header("prefer", "respond-async");
    let resp = req.send().await.expect("kick-off");
    assert_eq!(resp.status(), StatusCode::ACCEPTED, "{path}");
    resp.headers().get("content-location").and_then(|v| v.to_str().ok()).expect("a status address").to_owned()
}

/// A nurse-role system on Alice's care team and in the nurse triage pool.
async fn system(app: &TestApp) -> (String, String) {
    let admin = app.login("admin").await;
    let signer = Signer::ec();
    let lab = register(app, &admin, &signer, SCOPES).await;
    let account = lab["account_id"].as_str().expect("account").to_owned();
    let alice = app.id("patient.alice");
    let team = format!("/api/v1/admin/patients/{alice}/care-team/{account}");
    assert!(app.call(Method::PUT, &team, Some(&admin), None).await.status.is_success());
    let pool = app.store.pool_by_slug("nurse-triage").await.expect("pool").expect("nurse triage").id;
    let member = format!("/api/v1/admin/pools/{pool}/members/{account}");
    assert!(app.call(Method::PUT, &member, Some(&admin), None).await.status.is_success());
    let granted = token_for(app, &signer, lab["client_id"].as_str().expect("id"), SCOPES).await;
    assert_eq!(granted.status, StatusCode::OK, "{:?}", granted.body);
    (granted.body["access_token"].as_str().expect("token").to_owned(), pool.to_string())
}

async fn run_jobs(app: &TestApp) {
    let worker = carethread_app::App::new(app.store.clone(), support::test_settings());
    carethread_app::jobs::run_due(&worker, Utc::now()).await;
}

/// Every line of every file of the export at `status`, by type.
async fn exported(app: &TestApp, status: &str, token: &str) -> Vec<(String, Value)> {
    let waiting = get(app, status, token, false).await;
    assert_eq!(waiting.status, StatusCode::ACCEPTED, "in progress until the job runs");
    run_jobs(app).await;
    let done = get(app, status, token, false).await;
    let id = status.rsplit('/').next().and_then(|id| id.parse().ok()).expect("the export's id");
    let kept = app.store.bulk_export(id).await.expect("read");
    assert_eq!(done.status, StatusCode::OK, "{:?} {:?}", done.body, kept.map(|e| e.status));
    assert_eq!(done.body["requiresAccessToken"], true);
    let mut lines = Vec::new();
    for output in done.body["output"].as_array().expect("output") {
        let kind = output["type"].as_str().expect("type").to_owned();
        let file = TestApp::reply(app.http.get(output["url"].as_str().expect("url")).bearer_auth(token)).await;
        assert_eq!((file.status, file.content_type.as_str()), (StatusCode::OK, "application/fhir+ndjson"));
        let text = String::from_utf8(file.raw).expect("utf-8");
        let count = output["count"].as_u64().expect("count");
        assert_eq!(text.lines().count() as u64, count, "{kind}");
        for line in text.lines() {
            let resource: Value = serde_json::from_str(line).expect("each line is JSON");
            assert_eq!(resource["resourceType"], kind.as_str());
            lines.push((kind.clone(), resource));
        }
        let anonymous = TestApp::reply(app.http.get(output["url"].as_str().expect("url"))).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "files need the token");
    }
    lines
}

async fn a_system_exports_what_it_may_see(app: &TestApp) -> Vec<Value> {
    let alice = app.login("patient.alice").await;
    let kim = app.login("rn.kim").await;
    let thread = app.new_thread(&alice, "Refill", "SHOULD-EXPORT I need a refill").await;
    let note = json!({"body": "NOTE-EXPORT checked the chart", "internal": true});
    assert!(app.post(&format!("/api/v1/threads/{thread}/messages"), &kim, note).await.status.is_success());
    let bob = app.login("patient.bob").await;
    app.new_thread(&bob, "Knee", "NOT-EXPORTED bob's knee").await;
    let (token, pool) = system(app).await;

    let status = content_location(app, "Patient/$export", &token).await;
    let lines = exported(app, &status, &token).await;
    let patients: Vec<&Value> = lines.iter().filter(|(k, _)| k == "Patient").map(|(_, r)| r).collect();
    assert_eq!(patients.len(), 1, "only the care team's patient");
    assert_eq!(patients[0]["id"], app.id("patient.alice").as_str());
    let all = lines.iter().map(|(_, r)| r.to_string()).collect::<String>();
    assert!(all.contains("SHOULD-EXPORT") && all.contains("NOTE-EXPORT"), "her messages, notes too for staff");
    assert!(!all.contains("NOT-EXPORTED"), "nobody else's");
    assert!(lines.iter().any(|(k, _)| k == "Practitioner"));

    // A pool's export: its patients' conversations in it, and the Group.
    let group = content_location(app, &format!("Group/{pool}/$export?_type=Group,Patient"), &token).await;
    let group_lines = exported(app, &group, &token).await;
    assert!(group_lines.iter().any(|(k, r)| k == "Group" && r["id"] == pool.as_str()));

    // Cancelling (or deleting a finished one) removes it.
    let cancel = TestApp::reply(app.http.delete(&status).bearer_auth(&token)).await;
    assert_eq!(cancel.status, StatusCode::ACCEPTED);
    assert_eq!(get(app, &status, &token, false).await.status, StatusCode::NOT_FOUND);
    let mut resources: Vec<Value> = lines.into_iter().map(|(_, r)| r).collect();
    resources.extend(group_lines.into_iter().map(|(_, r)| r));
    resources
}

#[tokio::test]
async fn a_system_exports_in_bulk_what_its_role_may_see() {
    for backend in backends() {
        let app = spawn(backend).await;
        a_system_exports_what_it_may_see(&app).await;
    }
}

#[tokio::test]
async fn exports_are_refused_without_the_async_header_scopes_or_a_system_and_kept_from_others() {
    for backend in backends() {
        let app = spawn(backend).await;
        let (token, _) = system(&app).await;
        assert_eq!(get(&app, "Patient/$export", &token, false).await.status, StatusCode::BAD_REQUEST, "no Prefer");
        for bad in
            ["Patient/$export?_type=Observation", "Patient/$export?_since=yesterday", "Patient/$export?_elements=id"]
        {
            let r = get(&app, bad, &token, true).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {:?}", r.body);
            assert_eq!(r.body["resourceType"], "OperationOutcome");
        }
        let kim = app.login("rn.kim").await;
        assert_eq!(
            get(&app, "Patient/$export", &kim, true).await.status,
            StatusCode::FORBIDDEN,
            "people do not bulk export"
        );

        // A system whose scopes do not cover a type cannot export it.
        let admin = app.login("admin").await;
        let narrow = Signer::ec();
        let other = register(&app, &admin, &narrow, "system/Patient.rs").await;
        let other_token = token_for(&app, &narrow, other["client_id"].as_str().expect("id"), "system/Patient.rs").await;
        let other_token = other_token.body["access_token"].as_str().expect("token").to_owned();
        let r = get(&app, "Patient/$export?_type=Communication", &other_token, true).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Nor read another system's export.
        let status = content_location(&app, "Patient/$export", &token).await;
        assert_eq!(get(&app, &status, &other_token, false).await.status, StatusCode::NOT_FOUND);
    }
}

/// Every line of an export is valid FHIR R4.
#[carethread_test_services::needs(fhir)]
#[tokio::test]
async fn every_exported_line_validates_with_fhir_resources() {
    let python = std::env::var("CARETHREAD_TEST_FHIR").expect("CARETHREAD_TEST_FHIR names a python");
    let app = spawn(support::Backend::Sqlite).await;
    let resources = a_system_exports_what_it_may_see(&app).await;
    fhir_check::validate(&python, &resources);
}
