//! Break-the-glass: a clinician outside a patient's care team opens one of
//! her threads in an emergency by saying why. Access lasts
//! [`BREAK_GLASS_MINUTES`](carethread_core::policy::BREAK_GLASS_MINUTES), the
//! reason is kept (encrypted) in the audit log, and privacy officers are
//! alerted.

use carethread_core::audit::AuditAction;
use carethread_core::ids::ThreadId;
use carethread_core::policy::{self, ThreadAction};
use carethread_core::thread::Thread;
use chrono::{DateTime, TimeDelta, Utc};

use crate::{App, AppError, AppResult, Caller};

/// The shortest reason accepted, in characters.
pub const REASON_MIN_CHARS: usize = 10;
/// The longest reason accepted, in characters.
pub const REASON_MAX_CHARS: usize = 500;

/// Access opened by breaking the glass.
#[derive(Debug, Clone)]
pub struct EmergencyAccess {
    pub thread: Thread,
    /// When the access ends.
    pub until: DateTime<Utc>,
}

/// Opens `thread` to the caller for an emergency. Only clinicians may; the
/// reason must say why (10 to 500 characters); a thread the caller can
/// already read answers `Conflict`; one that does not exist, `NotFound`.
pub async fn break_glass(app: &App, caller: &Caller, thread: ThreadId, reason: &str) -> AppResult<EmergencyAccess> {
    if !policy::may_break_glass(caller.user.role) {
        return Err(AppError::Forbidden("only clinicians may break the glass".into()));
    }
    let reason = carethread_core::text::multi_line("reason", reason)?;
    let reason = reason.trim();
    let chars = reason.chars().count();
    if !(REASON_MIN_CHARS..=REASON_MAX_CHARS).contains(&chars) {
        return Err(AppError::invalid("reason", "must be 10 to 500 characters: say why you need this record"));
    }
    let now = Utc::now();
    let (found, facts) = app.store.thread_facts(caller.actor(), thread, now).await?.ok_or(AppError::NotFound)?;
    if policy::decide_thread(caller.actor(), ThreadAction::Read, &facts, now).is_allowed() {
        return Err(AppError::Conflict("you already have access to this thread".into()));
    }
    let audit = caller.audit(AuditAction::BreakGlass).patient(found.patient_id).target("thread", thread).detail(reason);
    let until = now + TimeDelta::minutes(policy::BREAK_GLASS_MINUTES);
    app.store
        .open_emergency_access(
            &carethread_store::EmergencyAccessRequest {
                user: caller.user.id,
                patient: found.patient_id,
                reason: reason.to_owned(),
                now,
                expires_at: until,
            },
            &audit,
        )
        .await?;
    tracing::warn!(thread.id = %thread, user.id = %caller.user.id, "break-the-glass access opened");
    Ok(EmergencyAccess { thread: found, until })
}
