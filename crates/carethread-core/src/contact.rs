//! How a person can be reached outside CareThread: an e-mail address or a
//! mobile number, which of the two they prefer, and the hours they asked
//! not to be disturbed.
//!
//! Addresses and numbers identify a person: they are stored encrypted and
//! never written to logs or error messages. Errors here name the field and
//! never repeat the value.
//!
//! Pure: the current time is passed in.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone as _, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::DomainError;

/// An e-mail address: `local@domain`, ASCII, at most 254 characters, the
/// part before `@` at most 64. The domain is lowercased (domains are case
/// insensitive); the local part is kept as typed, since a mail server may
/// tell `Ann` from `ann`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Longest address (RFC 5321's limit on a path, less the angle brackets).
    pub const MAX_LEN: usize = 254;
    /// Longest part before the `@`.
    pub const MAX_LOCAL_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let invalid = |reason: &str| DomainError::invalid("email", reason.to_owned());
        let s = raw.trim();
        if s.is_empty() || s.len() > Self::MAX_LEN {
            return Err(invalid("must be 1 to 254 characters"));
        }
        if !s.is_ascii() {
            return Err(invalid("must be written in ASCII letters, digits and punctuation"));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(invalid("must look like name@example.org"));
        };
        if !is_local_part(local) {
            return Err(invalid("the part before '@' is not a valid mailbox name"));
        }
        let domain = domain.to_ascii_lowercase();
        if !is_domain(&domain) {
            return Err(invalid("the part after '@' is not a valid domain name"));
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<EmailAddress> for String {
    fn from(address: EmailAddress) -> Self {
        address.0
    }
}

/// The unquoted "dot-atom" of RFC 5322: printable characters without
/// specials, dots only between other characters. Quoted local parts are
/// legal but so rare in real mailboxes that refusing them catches typos.
fn is_local_part(local: &str) -> bool {
    const SPECIALS_ALLOWED: &[u8] = b"!#$%&'*+/=?^_`{|}~-.";
    (1..=EmailAddress::MAX_LOCAL_LEN).contains(&local.len())
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || SPECIALS_ALLOWED.contains(&b))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

/// A host name with at least two labels of letters, digits and inner
/// hyphens (1–63 each), and a top-level label that is not all digits (which
/// would be an IP address, not a mail domain).
fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels.last().is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()))
}

/// A mobile number in E.164 form: `+`, then 8 to 15 digits, the first not 0.
/// Spaces and dashes are accepted as typed and removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let compact: String = raw.trim().chars().filter(|c| *c != ' ' && *c != '-').collect();
        let digits = compact.strip_prefix('+').ok_or_else(|| {
            DomainError::invalid("phone", "must start with + and the country code, e.g. +1 555 010 0199")
        })?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') || !(8..=15).contains(&digits.len()) {
            return Err(DomainError::invalid(
                "phone",
                "must be + then 8 to 15 digits (spaces and dashes allowed), starting with the country code",
            ));
        }
        Ok(Self(compact))
    }

    /// The number as `+` and digits, as SMS gateways want it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<PhoneNumber> for String {
    fn from(number: PhoneNumber) -> Self {
        number.0
    }
}

/// How a person wants to hear that something is waiting for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyChannel {
    Email,
    Sms,
    /// Not at all: they look in the portal themselves.
    None,
}

impl NotifyChannel {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            NotifyChannel::Email => "email",
            NotifyChannel::Sms => "sms",
            NotifyChannel::None => "none",
        }
    }
}

impl fmt::Display for NotifyChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NotifyChannel {
    type Err = DomainError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "email" => Ok(NotifyChannel::Email),
            "sms" => Ok(NotifyChannel::Sms),
            "none" => Ok(NotifyChannel::None),
            _ => Err(DomainError::invalid("notify_channel", "must be \"email\", \"sms\" or \"none\"")),
        }
    }
}

/// Hours, in the person's own time zone, during which they asked not to be
/// notified: from `start` (inclusive) to `end` (exclusive). A span may cross
/// midnight (22:00–07:00). `start == end` means no quiet hours at all.
///
/// Emergency pages to on-call staff are not held back by quiet hours; the
/// caller decides which notices honour them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    /// Whether `local` (a wall-clock time in the person's zone) is quiet.
    #[must_use]
    pub fn contains(&self, local: NaiveTime) -> bool {
        if self.start <= self.end {
            self.start <= local && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }

    /// When a notice may go out if it is ready at `now`: `now` itself, or the
    /// end of the quiet hours `now` falls in. Where the end falls in a
    /// daylight-saving gap, the first minute after the gap; where it occurs
    /// twice, the first occurrence not before `now`.
    #[must_use]
    pub fn next_allowed(&self, timezone: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
        let local = now.with_timezone(&timezone).naive_local();
        if !self.contains(local.time()) {
            return now;
        }
        // Quiet hours crossing midnight, entered before midnight, end tomorrow.
        let ends_tomorrow = self.start > self.end && local.time() >= self.start;
        let day = if ends_tomorrow { local.date().succ_opt().unwrap_or(local.date()) } else { local.date() };
        end_instant(timezone, day, self.end, now)
    }
}

