//! Replies written now and released later: a clinician holds a reply until
//! they release it (results they want to discuss first) or schedules it for
//! a time. The patient and her proxies see nothing of it, not even a notice,
//! until it is released; staff see it on the thread. Releasing writes the
//! message the normal way (reading grade, the reply's notices after their
//! delay) and deletes the held reply in one transaction, so a retried
//! release never posts twice. A scheduled release is an outbox job written
//! with the held reply, so it survives restarts. Cancelling leaves nothing
//! for the patient and one audit entry.

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::ids::ThreadId;
use carethread_core::message::MessageBody;
use carethread_core::policy::ThreadAction;
use carethread_core::thread::Thread;
use carethread_store::{HeldReply, HeldReplyId, NewHeldReply, NewMessage, PersonRef, ReleaseHeld, Written};
use chrono::{DateTime, TimeDelta, Utc};

use crate::jobs::Job;
use crate::threads::{access_thread, authorize_thread};
use crate::wording::patient_language;
use crate::{App, AppError, AppResult, Caller};

/// How far ahead a reply may be scheduled.
pub const LONGEST_SCHEDULE: TimeDelta = TimeDelta::days(90);

/// A reply to hold: until released (`release_at: None`) or until a time.
#[derive(Debug, Clone)]
pub struct HoldReply {
    pub body: String,
    pub release_at: Option<DateTime<Utc>>,
}

/// The dedupe key of the job that releases `held` at its time.
#[must_use]
pub fn release_job_key(held: HeldReplyId) -> String {
    format!("release:{held}")
}

/// Only clinicians hold replies: the front desk and billing answer at once.
fn require_clinician(caller: &Caller) -> AppResult<()> {
    if caller.user.role.is_clinician() {
        Ok(())
    } else {
        Err(AppError::Forbidden("only clinicians hold or schedule replies".to_owned()))
    }
}

/// Holds a reply on thread `id` (clinicians who may reply to it).
pub async fn hold_reply(app: &App, caller: &Caller, id: ThreadId, reply: HoldReply) -> AppResult<HeldReply> {
    let thread = authorize_thread(app, caller, id, ThreadAction::Reply).await?;
    require_clinician(caller)?;
    thread.accepts_message_from(caller.user.role, false)?;
    let limit = app.clinic.get(&*app.store).await.profile.message_max_chars;
    let body = MessageBody::parse(&reply.body, limit)
        .map_err(|_| AppError::invalid("body", "must be 1 to the clinic's message limit in characters"))?;
    let now = Utc::now();
    if let Some(at) = reply.release_at {
        if at <= now {
            return Err(AppError::invalid("release_at", "must be in the future"));
        }
        if at > now + LONGEST_SCHEDULE {
            return Err(AppError::invalid("release_at", "must be within 90 days"));
        }
    }
    let held = HeldReplyId::new();
    let jobs = reply.release_at.map(|at| Job::ReleaseReply { held }.at(at, Some(release_job_key(held))));
    let audit = caller.audit(AuditAction::MessageHold).patient(thread.patient_id);
    app.store
        .hold_reply(NewHeldReply {
            id: held,
            thread_id: thread.id,
            author_id: caller.user.id,
            body: body.clone(),
            release_at: reply.release_at,
            now,
            audit: vec![audit.target("held_reply", held)],
            jobs: jobs.into_iter().collect(),
        })
        .await?;
    tracing::info!(thread.id = %thread.id, held.id = %held, scheduled = reply.release_at.is_some(), "reply held");
    let author = PersonRef {
        id: caller.user.id,
        display_name: caller.user.display_name.as_str().to_owned(),
        role: caller.user.role,
    };
    Ok(HeldReply { id: held, thread_id: thread.id, author, body, release_at: reply.release_at, created_at: now })
}

