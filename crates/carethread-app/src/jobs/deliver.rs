//! Sending one notice to one person: by the channel they chose (staff pages
//! by every channel they have), in their language, with a link and, for
//! patients and proxies, an unsubscribe link. Nothing else is said.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use carethread_core::contact::NotifyChannel;
use carethread_core::contact::may_send_at;
use carethread_core::ids::{ThreadId, UserId};
use carethread_notify::{ClinicName, DeliveryError, LinkPath, Notice, NoticeKind, Recipient, UnsubscribeToken};
use carethread_store::{ContactPreferences, JobEffects, NewJob, SentNotice, StoreError};
use chrono::{DateTime, Utc};

use super::Job;
use super::runner::Outcome;
use crate::App;

/// The job that sends `kind` to `person` (about `thread`, for staff links):
/// at the end of their quiet hours where the kind honours them, else now.
/// One pending per person, kind and thread.
pub(super) async fn scheduled(
    app: &App,
    person: UserId,
    kind: NoticeKind,
    thread: Option<ThreadId>,
    now: DateTime<Utc>,
) -> Result<NewJob, StoreError> {
    let preferences = app.store.contact_preferences(person).await?;
    let clinic = app.clinic.get(app.store.as_ref()).await;
    let quiet = preferences.as_ref().and_then(|p| p.quiet_hours.as_ref());
    let at = if kind.honours_quiet_hours() { may_send_at(quiet, clinic.hours.timezone(), now) } else { now };
    let job = Job::Deliver { recipient: person, notice: kind.as_str().to_owned(), thread };
    let key = match thread {
        Some(thread) => format!("deliver:{person}:{kind}:{thread}"),
        None => format!("deliver:{person}:{kind}"),
    };
    Ok(job.at(at, Some(key)))
}

/// Where `kind` goes for someone with `preferences`: the channel they chose,
/// or, for a page to staff, every address they have.
fn recipients(kind: NoticeKind, preferences: &ContactPreferences) -> Vec<Recipient> {
    let email = preferences.email.clone().map(Recipient::Email);
    let sms = preferences.phone.clone().map(Recipient::Sms);
    if kind.is_for_staff() {
        return email.into_iter().chain(sms).collect();
    }
    match preferences.channel {
        NotifyChannel::Email => email.into_iter().collect(),
        NotifyChannel::Sms => sms.into_iter().collect(),
        NotifyChannel::None => Vec::new(),
    }
}

/// A new random unsubscribe token: 24 random bytes in hex.
fn fresh_token() -> String {
    use std::fmt::Write as _;
    let mut bytes = [0u8; 24];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().fold(String::with_capacity(48), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

pub(super) async fn deliver(
    app: &App,
    recipient: UserId,
    kind: NoticeKind,
    thread: Option<ThreadId>,
    now: DateTime<Utc>,
) -> Outcome {
    let store = &app.store;
    let retry = |err: carethread_store::StoreError| Outcome::Retry(format!("store: {err}"));
    let user = match store.user(recipient).await {
        Ok(Some(user)) if !user.disabled => user,
        Ok(_) => return Outcome::Done(JobEffects::default()),
        Err(err) => return retry(err),
    };
    let preferences = match store.contact_preferences(recipient).await {
        Ok(found) => found.unwrap_or_default(),
        Err(err) => return retry(err),
    };
    let to = recipients(kind, &preferences);
    if to.is_empty() {
        tracing::debug!(notice = %kind, "no address for this person's chosen channel; nothing sent");
        return Outcome::Done(JobEffects::default());
    }
    let Ok(clinic) = ClinicName::from_settings(&app.settings) else {
        return Outcome::Fail("the clinic has no name to sign notices with".to_owned());
    };
    let portal = &app.notifications.portal;
    let path = match (kind.is_for_staff(), thread) {
        (true, Some(thread)) => LinkPath::Thread(thread),
        (true, None) => LinkPath::Inbasket,
        (false, _) => LinkPath::Inbox,
    };
    let language = preferences.language.unwrap_or(user.language);
    let mut notice = Notice::new(kind, clinic, portal.link(path), language);
    if !kind.is_for_staff() {
        let token = match store.ensure_unsubscribe_token(recipient, &fresh_token(), now).await {
            Ok(token) => token,
            Err(err) => return retry(err),
        };
        let Ok(token) = UnsubscribeToken::parse(&token) else {
            return Outcome::Fail("the stored unsubscribe token is malformed".to_owned());
        };
        notice = notice.with_unsubscribe(portal.link(LinkPath::Unsubscribe(token)));
    }
    let mut sent = Vec::new();
    let mut trouble: Option<DeliveryError> = None;
    for address in &to {
        match app.notifications.deliver.deliver(address, &notice).await {
            Ok(()) => sent.push(SentNotice {
                recipient_id: recipient,
                thread_id: thread,
                kind: kind.as_str().to_owned(),
                channel: address.channel().to_owned(),
                sent_at: now,
            }),
            // Start-up says notices are off; a page that cannot go out is worth a warning each time.
            Err(DeliveryError::NotConfigured(channel)) if kind.is_for_staff() => {
                tracing::warn!(notice = %kind, channel, "not sent: no server is configured for this channel");
            }
            Err(DeliveryError::NotConfigured(channel)) => {
                tracing::debug!(notice = %kind, channel, "not sent: no server is configured for this channel");
            }
            Err(err) => trouble = Some(err),
        }
    }
    match trouble {
        // Sent by another channel: done (a retry would send it twice there).
        Some(err) if sent.is_empty() && err.is_transient() => Outcome::Retry(err.to_string()),
        Some(err) if sent.is_empty() => Outcome::Fail(err.to_string()),
        _ => Outcome::Done(JobEffects { sent, follow_ups: Vec::new() }),
    }
}
