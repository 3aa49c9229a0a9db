//! The `[notifications]` section of CareThread's configuration.

use std::fmt;

use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Deserializer, Serialize};

/// Where notifications go. Every key is optional: without `smtp_url` no
/// e-mail is sent, without the `sms_*` keys no SMS, and a notice for such a
/// recipient fails with [`crate::DeliveryError::NotConfigured`].
///
/// The SMTP URL (it may hold a password) and the SMS token are secrets:
/// `Debug` hides them and serialising the settings leaves them out.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationSettings {
    /// `smtp://HOST:PORT` (plain, for a relay on the same host or network),
    /// `smtp://HOST:PORT?tls=starttls` or `smtp+starttls://HOST:PORT`
    /// (STARTTLS, required), `smtps://HOST:PORT` (TLS from the start); with
    /// `USER:PASSWORD@` before the host when the server wants a sign-in.
    #[serde(skip_serializing, deserialize_with = "secret")]
    pub smtp_url: Option<SecretString>,
    /// The sender: `CareThread <noreply@clinic.example.org>`.
    #[serde(deserialize_with = "text")]
    pub from: Option<String>,
    /// The portal's public address; links in notices start with it.
    #[serde(deserialize_with = "text")]
    pub portal_url: Option<String>,
    /// The gateway's message endpoint, e.g. Twilio's
    /// `https://api.twilio.com/2010-04-01/Accounts/ACxxxx/Messages.json`.
    #[serde(deserialize_with = "text")]
    pub sms_url: Option<String>,
    /// The account name for the gateway's basic authentication.
    #[serde(deserialize_with = "text")]
    pub sms_account: Option<String>,
    /// The token (password) for the gateway's basic authentication.
    #[serde(skip_serializing, deserialize_with = "secret")]
    pub sms_token: Option<SecretString>,
    /// The number SMS are sent from, E.164 (`+15550100199`).
    #[serde(deserialize_with = "phone")]
    pub sms_from: Option<String>,
    /// Longest a server may take to accept one notice.
    pub timeout_seconds: u64,
    /// How long a reply waits unread before its reader is told (the demo
    /// uses a few seconds).
    pub reply_delay_seconds: u64,
    /// How long a reply stays unread before a reminder.
    pub unread_reminder_hours: u64,
}

impl NotificationSettings {
    /// Default for [`NotificationSettings::timeout_seconds`].
    pub const DEFAULT_TIMEOUT_SECONDS: u64 = 20;
    /// Default for [`NotificationSettings::reply_delay_seconds`]: five minutes.
    pub const DEFAULT_REPLY_DELAY_SECONDS: u64 = 300;
    /// Default for [`NotificationSettings::unread_reminder_hours`]: two days.
    pub const DEFAULT_UNREAD_REMINDER_HOURS: u64 = 48;
}

impl Default for NotificationSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: None,
            portal_url: None,
            sms_url: None,
            sms_account: None,
            sms_token: None,
            sms_from: None,
            timeout_seconds: Self::DEFAULT_TIMEOUT_SECONDS,
            reply_delay_seconds: Self::DEFAULT_REPLY_DELAY_SECONDS,
            unread_reminder_hours: Self::DEFAULT_UNREAD_REMINDER_HOURS,
        }
    }
}

impl fmt::Debug for NotificationSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |set: bool| if set { Some("***") } else { None };
        f.debug_struct("NotificationSettings")
            .field("smtp_url", &hidden(self.smtp_url.is_some()))
            .field("from", &self.from)
            .field("portal_url", &self.portal_url)
            .field("sms_url", &self.sms_url)
            .field("sms_account", &self.sms_account)
            .field("sms_token", &hidden(self.sms_token.is_some()))
            .field("sms_from", &self.sms_from)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("reply_delay_seconds", &self.reply_delay_seconds)
            .field("unread_reminder_hours", &self.unread_reminder_hours)
            .finish()
    }
}

impl PartialEq for NotificationSettings {
    fn eq(&self, other: &Self) -> bool {
        let same_secret = |a: &Option<SecretString>, b: &Option<SecretString>| {
            a.as_ref().map(|s| s.expose_secret().to_owned()) == b.as_ref().map(|s| s.expose_secret().to_owned())
        };
        same_secret(&self.smtp_url, &other.smtp_url)
            && self.from == other.from
            && self.portal_url == other.portal_url
            && self.sms_url == other.sms_url
            && self.sms_account == other.sms_account
            && same_secret(&self.sms_token, &other.sms_token)
            && self.sms_from == other.sms_from
            && self.timeout_seconds == other.timeout_seconds
            && self.reply_delay_seconds == other.reply_delay_seconds
            && self.unread_reminder_hours == other.unread_reminder_hours
    }
}

/// A string, or an integer that an environment variable was read as
/// (`CARETHREAD__NOTIFICATIONS__SMS_ACCOUNT=12345`).
#[derive(Deserialize)]
#[serde(untagged)]
enum TextOrNumber {
    Text(String),
    Number(i64),
}

fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<TextOrNumber>::deserialize(deserializer)?.map(|value| match value {
        TextOrNumber::Text(s) => s,
        TextOrNumber::Number(n) => n.to_string(),
    }))
}

fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SecretString>, D::Error> {
    Ok(text(deserializer)?.map(SecretString::from))
}

/// A phone number read from the environment as an integer lost its `+`
/// (`+15550100199` parses as a number there): put it back.
fn phone<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<TextOrNumber>::deserialize(deserializer)?.map(|value| match value {
        TextOrNumber::Text(s) => s,
        TextOrNumber::Number(n) => format!("+{n}"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_an_environment_variable_turned_into_numbers_are_read_back_as_text() {
        // `CARETHREAD__NOTIFICATIONS__SMS_FROM=+15550100199` reaches the settings as an integer.
        let settings: NotificationSettings =
            toml::from_str("sms_account = 12345\nsms_token = 987654\nsms_from = 15550100199\n").expect("valid");
        assert_eq!(settings.sms_account.as_deref(), Some("12345"));
        assert_eq!(settings.sms_token.as_ref().map(|t| t.expose_secret().to_owned()).as_deref(), Some("987654"));
        assert_eq!(settings.sms_from.as_deref(), Some("+15550100199"));
        assert_eq!(settings.timeout_seconds, NotificationSettings::DEFAULT_TIMEOUT_SECONDS);
    }

    #[test]
    fn secrets_are_neither_printed_nor_serialised() {
        let settings: NotificationSettings = toml::from_str(
            "smtp_url = \"smtps://notices:hunter2@mail.example.org\"\nsms_token = \"tok-secret\"\nfrom = \"noreply@example.org\"\n",
        )
        .expect("valid");
        let debug = format!("{settings:?}");
        assert!(!debug.contains("hunter2") && !debug.contains("tok-secret"), "{debug}");
        let written = toml::to_string(&settings).expect("serialises");
        assert!(!written.contains("hunter2") && !written.contains("tok-secret"), "{written}");
        assert!(written.contains("noreply@example.org"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<NotificationSettings>("smtp_host = \"x\"\n").is_err());
    }
}
