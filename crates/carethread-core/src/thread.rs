//! Threads: one conversation about one concern, and its life cycle.

use chrono::{DateTime, Utc};

use crate::ids::{PoolId, ThreadId, UserId};
use crate::role::Role;
use crate::{DomainError, text};

/// An enum of named values (`Open => "open"`), with `ALL`, `as_str`,
/// `parse` (refusing anything else as an invalid `$field`) and `Display`;
/// serialised by its names. The store's own labels use it too.
#[macro_export]
macro_rules! label_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        $crate::enum_names!($name, $field { $($variant => $text),+ });
    };
}

/// `ALL`, `as_str`, `parse` (refusing anything else as an invalid `$field`)
/// and `Display` for an enum of named values: what [`label_enum!`] and the
/// billing codes share.
#[doc(hidden)]
#[macro_export]
macro_rules! enum_names {
    ($name:ident, $field:literal { $($variant:ident => $text:literal),+ }) => {
        impl $name {
            /// Every value, in a stable order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name used in the API and the database.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Reads a stable name back.
            pub fn parse(raw: &str) -> Result<Self, $crate::DomainError> {
                match raw {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::DomainError::invalid(
                        $field,
                        concat!("must be one of: ", $($text, " "),+).trim_end().to_owned(),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

label_enum!(
    /// Where a thread is in its life cycle.
    ThreadStatus, "status" {
        /// Waiting for the care team.
        Open => "open",
        /// The care team answered and is waiting for the patient.
        AwaitingPatient => "awaiting_patient",
        /// Done; nobody can add messages until staff reopen it.
        Closed => "closed",
    }
);

label_enum!(
    /// What a thread is about.
    Category, "category" {
        Medication => "medication",
        Scheduling => "scheduling",
        Results => "results",
        Clinical => "clinical",
        Administrative => "administrative",
        Other => "other",
    }
);

label_enum!(
    /// How soon a thread needs a human. Ordered from most to least urgent.
    Urgency, "urgency" {
        Emergency => "emergency",
        Urgent => "urgent",
        Routine => "routine",
    }
);

impl Urgency {
    /// Sort key: smaller is more urgent, so in-baskets list emergencies first.
    #[must_use]
    pub const fn rank(self) -> i64 {
        match self {
            Urgency::Emergency => 0,
            Urgency::Urgent => 1,
            Urgency::Routine => 2,
        }
    }
}

/// Whether someone in `role` sees threads most urgent first. Staff work
/// in-baskets, where an emergency must never sit below routine mail; patients
/// and proxies see their conversations newest first.
#[must_use]
pub const fn in_basket_order(role: Role) -> bool {
    role.is_staff()
}

text::checked_text! {
    /// A thread's subject line: 1–200 characters, one line of visible text
    /// ([`text::single_line`]: no control characters, no invisible formatting
    /// characters such as right-to-left overrides).
    pub struct Subject;
}

impl Subject {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim();
        text::within_length("subject", s, Self::MAX_CHARS)?;
        text::single_line("subject", s)?;
        Ok(Self(s.to_owned()))
    }
}

/// A thread as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Thread {
    pub id: ThreadId,
    pub patient_id: UserId,
    pub subject: Subject,
    pub category: Category,
    pub urgency: Urgency,
    pub status: ThreadStatus,
    pub replies_allowed: bool,
    pub pool_id: Option<PoolId>,
    pub assignee_id: Option<UserId>,
    /// Set by an adolescent patient; hidden from proxies (see the policy).
    pub confidential: bool,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the patient's side began waiting for the care team (the thread
    /// is open); a reply or closing ends the wait. The due time follows from it.
    pub awaiting_since: Option<DateTime<Utc>>,
}

/// Why a message may not be added to a thread right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReplyRefused {
    /// The thread is closed; a patient starts a new thread, staff reopen it.
    #[error("this conversation is closed; start a new message instead")]
    Closed,
    /// Staff turned replies off for this thread.
    #[error("the care team has turned off replies in this conversation")]
    RepliesDisabled,
}

impl Thread {
    /// Whether someone in `role` may add a message (or an internal note) now.
    pub fn accepts_message_from(&self, role: Role, internal: bool) -> Result<(), ReplyRefused> {
        if self.status == ThreadStatus::Closed && !internal {
            return Err(ReplyRefused::Closed);
        }
        if !self.replies_allowed && !role.is_staff() {
            return Err(ReplyRefused::RepliesDisabled);
        }
        Ok(())
    }

    /// The status after a message from someone in `role` is added.
    /// Internal notes do not move the thread.
    #[must_use]
    pub fn status_after_message(&self, role: Role, internal: bool) -> ThreadStatus {
        if internal {
            return self.status;
        }
        if role.is_staff() { ThreadStatus::AwaitingPatient } else { ThreadStatus::Open }
    }
}

/// A staff change to a thread's handling. Absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThreadPatch {
    pub status: Option<ThreadStatus>,
    pub replies_allowed: Option<bool>,
    /// `Some(None)` removes the pool.
    pub pool_id: Option<Option<PoolId>>,
    /// `Some(None)` unassigns.
    pub assignee_id: Option<Option<UserId>>,
    /// Hides the thread from the patient's proxies (`Some(true)`) or shows it again.
    pub confidential: Option<bool>,
}

impl ThreadPatch {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn thread(status: ThreadStatus, replies_allowed: bool) -> Thread {
        let user = UserId::from_uuid(Uuid::nil());
        Thread {
            id: ThreadId::from_uuid(Uuid::nil()),
            patient_id: user,
            subject: Subject::parse("Refill").expect("valid"),
            category: Category::Medication,
            urgency: Urgency::Routine,
            status,
            replies_allowed,
            pool_id: None,
            assignee_id: None,
            confidential: false,
            created_by: user,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
            awaiting_since: None,
        }
    }

    #[test]
    fn staff_reply_waits_for_patient_and_patient_reply_reopens() {
        let t = thread(ThreadStatus::Open, true);
        assert_eq!(t.status_after_message(Role::Nurse, false), ThreadStatus::AwaitingPatient);
        let t = thread(ThreadStatus::AwaitingPatient, true);
        assert_eq!(t.status_after_message(Role::Patient, false), ThreadStatus::Open);
        assert_eq!(t.status_after_message(Role::Nurse, true), ThreadStatus::AwaitingPatient);
    }

    #[test]
    fn closed_threads_take_only_internal_notes() {
        let t = thread(ThreadStatus::Closed, true);
        assert_eq!(t.accepts_message_from(Role::Patient, false), Err(ReplyRefused::Closed));
        assert_eq!(t.accepts_message_from(Role::Nurse, false), Err(ReplyRefused::Closed));
        assert_eq!(t.accepts_message_from(Role::Nurse, true), Ok(()));
    }

    #[test]
    fn disabled_replies_stop_patients_not_staff() {
        let t = thread(ThreadStatus::AwaitingPatient, false);
        assert_eq!(t.accepts_message_from(Role::Patient, false), Err(ReplyRefused::RepliesDisabled));
        assert_eq!(t.accepts_message_from(Role::Proxy, false), Err(ReplyRefused::RepliesDisabled));
        assert_eq!(t.accepts_message_from(Role::Physician, false), Ok(()));
    }

    #[test]
    fn subjects_are_single_bounded_lines() {
        assert!(Subject::parse("   ").is_err());
        assert!(Subject::parse("a\nb").is_err());
        assert!(Subject::parse(&"x".repeat(201)).is_err());
        assert_eq!(Subject::parse("  Refill  ").map(|s| s.0), Ok("Refill".to_owned()));
    }

    #[test]
    fn labels_parse_and_name_the_field_on_error() {
        assert_eq!(Category::parse("results"), Ok(Category::Results));
        let err = Urgency::parse("whenever").expect_err("unknown urgency");
        assert_eq!(err.field(), "urgency");
        assert!(Urgency::Emergency.rank() < Urgency::Routine.rank());
    }
}
