//! A clinician's time on a patient's threads: pings from the staff thread
//! page while it is visible, the running total for the period shown on the
//! thread, the clinician's attestation (measured and attested minutes both
//! kept, with what the thread was about), and the line the patient reads on
//! a thread that is an e-visit.

use carethread_core::audit::AuditAction;
use carethread_core::billing::{
    ActivityKind, ActivityPing, Attestation, BillingDecision, EVisitCode, MessagePurpose, PeriodMeasure, eligible_time,
};
use carethread_core::ids::{ThreadId, UserId};
use carethread_core::policy::{self, ThreadAction};
use chrono::{DateTime, Utc};

use super::{PatientBilling, load, setup};
use crate::threads::authorize_thread;
use crate::{App, AppError, AppResult, Caller};

fn require_clinician(caller: &Caller) -> AppResult<()> {
    if policy::may_record_billing_time(caller.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only clinicians' time is measured for online visits".to_owned()))
    }
}

/// Records that the clinician is working on the thread now (the staff
/// thread page sends this every few seconds while it is visible).
pub async fn record_activity(app: &App, caller: &Caller, thread: ThreadId, kind: &str) -> AppResult<()> {
    record_activity_at(app, caller, thread, ActivityKind::parse(kind.trim())?, Utc::now()).await
}

/// [`record_activity`] at a given instant. Nothing is kept while the clinic
/// does not bill e-visits.
pub async fn record_activity_at(
    app: &App,
    caller: &Caller,
    thread: ThreadId,
    kind: ActivityKind,
    at: DateTime<Utc>,
) -> AppResult<()> {
    require_clinician(caller)?;
    authorize_thread(app, caller, thread, ThreadAction::Read).await?;
    if !setup(app).await?.enabled {
        return Ok(());
    }
    app.store.record_pings(&[ActivityPing { clinician: caller.user.id, thread, at, kind }]).await?;
    Ok(())
}

/// The clinician's time as the staff thread page shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadTime {
    pub billing_on: bool,
    /// The clinician's current period on this patient: `[start, end)`.
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Minutes on the patient's threads that count, in the period.
    pub measured_minutes: u32,
    /// Of which on this thread.
    pub thread_minutes: u32,
    /// What the clinician attested for the period, if they have.
    pub attested_minutes: Option<u32>,
    /// The thread's purpose as recorded, if it was.
    pub purpose: Option<MessagePurpose>,
    /// The patient declined billing when she wrote.
    pub declined: bool,
}

/// The clinician's latest period on `thread`.
fn period_of(billing: &PatientBilling, clinician: UserId, thread: ThreadId) -> Option<&PeriodMeasure> {
    billing
        .measures
        .iter()
        .filter(|m| m.clinician == clinician && m.threads.iter().any(|t| t.thread == thread))
        .max_by_key(|m| m.period.start())
}

/// The running total of the caller's time for the period, on the thread.
pub async fn thread_time(app: &App, caller: &Caller, thread: ThreadId) -> AppResult<ThreadTime> {
    require_clinician(caller)?;
    let found = authorize_thread(app, caller, thread, ThreadAction::Read).await?;
    let setup = setup(app).await?;
    if !setup.enabled {
        return Ok(ThreadTime::default());
    }
    let billing = load(app, &setup, found.patient_id).await?;
    let mark = billing.threads.iter().find(|t| t.id == thread);
    let mut out = ThreadTime {
        billing_on: true,
        purpose: mark.and_then(|t| t.purpose),
        declined: mark.is_some_and(|t| t.declined),
        ..ThreadTime::default()
    };
    if let Some(measure) = period_of(&billing, caller.user.id, thread) {
        out.period = Some((measure.period.start(), measure.period.end()));
        out.measured_minutes = eligible_time(billing.settings.timezone, &billing.evisit, measure)?.minutes();
        let share = measure.threads.iter().find(|t| t.thread == thread).map(|t| t.active).unwrap_or_default();
        out.thread_minutes = carethread_core::billing::whole_minutes(share);
        out.attested_minutes = billing.attestation(measure).map(Attestation::attested_minutes);
    }
    Ok(out)
}

