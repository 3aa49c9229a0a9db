//! The in-app side of overdue escalation: the threads the overdue scan
//! ([`crate::jobs::overdue`]) escalated to a member of staff that still wait
//! for the care team. A notice names the thread, its urgency, its pool and
//! how long the patient has waited, never what was written, and goes away
//! by itself when someone on the care team replies (or the thread closes).

use carethread_core::ids::ThreadId;
use carethread_core::policy;
use carethread_core::thread::Urgency;
use carethread_store::PoolRef;
use chrono::{DateTime, Utc};

use crate::{App, AppError, AppResult, Caller};

/// Most notices listed: the longest waiting first.
const MOST: u32 = 100;

/// An overdue thread escalated to the person, still waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueNotice {
    pub thread_id: ThreadId,
    pub urgency: Urgency,
    /// Since when the patient has waited for a reply.
    pub waiting_since: DateTime<Utc>,
    /// When the reply was due, by the clinic's targets.
    pub due: DateTime<Utc>,
    pub pool: Option<PoolRef>,
}

/// The overdue threads escalated to `caller` that still wait, longest
/// waiting first. Only roles that work in-baskets are told of them.
pub async fn overdue_notices(app: &App, caller: &Caller) -> AppResult<Vec<OverdueNotice>> {
    if !policy::works_in_baskets(caller.user.role) {
        return Err(AppError::Forbidden("only staff who work in-baskets are told of overdue threads".to_owned()));
    }
    let waiting = app.store.overdue_escalations(caller.user.id, MOST).await?;
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let pools = app.store.pools().await?;
    let clinic = app.clinic.get(app.store.as_ref()).await;
    Ok(waiting
        .into_iter()
        .map(|t| OverdueNotice {
            thread_id: t.id,
            urgency: t.urgency,
            waiting_since: t.awaiting_since,
            due: clinic.due_at(t.awaiting_since, t.urgency),
            pool: t.pool_id.and_then(|id| pools.iter().find(|p| p.id == id).cloned()),
        })
        .collect())
}
