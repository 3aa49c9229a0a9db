//! What the FHIR API reads of the care team's work: each conversation as
//! the in-basket shows it (a FHIR `Task`), one at a time or a page of the
//! caller's in-basket in its order, and a pool with the staff who work from
//! it (a FHIR `Group`). For staff who work in-baskets only, through the same
//! policy and listing as the JSON API and the portal; every read audited.

use carethread_core::audit::AuditAction;
use carethread_core::ids::{PoolId, ThreadId, UserId};
use carethread_core::policy::{self, ThreadAction};
use carethread_core::thread::{ThreadStatus, Urgency};
use carethread_store::{PersonRef, PoolRef, ThreadCursor, ThreadSummary};
use chrono::{DateTime, Utc};

use crate::threads::{ListThreads, ThreadCriteria, authorize_thread};
use crate::{App, AppError, AppResult, Caller};

/// A conversation as a task of the care team's.
pub struct TaskRow {
    pub summary: ThreadSummary,
    /// When the reply is due, while the thread waits for the care team.
    pub due: Option<DateTime<Utc>>,
}

/// Which tasks a search keeps.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskQuery {
    pub assignee: Option<UserId>,
    pub pool: Option<PoolId>,
    pub status: Option<ThreadStatus>,
    pub urgency: Option<Urgency>,
}

/// A page of tasks and the cursor of the next.
pub struct TaskPage {
    pub tasks: Vec<TaskRow>,
    pub next: Option<String>,
}

pub(crate) fn require_in_basket(caller: &Caller) -> AppResult<()> {
    if policy::works_in_baskets(caller.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden("tasks and pools are the care team's".to_owned()))
    }
}

/// The task of a thread, its due time by the clinic's targets.
fn row(clinic: &crate::clinic::Clinic, summary: ThreadSummary) -> TaskRow {
    let due = summary.thread.awaiting_since.map(|since| clinic.due_at(since, summary.thread.urgency));
    TaskRow { summary, due }
}

/// One conversation the caller may read, as a task, audited; one they may
/// not see, or a missing one, answers `NotFound`.
pub async fn read_task(app: &App, caller: &Caller, id: ThreadId) -> AppResult<TaskRow> {
    require_in_basket(caller)?;
    let thread = authorize_thread(app, caller, id, ThreadAction::Read).await?;
    let summary = app.store.thread_summary(caller.actor(), thread.id).await?.ok_or(AppError::NotFound)?;
    let read =
        caller.audit(AuditAction::ThreadRead).patient(thread.patient_id).target("thread", id).detail("fhir Task");
    app.store.record_audit(vec![read]).await?;
    Ok(row(&*app.clinic.get(app.store.as_ref()).await, summary))
}

/// A page of the caller's in-basket as tasks, in its order (emergencies
/// first, then the longest waiting), listed and audited as the in-basket is.
/// `after` is a cursor from a previous page; one that cannot be read starts
/// at the beginning, as the portal's does.
pub async fn search_tasks(
    app: &App,
    caller: &Caller,
    query: TaskQuery,
    after: Option<&str>,
    page_size: u32,
) -> AppResult<TaskPage> {
    require_in_basket(caller)?;
    let criteria = ThreadCriteria {
        assignee: query.assignee,
        pool: query.pool,
        status: query.status,
        urgency: query.urgency,
        ..ThreadCriteria::default()
    };
    let after = after.and_then(ThreadCursor::decode);
    let listed = crate::in_basket::in_basket(app, caller, ListThreads { criteria, after, page_size }).await?;
    let clinic = app.clinic.get(app.store.as_ref()).await;
    let tasks = listed.page.threads.into_iter().map(|summary| row(&clinic, summary)).collect();
    Ok(TaskPage { tasks, next: listed.page.next_cursor })
}

/// Who a task goes to when it is updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewOwner {
    /// Assigned to a member of staff.
    Person(UserId),
    /// Handed to a pool, unassigned.
    Pool(PoolId),
    /// Unassigned, in the pool it is in.
    Nobody,
}

/// Changes a task's status and owner by the rules of assigning and
/// forwarding in CareThread ([`crate::threads::update_thread`]: staff who
/// may manage the thread, an existing pool, an active member of staff),
/// audited; answers the task as it is now.
pub async fn update_task(
    app: &App,
    caller: &Caller,
    id: ThreadId,
    status: ThreadStatus,
    owner: NewOwner,
) -> AppResult<TaskRow> {
    require_in_basket(caller)?;
    let (pool, assignee) = match owner {
        NewOwner::Person(person) => (None, Some(Some(person))),
        NewOwner::Pool(pool) => (Some(Some(pool)), Some(None)),
        NewOwner::Nobody => (None, Some(None)),
    };
    let change = crate::threads::ChangeThread { status: Some(status), pool, assignee, ..Default::default() };
    crate::threads::update_thread(app, caller, id, change).await?;
    let summary = app.store.thread_summary(caller.actor(), id).await?.ok_or(AppError::NotFound)?;
    Ok(row(&*app.clinic.get(app.store.as_ref()).await, summary))
}

/// A pool and the staff who work from it; an unknown pool answers `NotFound`.
pub async fn read_group(app: &App, caller: &Caller, id: PoolId) -> AppResult<(PoolRef, Vec<PersonRef>)> {
    require_in_basket(caller)?;
    let pool = app.store.pool(id).await?.ok_or(AppError::NotFound)?;
    let members = app.store.pool_members().await?.into_iter().filter(|m| m.pool_id == id).map(|m| m.member).collect();
    Ok((pool, members))
}
