//! How CareThread tells people outside it that something is waiting: e-mail
//! over SMTP and SMS through a Twilio-compatible gateway.
//!
//! What is said is decided elsewhere (the outbox and its jobs); this crate
//! only words a [`Notice`] from fixed templates and hands it to a server. A
//! notice cannot carry health information by construction (see
//! [`notice`]), and nothing here logs an address, a number, a link or a
//! server's reply text: errors carry a reason and at most a status code.
//!
//! ```no_run
//! # async fn f(settings: carethread_notify::NotificationSettings, notice: carethread_notify::Notice,
//! #            to: carethread_core::contact::EmailAddress) {
//! use carethread_notify::{Deliver as _, DeliveryError, Notifier, Recipient};
//! let notifier = Notifier::from_settings(&settings).expect("valid settings");
//! match notifier.deliver(&Recipient::Email(to), &notice).await {
//!     Ok(()) => {}
//!     Err(DeliveryError::Transient(_)) => { /* retry later, with backoff */ }
//!     Err(DeliveryError::Permanent(_) | DeliveryError::NotConfigured(_)) => { /* dead-letter */ }
//! }
//! # }
//! ```

pub mod notice;
mod notifier;
mod settings;
mod sms;
mod smtp;
pub mod templates;
#[cfg(feature = "test-support")]
pub mod test_support;

use async_trait::async_trait;
use carethread_core::contact::{EmailAddress, PhoneNumber};

pub use notice::{ClinicName, LinkPath, Notice, NoticeKind, PortalLink, PortalUrl, UnsubscribeToken};
pub use notifier::Notifier;
pub use settings::NotificationSettings;
pub use sms::{SmsDelivery, SmsSettings};
pub use smtp::{SmtpDelivery, SmtpSecurity};

/// Where a notice goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    Email(EmailAddress),
    Sms(PhoneNumber),
}

impl Recipient {
    /// `email` or `sms`, for logs and metrics (never the address itself).
    #[must_use]
    pub const fn channel(&self) -> &'static str {
        match self {
            Recipient::Email(_) => "email",
            Recipient::Sms(_) => "sms",
        }
    }
}

/// Sends a notice to one recipient.
#[async_trait]
pub trait Deliver: Send + Sync {
    async fn deliver(&self, to: &Recipient, notice: &Notice) -> Result<(), DeliveryError>;
}

/// Why a notice was not delivered. Reasons name what failed and at most a
/// status code: never an address, a number, a link or a server's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// It may go through later (server down or busy, network error, time-out,
    /// 4xx SMTP reply, 5xx or 429 from the SMS gateway): retry with backoff.
    #[error("delivery failed for now: {0}")]
    Transient(String),
    /// It will never go through as it is (recipient refused, 5xx SMTP reply,
    /// 4xx from the SMS gateway): dead-letter it.
    #[error("delivery failed for good: {0}")]
    Permanent(String),
    /// No server is configured for this kind of recipient (`email` or `sms`).
    #[error("no {0} delivery is configured")]
    NotConfigured(&'static str),
}

impl DeliveryError {
    /// Whether trying again later may succeed.
    #[must_use]
    pub const fn is_transient(&self) -> bool {
        matches!(self, DeliveryError::Transient(_))
    }
}

/// Why notification settings could not be used. Separate from
/// [`DeliveryError`] because it is met once, at start-up, and stops it,
/// where delivery errors are met per notice and retried or dead-lettered.
/// Messages never repeat the value (a URL may hold a password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// `smtp_url` is not `smtp://`, `smtp+starttls://` or `smtps://` with a host.
    #[error(
        "notifications.smtp_url must be smtp://HOST:PORT, smtp://HOST:PORT?tls=starttls, smtp+starttls://HOST:PORT or smtps://HOST:PORT, optionally with USER:PASSWORD@"
    )]
    SmtpUrl,
    /// `from` is missing or not a mailbox (`CareThread <noreply@example.org>`).
    #[error("notifications.from must be an address like \"CareThread <noreply@example.org>\" when smtp_url is set")]
    From,
    /// `portal_url` is not an `http(s)` URL without credentials, query or fragment.
    #[error("notifications.portal_url must be an http:// or https:// address without a query")]
    PortalUrl,
    /// Some but not all of `sms_url`, `sms_account`, `sms_token`, `sms_from`.
    #[error("notifications.sms_url, sms_account, sms_token and sms_from must be set together")]
    SmsIncomplete,
    /// `sms_url` is not an `http(s)` URL.
    #[error("notifications.sms_url must be an http:// or https:// address")]
    SmsUrl,
    /// `sms_from` is not an E.164 number.
    #[error("notifications.sms_from must be a number like +15550100199")]
    SmsFrom,
    /// The clinic's name cannot head a notice (empty, too long, several lines).
    #[error("clinic.name must be one line of 1 to 100 characters to appear in notifications")]
    ClinicName,
    /// An unsubscribe token is not 16–128 URL-safe characters.
    #[error("an unsubscribe token must be 16 to 128 letters, digits, '_' or '-'")]
    UnsubscribeToken,
    /// The HTTP client for the SMS gateway could not be built.
    #[error("the HTTP client for SMS could not be built")]
    HttpClient,
}
