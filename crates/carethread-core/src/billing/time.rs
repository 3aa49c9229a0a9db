//! Measured clinician time: activity pings become intervals, idle gaps are
//! cut, and overlapping intervals are made disjoint so that no second of a
//! clinician's time is counted twice.
//!
//! The portal sends a ping while a clinician works on a thread (the page is
//! visible, they read, draft or type). Two pings of the same clinician on
//! the same thread no more than the idle cutoff apart count as continuous
//! work between them; a longer gap is idle and not counted. A run of pings
//! counts from its first to its last ping: nothing is added after the last
//! one, so a single ping counts no time (it still shows the thread was
//! looked at). Time is never guessed upwards.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::ids::{ThreadId, UserId};

code_enum!(
    /// What the portal saw the clinician doing when it sent a ping. Every
    /// kind is activity; the kind is kept for the record.
    ActivityKind, "activity" {
        /// The thread is open in a visible page.
        PageVisible => "page_visible",
        /// Scrolling or selecting in the conversation.
        Reading => "reading",
        /// Working on a draft reply.
        Drafting => "drafting",
        /// Keys pressed in the reply box.
        Typing => "typing",
    }
);

/// One sign of a clinician's activity on a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPing {
    pub clinician: UserId,
    pub thread: ThreadId,
    pub at: DateTime<Utc>,
    pub kind: ActivityKind,
}

