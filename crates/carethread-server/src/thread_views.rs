//! Threads the application layer read, in the API's shape: for patients,
//! the reply time they are promised or the after-hours guidance; for staff,
//! whether on-call has seen an emergency that arrived after hours. Used by
//! the JSON API and the portal alike.

use std::collections::HashMap;

use carethread_app::threads::{self, ThreadView};
use carethread_core::ids::ThreadId;
use carethread_core::thread::Urgency;
use chrono::Utc;

use crate::AppState;
use crate::after_hours;
use crate::dto::{ThreadDetail, ThreadListItem};
use crate::error::ApiResult;
use crate::extract::Authenticated;
use crate::extract::path_id;

/// A thread as the application layer read it, in the API's shape, with the
/// reply time or after-hours guidance a patient is given, or whether on-call
/// has seen an emergency for staff.
pub(crate) async fn detail_of(state: &AppState, auth: &Authenticated, view: &ThreadView) -> ApiResult<ThreadDetail> {
    let clinic = state.clinic.get(&*state.store).await;
    let mut detail = ThreadDetail::new(&view.summary, view.triage.as_ref(), &view.messages, &clinic);
    if auth.user.role.is_staff() {
        if let Some((t, at)) = &view.triage {
            detail.wait.on_call =
                after_hours::on_call(state, &clinic, &mut None, view.summary.thread.id, t.urgency, *at).await?;
        }
    } else {
        (detail.wait.due_at, detail.wait.after_hours) =
            after_hours::for_patient(&clinic, &view.summary.thread, auth.user.language, Utc::now());
    }
    Ok(detail)
}

/// List rows as the caller sees them: for patients, the reply time they are
/// promised or the after-hours guidance; for staff, whether on-call has seen
/// an emergency that arrived after hours.
pub(crate) async fn list_items(
    state: &AppState,
    auth: &Authenticated,
    rows: &[carethread_store::ThreadSummary],
    clinic: &crate::clinic::Clinic,
) -> ApiResult<Vec<ThreadListItem>> {
    let staff = auth.user.role.is_staff();
    let now = Utc::now();
    let mut items = Vec::with_capacity(rows.len());
    let mut team = None;
    let emergencies: Vec<ThreadId> =
        rows.iter().filter(|r| staff && r.thread.urgency == Urgency::Emergency).map(|r| r.thread.id).collect();
    let triaged =
        if emergencies.is_empty() { HashMap::new() } else { state.store.latest_triage_urgencies(&emergencies).await? };
    for row in rows {
        let mut item = ThreadListItem::new(row, clinic);
        if !staff {
            (item.wait.due_at, item.wait.after_hours) =
                after_hours::for_patient(clinic, &row.thread, auth.user.language, now);
        } else if let Some(&(urgency, at)) = triaged.get(&row.thread.id) {
            item.wait.on_call = after_hours::on_call(state, clinic, &mut team, row.thread.id, urgency, at).await?;
        }
        items.push(item);
    }
    Ok(items)
}

/// Refuses roles that take no part in messaging (admins, auditors).
pub(crate) fn require_messaging(auth: &Authenticated) -> ApiResult<()> {
    Ok(threads::require_messaging(&auth.caller())?)
}

pub(crate) use carethread_app::threads::ThreadAccess;

/// Loads a thread the caller may see, asking the core policy. Unknown ids,
/// malformed ids and threads the caller may not see all answer 404.
pub(crate) async fn load_thread(state: &AppState, auth: &Authenticated, raw_id: &str) -> ApiResult<ThreadAccess> {
    let caller = auth.caller();
    threads::require_messaging(&caller)?;
    let id: ThreadId = path_id(raw_id)?;
    Ok(threads::access_thread(&state.app(), &caller, id).await?)
}

/// A thread the caller may add a message (or, with `internal`, a note) to,
/// asked once for the whole send (unknown and hidden threads answer 404).
pub(crate) async fn may_add(
    state: &AppState,
    auth: &Authenticated,
    raw_id: &str,
    internal: bool,
) -> ApiResult<carethread_app::messages::MayAdd> {
    let caller = auth.caller();
    threads::require_messaging(&caller)?;
    let id: ThreadId = path_id(raw_id)?;
    Ok(carethread_app::messages::may_add(&state.app(), &caller, id, internal).await?)
}

/// The full thread as the caller may see it.
pub(crate) async fn thread_detail(state: &AppState, auth: &Authenticated, id: ThreadId) -> ApiResult<ThreadDetail> {
    let view = threads::thread_view(&state.app(), &auth.caller(), id).await?;
    detail_of(state, auth, &view).await
}
