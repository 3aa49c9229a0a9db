//! Work that happens later or elsewhere, as outbox jobs: telling a patient a
//! reply waits (after a delay, only if still unread, one notice for a
//! burst), reminding them when it stays unread, and paging whoever is on call
//! about an emergency until someone opens it. Jobs are written in the same
//! transaction as the action that causes them ([`for_staff_reply`],
//! [`for_patient_message`]) and run by [`runner`] in every server. Their
//! payloads hold identifiers only; what reaches people outside CareThread is
//! a fixed notice with a link (`carethread-notify`), never message content.

mod coverage;
mod deliver;
mod notices;
pub mod overdue;
mod paging;
mod release;
pub mod retention;
pub mod runner;
mod subscriptions;

use std::sync::Arc;

use carethread_core::ids::{ThreadId, UserId};
use carethread_notify::{Deliver, NoticeKind, Notifier, PortalUrl};
use carethread_store::NewJob;
use carethread_store::jobs::THREAD;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

pub use runner::{RunSummary, run_due, spawn_worker};

/// How notices go out and when.
#[derive(Clone)]
pub struct Notifications {
    /// Sends e-mail and SMS (nothing, when neither is configured).
    pub deliver: Arc<dyn Deliver>,
    /// The portal's public address, which every link in a notice starts with.
    pub portal: PortalUrl,
    /// How long a reply waits unread before its reader is told.
    pub reply_delay: TimeDelta,
    /// How long a reply stays unread before a reminder (and staff see it
    /// flagged as not read).
    pub unread_reminder_after: TimeDelta,
}

impl Notifications {
    /// Five minutes before a notice, two days before a reminder.
    pub const DEFAULT_REPLY_DELAY: TimeDelta = TimeDelta::minutes(5);
    pub const DEFAULT_UNREAD_REMINDER: TimeDelta = TimeDelta::days(2);

    /// Notices through `notifier`, linking to `portal`, with the default delays.
    #[must_use]
    pub fn new(notifier: Notifier, portal: PortalUrl) -> Self {
        Self {
            deliver: Arc::new(notifier),
            portal,
            reply_delay: Self::DEFAULT_REPLY_DELAY,
            unread_reminder_after: Self::DEFAULT_UNREAD_REMINDER,
        }
    }
}

impl Default for Notifications {
    /// Nothing configured: jobs still run, and record that nothing could be sent.
    fn default() -> Self {
        let portal = PortalUrl::parse("http://localhost:8080/").expect("a valid constant URL");
        Self::new(Notifier::new(None, None), portal)
    }
}

/// A job's work, as its payload holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum Job {
    /// Tell whoever may read the thread that a reply waits, if it is still unread.
    ReplyNotice { thread: ThreadId },
    /// Remind them of a reply still unread after the reminder delay.
    UnreadReminder { thread: ThreadId },
    /// One notice to one person; `thread` names the thread for staff links.
    Deliver { recipient: UserId, notice: String, thread: Option<ThreadId> },
    /// Page about an emergency nobody has opened since `since` (ms), step `step`.
    Page { thread: ThreadId, step: u32, since: i64 },
    /// Hand an away clinician's threads to their coverer, if they are away now.
    CoverageStart { person: UserId },
    /// Give a clinician back their threads still with the coverer, unless they are away now.
    CoverageEnd { person: UserId },
    /// Release a held reply at its scheduled time.
    ReleaseReply { held: carethread_store::HeldReplyId },
    /// Find threads past their reply-time target and tell who answers for them.
    OverdueScan,
    /// Purge closed threads past the clinic's retention period.
    RetentionSweep,
    /// Write the files of a FHIR Bulk Data export a system asked for.
    BulkExport { export: carethread_core::ids::ExportId },
    /// Delete an export's files when they expire.
    BulkExportExpire { export: carethread_core::ids::ExportId },
    /// Send a new subscription's handshake.
    SubscriptionHandshake { subscription: carethread_core::ids::SubscriptionId },
    /// Read the active subscriptions' new events (recurring).
    SubscriptionScan,
    /// Tell a subscription of events numbered from `first_event` (ids only).
    SubscriptionNotify { subscription: carethread_core::ids::SubscriptionId, first_event: u64, focus: Vec<String> },
}

impl Job {
    /// The kind as the outbox lists it.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Job::ReplyNotice { .. } => "reply_notice",
            Job::UnreadReminder { .. } => "unread_reminder",
            Job::Deliver { .. } => "deliver",
            Job::Page { .. } => "page",
            Job::CoverageStart { .. } => "coverage_start",
            Job::CoverageEnd { .. } => "coverage_end",
            Job::ReleaseReply { .. } => "release_reply",
            Job::OverdueScan => "overdue_scan",
            Job::RetentionSweep => "retention_sweep",
            Job::BulkExport { .. } => "bulk_export",
            Job::BulkExportExpire { .. } => "bulk_export_expire",
            Job::SubscriptionHandshake { .. } => "subscription_handshake",
            Job::SubscriptionScan => "subscription_scan",
            Job::SubscriptionNotify { .. } => "subscription_notify",
        }
    }

    /// The outbox row: run at `run_at`, one pending at a time per `dedupe_key`.
    #[must_use]
    pub fn at(&self, run_at: DateTime<Utc>, dedupe_key: Option<String>) -> NewJob {
        NewJob {
            kind: self.kind().to_owned(),
            payload: serde_json::to_string(self).unwrap_or_default(),
            run_at,
            dedupe_key,
        }
    }
}

