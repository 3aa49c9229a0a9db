//! The clinic's profile, which administrators edit while the clinic runs:
//! opening hours in the clinic's time zone, reply-time targets, the longest
//! message and the line that tells patients a reply was drafted with
//! software. From the hours and targets come each thread's due time, whether
//! the clinic is open now, and when it next opens.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::UserId;
use crate::thread::Urgency;
use crate::user::Language;

/// Longest message a clinic may allow, and shortest.
pub const MESSAGE_MAX_CHARS_RANGE: std::ops::RangeInclusive<usize> = 200..=20_000;

/// What administrators set. Times are the clinic's wall-clock times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClinicProfile {
    /// IANA time zone, e.g. `America/Chicago`.
    pub timezone: String,
    /// Days the clinic answers messages: ISO weekday numbers, 1 = Monday … 7 = Sunday.
    pub open_days: Vec<u8>,
    /// Opening and closing time, `HH:MM`.
    pub opens_at: String,
    pub closes_at: String,
    /// A routine message is answered within this many business days.
    pub routine_reply_days: u32,
    /// An urgent message is answered within this many business hours.
    pub urgent_reply_hours: u32,
    /// An emergency is looked at within this many minutes, open or not.
    pub emergency_reply_minutes: u32,
    /// Longest message body, in characters.
    pub message_max_chars: usize,
    /// The line added to a reply drafted with software; `{name}` becomes the
    /// clinician's name.
    pub disclosure_en: String,
    pub disclosure_es: String,
    /// The line patients call when the clinic is closed (digits, `+`,
    /// spaces and dashes), shown with an emergency that arrives after hours.
    pub after_hours_phone: Option<String>,
    /// Who covers emergencies while the clinic is closed.
    pub on_call: Option<OnCall>,
    /// Who is paged next, in order, when nobody opens an emergency after the
    /// on-call pages (see [`crate::paging`]).
    pub escalation: Vec<UserId>,
    /// Minutes an emergency may stay unopened before it is paged again.
    pub repage_minutes: u32,
    /// How many times on-call is paged again before the next person in the
    /// escalation chain is.
    pub repages_before_escalation: u32,
}

/// Who is on call after hours: one clinician, or a pool whose members share it.
/// Whether the user is active clinical staff, or the pool exists, is checked
/// where users and pools are known (the server, before saving).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnCall {
    User(UserId),
    /// A pool's slug.
    Pool(String),
}

impl OnCall {
    /// The form value: `user:<id>` or `pool:<slug>`.
    #[must_use]
    pub fn to_form_value(&self) -> String {
        match self {
            OnCall::User(id) => format!("user:{id}"),
            OnCall::Pool(slug) => format!("pool:{slug}"),
        }
    }

    /// Reads a form value: `user:<id>`, `pool:<slug>`, or empty for nobody.
    pub fn parse_form_value(raw: &str) -> Result<Option<Self>, DomainError> {
        let bad = || DomainError::invalid("on_call", "must be user:<id>, pool:<slug> or empty");
        match raw.trim() {
            "" => Ok(None),
            raw => match raw.split_once(':') {
                Some(("user", id)) => id.trim().parse().map(|id| Some(OnCall::User(id))).map_err(|_| bad()),
                Some(("pool", slug)) if !slug.trim().is_empty() => {
                    crate::text::single_line("on_call", slug.trim())?;
                    Ok(Some(OnCall::Pool(slug.trim().to_owned())))
                }
                _ => Err(bad()),
            },
        }
    }
}

/// Checks an after-hours phone number: digits, a leading `+`, spaces and
/// dashes; 3 to 20 digits, at most 30 characters.
pub fn check_phone(raw: &str) -> Result<(), DomainError> {
    let bad = || DomainError::invalid("after_hours_phone", "must be a phone number: digits, +, spaces and dashes");
    let s = raw.trim();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let allowed =
        s.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0));
    if !allowed || !(3..=20).contains(&digits) || s.chars().count() > 30 {
        return Err(bad());
    }
    Ok(())
}

impl Default for ClinicProfile {
    fn default() -> Self {
        Self {
            timezone: "America/Chicago".to_owned(),
            open_days: vec![1, 2, 3, 4, 5],
            opens_at: "08:00".to_owned(),
            closes_at: "17:00".to_owned(),
            routine_reply_days: 2,
            urgent_reply_hours: 4,
            emergency_reply_minutes: 60,
            message_max_chars: 5_000,
            disclosure_en: "Drafted with the help of software and reviewed by {name}.".to_owned(),
            disclosure_es: "Redactado con ayuda de software y revisado por {name}.".to_owned(),
            after_hours_phone: None,
            on_call: None,
            escalation: Vec::new(),
            repage_minutes: 10,
            repages_before_escalation: 1,
        }
    }
}

