//! A patient's app connects to her record (SMART App Launch, standalone),
//! against the real server on both databases: an administrator registers
//! the app; the patient signs in, sees what it asks for and allows it; the
//! app trades the code (with its PKCE verifier) for a token, her patient
//! id, an `id_token` signed with the clinic's published key and a refresh
//! token; the token reads only her record within its scopes; refresh
//! tokens rotate; a replayed code, a disconnect in "Sign-in and security"
//! or a revoked app ends the app's access at once.

#[path = "support/launch.rs"]
mod launch;
mod support;

use launch::{
    CALLBACK, Launch, connect, consent, consent_form, fhir_status, param, redeem, refresh, sent_back, token,
    verified_claims,
};
use reqwest::StatusCode;
use serde_json::json;
use support::browser::{Browser, value_after};
use support::{TestApp, backends, spawn};

async fn register_app(app: &TestApp, admin: &str) -> String {
    let kim = app.login("rn.kim").await;
    let good = json!({"name": "My Health Diary", "redirect_uris": [CALLBACK], "scopes": "patient/Communication.rs patient/Patient.r"});
    assert_eq!(app.post("/api/v1/admin/patient-apps", &kim, good.clone()).await.status, StatusCode::FORBIDDEN);
    let refused = [
        ("redirect_uris", json!({"name": "x", "redirect_uris": ["http://app.example/cb"], "scopes": "patient/*.rs"})),
        ("redirect_uris", json!({"name": "x", "redirect_uris": [], "scopes": "patient/*.rs"})),
        ("scopes", json!({"name": "x", "redirect_uris": [CALLBACK], "scopes": "system/*.rs"})),
        ("scopes", json!({"name": "x", "redirect_uris": [CALLBACK], "scopes": "patient/*.rs openid"})),
        ("name", json!({"name": "", "redirect_uris": [CALLBACK], "scopes": "patient/*.rs"})),
    ];
    for (field, body) in refused {
        let r = app.post("/api/v1/admin/patient-apps", admin, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {:?}", r.body);
        assert_eq!(r.body["field"], field, "{:?}", r.body);
    }
    let r = app.post("/api/v1/admin/patient-apps", admin, good).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let listed = app.get("/api/v1/admin/patient-apps", admin).await;
    assert_eq!(listed.body["apps"].as_array().map(Vec::len), Some(1), "nothing refused was registered");
    r.body["client_id"].as_str().expect("client id").to_owned()
}

/// Requests that cannot be trusted are refused to the person; the rest are
/// answered to the app, with its `state`.
async fn bad_requests_are_refused(app: &TestApp, patient: &Browser, client: &str) {
    let launch = Launch::new();
    let unknown = patient.get(&launch.address(app, client, &[("client_id", &uuid::Uuid::now_v7().to_string())])).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.html.contains("not registered"), "{}", unknown.html);
    let elsewhere = patient.get(&launch.address(app, client, &[("redirect_uri", "https://evil.example/cb")])).await;
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST, "never sent to an address the app did not register");
    assert!(elsewhere.location.is_empty());
    for (overrides, error) in [
        (vec![("code_challenge", "")], "invalid_request"),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("aud", "https://other.example/fhir")], "invalid_request"),
        (vec![("state", "")], "invalid_request"),
        (vec![("response_type", "token")], "unsupported_response_type"),
        (vec![("scope", "openid fhirUser patient/AuditEvent.rs")], "invalid_scope"),
    ] {
        let answer = sent_back(&patient.get(&launch.address(app, client, &overrides)).await);
        assert_eq!(param(&answer, "error"), Some(error), "{overrides:?}");
        if overrides[0].0 != "state" {
            assert_eq!(param(&answer, "state"), Some(launch.state.as_str()));
        }
    }
}

