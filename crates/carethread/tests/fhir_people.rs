//! Searching people through FHIR, on both databases: each finds only the
//! patients the core policy lets them see (the same a read allows), pages
//! follow `next` links through every match once, and staff and pools are
//! found by name.

mod support;

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;
use support::{Reply, TestApp, backends, spawn};

async fn fhir(app: &TestApp, path: &str, token: &str) -> Reply {
    let url = if path.starts_with("http") { path.to_owned() } else { format!("{}/fhir/r4/{path}", app.base) };
    let reply = TestApp::reply(app.http.get(url).bearer_auth(token)).await;
    assert_eq!(reply.content_type, "application/fhir+json", "{path}: {:?}", reply.body);
    reply
}

/// Every id a search finds, following `next` links.
async fn all_ids(app: &TestApp, first: &str, token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut next = Some(first.to_owned());
    while let Some(url) = next.take() {
        let page = fhir(app, &url, token).await;
        assert_eq!(page.status, StatusCode::OK, "{url}: {:?}", page.body);
        let entries = page.body["entry"].as_array().cloned().unwrap_or_default();
        ids.extend(entries.iter().filter_map(|e| e["resource"]["id"].as_str().map(str::to_owned)));
        let links = page.body["link"].as_array().cloned().unwrap_or_default();
        next = links.iter().find(|l| l["relation"] == "next").and_then(|l| l["url"].as_str()).map(str::to_owned);
    }
    ids
}

