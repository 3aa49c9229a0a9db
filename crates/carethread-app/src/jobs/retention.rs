//! The retention sweep: once a day (one chain per database however many
//! servers run it), closed conversations last changed before the retention
//! period are purged, oldest first, unless their patient is under legal
//! hold; each purge is one transaction with its audit entry. Off unless the
//! clinic sets `[clinic] retention_months`.

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_store::{JobEffects, NewJob};
use chrono::{DateTime, TimeDelta, Utc};

use super::Job;
use super::runner::Outcome;
use crate::App;

/// The dedupe key of the pending sweep: one at a time.
pub const SWEEP_KEY: &str = "retention_sweep";
/// How often the sweep runs.
pub const SWEEP_EVERY: TimeDelta = TimeDelta::days(1);
/// Most threads one sweep purges; with more left, the next sweep follows soon.
const SWEEP_LIMIT: u32 = 200;

fn sweep_at(at: DateTime<Utc>) -> NewJob {
    Job::RetentionSweep.at(at, Some(SWEEP_KEY.to_owned()))
}

/// Adds the first sweep when the clinic keeps conversations for a limited
/// time (nothing, when one is already pending or retention is off).
pub async fn seed(app: &App, now: DateTime<Utc>) {
    if app.settings.purge_before(now).is_none() {
        return;
    }
    if let Err(err) = app.store.enqueue_jobs(vec![sweep_at(now)]).await {
        tracing::warn!(error = %err, "could not add the retention sweep; the next worker start adds it");
    }
}

pub(super) async fn sweep(app: &App, now: DateTime<Utc>) -> Outcome {
    let Some(before) = app.settings.purge_before(now) else {
        // Retention was turned off: the chain ends here.
        return Outcome::Done(JobEffects::default());
    };
    let expired = match app.store.expired_threads(before, SWEEP_LIMIT).await {
        Ok(expired) => expired,
        Err(err) => return Outcome::Retry(format!("store: {err}")),
    };
    let months = app.settings.retention_months;
    let mut purged = 0usize;
    for (thread, patient) in &expired {
        let audit = AuditEvent::new(AuditAction::RetentionPurge, None, now)
            .patient(*patient)
            .detail(format!("closed conversation past the retention period of {months} months"));
        match app.store.purge_thread(*thread, before, &audit).await {
            Ok(true) => purged += 1,
            Ok(false) => {}
            Err(err) => return Outcome::Retry(format!("store: {err}")),
        }
    }
    if purged > 0 {
        tracing::info!(threads = purged, "closed conversations past the retention period purged");
    }
    let full = u32::try_from(expired.len()).unwrap_or(u32::MAX) >= SWEEP_LIMIT;
    let next = if full { now + TimeDelta::minutes(1) } else { now + SWEEP_EVERY };
    Outcome::Done(JobEffects { follow_ups: vec![sweep_at(next)], ..JobEffects::default() })
}
