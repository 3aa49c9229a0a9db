//! E-mail over SMTP: plain (a relay on the same host or network), STARTTLS,
//! or TLS from the first byte, with an optional sign-in.

use std::time::Duration;

use async_trait::async_trait;
use carethread_core::contact::EmailAddress;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use reqwest::Url;
use secrecy::{ExposeSecret as _, SecretString};

use crate::notice::Notice;
use crate::{Deliver, DeliveryError, Recipient, SettingsError, templates};

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// No encryption: only for a relay on the same host or a trusted network.
    Plain,
    /// Plain connection upgraded with STARTTLS; refused if the server cannot.
    StartTls,
    /// TLS from the first byte (`smtps`, port 465).
    Tls,
}

/// Where and how to reach the mail server, read from `smtp_url`.
#[derive(Debug)]
struct SmtpEndpoint {
    host: String,
    port: u16,
    security: SmtpSecurity,
    credentials: Option<(String, SecretString)>,
}

/// Reads `smtp_url`. Errors never repeat it: it may hold a password.
fn parse_smtp_url(raw: &str) -> Result<SmtpEndpoint, SettingsError> {
    let url = Url::parse(raw.trim()).map_err(|_| SettingsError::SmtpUrl)?;
    let mut tls = None;
    for (key, value) in url.query_pairs() {
        if key != "tls" || tls.is_some() {
            return Err(SettingsError::SmtpUrl);
        }
        tls = Some(value.into_owned());
    }
    let (security, default_port) = match (url.scheme(), tls.as_deref()) {
        ("smtp", None | Some("none")) => (SmtpSecurity::Plain, 25),
        ("smtp", Some("starttls" | "required")) | ("smtp+starttls", None) => (SmtpSecurity::StartTls, 587),
        ("smtps", None) => (SmtpSecurity::Tls, 465),
        _ => return Err(SettingsError::SmtpUrl),
    };
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or(SettingsError::SmtpUrl)?;
    // An IPv6 literal comes back in brackets; the socket address wants it bare.
    let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
        return Err(SettingsError::SmtpUrl);
    }
    let credentials = match (url.username(), url.password()) {
        ("", None) => None,
        (user, Some(password)) if !user.is_empty() => {
            let user = percent_decode(user).ok_or(SettingsError::SmtpUrl)?;
            let password = percent_decode(password).ok_or(SettingsError::SmtpUrl)?;
            Some((user, SecretString::from(password)))
        }
        _ => return Err(SettingsError::SmtpUrl),
    };
    Ok(SmtpEndpoint { host, port: url.port().unwrap_or(default_port), security, credentials })
}

/// `%40` → `@` and so on, for the user and password in a URL.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Sends notices as plain-text e-mail through one SMTP server.
#[derive(Clone)]
pub struct SmtpDelivery {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    security: SmtpSecurity,
}

impl std::fmt::Debug for SmtpDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpDelivery").field("security", &self.security).finish_non_exhaustive()
    }
}

impl SmtpDelivery {
    /// A delivery through the server at `smtp_url`, sending as `from`
    /// (`CareThread <noreply@example.org>`). Each notice opens its own
    /// connection, which waits at most `timeout` for each step.
    pub fn new(smtp_url: &SecretString, from: &str, timeout: Duration) -> Result<Self, SettingsError> {
        let endpoint = parse_smtp_url(smtp_url.expose_secret())?;
        let from: Mailbox = from.trim().parse().map_err(|_| SettingsError::From)?;
        let tls = |host: &str| TlsParameters::new(host.to_owned()).map_err(|_| SettingsError::SmtpUrl);
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(endpoint.host.clone())
            .port(endpoint.port)
            .timeout(Some(timeout))
            .tls(match endpoint.security {
                SmtpSecurity::Plain => Tls::None,
                SmtpSecurity::StartTls => Tls::Required(tls(&endpoint.host)?),
                SmtpSecurity::Tls => Tls::Wrapper(tls(&endpoint.host)?),
            });
        if let Some((user, password)) = endpoint.credentials {
            builder = builder.credentials(Credentials::new(user, password.expose_secret().to_owned()));
        }
        Ok(Self { transport: builder.build(), from, security: endpoint.security })
    }

    /// How the connection is protected, for the start-up log.
    #[must_use]
    pub const fn security(&self) -> SmtpSecurity {
        self.security
    }

    /// The e-mail for `notice`, addressed to `to`.
    fn message(&self, to: &EmailAddress, notice: &Notice) -> Result<Message, DeliveryError> {
        let address: Address =
            to.as_str().parse().map_err(|_| DeliveryError::Permanent("the recipient address was refused".into()))?;
        let worded = templates::word(notice);
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, address))
            .subject(worded.subject.clone())
            .message_id(None)
            .header(AutoSubmitted);
        if let Some(link) = notice.unsubscribe() {
            builder = builder.header(ListUnsubscribe(link.as_str().to_owned()));
        }
        // One text/plain part, UTF-8, with MIME-Version and the encoding
        // (quoted-printable or base64) lettre finds shortest.
        builder
            .singlepart(SinglePart::plain(worded.email_body(notice)))
            .map_err(|_| DeliveryError::Permanent("the e-mail could not be composed".into()))
    }
}

