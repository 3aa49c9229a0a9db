//! The audit log as FHIR `AuditEvent`s on both databases: a privacy officer
//! searches and pages it; a patient sees who accessed her record (who, what
//! and when only) and nothing of anyone else's; other staff are refused.

mod support;

use reqwest::StatusCode;
use serde_json::Value;
use support::{Reply, TestApp, backends, spawn};

async fn fhir(app: &TestApp, path: &str, token: &str) -> Reply {
    let url = if path.starts_with("http") { path.to_owned() } else { format!("{}/fhir/r4/{path}", app.base) };
    let reply = TestApp::reply(app.http.get(url).bearer_auth(token)).await;
    assert_eq!(reply.content_type, "application/fhir+json", "{path}: {:?}", reply.body);
    reply
}

fn resources(bundle: &Value) -> Vec<Value> {
    bundle["entry"].as_array().into_iter().flatten().map(|e| e["resource"].clone()).collect()
}

#[tokio::test]
async fn the_audit_log_reads_as_audit_events_for_whom_the_policy_lets() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let kim = app.login("rn.kim").await;
        let auditor = app.login("auditor").await;
        let alice_id = app.id("patient.alice");
        let kim_id = app.id("rn.kim");
        let thread = app.new_thread(&alice, "Rash", "A rash on my arm since yesterday").await;
        assert_eq!(app.get(&format!("/api/v1/threads/{thread}"), &kim).await.status, StatusCode::OK);
        let bob = app.login("patient.bob").await;
        let bobs = app.new_thread(&bob, "Knee", "My knee hurts").await;
        assert_eq!(app.get(&format!("/api/v1/threads/{bobs}"), &kim).await.status, StatusCode::OK);

        // The privacy officer: Kim's reading of Alice's thread, with its outcome and address.
        let query = format!("AuditEvent?patient=Patient/{alice_id}&agent=Practitioner/{kim_id}&type=thread.read");
        let found = fhir(&app, &query, &auditor).await;
        assert_eq!(found.status, StatusCode::OK, "{:?}", found.body);
        let events = resources(&found.body);
        assert_eq!(events.len(), 1, "{:?}", found.body);
        assert_eq!(events[0]["outcome"], "0");
        assert_eq!(events[0]["agent"][0]["who"]["reference"], format!("Practitioner/{kim_id}"));
        assert!(events[0]["agent"][0]["network"]["address"].is_string());
        let id = events[0]["id"].as_str().expect("id").to_owned();
        let read = fhir(&app, &format!("AuditEvent/{id}"), &auditor).await;
        assert_eq!((read.status, &read.body["id"]), (StatusCode::OK, &Value::String(id.clone())));

        // Pages of one follow next links through every entry once, newest first.
        let mut next = Some("AuditEvent?_count=1&type=thread.read".to_owned());
        let mut seen = Vec::new();
        while let Some(url) = next.take() {
            let page = fhir(&app, &url, &auditor).await;
            assert_eq!(page.status, StatusCode::OK, "{url}: {:?}", page.body);
            seen.extend(
                resources(&page.body).iter().map(|r| r["id"].as_str().unwrap_or_default().parse::<i64>().expect("seq")),
            );
            next = page.body["link"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|l| l["relation"] == "next")
                .and_then(|l| l["url"].as_str())
                .map(str::to_owned);
        }
        assert_eq!(seen.len(), 2, "Kim's two readings: {seen:?}");
        assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first: {seen:?}");

        // Alice: who read her record, without outcome, address or detail; not Bob's.
        let own = fhir(&app, "AuditEvent", &alice).await;
        assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
        let own_events = resources(&own.body);
        assert!(own_events.iter().any(|e| e["agent"][0]["who"]["reference"] == format!("Practitioner/{kim_id}")));
        assert!(own_events.iter().all(|e| e.get("outcome").is_none() && e["agent"][0].get("network").is_none()));
        assert!(
            own_events.iter().all(|e| e["agent"][0]["who"]["reference"] != format!("Patient/{alice_id}")),
            "not her own doings"
        );
        assert_eq!(fhir(&app, &format!("AuditEvent/{id}"), &alice).await.status, StatusCode::OK, "her record's entry");
        let bob_id = app.id("patient.bob");
        let bobs_entry = fhir(&app, &format!("AuditEvent?patient=Patient/{bob_id}&type=thread.read"), &auditor).await;
        let bobs_entry_id = resources(&bobs_entry.body)[0]["id"].as_str().expect("bob's entry").to_owned();
        assert_eq!(fhir(&app, &format!("AuditEvent/{bobs_entry_id}"), &alice).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            fhir(&app, &format!("AuditEvent?patient=Patient/{bob_id}"), &alice).await.status,
            StatusCode::FORBIDDEN
        );

        // Staff who are not privacy officers read no audit log.
        assert_eq!(fhir(&app, "AuditEvent", &kim).await.status, StatusCode::FORBIDDEN);
        assert_eq!(fhir(&app, &format!("AuditEvent/{id}"), &kim).await.status, StatusCode::FORBIDDEN);
        // A bad parameter is named.
        let bad = fhir(&app, "AuditEvent?type=not-an-action", &auditor).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body["issue"][0]["diagnostics"].as_str().unwrap_or_default().starts_with("type"));
    }
}
