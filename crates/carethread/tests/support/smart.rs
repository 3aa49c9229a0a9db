//! A registered system's side of SMART Backend Services, for tests: its
//! keys (P-384 made here, RSA from a fixture), the assertions it signs,
//! registering it and asking for a token.

#![allow(dead_code, reason = "each test binary uses a different part of it")]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use serde_json::{Value, json};

use crate::support::{Reply, TestApp};

/// The client assertion type of SMART Backend Services.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A key a system signs with, and its public half as a JWK Set.
pub enum Signer {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

impl Signer {
    pub fn ec() -> Self {
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P384_SHA384_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("key");
        Self::Ec(EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("key pair"))
    }

    pub fn rsa() -> Self {
        let der = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/system-client-rsa.der"))
            .expect("the RSA test key");
        Self::Rsa(RsaKeyPair::from_der(&der).expect("RSA key pair"))
    }

    fn alg(&self) -> &'static str {
        match self {
            Signer::Ec(_) => "ES384",
            Signer::Rsa(_) => "RS384",
        }
    }

    pub fn jwks(&self) -> Value {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        match self {
            Signer::Ec(pair) => {
                let point = pair.public_key().as_ref();
                json!({"keys": [{"kty": "EC", "crv": "P-384", "kid": "lab-1", "use": "sig",
                    "x": b64(&point[1..49]), "y": b64(&point[49..])}]})
            }
            Signer::Rsa(pair) => {
                let public = signature::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                json!({"keys": [{"kty": "RSA", "kid": "lab-1", "alg": "RS384", "n": b64(&public.n), "e": b64(&public.e)}]})
            }
        }
    }

    /// A compact JWS of `claims`, signed with this key.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": self.alg(), "kid": "lab-1", "typ": "JWT"});
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let rng = SystemRandom::new();
        let sig = match self {
            Signer::Ec(pair) => pair.sign(&rng, input.as_bytes()).expect("sign").as_ref().to_vec(),
            Signer::Rsa(pair) => {
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA384, &rng, input.as_bytes(), &mut sig).expect("sign");
                sig
            }
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }
}

/// The claims of an assertion from `client` to `audience`, valid for four minutes.
pub fn claims(client: &str, audience: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": client, "sub": client, "aud": audience, "exp": now + 240,
        "jti": uuid::Uuid::now_v7().to_string()})
}

pub async fn token_request(app: &TestApp, fields: &[(&str, &str)]) -> Reply {
    TestApp::reply(app.http.post(format!("{}/fhir/r4/auth/token", app.base)).form(fields)).await
}

/// Asks for a token with a freshly signed assertion.
pub async fn token_for(app: &TestApp, signer: &Signer, client: &str, scope: &str) -> Reply {
    let assertion = signer.sign(&claims(client, &format!("{}/fhir/r4/auth/token", app.base)));
    token_request(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("scope", scope),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &assertion),
        ],
    )
    .await
}

pub async fn register(app: &TestApp, admin: &str, signer: &Signer, scopes: &str) -> Value {
    let body = json!({"name": "Laboratory interface", "role": "nurse", "jwks": signer.jwks(), "scopes": scopes});
    let r = app.post("/api/v1/admin/system-clients", admin, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body
}
