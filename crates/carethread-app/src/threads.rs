//! Threads: start one, open one, list a page of them, and manage one
//! (assign, forward, status, replies).

use carethread_core::audit::AuditAction;
use carethread_core::ids::{PoolId, ThreadId, UserId};
use carethread_core::message::MessageBody;
use carethread_core::policy::{self, Actor, Decision, ThreadAction, ThreadFacts, decide_new_thread, decide_thread};
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, Thread, ThreadPatch, ThreadStatus, Urgency, in_basket_order};
use carethread_core::user::age_in_years;
use carethread_store::{
    Idempotency, MessageView, NewNote, NewThread, ReadThread, ThreadCursor, ThreadFilter, ThreadSummary, ThreadUpdate,
    TriageRecord,
};
use chrono::{DateTime, Utc};

pub use carethread_store::ThreadCriteria;

use crate::intake::triage_patient_message;
use crate::{App, AppError, AppResult, Caller};

/// Refuses roles that take no part in messaging (admins, auditors).
pub fn require_messaging(caller: &Caller) -> AppResult<()> {
    if policy::may_use_messaging(caller.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden("your role administers the clinic and does not read or send messages".to_owned()))
    }
}

/// A thread the caller may see, with how the caller relates to it, read once
/// so the policy can be asked about several actions without reading again.
pub struct ThreadAccess {
    pub thread: Thread,
    actor: Actor,
    facts: ThreadFacts,
    now: DateTime<Utc>,
}

impl ThreadAccess {
    /// Whether the caller may also do `action` to this thread.
    #[must_use]
    pub fn allows(&self, action: ThreadAction) -> bool {
        decide_thread(self.actor, action, &self.facts, self.now).is_allowed()
    }

    /// Refuses `action` with the policy's answer.
    pub fn require(&self, action: ThreadAction) -> AppResult<()> {
        match decide_thread(self.actor, action, &self.facts, self.now) {
            Decision::Allow => Ok(()),
            Decision::Forbidden => Err(AppError::Forbidden("you may see this conversation but not do that".to_owned())),
            Decision::NotFound => Err(AppError::NotFound),
        }
    }
}

/// Loads a thread the caller may see, asking the core policy. Unknown
/// threads and threads the caller may not see both answer `NotFound`; a
/// refused attempt on a patient's thread is kept for the privacy officer.
pub async fn access_thread(app: &App, caller: &Caller, id: ThreadId) -> AppResult<ThreadAccess> {
    require_messaging(caller)?;
    let now = Utc::now();
    let (thread, facts) = app.store.thread_facts(caller.actor(), id, now).await?.ok_or(AppError::NotFound)?;
    let access = ThreadAccess { thread, actor: caller.actor(), facts, now };
    if let Err(refused) = access.require(ThreadAction::Read) {
        let attempt =
            caller.audit(AuditAction::ThreadRead).patient(access.thread.patient_id).target("thread", id).denied();
        app.store.record_audit(vec![attempt]).await?;
        return Err(refused);
    }
    Ok(access)
}

/// Loads a thread the caller may do `action` to (`NotFound` when they may not see it).
/// An actor who is no one: for reading a thread itself (its patient, its
/// status) where nobody's relation to it matters, as jobs and the command
/// line do.
pub(crate) fn nobody() -> Actor {
    Actor { id: UserId::from_uuid(uuid::Uuid::nil()), role: Role::Patient }
}

pub async fn authorize_thread(app: &App, caller: &Caller, id: ThreadId, action: ThreadAction) -> AppResult<Thread> {
    let access = access_thread(app, caller, id).await?;
    access.require(action)?;
    Ok(access.thread)
}

/// A thread as the caller may see it: its summary, its latest triage (for
/// staff only: patients get the safety notice instead) and its messages
/// (internal notes for staff only).
pub struct ThreadView {
    pub summary: ThreadSummary,
    pub triage: Option<(TriageRecord, DateTime<Utc>)>,
    pub messages: Vec<MessageView>,
}

