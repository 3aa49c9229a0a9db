//! Retention: administrators put a patient's records under legal hold (and
//! release them); closed conversations past the clinic's retention period
//! (`[clinic] retention_months`) are purged by a daily job
//! ([`crate::jobs::retention`]) unless their patient is under hold. Every
//! hold, release and purge is audited; the audit log is never purged.

use carethread_core::audit::AuditAction;
use carethread_core::ids::UserId;
use carethread_core::role::Role;
use carethread_store::LegalHold;
use chrono::{DateTime, Utc};

use crate::audit::entry;
use crate::users::require_admin;
use crate::{App, AppError, AppResult, Operator};

/// Longest reason for a hold, in characters.
pub const REASON_MAX_CHARS: usize = 500;

/// A patient under hold, as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldView {
    pub patient_id: UserId,
    pub patient_name: String,
    pub reason: String,
    pub set_by: Option<String>,
    pub set_at: DateTime<Utc>,
}

/// Every patient under hold, oldest hold first.
pub async fn legal_holds(app: &App, by: Operator<'_>) -> AppResult<Vec<HoldView>> {
    require_admin(by)?;
    let holds = app.store.legal_holds().await?;
    let mut views = Vec::with_capacity(holds.len());
    for LegalHold { patient_id, reason, set_by, set_at } in holds {
        let name = |id| async move { app.store.user(id).await.map(|u| u.map(|u| u.display_name.as_str().to_owned())) };
        let patient_name = name(patient_id).await?.unwrap_or_default();
        let set_by = match set_by {
            Some(id) => name(id).await?,
            None => None,
        };
        views.push(HoldView { patient_id, patient_name, reason, set_by, set_at });
    }
    Ok(views)
}

/// Puts the patient under hold with a reason of 1 to 500 characters on one
/// line (`Some`), or releases her (`None`). An unknown patient answers
/// `NotFound`; releasing a patient not under hold answers `Ok(false)`.
pub async fn set_legal_hold(app: &App, by: Operator<'_>, patient: UserId, reason: Option<&str>) -> AppResult<bool> {
    require_admin(by)?;
    let found = app.store.user(patient).await?;
    if !found.is_some_and(|u| u.role == Role::Patient) {
        return Err(AppError::NotFound);
    }
    let reason = match reason.map(str::trim) {
        Some(r) if r.is_empty() || r.chars().count() > REASON_MAX_CHARS => {
            return Err(AppError::invalid("reason", "must be 1 to 500 characters"));
        }
        Some(r) => {
            carethread_core::text::single_line("reason", r)?;
            Some(r)
        }
        None => None,
    };
    let what = if reason.is_some() { "legal hold set" } else { "legal hold released" };
    let audit = entry(by, AuditAction::LegalHold, what).patient(patient);
    Ok(app.store.set_legal_hold(patient, reason, &audit).await?)
}
