//! How each person wants to be told that something is waiting for them:
//! an e-mail address, a mobile number, the channel (e-mail, text message or
//! none), quiet hours and the language of notices. Everyone sets their own;
//! an administrator may set anyone's, audited with the administrator as the
//! actor. And the unsubscribe link at the foot of every notice to a patient
//! or proxy, which turns notices off without signing in.
//!
//! Addresses and numbers identify a person: they are never logged, and no
//! refusal repeats them.

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::contact::{EmailAddress, NotifyChannel, PhoneNumber, QuietHours};
use carethread_core::ids::UserId;
use carethread_core::policy::{Decision, decide_contact_preferences};
use carethread_core::user::Language;
use carethread_store::ContactPreferences;
use chrono::{NaiveTime, Utc};

use crate::{App, AppError, AppResult, Caller};

/// How a person is notified, as text: typed in a form or sent as JSON (every
/// field raw, an empty or missing one meaning "none", and the account's
/// language for `language`), and shown back the same way. Parsed in one
/// place, [`parse`], whatever the interface. Addresses are the person's
/// alone: shown to them, never logged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    serde(deny_unknown_fields),
    schema(
        as = Notifications,
        description = "How a person is notified, all at once (what a change leaves out is cleared). Addresses are theirs alone: shown to them, never logged."
    )
)]
pub struct PreferencesText {
    /// An e-mail address; required when `channel` is `email`.
    pub email: Option<String>,
    /// A mobile number with its country code (`+1 555 010 0199`; shown as `+`
    /// and digits); required when `channel` is `sms`.
    pub phone: Option<String>,
    /// `email`, `sms` or `none` (no notices: look in the portal).
    pub channel: String,
    /// Start of the quiet hours, `HH:MM` (24-hour clock, the clinic's time
    /// zone); with `quiet_end`, or neither.
    pub quiet_start: Option<String>,
    /// End of the quiet hours, `HH:MM`; may be earlier than the start (over
    /// midnight). Notices held back go out then.
    pub quiet_end: Option<String>,
    /// `en` or `es`: the language of notices; `null` for the account's language.
    pub language: Option<String>,
}

impl From<&ContactPreferences> for PreferencesText {
    fn from(p: &ContactPreferences) -> Self {
        let hhmm = |t: NaiveTime| t.format("%H:%M").to_string();
        Self {
            email: p.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: p.phone.as_ref().map(|n| n.as_str().to_owned()),
            channel: p.channel.as_str().to_owned(),
            quiet_start: p.quiet_hours.map(|q| hhmm(q.start)),
            quiet_end: p.quiet_hours.map(|q| hhmm(q.end)),
            language: p.language.map(|l| l.as_str().to_owned()),
        }
    }
}

