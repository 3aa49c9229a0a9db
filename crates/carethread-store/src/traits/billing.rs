//! E-visit billing: the clinic's setup, consent, measured activity,
//! attestations and claim decisions.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::billing::{ActivityPing, Attestation};
use carethread_core::ids::{ThreadId, UserId};
use chrono::{DateTime, Utc};

use crate::StoreResult;
use crate::billing::{
    BillingPatient, BillingSetup, BillingThread, ClaimDecision, PeriodKey, RecordedVisit, ThreadBillingMark,
};

/// Everything e-visit billing keeps. No method reads or writes message text.
#[async_trait]
pub trait Billing: Send + Sync {
    /// The clinic's setup; `None` when never set (billing off).
    async fn billing_setup(&self) -> StoreResult<Option<BillingSetup>>;

    /// Replaces the clinic's setup, with its audit entry.
    async fn set_billing_setup(&self, setup: &BillingSetup, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<()>;

    /// What billing knows of a patient; `None` when nothing yet.
    async fn billing_patient(&self, patient: UserId) -> StoreResult<Option<BillingPatient>>;

    /// Replaces what billing knows of a patient, with its audit entry.
    async fn set_billing_patient(
        &self,
        facts: &BillingPatient,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    /// Keeps activity pings; a repeated ping (same clinician, thread and
    /// instant) is kept once. Not audited one by one: they are a measure,
    /// and the attestation that uses them is.
    async fn record_pings(&self, pings: &[ActivityPing]) -> StoreResult<()>;

    /// Pings on any thread of `patient`, oldest first.
    async fn pings_for_patient(&self, patient: UserId) -> StoreResult<Vec<ActivityPing>>;

    /// A clinician's pings on any thread in `[from, to)`, oldest first.
    async fn pings_of(
        &self,
        clinician: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ActivityPing>>;

    /// Patients with activity on their threads at or after `since`.
    async fn patients_with_activity(&self, since: DateTime<Utc>) -> StoreResult<Vec<UserId>>;

    /// Every thread of `patient` as billing reads it (no text).
    async fn billing_threads(&self, patient: UserId) -> StoreResult<Vec<BillingThread>>;

    /// Records a visit about a thread's problem, with the audit entry; the
    /// same thread and time again changes nothing.
    async fn record_visit(&self, visit: &RecordedVisit, audit: &AuditEvent) -> StoreResult<()>;

    /// A thread's billing mark (default when none was set).
    async fn thread_billing_mark(&self, thread: ThreadId) -> StoreResult<ThreadBillingMark>;

    /// Sets a thread's billing mark, with its audit entry (whose actor and
    /// time it records as who set it and when).
    async fn set_thread_billing_mark(
        &self,
        thread: ThreadId,
        mark: ThreadBillingMark,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    /// Stores (or corrects) a clinician's attestation of a period ending at
    /// `period_end`, with its audit entry.
    async fn save_attestation(
        &self,
        attestation: &Attestation,
        period_end: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    /// A patient's attestations, with their periods' ends.
    async fn attestations_for(&self, patient: UserId) -> StoreResult<Vec<(Attestation, DateTime<Utc>)>>;

    /// Records billing staff's decision on a period (replacing an earlier
    /// one not yet exported), with its audit entry. False when the period
    /// was already exported.
    async fn decide_claim(&self, decision: &ClaimDecision, audit: &AuditEvent) -> StoreResult<bool>;

    /// Every claim decision, oldest first.
    async fn claim_decisions(&self) -> StoreResult<Vec<ClaimDecision>>;

    /// Marks the claims `keys` names exported at `now`, those of them that
    /// are approved and not exported yet, with the audit entry, in one
    /// transaction; answers those marked (the ones the caller writes out).
    async fn export_approved_claims(
        &self,
        keys: &[PeriodKey],
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<PeriodKey>>;
}
