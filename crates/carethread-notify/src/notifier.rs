//! One entry point for sending: routes each recipient to the e-mail or the
//! SMS delivery, whichever is configured.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use carethread_core::contact::PhoneNumber;
use secrecy::SecretString;

use crate::notice::{Notice, PortalUrl};
use crate::settings::NotificationSettings;
use crate::sms::{SmsDelivery, SmsSettings};
use crate::smtp::SmtpDelivery;
use crate::{Deliver, DeliveryError, Recipient, SettingsError};

/// Holds the configured deliveries. With none configured every notice fails
/// with [`DeliveryError::NotConfigured`], so callers can say so (on the
/// admin page, say) instead of pretending it went.
#[derive(Clone, Default)]
pub struct Notifier {
    email: Option<Arc<dyn Deliver>>,
    sms: Option<Arc<dyn Deliver>>,
    portal: Option<PortalUrl>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("email", &self.email.is_some())
            .field("sms", &self.sms.is_some())
            .field("portal", &self.portal)
            .finish()
    }
}

impl Notifier {
    /// A notifier over any deliveries (real ones, or a test's recorder).
    #[must_use]
    pub fn new(email: Option<Arc<dyn Deliver>>, sms: Option<Arc<dyn Deliver>>) -> Self {
        Self { email, sms, portal: None }
    }

    /// The deliveries `settings` describe; a section left empty configures
    /// nothing, which is not an error. The portal address, when set, is
    /// checked here too and kept for building links ([`Notifier::portal`]).
    pub fn from_settings(settings: &NotificationSettings) -> Result<Self, SettingsError> {
        let timeout = Duration::from_secs(settings.timeout_seconds.max(1));
        let email = match &settings.smtp_url {
            Some(url) => {
                let from = settings.from.as_deref().ok_or(SettingsError::From)?;
                Some(Arc::new(SmtpDelivery::new(url, from, timeout)?) as Arc<dyn Deliver>)
            }
            None => None,
        };
        let sms = match sms_settings(settings)? {
            Some(sms) => Some(Arc::new(SmsDelivery::new(sms, timeout)?) as Arc<dyn Deliver>),
            None => None,
        };
        let portal = settings.portal_url.as_deref().map(PortalUrl::parse).transpose()?;
        Ok(Self { email, sms, portal })
    }

    /// Whether e-mail can be sent.
    #[must_use]
    pub fn sends_email(&self) -> bool {
        self.email.is_some()
    }

    /// Whether SMS can be sent.
    #[must_use]
    pub fn sends_sms(&self) -> bool {
        self.sms.is_some()
    }

    /// The portal's address from the settings, for the links in notices.
    #[must_use]
    pub fn portal(&self) -> Option<&PortalUrl> {
        self.portal.as_ref()
    }
}

/// The four `sms_*` keys, all or none.
fn sms_settings(settings: &NotificationSettings) -> Result<Option<SmsSettings>, SettingsError> {
    let NotificationSettings { sms_url, sms_account, sms_token, sms_from, .. } = settings;
    match (sms_url, sms_account, sms_token, sms_from) {
        (None, None, None, None) => Ok(None),
        (Some(url), Some(account), Some(token), Some(from)) => Ok(Some(SmsSettings {
            url: url.clone(),
            account: account.clone(),
            token: SecretString::clone(token),
            from: PhoneNumber::parse(from).map_err(|_| SettingsError::SmsFrom)?,
        })),
        _ => Err(SettingsError::SmsIncomplete),
    }
}

#[async_trait]
impl Deliver for Notifier {
    async fn deliver(&self, to: &Recipient, notice: &Notice) -> Result<(), DeliveryError> {
        let delivery = match to {
            Recipient::Email(_) => &self.email,
            Recipient::Sms(_) => &self.sms,
        };
        let Some(delivery) = delivery else { return Err(DeliveryError::NotConfigured(to.channel())) };
        let result = delivery.deliver(to, notice).await;
        match &result {
            Ok(()) => tracing::debug!(channel = to.channel(), kind = notice.kind().as_str(), "notification sent"),
            Err(error) => {
                tracing::debug!(channel = to.channel(), kind = notice.kind().as_str(), %error, "notification not sent");
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use carethread_core::clinic::ClinicSettings;
    use carethread_core::contact::EmailAddress;
    use carethread_core::user::Language;

    use super::*;
    use crate::notice::{ClinicName, LinkPath, NoticeKind};

    fn notice() -> Notice {
        let clinic = ClinicName::from_settings(&ClinicSettings::default()).expect("valid name");
        let portal = PortalUrl::parse("https://portal.example.org").expect("valid");
        Notice::new(NoticeKind::NewMessage, clinic, portal.link(LinkPath::Inbox), Language::En)
    }

    fn sms_settings() -> NotificationSettings {
        NotificationSettings {
            sms_url: Some("https://sms.example.org/Messages.json".into()),
            sms_account: Some("AC1".into()),
            sms_token: Some(SecretString::from("token")),
            sms_from: Some("+1 555 010 0100".into()),
            ..NotificationSettings::default()
        }
    }

    #[tokio::test]
    async fn with_nothing_configured_every_notice_reports_not_configured() {
        let notifier = Notifier::from_settings(&NotificationSettings::default()).expect("empty is valid");
        assert!(!notifier.sends_email() && !notifier.sends_sms() && notifier.portal().is_none());
        let email = Recipient::Email(EmailAddress::parse("ann@example.org").expect("valid"));
        let sms = Recipient::Sms(PhoneNumber::parse("+15550100199").expect("valid"));
        assert_eq!(notifier.deliver(&email, &notice()).await, Err(DeliveryError::NotConfigured("email")));
        assert_eq!(notifier.deliver(&sms, &notice()).await, Err(DeliveryError::NotConfigured("sms")));
    }

    #[test]
    fn sms_is_configured_by_all_four_keys_or_none() {
        let notifier = Notifier::from_settings(&sms_settings()).expect("complete");
        assert!(notifier.sends_sms() && !notifier.sends_email());
        let partial = NotificationSettings { sms_token: None, ..sms_settings() };
        assert_eq!(Notifier::from_settings(&partial).err(), Some(SettingsError::SmsIncomplete));
        let bad_from = NotificationSettings { sms_from: Some("555 0100".into()), ..sms_settings() };
        assert_eq!(Notifier::from_settings(&bad_from).err(), Some(SettingsError::SmsFrom));
    }

    #[test]
    fn email_needs_a_sender_and_the_portal_address_is_checked() {
        let no_from =
            NotificationSettings { smtp_url: Some(SecretString::from("smtp://127.0.0.1:25")), ..Default::default() };
        assert_eq!(Notifier::from_settings(&no_from).err(), Some(SettingsError::From));
        let email = NotificationSettings {
            from: Some("CareThread <noreply@example.org>".into()),
            portal_url: Some("https://portal.example.org".into()),
            ..no_from
        };
        let notifier = Notifier::from_settings(&email).expect("valid");
        assert!(notifier.sends_email() && notifier.portal().is_some());
        let bad_portal = NotificationSettings { portal_url: Some("portal".into()), ..Default::default() };
        assert_eq!(Notifier::from_settings(&bad_portal).err(), Some(SettingsError::PortalUrl));
    }
}