/// A field's text, trimmed, when something was typed in it.
fn given(raw: Option<&String>) -> Option<&str> {
    raw.map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// A time of day as a browser's time input sends it (`HH:MM`, or with seconds).
fn time_of_day(field: &'static str, raw: &str) -> AppResult<NaiveTime> {
    NaiveTime::parse_from_str(raw, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M:%S"))
        .map_err(|_| AppError::invalid(field, "must be a time of day as HH:MM (24-hour clock)"))
}

/// Parses typed preferences: each value by the core type that defines it,
/// then the rules that tie them together (text messages need a number,
/// e-mails an address, quiet hours a start and an end that differ).
pub fn parse(input: &PreferencesText) -> AppResult<ContactPreferences> {
    let email = given(input.email.as_ref()).map(EmailAddress::parse).transpose()?;
    let phone = given(input.phone.as_ref()).map(PhoneNumber::parse).transpose()?;
    let channel: NotifyChannel =
        input.channel.trim().parse().map_err(|_| AppError::invalid("channel", "must be one of: email sms none"))?;
    let quiet_hours = match (given(input.quiet_start.as_ref()), given(input.quiet_end.as_ref())) {
        (None, None) => None,
        (Some(_), None) => return Err(AppError::invalid("quiet_end", "is required when quiet hours start")),
        (None, Some(_)) => return Err(AppError::invalid("quiet_start", "is required when quiet hours end")),
        (Some(start), Some(end)) => {
            let (start, end) = (time_of_day("quiet_start", start)?, time_of_day("quiet_end", end)?);
            if start == end {
                return Err(AppError::invalid(
                    "quiet_end",
                    "must differ from the start (leave both empty for no quiet hours)",
                ));
            }
            Some(QuietHours { start, end })
        }
    };
    let language = given(input.language.as_ref()).map(Language::parse).transpose()?;
    match channel {
        NotifyChannel::Sms if phone.is_none() => {
            return Err(AppError::invalid("phone", "is required to be notified by text message"));
        }
        NotifyChannel::Email if email.is_none() => {
            return Err(AppError::invalid("email", "is required to be notified by e-mail"));
        }
        _ => {}
    }
    Ok(ContactPreferences { email, phone, channel, quiet_hours, language })
}

/// What the audit log says of a change: the channel, whether quiet hours
/// and which language, never an address or number.
fn described(preferences: &ContactPreferences) -> String {
    let language = preferences.language.map_or("account", Language::as_str);
    let quiet = if preferences.quiet_hours.is_some() { "set" } else { "none" };
    format!("channel {}, quiet hours {quiet}, language {language}", preferences.channel)
}

/// Asks the policy whether the caller may see and change `person`'s
/// preferences, and that the person exists.
async fn allowed(app: &App, caller: &Caller, person: UserId) -> AppResult<()> {
    if decide_contact_preferences(caller.actor(), person) != Decision::Allow {
        return Err(AppError::NotFound);
    }
    if person != caller.user.id && app.store.user(person).await?.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// `person`'s preferences (the defaults when they never set any).
pub async fn preferences(app: &App, caller: &Caller, person: UserId) -> AppResult<ContactPreferences> {
    allowed(app, caller, person).await?;
    Ok(app.store.contact_preferences(person).await?.unwrap_or_default())
}

/// Replaces `person`'s preferences with `input`, audited with the caller as
/// the actor; answers what was saved. Nothing is written when any field is
/// refused.
pub async fn set_preferences(
    app: &App,
    caller: &Caller,
    person: UserId,
    input: &PreferencesText,
) -> AppResult<ContactPreferences> {
    allowed(app, caller, person).await?;
    let preferences = parse(input)?;
    let audit = caller.audit(AuditAction::ContactChange).detail(described(&preferences));
    app.store.set_contact_preferences(person, &preferences, &audit).await?;
    tracing::info!(user.id = %person, channel = %preferences.channel, "notice preferences changed");
    Ok(preferences)
}

/// Whether `raw` could be an unsubscribe token at all (what notices carry:
/// 16 to 128 URL-safe characters); anything else is not looked up.
fn token_shaped(raw: &str) -> bool {
    (16..=128).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b))
}

/// The language notices reach `person` in: the one they chose for notices,
/// else their account's.
async fn notice_language(app: &App, person: UserId) -> AppResult<Language> {
    let chosen = app.store.contact_preferences(person).await?.and_then(|p| p.language);
    match chosen {
        Some(language) => Ok(language),
        None => Ok(app.store.user(person).await?.map(|u| u.language).unwrap_or_default()),
    }
}

/// The page an unsubscribe link opens: the language to ask in, when the
/// token is someone's; [`AppError::NotFound`] otherwise, saying nothing of
/// whose it might be. Changes nothing (mail scanners open links).
pub async fn unsubscribe_prompt(app: &App, token: &str) -> AppResult<Language> {
    if !token_shaped(token) {
        return Err(AppError::NotFound);
    }
    let person = app.store.unsubscribe_holder(token).await?.ok_or(AppError::NotFound)?;
    notice_language(app, person).await
}

/// Turns notices off for whoever holds `token`, audited with no actor and
/// the person as the target; answers the language to say so in.
/// [`AppError::NotFound`] when no one holds it. Saying yes twice is harmless.
pub async fn unsubscribe(app: &App, token: &str, client: Option<String>) -> AppResult<Language> {
    if !token_shaped(token) {
        return Err(AppError::NotFound);
    }
    let now = Utc::now();
    let audit = AuditEvent::new(AuditAction::Unsubscribe, None, now).client(client);
    let person = app.store.unsubscribe(token, now, audit).await?.ok_or(AppError::NotFound)?;
    tracing::info!(user.id = %person, "notices turned off from an unsubscribe link");
    notice_language(app, person).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(channel: &str) -> PreferencesText {
        PreferencesText { channel: channel.to_owned(), ..PreferencesText::default() }
    }

    fn refused_field(input: &PreferencesText) -> String {
        match parse(input) {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn email_with_quiet_hours_and_spanish_is_parsed_into_core_types() {
        let typed = PreferencesText {
            email: Some(" ana@Example.ORG ".into()),
            phone: Some(String::new()),
            quiet_start: Some("22:00".into()),
            quiet_end: Some("07:00:00".into()),
            language: Some("es".into()),
            ..input("email")
        };
        let parsed = parse(&typed).expect("valid");
        assert_eq!(parsed.email.as_ref().map(EmailAddress::as_str), Some("ana@example.org"));
        assert_eq!(parsed.phone, None);
        assert_eq!(parsed.channel, NotifyChannel::Email);
        let quiet = parsed.quiet_hours.expect("quiet hours");
        assert_eq!((quiet.start.to_string(), quiet.end.to_string()), ("22:00:00".into(), "07:00:00".into()));
        assert_eq!(parsed.language, Some(Language::Es));
    }

    #[test]
    fn text_messages_without_a_number_are_refused_on_the_phone_field() {
        assert_eq!(refused_field(&input("sms")), "phone");
        let with_number = PreferencesText { phone: Some("+1 555 010 0199".into()), ..input("sms") };
        assert_eq!(
            parse(&with_number).expect("valid").phone.map(|p| p.as_str().to_owned()),
            Some("+15550100199".into())
        );
    }

    #[test]
    fn each_bad_value_is_refused_on_its_own_field_without_repeating_it() {
        let cases = [
            (PreferencesText { email: Some("ana@".into()), ..input("email") }, "email"),
            (PreferencesText { phone: Some("555 0199".into()), ..input("none") }, "phone"),
            (input("pager"), "channel"),
            (input("email"), "email"),
            (
                PreferencesText { quiet_start: Some("25:00".into()), quiet_end: Some("07:00".into()), ..input("none") },
                "quiet_start",
            ),
            (PreferencesText { quiet_start: Some("22:00".into()), ..input("none") }, "quiet_end"),
            (PreferencesText { quiet_end: Some("07:00".into()), ..input("none") }, "quiet_start"),
            (
                PreferencesText { quiet_start: Some("07:00".into()), quiet_end: Some("07:00".into()), ..input("none") },
                "quiet_end",
            ),
            (PreferencesText { language: Some("fr".into()), ..input("none") }, "language"),
        ];
        for (typed, field) in cases {
            assert_eq!(refused_field(&typed), field, "{typed:?}");
            if let Err(err) = parse(&typed) {
                assert!(!err.to_string().contains("ana@") && !err.to_string().contains("555 0199"), "{err}");
            }
        }
    }

    #[test]
    fn no_notices_needs_no_address_and_blank_fields_mean_none() {
        let blank = PreferencesText {
            email: Some("  ".into()),
            phone: Some(String::new()),
            quiet_start: Some(String::new()),
            quiet_end: Some(String::new()),
            language: Some(String::new()),
            ..input("none")
        };
        let parsed = parse(&blank).expect("valid");
        assert_eq!(parsed, ContactPreferences { channel: NotifyChannel::None, ..ContactPreferences::default() });
    }

    #[test]
    fn the_audit_detail_names_no_address() {
        let typed = PreferencesText {
            email: Some("ana@example.org".into()),
            phone: Some("+15550100199".into()),
            quiet_start: Some("22:00".into()),
            quiet_end: Some("07:00".into()),
            ..input("sms")
        };
        let detail = described(&parse(&typed).expect("valid"));
        assert_eq!(detail, "channel sms, quiet hours set, language account");
    }

    #[test]
    fn only_token_shaped_text_is_looked_up() {
        assert!(token_shaped(&"a1".repeat(24)));
        assert!(!token_shaped("short"));
        assert!(!token_shaped(&format!("{}/..", "a".repeat(20))));
        assert!(!token_shaped(&"a".repeat(129)));
    }
}
