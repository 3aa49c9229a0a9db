//! SMART App Launch (standalone) for a patient's apps: what a launch asks
//! for (`patient/` resource scopes, `launch/patient`, `openid fhirUser`,
//! `offline_access`), the PKCE check that ties a code to the app that asked
//! for it (S256, RFC 7636), and the signed `id_token` (RS256) that tells the
//! app who signed in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents};
use serde_json::{Value, json};

use super::scopes::Scopes;

/// What a launch's `scope` parameter asks for, as far as CareThread grants
/// it. Scopes CareThread does not grant to apps (`system/`, `user/`, an EHR
/// `launch`, anything unknown) are left out, as OAuth allows: the token's
/// `scope` says what was granted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchScopes {
    /// The `patient/` resource scopes asked for.
    pub resources: Scopes,
    pub launch_patient: bool,
    pub openid: bool,
    pub fhir_user: bool,
    /// Whether a refresh token was asked for, and for how long.
    pub refresh: Option<Refresh>,
}

/// The refresh token a launch asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// `offline_access`: lasts while the patient keeps the app connected.
    Offline,
    /// `online_access`: lasts a shorter while (a session's longest life).
    Online,
}

impl LaunchScopes {
    /// Reads a launch's space-separated scopes, keeping what apps may be granted.
    #[must_use]
    pub fn parse(raw: &str) -> Self {
        let mut out = Self::default();
        let mut resources = Vec::new();
        for scope in raw.split_ascii_whitespace() {
            match scope {
                "launch/patient" => out.launch_patient = true,
                "openid" => out.openid = true,
                "fhirUser" => out.fhir_user = true,
                "offline_access" => out.refresh = Some(Refresh::Offline),
                "online_access" => out.refresh = out.refresh.or(Some(Refresh::Online)),
                other if other.starts_with("patient/") && Scopes::parse(other).is_ok() => resources.push(other),
                _ => {}
            }
        }
        out.resources = Scopes::parse(&resources.join(" ")).unwrap_or_default();
        out
    }

    /// These scopes with the resource scopes narrowed to what an app was
    /// registered for.
    #[must_use]
    pub fn within(&self, registered: &Scopes) -> Self {
        Self { resources: self.resources.within(registered), ..self.clone() }
    }

    /// Whether a refresh token is to be given.
    #[must_use]
    pub const fn refreshable(&self) -> bool {
        self.refresh.is_some()
    }

    /// Whether an `id_token` is to be given (`openid`; it names the
    /// patient's FHIR resource when `fhirUser` was asked for too).
    #[must_use]
    pub const fn identity(&self) -> bool {
        self.openid
    }
}

impl std::fmt::Display for LaunchScopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let flags = [
            (self.launch_patient, "launch/patient"),
            (self.openid, "openid"),
            (self.fhir_user, "fhirUser"),
            (matches!(self.refresh, Some(Refresh::Offline)), "offline_access"),
            (matches!(self.refresh, Some(Refresh::Online)), "online_access"),
        ];
        let mut words: Vec<String> = flags.iter().filter(|(on, _)| *on).map(|(_, w)| (*w).to_owned()).collect();
        if !self.resources.is_empty() {
            words.push(self.resources.to_string());
        }
        f.write_str(&words.join(" "))
    }
}

/// Whether a PKCE `code_challenge` is well formed: S256 of a verifier is 43
/// base64url characters.
#[must_use]
pub fn challenge_valid(challenge: &str) -> bool {
    challenge.len() == 43 && URL_SAFE_NO_PAD.decode(challenge).is_ok_and(|b| b.len() == 32)
}

