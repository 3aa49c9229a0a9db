//! A person's contact details and how they want to be notified.

use carethread_core::contact::{EmailAddress, NotifyChannel, PhoneNumber, QuietHours};
use carethread_core::user::Language;

/// How a person wants to hear that something is waiting for them. The
/// addresses are parsed values: once stored they are valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPreferences {
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub channel: NotifyChannel,
    /// In the clinic's time zone.
    pub quiet_hours: Option<QuietHours>,
    /// The language of notices; the account's language when unset.
    pub language: Option<Language>,
}

impl Default for ContactPreferences {
    fn default() -> Self {
        Self { email: None, phone: None, channel: NotifyChannel::Email, quiet_hours: None, language: None }
    }
}
