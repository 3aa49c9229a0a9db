//! What the store keeps of the apps patients connect to their records
//! (SMART App Launch) and of each patient's consent.

use carethread_core::ids::{AppConnectionId, AppId, UserId};
use chrono::{DateTime, Utc};

use crate::SessionRecord;

/// An app registered for patients to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientApp {
    pub id: AppId,
    pub name: String,
    /// The addresses the app may be sent back to, exactly as registered.
    pub redirect_uris: Vec<String>,
    /// The `patient/` scopes it may ask for (space-separated).
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A patient's consent for one app, from the code it was given to the
/// tokens it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConnection {
    pub id: AppConnectionId,
    pub app: AppId,
    pub app_name: String,
    /// Whether an administrator revoked the app since.
    pub app_revoked: bool,
    pub user_id: UserId,
    /// Everything the patient allowed, as the token's `scope` says it.
    pub scopes: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub nonce: Option<String>,
    pub code_expires_at: DateTime<Utc>,
    pub code_used: bool,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// A consent just given: the code (its hash) the app will redeem.
#[derive(Debug, Clone, Copy)]
pub struct NewAppConnection<'a> {
    pub id: AppConnectionId,
    pub app: AppId,
    pub user: UserId,
    pub scopes: &'a str,
    pub redirect_uri: &'a str,
    pub code_challenge: &'a str,
    pub nonce: Option<&'a str>,
    pub code_hash: &'a str,
    pub code_expires_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// The tokens an app is given for a connection: the access token's session
/// and, if the patient allowed it, a refresh token (its hash).
#[derive(Debug, Clone, Copy)]
pub struct AppTokens<'a> {
    pub connection: AppConnectionId,
    pub session: &'a SessionRecord,
    pub refresh_hash: Option<&'a str>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
}
