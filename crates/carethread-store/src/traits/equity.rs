//! What the equity monitor reads: the groups patients gave, and the facts
//! its figures are computed from (no message text, no names).

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::equity::{Dimension, EquityThread, GroupValue};
use carethread_core::ids::UserId;
use chrono::{DateTime, NaiveDate, Utc};

use crate::StoreResult;

/// A patient as the monitor groups her: her account's language and birth
/// date, and the groups recorded for her.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EquityPerson {
    pub id: UserId,
    /// When her account was made.
    pub joined: DateTime<Utc>,
    pub language: String,
    pub born: Option<NaiveDate>,
    pub groups: Vec<(Dimension, GroupValue)>,
}

/// Everything the monitor counts over a range.
#[derive(Debug, Clone, Default)]
pub struct EquityRows {
    pub patients: Vec<EquityPerson>,
    /// Each message written by a patient or her proxy: whose record, when.
    pub messages: Vec<(UserId, DateTime<Utc>)>,
    /// Conversations a patient or her proxy started, and whether staff wrote back.
    pub threads: Vec<EquityThread>,
    /// Approved (or exported) claims: patient and period start.
    pub claims: Vec<(UserId, DateTime<Utc>)>,
    /// Patients whose latest answer to billing is a decline or withdrawal.
    pub declined: Vec<UserId>,
}

/// The groups patients gave, and the monitor's facts.
#[async_trait]
pub trait Equity: Send + Sync {
    /// Records the patient's value along each of `groups`' dimensions (a
    /// "not given" value removes it), with the audit entry, in one
    /// transaction. Dimensions not named are left as they are.
    async fn set_patient_groups(
        &self,
        patient: UserId,
        groups: &[(Dimension, GroupValue)],
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    /// The groups recorded for the patient, by dimension.
    async fn patient_groups(&self, patient: UserId) -> StoreResult<Vec<(Dimension, GroupValue)>>;

    /// Every value recorded for any patient, by dimension and value.
    async fn recorded_groups(&self) -> StoreResult<Vec<(Dimension, GroupValue)>>;

    /// Every patient, and what happened from `from` to `to`.
    async fn equity_rows(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<EquityRows>;
}