/// The thread as the caller may see it, without recording that they looked
/// (callers have already been authorised and audited).
pub async fn thread_view(app: &App, caller: &Caller, id: ThreadId) -> AppResult<ThreadView> {
    let summary = app.store.thread_summary(caller.actor(), id).await?.ok_or(AppError::NotFound)?;
    let staff = caller.user.role.is_staff();
    let triage = if staff { app.store.latest_triage(id).await? } else { None };
    let messages = app.store.messages(id, staff).await?;
    Ok(ThreadView { summary, triage, messages })
}

/// Opens a thread: the policy allows reading it, the reading is audited, and
/// the caller's read receipts are recorded.
pub async fn open_thread(app: &App, caller: &Caller, id: ThreadId) -> AppResult<ThreadView> {
    let thread = authorize_thread(app, caller, id, ThreadAction::Read).await?;
    let audit = caller.audit(AuditAction::ThreadRead).patient(thread.patient_id).target("thread", thread.id);
    let read = ReadThread {
        thread: thread.id,
        reader: caller.user.id,
        include_internal: caller.user.role.is_staff(),
        now: Utc::now(),
    };
    app.store.record_read(read, vec![audit]).await?;
    thread_view(app, caller, thread.id).await
}

/// Which threads to list. The order is the caller's: for staff, most urgent
/// first, then the longest waiting for the care team, then newest activity;
/// for patients and proxies, newest activity first.
#[derive(Debug, Clone, Default)]
pub struct ListThreads {
    pub criteria: ThreadCriteria,
    /// Where the previous page ended.
    pub after: Option<ThreadCursor>,
    /// Threads on a page.
    pub page_size: u32,
}