#[async_trait]
impl Deliver for SmtpDelivery {
    async fn deliver(&self, to: &Recipient, notice: &Notice) -> Result<(), DeliveryError> {
        let Recipient::Email(address) = to else { return Err(DeliveryError::NotConfigured("sms")) };
        let message = self.message(address, notice)?;
        self.transport.send(message).await.map(drop).map_err(|e| classify(&e))
    }
}

/// Sorts a failure into retry-later and give-up, in words that repeat
/// nothing the server said (a refusal often quotes the address).
fn classify(error: &lettre::transport::smtp::Error) -> DeliveryError {
    let code = error.status().map(|c| c.to_string());
    if error.is_permanent() {
        let code = code.unwrap_or_default();
        // A refused sign-in is the server's configuration, not this notice:
        // retry, so the notices go out once the credentials are put right.
        if matches!(code.as_str(), "530" | "534" | "535" | "538") {
            return DeliveryError::Transient(format!("the mail server refused the sign-in ({code})"));
        }
        return DeliveryError::Permanent(format!("the mail server refused the message ({code})"));
    }
    if error.is_transient() {
        return DeliveryError::Transient(format!(
            "the mail server deferred the message ({})",
            code.unwrap_or_default()
        ));
    }
    if error.is_timeout() {
        return DeliveryError::Transient("the mail server did not answer in time".into());
    }
    if error.is_tls() {
        return DeliveryError::Transient("the TLS connection to the mail server failed".into());
    }
    if error.is_client() {
        return DeliveryError::Permanent("the mail client could not send this message".into());
    }
    DeliveryError::Transient("the mail server could not be reached".into())
}

/// `List-Unsubscribe: <https://…>` (RFC 2369): mail programs show an
/// unsubscribe button that opens the link.
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim().trim_start_matches('<').trim_end_matches('>').to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): out-of-office replies and
/// other automatic answers are not sent back to a notice.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(raw: &str) -> SmtpEndpoint {
        parse_smtp_url(raw).expect(raw)
    }

    #[test]
    fn the_scheme_and_tls_parameter_choose_the_protection_and_default_port() {
        let cases = [
            ("smtp://127.0.0.1:2525", SmtpSecurity::Plain, 2525),
            ("smtp://relay.example.org", SmtpSecurity::Plain, 25),
            ("smtp://mail.example.org?tls=starttls", SmtpSecurity::StartTls, 587),
            ("smtp://mail.example.org:2587?tls=required", SmtpSecurity::StartTls, 2587),
            ("smtp+starttls://mail.example.org", SmtpSecurity::StartTls, 587),
            ("smtps://mail.example.org", SmtpSecurity::Tls, 465),
            ("smtps://mail.example.org:4650/", SmtpSecurity::Tls, 4650),
        ];
        for (raw, security, port) in cases {
            let found = endpoint(raw);
            assert_eq!((found.security, found.port), (security, port), "{raw}");
            assert!(found.credentials.is_none(), "{raw}");
        }
        assert_eq!(endpoint("smtp://[::1]:2525").host, "::1");
    }

    #[test]
    fn credentials_in_the_url_are_decoded() {
        let found = endpoint("smtps://notices%40example.org:p%40ss%3Aword@mail.example.org");
        let (user, password) = found.credentials.expect("credentials");
        assert_eq!(user, "notices@example.org");
        assert_eq!(password.expose_secret(), "p@ss:word");
    }

    #[test]
    fn unknown_schemes_and_parameters_are_refused() {
        for raw in [
            "",
            "mail.example.org:25",
            "http://mail.example.org",
            "smtp://mail.example.org?tls=maybe",
            "smtp://mail.example.org?tls=starttls&tls=none",
            "smtp://mail.example.org?timeout=3",
            "smtps://mail.example.org?tls=starttls",
            "smtp://user@mail.example.org",
            "smtp://mail.example.org/path",
        ] {
            assert!(parse_smtp_url(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn the_sender_must_be_a_mailbox() {
        let url = SecretString::from("smtp://127.0.0.1:2525");
        let timeout = Duration::from_secs(5);
        assert!(SmtpDelivery::new(&url, "CareThread <noreply@example.org>", timeout).is_ok());
        assert!(SmtpDelivery::new(&url, "noreply@example.org", timeout).is_ok());
        assert_eq!(SmtpDelivery::new(&url, "CareThread", timeout).err(), Some(SettingsError::From));
    }

    #[test]
    fn a_bad_url_error_does_not_repeat_the_password() {
        let url = SecretString::from("smtq://user:hunter2@mail.example.org");
        let err = SmtpDelivery::new(&url, "noreply@example.org", Duration::from_secs(5)).expect_err("bad scheme");
        assert!(!err.to_string().contains("hunter2"));
        assert!(!format!("{err:?}").contains("hunter2"));
    }
}