/// Where a sign-in goes next is only ever an app's consent screen.
async fn sign_in_goes_nowhere_else(app: &TestApp) {
    for next in [
        "//evil.example/apps/authorize?x",
        "https://evil.example/",
        "/apps/authorizeX?a",
        "/apps/authorize?\r\nx",
        "/apps/authorize?\\evil",
    ] {
        let browser = Browser::anonymous(app);
        let form = [("username", "patient.alice"), ("password", support::PASSWORD), ("next", next)];
        let page = browser.send(browser.http.post(format!("{}/signin", app.base)).form(&form)).await;
        assert_eq!((page.status, page.location.as_str()), (StatusCode::SEE_OTHER, "/"), "{next}");
    }
    let browser = Browser::anonymous(app);
    let form =
        [("username", "patient.alice"), ("password", support::PASSWORD), ("next", "/apps/authorize?client_id=x")];
    let page = browser.send(browser.http.post(format!("{}/signin", app.base)).form(&form)).await;
    assert_eq!(page.location, "/apps/authorize?client_id=x");
}

/// Discovery for SMART and `OpenID` Connect clients, and pages on other sites may call the API.
async fn discovery_and_cross_origin(app: &TestApp) {
    let oidc = TestApp::reply(app.http.get(format!("{}/fhir/r4/.well-known/openid-configuration", app.base))).await;
    assert_eq!(oidc.body["issuer"], format!("{}/fhir/r4", app.base));
    assert_eq!(oidc.body["id_token_signing_alg_values_supported"], json!(["RS256"]));
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/fhir/r4/auth/token", app.base))
        .header("origin", "https://diary.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    assert!(preflight.headers().get("access-control-allow-credentials").is_none());
    let metadata = app.http.get(format!("{}/fhir/r4/metadata", app.base)).header("origin", "https://diary.example");
    let metadata = metadata.send().await.expect("metadata");
    assert_eq!(metadata.headers()["access-control-allow-origin"], "*");
}

async fn a_patient_connects_an_app(app: &TestApp) {
    sign_in_goes_nowhere_else(app).await;
    discovery_and_cross_origin(app).await;
    let admin = app.login("admin").await;
    let client = register_app(app, &admin).await;
    let alice_id = app.id("patient.alice");

    // Discovery names every endpoint a launch needs.
    let config = TestApp::reply(app.http.get(format!("{}/fhir/r4/.well-known/smart-configuration", app.base))).await;
    assert_eq!(config.body["authorization_endpoint"], format!("{}/apps/authorize", app.base));
    assert_eq!(config.body["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(config.body["jwks_uri"], format!("{}/fhir/r4/.well-known/jwks.json", app.base));
    assert!(config.body["capabilities"].to_string().contains("launch-standalone"));

    // Not signed in: sign in first, then back to the consent screen.
    let launch = Launch::new();
    let address = launch.address(app, &client, &[]);
    let anonymous = Browser::anonymous(app).get(&address).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location.starts_with("/signin?next=%2Fapps%2Fauthorize%3F"), "{}", anonymous.location);
    let signin = Browser::anonymous(app).get(&anonymous.location).await;
    assert!(signin.html.contains("name=\"next\""), "the sign-in form carries where to go next");

    let alice = Browser::sign_in(app, "patient.alice").await;
    bad_requests_are_refused(app, &alice, &client).await;
    // The consent screen says what in words; its form may go on to the app.
    let screen = alice.get(&address).await;
    assert!(screen.html.contains("My Health Diary") && screen.html.contains("read your messages"), "{}", screen.html);
    assert!(!screen.html.contains("conversations waiting"), "Task was asked for but not registered: not offered");
    let csp =
        reqwest::Client::new().get(format!("{}{address}", app.base)).header("cookie", alice.cookie()).send().await;
    let csp =
        csp.expect("page").headers().get("content-security-policy").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert!(csp.unwrap_or_default().contains("form-action 'self' http://127.0.0.1:9"));

    // Refused: the app hears so, and gets nothing.
    let refused = consent(&alice, &address, "deny").await;
    assert_eq!(param(&refused, "error"), Some("access_denied"));
    assert!(param(&refused, "code").is_none());

    // Allowed: a code, redeemed once with the verifier.
    let answer = consent(&alice, &address, "allow").await;
    let code = param(&answer, "code").expect("a code").to_owned();
    let wrong = redeem(app, &client, &code, &Launch::new().verifier).await;
    assert_eq!((wrong.status, wrong.body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let other_app = redeem(app, &uuid::Uuid::now_v7().to_string(), &code, &launch.verifier).await;
    assert_eq!(other_app.body["error"], "invalid_grant");
    let tokens = redeem(app, &client, &code, &launch.verifier).await;
    assert_eq!(tokens.status, StatusCode::OK, "{:?}", tokens.body);
    assert_eq!(tokens.body["patient"], alice_id);
    assert_eq!(tokens.body["token_type"], "Bearer");
    let scope = tokens.body["scope"].as_str().expect("scope");
    assert!(scope.contains("patient/Communication.rs") && !scope.contains("Task"), "{scope}");
    let claims = verified_claims(app, tokens.body["id_token"].as_str().expect("an id_token")).await;
    assert_eq!(claims["fhirUser"], format!("{}/fhir/r4/Patient/{alice_id}", app.base));
    assert_eq!((claims["aud"].as_str(), claims["nonce"].as_str()), (Some(client.as_str()), Some("n-0S6_WzA2Mj")));
    let access = tokens.body["access_token"].as_str().expect("token").to_owned();

    // The token reads her record within its scopes, and nothing else.
    assert_eq!(fhir_status(app, &format!("Patient/{alice_id}"), &access).await, StatusCode::OK);
    assert_eq!(fhir_status(app, &format!("Communication?subject=Patient/{alice_id}"), &access).await, StatusCode::OK);
    assert_eq!(fhir_status(app, &format!("Patient/{}", app.id("patient.bob")), &access).await, StatusCode::NOT_FOUND);
    assert_eq!(fhir_status(app, "Task", &access).await, StatusCode::FORBIDDEN, "no Task scope");
    let api = app.get("/api/v1/threads", &access).await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "an app's token is for the FHIR API only");

    // Refresh tokens rotate: the old pair stops working.
    let old_refresh = tokens.body["refresh_token"].as_str().expect("offline_access gives a refresh token");
    let renewed = refresh(app, &client, old_refresh).await;
    assert_eq!(renewed.status, StatusCode::OK, "{:?}", renewed.body);
    assert!(renewed.body.get("id_token").is_none());
    assert_eq!(fhir_status(app, "Patient", &access).await, StatusCode::UNAUTHORIZED);
    let access = renewed.body["access_token"].as_str().expect("token").to_owned();
    assert_eq!(fhir_status(app, &format!("Patient/{alice_id}"), &access).await, StatusCode::OK);
    // An app's token is not a registered system's: no bulk export, even with a scope to read patients.
    let export = app
        .http
        .get(format!("{}/fhir/r4/Patient/$export?_type=Patient", app.base))
        .bearer_auth(&access)
        .header("prefer", "respond-async");
    let export = TestApp::reply(export).await;
    assert_eq!(export.status, StatusCode::FORBIDDEN);
    assert!(export.body.to_string().contains("registered systems"), "{:?}", export.body);

    // "Sign-in and security" lists it; disconnecting ends its access.
    let security = alice.get("/security").await;
    assert!(security.html.contains("Connected apps") && security.html.contains("My Health Diary"));
    let connection = value_after(&security.html, "action=\"/security/apps/");
    let connection = connection.trim_end_matches("/disconnect");
    let bob = Browser::sign_in(app, "patient.bob").await;
    let theirs = bob.post(&format!("/security/apps/{connection}/disconnect"), &[]).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "another patient cannot disconnect it");
    let done = alice.post(&format!("/security/apps/{connection}/disconnect"), &[]).await;
    assert_eq!((done.status, done.location.as_str()), (StatusCode::SEE_OTHER, "/security"));
    assert_eq!(fhir_status(app, &format!("Patient/{alice_id}"), &access).await, StatusCode::UNAUTHORIZED);
    let after = refresh(app, &client, renewed.body["refresh_token"].as_str().expect("refresh")).await;
    assert_eq!(after.body["error"], "invalid_grant");
    assert!(alice.get("/security").await.html.contains("You have not connected any app"));

    refusals_at_the_door(app, &alice, &client).await;
    copies_ports_and_revocation(app, &alice, &client, &admin).await;
    sign_out_everywhere_disconnects_apps(app, &admin).await;
}

/// The consent form and the token endpoint refuse what is not exactly right,
/// and a refused exchange leaves the code to the app that holds its verifier.
async fn refusals_at_the_door(app: &TestApp, alice: &Browser, client: &str) {
    let launch = Launch::new();
    let address = launch.address(app, client, &[]);
    let screen = alice.get(&address).await;
    let fields = consent_form(&screen, "allow");
    let post = |csrf: String, fields: Vec<(String, String)>| {
        let mut form = vec![("csrf_token".to_owned(), csrf)];
        form.extend(fields);
        alice.http.post(format!("{}/apps/authorize", app.base)).form(&form)
    };
    let forged = alice.send(post("not-the-token".into(), fields.clone())).await;
    assert_eq!((forged.status, forged.location.as_str()), (StatusCode::FORBIDDEN, ""), "no CSRF token, no code");
    let mut tampered = fields.clone();
    tampered.iter_mut().filter(|(n, _)| n == "redirect_uri").for_each(|(_, v)| *v = "https://evil.example/cb".into());
    let tampered = alice.send(post(alice.csrf.clone(), tampered)).await;
    assert_eq!((tampered.status, tampered.location.as_str()), (StatusCode::BAD_REQUEST, ""));
    let kim = Browser::sign_in(app, "rn.kim").await;
    let mut form = vec![("csrf_token".to_owned(), kim.csrf.clone())];
    form.extend(fields.clone());
    let staff = kim.send(kim.http.post(format!("{}/apps/authorize", app.base)).form(&form)).await;
    assert_eq!(staff.status, StatusCode::FORBIDDEN, "staff cannot allow an app into a patient's record");

    let answer = sent_back(&alice.send(post(alice.csrf.clone(), fields)).await);
    let code = param(&answer, "code").expect("a code");
    let attempt = async |redirect: &str, verifier: Option<&str>| {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("client_id", client),
        ];
        if let Some(verifier) = verifier {
            form.push(("code_verifier", verifier));
        }
        token(app, &form).await
    };
    let elsewhere = attempt("http://127.0.0.1:9/other", Some(&launch.verifier)).await;
    assert_eq!(elsewhere.body["error"], "invalid_grant");
    let bare = attempt(CALLBACK, None).await;
    assert_eq!((bare.status, bare.body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    let tokens = attempt(CALLBACK, Some(&launch.verifier)).await;
    assert_eq!(tokens.status, StatusCode::OK, "{:?}", tokens.body);
    let refresh_token = tokens.body["refresh_token"].as_str().expect("refresh");
    let other = refresh(app, &uuid::Uuid::now_v7().to_string(), refresh_token).await;
    assert_eq!(other.body["error"], "invalid_grant", "a refresh token is its app's alone");
    assert_eq!(refresh(app, client, refresh_token).await.status, StatusCode::OK, "and still its app's");
}

/// Copied codes and refresh tokens end a connection; a wildcard and a
/// loopback port; staff refused; a revoked app ends every connection.
async fn copies_ports_and_revocation(app: &TestApp, alice: &Browser, client: &str, admin: &str) {
    let client = client.to_owned();
    let alice_id = app.id("patient.alice");
    // A code presented twice ends what it started.
    let replay = Launch::new();
    let answer = consent(alice, &replay.address(app, &client, &[]), "allow").await;
    let code = param(&answer, "code").expect("a code");
    let first = redeem(app, &client, code, &replay.verifier).await;
    let first_access = first.body["access_token"].as_str().expect("token");
    assert_eq!(redeem(app, &client, code, &replay.verifier).await.body["error"], "invalid_grant");
    assert_eq!(fhir_status(app, "Patient", first_access).await, StatusCode::UNAUTHORIZED);

    assert_eq!(
        refresh(app, &client, first.body["refresh_token"].as_str().expect("refresh")).await.body["error"],
        "invalid_grant"
    );

    // A refresh token presented after it was traded in was copied: the connection ends.
    let stolen = connect(app, alice, &client).await;
    let stolen_refresh = stolen["refresh_token"].as_str().expect("refresh");
    let thief = refresh(app, &client, stolen_refresh).await;
    assert_eq!(thief.status, StatusCode::OK);
    // Two rotations on, the first token presented again still gives the copy away.
    let thief = refresh(app, &client, thief.body["refresh_token"].as_str().expect("r")).await;
    assert_eq!(thief.status, StatusCode::OK);
    assert_eq!(refresh(app, &client, stolen_refresh).await.body["error"], "invalid_grant");
    let thief_access = thief.body["access_token"].as_str().expect("token");
    assert_eq!(fhir_status(app, "Patient", thief_access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh(app, &client, thief.body["refresh_token"].as_str().expect("r")).await.body["error"],
        "invalid_grant"
    );

    // A wildcard is granted as the registered types; an app on her computer picks its port.
    let wide = Launch::new();
    let address =
        wide.address(app, &client, &[("scope", "patient/*.read"), ("redirect_uri", "http://127.0.0.1:5555/callback")]);
    let answer = consent(alice, &address, "allow").await;
    assert_eq!(param(&answer, "(port)"), Some("5555"), "sent back to the port the app asked for");
    let code = param(&answer, "code").expect("a code");
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", "http://127.0.0.1:5555/callback"),
        ("client_id", client.as_str()),
        ("code_verifier", wide.verifier.as_str()),
    ];
    let tokens = token(app, &fields).await;
    assert_eq!(tokens.body["scope"], "patient/Communication.rs patient/Patient.r", "{:?}", tokens.body);
    assert!(tokens.body.get("refresh_token").is_none() && tokens.body.get("id_token").is_none());

    // Staff do not connect apps to a patient's record.
    let kim = Browser::sign_in(app, "rn.kim").await;
    assert_eq!(kim.get(&address).await.status, StatusCode::FORBIDDEN);

    // Revoking the app ends every patient's connection to it.
    let live = connect(app, alice, &client).await;
    let live_access = live["access_token"].as_str().expect("token");
    assert_eq!(fhir_status(app, &format!("Patient/{alice_id}"), live_access).await, StatusCode::OK);
    let revoked =
        app.call(reqwest::Method::DELETE, &format!("/api/v1/admin/patient-apps/{client}"), Some(admin), None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(fhir_status(app, "Patient", live_access).await, StatusCode::UNAUTHORIZED);
    let after = refresh(app, &client, live["refresh_token"].as_str().expect("refresh")).await;
    assert_eq!(after.body["error"], "invalid_grant");
    assert_eq!(alice.get(&Launch::new().address(app, &client, &[])).await.status, StatusCode::BAD_REQUEST);
}

/// Signing out everywhere ends every session, the apps' too, for good.
async fn sign_out_everywhere_disconnects_apps(app: &TestApp, admin: &str) {
    let body = json!({"name": "Second app", "redirect_uris": [CALLBACK], "scopes": "patient/Patient.r"});
    let r = app.post("/api/v1/admin/patient-apps", admin, body).await;
    let client = r.body["client_id"].as_str().expect("client id").to_owned();
    let alice = Browser::sign_in(app, "patient.alice").await;
    let tokens = connect(app, &alice, &client).await;
    let access = tokens["access_token"].as_str().expect("token");
    assert_eq!(fhir_status(app, &format!("Patient/{}", app.id("patient.alice")), access).await, StatusCode::OK);
    let out = alice.post("/security/sign-out-everywhere", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(fhir_status(app, "Patient", access).await, StatusCode::UNAUTHORIZED);
    let again = refresh(app, &client, tokens["refresh_token"].as_str().expect("refresh")).await;
    assert_eq!(again.body["error"], "invalid_grant", "the app cannot come back with its refresh token");
}

#[tokio::test]
async fn a_patient_connects_an_app_and_ends_its_access() {
    for backend in backends() {
        let app = spawn(backend).await;
        a_patient_connects_an_app(&app).await;
    }
}
