//! Configuration: built-in defaults, then a TOML file, then environment
//! variables named `CARETHREAD__SECTION__KEY` (e.g. `CARETHREAD__CLINIC__MESSAGE_MAX_CHARS=8000`).

use std::path::Path;

use anyhow::Context as _;
use carethread_core::clinic::ClinicSettings;
use serde::{Deserialize, Serialize};

/// Everything `carethread serve` can be told.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub clinic: ClinicSettings,
    pub drafting: DraftingConfig,
    pub scanner: ScannerConfig,
    /// E-mail and SMS telling people something is waiting in the portal;
    /// `carethread_notify::Notifier::from_settings` builds the sender.
    pub notifications: carethread_notify::NotificationSettings,
}

/// Virus scanning of every upload by `ClamAV`'s daemon (`clamd`), before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScannerConfig {
    /// `unix:/run/clamav/clamd.ctl` or `tcp:127.0.0.1:3310`. Unset: uploads
    /// are not scanned (the admin page and `/readyz` say so). Set but not
    /// answering: uploads are refused (503) until it answers.
    pub clamd: Option<String>,
    /// Longest a scan may take before the upload is refused.
    pub timeout_seconds: u64,
}

impl Default for ScannerConfig {
    fn default() -> Self {
        Self { clamd: None, timeout_seconds: 30 }
    }
}

/// Which drafter writes reply drafts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DraftingConfig {
    /// `builtin` (the clinic's reply library, offline) or `openai` (an
    /// OpenAI-compatible server: Ollama, vLLM, `llama.cpp`, Azure `OpenAI`).
    pub backend: String,
    /// For `openai`: up to and including `/v1`.
    pub base_url: String,
    pub model: String,
    /// The environment variable holding the API key, if the server needs one.
    pub api_key_env: String,
    pub timeout_seconds: u64,
    pub retries: u32,
}

