//! SMART Backend Services client authentication: a client proves who it is
//! with a JWT it signed (`private_key_jwt`, RFC 7523) with a key whose public
//! half the clinic registered as a JWK Set. RS384 and ES384 are accepted.
//!
//! Verified here: the signature against the key the header's `kid` names,
//! `iss` and `sub` both the client's id, `aud` the token endpoint, `exp` in
//! the future and at most five minutes away, and a `jti`. That a `jti` is
//! used only once is the store's to keep.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::Value;

/// How far ahead an assertion may expire (SMART: no more than five minutes).
pub const MAX_ASSERTION_LIFETIME: TimeDelta = TimeDelta::minutes(5);

/// Why a client's assertion or key set was refused. The messages name what
/// is wrong, never a token or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AssertionError(pub &'static str);

#[derive(Debug, Clone, PartialEq, Eq)]
enum PublicKey {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// The uncompressed P-384 point: `04 || x || y`.
    EcP384(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Jwk {
    kid: String,
    key: PublicKey,
}

/// A client's registered public keys (a JWK Set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwks(Vec<Jwk>);

impl Jwks {
    /// Reads a JWK Set (`{"keys": [...]}`). Each key needs a `kid`; RSA keys
    /// of at least 2048 bits and EC keys on P-384 are kept, keys for other
    /// uses are skipped, and a set with none usable is refused. Private
    /// parts in a key are refused: the clinic must never hold them.
    pub fn parse(raw: &str) -> Result<Self, AssertionError> {
        let value: Value = serde_json::from_str(raw).map_err(|_| AssertionError("the key set is not JSON"))?;
        let keys = value.get("keys").and_then(Value::as_array).ok_or(AssertionError("the key set has no keys"))?;
        let mut usable = Vec::new();
        for key in keys {
            if ["d", "p", "q", "dp", "dq", "qi"].iter().any(|private| key.get(private).is_some()) {
                return Err(AssertionError("the key set holds a private key: register only public keys"));
            }
            if key.get("use").and_then(Value::as_str).is_some_and(|u| u != "sig") {
                continue;
            }
            let kid = key.get("kid").and_then(Value::as_str).filter(|k| !k.is_empty() && k.len() <= 200);
            let Some(kid) = kid else { return Err(AssertionError("every key needs a kid")) };
            if let Some(key) = public_key(key)? {
                usable.push(Jwk { kid: kid.to_owned(), key });
            }
        }
        if usable.is_empty() {
            return Err(AssertionError("the key set has no RSA (2048 bits or more) or P-384 signing key"));
        }
        Ok(Self(usable))
    }
}

fn b64(value: Option<&Value>) -> Result<Vec<u8>, AssertionError> {
    value
        .and_then(Value::as_str)
        .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
        .ok_or(AssertionError("a key's parameters are not base64url"))
}

fn public_key(key: &Value) -> Result<Option<PublicKey>, AssertionError> {
    match key.get("kty").and_then(Value::as_str) {
        Some("RSA") => {
            let n = b64(key.get("n"))?;
            let e = b64(key.get("e"))?;
            let bits = n.iter().skip_while(|b| **b == 0).count() * 8;
            if bits < 2048 {
                return Err(AssertionError("RSA keys must have at least 2048 bits"));
            }
            Ok(Some(PublicKey::Rsa { n, e }))
        }
        Some("EC") if key.get("crv").and_then(Value::as_str) == Some("P-384") => {
            let (x, y) = (b64(key.get("x"))?, b64(key.get("y"))?);
            if x.len() != 48 || y.len() != 48 {
                return Err(AssertionError("a P-384 key's x and y must be 48 bytes each"));
            }
            Ok(Some(PublicKey::EcP384([&[4u8][..], &x, &y].concat())))
        }
        _ => Ok(None),
    }
}

/// An assertion that checked out: its `jti` (to be used once) and when it
/// expires (how long the `jti` must be remembered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    pub jti: String,
    pub expires_at: DateTime<Utc>,
}

/// What the assertion must say of itself.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub client_id: &'a str,
    /// The token endpoint's address, as the client was told it.
    pub audience: &'a str,
    pub now: DateTime<Utc>,
}