/// A placeholder thread id the store replaces with the thread a job is
/// written with (a new thread's id is chosen as it is stored).
fn written_thread() -> ThreadId {
    ThreadId::from_uuid(uuid::Uuid::max())
}

/// Serialises `job`, naming the thread it is written with by the store's placeholder.
fn with_written_thread(job: &Job, run_at: DateTime<Utc>, key: &str) -> NewJob {
    let mut row = job.at(run_at, Some(format!("{key}:{THREAD}")));
    row.payload = row.payload.replace(&written_thread().to_string(), THREAD);
    row
}

/// The jobs a staff reply (or a thread the care team starts) adds: its
/// readers are told after the delay, and reminded if it stays unread.
#[must_use]
pub fn for_staff_reply(notifications: &Notifications, now: DateTime<Utc>) -> Vec<NewJob> {
    let thread = written_thread();
    vec![
        with_written_thread(&Job::ReplyNotice { thread }, now + notifications.reply_delay, "reply"),
        with_written_thread(&Job::UnreadReminder { thread }, now + notifications.unread_reminder_after, "unread"),
    ]
}

/// The jobs a patient's (or proxy's) message adds: a page to whoever is on
/// call when triage says emergency, at once, in hours or not.
#[must_use]
pub fn for_patient_message(emergency: bool, now: DateTime<Utc>) -> Vec<NewJob> {
    if !emergency {
        return Vec::new();
    }
    let page = Job::Page { thread: written_thread(), step: 0, since: now.timestamp_millis() };
    vec![with_written_thread(&page, now, "page")]
}

/// Runs one job at `now`.
pub(crate) async fn run(app: &crate::App, job: &Job, now: DateTime<Utc>) -> runner::Outcome {
    match job {
        Job::ReplyNotice { thread } => notices::reply_notice(app, *thread, now).await,
        Job::UnreadReminder { thread } => notices::unread_reminder(app, *thread, now).await,
        Job::Deliver { recipient, notice, thread } => match notice_kind(notice) {
            Some(kind) => deliver::deliver(app, *recipient, kind, *thread, now).await,
            None => runner::Outcome::Fail("the job names no known notice".to_owned()),
        },
        Job::Page { thread, step, since } => paging::page(app, *thread, *step, *since, now).await,
        Job::CoverageStart { person } => coverage::start(app, *person, now).await,
        Job::CoverageEnd { person } => coverage::end(app, *person, now).await,
        Job::ReleaseReply { held } => release::release_reply(app, *held, now).await,
        Job::OverdueScan => overdue::scan(app, now).await,
        Job::RetentionSweep => retention::sweep(app, now).await,
        Job::SubscriptionHandshake { subscription } => subscriptions::handshake(app, *subscription, now).await,
        Job::SubscriptionScan => subscriptions::scan(app, now).await,
        Job::SubscriptionNotify { subscription, first_event, focus } => {
            subscriptions::notify(app, *subscription, *first_event, focus, now).await
        }
        Job::BulkExport { export } => match crate::bulk_export::run_export(app, *export, now).await {
            Ok(expires) => {
                let expire = expires.map(|at| Job::BulkExportExpire { export: *export }.at(at, None));
                runner::Outcome::Done(carethread_store::JobEffects {
                    follow_ups: expire.into_iter().collect(),
                    ..Default::default()
                })
            }
            Err(err) => runner::Outcome::Retry(format!("store: {err}")),
        },
        Job::BulkExportExpire { export } => match crate::bulk_export::expire_export(app, *export).await {
            Ok(()) => runner::Outcome::Done(carethread_store::JobEffects::default()),
            Err(err) => runner::Outcome::Retry(format!("store: {err}")),
        },
    }
}

/// The notice kind a `Deliver` job names.
fn notice_kind(name: &str) -> Option<NoticeKind> {
    NoticeKind::ALL.into_iter().find(|kind| kind.as_str() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_name_the_thread_they_are_written_with_and_nothing_else() {
        let now = Utc::now();
        let jobs = for_staff_reply(&Notifications::default(), now);
        assert_eq!(jobs.len(), 2);
        assert!(jobs.iter().all(|j| j.payload.contains(THREAD)), "{jobs:?}");
        assert_eq!(jobs[0].dedupe_key.as_deref(), Some("reply:{thread}"));
        assert_eq!(jobs[0].run_at, now + Notifications::DEFAULT_REPLY_DELAY);
        assert_eq!(jobs[1].run_at, now + TimeDelta::days(2));
        let page = for_patient_message(true, now);
        assert_eq!((page[0].kind.as_str(), page[0].run_at), ("page", now));
        assert!(for_patient_message(false, now).is_empty());
    }

    #[test]
    fn payloads_read_back_as_the_job() {
        let job = Job::Page { thread: ThreadId::from_uuid(uuid::Uuid::now_v7()), step: 2, since: 5 };
        let row = job.at(Utc::now(), None);
        assert_eq!(serde_json::from_str::<Job>(&row.payload).expect("payload"), job);
        assert_eq!(notice_kind("emergency_page"), Some(NoticeKind::EmergencyPage));
        assert_eq!(notice_kind("free text"), None);
    }
}