/// Whether `verifier` is the one `challenge` (S256) was made from. A
/// verifier is 43 to 128 unreserved characters (RFC 7636 §4.1).
#[must_use]
pub fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return false;
    }
    let made = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    // Both are public values once the code is redeemed; the comparison is
    // constant-time all the same.
    made.len() == challenge.len() && made.bytes().zip(challenge.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// Why the clinic's signing key could not be used (its stored form is not a
/// key ring reads).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the clinic's signing key could not be read")]
pub struct SigningKeyError;

/// The clinic's key for signing `id_token`s (RS256), with the id (`kid`)
/// its public half is published under.
pub struct SigningKey {
    kid: String,
    pair: RsaKeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new 2048-bit key and its PKCS#8 form, to be kept (sealed) by the
    /// store. `ring` signs with it; `rsa` only makes it, as `ring` cannot.
    pub fn generate(kid: &str) -> Result<(Self, Vec<u8>), SigningKeyError> {
        use rsa::pkcs8::EncodePrivateKey;
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|_| SigningKeyError)?;
        let der = key.to_pkcs8_der().map_err(|_| SigningKeyError)?;
        let pkcs8 = der.as_bytes().to_vec();
        Ok((Self::from_pkcs8(kid, &pkcs8)?, pkcs8))
    }

    /// Reads a key from its PKCS#8 form.
    pub fn from_pkcs8(kid: &str, pkcs8: &[u8]) -> Result<Self, SigningKeyError> {
        let pair = RsaKeyPair::from_pkcs8(pkcs8).map_err(|_| SigningKeyError)?;
        Ok(Self { kid: kid.to_owned(), pair })
    }

    /// The public half as a JWK, published in the set at the `jwks_uri`.
    #[must_use]
    pub fn public_jwk(&self) -> Value {
        let public: RsaPublicKeyComponents<Vec<u8>> = self.pair.public().into();
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(&public.n),
            "e": URL_SAFE_NO_PAD.encode(&public.e),
        })
    }

    /// Signs `claims` as a compact JWT (RS256).
    pub fn sign(&self, claims: &Value) -> Result<String, SigningKeyError> {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut signature)
            .map_err(|_| SigningKeyError)?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smart::Context;

    #[test]
    fn a_launch_keeps_what_apps_may_be_granted() {
        let asked = LaunchScopes::parse(
            "launch/patient openid fhirUser offline_access patient/Communication.rs system/*.rs user/Task.rs launch patient/Nope",
        );
        assert!(asked.launch_patient && asked.identity() && asked.fhir_user && asked.refreshable());
        assert_eq!(asked.to_string(), "launch/patient openid fhirUser offline_access patient/Communication.rs");
        let narrowed = asked.within(&Scopes::parse("patient/Communication.r patient/Task.rs").expect("scopes"));
        assert_eq!(narrowed.resources.to_string(), "patient/Communication.r");
        let bare = LaunchScopes::parse("patient/*.rs");
        assert!(!bare.identity() && !bare.refreshable() && !bare.launch_patient);
    }

    #[test]
    fn the_verifier_must_be_the_one_the_challenge_was_made_from() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(challenge_valid(challenge));
        assert!(verifier_matches(verifier, challenge));
        assert!(!verifier_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj", challenge));
        assert!(!verifier_matches("short", challenge), "a verifier under 43 characters");
        assert!(!verifier_matches(&format!("{verifier}+"), challenge), "a character outside the unreserved set");
        assert!(!challenge_valid("plain-challenge"));
    }

    #[test]
    fn an_id_token_verifies_against_the_published_key() {
        let (key, pkcs8) = SigningKey::generate("k1").expect("a key is made");
        let again = SigningKey::from_pkcs8("k1", &pkcs8).expect("its stored form reads back");
        assert_eq!(key.public_jwk(), again.public_jwk());
        let token = again.sign(&json!({"sub": "someone", "aud": "app"})).expect("signed");
        let jwk = &key.public_jwk();
        let part = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().expect("string")).expect("base64url");
        let public = RsaPublicKeyComponents { n: part("n"), e: part("e") };
        let (input, signature) = token.rsplit_once('.').expect("three parts");
        let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
        public
            .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &signature)
            .expect("the signature verifies");
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(input.split('.').next().expect("header")).expect("b64"))
                .expect("json");
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], "k1");
        assert!(SigningKey::from_pkcs8("k1", b"not a key").is_err());
    }

    #[test]
    fn apps_are_registered_with_patient_scopes_only() {
        assert!(Scopes::parse("patient/*.rs").expect("scopes").only_in(Context::Patient));
        assert!(!Scopes::parse("patient/*.rs system/Task.rs").expect("scopes").only_in(Context::Patient));
        assert!(!Scopes::default().only_in(Context::Patient));
    }
}