#[tokio::test]
async fn each_finds_only_the_patients_the_policy_lets_them_see() {
    for backend in backends() {
        let app = spawn(backend).await;
        let desk = app.login("desk.ortiz").await;
        let kim = app.login("rn.kim").await;
        let alice = app.login("patient.alice").await;
        let carol = app.login("proxy.carol").await;
        let admin = app.login("admin").await;
        // A new patient nobody has put on a care team yet.
        let new = serde_json::json!({"username": "patient.new", "display_name": "Noor New", "role": "patient",
            "date_of_birth": "1990-01-01", "password": "violet tram seventeen"});
        assert_eq!(app.post("/api/v1/admin/users", &admin, new).await.status, StatusCode::CREATED);

        // The front desk sees every patient; pages of one go through each once.
        let everyone = all_ids(&app, "Patient?_count=1", &desk).await;
        let unique: BTreeSet<&String> = everyone.iter().collect();
        assert!(everyone.len() >= 3 && unique.len() == everyone.len(), "{everyone:?}");

        // A nurse: her care-team patients, each of which she may read; the others she may not.
        let hers = all_ids(&app, "Patient?_count=100", &kim).await;
        assert!(!hers.is_empty() && hers.len() < everyone.len(), "{hers:?} of {everyone:?}");
        for id in &everyone {
            let read = fhir(&app, &format!("Patient/{id}"), &kim).await.status;
            assert_eq!(read == StatusCode::OK, hers.contains(id), "search and read agree on {id}");
        }

        // A patient finds herself alone; a proxy the patients who gave her access.
        let alice_id = app.id("patient.alice");
        assert_eq!(all_ids(&app, "Patient", &alice).await, std::slice::from_ref(&alice_id));
        assert!(all_ids(&app, "Patient?name=bob", &alice).await.is_empty());
        let carols: BTreeSet<String> = all_ids(&app, "Patient", &carol).await.into_iter().collect();
        let expected: BTreeSet<String> = [alice_id.clone(), app.id("patient.maya")].into_iter().collect();
        assert_eq!(carols, expected);
        assert_eq!(
            all_ids(&app, "Patient?name=ALI", &carol).await,
            std::slice::from_ref(&alice_id),
            "any part, any case"
        );

        // By record number.
        let path = format!("/api/v1/admin/users/{alice_id}");
        let set = app.call(reqwest::Method::PATCH, &path, Some(&admin), Some(serde_json::json!({"mrn": "A-77"}))).await;
        assert!(set.status.is_success(), "{:?}", set.body);
        let by_mrn = fhir(&app, "Patient?identifier=https://carethread.org/fhir/NamingSystem/mrn|A-77", &desk).await;
        assert_eq!(by_mrn.body["total"], 1);
        assert_eq!(by_mrn.body["entry"][0]["resource"]["identifier"][0]["value"], "A-77");
        assert_eq!(all_ids(&app, "Patient?identifier=A-78", &desk).await, Vec::<String>::new());
        // A name with LIKE's wildcards in it matches them as they are.
        assert!(all_ids(&app, "Patient?name=%25", &desk).await.is_empty());

        // Staff by name, for anyone in messaging; pools for staff who work in-baskets.
        let found: Value = fhir(&app, "Practitioner?name=kim", &alice).await.body;
        assert_eq!(found["entry"][0]["resource"]["id"], app.id("rn.kim").as_str());
        let pools = fhir(&app, "Group?name=triage", &kim).await;
        assert_eq!(pools.body["entry"][0]["resource"]["resourceType"], "Group", "{:?}", pools.body);
        assert_eq!(fhir(&app, "Group?name=triage", &alice).await.status, StatusCode::FORBIDDEN);
        assert_eq!(fhir(&app, "Patient", &admin).await.status, StatusCode::FORBIDDEN);
        let bad = fhir(&app, "Patient?birthdate=2000-01-01", &desk).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn a_proxys_access_reads_as_related_person_for_whom_may_see_it() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice_id = app.id("patient.alice");
        let carol_id = app.id("proxy.carol");
        let alice = app.login("patient.alice").await;
        let carol = app.login("proxy.carol").await;
        let kim = app.login("rn.kim").await;
        let bob = app.login("patient.bob").await;

        // Alice sees who acts for her: Carol, with full access.
        let hers = fhir(&app, "RelatedPerson", &alice).await;
        assert_eq!(hers.status, StatusCode::OK, "{:?}", hers.body);
        let grant = &hers.body["entry"][0]["resource"];
        assert_eq!(grant["identifier"][0]["value"], carol_id.as_str());
        assert_eq!(grant["patient"]["reference"], format!("Patient/{alice_id}"));
        assert_eq!(grant["extension"][0]["valueCode"], "full");
        let id = grant["id"].as_str().expect("id").to_owned();
        // Carol sees her own grants (Alice's and Maya's); the nurse sees Alice's by patient or proxy.
        assert_eq!(fhir(&app, "RelatedPerson", &carol).await.body["total"], 2);
        let by_patient = fhir(&app, &format!("RelatedPerson?patient=Patient/{alice_id}"), &kim).await;
        assert_eq!(by_patient.body["total"], 1);
        let by_proxy = fhir(&app, &format!("RelatedPerson?identifier={carol_id}"), &kim).await;
        assert!(by_proxy.body["total"].as_u64().is_some_and(|n| n >= 1));
        assert_eq!(fhir(&app, &format!("RelatedPerson/{id}"), &kim).await.status, StatusCode::OK);
        // Bob sees nothing of Alice's.
        assert_eq!(fhir(&app, &format!("RelatedPerson/{id}"), &bob).await.status, StatusCode::NOT_FOUND);
        assert_eq!(fhir(&app, &format!("RelatedPerson?patient=Patient/{alice_id}"), &bob).await.body["total"], 0);
        // Staff must say whose.
        assert_eq!(fhir(&app, "RelatedPerson", &kim).await.status, StatusCode::BAD_REQUEST);
        // A message Carol sends names her by the same identifier.
        let asked =
            serde_json::json!({"subject": "For my mother", "body": "Carol writing for Alice", "patient_id": alice_id});
        let started = app.post("/api/v1/threads", &carol, asked).await;
        assert_eq!(started.status, StatusCode::CREATED, "{:?}", started.body);
        let thread = started.body["id"].as_str().expect("thread").to_owned();
        let sent = fhir(&app, &format!("Communication?part-of={thread}"), &carol).await;
        let sender = &sent.body["entry"][0]["resource"]["sender"];
        assert_eq!(
            (&sender["type"], &sender["identifier"]["value"]),
            (&Value::from("RelatedPerson"), &Value::from(carol_id.as_str()))
        );
    }
}
