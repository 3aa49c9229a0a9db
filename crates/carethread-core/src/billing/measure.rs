//! Measured time per clinician per period.
//!
//! A period opens with a clinician's review of a patient's new message on a
//! thread the patient started: the first instant of that clinician's
//! activity on the thread at or after the message. Reviews inside an open
//! period belong to it; the first review at or after its end opens the next
//! one. Activity that is not inside any period (re-reading an old thread
//! with nothing new from the patient) is no e-visit and is not counted.
//!
//! Inside a period, every second of the clinician's activity on any of the
//! patient's threads is counted once, on one thread
//! ([`super::exclusive_intervals`]); whether a thread's time may bill is
//! decided afterwards ([`super::decide`]).

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::BillingSettings;
use super::eligibility::EVisitThread;
use super::period::{BillingPeriod, periods_for_reviews};
use super::time::{ActivityInterval, ActivityPing, exclusive_intervals, intervals_from_pings, whole_minutes};
use crate::DomainError;
use crate::ids::{MessageId, ThreadId, UserId};

/// One thread's share of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreadTime {
    pub thread: ThreadId,
    /// The clinician's active time on the thread inside the period.
    pub active: TimeDelta,
    /// The earliest patient message first reviewed in this period, if any.
    pub first_inquiry: Option<DateTime<Utc>>,
    /// The patient's messages first reviewed in this period, and the
    /// clinician's own messages sent in it, oldest first.
    pub messages: Vec<MessageId>,
}

/// One clinician's measured time on one patient's threads in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodMeasure {
    pub clinician: UserId,
    pub period: BillingPeriod,
    /// Threads with time or messages in the period, in the order given.
    pub threads: Vec<ThreadTime>,
}

impl PeriodMeasure {
    /// Active time on all the patient's threads, each second once.
    #[must_use]
    pub fn active(&self) -> TimeDelta {
        self.threads.iter().map(|t| t.active).sum()
    }

    /// [`Self::active`] in whole minutes, rounded down.
    #[must_use]
    pub fn minutes(&self) -> u32 {
        whole_minutes(self.active())
    }
}

/// Measures every clinician's periods on one patient's `threads` from
/// activity intervals. `activity` may hold other patients' threads too
/// (a clinician's whole day): overlaps with them are resolved first, so two
/// tabs on two patients never count the same second for both, and then
/// only the given threads are kept. Sorted by clinician, then period.
pub fn measure(
    settings: &BillingSettings,
    threads: &[EVisitThread],
    activity: &[ActivityInterval],
) -> Result<Vec<PeriodMeasure>, DomainError> {
    let mut ids = HashSet::new();
    if !threads.iter().all(|t| ids.insert(t.id)) {
        return Err(DomainError::invalid("threads", "lists the same thread twice"));
    }
    let raw: Vec<&ActivityInterval> = activity.iter().filter(|i| ids.contains(&i.thread())).collect();
    let exclusive: Vec<ActivityInterval> =
        exclusive_intervals(activity).into_iter().filter(|i| ids.contains(&i.thread())).collect();
    let clinicians: BTreeSet<UserId> = raw.iter().map(|i| i.clinician()).collect();

    let mut out = Vec::new();
    for clinician in clinicians {
        let own: Vec<&ActivityInterval> = raw.iter().copied().filter(|i| i.clinician() == clinician).collect();
        let reviews = first_reviews(threads, &own);
        let times: Vec<DateTime<Utc>> = reviews.iter().map(|r| r.at).collect();
        for period in periods_for_reviews(&times, settings.timezone) {
            let shares = threads
                .iter()
                .map(|t| thread_share(t, clinician, &period, &reviews, &exclusive))
                .filter(|s| s.active > TimeDelta::zero() || !s.messages.is_empty())
                .collect();
            out.push(PeriodMeasure { clinician, period, threads: shares });
        }
    }
    Ok(out)
}

/// [`measure`] straight from pings, with the clinic's idle cutoff.
pub fn measure_pings(
    settings: &BillingSettings,
    threads: &[EVisitThread],
    pings: &[ActivityPing],
) -> Result<Vec<PeriodMeasure>, DomainError> {
    measure(settings, threads, &intervals_from_pings(pings, settings.idle_cutoff))
}

/// A patient message and when one clinician first looked at it.
struct Review {
    at: DateTime<Utc>,
    thread: ThreadId,
    message: MessageId,
    sent_at: DateTime<Utc>,
}

/// For every patient message on a thread the patient started, the first
/// instant of the clinician's activity on that thread at or after it.
fn first_reviews(threads: &[EVisitThread], own: &[&ActivityInterval]) -> Vec<Review> {
    let mut reviews = Vec::new();
    for thread in threads.iter().filter(|t| t.patient_initiated()) {
        for m in thread.messages.iter().filter(|m| m.from_patient_side()) {
            let seen = own
                .iter()
                .filter(|i| i.thread() == thread.id && i.end() >= m.sent_at)
                .map(|i| i.start().max(m.sent_at))
                .min();
            if let Some(at) = seen {
                reviews.push(Review { at, thread: thread.id, message: m.id, sent_at: m.sent_at });
            }
        }
    }
    reviews
}

fn thread_share(
    thread: &EVisitThread,
    clinician: UserId,
    period: &BillingPeriod,
    reviews: &[Review],
    exclusive: &[ActivityInterval],
) -> ThreadTime {
    let active = exclusive
        .iter()
        .filter(|i| i.clinician() == clinician && i.thread() == thread.id)
        .filter_map(|i| i.clipped(period.start(), period.end()))
        .map(|i| i.duration())
        .sum();
    let reviewed: Vec<&Review> = reviews.iter().filter(|r| r.thread == thread.id && period.contains(r.at)).collect();
    let mut messages: Vec<(DateTime<Utc>, MessageId)> = reviewed.iter().map(|r| (r.sent_at, r.message)).collect();
    messages.extend(
        thread
            .messages
            .iter()
            .filter(|m| m.author == clinician && !m.internal && period.contains(m.sent_at))
            .map(|m| (m.sent_at, m.id)),
    );
    messages.sort_unstable();
    messages.dedup();
    ThreadTime {
        thread: thread.id,
        active,
        first_inquiry: reviewed.iter().map(|r| r.sent_at).min(),
        messages: messages.into_iter().map(|(_, id)| id).collect(),
    }
}