/// One page of threads, and where the next one starts.
pub struct ThreadPage {
    pub threads: Vec<ThreadSummary>,
    /// The cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// One page of the threads the caller may see, audited (naming the patient
/// when the list is one patient's). Pages are cut by cursor, never capped.
pub async fn list_threads(app: &App, caller: &Caller, query: ListThreads) -> AppResult<ThreadPage> {
    let filter = ThreadFilter {
        criteria: query.criteria,
        after: query.after,
        emergencies_first: in_basket_order(caller.user.role),
        limit: query.page_size + 1,
    };
    let mut threads = app.store.list_threads(caller.actor(), &filter, Utc::now()).await?;
    let mut listed = caller.audit(AuditAction::ThreadList);
    if let Some(patient) = filter.criteria.patient {
        listed = listed.patient(patient);
    }
    app.store.record_audit(vec![listed]).await?;
    let next_cursor = if threads.len() > query.page_size as usize {
        threads.truncate(query.page_size as usize);
        threads.last().map(|s| ThreadCursor::after(&s.thread).encode())
    } else {
        None
    };
    Ok(ThreadPage { threads, next_cursor })
}

/// A new thread and its first message.
#[derive(Debug, Clone, Default)]
pub struct StartThread {
    /// Whom the thread is about; required unless the caller is the patient.
    pub patient: Option<UserId>,
    pub subject: String,
    pub body: String,
    /// What the patient says it is about; when absent, triage decides.
    pub category: Option<Category>,
    /// An adolescent keeps the thread from their proxies.
    pub confidential: bool,
    /// A retry with the same key returns the first result and stores nothing new.
    pub idempotency: Option<Idempotency>,
}

/// A started thread.
#[derive(Debug, Clone, Copy)]
pub struct StartedThread {
    pub thread_id: ThreadId,
    pub urgency: Urgency,
    /// The thread was started by an earlier request with the same key.
    pub replayed: bool,
    /// Started by the care team (no triage, no safety notice).
    pub by_care_team: bool,
}

/// Starts a thread: the policy allows writing for the patient, a patient's
/// or proxy's message is triaged and routed, and the thread, its triage and
/// its audit entry are written in one transaction.
pub async fn start_thread(app: &App, caller: &Caller, input: StartThread) -> AppResult<StartedThread> {
    require_messaging(caller)?;
    let actor = caller.actor();
    let now = Utc::now();
    let patient_id = match (actor.role, input.patient) {
        (Role::Patient, None) => actor.id,
        (_, Some(id)) => id,
        (_, None) => return Err(AppError::invalid("patient_id", "is required when writing for someone else")),
    };
    let no_such_patient = || AppError::invalid("patient_id", "names no patient you can write for");
    let facts = app.store.patient_facts(actor, patient_id).await?.ok_or_else(no_such_patient)?;
    match decide_new_thread(actor, &facts, now) {
        Decision::Allow => {}
        Decision::Forbidden => {
            return Err(AppError::Forbidden("your access for this patient is read-only".to_owned()));
        }
        Decision::NotFound => return Err(no_such_patient()),
    }
    let subject = Subject::parse(&input.subject)?;
    let body = MessageBody::parse(&input.body, app.clinic.get(&*app.store).await.profile.message_max_chars)?;
    if input.confidential {
        let age = caller.user.date_of_birth.map(|dob| age_in_years(dob, now.date_naive()));
        if !policy::may_mark_confidential(actor.role, age, &app.settings) {
            return Err(AppError::invalid("confidential", "can be set only by patients aged 12 to 17"));
        }
    }
    let by_care_team = actor.role.is_staff();
    let (urgency, category, pool_slug, triage) = if by_care_team {
        let category = input.category.unwrap_or(Category::Other);
        let record = TriageRecord {
            urgency: Urgency::Routine,
            category,
            pool_slug: None,
            confidence: 1.0,
            reasons: vec!["started by the care team".to_owned()],
            model_id: "care-team".to_owned(),
            model_version: "1".to_owned(),
            needs_review: false,
            overridden_by: None,
        };
        (Urgency::Routine, category, None, record)
    } else {
        let record =
            triage_patient_message(app, subject.as_str(), body.as_str(), input.category, input.confidential).await?;
        (record.urgency, record.category, record.pool_slug.clone(), record)
    };
    let written = app
        .store
        .create_thread(NewThread {
            patient_id,
            author_id: actor.id,
            subject,
            body,
            category,
            urgency,
            pool_slug,
            assignee_id: by_care_team.then_some(actor.id),
            status: if by_care_team { ThreadStatus::AwaitingPatient } else { ThreadStatus::Open },
            confidential: input.confidential,
            triage,
            idempotency: input.idempotency,
            now,
            audit: vec![caller.audit(AuditAction::ThreadCreate).patient(patient_id)],
            jobs: if by_care_team {
                crate::jobs::for_staff_reply(&app.notifications, now)
            } else {
                crate::jobs::for_patient_message(urgency == Urgency::Emergency, now)
            },
        })
        .await?;
    if !written.replayed {
        tracing::info!(thread.id = %written.thread_id, urgency = urgency.as_str(), "thread started");
    }
    Ok(StartedThread { thread_id: written.thread_id, urgency, replayed: written.replayed, by_care_team })
}

/// A staff change to a thread. `None`: leave as it is; `Some(None)` clears
/// the pool or the assignee.
#[derive(Debug, Clone, Default)]
pub struct ChangeThread {
    pub status: Option<ThreadStatus>,
    pub replies_allowed: Option<bool>,
    pub pool: Option<Option<PoolId>>,
    pub assignee: Option<Option<UserId>>,
    /// An internal note written with the change, in the same transaction
    /// (why it was assigned or forwarded); needs the right to leave notes.
    pub note: Option<String>,
}

/// Assigns or forwards a thread, changes its status, or turns replies on or
/// off (staff who may manage it). The pool must exist and the assignee be an
/// active staff member; the change and its audit entry commit together.
pub async fn update_thread(app: &App, caller: &Caller, id: ThreadId, change: ChangeThread) -> AppResult<Thread> {
    let thread = authorize_thread(app, caller, id, ThreadAction::Manage).await?;
    let mut patch =
        ThreadPatch { status: change.status, replies_allowed: change.replies_allowed, ..ThreadPatch::default() };
    if let Some(pool) = change.pool {
        if let Some(id) = pool {
            app.store.pool(id).await?.ok_or_else(|| AppError::invalid("pool_id", "names no pool"))?;
        }
        patch.pool_id = Some(pool);
    }
    if let Some(assignee) = change.assignee {
        if let Some(id) = assignee.filter(|id| *id != caller.user.id) {
            let user = app.store.user(id).await?;
            if !user.is_some_and(|u| u.role.is_staff() && !u.disabled) {
                return Err(AppError::invalid("assignee_id", "names no active staff member"));
            }
        }
        patch.assignee_id = Some(assignee);
    }
    if patch.is_empty() {
        return Err(AppError::invalid("body", "names no change"));
    }
    let note = match change.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        None => None,
        Some(text) => {
            authorize_thread(app, caller, id, ThreadAction::InternalNotes).await?;
            let body = MessageBody::parse(text, app.clinic.get(&*app.store).await.profile.message_max_chars)
                .map_err(|_| AppError::invalid("note", "must be 1 to the clinic's message limit in characters"))?;
            let audit = vec![caller.audit(AuditAction::NoteCreate).patient(thread.patient_id)];
            Some(NewNote { author_id: caller.user.id, body, audit })
        }
    };
    let audit = caller.audit(AuditAction::ThreadUpdate).patient(thread.patient_id);
    let update = ThreadUpdate { id: thread.id, patch: &patch, note: note.as_ref(), now: Utc::now(), audit: &[audit] };
    let changed = app.store.update_thread_with_note(update).await?;
    tracing::info!(thread.id = %thread.id, "thread updated");
    // Assigned to someone away: it goes on to whoever covers for them.
    if let Some(Some(assignee)) = change.assignee {
        match crate::coverage::hand_over_if_away(app, assignee, Utc::now()).await {
            Ok(moved) if moved.contains(&thread.id) => {
                if let Some((handed_over, _)) = app.store.thread_facts(caller.actor(), thread.id, Utc::now()).await? {
                    return Ok(handed_over);
                }
            }
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(thread.id = %thread.id, error = %err, "could not hand the thread to the coverer");
            }
        }
    }
    Ok(changed.thread)
}

