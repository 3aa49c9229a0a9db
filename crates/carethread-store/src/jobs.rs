//! The outbox's values: a job to run later or elsewhere, as written with the
//! action that causes it, as claimed by a worker, and as an administrator
//! sees it; and the record of a notice sent. The store keeps a job's kind and
//! payload opaque (the application layer names the kinds and reads the
//! payloads, which hold identifiers only, never message text).

use carethread_core::ids::{ThreadId, UserId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Stands for the id of the thread a job is written with.
pub const THREAD: &str = "{thread}";
/// Stands for the id of the message a job is written with.
pub const MESSAGE: &str = "{message}";

/// A job's identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JobId(pub Uuid);

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for JobId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(JobId)
    }
}

/// Work to do at `run_at` or after, written in the same transaction as the
/// action that causes it. Written with a new thread or message, its
/// `payload` and `dedupe_key` may name [`THREAD`] and [`MESSAGE`], which the
/// store replaces with the ids the write chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// What to do, as the application layer names it (`notify_reply`, …).
    pub kind: String,
    /// JSON with identifiers only.
    pub payload: String,
    pub run_at: DateTime<Utc>,
    /// While a pending job has this key, another with the same key is not
    /// added: a burst of replies becomes one notice.
    pub dedupe_key: Option<String>,
}

/// A job a worker has claimed: it holds the lease until `finish_job`,
/// `retry_job` or `bury_job`, or until the lease runs out and another
/// worker claims it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    /// Runs so far, this one included.
    pub attempts: u32,
    pub dedupe_key: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Pending,
    Running,
    Done,
    /// Failed for good or too often: waits for an administrator to retry it.
    Dead,
    Cancelled,
}

impl JobState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
            JobState::Cancelled => "cancelled",
        }
    }

    pub(crate) fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "pending" => JobState::Pending,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "dead" => JobState::Dead,
            "cancelled" => JobState::Cancelled,
            _ => return None,
        })
    }
}

/// A job as an administrator sees it (no payload: it is for the worker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: JobId,
    pub kind: String,
    pub state: JobState,
    pub attempts: u32,
    pub run_at: DateTime<Utc>,
    /// Why the last run failed, in words without PHI.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// How many jobs are in each state that needs watching.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub pending: u64,
    pub running: u64,
    pub dead: u64,
}

/// A notice that went out: to whom, about which thread, of what kind, by
/// which channel, when. Never what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentNotice {
    pub recipient_id: UserId,
    pub thread_id: Option<ThreadId>,
    /// The notice's kind (`new_message`, `emergency_page`, …).
    pub kind: String,
    /// `email` or `sms`.
    pub channel: String,
    pub sent_at: DateTime<Utc>,
}

/// What a finished job did, written in the transaction that marks it done:
/// the notices it sent and the jobs that follow from it (a re-page, an
/// escalation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobEffects {
    pub sent: Vec<SentNotice>,
    pub follow_ups: Vec<NewJob>,
}

/// The kind of the mark an overdue escalation leaves in `notices_sent`
/// (channel [`ESCALATED_CHANNEL`], `sent_at` the start of the wait it
/// escalated): the thread was escalated for the wait that began at its
/// `awaiting_since`, so it is not escalated again for that wait.
pub const OVERDUE_ESCALATED: &str = "overdue_escalated";
/// The channel of that mark: the outbox itself, not a message to anyone.
pub const ESCALATED_CHANNEL: &str = "outbox";

/// A thread waiting for the care team, as the overdue scan reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingThread {
    pub id: ThreadId,
    pub urgency: carethread_core::thread::Urgency,
    /// Since when the patient has been waiting for a reply.
    pub awaiting_since: DateTime<Utc>,
    pub pool_id: Option<carethread_core::ids::PoolId>,
    pub assignee_id: Option<UserId>,
}
