//! What the store keeps of a FHIR subscription, and the events it is told of.

use carethread_core::ids::{MessageId, SubscriptionId, ThreadId, UserId};
use chrono::{DateTime, Utc};

/// What a subscription is told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// A message was stored (a `Communication` created).
    CommunicationCreated,
    /// A conversation's status, pool or assignee changed (its `Task` changed).
    TaskChanged,
}

impl Topic {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Topic::CommunicationCreated => "communication-created",
            Topic::TaskChanged => "task-changed",
        }
    }

    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        [Topic::CommunicationCreated, Topic::TaskChanged].into_iter().find(|t| t.as_str() == raw)
    }
}

/// Which of a topic's events to read: those after the cursor (`(time,
/// event key)`) and at or before `until`, oldest first, at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct EventWindow<'a> {
    pub after: (DateTime<Utc>, &'a str),
    pub until: DateTime<Utc>,
    pub limit: u32,
}

/// A change of a subscription's status.
#[derive(Debug, Clone, Copy)]
pub struct StatusChange<'a> {
    /// The status it must still have for the change to apply (any, when `None`).
    pub only_if: Option<SubscriptionStatus>,
    pub to: SubscriptionStatus,
    /// Why (a failed handshake, a revoked owner), kept with the status.
    pub why: Option<&'a str>,
}

impl<'a> StatusChange<'a> {
    /// To `to`, whatever the status is now.
    #[must_use]
    pub const fn to(to: SubscriptionStatus, why: Option<&'a str>) -> Self {
        Self { only_if: None, to, why }
    }

    /// To `to`, only while the status is still `only_if`.
    #[must_use]
    pub const fn from(only_if: SubscriptionStatus, to: SubscriptionStatus, why: Option<&'a str>) -> Self {
        Self { only_if: Some(only_if), to, why }
    }
}

/// A subscription's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    /// Waiting for its endpoint to answer the handshake.
    Requested,
    Active,
    /// Its endpoint kept failing.
    Error,
    /// Ended by the system.
    Off,
}

impl SubscriptionStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Requested => "requested",
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Error => "error",
            SubscriptionStatus::Off => "off",
        }
    }
}

/// A subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: SubscriptionId,
    /// The system's account, whose policy decides what it is told.
    pub owner: UserId,
    pub topic: Topic,
    /// Only events of this patient's.
    pub patient: Option<UserId>,
    pub endpoint: String,
    /// The FHIR base as the system reached it, for the addresses in notifications.
    pub fhir_base: String,
    /// Headers to send with each notification (`Authorization: …`), as given.
    pub headers: Vec<String>,
    pub status: SubscriptionStatus,
    pub error: Option<String>,
    /// The last event it was told of: (time, id).
    pub cursor: (DateTime<Utc>, String),
    /// How many events it has been told of.
    pub events: u64,
    pub created_at: DateTime<Utc>,
}

/// An event a subscription may be told of: what happened to which
/// conversation, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicEvent {
    pub at: DateTime<Utc>,
    /// The keyset id after `at`: a message's id, or a conversation's.
    pub key: String,
    pub thread: ThreadId,
    pub patient: UserId,
    /// A `Communication` event's message.
    pub message: Option<MessageId>,
    pub internal: bool,
}

/// A subscription's cursor moving past the events it read: from where it
/// stood to the last event read (each `(time, key)`), and how many of them
/// the subscriber is told of.
#[derive(Debug, Clone, Copy)]
pub struct CursorMove<'a> {
    pub from: (DateTime<Utc>, &'a str),
    pub to: (DateTime<Utc>, &'a str),
    pub told: u64,
}
