//! The clinic's figures: how many messages patients send and when, how fast
//! the care team answers against its targets, who carries the work, and how
//! emergencies and triage overrides went. Each is counted by the database
//! (`GROUP BY` over an indexed date range); only the grouped counts cross
//! the boundary, never a message or its content.

use async_trait::async_trait;
use carethread_core::ids::{PoolId, UserId};
use carethread_core::role::Role;
use carethread_core::thread::{Category, Urgency};
use chrono::{DateTime, NaiveDate, Utc};

use crate::StoreResult;

/// The clinic's wall clock, as the database needs it to put a UTC time on
/// the clinic's calendar: the UTC offset in force from each instant on (the
/// first entry from the start of the range; one more per daylight-saving
/// change), the ISO weekdays it is open (index 0 = Monday) and its opening
/// and closing times as milliseconds after local midnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalClock {
    /// `(from, offset in seconds east of UTC)`, in time order.
    pub offsets: Vec<(DateTime<Utc>, i32)>,
    pub open_days: [bool; 7],
    pub opens_ms: i64,
    pub closes_ms: i64,
}

/// Which patients' threads the figures are counted over, by a group they
/// belong to (see `carethread_core::equity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientGroup {
    /// The language of the patient's account (`en`, `es`).
    Language(String),
    /// Born after `after` (when given) and on or before `on_or_before`
    /// (`YYYY-MM-DD`, as the account keeps it): an age band on a day.
    Born { after: Option<NaiveDate>, on_or_before: NaiveDate },
    /// No date of birth on the account.
    BornUnknown,
    /// A value recorded along a dimension (payer, sex, race, …).
    Recorded { dimension: String, value: String },
    /// Nothing recorded along the dimension.
    NotRecorded { dimension: String },
}

/// What the figures are counted over: messages sent, or threads started,
/// in `[from, to)`, optionally of one pool, category or urgency, of the
/// threads one member of staff handled (assigned to them, or answered by
/// them), and of one group of patients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsightsQuery {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub pool: Option<PoolId>,
    pub category: Option<Category>,
    pub urgency: Option<Urgency>,
    pub clinician: Option<UserId>,
    pub patients: Option<PatientGroup>,
    pub clock: LocalClock,
    /// The reply targets, in milliseconds: routine and urgent count open
    /// time only (the clinic's working clock), an emergency the wall clock.
    pub targets: Targets,
    /// The time a thread still waiting is measured to.
    pub now: DateTime<Utc>,
}

/// Reply targets in milliseconds (see [`InsightsQuery::targets`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub routine_ms: i64,
    pub urgent_ms: i64,
    pub emergency_ms: i64,
}

/// Patient messages (from patients and proxies, internal notes never) of one
/// local day, category, urgency and pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeCell {
    /// Days since 1970-01-01 on the clinic's calendar.
    pub day: i64,
    pub category: Category,
    pub urgency: Urgency,
    /// The pool's slug; `None` for threads in no pool.
    pub pool: Option<String>,
    pub messages: i64,
    /// Of those, sent while the clinic was closed.
    pub after_hours: i64,
}

/// Patient messages counted, with what the per-patient rate and the
/// no-reply share are taken from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Volume {
    pub cells: Vec<VolumeCell>,
    /// Patient accounts that are not disabled (of the group, when the query names one).
    pub patients: i64,
    /// Threads patients started in the range.
    pub threads_started: i64,
    /// Of those, threads whose draft recorded that no reply was needed.
    pub no_reply_recorded: i64,
}

/// How long a thread took against its target: a band of the target, or
/// still waiting (within or past it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Band {
    /// Within a quarter of the target.
    Quarter,
    /// Within half.
    Half,
    /// Within the target.
    Target,
    /// Late, within twice the target.
    Double,
    /// Later than twice the target.
    Beyond,
    /// No reply yet, still within the target.
    Waiting,
    /// No reply yet, past the target.
    WaitingOverdue,
}

impl Band {
    pub const ALL: [Band; 7] =
        [Band::Quarter, Band::Half, Band::Target, Band::Double, Band::Beyond, Band::Waiting, Band::WaitingOverdue];

    /// Whether a thread in this band missed (or is missing) its target.
    #[must_use]
    pub const fn overdue(self) -> bool {
        matches!(self, Band::Double | Band::Beyond | Band::WaitingOverdue)
    }