fn parse_time(field: &'static str, raw: &str) -> Result<NaiveTime, DomainError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M").map_err(|_| DomainError::invalid(field, "must be a time as HH:MM"))
}

/// A profile checked and ready for working-time arithmetic.
#[derive(Debug, Clone, PartialEq)]
pub struct ClinicHours {
    tz: Tz,
    open_days: [bool; 7],
    opens: NaiveTime,
    closes: NaiveTime,
}

impl ClinicProfile {
    /// Checks every field, naming the first that is wrong.
    pub fn validate(&self) -> Result<ClinicHours, DomainError> {
        let tz: Tz =
            self.timezone.trim().parse().map_err(|_| DomainError::invalid("timezone", "is not an IANA time zone"))?;
        let mut open_days = [false; 7];
        for &d in &self.open_days {
            if !(1..=7).contains(&d) {
                return Err(DomainError::invalid("open_days", "must be weekday numbers from 1 (Monday) to 7 (Sunday)"));
            }
            open_days[usize::from(d - 1)] = true;
        }
        if !open_days.contains(&true) {
            return Err(DomainError::invalid("open_days", "must name at least one day"));
        }
        let opens = parse_time("opens_at", &self.opens_at)?;
        let closes = parse_time("closes_at", &self.closes_at)?;
        if closes - opens < TimeDelta::hours(1) {
            return Err(DomainError::invalid("closes_at", "must be at least an hour after opens_at"));
        }
        if !(1..=30).contains(&self.routine_reply_days) {
            return Err(DomainError::invalid("routine_reply_days", "must be from 1 to 30"));
        }
        if !(1..=72).contains(&self.urgent_reply_hours) {
            return Err(DomainError::invalid("urgent_reply_hours", "must be from 1 to 72"));
        }
        if !(5..=1440).contains(&self.emergency_reply_minutes) {
            return Err(DomainError::invalid("emergency_reply_minutes", "must be from 5 to 1440"));
        }
        if !MESSAGE_MAX_CHARS_RANGE.contains(&self.message_max_chars) {
            return Err(DomainError::invalid("message_max_chars", "must be from 200 to 20000"));
        }
        for (field, line) in [("disclosure_en", &self.disclosure_en), ("disclosure_es", &self.disclosure_es)] {
            let n = line.trim().chars().count();
            if n == 0 || n > 300 || line.chars().any(char::is_control) {
                return Err(DomainError::invalid(field, "must be one line of 1 to 300 characters"));
            }
            crate::text::single_line(field, line)?;
        }
        if let Some(phone) = &self.after_hours_phone {
            check_phone(phone)?;
        }
        if !(2..=120).contains(&self.repage_minutes) {
            return Err(DomainError::invalid("repage_minutes", "must be from 2 to 120"));
        }
        if self.repages_before_escalation > 5 {
            return Err(DomainError::invalid("repages_before_escalation", "must be from 0 to 5"));
        }
        if self.escalation.len() > 10 {
            return Err(DomainError::invalid("escalation", "may name at most 10 people"));
        }
        Ok(ClinicHours { tz, open_days, opens, closes })
    }

    /// The disclosure line in `language`, naming the clinician.
    #[must_use]
    pub fn disclosure(&self, language: Language, name: &str) -> String {
        let line = match language {
            Language::En => &self.disclosure_en,
            Language::Es => &self.disclosure_es,
        };
        line.trim().replace("{name}", name)
    }
}

impl ClinicHours {
    /// The clinic's time zone, for showing times as its patients live them.
    #[must_use]
    pub const fn timezone(&self) -> Tz {
        self.tz
    }

    /// The clinic's open interval on `date`, in UTC, if it opens that day.
    fn window(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.open_days[date.weekday().num_days_from_monday() as usize] {
            return None;
        }
        let local = |t: NaiveTime| {
            let naive = date.and_time(t);
            // A time skipped by a daylight-saving change is read an hour later.
            self.tz
                .from_local_datetime(&naive)
                .earliest()
                .or_else(|| self.tz.from_local_datetime(&(naive + TimeDelta::hours(1))).earliest())
                .map(|d| d.with_timezone(&Utc))
        };
        Some((local(self.opens)?, local(self.closes)?))
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// Whether the clinic is answering messages at `at`.
    #[must_use]
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.window(self.local_date(at)).is_some_and(|(open, close)| open <= at && at < close)
    }

