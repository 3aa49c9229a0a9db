//! What the FHIR API reads: one message in its thread, a page of a patient's
//! (or one thread's) messages newest first, a patient, a member of staff.
//! Each read asks the core policy through the same functions the JSON API
//! uses ([`crate::threads`]), and is audited. FHIR reads record no read
//! receipts: an app syncing messages is not a person opening them.

use carethread_core::audit::AuditAction;
use carethread_core::ids::{AttachmentId, MessageId, ThreadId, UserId};
use carethread_core::policy::{Decision, ThreadAction, decide_new_thread};
use carethread_core::role::Role;
use carethread_core::thread::{Category, Urgency};
use carethread_core::user::User;
use carethread_store::{PersonRef, ThreadCursor};
use chrono::{DateTime, Utc};

use crate::threads::{
    ListThreads, ThreadCriteria, ThreadView, authorize_thread, list_threads, require_messaging, thread_view,
};
use crate::{App, AppError, AppResult, Caller};

/// The most conversations one search reads; a patient with more is searched
/// one conversation (`part-of`) or one period at a time.
pub const MAX_THREADS_SEARCHED: usize = 500;

/// A thread as the caller may see it, with its files' stored SHA-256 digests.
pub struct ThreadRead {
    pub view: ThreadView,
    pub digests: Vec<(AttachmentId, String)>,
}

/// One message of a thread.
pub struct MessageRead {
    pub thread: ThreadRead,
    /// Where the message is in `thread.view.messages`.
    pub index: usize,
}

/// Reads one message the caller may see, audited. Another patient's message,
/// an internal note for a patient, and a missing message all answer `NotFound`.
pub async fn read_message(app: &App, caller: &Caller, id: MessageId) -> AppResult<MessageRead> {
    require_messaging(caller)?;
    let staff = caller.user.role.is_staff();
    let thread_id = app.store.message_thread(id, staff).await?.ok_or(AppError::NotFound)?;
    let thread = authorize_thread(app, caller, thread_id, ThreadAction::Read).await?;
    let read = caller.audit(AuditAction::MessageRead).patient(thread.patient_id).target("message", id).detail("fhir");
    app.store.record_audit(vec![read]).await?;
    let view = thread_view(app, caller, thread.id).await?;
    let index = view.messages.iter().position(|m| m.message.id == id).ok_or(AppError::NotFound)?;
    let digests = app.store.attachment_digests(thread.id).await?;
    Ok(MessageRead { thread: ThreadRead { view, digests }, index })
}

/// An AI-assisted message the caller may read (audited as [`read_message`]
/// is), with the model and version of the draft it started from. A message
/// written without a draft answers `NotFound`.
pub async fn read_provenance(app: &App, caller: &Caller, id: MessageId) -> AppResult<(MessageRead, (String, String))> {
    let read = read_message(app, caller, id).await?;
    let assisted = read.thread.view.messages.get(read.index).is_some_and(|m| m.ai_assisted);
    if !assisted {
        return Err(AppError::NotFound);
    }
    let model = app.store.draft_model_for_message(id).await?.ok_or(AppError::NotFound)?;
    Ok((read, model))
}

/// Which messages a search keeps.
#[derive(Debug, Clone, Default)]
pub struct MessageQuery {
    /// The patient whose threads to search (required of staff unless `thread` is given).
    pub patient: Option<UserId>,
    /// The one thread to search.
    pub thread: Option<ThreadId>,
    /// Sent at or after.
    pub since: Option<DateTime<Utc>>,
    /// Sent before.
    pub until: Option<DateTime<Utc>>,
    /// Only conversations with this triage category.
    pub category: Option<Category>,
    /// Only conversations with this urgency.
    pub urgency: Option<Urgency>,
    /// Messages on a page (the caller bounds it).
    pub page_size: u32,
    /// Where the previous page ended (its last message's sending time and id).
    pub before: Option<(DateTime<Utc>, MessageId)>,
}

/// One page of messages, newest first.
pub struct MessagePage {
    /// The threads with a message on the page.
    pub threads: Vec<ThreadRead>,
    /// The page's messages: (thread, message) positions in `threads`.
    pub matches: Vec<(usize, usize)>,
    /// How many messages match in all pages.
    pub total: u64,
    /// Where this page ended, when more follow.
    pub next: Option<(DateTime<Utc>, MessageId)>,
}

