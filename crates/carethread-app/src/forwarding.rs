//! Forwarding a thread: to a pool, a colleague or both, with an internal
//! note that says where it went and why. The move and the note are written
//! in one transaction with both audit entries, so a forward never lands
//! without the note that explains it (nor a note without the move).

use carethread_core::audit::AuditAction;
use carethread_core::ids::{ThreadId, UserId};
use carethread_core::message::MessageBody;
use carethread_core::policy::ThreadAction;
use carethread_core::thread::{Thread, ThreadPatch};
use carethread_store::{NewNote, ThreadUpdate};
use chrono::Utc;

use crate::threads::authorize_thread;
use crate::{App, AppError, AppResult, Caller};

/// The longest note a forward carries, in characters.
pub const NOTE_MAX_CHARS: usize = 500;

/// Where a thread goes, and what the forwarder adds.
#[derive(Debug, Clone, Default)]
pub struct ForwardThread {
    /// A pool, by its slug.
    pub pool: Option<String>,
    /// A colleague, who becomes the assignee.
    pub assignee: Option<UserId>,
    /// Forwarded to a pool alone: keep the current assignee (else cleared).
    pub keep_assignee: bool,
    /// The forwarder's own words, at most [`NOTE_MAX_CHARS`].
    pub note: String,
}

/// What a forward did, for the line at the top of its note.
#[derive(Debug, Clone)]
pub struct Forwarded {
    /// The pool's name and the colleague's, as they read.
    pub to: Vec<String>,
    /// The previous assignee was cleared.
    pub assignee_cleared: bool,
}

/// Forwards a thread the caller may manage and leave notes on. `explain`
/// words the note's first line (in the caller's language); the forwarder's
/// note follows it. The move and the note commit together.
pub async fn forward_thread(
    app: &App,
    caller: &Caller,
    id: ThreadId,
    input: ForwardThread,
    explain: impl Fn(&Forwarded) -> String,
) -> AppResult<Thread> {
    let note = input.note.trim();
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(AppError::invalid("note", "must be at most 500 characters"));
    }
    let pool = match input.pool.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(slug) => {
            carethread_core::text::single_line("pool", slug)?;
            Some(app.store.pool_by_slug(slug).await?.ok_or_else(|| AppError::invalid("pool", "names no pool"))?)
        }
    };
    let assignee = match input.assignee {
        None => None,
        Some(user_id) => {
            let user = app.store.user(user_id).await?.filter(|u| u.role.is_staff() && !u.disabled);
            Some(user.ok_or_else(|| AppError::invalid("assignee", "names no colleague"))?)
        }
    };
    if pool.is_none() && assignee.is_none() {
        return Err(AppError::invalid("pool", "choose a pool or a colleague to forward to"));
    }
    // Both parts are allowed before either is written: moving needs Manage, the note InternalNotes.
    let thread = authorize_thread(app, caller, id, ThreadAction::Manage).await?;
    authorize_thread(app, caller, id, ThreadAction::InternalNotes).await?;
    // To a colleague: they become the assignee. To a pool alone: the
    // assignee is cleared unless the forwarder keeps them.
    let assignee_cleared = assignee.is_none() && thread.assignee_id.is_some() && !input.keep_assignee;
    let patch = ThreadPatch {
        pool_id: pool.as_ref().map(|p| Some(p.id)),
        assignee_id: match &assignee {
            Some(u) => Some(Some(u.id)),
            None if assignee_cleared => Some(None),
            None => None,
        },
        ..ThreadPatch::default()
    };
    let to = pool
        .iter()
        .map(|p| p.name.clone())
        .chain(assignee.iter().map(|u| u.display_name.as_str().to_owned()))
        .collect();
    let mut body = explain(&Forwarded { to, assignee_cleared });
    if !note.is_empty() {
        body = format!("{body}\n{note}");
    }
    let body = MessageBody::parse(&body, app.clinic.get(&*app.store).await.profile.message_max_chars)?;
    let note = NewNote {
        author_id: caller.user.id,
        body,
        audit: vec![caller.audit(AuditAction::NoteCreate).patient(thread.patient_id)],
    };
    let audit = caller.audit(AuditAction::ThreadUpdate).patient(thread.patient_id).detail("forwarded");
    let update = ThreadUpdate { id: thread.id, patch: &patch, note: Some(&note), now: Utc::now(), audit: &[audit] };
    let changed = app.store.update_thread_with_note(update).await?;
    tracing::info!(thread.id = %thread.id, "thread forwarded");
    Ok(changed.thread)
}

/// The colleagues a thread can be forwarded to: active staff other than the
/// caller, by id, name and role. For the care team only.
pub async fn colleagues(app: &App, caller: &Caller) -> AppResult<Vec<carethread_store::PersonRef>> {
    if !carethread_core::policy::works_in_baskets(caller.user.role) {
        return Err(AppError::Forbidden("only care-team staff forward threads".to_owned()));
    }
    let users = app.store.list_users().await?;
    Ok(users
        .into_iter()
        .filter(|u| u.role.is_staff() && !u.disabled && u.id != caller.user.id)
        .map(|u| carethread_store::PersonRef::from(&u))
        .collect())
}
