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
use carethread_store::{NewJob, Subscription, SubscriptionStatus, Topic};
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

fn endpoint_ok(endpoint: &str) -> bool {
    let local = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"].iter().any(|p| endpoint.starts_with(p));
    (endpoint.starts_with("https://") || local)
        && endpoint.len() <= 500
        && !endpoint.chars().any(|c| c.is_whitespace() || c.is_control())
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
    let header_ok = |h: &String| h.len() <= 500 && h.contains(':') && !h.chars().any(char::is_control);
    if new.headers.len() > 5 || !new.headers.iter().all(header_ok) {
        return Err(AppError::invalid("channel.header", "up to 5 headers, each \"Name: value\" on one line"));
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
    app.store.set_subscription_status(id, SubscriptionStatus::Off, None).await?;
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
pub(crate) async fn scan_one(app: &App, subscription: &Subscription) -> AppResult<()> {
    let (at, key) = (&subscription.cursor.0, subscription.cursor.1.as_str());
    let events = app.store.topic_events(subscription.topic, (*at, key), EVENTS_PER_SCAN).await?;
    let Some(last) = events.last() else { return Ok(()) };
    let Some(owner) = app.store.user(subscription.owner).await?.filter(|u| !u.disabled) else {
        app.store
            .set_subscription_status(subscription.id, SubscriptionStatus::Off, Some("the system was revoked"))
            .await?;
        return Ok(());
    };
    let caller = Caller { user: owner, client: None };
    let staff = caller.user.role.is_staff();
    let mut focus = Vec::new();
    for event in &events {
        if subscription.patient.is_some_and(|p| p != event.patient) || (event.internal && !staff) {
            continue;
        }
        // Told only of what its account may read, as the core policy decides now.
        if authorize_thread(app, &caller, event.thread, ThreadAction::Read).await.is_err() {
            continue;
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
    app.store.advance_subscription(subscription.id, (*at, key), (last.at, last.key.as_str()), told, jobs).await?;
    Ok(())
}
