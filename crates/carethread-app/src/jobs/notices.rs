//! Telling a thread's readers that a reply waits: after the delay, only if
//! it is still unread and they were not told since, at the end of their
//! quiet hours; and reminding them when it stays unread. Who counts as a
//! reader is the core policy's answer for the patient and each proxy.

use carethread_core::ids::{ThreadId, UserId};
use carethread_core::policy::{Actor, ThreadAction, decide_thread};
use carethread_core::role::Role;
use carethread_notify::NoticeKind;
use carethread_store::{JobEffects, MessageView};
use chrono::{DateTime, Utc};

use super::Job;
use super::runner::Outcome;
use crate::App;

/// A reader and the newest staff reply they have not opened.
struct Unread {
    reader: UserId,
    newest: DateTime<Utc>,
    oldest: DateTime<Utc>,
}

/// Everyone the policy lets read the thread (the patient, proxies whose
/// grant covers it) with the staff replies they have not opened.
async fn unread_by_readers(app: &App, thread: ThreadId, now: DateTime<Utc>) -> Result<Vec<Unread>, Outcome> {
    let store = &app.store;
    let retry = |err: carethread_store::StoreError| Outcome::Retry(format!("store: {err}"));
    let nobody = crate::threads::nobody();
    let Some((found, _)) = store.thread_facts(nobody, thread, now).await.map_err(retry)? else {
        return Ok(Vec::new());
    };
    let mut candidates = vec![Actor { id: found.patient_id, role: Role::Patient }];
    for grant in store.proxy_grants(Some(found.patient_id), None).await.map_err(retry)? {
        if grant.revoked_at.is_none() && grant.expires_at.is_none_or(|t| t > now) {
            candidates.push(Actor { id: grant.proxy.id, role: grant.proxy.role });
        }
    }
    let messages = store.messages(thread, false).await.map_err(retry)?;
    let mut unread = Vec::new();
    for actor in candidates {
        let Some((_, facts)) = store.thread_facts(actor, thread, now).await.map_err(retry)? else { continue };
        if !decide_thread(actor, ThreadAction::Read, &facts, now).is_allowed() {
            continue;
        }
        let waiting: Vec<&MessageView> = messages
            .iter()
            .filter(|m| m.author.role.is_staff() && !m.read_by.iter().any(|(who, _)| who.id == actor.id))
            .collect();
        if let (Some(first), Some(last)) = (waiting.first(), waiting.last()) {
            unread.push(Unread { reader: actor.id, newest: last.message.sent_at, oldest: first.message.sent_at });
        }
    }
    Ok(unread)
}

/// The delivery job for `reader`, at the end of their quiet hours.
async fn deliver_to(
    app: &App,
    reader: UserId,
    kind: NoticeKind,
    thread: Option<ThreadId>,
    now: DateTime<Utc>,
) -> Result<carethread_store::NewJob, Outcome> {
    super::deliver::scheduled(app, reader, kind, thread, now).await.map_err(|e| Outcome::Retry(format!("store: {e}")))
}

/// A reply is waiting: tell each reader who has not opened it and was not
/// told since. A notice about any thread covers them all (one e-mail for a
/// burst), so the delivery names no thread.
pub(super) async fn reply_notice(app: &App, thread: ThreadId, now: DateTime<Utc>) -> Outcome {
    let unread = match unread_by_readers(app, thread, now).await {
        Ok(unread) => unread,
        Err(outcome) => return outcome,
    };
    let mut effects = JobEffects::default();
    for Unread { reader, newest, .. } in unread {
        let told = app.store.last_notice(reader, NoticeKind::NewMessage.as_str(), None).await;
        match told {
            Ok(Some(told)) if told >= newest => continue,
            Ok(_) => {}
            Err(err) => return Outcome::Retry(format!("store: {err}")),
        }
        match deliver_to(app, reader, NoticeKind::NewMessage, None, now).await {
            Ok(job) => effects.follow_ups.push(job),
            Err(outcome) => return outcome,
        }
    }
    Outcome::Done(effects)
}

/// A reply has waited unread for the reminder delay: remind its readers
/// once per reply (staff see it flagged on the thread meanwhile).
pub(super) async fn unread_reminder(app: &App, thread: ThreadId, now: DateTime<Utc>) -> Outcome {
    let unread = match unread_by_readers(app, thread, now).await {
        Ok(unread) => unread,
        Err(outcome) => return outcome,
    };
    let after = app.notifications.unread_reminder_after;
    let mut effects = JobEffects::default();
    let mut later: Option<DateTime<Utc>> = None;
    for Unread { reader, oldest, newest } in unread {
        // A newer reply gets its own reminder when its time comes.
        if newest + after > now {
            later = Some(later.map_or(newest + after, |t| t.min(newest + after)));
        }
        if now - oldest < after {
            continue;
        }
        let kind = NoticeKind::UnreadReminder;
        match app.store.last_notice(reader, kind.as_str(), Some(thread)).await {
            Ok(Some(told)) if told >= oldest => continue,
            Ok(_) => {}
            Err(err) => return Outcome::Retry(format!("store: {err}")),
        }
        match deliver_to(app, reader, kind, Some(thread), now).await {
            Ok(job) => effects.follow_ups.push(job),
            Err(outcome) => return outcome,
        }
    }
    if let Some(at) = later {
        effects.follow_ups.push(Job::UnreadReminder { thread }.at(at, Some(format!("unread:{thread}"))));
    }
    Outcome::Done(effects)
}
