//! Systems on the FHIR API (SMART Backend Services), against the real server
//! on both databases: an administrator registers a system with its public
//! keys; it trades a JWT it signs (ES384 or RS384) for a five-minute token;
//! the token works within its scopes and the core policy, nowhere else; a
//! lab notice it sends reaches the patient's portal; assertions are used
//! once; revoking the system ends its token.

#[path = "support/smart.rs"]
mod smart;
mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smart::{JWT_BEARER, Signer, claims, register, token_for, token_request};
use support::browser::Browser;
use support::{Reply, TestApp, backends, spawn};

const FHIR_JSON: &str = "application/fhir+json";

async fn fhir(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> Reply {
    let mut req = app.http.request(method, format!("{}/fhir/r4/{path}", app.base)).bearer_auth(token);
    if let Some(body) = body {
        req = req.header("content-type", FHIR_JSON).body(body.to_string());
    }
    let reply = TestApp::reply(req).await;
    assert_eq!(reply.content_type, FHIR_JSON, "{path}: {} {:?}", reply.status, reply.body);
    reply
}

fn oauth_error(reply: &Reply) -> (StatusCode, &str) {
    assert!(reply.content_type.starts_with("application/json"), "{}", reply.content_type);
    assert_eq!(reply.body["status"], reply.status.as_u16(), "also a problem detail: {:?}", reply.body);
    (reply.status, reply.body["error"].as_str().unwrap_or_default())
}

/// Registration is for administrators, and refuses keys, scopes and roles
/// that would not be safe or could not work, naming the field.
async fn registration_is_checked(app: &TestApp, admin: &str) {
    let kim = app.login("rn.kim").await;
    let ec = Signer::ec();
    let body = json!({"name": "Lab", "role": "nurse", "jwks": ec.jwks(), "scopes": "system/Communication.rs"});
    assert_eq!(app.post("/api/v1/admin/system-clients", &kim, body.clone()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/admin/system-clients", &kim).await.status, StatusCode::FORBIDDEN);
    let mut private = ec.jwks();
    private["keys"][0]["d"] = json!("c2VjcmV0");
    let cases = [
        ("jwks", json!({"name": "Lab", "role": "nurse", "jwks": private, "scopes": "system/Communication.rs"})),
        ("jwks", json!({"name": "Lab", "role": "nurse", "jwks": "keys", "scopes": "system/Communication.rs"})),
        ("scopes", json!({"name": "Lab", "role": "nurse", "jwks": ec.jwks(), "scopes": "patient/Communication.rs"})),
        ("scopes", json!({"name": "Lab", "role": "nurse", "jwks": ec.jwks(), "scopes": " "})),
        ("role", json!({"name": "Lab", "role": "admin", "jwks": ec.jwks(), "scopes": "system/Communication.rs"})),
        ("role", json!({"name": "Lab", "role": "patient", "jwks": ec.jwks(), "scopes": "system/Communication.rs"})),
    ];
    for (field, body) in cases {
        let r = app.post("/api/v1/admin/system-clients", admin, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {:?}", r.body);
        assert_eq!(r.body["field"], field, "{:?}", r.body);
    }
    let listed = app.get("/api/v1/admin/system-clients", admin).await;
    assert_eq!(listed.body["clients"], json!([]), "nothing refused was registered");
}

/// A system gets a token, works within its scopes and the policy, sends a
/// lab notice the patient sees in her portal, and is cut off when revoked.
async fn a_system_works_within_its_scopes(app: &TestApp) {
    let admin = app.login("admin").await;
    registration_is_checked(app, &admin).await;
    let ec = Signer::ec();
    let lab = register(app, &admin, &ec, "system/Communication.crs system/Patient.r").await;
    let client = lab["client_id"].as_str().expect("client id");
    let account = lab["account_id"].as_str().expect("account");
    let alice = app.id("patient.alice");

    // Discovery names the token endpoint and how to authenticate.
    let config = TestApp::reply(app.http.get(format!("{}/fhir/r4/.well-known/smart-configuration", app.base))).await;
    assert_eq!(config.body["token_endpoint"], format!("{}/fhir/r4/auth/token", app.base));
    assert!(config.body["token_endpoint_auth_signing_alg_values_supported"].to_string().contains("ES384"));
    let metadata = TestApp::reply(app.http.get(format!("{}/fhir/r4/metadata", app.base))).await;
    let security = &metadata.body["rest"][0]["security"];
    assert_eq!(security["extension"][0]["extension"][0]["valueUri"], format!("{}/fhir/r4/auth/token", app.base));

    // It is granted what it asked for, as far as its registration goes.
    let granted = token_for(app, &ec, client, "system/Communication.cruds system/Task.rs system/Patient.rs").await;
    assert_eq!(granted.status, StatusCode::OK, "{:?}", granted.body);
    assert_eq!(granted.body["token_type"], "bearer");
    assert_eq!(granted.body["expires_in"], 300);
    assert_eq!(granted.body["scope"], "system/Communication.crs system/Patient.r");
    let token = granted.body["access_token"].as_str().expect("token").to_owned();

    // The policy still applies: until the clinic puts it on Alice's care team,
    // her messages are not its to read.
    let search = format!("Communication?subject=Patient/{alice}");
    let thread = app.new_thread(&app.login("patient.alice").await, "Fatigue", "I feel tired all the time").await;
    let before = fhir(app, Method::GET, &search, &token, None).await;
    assert!(before.body["entry"].as_array().is_none_or(Vec::is_empty), "{:?}", before.body);
    let team = format!("/api/v1/admin/patients/{alice}/care-team/{account}");
    assert!(app.call(Method::PUT, &team, Some(&admin), None).await.status.is_success());
    let after = fhir(app, Method::GET, &search, &token, None).await;
    assert_eq!(after.status, StatusCode::OK, "{:?}", after.body);
    assert!(!after.body["entry"].as_array().expect("entries").is_empty(), "{:?}", after.body);
    assert_eq!(fhir(app, Method::GET, &format!("Patient/{alice}"), &token, None).await.status, StatusCode::OK);

    // Outside its scopes: refused as an OperationOutcome, whatever the policy says.
    for (method, path) in [(Method::GET, format!("Task/{thread}")), (Method::GET, "Task".to_owned())] {
        let refused = fhir(app, method, &path, &token, None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}: {:?}", refused.body);
        assert_eq!(refused.body["resourceType"], "OperationOutcome");
        assert_eq!(refused.body["issue"][0]["code"], "forbidden");
    }
    // And nowhere outside the FHIR API but the files its Communications link to.
    for path in ["/api/v1/threads", "/api/v1/me", &format!("/api/v1/threads/{thread}")] {
        assert_eq!(app.get(path, &token).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let photo = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\nrest".to_vec()).file_name("rash.png"));
    let alice_token = app.login("patient.alice").await;
    let url = format!("{}/api/v1/threads/{thread}/attachments", app.base);
    let uploaded = TestApp::reply(app.http.post(url).bearer_auth(&alice_token).multipart(photo)).await;
    assert!(uploaded.status.is_success(), "{:?}", uploaded.body);
    let listed = fhir(app, Method::GET, &format!("Communication?part-of={thread}"), &token, None).await;
    let link = listed.body["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|e| e["resource"]["payload"][0]["contentAttachment"]["url"].as_str())
        .expect("the photo's address")
        .to_owned();
    let file = TestApp::reply(app.http.get(&link).bearer_auth(&token)).await;
    assert_eq!(file.status, StatusCode::OK, "a file its Communication links to");
    assert!(file.raw.starts_with(b"\x89PNG"));
    let narrow = token_for(app, &ec, client, "system/Patient.r").await;
    let narrow = narrow.body["access_token"].as_str().expect("token").to_owned();
    let refused = TestApp::reply(app.http.get(&link).bearer_auth(&narrow)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "not without reading Communications");

    // A lab notice it sends starts a conversation Alice sees in her portal.
    let notice = json!({"resourceType": "Communication", "status": "completed",
        "subject": {"reference": format!("Patient/{alice}")},
        "topic": {"text": "Your lab results are ready"},
        "category": [{"coding": [{"system": "https://carethread.org/fhir/CodeSystem/triage-category", "code": "results"}]}],
        "payload": [{"contentString": "Your cholesterol panel is back. Your doctor will review it."}]});
    let sent = fhir(app, Method::POST, "Communication", &token, Some(notice.clone())).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    assert_eq!(sent.body["sender"]["reference"], format!("Practitioner/{account}"));
    assert_eq!(sent.body["payload"][0]["contentString"], "Your cholesterol panel is back. Your doctor will review it.");
    let portal = Browser::sign_in(app, "patient.alice").await;
    let inbox = portal.get("/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.html.contains("Your lab results are ready"), "the notice is in Alice's portal");
    // A reply in her existing conversation, and a refusal naming what is wrong.
    let mut reply = notice.clone();
    reply["partOf"] = json!([{"reference": format!("Task/{thread}")}]);
    let replied = fhir(app, Method::POST, "Communication", &token, Some(reply.clone())).await;
    assert_eq!(replied.status, StatusCode::CREATED, "{:?}", replied.body);
    reply["subject"] = json!({"reference": format!("Patient/{}", app.id("patient.bob"))});
    let wrong_patient = fhir(app, Method::POST, "Communication", &token, Some(reply)).await;
    assert_eq!(wrong_patient.status, StatusCode::BAD_REQUEST, "{:?}", wrong_patient.body);
    let mut no_text = notice.clone();
    no_text["payload"] = json!([]);
    let refused = fhir(app, Method::POST, "Communication", &token, Some(no_text)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body["issue"][0]["diagnostics"].as_str().unwrap_or_default().starts_with("payload"));

    assertions_are_checked(app, &ec, client).await;

    // Every token it was given is in the audit log.
    let auditor = app.login("auditor").await;
    let log = app.get("/api/v1/audit?action=session.system_token", &auditor).await;
    let entries = log.body["entries"].as_array().expect("entries");
    assert!(entries.iter().any(|e| e["outcome"] == "success"), "{:?}", log.body);
    assert!(entries.iter().any(|e| e["outcome"] == "denied"), "refusals too: {:?}", log.body);

    // Revoked: its token stops at once, and it gets no other.
    let revoked = app.call(Method::DELETE, &format!("/api/v1/admin/system-clients/{client}"), Some(&admin), None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(fhir(app, Method::GET, &search, &token, None).await.status, StatusCode::UNAUTHORIZED);
    let again = token_for(app, &ec, client, "system/Communication.rs").await;
    assert_eq!(oauth_error(&again), (StatusCode::UNAUTHORIZED, "invalid_client"));
    let twice = app.call(Method::DELETE, &format!("/api/v1/admin/system-clients/{client}"), Some(&admin), None).await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
}

/// An assertion is used once, for this endpoint, unexpired, signed by the
/// registered key; the request must be the right grant with known scopes.
async fn assertions_are_checked(app: &TestApp, ec: &Signer, client: &str) {
    let audience = format!("{}/fhir/r4/auth/token", app.base);
    let fields = |assertion: &str, scope: &str, grant: &str| -> Vec<(String, String)> {
        vec![
            ("grant_type".into(), grant.into()),
            ("scope".into(), scope.into()),
            ("client_assertion_type".into(), JWT_BEARER.into()),
            ("client_assertion".into(), assertion.into()),
        ]
    };
    let ask = async |fields: Vec<(String, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        token_request(app, &pairs).await
    };
    let once = ec.sign(&claims(client, &audience));
    let first = ask(fields(&once, "system/Communication.rs", "client_credentials")).await;
    assert_eq!(first.status, StatusCode::OK);
    let replayed = ask(fields(&once, "system/Communication.rs", "client_credentials")).await;
    assert_eq!(oauth_error(&replayed), (StatusCode::UNAUTHORIZED, "invalid_client"), "a jti is used once");

    let mut expired = claims(client, &audience);
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 10);
    let mut elsewhere = claims(client, &audience);
    elsewhere["aud"] = json!("https://another.example/token");
    let stranger = Signer::ec();
    for (assertion, what) in [
        (ec.sign(&expired), "expired"),
        (ec.sign(&elsewhere), "for another endpoint"),
        (stranger.sign(&claims(client, &audience)), "signed by another key"),
        (stranger.sign(&claims(&uuid::Uuid::now_v7().to_string(), &audience)), "from no registered system"),
        ("not-a-jwt".to_owned(), "not a JWT"),
    ] {
        let r = ask(fields(&assertion, "system/Communication.rs", "client_credentials")).await;
        assert_eq!(oauth_error(&r), (StatusCode::UNAUTHORIZED, "invalid_client"), "{what}");
        assert!(!String::from_utf8_lossy(&r.raw).contains(&assertion), "the answer never repeats the assertion");
    }
    let fresh = || ec.sign(&claims(client, &audience));
    let cases = [
        (fields(&fresh(), "system/Communication.rs", "password"), StatusCode::BAD_REQUEST, "unsupported_grant_type"),
        (fields(&fresh(), "system/Observation.rs", "client_credentials"), StatusCode::BAD_REQUEST, "invalid_scope"),
        (fields(&fresh(), "user/Communication.rs", "client_credentials"), StatusCode::BAD_REQUEST, "invalid_scope"),
        (fields(&fresh(), "", "client_credentials"), StatusCode::BAD_REQUEST, "invalid_request"),
    ];
    for (fields, status, error) in cases {
        assert_eq!(oauth_error(&ask(fields).await), (status, error), "{error}");
    }
    let json_body = app.call(Method::POST, "/fhir/r4/auth/token", None, Some(json!({"grant_type": "x"}))).await;
    assert_eq!(oauth_error(&json_body), (StatusCode::BAD_REQUEST, "invalid_request"));
}

#[tokio::test]
async fn a_system_works_on_the_fhir_api_within_its_scopes_until_revoked() {
    for backend in backends() {
        let app = spawn(backend).await;
        a_system_works_within_its_scopes(&app).await;
    }
}

/// An RS384 key works as well as a P-384 one.
#[tokio::test]
async fn a_system_signing_with_rs384_gets_a_token() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let rsa = Signer::rsa();
        let lab = register(&app, &admin, &rsa, "system/Patient.rs").await;
        let client = lab["client_id"].as_str().expect("client id");
        let granted = token_for(&app, &rsa, client, "system/Patient.read").await;
        assert_eq!(granted.status, StatusCode::OK, "{:?}", granted.body);
        assert_eq!(granted.body["scope"], "system/Patient.rs");
        let token = granted.body["access_token"].as_str().expect("token");
        let alice = app.id("patient.alice");
        let account = lab["account_id"].as_str().expect("account");
        let team = format!("/api/v1/admin/patients/{alice}/care-team/{account}");
        assert!(app.call(Method::PUT, &team, Some(&admin), None).await.status.is_success());
        let read = fhir(&app, Method::GET, &format!("Patient/{alice}"), token, None).await;
        assert_eq!(read.status, StatusCode::OK, "a nurse on her care team reads her record: {:?}", read.body);
    }
}

/// The portal's page does what the API does: register (a bad key set comes
/// back with what was typed and the field marked), list, revoke.
#[tokio::test]
async fn an_administrator_registers_and_revokes_a_system_in_the_portal() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = Browser::sign_in(&app, "admin").await;
        let page = admin.get("/admin/systems").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        assert!(page.html.contains("No system is registered."), "{backend:?}");
        let signer = Signer::ec();
        let mut private = signer.jwks();
        private["keys"][0]["d"] = json!("c2VjcmV0");
        let register = async |jwks: &str| {
            let fields = [("action", "register"), ("name", "Lab interface"), ("role", "nurse")];
            let rest = [("scopes", "system/Communication.rs"), ("jwks", jwks)];
            admin.post("/admin/systems", &[&fields[..], &rest[..]].concat()).await
        };
        let refused = register(&private.to_string()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(refused.html.contains("value=\"Lab interface\""), "what was typed is kept");
        assert!(refused.html.contains("id=\"system-jwks\"") && refused.html.contains("aria-invalid=\"true\""));

        let registered = register(&signer.jwks().to_string()).await;
        assert_eq!(registered.status, StatusCode::SEE_OTHER, "{backend:?}: {}", registered.html);
        let page = admin.get("/admin/systems?saved=1").await;
        assert!(page.html.contains("Lab interface") && page.html.contains("system/Communication.rs"));
        let token = app.login("admin").await;
        let listed = app.get("/api/v1/admin/system-clients", &token).await;
        let client = listed.body["clients"][0]["client_id"].as_str().expect("registered").to_owned();
        assert!(page.html.contains(&client), "the client id to give the system");
        assert_eq!(token_for(&app, &signer, &client, "system/Communication.rs").await.status, StatusCode::OK);

        let revoked = admin.post("/admin/systems", &[("action", "revoke"), ("client", &client)]).await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{backend:?}");
        let again = token_for(&app, &signer, &client, "system/Communication.rs").await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED);
        assert!(admin.get("/admin/systems").await.html.contains("Revoked"));

        let nurse = Browser::sign_in(&app, "rn.kim").await;
        assert_eq!(nurse.get("/admin/systems").await.status, StatusCode::SEE_OTHER, "{backend:?}");
    }
}
