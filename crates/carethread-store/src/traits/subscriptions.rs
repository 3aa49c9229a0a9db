//! FHIR subscriptions and the events they are told of.

use async_trait::async_trait;
use carethread_core::ids::{SubscriptionId, UserId};

use crate::{CursorMove, EventWindow, NewJob, StatusChange, StoreResult, Subscription, Topic, TopicEvent};

#[async_trait]
pub trait Subscriptions: Send + Sync {
    /// Records a subscription with its handshake job.
    async fn create_subscription(&self, subscription: &Subscription, handshake: NewJob) -> StoreResult<()>;
    async fn subscription(&self, id: SubscriptionId) -> StoreResult<Option<Subscription>>;
    /// A system's subscriptions, newest first.
    async fn subscriptions_of(&self, owner: UserId) -> StoreResult<Vec<Subscription>>;
    /// Every active subscription.
    async fn active_subscriptions(&self) -> StoreResult<Vec<Subscription>>;
    /// Changes the status as `change` says; `false` when nothing changed.
    async fn set_subscription_status(&self, id: SubscriptionId, change: StatusChange<'_>) -> StoreResult<bool>;
    /// The topic's events in `window`.
    async fn topic_events(&self, topic: Topic, window: EventWindow<'_>) -> StoreResult<Vec<TopicEvent>>;
    /// Moves the subscription's cursor past the events read and adds the
    /// notifications of those it is told of, in one transaction; `false`
    /// (nothing written) when the cursor moved meanwhile.
    async fn advance_subscription(
        &self,
        id: SubscriptionId,
        step: CursorMove<'_>,
        notifications: Vec<NewJob>,
    ) -> StoreResult<bool>;
}
