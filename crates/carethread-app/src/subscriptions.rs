//! FHIR subscriptions for registered systems (the R4 backport, topic-based):
//! "a Communication was created" and "a Task changed", optionally for one
//! patient, told by a POST of ids only to the system's endpoint. Creating
//! one sends a handshake; a scan (every few seconds, one chain per
//! database) reads each active subscription's new events, keeps those the
//! system's account may see by the core policy, and writes the notifications
//! as outbox jobs in the transaction that moves its cursor; a notification
//! the endpoint refuses is retried by the outbox.

use carethread_core::ids::{SubscriptionId, UserId};
use carethread_core::policy::ThreadAction;
use carethread_store::{CursorMove, EventWindow, NewJob, StatusChange, Subscription, SubscriptionStatus, Topic};
use chrono::{DateTime, TimeDelta, Utc};

use crate::threads::{authorize_thread, require_messaging};
use crate::{App, AppError, AppResult, Caller};

/// What a system asks to be told of.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub topic: String,
    pub patient: Option<UserId>,
    pub endpoint: String,
    /// Sent with each notification (`Authorization: Bearer …`).
    pub headers: Vec<String>,
    /// The FHIR base as the system reached it.
    pub fhir_base: String,
}

/// The dedupe key of the pending scan: one at a time.
pub const SCAN_KEY: &str = "subscription_scan";
/// How often the scan runs.
pub const SCAN_EVERY: TimeDelta = TimeDelta::seconds(5);
/// Most events one scan reads per subscription.
const EVENTS_PER_SCAN: u32 = 100;
/// Events are read only once this old: a write timed before it committed
/// (a group commit, a concurrent transaction, another server) is then
/// visible, so the cursor never passes an event still to commit.
pub const SETTLE: TimeDelta = TimeDelta::seconds(5);

/// Whether an endpoint may be sent notifications: `https://` to a named host or a
/// public address, or plain `http://` to this machine (a system's own
/// relay); never with user information, never to a private, loopback or
/// link-local address over https (the server's own network is not for
/// systems to reach through it).
fn endpoint_ok(endpoint: &str) -> bool {
    use std::net::IpAddr;
    let Ok(url) = reqwest::Url::parse(endpoint) else { return false };
    if endpoint.len() > 500 || !url.username().is_empty() || url.password().is_some() {
        return false;
    }
    let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let ip = host.parse::<IpAddr>().ok();
    let local = host == "localhost" || ip.is_some_and(|ip| ip.is_loopback());
    let internal = ip.is_some_and(|ip| match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    });
    match url.scheme() {
        "https" => !host.is_empty() && !internal && host != "localhost",
        "http" => local,
        _ => false,
    }
}

/// The headers a system may have sent with its notifications: its own
/// credentials (`Authorization`, or an `X-` header), each a valid HTTP
/// header; never one that frames or routes the request.
fn header_ok(header: &str) -> bool {
    let Some((name, value)) = header.split_once(':') else { return false };
    let (name, value) = (name.trim(), value.trim());
    let allowed = name.eq_ignore_ascii_case("authorization") || name.to_ascii_lowercase().starts_with("x-");
    header.len() <= 500
        && allowed
        && reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
        && reqwest::header::HeaderValue::from_str(value).is_ok()
}

/// Makes a subscription (registered systems only) and sends its handshake.
pub async fn create(app: &App, caller: &Caller, by_system: bool, new: NewSubscription) -> AppResult<Subscription> {
    if !by_system {
        return Err(AppError::Forbidden("subscriptions are for registered systems (SMART Backend Services)".into()));
    }
    require_messaging(caller)?;
    let topic = Topic::parse(&new.topic).ok_or_else(|| AppError::invalid("criteria", "names no CareThread topic"))?;
    if topic == Topic::TaskChanged {
        crate::fhir_tasks::require_in_basket(caller)?;
    }
    if !endpoint_ok(&new.endpoint) {
        return Err(AppError::invalid(
            "channel.endpoint",
            "must be an https:// address (http:// only to this machine)",
        ));
    }
    if new.headers.len() > 5 || !new.headers.iter().all(|h| header_ok(h)) {
        return Err(AppError::invalid(
            "channel.header",
            "up to 5 headers, each Authorization or X-…, as \"Name: value\" on one line",
        ));
    }
    if let Some(patient) = new.patient {
        crate::fhir_reads::read_patient(app, caller, patient)
            .await
            .map_err(|_| AppError::invalid("_criteria", "names no patient this system may see"))?;
    }
    let now = Utc::now();
    let subscription = Subscription {
        id: SubscriptionId::from_uuid(uuid::Uuid::now_v7()),
        owner: caller.user.id,
        topic,
        patient: new.patient,
        endpoint: new.endpoint,
        fhir_base: new.fhir_base,
        headers: new.headers,
        status: SubscriptionStatus::Requested,
        error: None,
        cursor: (now, String::new()),
        events: 0,
        created_at: now,
    };
    let handshake = crate::jobs::Job::SubscriptionHandshake { subscription: subscription.id }.at(now, None);
    app.store.create_subscription(&subscription, handshake).await?;
    tracing::info!(subscription.id = %subscription.id, topic = topic.as_str(), "subscription made");
    Ok(subscription)
}

