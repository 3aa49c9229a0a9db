//! SMART on FHIR for systems (Backend Services): the scopes a token may
//! hold and the signed assertion a client authenticates with.

mod assertion;
mod scopes;

pub use assertion::{
    AssertionError, Expected, Jwks, MAX_ASSERTION_LIFETIME, VerifiedAssertion, unverified_issuer, verify_assertion,
};
pub use scopes::{Permission, ScopeError, Scopes};
