//! What the store's writes take when they take many values: one typed input
//! each, named for the change it asks for. The audit entry that records the
//! change is passed beside it.

use carethread_core::audit::AuditEvent;
use carethread_core::ids::{ThreadId, UserId};
use carethread_core::policy::ProxyGrant;
use carethread_core::thread::ThreadPatch;
use carethread_core::user::NewUser;
use chrono::{DateTime, Utc};

use crate::{NewNote, RoutingRule};

/// A proxy grant to record, and who granted it when.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub grant: ProxyGrant,
    pub created_by: UserId,
    pub now: DateTime<Utc>,
}

/// Break-the-glass: a clinician outside the care team opening a patient's
/// threads until `expires_at`, for the stated reason (kept encrypted).
#[derive(Debug, Clone)]
pub struct EmergencyAccessRequest {
    pub user: UserId,
    pub patient: UserId,
    pub reason: String,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The clinic's own text for a reply-library situation in one language;
/// `body: None` removes it (the built-in text answers again).
#[derive(Debug, Clone)]
pub struct SetReplyTemplate {
    pub situation: String,
    pub language: String,
    pub body: Option<String>,
    pub by: UserId,
    pub now: DateTime<Utc>,
}

/// A quick reply: `owner`'s own, or with `None` the clinic's.
#[derive(Debug, Clone)]
pub struct NewQuickReply {
    pub owner: Option<UserId>,
    pub code: String,
    pub body: String,
    pub now: DateTime<Utc>,
}

/// Triage's classifier switch (`None` leaves it) and routing rules to set,
/// changed together.
#[derive(Debug, Clone)]
pub struct TriageSettingsChange {
    pub classifier_enabled: Option<bool>,
    pub routes: Vec<RoutingRule>,
    pub by: UserId,
    pub now: DateTime<Utc>,
}

/// Turns the second factor on (with fresh recovery codes, as hashes) or off.
/// The session `keep_session` (a token hash) stays, marked as having passed
/// the second factor when enabling; every other session of the user ends.
#[derive(Debug, Clone)]
pub struct MfaChange {
    pub user: UserId,
    pub enabled: bool,
    pub recovery_hashes: Vec<String>,
    pub keep_session: String,
}

/// A clinic-wide setting an administrator saves (the clinic profile, the AI
/// switches): the new value, and who saved it when.
#[derive(Debug, Clone)]
pub struct SettingChange<T> {
    pub value: T,
    pub by: UserId,
    pub now: DateTime<Utc>,
}

/// A change to a thread and, with `note`, the internal note that explains it
/// (a forward's reason), written together with `audit`.
#[derive(Debug, Clone, Copy)]
pub struct ThreadUpdate<'a> {
    pub id: ThreadId,
    pub patch: &'a ThreadPatch,
    pub note: Option<&'a NewNote>,
    pub now: DateTime<Utc>,
    pub audit: &'a [AuditEvent],
}

/// A new account: the user, their password's hash, and when it was made.
/// The hash is never printed.
#[derive(Clone, Copy)]
pub struct NewAccount<'a> {
    pub user: &'a NewUser,
    pub password_hash: &'a str,
    pub now: DateTime<Utc>,
}

impl std::fmt::Debug for NewAccount<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("user", &self.user)
            .field("password_hash", &"***")
            .field("now", &self.now)
            .finish()
    }
}

/// `reader` has now read every message of `thread` they may see: the
/// internal notes too when `include_internal`.
#[derive(Debug, Clone, Copy)]
pub struct ReadThread {
    pub thread: ThreadId,
    pub reader: UserId,
    pub include_internal: bool,
    pub now: DateTime<Utc>,
}