/// A subscription the caller made; any other answers `NotFound`.
pub async fn read(app: &App, caller: &Caller, id: SubscriptionId) -> AppResult<Subscription> {
    app.store.subscription(id).await?.filter(|s| s.owner == caller.user.id).ok_or(AppError::NotFound)
}

/// The caller's subscriptions.
pub async fn list(app: &App, caller: &Caller) -> AppResult<Vec<Subscription>> {
    Ok(app.store.subscriptions_of(caller.user.id).await?)
}

/// Ends a subscription the caller made: nothing more is sent.
pub async fn end(app: &App, caller: &Caller, id: SubscriptionId) -> AppResult<()> {
    read(app, caller, id).await?;
    app.store.set_subscription_status(id, StatusChange::to(SubscriptionStatus::Off, None)).await?;
    Ok(())
}

/// The scan's outbox row, to run at `at`.
#[must_use]
pub fn scan_at(at: DateTime<Utc>) -> NewJob {
    crate::jobs::Job::SubscriptionScan.at(at, Some(SCAN_KEY.to_owned()))
}

/// Adds the first scan (nothing, when one is already pending).
pub async fn seed(app: &App, now: DateTime<Utc>) {
    if let Err(err) = app.store.enqueue_jobs(vec![scan_at(now)]).await {
        tracing::warn!(error = %err, "could not add the subscription scan; the next worker start adds it");
    }
}

/// Reads one subscription's new events and writes its notification.
pub(crate) async fn scan_one(app: &App, subscription: &Subscription, now: DateTime<Utc>) -> AppResult<()> {
    let (at, key) = (&subscription.cursor.0, subscription.cursor.1.as_str());
    let events = app
        .store
        .topic_events(
            subscription.topic,
            EventWindow { after: (*at, key), until: now - SETTLE, limit: EVENTS_PER_SCAN },
        )
        .await?;
    let Some(last) = events.last() else { return Ok(()) };
    let Some(owner) = app.store.user(subscription.owner).await?.filter(|u| !u.disabled) else {
        let revoked = Some("the system was revoked");
        app.store.set_subscription_status(subscription.id, StatusChange::to(SubscriptionStatus::Off, revoked)).await?;
        return Ok(());
    };
    let caller = Caller { user: owner, client: None };
    let staff = caller.user.role.is_staff();
    let mut focus = Vec::new();
    for event in &events {
        if subscription.patient.is_some_and(|p| p != event.patient) || (event.internal && !staff) {
            continue;
        }
        // Told only of what its account may read, as the core policy decides now;
        // a failure to decide stops the scan here, before the cursor moves.
        match authorize_thread(app, &caller, event.thread, ThreadAction::Read).await {
            Ok(_) => {}
            Err(AppError::NotFound | AppError::Forbidden(_)) => continue,
            Err(other) => return Err(other),
        }
        focus.push(match (subscription.topic, event.message) {
            (Topic::CommunicationCreated, Some(message)) => format!("Communication/{message}"),
            _ => format!("Task/{}", event.thread),
        });
    }
    let told = focus.len() as u64;
    let jobs = if focus.is_empty() {
        Vec::new()
    } else {
        let job = crate::jobs::Job::SubscriptionNotify {
            subscription: subscription.id,
            first_event: subscription.events + 1,
            focus,
        };
        vec![job.at(Utc::now(), None)]
    };
    let step = CursorMove { from: (*at, key), to: (last.at, last.key.as_str()), told };
    app.store.advance_subscription(subscription.id, step, jobs).await?;
    Ok(())
}
