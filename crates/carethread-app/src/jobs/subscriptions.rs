//! The outbox jobs of FHIR subscriptions: the handshake, the recurring scan
//! of new events, and each notification's delivery (retried with the
//! outbox's backoff while the endpoint does not answer 2xx).

use carethread_core::ids::SubscriptionId;
use carethread_store::{JobEffects, StatusChange, Subscription, SubscriptionStatus};
use chrono::{DateTime, Utc};

use super::runner::Outcome;
use crate::App;
use crate::subscriptions::{SCAN_EVERY, scan_at, scan_one};

/// POSTs a notification to the subscription's endpoint with its headers.
async fn post(subscription: &Subscription, bundle: &serde_json::Value) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))?;
    let mut request = client.post(&subscription.endpoint).header("content-type", carethread_fhir::FHIR_JSON);
    for header in &subscription.headers {
        if let Some((name, value)) = header.split_once(':') {
            request = request.header(name.trim(), value.trim());
        }
    }
    let response =
        request.body(bundle.to_string()).send().await.map_err(|e| format!("the endpoint did not answer: {e}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the endpoint answered {}", response.status().as_u16()))
    }
}

fn bundle(
    subscription: &Subscription,
    handshake: bool,
    first_event: u64,
    focus: &[String],
    now: DateTime<Utc>,
) -> serde_json::Value {
    carethread_fhir::notification(&carethread_fhir::Notification {
        fhir_base: &subscription.fhir_base,
        subscription: &subscription.id.to_string(),
        topic: subscription.topic.as_str(),
        handshake,
        first_event,
        focus,
        now,
    })
}

/// Sends the handshake; a 2xx answer makes the subscription active.
pub(super) async fn handshake(app: &App, id: SubscriptionId, now: DateTime<Utc>) -> Outcome {
    let subscription = match app.store.subscription(id).await {
        Ok(Some(s)) if s.status == SubscriptionStatus::Requested => s,
        Ok(_) => return Outcome::Done(JobEffects::default()),
        Err(err) => return Outcome::Retry(format!("store: {err}")),
    };
    if let Err(why) = post(&subscription, &bundle(&subscription, true, 1, &[], now)).await {
        let requested = SubscriptionStatus::Requested;
        let change = StatusChange::from(requested, requested, Some(&why));
        if let Err(err) = app.store.set_subscription_status(id, change).await {
            tracing::warn!(subscription.id = %id, error = %err, "could not record a failed handshake");
        }
        return Outcome::Retry(why);
    }
    // Only a subscription still waiting becomes active (not one ended meanwhile).
    let change = StatusChange::from(SubscriptionStatus::Requested, SubscriptionStatus::Active, None);
    match app.store.set_subscription_status(id, change).await {
        Ok(_) => Outcome::Done(JobEffects::default()),
        Err(err) => Outcome::Retry(format!("store: {err}")),
    }
}

/// Reads every active subscription's new events, then plans the next scan.
pub(super) async fn scan(app: &App, now: DateTime<Utc>) -> Outcome {
    let active = match app.store.active_subscriptions().await {
        Ok(active) => active,
        Err(err) => return Outcome::Retry(format!("store: {err}")),
    };
    for subscription in &active {
        if let Err(err) = scan_one(app, subscription, now).await {
            tracing::warn!(subscription.id = %subscription.id, error = %err, "a subscription's events could not be read");
        }
    }
    Outcome::Done(JobEffects { follow_ups: vec![scan_at(now + SCAN_EVERY)], ..JobEffects::default() })
}

/// Delivers one notification; the outbox retries it while the endpoint fails.
pub(super) async fn notify(
    app: &App,
    id: SubscriptionId,
    first_event: u64,
    focus: &[String],
    now: DateTime<Utc>,
) -> Outcome {
    let subscription = match app.store.subscription(id).await {
        Ok(Some(s)) if s.status == SubscriptionStatus::Active => s,
        Ok(_) => return Outcome::Done(JobEffects::default()),
        Err(err) => return Outcome::Retry(format!("store: {err}")),
    };
    match post(&subscription, &bundle(&subscription, false, first_event, focus, now)).await {
        Ok(()) => Outcome::Done(JobEffects::default()),
        Err(why) => Outcome::Retry(why),
    }
}
