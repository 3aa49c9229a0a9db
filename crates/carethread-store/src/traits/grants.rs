//! Access beyond the care team: proxy grants (a patient's family member or
//! caregiver acting for them) and break-the-glass emergency access.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::{GrantId, UserId};
use chrono::{DateTime, Utc};

use crate::{EmergencyAccessRequest, GrantRecord, NewGrant, PersonRef, StoreResult};

/// Proxy grants and emergency access, each change audited in its transaction.
#[async_trait]
pub trait AccessGrants: Send + Sync {
    /// Records a grant; returns its id.
    async fn grant_proxy(&self, new: &NewGrant, audit: &AuditEvent) -> StoreResult<GrantId>;
    /// Grants, newest first, optionally of one patient and/or one proxy.
    async fn proxy_grants(&self, patient: Option<UserId>, proxy: Option<UserId>) -> StoreResult<Vec<GrantRecord>>;
    /// Revokes a grant now. False when there is no such grant in force.
    /// One grant, whoever it is between.
    async fn grant(&self, id: GrantId) -> StoreResult<Option<GrantRecord>>;
    async fn revoke_grant(&self, id: GrantId, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<bool>;
    /// Patients the proxy currently acts for.
    async fn proxy_patients(&self, proxy_id: UserId, now: DateTime<Utc>) -> StoreResult<Vec<PersonRef>>;
    /// Break-the-glass: opens the patient's threads to a clinician outside the
    /// care team until `expires_at`, for the stated reason (kept encrypted),
    /// audited, and alerts privacy officers.
    async fn open_emergency_access(&self, request: &EmergencyAccessRequest, audit: &AuditEvent) -> StoreResult<()>;
}