/// The `iss` an assertion claims, read before anything is verified: only
/// to find whose keys to check it with.
#[must_use]
pub fn unverified_issuer(token: &str) -> Option<String> {
    let claims = token.split('.').nth(1)?;
    let body: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    body.get("iss")?.as_str().map(str::to_owned)
}

/// Checks a client's signed assertion against its keys.
pub fn verify_assertion(token: &str, keys: &Jwks, expected: Expected<'_>) -> Result<VerifiedAssertion, AssertionError> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(AssertionError("the assertion is not a signed JWT (three parts)"));
    };
    let json = |part: &str| -> Result<Value, AssertionError> {
        let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| AssertionError("the assertion is not base64url"))?;
        serde_json::from_slice(&bytes).map_err(|_| AssertionError("the assertion is not JSON"))
    };
    let (head, body) = (json(header)?, json(claims)?);
    let signature = URL_SAFE_NO_PAD.decode(sig).map_err(|_| AssertionError("the signature is not base64url"))?;
    let alg = head.get("alg").and_then(Value::as_str).unwrap_or("");
    let kid = head.get("kid").and_then(Value::as_str).ok_or(AssertionError("the assertion names no kid"))?;
    let key = keys.0.iter().find(|k| k.kid == kid).ok_or(AssertionError("no registered key has that kid"))?;
    let signed = &token.as_bytes()[..header.len() + 1 + claims.len()];
    let valid = match (alg, &key.key) {
        ("RS384", PublicKey::Rsa { n, e }) => {
            RsaPublicKeyComponents { n, e }.verify(&signature::RSA_PKCS1_2048_8192_SHA384, signed, &signature).is_ok()
        }
        ("ES384", PublicKey::EcP384(point)) => {
            UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point).verify(signed, &signature).is_ok()
        }
        ("RS384" | "ES384", _) => return Err(AssertionError("the key that kid names is not for that alg")),
        _ => return Err(AssertionError("alg must be RS384 or ES384")),
    };
    if !valid {
        return Err(AssertionError("the signature does not match the registered key"));
    }
    check_claims(&body, expected)
}

