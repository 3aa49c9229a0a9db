//! E-visit billing as the store keeps it: the clinic's setup, each
//! patient's consent and facts, activity pings, each thread's purpose, the
//! clinicians' attestations and billing staff's claim decisions. Nothing
//! here holds message text.

use carethread_core::DomainError;
use carethread_core::billing::{EVisitCode, EVisitMessage, IdleCutoff, MessagePurpose, Payer};
use carethread_core::ids::{ThreadId, UserId};
use carethread_core::role::Role;
use carethread_core::thread::Category;
use chrono::{DateTime, NaiveDate, Utc};

/// The clinic's e-visit billing switch and what patients are told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingSetup {
    pub enabled: bool,
    /// The notice shown before sending, in English.
    pub notice_en: String,
    /// The same notice in Spanish.
    pub notice_es: String,
    pub payer: Payer,
    pub idle_cutoff: IdleCutoff,
    /// When billing was last turned on (kept when it is turned off again);
    /// the store sets it, whatever a write carries.
    pub enabled_since: Option<DateTime<Utc>>,
}

impl Default for BillingSetup {
    fn default() -> Self {
        Self {
            enabled: false,
            notice_en: String::new(),
            notice_es: String::new(),
            payer: Payer::Other,
            idle_cutoff: IdleCutoff::default(),
            enabled_since: None,
        }
    }
}

/// What billing knows of one patient (dates in the clinic's calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillingPatient {
    pub patient: UserId,
    pub consent_given_on: Option<NaiveDate>,
    /// Withdrawn, or declined without ever consenting.
    pub consent_withdrawn_on: Option<NaiveDate>,
    pub first_visit_on: Option<NaiveDate>,
    pub surgical_global_until: Option<NaiveDate>,
}

impl BillingPatient {
    /// A patient billing knows nothing of yet.
    #[must_use]
    pub const fn new(patient: UserId) -> Self {
        Self {
            patient,
            consent_given_on: None,
            consent_withdrawn_on: None,
            first_visit_on: None,
            surgical_global_until: None,
        }
    }
}

/// A patient's thread as billing reads it: who started it, what it was
/// about as recorded, the visits it relates to and its messages' metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingThread {
    pub id: ThreadId,
    pub category: Category,
    pub started_by: Role,
    /// `None` until a clinician records it.
    pub purpose: Option<MessagePurpose>,
    /// The patient declined billing when she wrote.
    pub declined: bool,
    /// Visit requests made from the thread (not cancelled), when made, and
    /// visits about it recorded or imported, when they took place.
    pub related_visits: Vec<DateTime<Utc>>,
    pub messages: Vec<EVisitMessage>,
}

/// Where a recorded visit came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitSource {
    /// Recorded by someone on staff from the thread.
    Recorded,
    /// Imported from the practice's schedule (`carethread billing import-visits`).
    Imported,
}

impl VisitSource {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            VisitSource::Recorded => "recorded",
            VisitSource::Imported => "imported",
        }
    }
}

/// A visit that took place about a thread's problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedVisit {
    pub thread: ThreadId,
    pub patient: UserId,
    pub visited_at: DateTime<Utc>,
    pub source: VisitSource,
    pub recorded_by: Option<UserId>,
    pub recorded_at: DateTime<Utc>,
}

/// A thread's billing mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThreadBillingMark {
    pub purpose: Option<MessagePurpose>,
    pub declined: bool,
}

/// Where billing staff left a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClaimStatus {
    Approved,
    Held,
    Rejected,
}

impl ClaimStatus {
    pub const ALL: &'static [ClaimStatus] = &[ClaimStatus::Approved, ClaimStatus::Held, ClaimStatus::Rejected];

    /// The name used in the API and the database.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Approved => "approved",
            ClaimStatus::Held => "held",
            ClaimStatus::Rejected => "rejected",
        }
    }

    /// Parses the API's and the database's name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| DomainError::invalid("status", "must be approved, held or rejected"))
    }
}

/// Which period a claim is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeriodKey {
    pub patient: UserId,
    pub clinician: UserId,
    pub period_start: DateTime<Utc>,
}

/// Billing staff's decision on one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimDecision {
    pub key: PeriodKey,
    pub status: ClaimStatus,
    /// Why it was held or rejected (billing staff's words, no message text).
    pub reason: Option<String>,
    /// The code and minutes approved.
    pub code: Option<EVisitCode>,
    pub minutes: Option<u32>,
    pub decided_by: UserId,
    pub decided_at: DateTime<Utc>,
    pub exported_at: Option<DateTime<Utc>>,
}
