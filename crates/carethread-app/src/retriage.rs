//! A staff member's re-triage of a thread: the override is stored with who
//! and when, and shown as the thread's triage from then on.

use carethread_core::audit::AuditAction;
use carethread_core::ids::ThreadId;
use carethread_core::policy::ThreadAction;
use carethread_core::thread::{Category, Urgency};
use carethread_store::TriageOverride;
use chrono::Utc;

use crate::threads::authorize_thread;
use crate::{App, AppError, AppResult, Caller};

/// What the re-triage changes. Absent fields keep the thread's current value.
#[derive(Debug, Clone, Default)]
pub struct Retriage {
    pub urgency: Option<Urgency>,
    pub category: Option<Category>,
    /// Slug of the pool to move the thread to.
    pub pool: Option<String>,
    /// Why (kept with the override; at most 500 characters).
    pub note: Option<String>,
}

/// Re-triages a thread by hand (staff who may manage it). The override and
/// its audit entry commit together; the reasons name who did it and what
/// changed. Answers the new urgency.
pub async fn retriage(app: &App, caller: &Caller, id: ThreadId, input: Retriage) -> AppResult<Urgency> {
    let thread = authorize_thread(app, caller, id, ThreadAction::Manage).await?;
    if input.urgency.is_none() && input.category.is_none() && input.pool.is_none() {
        return Err(AppError::invalid("body", "names no change: give urgency, category or pool"));
    }
    let urgency = input.urgency.unwrap_or(thread.urgency);
    let category = input.category.unwrap_or(thread.category);
    let pool = match input.pool.as_deref() {
        Some(slug) => {
            carethread_core::text::single_line("pool", slug)?;
            Some(app.store.pool_by_slug(slug).await?.ok_or_else(|| AppError::invalid("pool", "names no pool"))?)
        }
        None => None,
    };
    let note = input.note.as_deref().map(|n| carethread_core::text::multi_line("note", n)).transpose()?;
    let note = note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(AppError::invalid("note", "must be plain text of at most 500 characters"));
    }
    let user = &caller.user;
    let mut reasons = vec![format!("re-triaged by {} ({})", user.display_name.as_str(), user.role.as_str())];
    if urgency != thread.urgency {
        reasons.push(format!("urgency {} → {}", thread.urgency.as_str(), urgency.as_str()));
    }
    if category != thread.category {
        reasons.push(format!("category {} → {}", thread.category.as_str(), category.as_str()));
    }
    if let Some(p) = &pool {
        reasons.push(format!("pool → {}", p.slug));
    }
    if let Some(n) = note {
        reasons.push(format!("note: {n}"));
    }
    let change = TriageOverride {
        thread_id: thread.id,
        by: user.id,
        urgency,
        category,
        pool_id: pool.as_ref().map(|p| p.id),
        pool_slug: pool.map(|p| p.slug),
        reasons,
        now: Utc::now(),
        audit: vec![caller.audit(AuditAction::ThreadTriage).patient(thread.patient_id)],
    };
    app.store.override_triage(&change).await?;
    tracing::info!(thread.id = %thread.id, urgency = urgency.as_str(), category = category.as_str(), "thread re-triaged");
    Ok(urgency)
}