    /// When the clinic next opens after `at` (`at` itself when open).
    #[must_use]
    pub fn next_open(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let mut date = self.local_date(at);
        for _ in 0..15 {
            if let Some((open, close)) = self.window(date)
                && at < close
            {
                return open.max(at);
            }
            date = date.succ_opt().unwrap_or(date);
        }
        at
    }

    /// `start` plus `work` of open time: the clock stops while the clinic is closed.
    #[must_use]
    pub fn add_working_time(&self, start: DateTime<Utc>, work: TimeDelta) -> DateTime<Utc> {
        let mut left = work;
        let mut date = self.local_date(start);
        // Enough days for the longest target: 72 business hours of one-hour
        // days (the shortest allowed) open one day a week is 504 days.
        for _ in 0..800 {
            if let Some((open, close)) = self.window(date) {
                let from = open.max(start);
                if from < close {
                    let available = close - from;
                    if left <= available {
                        return from + left;
                    }
                    left -= available;
                }
            }
            date = match date.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
        start + work
    }

    /// Length of one open day.
    fn day_length(&self) -> TimeDelta {
        self.closes - self.opens
    }

    /// When a reply is due to a message that arrived at `received` with `urgency`.
    #[must_use]
    pub fn due_at(&self, profile: &ClinicProfile, received: DateTime<Utc>, urgency: Urgency) -> DateTime<Utc> {
        match urgency {
            Urgency::Emergency => received + TimeDelta::minutes(i64::from(profile.emergency_reply_minutes)),
            Urgency::Urgent => self.add_working_time(received, TimeDelta::hours(i64::from(profile.urgent_reply_hours))),
            Urgency::Routine => self.add_working_time(
                received,
                self.day_length() * i32::try_from(profile.routine_reply_days).unwrap_or(30),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).expect("test time")
    }

    fn chicago() -> (ClinicProfile, ClinicHours) {
        let p = ClinicProfile::default();
        let h = p.validate().expect("default profile is valid");
        (p, h)
    }

    #[test]
    fn the_clinic_is_open_on_weekdays_in_its_own_time_zone() {
        let (_, h) = chicago();
        // Monday 2026-11-23, 09:00 in Chicago is 15:00 UTC.
        assert!(h.is_open(utc("2026-11-23T15:00:00Z")));
        // 07:59 Chicago: not yet.
        assert!(!h.is_open(utc("2026-11-23T13:59:00Z")));
        // Saturday.
        assert!(!h.is_open(utc("2026-11-28T16:00:00Z")));
    }

    #[test]
    fn after_hours_the_next_opening_is_the_next_working_morning() {
        let (_, h) = chicago();
        // Friday 2026-11-27 18:00 Chicago → Monday 08:00 Chicago (14:00 UTC).
        assert_eq!(h.next_open(utc("2026-11-28T00:00:00Z")), utc("2026-11-30T14:00:00Z"));
        // During hours it is now.
        assert_eq!(h.next_open(utc("2026-11-23T15:00:00Z")), utc("2026-11-23T15:00:00Z"));
    }

    #[test]
    fn routine_messages_are_due_two_business_days_later() {
        let (p, h) = chicago();
        // Monday 10:00 → Wednesday 10:00.
        assert_eq!(h.due_at(&p, utc("2026-11-23T16:00:00Z"), Urgency::Routine), utc("2026-11-25T16:00:00Z"));
        // Friday evening → the clock starts Monday 08:00 → Tuesday 17:00 (23:00 UTC).
        assert_eq!(h.due_at(&p, utc("2026-11-28T01:00:00Z"), Urgency::Routine), utc("2026-12-01T23:00:00Z"));
    }

    #[test]
    fn urgent_messages_count_business_hours_and_emergencies_count_the_clock() {
        let (p, h) = chicago();
        // Monday 15:00 Chicago + 4 h of work → Tuesday 10:00 Chicago (16:00 UTC).
        assert_eq!(h.due_at(&p, utc("2026-11-23T21:00:00Z"), Urgency::Urgent), utc("2026-11-24T16:00:00Z"));
        // Saturday night emergency: an hour later, closed or not.
        assert_eq!(h.due_at(&p, utc("2026-11-29T03:00:00Z"), Urgency::Emergency), utc("2026-11-29T04:00:00Z"));
    }

    #[test]
    fn the_longest_target_on_the_sparsest_hours_is_still_counted_in_open_time() {
        let p = ClinicProfile {
            open_days: vec![1],
            opens_at: "08:00".into(),
            closes_at: "09:00".into(),
            urgent_reply_hours: 72,
            ..ClinicProfile::default()
        };
        let h = p.validate().expect("valid");
        let start = utc("2026-11-23T14:00:00Z");
        // 72 one-hour Mondays: the last one is 71 weeks after the first.
        assert_eq!((h.due_at(&p, start, Urgency::Urgent) - start).num_weeks(), 71);
    }

    #[test]
    fn daylight_saving_changes_keep_the_wall_clock_hours() {
        let (_, h) = chicago();
        // 2026-03-09 is the Monday after the spring change: 08:00 CDT is 13:00 UTC.
        assert_eq!(h.next_open(utc("2026-03-09T05:00:00Z")), utc("2026-03-09T13:00:00Z"));
    }

    #[test]
    fn bad_profiles_name_the_field() {
        let bad = |f: fn(&mut ClinicProfile)| {
            let mut p = ClinicProfile::default();
            f(&mut p);
            p.validate().map(|_| ()).map_err(|e| e.field())
        };
        assert_eq!(bad(|p| p.timezone = "Mars/Olympus".into()), Err("timezone"));
        assert_eq!(bad(|p| p.open_days = vec![]), Err("open_days"));
        assert_eq!(bad(|p| p.open_days = vec![8]), Err("open_days"));
        assert_eq!(bad(|p| p.opens_at = "9am".into()), Err("opens_at"));
        assert_eq!(bad(|p| p.closes_at = "07:00".into()), Err("closes_at"));
        assert_eq!(bad(|p| p.closes_at = "08:30".into()), Err("closes_at"));
        assert_eq!(bad(|p| p.message_max_chars = 50), Err("message_max_chars"));
        assert_eq!(bad(|p| p.disclosure_es = "a\nb".into()), Err("disclosure_es"));
        assert_eq!(bad(|p| p.after_hours_phone = Some("call 555-0100".into())), Err("after_hours_phone"));
        assert_eq!(bad(|p| p.after_hours_phone = Some("555+0100".into())), Err("after_hours_phone"));
        assert_eq!(bad(|p| p.after_hours_phone = Some("12".into())), Err("after_hours_phone"));
        assert_eq!(bad(|p| p.after_hours_phone = Some("+1 (555) 010-0199".into())), Err("after_hours_phone"));
        assert_eq!(bad(|p| p.after_hours_phone = Some("+1 555-010-0199".into())), Ok(()));
        assert_eq!(bad(|_| {}), Ok(()));
    }

    #[test]
    fn profiles_saved_before_the_after_hours_fields_still_load() {
        let stored = r#"{"timezone":"America/Chicago","open_days":[1,2,3,4,5],"opens_at":"08:00","closes_at":"17:00"}"#;
        let p: ClinicProfile = serde_json::from_str(stored).expect("an old profile loads");
        assert_eq!((p.after_hours_phone, p.on_call), (None, None));
        let with = ClinicProfile { on_call: Some(OnCall::Pool("nurse-triage".into())), ..ClinicProfile::default() };
        let back: ClinicProfile = serde_json::from_str(&serde_json::to_string(&with).expect("json")).expect("loads");
        assert_eq!(back, with);
    }

    #[test]
    fn on_call_form_values_name_a_user_or_a_pool() {
        let id = "0190f1a2-0000-7000-8000-000000000001";
        let user = OnCall::parse_form_value(&format!("user:{id}")).expect("valid");
        assert_eq!(user.as_ref().map(OnCall::to_form_value), Some(format!("user:{id}")));
        assert_eq!(OnCall::parse_form_value("pool:nurse-triage"), Ok(Some(OnCall::Pool("nurse-triage".into()))));
        assert_eq!(OnCall::parse_form_value(" "), Ok(None));
        assert!(OnCall::parse_form_value("user:nobody").is_err());
        assert!(OnCall::parse_form_value("nurse").is_err());
    }

    #[test]
    fn the_disclosure_line_names_the_clinician_in_the_patients_language() {
        let p = ClinicProfile::default();
        assert_eq!(p.disclosure(Language::Es, "Dra. Lee"), "Redactado con ayuda de software y revisado por Dra. Lee.");
    }
}