/// The first instant at or after `now` whose wall-clock time in `timezone`
/// is `day` at `time`, moving past a daylight-saving gap minute by minute.
fn end_instant(timezone: Tz, day: NaiveDate, time: NaiveTime, now: DateTime<Utc>) -> DateTime<Utc> {
    let mut naive = day.and_time(time);
    // Gaps last at most a few hours; a day's worth of minutes is a safe bound.
    for _ in 0..24 * 60 {
        let result = timezone.from_local_datetime(&naive);
        let candidates = [result.earliest(), result.latest()];
        if let Some(at) = candidates.into_iter().flatten().map(|t| t.with_timezone(&Utc)).find(|t| *t >= now) {
            return at;
        }
        if result.earliest().is_some() {
            // The time exists but lies before `now`: nothing later will be
            // closer to the end of the quiet hours than `now` itself.
            return now;
        }
        naive += TimeDelta::minutes(1);
    }
    now
}

/// When a notice ready at `now` may be sent to someone with these quiet
/// hours (none: at once), living in `timezone`.
#[must_use]
pub fn may_send_at(quiet_hours: Option<&QuietHours>, timezone: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    quiet_hours.map_or(now, |quiet| quiet.next_allowed(timezone, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
    }

    fn utc(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).expect("valid instant").with_timezone(&Utc)
    }

    const NIGHT: QuietHours = QuietHours {
        start: NaiveTime::from_hms_opt(22, 0, 0).expect("valid"),
        end: NaiveTime::from_hms_opt(7, 0, 0).expect("valid"),
    };

    #[test]
    fn email_domain_is_lowercased_and_local_part_kept() {
        let email = EmailAddress::parse("  Ann.Lee+care@Example.ORG ").expect("valid");
        assert_eq!(email.as_str(), "Ann.Lee+care@example.org");
    }

    #[test]
    fn malformed_email_addresses_are_refused_without_echoing_them() {
        let long_local = format!("{}@example.org", "a".repeat(65));
        let long_total = format!("a@{}.org", "b".repeat(250));
        for raw in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "ann@@example.org",
            "ann lee@example.org",
            ".ann@example.org",
            "ann.@example.org",
            "an..n@example.org",
            "ann@-example.org",
            "ann@example-.org",
            "ann@example..org",
            "ann@127.0.0.1",
            "añn@example.org",
            "ann@exa_mple.org",
            long_local.as_str(),
            long_total.as_str(),
        ] {
            let err = EmailAddress::parse(raw).expect_err(raw);
            assert_eq!(err.field(), "email", "{raw}");
            assert!(raw.is_empty() || !err.reason().contains(raw), "{raw} echoed");
        }
    }

    #[test]
    fn email_addresses_round_trip_through_serde_and_are_checked_on_the_way_in() {
        let email = EmailAddress::parse("ann@example.org").expect("valid");
        let json = serde_json::to_string(&email).expect("serialises");
        assert_eq!(json, "\"ann@example.org\"");
        assert_eq!(serde_json::from_str::<EmailAddress>(&json).expect("parses"), email);
        assert!(serde_json::from_str::<EmailAddress>("\"not an address\"").is_err());
    }

    #[test]
    fn phone_numbers_are_normalised_to_e164() {
        assert_eq!(PhoneNumber::parse("+1 555-010-0199").expect("valid").as_str(), "+15550100199");
        assert_eq!(PhoneNumber::parse(" +34 600 000 000 ").expect("valid").as_str(), "+34600000000");
        assert_eq!(PhoneNumber::parse("+12345678").expect("8 digits").as_str(), "+12345678");
        assert_eq!(PhoneNumber::parse("+123456789012345").expect("15 digits").as_str(), "+123456789012345");
    }

    #[test]
    fn phone_numbers_without_country_code_or_with_other_characters_are_refused() {
        for raw in [
            "",
            "555 010 0199",
            "+1234567",
            "+1234567890123456",
            "+0 555 010 0199",
            "+1 (555) 010-0199",
            "+1.555.010.0199",
            "+1 555 O10 0199",
            "++15550100199",
        ] {
            let err = PhoneNumber::parse(raw).expect_err(raw);
            assert_eq!(err.field(), "phone", "{raw}");
        }
    }

    #[test]
    fn notify_channel_reads_back_what_it_writes() {
        for channel in [NotifyChannel::Email, NotifyChannel::Sms, NotifyChannel::None] {
            assert_eq!(channel.as_str().parse::<NotifyChannel>(), Ok(channel));
            assert_eq!(serde_json::to_string(&channel).expect("serialises"), format!("\"{}\"", channel.as_str()));
        }
        assert_eq!("pager".parse::<NotifyChannel>().map_err(|e| e.field()), Err("notify_channel"));
    }

    #[test]
    fn quiet_hours_within_one_day_include_start_and_exclude_end() {
        let lunch = QuietHours { start: time(12, 0), end: time(13, 0) };
        assert!(!lunch.contains(time(11, 59)));
        assert!(lunch.contains(time(12, 0)));
        assert!(lunch.contains(time(12, 59)));
        assert!(!lunch.contains(time(13, 0)));
    }

    #[test]
    fn quiet_hours_over_midnight_cover_both_sides() {
        assert!(NIGHT.contains(time(22, 0)));
        assert!(NIGHT.contains(time(23, 59)));
        assert!(NIGHT.contains(time(0, 0)));
        assert!(NIGHT.contains(time(6, 59)));
        assert!(!NIGHT.contains(time(7, 0)));
        assert!(!NIGHT.contains(time(12, 0)));
        assert!(!NIGHT.contains(time(21, 59)));
    }

    #[test]
    fn equal_start_and_end_mean_no_quiet_hours() {
        let never = QuietHours { start: time(9, 0), end: time(9, 0) };
        assert!(!never.contains(time(9, 0)));
        let now = utc("2026-03-10T14:00:00Z");
        assert_eq!(never.next_allowed(Tz::UTC, now), now);
    }

    #[test]
    fn outside_quiet_hours_a_notice_goes_now() {
        let now = utc("2026-06-10T15:00:00Z"); // 11:00 in New York
        assert_eq!(may_send_at(Some(&NIGHT), Tz::America__New_York, now), now);
        assert_eq!(may_send_at(None, Tz::America__New_York, now), now);
    }

    #[test]
    fn before_midnight_a_notice_waits_for_tomorrow_morning_local_time() {
        let now = utc("2026-06-11T03:30:00Z"); // 23:30 on 10 June in New York (EDT)
        assert_eq!(may_send_at(Some(&NIGHT), Tz::America__New_York, now), utc("2026-06-11T11:00:00Z"));
    }

    #[test]
    fn after_midnight_a_notice_waits_for_the_same_morning() {
        let now = utc("2026-06-11T06:00:00Z"); // 02:00 on 11 June in New York
        assert_eq!(may_send_at(Some(&NIGHT), Tz::America__New_York, now), utc("2026-06-11T11:00:00Z"));
    }

    #[test]
    fn quiet_hours_ending_in_a_daylight_saving_gap_end_just_after_it() {
        // 8 March 2026: New York clocks jump from 02:00 to 03:00.
        let quiet = QuietHours { start: time(1, 0), end: time(2, 30) };
        let now = utc("2026-03-08T06:30:00Z"); // 01:30 EST
        assert_eq!(quiet.next_allowed(Tz::America__New_York, now), utc("2026-03-08T07:00:00Z")); // 03:00 EDT
    }

    #[test]
    fn quiet_hours_ending_in_a_repeated_hour_end_at_the_first_occurrence_not_yet_past() {
        // 1 November 2026: New York clocks fall back from 02:00 EDT to 01:00 EST.
        let quiet = QuietHours { start: time(0, 0), end: time(1, 30) };
        let first_pass = utc("2026-11-01T05:10:00Z"); // 01:10 EDT
        assert_eq!(quiet.next_allowed(Tz::America__New_York, first_pass), utc("2026-11-01T05:30:00Z"));
        let second_pass = utc("2026-11-01T06:10:00Z"); // 01:10 EST
        assert_eq!(quiet.next_allowed(Tz::America__New_York, second_pass), utc("2026-11-01T06:30:00Z"));
    }

    #[test]
    fn a_notice_is_never_scheduled_before_it_is_ready() {
        let quiet = QuietHours { start: time(21, 0), end: time(8, 0) };
        let start = utc("2026-01-01T00:00:00Z");
        for step in 0..(24 * 4 * 400) {
            let now = start + TimeDelta::minutes(15 * step);
            for tz in [Tz::America__New_York, Tz::Europe__Madrid, Tz::Australia__Lord_Howe] {
                let at = quiet.next_allowed(tz, now);
                assert!(at >= now && at - now <= TimeDelta::hours(12), "{now} {tz}");
                assert!(!quiet.contains(at.with_timezone(&tz).time()), "{now} {tz}: {at} still quiet");
            }
        }
    }
}