/// A page of the messages the caller may see in the threads the query names,
/// newest first, cut by keyset (sending time, then id): a page never repeats
/// or skips a message when new ones arrive. The threads listed are audited
/// as a list, and each thread with a message on the page as read.
pub async fn search_messages(app: &App, caller: &Caller, query: MessageQuery) -> AppResult<MessagePage> {
    require_messaging(caller)?;
    let candidates = threads_to_search(app, caller, &query).await?;
    let mut views = Vec::with_capacity(candidates.len());
    for id in candidates {
        let view = thread_view(app, caller, id).await?;
        let thread = &view.summary.thread;
        if query.category.is_none_or(|c| c == thread.category) && query.urgency.is_none_or(|u| u == thread.urgency) {
            views.push(view);
        }
    }
    let mut all: Vec<(DateTime<Utc>, MessageId, usize, usize)> = views
        .iter()
        .enumerate()
        .flat_map(|(t, view)| {
            view.messages.iter().enumerate().map(move |(m, msg)| (msg.message.sent_at, msg.message.id, t, m))
        })
        .filter(|(sent, ..)| query.since.is_none_or(|s| *sent >= s) && query.until.is_none_or(|u| *sent < u))
        .collect();
    all.sort_by_key(|&(sent, id, ..)| std::cmp::Reverse((sent, id)));
    let total = all.len() as u64;
    let after_cursor: Vec<_> =
        all.into_iter().filter(|(sent, id, ..)| query.before.is_none_or(|b| (*sent, *id) < b)).collect();
    let size = query.page_size as usize;
    let next =
        (after_cursor.len() > size).then(|| after_cursor.get(size - 1).map(|(sent, id, ..)| (*sent, *id))).flatten();
    let page = &after_cursor[..after_cursor.len().min(size)];

    // Keep only the threads on this page, renumbered.
    let mut on_page: Vec<usize> = page.iter().map(|(.., t, _)| *t).collect();
    on_page.sort_unstable();
    on_page.dedup();
    let mut audit = Vec::with_capacity(on_page.len());
    let mut threads = Vec::with_capacity(on_page.len());
    let mut views: Vec<Option<ThreadView>> = views.into_iter().map(Some).collect();
    for &t in &on_page {
        let Some(view) = views.get_mut(t).and_then(Option::take) else { continue };
        let thread = &view.summary.thread;
        audit.push(
            caller.audit(AuditAction::ThreadRead).patient(thread.patient_id).target("thread", thread.id).detail("fhir"),
        );
        let digests = app.store.attachment_digests(thread.id).await?;
        threads.push(ThreadRead { view, digests });
    }
    if !audit.is_empty() {
        app.store.record_audit(audit).await?;
    }
    let matches =
        page.iter().filter_map(|(.., t, m)| on_page.binary_search(t).ok().map(|renumbered| (renumbered, *m))).collect();
    Ok(MessagePage { threads, matches, total, next })
}

/// The threads a search reads: the one named (if the caller may see it and
/// it is the patient's), or the patient's threads the caller may see.
async fn threads_to_search(app: &App, caller: &Caller, query: &MessageQuery) -> AppResult<Vec<ThreadId>> {
    if let Some(id) = query.thread {
        let thread = match authorize_thread(app, caller, id, ThreadAction::Read).await {
            Ok(thread) => thread,
            // A search that names an unknown conversation finds nothing.
            Err(AppError::NotFound) => return Ok(Vec::new()),
            Err(other) => return Err(other),
        };
        let read = caller.audit(AuditAction::ThreadList).patient(thread.patient_id).detail("fhir");
        app.store.record_audit(vec![read]).await?;
        return Ok(if query.patient.is_none_or(|p| p == thread.patient_id) { vec![id] } else { Vec::new() });
    }
    let patient = match (query.patient, caller.user.role) {
        (Some(p), _) => Some(p),
        (None, Role::Patient | Role::Proxy) => None,
        (None, _) => {
            return Err(AppError::invalid("subject", "name the patient (subject) or the conversation (part-of)"));
        }
    };
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let criteria = ThreadCriteria { patient, ..ThreadCriteria::default() };
        let page = list_threads(app, caller, ListThreads { criteria, after, page_size: 100 }).await?;
        ids.extend(page.threads.iter().map(|s| s.thread.id));
        if ids.len() > MAX_THREADS_SEARCHED {
            return Err(AppError::invalid(
                "subject",
                "has too many conversations to search at once: search one conversation (part-of) at a time",
            ));
        }
        match page.next_cursor.as_deref().and_then(ThreadCursor::decode) {
            Some(cursor) => after = Some(cursor),
            None => return Ok(ids),
        }
    }
}

/// A patient the caller may write or read for (themselves; a proxy's
/// patients; a clinician's care-team patients; any patient for front desk
/// and billing), audited; anyone else answers `NotFound`.
pub async fn read_patient(app: &App, caller: &Caller, id: UserId) -> AppResult<User> {
    require_messaging(caller)?;
    let facts = app.store.patient_facts(caller.actor(), id).await?.ok_or(AppError::NotFound)?;
    // The policy for starting a thread decides who may see the patient: a
    // read-only proxy is refused writing (`Forbidden`) but may read.
    if decide_new_thread(caller.actor(), &facts, Utc::now()) == Decision::NotFound {
        return Err(AppError::NotFound);
    }
    let user = app.store.user(id).await?.filter(|u| u.role == Role::Patient).ok_or(AppError::NotFound)?;
    let read = caller.audit(AuditAction::ThreadList).patient(id).target("patient", id).detail("fhir Patient read");
    app.store.record_audit(vec![read]).await?;
    Ok(user)
}

/// A patient the caller may see (as [`read_patient`] decides, audited) and
/// the clinicians on her care team.
pub async fn read_care_team(app: &App, caller: &Caller, patient: UserId) -> AppResult<(User, Vec<PersonRef>)> {
    let user = read_patient(app, caller, patient).await?;
    let team = app.store.care_teams().await?.into_iter().filter(|m| m.patient_id == patient).map(|m| m.clinician);
    Ok((user, team.collect()))
}

/// A member of staff (name and role, which everyone in a conversation sees).
/// Anyone who is not staff answers `NotFound`.
pub async fn read_practitioner(app: &App, caller: &Caller, id: UserId) -> AppResult<User> {
    require_messaging(caller)?;
    app.store.user(id).await?.filter(|u| u.role.is_staff()).ok_or(AppError::NotFound)
}