    /// The stable name used in the API and CSV.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Band::Quarter => "quarter",
            Band::Half => "half",
            Band::Target => "target",
            Band::Double => "double",
            Band::Beyond => "beyond",
            Band::Waiting => "waiting",
            Band::WaitingOverdue => "waiting_overdue",
        }
    }

    pub(crate) fn from_code(code: i64) -> Option<Self> {
        usize::try_from(code).ok().and_then(|i| Self::ALL.get(i).copied())
    }
}

/// How long closing took, on the wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CloseBand {
    Day,
    ThreeDays,
    Week,
    Longer,
    Open,
}

impl CloseBand {
    pub const ALL: [CloseBand; 5] =
        [CloseBand::Day, CloseBand::ThreeDays, CloseBand::Week, CloseBand::Longer, CloseBand::Open];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            CloseBand::Day => "day",
            CloseBand::ThreeDays => "three_days",
            CloseBand::Week => "week",
            CloseBand::Longer => "longer",
            CloseBand::Open => "not_closed",
        }
    }

    pub(crate) fn from_code(code: i64) -> Option<Self> {
        usize::try_from(code).ok().and_then(|i| Self::ALL.get(i).copied())
    }
}

/// Threads patients started, of one urgency and pool, by how long the first
/// staff reply and closing took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseCell {
    pub urgency: Urgency,
    pub pool: Option<String>,
    pub reply: Band,
    pub close: CloseBand,
    pub threads: i64,
}

/// One member of staff's work in the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffWork {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    /// Threads they replied in.
    pub threads: i64,
    /// Replies to patients (internal notes not counted).
    pub replies: i64,
    /// Threads assigned to them (forwarded, assigned or claimed).
    pub moved_in: i64,
    /// Threads that left them for someone else or no one.
    pub moved_out: i64,
    /// Seconds of measured work on threads (where e-visit billing records
    /// it): activity pings from the staff thread page, each
    /// [`carethread_core::billing::ACTIVITY_PING_SECONDS`].
    pub active_seconds: i64,
    /// Of which while the clinic was closed ("pajama time").
    pub after_hours_seconds: i64,
    /// Threads moved to them while a colleague they cover for was away.
    pub coverage_received: i64,
}

/// One pool's work in the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolWork {
    pub slug: String,
    pub name: String,
    pub threads: i64,
    pub replies: i64,
    pub moved_in: i64,
    pub moved_out: i64,
    /// Threads moved to the pool while a clinician it covers for was away.
    pub coverage_received: i64,
}

/// Who carried the work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workload {
    pub staff: Vec<StaffWork>,
    pub pools: Vec<PoolWork>,
}

/// Which way a clinician moved triage's urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Raised,
    Lowered,
    /// Same urgency (a category or pool changed).
    Kept,
}

impl Direction {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::Raised => "raised",
            Direction::Lowered => "lowered",
            Direction::Kept => "kept",
        }
    }
}

/// Triage overrides of one direction, to one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideCell {
    pub direction: Direction,
    pub category: Category,
    pub overrides: i64,
}

/// Staff replies to patients in one pool (or none) at least two days old,
/// and how many no patient or proxy read within two days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadCell {
    pub pool: Option<String>,
    pub replies: i64,
    pub unread: i64,
}

/// One member of staff's replies to patients whose reading level was
/// measured, and how many read above grade 8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadingCell {
    pub name: String,
    pub replies: i64,
    pub above_grade_8: i64,
}

/// Patients' answers to "did this answer your question?" given in the
/// range, by who sent the staff reply they answered (`None`: no staff reply
/// came before the answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerCell {
    pub name: Option<String>,
    pub yes: i64,
    pub no: i64,
}

/// Emergencies by how soon staff first opened them, against the emergency
/// target; triage overrides; replies' reading levels; and patients' answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Safety {
    /// `(band, threads)`: emergencies started in the range.
    pub emergencies: Vec<(Band, i64)>,
    pub overrides: Vec<OverrideCell>,
    /// Per member of staff, by name.
    pub reading: Vec<ReadingCell>,
    /// Per member of staff, by name (no staff reply first: last).
    pub answers: Vec<AnswerCell>,
}

