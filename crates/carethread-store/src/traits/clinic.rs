//! What administrators set for the whole clinic: its profile (hours,
//! reply-time targets, after-hours coverage) and triage settings.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::profile::ClinicProfile;

use crate::{SettingChange, StoreResult, TriageSettings, TriageSettingsChange};

/// Clinic-wide settings. Every change is written with its audit entry in one transaction.
#[async_trait]
pub trait ClinicSettings: Send + Sync {
    /// The clinic profile administrators saved, if any.
    async fn clinic_profile(&self) -> StoreResult<Option<ClinicProfile>>;
    async fn set_clinic_profile(&self, change: &SettingChange<ClinicProfile>, audit: &AuditEvent) -> StoreResult<()>;
    /// The clinic's classifier switch and routing rules (only those set by an admin).
    async fn triage_settings(&self) -> StoreResult<TriageSettings>;
    /// Switches the classifier and sets routing rules, atomically.
    async fn update_triage_settings(
        &self,
        change: &TriageSettingsChange,
        audit: &AuditEvent,
    ) -> StoreResult<TriageSettings>;
}