/// The clinician's attestation, as typed: what the thread was about, and
/// the minutes (the measured figure when left empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attest {
    pub purpose: MessagePurpose,
    pub minutes: Option<u32>,
}

/// Records what the thread was about and attests (or corrects) the
/// caller's minutes for the period; both the measured and the attested
/// figure are kept.
pub async fn attest(app: &App, caller: &Caller, thread: ThreadId, input: Attest) -> AppResult<ThreadTime> {
    attest_at(app, caller, thread, input, Utc::now()).await
}

/// [`attest`] at a given instant.
pub async fn attest_at(
    app: &App,
    caller: &Caller,
    thread: ThreadId,
    input: Attest,
    now: DateTime<Utc>,
) -> AppResult<ThreadTime> {
    require_clinician(caller)?;
    let found = authorize_thread(app, caller, thread, ThreadAction::Reply).await?;
    let setup = setup(app).await?;
    if !setup.enabled {
        return Err(AppError::Conflict("the clinic does not bill online visits".to_owned()));
    }
    let mut mark = app.store.thread_billing_mark(thread).await?;
    if mark.purpose != Some(input.purpose) {
        mark.purpose = Some(input.purpose);
        let audit = caller
            .audit(AuditAction::BillingChange)
            .patient(found.patient_id)
            .detail(format!("purpose {}", input.purpose.as_str()));
        app.store.set_thread_billing_mark(thread, mark, &audit).await?;
    }
    let billing = load(app, &setup, found.patient_id).await?;
    let measure = period_of(&billing, caller.user.id, thread).ok_or_else(|| {
        AppError::Conflict("no time of yours is measured on this conversation yet; nothing to attest".to_owned())
    })?;
    let measured = eligible_time(billing.settings.timezone, &billing.evisit, measure)?.minutes();
    let attestation = Attestation::new(found.patient_id, measure, measured, input.minutes.unwrap_or(measured), now)?;
    let audit = caller.audit(AuditAction::BillingChange).detail(format!(
        "attested {} of {} measured minutes",
        attestation.attested_minutes(),
        attestation.measured_minutes()
    ));
    app.store.save_attestation(&attestation, measure.period.end(), &audit).await?;
    thread_time(app, caller, thread).await
}

/// What a patient reads on a thread that is an e-visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EVisitLine {
    pub code: EVisitCode,
    /// The code's plain meaning in the reader's language.
    pub meaning: &'static str,
    pub minutes: u32,
}

/// The e-visit line for a thread the caller may read: shown once a
/// clinician has recorded the thread as an evaluation and attested a time
/// that would bill (before any claim is exported); `None` otherwise.
pub async fn evisit_line(app: &App, caller: &Caller, thread: ThreadId) -> AppResult<Option<EVisitLine>> {
    let found = authorize_thread(app, caller, thread, ThreadAction::Read).await?;
    let setup = setup(app).await?;
    if !setup.enabled {
        return Ok(None);
    }
    let billing = load(app, &setup, found.patient_id).await?;
    let Some(t) = billing.threads.iter().find(|t| t.id == thread) else { return Ok(None) };
    if t.purpose != Some(MessagePurpose::Evaluation) || t.declined {
        return Ok(None);
    }
    for measure in billing.measures.iter().filter(|m| m.threads.iter().any(|s| s.thread == thread)).rev() {
        if billing.attestation(measure).is_none() {
            continue;
        }
        let Some(clinician) = app.store.user(measure.clinician).await? else { continue };
        // Judged as at the period's end: the line is shown while it runs.
        let at = measure.period.end().max(Utc::now());
        if let BillingDecision::Billable { code, minutes, .. } = billing.decide(measure, clinician.role, at)? {
            return Ok(Some(EVisitLine { code, meaning: code.meaning(caller.user.language), minutes }));
        }
    }
    Ok(None)
}