/// A stretch of a clinician's uninterrupted activity on a thread,
/// `[start, end]`. It may be empty (a single ping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ActivityInterval {
    clinician: UserId,
    thread: ThreadId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl ActivityInterval {
    /// An interval; refused when it ends before it starts.
    pub fn new(
        clinician: UserId,
        thread: ThreadId,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        if end < start {
            return Err(DomainError::invalid("activity", "an activity interval cannot end before it starts"));
        }
        Ok(Self { clinician, thread, start, end })
    }

    getters! { clinician: UserId, thread: ThreadId, start: DateTime<Utc>, end: DateTime<Utc> }

    #[must_use]
    pub fn duration(&self) -> TimeDelta {
        self.end - self.start
    }

    /// The part of the interval inside `[from, to)`, if it has any length.
    #[must_use]
    pub fn clipped(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<Self> {
        let (start, end) = (self.start.max(from), self.end.min(to));
        (start < end).then_some(Self { start, end, ..*self })
    }
}

/// The longest gap between two pings that still counts as work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct IdleCutoff(TimeDelta);

impl IdleCutoff {
    /// Seconds a clinic may choose from.
    pub const SECONDS: std::ops::RangeInclusive<i64> = 10..=600;

    /// A cutoff of `seconds`, between 10 seconds and 10 minutes.
    pub fn from_seconds(seconds: i64) -> Result<Self, DomainError> {
        if !Self::SECONDS.contains(&seconds) {
            return Err(DomainError::invalid("idle_cutoff_seconds", "must be from 10 to 600 seconds"));
        }
        Ok(Self(TimeDelta::seconds(seconds)))
    }

    #[must_use]
    pub const fn seconds(self) -> i64 {
        self.0.num_seconds()
    }
}

impl Default for IdleCutoff {
    /// Gaps over 60 seconds are idle.
    fn default() -> Self {
        Self(TimeDelta::seconds(60))
    }
}

/// Joins each clinician's pings on each thread into intervals: consecutive
/// pings at most `cutoff` apart belong to one interval; a longer gap starts
/// a new one. Duplicate pings (two tabs) change nothing. The result is
/// sorted by clinician, thread and start.
#[must_use]
pub fn intervals_from_pings(pings: &[ActivityPing], cutoff: IdleCutoff) -> Vec<ActivityInterval> {
    let mut sorted: Vec<_> = pings.iter().map(|p| (p.clinician, p.thread, p.at)).collect();
    sorted.sort_unstable();
    let mut out: Vec<ActivityInterval> = Vec::new();
    for (clinician, thread, at) in sorted {
        match out.last_mut() {
            Some(last) if last.clinician == clinician && last.thread == thread && at - last.end <= cutoff.0 => {
                last.end = at;
            }
            _ => out.push(ActivityInterval { clinician, thread, start: at, end: at }),
        }
    }
    out
}

/// Makes each clinician's intervals disjoint: where intervals overlap (two
/// tabs, two threads open side by side), the time goes to exactly one of
/// them, the one that began last (the thread the clinician turned to most
/// recently; on a tie, the greater thread id). Per clinician, the output's
/// total length equals the wall-clock union of the input's. Empty intervals
/// are dropped. Sorted by clinician and start.
#[must_use]
pub fn exclusive_intervals(intervals: &[ActivityInterval]) -> Vec<ActivityInterval> {
    let mut by_clinician: BTreeMap<UserId, Vec<ActivityInterval>> = BTreeMap::new();
    for i in intervals.iter().filter(|i| i.start < i.end) {
        by_clinician.entry(i.clinician).or_default().push(*i);
    }
    let mut out = Vec::new();
    for (_, mut own) in by_clinician {
        own.sort_unstable_by_key(|i| (i.start, i.end, i.thread));
        let mut points: Vec<DateTime<Utc>> = own.iter().flat_map(|i| [i.start, i.end]).collect();
        points.sort_unstable();
        points.dedup();
        let mut next = 0;
        let mut active: Vec<ActivityInterval> = Vec::new();
        let mut merged: Vec<ActivityInterval> = Vec::new();
        for w in points.windows(2) {
            let (from, to) = (w[0], w[1]);
            while next < own.len() && own[next].start <= from {
                active.push(own[next]);
                next += 1;
            }
            active.retain(|i| i.end > from);
            let Some(winner) = active.iter().max_by_key(|i| (i.start, i.thread)) else { continue };
            match merged.last_mut() {
                Some(last) if last.thread == winner.thread && last.end == from => last.end = to,
                _ => merged.push(ActivityInterval { start: from, end: to, ..*winner }),
            }
        }
        out.extend(merged);
    }
    out
}

/// The wall-clock time covered by any of `intervals`, each instant once.
#[must_use]
pub fn union_length(intervals: &[ActivityInterval]) -> TimeDelta {
    let mut spans: Vec<_> = intervals.iter().map(|i| (i.start, i.end)).collect();
    spans.sort_unstable();
    let mut total = TimeDelta::zero();
    let mut current: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (start, end) in spans {
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                total += e - s;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = current {
        total += e - s;
    }
    total
}

/// Whole minutes of `time`, rounded down (10 min 59 s is 10); negative time
/// is none.
#[must_use]
pub fn whole_minutes(time: TimeDelta) -> u32 {
    u32::try_from(time.num_minutes().max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn user(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    fn thread(n: u128) -> ThreadId {
        ThreadId::from_uuid(Uuid::from_u128(n))
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + TimeDelta::seconds(1_800_000_000 + seconds)
    }

    fn pings(thread_n: u128, seconds: &[i64]) -> Vec<ActivityPing> {
        seconds
            .iter()
            .map(|&s| ActivityPing {
                clinician: user(1),
                thread: thread(thread_n),
                at: at(s),
                kind: ActivityKind::Reading,
            })
            .collect()
    }

    fn total(intervals: &[ActivityInterval]) -> i64 {
        intervals.iter().map(|i| i.duration().num_seconds()).sum()
    }

    #[test]
    fn steady_pings_count_from_the_first_to_the_last() {
        let every_30s: Vec<i64> = (0..=20).map(|n| n * 30).collect();
        let intervals = intervals_from_pings(&pings(1, &every_30s), IdleCutoff::default());
        assert_eq!(intervals.len(), 1);
        assert_eq!(total(&intervals), 600);
    }

    #[test]
    fn a_gap_of_exactly_the_cutoff_counts_and_a_longer_one_is_idle() {
        let cut = IdleCutoff::default();
        assert_eq!(total(&intervals_from_pings(&pings(1, &[0, 60]), cut)), 60);
        let idle = intervals_from_pings(&pings(1, &[0, 61, 100]), cut);
        assert_eq!((idle.len(), total(&idle)), (2, 39));
    }

    #[test]
    fn idle_gaps_are_cut_out_of_a_session() {
        let mut seconds: Vec<i64> = (0..=10).map(|n| n * 30).collect();
        seconds.extend((0..=10).map(|n| 1_000 + n * 30));
        let intervals = intervals_from_pings(&pings(1, &seconds), IdleCutoff::default());
        assert_eq!(total(&intervals), 600, "the 700-second gap is not counted");
    }

    #[test]
    fn a_single_ping_counts_no_time() {
        let intervals = intervals_from_pings(&pings(1, &[0]), IdleCutoff::default());
        assert_eq!((intervals.len(), total(&intervals)), (1, 0));
        assert!(exclusive_intervals(&intervals).is_empty());
    }

    #[test]
    fn two_tabs_sending_the_same_pings_count_once() {
        let mut both = pings(1, &[0, 30, 60, 90]);
        both.extend(pings(1, &[15, 45, 75, 90]));
        let intervals = intervals_from_pings(&both, IdleCutoff::default());
        assert_eq!(total(&intervals), 90);
    }

    #[test]
    fn overlapping_threads_give_each_second_to_the_one_opened_last() {
        let a = ActivityInterval::new(user(1), thread(1), at(0), at(600)).expect("valid");
        let b = ActivityInterval::new(user(1), thread(2), at(300), at(400)).expect("valid");
        let a_again = a;
        let disjoint = exclusive_intervals(&[a, b, a_again]);
        let per_thread = |t: u128| {
            disjoint.iter().filter(|i| i.thread() == thread(t)).map(|i| i.duration().num_seconds()).sum::<i64>()
        };
        assert_eq!((per_thread(1), per_thread(2)), (500, 100));
        assert_eq!(total(&disjoint), union_length(&[a, b]).num_seconds());
    }

    #[test]
    fn different_clinicians_each_keep_their_own_time() {
        let a = ActivityInterval::new(user(1), thread(1), at(0), at(600)).expect("valid");
        let b = ActivityInterval::new(user(2), thread(1), at(0), at(600)).expect("valid");
        assert_eq!(total(&exclusive_intervals(&[a, b])), 1_200);
    }

    #[test]
    fn intervals_and_cutoffs_refuse_nonsense() {
        assert_eq!(ActivityInterval::new(user(1), thread(1), at(10), at(0)).map_err(|e| e.field()), Err("activity"));
        assert!(IdleCutoff::from_seconds(9).is_err());
        assert!(IdleCutoff::from_seconds(601).is_err());
        assert_eq!(IdleCutoff::from_seconds(90).map(IdleCutoff::seconds), Ok(90));
    }

    #[test]
    fn minutes_are_whole_minutes_rounded_down() {
        assert_eq!(whole_minutes(TimeDelta::seconds(659)), 10);
        assert_eq!(whole_minutes(TimeDelta::seconds(299)), 4);
        assert_eq!(whole_minutes(TimeDelta::seconds(-5)), 0);
    }
}
