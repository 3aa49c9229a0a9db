//! The billing decision for one (patient, clinician, period).

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::BillingSettings;
use super::attestation::Attestation;
use super::codes::{BillingClass, EVisitCode, MIN_BILLABLE_MINUTES, code_for};
use super::eligibility::{EVisitThread, PatientBillingFacts, patient_exclusions, thread_exclusions};
use super::exclusion::Exclusion;
use super::measure::PeriodMeasure;
use super::period::BillingPeriod;
use super::time::whole_minutes;
use crate::DomainError;
use crate::ids::{MessageId, ThreadId};
use crate::role::Role;

/// Whether a period bills, and as what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum BillingDecision {
    Billable {
        code: EVisitCode,
        /// The attested minutes: the figure that bills.
        minutes: u32,
        /// The measured minutes on the threads that count, for comparison.
        measured_minutes: u32,
        /// The messages of the threads that count, oldest first.
        messages: Vec<MessageId>,
        period: BillingPeriod,
    },
    /// Every exclusion that applied, in [`Exclusion`] order, each once.
    NotBillable { reasons: Vec<Exclusion> },
}

impl BillingDecision {
    #[must_use]
    pub const fn is_billable(&self) -> bool {
        matches!(self, BillingDecision::Billable { .. })
    }

    /// The code billed, if any.
    #[must_use]
    pub const fn code(&self) -> Option<EVisitCode> {
        match self {
            BillingDecision::Billable { code, .. } => Some(*code),
            BillingDecision::NotBillable { .. } => None,
        }
    }

    /// The exclusions that applied (none when billable).
    #[must_use]
    pub fn exclusions(&self) -> &[Exclusion] {
        match self {
            BillingDecision::Billable { .. } => &[],
            BillingDecision::NotBillable { reasons } => reasons,
        }
    }
}

/// Which threads of a period count, and the time and messages they carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EligibleTime {
    /// Threads whose time counts.
    pub counted: Vec<ThreadId>,
    /// Threads whose time is set aside, with every reason.
    pub set_aside: Vec<(ThreadId, Vec<Exclusion>)>,
    /// Active time on the counted threads.
    pub active: TimeDelta,
    /// Messages on the counted threads, oldest first.
    pub messages: Vec<MessageId>,
}

impl EligibleTime {
    /// [`Self::active`] in whole minutes, rounded down: what the clinician
    /// is shown before attesting.
    #[must_use]
    pub fn minutes(&self) -> u32 {
        whole_minutes(self.active)
    }
}

/// Sorts the measured threads of a period into those that count and those
/// set aside. Refused when the measure names a thread not in `threads`.
pub fn eligible_time(tz: Tz, threads: &[EVisitThread], measure: &PeriodMeasure) -> Result<EligibleTime, DomainError> {
    let mut out =
        EligibleTime { counted: Vec::new(), set_aside: Vec::new(), active: TimeDelta::zero(), messages: Vec::new() };
    let mut messages: Vec<(DateTime<Utc>, MessageId)> = Vec::new();
    for share in &measure.threads {
        let thread = threads
            .iter()
            .find(|t| t.id == share.thread)
            .ok_or_else(|| DomainError::invalid("threads", "the measured period names a thread that was not given"))?;
        let inquiry_at = share.first_inquiry.map_or(measure.period.start(), |m| m.min(measure.period.start()));
        let reasons = thread_exclusions(thread, &measure.period, inquiry_at, tz);
        if reasons.is_empty() {
            out.counted.push(thread.id);
            out.active += share.active;
            messages
                .extend(thread.messages.iter().filter(|m| share.messages.contains(&m.id)).map(|m| (m.sent_at, m.id)));
        } else {
            out.set_aside.push((thread.id, reasons));
        }
    }
    messages.sort_unstable();
    out.messages = messages.into_iter().map(|(_, id)| id).collect();
    Ok(out)
}

/// Decides one period of `measure.clinician`, who holds `clinician_role`,
/// with `patient`. Every exclusion is checked and all that apply are
/// listed:
/// - the clinician's billing class (clinical and non-clinical staff time is
///   not counted);
/// - the patient ([`patient_exclusions`]);
/// - each thread with time or messages in the period
///   ([`thread_exclusions`]): a set-aside thread's reasons are listed when
///   the period does not bill, and its time never counts;
/// - the attestation (none yet: not billable) and the 5-minute minimum,
///   judged on the attested minutes (on the measured ones before attestation);
/// - the period still being open at `now` (a visit may still follow).
///
/// Refused when the attestation is for another patient, clinician or
/// period, or the measure names a thread not in `threads`.
pub fn decide(
    settings: &BillingSettings,
    patient: &PatientBillingFacts,
    clinician_role: Role,
    threads: &[EVisitThread],
    measure: &PeriodMeasure,
    attestation: Option<&Attestation>,
    now: DateTime<Utc>,
) -> Result<BillingDecision, DomainError> {
    let period = measure.period;
    let tz = settings.timezone;
    let class = settings.classes.class_of(measure.clinician, clinician_role);
    let mut reasons = Vec::new();
    match class {
        BillingClass::ClinicalStaff => reasons.push(Exclusion::ClinicalStaffTime),
        BillingClass::NonClinical => reasons.push(Exclusion::NotAClinician),
        BillingClass::PhysicianOrQhp | BillingClass::QualifiedNonPhysician => {}
    }
    reasons.extend(patient_exclusions(patient, &period, tz));
    let eligible = eligible_time(tz, threads, measure)?;
    let minutes = if let Some(a) = attestation {
        if a.patient() != patient.patient || a.clinician() != measure.clinician || a.period_start() != period.start() {
            return Err(DomainError::invalid("attestation", "is for another patient, clinician or period"));
        }
        a.attested_minutes()
    } else {
        reasons.push(Exclusion::NotAttested);
        eligible.minutes()
    };
    // With every thread set aside, their reasons say why; "under 5 minutes"
    // would only mislead.
    let something_counts = !eligible.counted.is_empty() || eligible.set_aside.is_empty();
    if something_counts && minutes < MIN_BILLABLE_MINUTES {
        reasons.push(Exclusion::UnderFiveMinutes);
    }
    if !period.is_closed_at(now) {
        reasons.push(Exclusion::PeriodOpen);
    }
    // Threads set aside stop nothing while another thread counts; when the
    // period does not bill, their reasons are part of the answer.
    if !reasons.is_empty() || eligible.counted.is_empty() {
        reasons.extend(eligible.set_aside.iter().flat_map(|(_, why)| why));
    }
    reasons.sort_unstable();
    reasons.dedup();
    if !reasons.is_empty() {
        return Ok(BillingDecision::NotBillable { reasons });
    }
    match code_for(class, settings.payer, minutes) {
        Some(code) => Ok(BillingDecision::Billable {
            code,
            minutes,
            measured_minutes: eligible.minutes(),
            messages: eligible.messages,
            period,
        }),
        // Unreachable: the class bills and the minimum was checked above.
        None => Ok(BillingDecision::NotBillable { reasons: vec![Exclusion::UnderFiveMinutes] }),
    }
}
