//! Onboarding a clinic from its EHR with a FHIR `transaction` or `batch`
//! Bundle, on both databases: people, a proxy's access and a care team are
//! created; the same bundle again creates nobody twice; a transaction with
//! a bad entry writes nothing; a batch applies the entries it can; only
//! administrators import; the command line does the same.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Reply, TestApp, backends, spawn};

fn bundle() -> Value {
    let raw = include_str!("fixtures/onboarding-bundle.json");
    serde_json::from_str(raw).expect("the onboarding bundle")
}

async fn import(app: &TestApp, token: &str, bundle: &Value) -> Reply {
    let req = app.http.post(format!("{}/fhir/r4", app.base)).bearer_auth(token);
    let reply = TestApp::reply(req.header("content-type", "application/fhir+json").body(bundle.to_string())).await;
    assert_eq!(reply.content_type, "application/fhir+json", "{:?}", reply.body);
    reply
}

fn statuses(reply: &Reply) -> Vec<String> {
    let entries = reply.body["entry"].as_array().cloned().unwrap_or_default();
    entries.iter().map(|e| e["response"]["status"].as_str().unwrap_or_default().to_owned()).collect()
}

async fn users(app: &TestApp, admin: &str) -> usize {
    app.get("/api/v1/admin/users", admin).await.body["users"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_clinic_is_onboarded_from_its_ehr_once_however_often_it_syncs() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let before = users(&app, &admin).await;

        let first = import(&app, &admin, &bundle()).await;
        assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
        assert_eq!(first.body["type"], "transaction-response");
        assert_eq!(statuses(&first), ["201 Created", "201 Created", "201 Created", "201 Created"]);
        assert_eq!(users(&app, &admin).await, before + 3, "a patient, a physician and a proxy");
        let patient_location = first.body["entry"][0]["response"]["location"].as_str().expect("location").to_owned();
        let patient = patient_location.strip_prefix("Patient/").expect("a Patient").to_owned();

        // Found by record number, with the physician on her care team and the proxy's access in force.
        let desk = app.login("desk.ortiz").await;
        let found =
            TestApp::reply(app.http.get(format!("{}/fhir/r4/Patient?identifier=E-100", app.base)).bearer_auth(&desk))
                .await;
        assert_eq!(found.body["total"], 1, "{:?}", found.body);
        assert_eq!(found.body["entry"][0]["resource"]["name"][0]["text"], "Rosa Diaz");
        assert_eq!(found.body["entry"][0]["resource"]["communication"][0]["language"]["coding"][0]["code"], "es");
        let team =
            TestApp::reply(app.http.get(format!("{}/fhir/r4/CareTeam/{patient}", app.base)).bearer_auth(&desk)).await;
        assert_eq!(team.body["participant"][0]["member"]["display"], "Dr. Ana Ruiz", "{:?}", team.body);
        let patient_id = patient.parse().expect("id");
        let grants = app.store.proxy_grants(Some(patient_id), None).await.expect("grants");
        assert_eq!(grants.len(), 1);
        assert_eq!((grants[0].proxy.display_name.as_str(), grants[0].scope.as_str()), ("Luis Diaz", "full"));

        // The same bundle again, with her name corrected: nobody twice, the name brought up to date.
        let mut again = bundle();
        again["entry"][0]["resource"]["name"] = json!([{"text": "Rosa María Díaz"}]);
        // The EHR says read-only now: access in force is the patient's to change, and is kept.
        again["entry"][2]["resource"]["extension"][0]["valueCode"] = json!("read_only");
        let second = import(&app, &admin, &again).await;
        assert_eq!(statuses(&second), ["200 OK", "200 OK", "200 OK", "200 OK"], "{:?}", second.body);
        assert_eq!(users(&app, &admin).await, before + 3);
        let kept = app.store.proxy_grants(Some(patient_id), None).await.expect("grants");
        assert_eq!((kept.len(), kept[0].scope.as_str()), (1, "full"), "the access in force is kept as it was");
        let renamed = app.store.user(patient_id).await.expect("read").expect("patient");
        assert_eq!(renamed.display_name.as_str(), "Rosa María Díaz");

        // Each change is in the audit log.
        let auditor = app.login("auditor").await;
        let log = app.get("/api/v1/audit?action=admin.user_create", &auditor).await;
        let imported = log.body["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["detail"].as_str().is_some_and(|d| d.contains("EHR import")));
        assert_eq!(imported.count(), 3);
    }
}

#[tokio::test]
async fn a_transaction_with_a_bad_entry_writes_nothing_and_a_batch_writes_what_it_can() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let before = users(&app, &admin).await;
        let mut broken = bundle();
        broken["entry"][1]["resource"]["qualification"] = json!([]);
        let refused = import(&app, &admin, &broken).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{:?}", refused.body);
        let said = refused.body["issue"][0]["diagnostics"].as_str().unwrap_or_default();
        assert!(said.starts_with("entry[1].resource.qualification"), "{said}");
        assert_eq!(users(&app, &admin).await, before, "nothing written");

        broken["type"] = json!("batch");
        let batch = import(&app, &admin, &broken).await;
        assert_eq!(batch.body["type"], "batch-response");
        let got = statuses(&batch);
        assert_eq!(got[0], "201 Created");
        assert!(got[1].starts_with("400"), "{got:?}");
        assert_eq!(batch.body["entry"][1]["response"]["outcome"]["resourceType"], "OperationOutcome");
        assert_eq!(got[2], "201 Created", "the proxy and her access");
        assert!(got[3].starts_with("400"), "a care team naming the refused physician: {got:?}");
        assert_eq!(users(&app, &admin).await, before + 2);

        for bad in
            [json!({"resourceType": "Patient"}), json!({"resourceType": "Bundle", "type": "collection", "entry": []})]
        {
            assert_eq!(import(&app, &admin, &bad).await.status, StatusCode::BAD_REQUEST, "{bad}");
        }
        let kim = app.login("rn.kim").await;
        assert_eq!(import(&app, &kim, &bundle()).await.status, StatusCode::FORBIDDEN);
        let get = TestApp::reply(app.http.get(format!("{}/fhir/r4", app.base)).bearer_auth(&admin)).await;
        assert_eq!(get.status, StatusCode::NOT_FOUND);
    }
}
