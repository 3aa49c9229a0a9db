//! How each person wants to be told that something is waiting for them.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::UserId;
use chrono::{DateTime, Utc};

use crate::StoreResult;
use crate::contacts::ContactPreferences;

/// Contact details and notification preferences, one set per person.
#[async_trait]
pub trait Contacts: Send + Sync {
    /// A person's preferences; `None` when they never set any.
    async fn contact_preferences(&self, user: UserId) -> StoreResult<Option<ContactPreferences>>;

    /// Several people's preferences at once (those who set none are left out).
    async fn contact_preferences_of(&self, users: &[UserId]) -> StoreResult<Vec<(UserId, ContactPreferences)>>;

    /// Replaces a person's preferences, keeping their unsubscribe token,
    /// with the audit entry of who changed them.
    async fn set_contact_preferences(
        &self,
        user: UserId,
        preferences: &ContactPreferences,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    /// Stores `token` as a person's unsubscribe token (made when the first
    /// notice goes out), unless they have one already; answers the token in use.
    async fn ensure_unsubscribe_token(&self, user: UserId, token: &str, now: DateTime<Utc>) -> StoreResult<String>;

    /// Who holds unsubscribe `token`, if anyone: the page behind an
    /// unsubscribe link asks before it offers the button. Changes nothing.
    async fn unsubscribe_holder(&self, token: &str) -> StoreResult<Option<UserId>>;

    /// Turns notices off for whoever holds `token`, with the
    /// audit entry (given no actor; the person is the target). `None` when no
    /// one does.
    async fn unsubscribe(&self, token: &str, now: DateTime<Utc>, audit: AuditEvent) -> StoreResult<Option<UserId>>;
}