/// An adolescent patient (by the clinic's age range) keeps one of their own
/// threads from their proxies, or shows it to them again. A thread kept
/// confidential moves out of a pool with non-clinical members, and a
/// non-clinician assignee is cleared.
pub async fn set_confidential(app: &App, caller: &Caller, id: ThreadId, confidential: bool) -> AppResult<()> {
    let thread = authorize_thread(app, caller, id, ThreadAction::Read).await?;
    let now = Utc::now();
    let age = caller.user.date_of_birth.map(|dob| age_in_years(dob, now.date_naive()));
    if caller.user.role != Role::Patient || thread.patient_id != caller.user.id {
        return Err(AppError::Forbidden("only the patient decides whether their thread is kept from proxies".into()));
    }
    if !policy::may_mark_confidential(caller.user.role, age, &app.settings) {
        return Err(AppError::invalid("confidential", "can be set only by patients aged 12 to 17"));
    }
    let mut patch = ThreadPatch { confidential: Some(confidential), ..ThreadPatch::default() };
    let mut detail = if confidential { "kept from proxies" } else { "shown to proxies" };
    if confidential {
        let (pool, clear_assignee) = crate::intake::clinical_home(app, &thread).await?;
        if let Some(pool) = pool {
            patch.pool_id = Some(Some(pool));
            detail = "kept from proxies; moved to a clinical pool";
        }
        if clear_assignee {
            patch.assignee_id = Some(None);
        }
    }
    let audit = caller.audit(AuditAction::ThreadUpdate).patient(thread.patient_id).detail(detail);
    app.store.update_thread(thread.id, &patch, now, &[audit]).await?;
    tracing::info!(thread.id = %thread.id, "thread confidentiality changed");
    Ok(())
}

/// Whether the caller may be told of a change to `thread` (an internal
/// note's only when they may read notes), asked of the core policy without
/// recording a reading: live updates carry ids, never content.
pub async fn may_see_change(app: &App, caller: &Caller, thread: ThreadId, internal: bool) -> AppResult<bool> {
    let action = if internal { ThreadAction::InternalNotes } else { ThreadAction::Read };
    let now = Utc::now();
    Ok(match app.store.thread_facts(caller.actor(), thread, now).await? {
        Some((_, facts)) => decide_thread(caller.actor(), action, &facts, now).is_allowed(),
        None => false,
    })
}
