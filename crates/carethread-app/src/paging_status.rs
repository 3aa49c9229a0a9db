//! What staff see of the notices about a thread: who was paged about an
//! emergency, when, how (first page, page again, escalation down the
//! clinic's chain) and by which channel, and who on staff acknowledged it
//! (the first to open the thread after the first page); and whether a staff
//! reply has gone unread by the patient and their proxies for the clinic's
//! reminder delay ("not read after 2 days"). For staff who may read the
//! thread, as the core policy decides.

use carethread_core::ids::ThreadId;
use carethread_core::policy::{self, ThreadAction};
use carethread_notify::NoticeKind;
use carethread_store::{MessageView, PersonRef};
use chrono::{DateTime, TimeDelta, Utc};

use crate::threads::access_thread;
use crate::{App, AppError, AppResult, Caller};

/// How a person was paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// The first page to whoever is on call.
    Page,
    /// Paged again: nobody opened the thread.
    Repage,
    /// The next person down the clinic's escalation chain.
    Escalation,
}

impl PageKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::Page => "page",
            PageKind::Repage => "repage",
            PageKind::Escalation => "escalation",
        }
    }

    fn from_notice(kind: &str) -> Option<Self> {
        match kind {
            k if k == NoticeKind::EmergencyPage.as_str() => Some(PageKind::Page),
            k if k == NoticeKind::EmergencyRepage.as_str() => Some(PageKind::Repage),
            k if k == NoticeKind::EmergencyEscalation.as_str() => Some(PageKind::Escalation),
            _ => None,
        }
    }
}

/// One page that went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSent {
    pub person: PersonRef,
    pub kind: PageKind,
    /// `email` or `sms`.
    pub channel: String,
    pub at: DateTime<Utc>,
}

/// Who paged about a thread, and who answered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PagingStatus {
    /// Oldest first.
    pub pages: Vec<PageSent>,
    /// The first member of staff to open the thread since the first page.
    pub acknowledged: Option<(PersonRef, DateTime<Utc>)>,
    /// When the oldest staff reply that neither the patient nor a proxy has
    /// opened was sent, once it has waited the clinic's reminder delay.
    pub unread_reply_since: Option<DateTime<Utc>>,
}

fn staff_only(caller: &Caller) -> AppResult<()> {
    if policy::works_in_baskets(caller.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden("who was paged is for the care team".to_owned()))
    }
}

/// The paging and read status of `thread` (staff who may read it).
pub async fn paging_status(app: &App, caller: &Caller, thread: ThreadId) -> AppResult<PagingStatus> {
    staff_only(caller)?;
    access_thread(app, caller, thread).await?.require(ThreadAction::Read)?;
    let notices = app.store.notices_for_thread(thread).await?;
    let mut pages = Vec::new();
    for notice in notices {
        let Some(kind) = PageKind::from_notice(&notice.kind) else { continue };
        let person = match app.store.user(notice.recipient_id).await? {
            Some(user) => PersonRef::from(&user),
            None => continue,
        };
        pages.push(PageSent { person, kind, channel: notice.channel, at: notice.sent_at });
    }
    let acknowledged = match pages.first() {
        Some(first) => app.store.first_staff_read(thread, first.at).await?,
        None => None,
    };
    let messages = app.store.messages(thread, false).await?;
    let unread_reply_since = unread_reply_since(&messages, app.notifications.unread_reminder_after, Utc::now());
    Ok(PagingStatus { pages, acknowledged, unread_reply_since })
}

/// When the oldest staff reply nobody outside the care team has opened was
/// sent, if it has waited `after` by `now`.
#[must_use]
pub fn unread_reply_since(messages: &[MessageView], after: TimeDelta, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    messages
        .iter()
        .filter(|m| m.author.role.is_staff() && !m.read_by.iter().any(|(who, _)| !who.role.is_staff()))
        .map(|m| m.message.sent_at)
        .min()
        .filter(|sent| now - *sent >= after)
}
