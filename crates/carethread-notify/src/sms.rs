//! SMS through a Twilio-compatible gateway: an HTTP form POST of `To`,
//! `From` and `Body` with basic authentication (account and token).

use std::time::Duration;

use async_trait::async_trait;
use carethread_core::contact::PhoneNumber;
use reqwest::{StatusCode, Url, redirect};
use secrecy::{ExposeSecret as _, SecretString};

use crate::notice::Notice;
use crate::{Deliver, DeliveryError, Recipient, SettingsError, templates};

/// What the gateway needs.
#[derive(Debug, Clone)]
pub struct SmsSettings {
    /// The gateway's message endpoint (`https://…/Messages.json`).
    pub url: String,
    /// Basic-authentication user (Twilio: the account SID).
    pub account: String,
    /// Basic-authentication password (Twilio: the auth token).
    pub token: SecretString,
    /// The sending number.
    pub from: PhoneNumber,
}

/// Sends notices as SMS, one request each.
#[derive(Clone)]
pub struct SmsDelivery {
    client: reqwest::Client,
    url: Url,
    account: String,
    token: SecretString,
    from: PhoneNumber,
}

impl std::fmt::Debug for SmsDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsDelivery").finish_non_exhaustive()
    }
}

impl SmsDelivery {
    /// A delivery through the gateway; each request may take `timeout`.
    pub fn new(settings: SmsSettings, timeout: Duration) -> Result<Self, SettingsError> {
        let url = Url::parse(settings.url.trim()).map_err(|_| SettingsError::SmsUrl)?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(SettingsError::SmsUrl);
        }
        // A redirect would turn the POST into a GET (or resend the token
        // elsewhere): the gateway's URL must be the final one.
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(redirect::Policy::none())
            .build()
            .map_err(|_| SettingsError::HttpClient)?;
        Ok(Self { client, url, account: settings.account, token: settings.token, from: settings.from })
    }
}

#[async_trait]
impl Deliver for SmsDelivery {
    async fn deliver(&self, to: &Recipient, notice: &Notice) -> Result<(), DeliveryError> {
        let Recipient::Sms(number) = to else { return Err(DeliveryError::NotConfigured("email")) };
        let text = templates::word(notice).text;
        let form = [("To", number.as_str()), ("From", self.from.as_str()), ("Body", text.as_str())];
        let response = self
            .client
            .post(self.url.clone())
            .basic_auth(&self.account, Some(self.token.expose_secret()))
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                let what = if e.is_timeout() { "did not answer in time" } else { "could not be reached" };
                DeliveryError::Transient(format!("the SMS gateway {what}"))
            })?;
        classify(response.status())
    }
}

/// 2xx delivered; 429 and 5xx retry later; any other answer gives up.
fn classify(status: StatusCode) -> Result<(), DeliveryError> {
    let code = status.as_u16();
    if status.is_success() {
        Ok(())
    } else if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        Err(DeliveryError::Transient(format!("the SMS gateway answered {code}")))
    } else {
        Err(DeliveryError::Permanent(format!("the SMS gateway refused the message ({code})")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_answers_sort_into_delivered_retry_and_give_up() {
        assert_eq!(classify(StatusCode::CREATED), Ok(()));
        assert!(classify(StatusCode::SERVICE_UNAVAILABLE).expect_err("5xx").is_transient());
        assert!(classify(StatusCode::TOO_MANY_REQUESTS).expect_err("429").is_transient());
        for status in [StatusCode::BAD_REQUEST, StatusCode::UNAUTHORIZED, StatusCode::FOUND] {
            assert!(matches!(classify(status), Err(DeliveryError::Permanent(_))), "{status}");
        }
    }

    #[test]
    fn the_gateway_address_must_be_http() {
        let settings = |url: &str| SmsSettings {
            url: url.to_owned(),
            account: "AC1".into(),
            token: SecretString::from("t"),
            from: PhoneNumber::parse("+15550100100").expect("valid"),
        };
        let timeout = Duration::from_secs(5);
        assert!(SmsDelivery::new(settings("https://sms.example.org/Messages.json"), timeout).is_ok());
        for bad in ["", "sms.example.org", "ftp://sms.example.org"] {
            assert_eq!(SmsDelivery::new(settings(bad), timeout).err(), Some(SettingsError::SmsUrl), "{bad}");
        }
    }
}