fn check_claims(body: &Value, expected: Expected<'_>) -> Result<VerifiedAssertion, AssertionError> {
    let text = |name: &str| body.get(name).and_then(Value::as_str);
    if text("iss") != Some(expected.client_id) || text("sub") != Some(expected.client_id) {
        return Err(AssertionError("iss and sub must both be the client_id"));
    }
    let audience_matches = match body.get("aud") {
        Some(Value::String(aud)) => aud == expected.audience,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(expected.audience)),
        _ => false,
    };
    if !audience_matches {
        return Err(AssertionError("aud must be the token endpoint's address"));
    }
    let exp = body.get("exp").and_then(Value::as_i64).ok_or(AssertionError("the assertion has no exp"))?;
    let expires_at = DateTime::from_timestamp(exp, 0).ok_or(AssertionError("exp is not a time"))?;
    if expires_at <= expected.now {
        return Err(AssertionError("the assertion has expired"));
    }
    if expires_at > expected.now + MAX_ASSERTION_LIFETIME {
        return Err(AssertionError("exp may be at most five minutes ahead"));
    }
    let jti =
        text("jti").filter(|j| !j.is_empty() && j.len() <= 200).ok_or(AssertionError("the assertion has no jti"))?;
    Ok(VerifiedAssertion { jti: jti.to_owned(), expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use serde_json::json;

    const AUD: &str = "https://clinic.example/fhir/r4/auth/token";

    fn ec_key() -> (EcdsaKeyPair, String) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).expect("key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref(), &rng).expect("pair");
        let point = pair.public_key().as_ref();
        let jwks = json!({"keys": [{"kty": "EC", "crv": "P-384", "kid": "k1",
            "x": URL_SAFE_NO_PAD.encode(&point[1..49]), "y": URL_SAFE_NO_PAD.encode(&point[49..])}]});
        (pair, jwks.to_string())
    }

    fn signed(pair: &EcdsaKeyPair, header: &Value, claims: &Value) -> String {
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let sig = pair.sign(&SystemRandom::new(), input.as_bytes()).expect("sign");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }

    fn claims(now: DateTime<Utc>) -> Value {
        json!({"iss": "c1", "sub": "c1", "aud": AUD, "exp": now.timestamp() + 240, "jti": "j1"})
    }

    #[test]
    fn an_es384_assertion_from_the_registered_key_checks_out_and_others_do_not() {
        let now = Utc::now();
        let (pair, jwks) = ec_key();
        let keys = Jwks::parse(&jwks).expect("keys");
        let expected = Expected { client_id: "c1", audience: AUD, now };
        let head = json!({"alg": "ES384", "kid": "k1", "typ": "JWT"});
        let ok = verify_assertion(&signed(&pair, &head, &claims(now)), &keys, expected).expect("verified");
        assert_eq!(ok.jti, "j1");

        let (stranger, _) = ec_key();
        let forged = signed(&stranger, &head, &claims(now));
        assert!(verify_assertion(&forged, &keys, expected).is_err(), "another key's signature");
        let mut tampered = signed(&pair, &head, &claims(now));
        tampered.insert(tampered.find('.').expect("dot") + 2, 'A');
        assert!(verify_assertion(&tampered, &keys, expected).is_err(), "claims changed after signing");

        let cases = [
            (json!({"alg": "none", "kid": "k1"}), claims(now), "alg none"),
            (json!({"alg": "RS384", "kid": "k1"}), claims(now), "alg of another key type"),
            (json!({"alg": "ES384", "kid": "k2"}), claims(now), "unknown kid"),
            (
                head.clone(),
                json!({"iss": "c2", "sub": "c2", "aud": AUD, "exp": now.timestamp() + 60, "jti": "j"}),
                "iss",
            ),
            (
                head.clone(),
                json!({"iss": "c1", "sub": "c1", "aud": "x", "exp": now.timestamp() + 60, "jti": "j"}),
                "aud",
            ),
            (
                head.clone(),
                json!({"iss": "c1", "sub": "c1", "aud": AUD, "exp": now.timestamp() - 1, "jti": "j"}),
                "exp",
            ),
            (
                head.clone(),
                json!({"iss": "c1", "sub": "c1", "aud": AUD, "exp": now.timestamp() + 600, "jti": "j"}),
                "far exp",
            ),
            (head.clone(), json!({"iss": "c1", "sub": "c1", "aud": [AUD], "exp": now.timestamp() + 60}), "no jti"),
        ];
        for (header, body, what) in cases {
            assert!(verify_assertion(&signed(&pair, &header, &body), &keys, expected).is_err(), "{what}");
        }
        assert!(verify_assertion("a.b", &keys, expected).is_err());
    }

    #[test]
    fn key_sets_without_a_usable_public_signing_key_are_refused() {
        let (_, jwks) = ec_key();
        let mut with_private: Value = serde_json::from_str(&jwks).expect("json");
        with_private["keys"][0]["d"] = json!("AAAA");
        assert!(Jwks::parse(&with_private.to_string()).is_err(), "private part");
        let short_rsa =
            json!({"keys": [{"kty": "RSA", "kid": "r", "n": URL_SAFE_NO_PAD.encode([0xffu8; 128]), "e": "AQAB"}]});
        assert!(Jwks::parse(&short_rsa.to_string()).is_err(), "1024-bit RSA");
        let p256 = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "e", "x": "AA", "y": "AA"}]});
        assert!(Jwks::parse(&p256.to_string()).is_err(), "no usable key");
        assert!(Jwks::parse("[]").is_err() && Jwks::parse("not json").is_err());
        let no_kid: Value = serde_json::from_str(&jwks.replace("\"kid\":\"k1\",", "")).expect("json");
        assert!(Jwks::parse(&no_kid.to_string()).is_err(), "no kid");
        let rsa =
            json!({"keys": [{"kty": "RSA", "kid": "r", "n": URL_SAFE_NO_PAD.encode([0xffu8; 256]), "e": "AQAB"}]});
        assert!(Jwks::parse(&rsa.to_string()).is_ok());
    }
}
