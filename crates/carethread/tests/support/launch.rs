//! A patient's app's side of SMART App Launch, for tests: its PKCE pair and
//! `state`, the authorization address, the consent screen answered as the
//! patient, the token requests, and the check of an `id_token` against the
//! key the server publishes.

#![allow(dead_code, reason = "each test binary uses a different part of it")]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde_json::{Value, json};

use crate::support::browser::{Browser, Page, value_after};
use crate::support::{Reply, TestApp};

pub const CALLBACK: &str = "http://127.0.0.1:9/callback";

/// The app's side of one launch: its PKCE pair and `state`.
pub struct Launch {
    pub verifier: String,
    pub state: String,
}

impl Launch {
    pub fn new() -> Self {
        let verifier = format!("{}-{}", uuid::Uuid::now_v7().simple(), uuid::Uuid::now_v7().simple());
        Self { verifier, state: uuid::Uuid::now_v7().simple().to_string() }
    }

    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, self.verifier.as_bytes()))
    }

    /// The authorization address with `overrides` in place of the defaults.
    pub fn address(&self, app: &TestApp, client: &str, overrides: &[(&str, &str)]) -> String {
        let aud = format!("{}/fhir/r4", app.base);
        let challenge = self.challenge();
        let mut params: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", client),
            ("redirect_uri", CALLBACK),
            (
                "scope",
                "launch/patient openid fhirUser offline_access patient/Communication.rs patient/Patient.r patient/Task.rs",
            ),
            ("state", &self.state),
            ("aud", &aud),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("nonce", "n-0S6_WzA2Mj"),
        ];
        for (name, value) in overrides {
            params.retain(|(n, _)| n != name);
            if !value.is_empty() {
                params.push((name, value));
            }
        }
        let query = params.iter().map(|(n, v)| format!("{n}={}", url_encode(v))).collect::<Vec<_>>().join("&");
        format!("/apps/authorize?{query}")
    }
}

pub fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The query parameters of an address the app was sent back to (its
/// registered callback, on whichever port it asked for).
pub fn sent_back(page: &Page) -> Vec<(String, String)> {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let url = reqwest::Url::parse(&page.location).expect("an absolute address");
    assert_eq!(
        format!("{}://{}{}", url.scheme(), url.host_str().unwrap_or(""), url.path()),
        "http://127.0.0.1/callback"
    );
    let mut params: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    params.push(("(port)".to_owned(), url.port().map(|p| p.to_string()).unwrap_or_default()));
    params
}

pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The consent form's fields as the screen holds them, with the patient's answer.
pub fn consent_form(screen: &Page, decision: &str) -> Vec<(String, String)> {
    let names = [
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "aud",
        "code_challenge",
        "code_challenge_method",
        "nonce",
    ];
    let field = |name: &str| html_unescape(&value_after(&screen.html, &format!("name=\"{name}\" value=\"")));
    let mut fields: Vec<(String, String)> = names.iter().map(|n| ((*n).to_owned(), field(n))).collect();
    fields.push(("decision".to_owned(), decision.to_owned()));
    fields
}

/// The patient allows (or refuses) on the consent screen; the app's address with its answer.
pub async fn consent(patient: &Browser, address: &str, decision: &str) -> Vec<(String, String)> {
    let screen = patient.get(address).await;
    assert_eq!(screen.status, StatusCode::OK, "{}", screen.html);
    let fields = consent_form(&screen, decision);
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    sent_back(&patient.post("/apps/authorize", &borrowed).await)
}

pub fn html_unescape(value: &str) -> String {
    value.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

pub async fn token(app: &TestApp, fields: &[(&str, &str)]) -> Reply {
    TestApp::reply(app.http.post(format!("{}/fhir/r4/auth/token", app.base)).form(fields)).await
}

pub async fn redeem(app: &TestApp, client: &str, code: &str, verifier: &str) -> Reply {
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("client_id", client),
        ("code_verifier", verifier),
    ];
    token(app, &fields).await
}

pub async fn refresh(app: &TestApp, client: &str, refresh_token: &str) -> Reply {
    token(app, &[("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", client)]).await
}

pub async fn fhir_status(app: &TestApp, path: &str, token: &str) -> StatusCode {
    TestApp::reply(app.http.get(format!("{}/fhir/r4/{path}", app.base)).bearer_auth(token)).await.status
}

/// A whole launch: consent, then the code redeemed. The token answer.
pub async fn connect(app: &TestApp, patient: &Browser, client: &str) -> Value {
    let launch = Launch::new();
    let answer = consent(patient, &launch.address(app, client, &[]), "allow").await;
    assert_eq!(param(&answer, "state"), Some(launch.state.as_str()));
    assert_eq!(param(&answer, "(port)"), Some("9"));
    let code = param(&answer, "code").expect("a code");
    let r = redeem(app, client, code, &launch.verifier).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

/// The `id_token` verifies against the key the server publishes; its claims.
pub async fn verified_claims(app: &TestApp, id_token: &str) -> Value {
    let jwks = TestApp::reply(app.http.get(format!("{}/fhir/r4/.well-known/jwks.json", app.base))).await;
    let key = &jwks.body["keys"][0];
    assert_eq!(key["alg"], "RS256");
    let part = |v: &Value| URL_SAFE_NO_PAD.decode(v.as_str().expect("string")).expect("base64url");
    let public = RsaPublicKeyComponents { n: part(&key["n"]), e: part(&key["e"]) };
    let (input, signature) = id_token.rsplit_once('.').expect("a JWT");
    public
        .verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &part(&json!(signature)))
        .expect("the id_token is signed with the published key");
    let header: Value = serde_json::from_slice(&part(&json!(input.split('.').next().expect("header")))).expect("json");
    assert_eq!(header["kid"], key["kid"]);
    serde_json::from_slice(&part(&json!(input.split('.').nth(1).expect("claims")))).expect("json")
}
