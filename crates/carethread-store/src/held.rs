//! Replies written now and released later: held until their author releases
//! them, or scheduled for a time. The patient sees nothing of them.

use carethread_core::audit::AuditEvent;
use carethread_core::ids::ThreadId;
use carethread_core::ids::UserId;
use carethread_core::message::MessageBody;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::jobs::NewJob;
use crate::{NewMessage, PersonRef};

/// A held reply's identifier (a version 7 UUID, chosen by the caller so the job that
/// releases it can name it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HeldReplyId(Uuid);

impl HeldReplyId {
    /// A new identifier.
    #[must_use]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for HeldReplyId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for HeldReplyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for HeldReplyId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

impl serde::Serialize for HeldReplyId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for HeldReplyId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Uuid::deserialize(deserializer).map(Self)
    }
}

/// A reply being held, as staff see it on the thread.
#[derive(Debug, Clone)]
pub struct HeldReply {
    pub id: HeldReplyId,
    pub thread_id: ThreadId,
    pub author: PersonRef,
    pub body: MessageBody,
    /// `None`: held until its author releases it.
    pub release_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A reply to hold, with its audit entry and (for a scheduled release) the
/// job that releases it, written in one transaction.
#[derive(Debug)]
pub struct NewHeldReply {
    pub id: HeldReplyId,
    pub thread_id: ThreadId,
    pub author_id: UserId,
    pub body: MessageBody,
    pub release_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    pub audit: Vec<AuditEvent>,
    pub jobs: Vec<NewJob>,
}

/// Releasing a held reply: the message it becomes (written the normal way,
/// with its notices), the release's audit entry, and the dedupe key of the
/// job that would have released it, cancelled in the same transaction.
#[derive(Debug)]
pub struct ReleaseHeld {
    pub id: HeldReplyId,
    pub message: NewMessage,
    pub audit: Vec<AuditEvent>,
    pub release_job: String,
}