/// The replies held on a thread, for staff who may read it.
pub async fn held_replies(app: &App, caller: &Caller, id: ThreadId) -> AppResult<Vec<HeldReply>> {
    let access = access_thread(app, caller, id).await?;
    if !caller.user.role.is_staff() {
        return Ok(Vec::new());
    }
    Ok(app.store.held_replies(access.thread.id).await?)
}

/// A held reply the caller may release or cancel: a clinician who may reply
/// to its thread (its author, or a colleague covering).
async fn held_for_action(
    app: &App,
    caller: &Caller,
    thread: ThreadId,
    held: HeldReplyId,
) -> AppResult<(Thread, HeldReply)> {
    let thread = authorize_thread(app, caller, thread, ThreadAction::Reply).await?;
    require_clinician(caller)?;
    let reply = app.store.held_reply(held).await?.filter(|h| h.thread_id == thread.id).ok_or(AppError::NotFound)?;
    Ok((thread, reply))
}

/// Releases a held reply now.
pub async fn release_now(app: &App, caller: &Caller, thread: ThreadId, held: HeldReplyId) -> AppResult<Written> {
    let (thread, reply) = held_for_action(app, caller, thread, held).await?;
    let audit = caller.audit(AuditAction::MessageRelease).patient(thread.patient_id);
    release(app, &thread, reply, audit, Utc::now()).await?.ok_or(AppError::NotFound)
}

/// Cancels a held reply: deleted, its release job cancelled, one audit entry.
pub async fn cancel_held(app: &App, caller: &Caller, thread: ThreadId, held: HeldReplyId) -> AppResult<()> {
    let (thread, reply) = held_for_action(app, caller, thread, held).await?;
    let audit = caller.audit(AuditAction::MessageCancel).patient(thread.patient_id);
    if !app.store.cancel_held(reply.id, &release_job_key(reply.id), audit).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(thread.id = %thread.id, held.id = %reply.id, "held reply cancelled");
    Ok(())
}

/// Releases `held` at its scheduled time (the outbox job): `Ok(None)` when
/// it was released or cancelled already.
pub(crate) async fn release_scheduled(app: &App, held: HeldReplyId, now: DateTime<Utc>) -> AppResult<Option<Written>> {
    let Some(reply) = app.store.held_reply(held).await? else { return Ok(None) };
    let nobody = crate::threads::nobody();
    let Some((thread, _)) = app.store.thread_facts(nobody, reply.thread_id, now).await? else {
        return Err(AppError::NotFound);
    };
    let audit = AuditEvent::new(AuditAction::MessageRelease, None, now).patient(thread.patient_id);
    release(app, &thread, reply, audit, now).await
}

/// Turns a held reply into its author's message, written like any staff
/// reply (with its notices), and deletes it, in one transaction.
async fn release(
    app: &App,
    thread: &Thread,
    reply: HeldReply,
    audit: AuditEvent,
    now: DateTime<Utc>,
) -> AppResult<Option<Written>> {
    let role = reply.author.role;
    thread.accepts_message_from(role, false)?;
    let language = patient_language(app, thread.patient_id).await?;
    let grade = carethread_draft::readability::measure(reply.body.as_str(), language).grade;
    let created =
        AuditEvent::new(AuditAction::MessageCreate, Some((reply.author.id, role)), now).patient(thread.patient_id);
    let message = NewMessage {
        thread_id: thread.id,
        author_id: reply.author.id,
        body: Some(reply.body),
        internal: false,
        new_status: thread.status_after_message(role, false),
        triage: None,
        attachments: Vec::new(),
        idempotency: None,
        now,
        audit: vec![created],
        jobs: crate::jobs::for_staff_reply(&app.notifications, now),
        draft: None,
        reading_grade: Some(grade),
        answered: None,
    };
    let release = ReleaseHeld { id: reply.id, message, audit: vec![audit], release_job: release_job_key(reply.id) };
    let written = app.store.release_held(release).await?;
    if let Some(w) = &written {
        tracing::info!(thread.id = %thread.id, message.id = %w.message_id, held.id = %reply.id, "held reply released");
    }
    Ok(written)
}
