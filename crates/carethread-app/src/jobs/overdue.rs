//! Overdue escalation: a recurring scan (every minute, one chain per
//! database however many servers run it) finds threads whose reply is past
//! the clinic's reply-time target and tells whoever answers for them: the
//! assignee and the pool's lead, or, when it has neither, every member of
//! the thread's pool; anyone away through whoever covers for them. They are
//! told by their channel (e-mail or SMS, no PHI) and in the portal, where
//! the notice stays until someone on the care team replies.
//! Each thread is escalated once per wait: the scan leaves a mark
//! ([`OVERDUE_ESCALATED`]) in the notices sent, and a new wait (the patient
//! writes again after a reply) starts afresh.
//!
//! The first scan is added when a worker starts ([`seed`]); each scan adds
//! the next with the dedupe key [`SCAN_KEY`], so servers starting together,
//! or a scan that was set aside and retried, still leave one chain.

use std::collections::HashMap;

use carethread_core::ids::{PoolId, UserId};
use carethread_notify::NoticeKind;
use carethread_store::jobs::{ESCALATED_CHANNEL, OVERDUE_ESCALATED};
use carethread_store::{JobEffects, NewJob, SentNotice, StoreError, WaitingThread};
use chrono::{DateTime, TimeDelta, Utc};

use super::Job;
use super::runner::Outcome;
use crate::App;

/// The dedupe key of the pending scan: one at a time.
pub const SCAN_KEY: &str = "overdue_scan";
/// How often the scan runs.
pub const SCAN_EVERY: TimeDelta = TimeDelta::minutes(1);
/// Most waiting threads one scan reads (longest waiting first); the rest
/// are read by the next scan once these are escalated.
const SCAN_LIMIT: u32 = 500;

/// The scan's outbox row, to run at `at`.
#[must_use]
pub fn scan_at(at: DateTime<Utc>) -> NewJob {
    Job::OverdueScan.at(at, Some(SCAN_KEY.to_owned()))
}

/// Adds the first scan (nothing, when one is already pending).
pub async fn seed(app: &App, now: DateTime<Utc>) {
    if let Err(err) = app.store.enqueue_jobs(vec![scan_at(now)]).await {
        tracing::warn!(error = %err, "could not add the overdue scan; the next worker start adds it");
    }
}

pub(super) async fn scan(app: &App, now: DateTime<Utc>) -> Outcome {
    let retry = |err: StoreError| Outcome::Retry(format!("store: {err}"));
    let waiting = match app.store.waiting_unescalated(now, SCAN_LIMIT).await {
        Ok(waiting) => waiting,
        Err(err) => return retry(err),
    };
    let clinic = app.clinic.get(app.store.as_ref()).await;
    let overdue: Vec<WaitingThread> =
        waiting.into_iter().filter(|t| clinic.due_at(t.awaiting_since, t.urgency) <= now).collect();
    let mut effects = JobEffects::default();
    let mut pools: Option<Pools> = None;
    for thread in &overdue {
        if pools.is_none() {
            pools = Some(match Pools::read(app).await {
                Ok(found) => found,
                Err(err) => return retry(err),
            });
        }
        let people = pools.as_ref().map(|p| p.to_tell(thread)).unwrap_or_default();
        let people = match crate::coverage::present(app, people, now).await {
            Ok(people) => people,
            Err(err) => return retry(err),
        };
        if people.is_empty() {
            tracing::debug!(thread.id = %thread.id, "an overdue thread has no assignee, lead or pool members to tell");
            continue;
        }
        for person in people {
            match super::deliver::scheduled(app, person, NoticeKind::OverdueThread, Some(thread.id), now).await {
                Ok(job) => effects.follow_ups.push(job),
                Err(err) => return retry(err),
            }
            effects.sent.push(SentNotice {
                recipient_id: person,
                thread_id: Some(thread.id),
                kind: OVERDUE_ESCALATED.to_owned(),
                channel: ESCALATED_CHANNEL.to_owned(),
                // The wait it escalated: a later wait is escalated afresh,
                // whatever the clocks of the servers that scan. It is also
                // the person's in-app notice while the wait stands.
                sent_at: thread.awaiting_since,
            });
        }
    }
    if !overdue.is_empty() {
        tracing::info!(threads = overdue.len(), "overdue threads escalated");
    }
    effects.follow_ups.push(scan_at(now + SCAN_EVERY));
    Outcome::Done(effects)
}

/// The clinic's pools as the scan needs them: members and leads.
struct Pools {
    members: HashMap<PoolId, Vec<UserId>>,
    leads: HashMap<PoolId, UserId>,
}

impl Pools {
    async fn read(app: &App) -> Result<Self, StoreError> {
        let mut members: HashMap<PoolId, Vec<UserId>> = HashMap::new();
        for m in app.store.pool_members().await? {
            members.entry(m.pool_id).or_default().push(m.member.id);
        }
        let leads = app.store.pool_leads().await?.into_iter().collect();
        Ok(Self { members, leads })
    }

    /// Who answers for an overdue thread: its assignee and its pool's lead;
    /// when it has neither, every member of its pool.
    fn to_tell(&self, thread: &WaitingThread) -> Vec<UserId> {
        let lead = thread.pool_id.and_then(|pool| self.leads.get(&pool).copied());
        let mut people: Vec<UserId> = thread.assignee_id.into_iter().collect();
        if let Some(lead) = lead.filter(|lead| !people.contains(lead)) {
            people.push(lead);
        }
        if people.is_empty() {
            people = thread.pool_id.and_then(|pool| self.members.get(&pool)).cloned().unwrap_or_default();
        }
        people
    }
}