/// Drafting by one member of staff in one week (Monday on the clinic's
/// calendar, as days since 1970-01-01): drafts asked for in the range (and,
/// of those, the ones sent as replies, counted in the week asked for), and
/// replies to patients sent in the range, with and without a draft.
#[derive(Debug, Clone, PartialEq)]
pub struct AiCell {
    pub week: i64,
    pub id: UserId,
    pub name: String,
    pub counts: AiCounts,
}

/// Drafting counted over some weeks or people (see [`AiCell`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AiCounts {
    /// Drafts asked for.
    pub requested: i64,
    /// Replies sent from a draft (marked AI-assisted).
    pub used: i64,
    /// Replies sent without one.
    pub unassisted: i64,
    /// Sum of edit distances (characters changed) over the drafts used.
    pub edit_distance: i64,
    /// Writing times (see [`Insights::insight_ai`]): the sum and how many,
    /// with a draft and without.
    pub writing_ms_assisted: i64,
    pub written_assisted: i64,
    pub writing_ms_unassisted: i64,
    pub written_unassisted: i64,
}

#[expect(clippy::cast_precision_loss, reason = "sums far below 2^52")]
fn mean(total: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| total as f64 / n as f64)
}

impl AiCounts {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &AiCounts) {
        self.requested += other.requested;
        self.used += other.used;
        self.unassisted += other.unassisted;
        self.edit_distance += other.edit_distance;
        self.writing_ms_assisted += other.writing_ms_assisted;
        self.written_assisted += other.written_assisted;
        self.writing_ms_unassisted += other.writing_ms_unassisted;
        self.written_unassisted += other.written_unassisted;
    }

    /// Drafts used of drafts asked for.
    #[must_use]
    pub fn used_share(&self) -> Option<f64> {
        mean(self.used, self.requested)
    }

    /// Replies from a draft of all replies to patients.
    #[must_use]
    pub fn assisted_share(&self) -> Option<f64> {
        mean(self.used, self.used + self.unassisted)
    }

    /// Characters changed per draft used.
    #[must_use]
    pub fn mean_edit_distance(&self) -> Option<f64> {
        mean(self.edit_distance, self.used)
    }

    /// Minutes to write a reply from a draft.
    #[must_use]
    pub fn minutes_assisted(&self) -> Option<f64> {
        mean(self.writing_ms_assisted, self.written_assisted).map(|ms| ms / 60_000.0)
    }

    /// Minutes to write a reply without one.
    #[must_use]
    pub fn minutes_unassisted(&self) -> Option<f64> {
        mean(self.writing_ms_unassisted, self.written_unassisted).map(|ms| ms / 60_000.0)
    }

    /// Minutes a draft saved per reply (negative: it cost time), when both
    /// kinds of reply were timed.
    #[must_use]
    pub fn minutes_saved(&self) -> Option<f64> {
        Some(self.minutes_unassisted()? - self.minutes_assisted()?)
    }
}

/// The clinic's figures over a date range. Read-only.
#[async_trait]
pub trait Insights: Send + Sync {
    /// Patient messages by local day, category, urgency and pool.
    async fn insight_volume(&self, query: &InsightsQuery) -> StoreResult<Volume>;
    /// Threads patients started, by first-reply and closing bands.
    async fn insight_response(&self, query: &InsightsQuery) -> StoreResult<Vec<ResponseCell>>;
    /// Replies, threads and moves per member of staff and per pool.
    async fn insight_workload(&self, query: &InsightsQuery) -> StoreResult<Workload>;
    /// Emergencies' first opening, and triage overrides.
    async fn insight_safety(&self, query: &InsightsQuery) -> StoreResult<Safety>;
    /// Staff replies sent in the range at least two days before `now`, per
    /// pool, and how many the patient's side had not read two days after.
    async fn insight_unread(&self, query: &InsightsQuery) -> StoreResult<Vec<UnreadCell>>;
    /// Patient accounts that are not disabled, of the query's group of
    /// patients when it names one (the range and other filters aside).
    async fn insight_patients(&self, query: &InsightsQuery) -> StoreResult<i64>;
    /// Drafting per member of staff and week. A reply's writing time is from
    /// when its author first opened the patient's message it answers to when
    /// they sent it, counted only when under an hour (one sitting), so
    /// replies with and without a draft are timed the same way.
    async fn insight_ai(&self, query: &InsightsQuery) -> StoreResult<Vec<AiCell>>;
}
