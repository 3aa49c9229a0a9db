//! Live thread events. They carry identifiers and flags only, never content,
//! so they are safe to send between servers through the database.

use carethread_core::ids::{MessageId, ThreadId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "thread.created")]
    ThreadCreated,
    #[serde(rename = "message.created")]
    MessageCreated,
    #[serde(rename = "thread.updated")]
    ThreadUpdated,
    #[serde(rename = "thread.read")]
    ThreadRead,
    /// A clinician outside the care team opened a patient's thread with a
    /// stated reason: delivered to auditors (privacy officers) only.
    #[serde(rename = "privacy.break_glass")]
    BreakGlass,
}

impl EventKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::ThreadCreated => "thread.created",
            EventKind::MessageCreated => "message.created",
            EventKind::ThreadUpdated => "thread.updated",
            EventKind::ThreadRead => "thread.read",
            EventKind::BreakGlass => "privacy.break_glass",
        }
    }
}

/// One event about one thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadEvent {
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub thread_id: ThreadId,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message_id: Option<MessageId>,
    /// True for internal notes: only staff are told about them.
    #[serde(default)]
    pub internal: bool,
    /// True when triage found an emergency: staff who see the thread also get
    /// an on-call alert.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alert: bool,
    pub at: DateTime<Utc>,
}
