//! What the store keeps of a system registered for the FHIR API.

use carethread_core::ids::ClientId;
use carethread_core::user::User;
use chrono::{DateTime, Utc};

use crate::{NewAccount, SessionRecord};

/// A registered system and the account it acts as.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemClient {
    pub id: ClientId,
    pub name: String,
    pub account: User,
    /// Its public keys, a JWK Set as registered.
    pub jwks: String,
    /// The scopes it may be granted (space-separated).
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A system to register, with the account it will act as.
#[derive(Debug, Clone, Copy)]
pub struct NewSystemClient<'a> {
    pub id: ClientId,
    pub name: &'a str,
    pub jwks: &'a str,
    pub scopes: &'a str,
    pub account: NewAccount<'a>,
}

/// A token to issue to a system: the assertion's `jti`, used once, and the
/// session the token opens (with its scopes).
#[derive(Debug, Clone, Copy)]
pub struct SystemToken<'a> {
    pub client: ClientId,
    pub jti: &'a str,
    pub jti_expires_at: DateTime<Utc>,
    pub session: &'a SessionRecord,
}