impl Default for DraftingConfig {
    fn default() -> Self {
        Self {
            backend: "builtin".to_owned(),
            base_url: "http://127.0.0.1:11434/v1".to_owned(),
            model: "llama3.2".to_owned(),
            api_key_env: "CARETHREAD_DRAFTING_API_KEY".to_owned(),
            timeout_seconds: 20,
            retries: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub bind: String,
    /// PEM certificate chain and private key: serve HTTPS (with HSTS and
    /// `Secure` cookies) instead of plain HTTP behind a TLS proxy.
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
    /// A TLS-terminating proxy serves the clients: cookies are `Secure` and
    /// responses carry HSTS, as when serving TLS directly.
    pub behind_tls_proxy: bool,
    /// Proxy addresses whose `X-Forwarded-For` header names the real client.
    pub trusted_proxies: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            tls_cert: None,
            tls_key: None,
            behind_tls_proxy: false,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`.
    pub url: String,
    /// The master key file (64 hex digits, mode 0600). Default: `master.key`
    /// beside a SQLite database, created on first start. PostgreSQL servers
    /// must name a shared file here or set `CARETHREAD_MASTER_KEY`.
    pub master_key_file: Option<String>,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: "sqlite://carethread-data/carethread.db".to_owned(), master_key_file: None }
    }
}

const ENV_PREFIX: &str = "CARETHREAD__";

impl Config {
    /// Loads defaults, then `file` (if given), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the configuration file {}", path.display()))?;
                toml::from_str::<toml::Table>(&text)
                    .with_context(|| format!("parsing the configuration file {}", path.display()))?
            }
            None => toml::Table::new(),
        };
        overlay_env(&mut table, std::env::vars());
        let config: Self =
            toml::Value::Table(table).try_into().context("the configuration has an unknown key or a wrong value")?;
        let months = config.clinic.retention_months;
        if months != 0 && months < carethread_core::clinic::MIN_RETENTION_MONTHS {
            anyhow::bail!(
                "[clinic] retention_months must be 0 (keep everything) or at least {}",
                carethread_core::clinic::MIN_RETENTION_MONTHS
            );
        }
        Ok(config)
    }
}

/// Applies `CARETHREAD__SECTION__KEY=value` variables over the table. Values
/// that read as integers or booleans become those; anything else is text.
fn overlay_env(table: &mut toml::Table, vars: impl Iterator<Item = (String, String)>) {
    for (name, value) in vars {
        let Some(path) = name.strip_prefix(ENV_PREFIX) else { continue };
        let keys: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
        let parsed = value
            .parse::<i64>()
            .map(toml::Value::Integer)
            .or_else(|_| value.parse::<bool>().map(toml::Value::Boolean))
            .unwrap_or(toml::Value::String(value));
        set_path(table, &keys, parsed);
    }
}

fn set_path(table: &mut toml::Table, keys: &[String], value: toml::Value) {
    match keys {
        [] => {}
        [last] => {
            table.insert(last.clone(), value);
        }
        [section, rest @ ..] => {
            let entry = table.entry(section.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(inner) = entry {
                set_path(inner, rest, value);
            }
        }
    }
}

/// A commented example configuration file with every default: each
/// `{section.key}` in [`EXAMPLE`] is the default value, written as TOML.
#[must_use]
pub fn example() -> String {
    let defaults = toml::Table::try_from(Config::default()).unwrap_or_default();
    let mut out = String::with_capacity(EXAMPLE.len());
    let mut rest = EXAMPLE;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let Some((path, after)) = after.split_once('}') else {
            out.push('{');
            rest = after;
            break;
        };
        if let Some(value) = path.split_once('.').and_then(|(section, key)| defaults.get(section)?.get(key)) {
            out.push_str(&value.to_string());
        } else {
            // Not a default: kept as written.
            out.push('{');
            out.push_str(path);
            out.push('}');
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The example configuration file, with `{section.key}` where a default goes.
const EXAMPLE: &str = r#"# CareThread configuration. Every key is optional; shown are the defaults.
# Any key can also be set in the environment: CARETHREAD__SECTION__KEY=value,
# e.g. CARETHREAD__DATABASE__URL=postgres://carethread@db/carethread

[server]
# Address and port to listen on.
bind = {server.bind}
# Serve HTTPS directly (PEM files); otherwise run behind a TLS-terminating proxy.
# tls_cert = "/etc/carethread/cert.pem"
# tls_key = "/etc/carethread/key.pem"
# Behind a TLS-terminating proxy: mark cookies Secure and send HSTS, and take the
# client address (for the audit log and the sign-in limit) from X-Forwarded-For
# when the request comes from one of these proxies.
behind_tls_proxy = false
trusted_proxies = []

[database]
# sqlite://PATH (embedded, one file) or postgres://USER@HOST:PORT/DATABASE (scale-out).
url = {database.url}
# The master key that wraps the data encryption keys (64 hex digits, mode 0600).
# Default: master.key beside a SQLite database, created on first start. With
# PostgreSQL, name a file every server shares, or set CARETHREAD_MASTER_KEY.
# master_key_file = "/etc/carethread/master.key"

[clinic]
# Shown to patients.
name = {clinic.name}
# Longest message, in characters.
message_max_chars = {clinic.message_max_chars}
# Largest attachment, in bytes, and most attachments on one message.
attachment_max_bytes = {clinic.attachment_max_bytes}
attachments_per_message = {clinic.attachments_per_message}
# Sign-in sessions end after this many idle minutes, and this many hours after sign-in.
session_idle_minutes = {clinic.session_idle_minutes}
session_max_hours = {clinic.session_max_hours}
# Second factor (TOTP) at sign-in: staff, admins and auditors; patients and proxies.
mfa_required_for_staff = {clinic.mfa_required_for_staff}
mfa_required_for_patients = {clinic.mfa_required_for_patients}
# After this many failed sign-ins in a row an account is locked, first for
# lockout_base_seconds, doubling with each further failure (at most a day).
lockout_threshold = {clinic.lockout_threshold}
lockout_base_seconds = {clinic.lockout_base_seconds}
# Sign-in attempts one network address may make per minute.
login_attempts_per_minute = {clinic.login_attempts_per_minute}
# Patients this old (inclusive) may keep threads confidential from their proxies.
adolescent_min_age = {clinic.adolescent_min_age}
adolescent_max_age = {clinic.adolescent_max_age}
# Closed conversations last changed more than this many months ago are purged
# by a daily job (messages, files, read receipts; the audit log is kept),
# except for patients under legal hold. 0 keeps everything; else at least 12.
retention_months = {clinic.retention_months}

[drafting]
# "builtin": drafts from the clinic's reply library (offline). "openai": an
# OpenAI-compatible server (Ollama, vLLM, llama.cpp server, Azure OpenAI); its
# drafts pass the same safety and readability checks, and the built-in drafter
# answers whenever it is slow, down or unsafe.
backend = {drafting.backend}
base_url = {drafting.base_url}
model = {drafting.model}
# The environment variable holding the API key, if the server needs one.
api_key_env = {drafting.api_key_env}
timeout_seconds = {drafting.timeout_seconds}
retries = {drafting.retries}

[scanner]
# ClamAV's daemon, which scans every upload before it is stored: a unix socket
# or a TCP address. Unset, files are not scanned. Set but not answering, uploads
# are refused (503) until it answers; nothing is ever stored unscanned.
# clamd = "unix:/run/clamav/clamd.ctl"
# clamd = "tcp:127.0.0.1:3310"
timeout_seconds = {scanner.timeout_seconds}

[notifications]
# E-mail and SMS that tell people something is waiting for them in the portal.
# They carry no health information: the clinic's name and a link, nothing more.
# Left unset, nothing is sent, and whatever would send one reports that.
# The mail server: smtp://HOST:PORT (plain: a relay on this host or network),
# smtp://HOST:587?tls=starttls or smtp+starttls://HOST:587 (STARTTLS, required),
# smtps://HOST:465 (TLS from the start); USER:PASSWORD@ before the host to sign
# in. It holds a password, so prefer CARETHREAD__NOTIFICATIONS__SMTP_URL.
# smtp_url = "smtp+starttls://notices:PASSWORD@mail.example.org:587"
# from = "CareThread <noreply@clinic.example.org>"
# The portal's public address: links in notices start with it.
# portal_url = "https://portal.clinic.example.org"
# SMS through a Twilio-compatible gateway: all four keys, or none. Prefer
# CARETHREAD__NOTIFICATIONS__SMS_TOKEN for the token.
# sms_url = "https://api.twilio.com/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXX/Messages.json"
# sms_account = "ACXXXXXXXXXXXXXXXX"
# sms_token = "…"
# sms_from = "+15550100100"
# Longest a mail server or SMS gateway may take to accept one notice, in seconds.
timeout_seconds = {notifications.timeout_seconds}
# A reply is announced only if still unread this many seconds after it was sent
# (replies in between are announced together).
reply_delay_seconds = {notifications.reply_delay_seconds}
# A reply still unread after this many hours brings one reminder.
unread_reminder_hours = {notifications.unread_reminder_hours}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses_to_the_defaults() {
        let parsed: Config = toml::from_str(&example()).expect("example parses");
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn a_retention_period_under_a_year_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("carethread.toml");
        std::fs::write(&file, "[clinic]\nretention_months = 6\n").expect("write");
        let refused = Config::load(Some(&file)).expect_err("six months is refused");
        assert!(refused.to_string().contains("retention_months"), "{refused}");
        std::fs::write(&file, "[clinic]\nretention_months = 84\n").expect("write");
        assert_eq!(Config::load(Some(&file)).expect("seven years").clinic.retention_months, 84);
        assert_eq!(Config::default().clinic.retention_months, 0, "everything is kept unless the clinic says otherwise");
    }

    #[test]
    fn environment_overrides_file_values() {
        let mut table: toml::Table = toml::from_str("[clinic]\nmessage_max_chars = 100\n").expect("toml");
        let vars = [
            ("CARETHREAD__CLINIC__MESSAGE_MAX_CHARS".to_owned(), "8000".to_owned()),
            ("CARETHREAD__DATABASE__URL".to_owned(), "postgres://db/x".to_owned()),
            ("UNRELATED".to_owned(), "1".to_owned()),
        ];
        overlay_env(&mut table, vars.into_iter());
        let config: Config = toml::Value::Table(table).try_into().expect("valid");
        assert_eq!(config.clinic.message_max_chars, 8000);
        assert_eq!(config.database.url, "postgres://db/x");
    }

    #[test]
    fn the_scanner_address_comes_from_the_environment() {
        let vars = [("CARETHREAD__SCANNER__CLAMD".to_owned(), "tcp:127.0.0.1:3310".to_owned())];
        let mut table = toml::Table::new();
        overlay_env(&mut table, vars.into_iter());
        let config: Config = toml::Value::Table(table).try_into().expect("valid");
        assert_eq!(config.scanner.clamd.as_deref(), Some("tcp:127.0.0.1:3310"));
        assert_eq!(Config::default().scanner.clamd, None, "off unless configured");
    }

    #[test]
    fn notification_settings_come_from_the_environment_and_build_a_notifier() {
        use secrecy::ExposeSecret as _;
        let vars = [
            ("CARETHREAD__NOTIFICATIONS__SMTP_URL".to_owned(), "smtp+starttls://u:pw@mail.example.org:587".to_owned()),
            ("CARETHREAD__NOTIFICATIONS__FROM".to_owned(), "CareThread <noreply@example.org>".to_owned()),
            ("CARETHREAD__NOTIFICATIONS__PORTAL_URL".to_owned(), "https://portal.example.org".to_owned()),
            ("CARETHREAD__NOTIFICATIONS__SMS_URL".to_owned(), "https://sms.example.org/Messages.json".to_owned()),
            ("CARETHREAD__NOTIFICATIONS__SMS_ACCOUNT".to_owned(), "AC123".to_owned()),
            ("CARETHREAD__NOTIFICATIONS__SMS_TOKEN".to_owned(), "424242".to_owned()),
            ("CARETHREAD__NOTIFICATIONS__SMS_FROM".to_owned(), "+15550100100".to_owned()),
        ];
        let mut table = toml::Table::new();
        overlay_env(&mut table, vars.into_iter());
        let config: Config = toml::Value::Table(table).try_into().expect("valid");
        let notifications = &config.notifications;
        assert_eq!(
            notifications.smtp_url.as_ref().map(|u| u.expose_secret().to_owned()).as_deref(),
            Some("smtp+starttls://u:pw@mail.example.org:587")
        );
        assert_eq!(notifications.sms_token.as_ref().map(|t| t.expose_secret().to_owned()).as_deref(), Some("424242"));
        assert_eq!(notifications.sms_from.as_deref(), Some("+15550100100"));
        let notifier = carethread_notify::Notifier::from_settings(notifications).expect("valid settings");
        assert!(notifier.sends_email() && notifier.sends_sms() && notifier.portal().is_some());
        assert!(!format!("{config:?}").contains("pw@"), "the SMTP password stays hidden");
        let defaults = carethread_notify::Notifier::from_settings(&Config::default().notifications).expect("valid");
        assert!(!defaults.sends_email() && !defaults.sends_sms(), "nothing is sent unless configured");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<Config>("[clinic]\nmesage_max_chars = 1\n").is_err());
    }
}
