//! SMART on FHIR: for systems (Backend Services), the scopes a token may
//! hold and the signed assertion a client authenticates with; for a
//! patient's apps (App Launch), what a launch asks for, PKCE and the
//! `id_token`.

mod assertion;
mod launch;
mod scopes;

pub use assertion::{
    AssertionError, Expected, Jwks, MAX_ASSERTION_LIFETIME, VerifiedAssertion, unverified_issuer, verify_assertion,
};
pub use launch::{LaunchScopes, Refresh, SigningKey, SigningKeyError, challenge_valid, verifier_matches};
pub use scopes::{Context, Permission, ScopeError, Scopes};
