//! What a patient is told about a reply: a time someone is staffed to keep,
//! or, for an emergency while nobody reads messages, that messages are not
//! read now and what to do instead. And what the care team is told about an
//! emergency that arrived after hours: whether whoever is on call has seen it.
//!
//! Pure: the current time is passed in.

use chrono::{DateTime, TimeDelta, Utc};

use crate::ids::UserId;
use crate::profile::{ClinicHours, ClinicProfile, OnCall};
use crate::thread::Urgency;

/// What the patient is promised about a message that arrived at `received`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyPromise {
    /// A reply by this time. The clock runs only while the clinic is open,
    /// so someone is staffed to keep it.
    ReplyBy(DateTime<Utc>),
    /// Nobody reads messages now: no reply time, only what to do instead.
    NotReadNow(AfterHoursGuidance),
}

/// What an emergency after hours tells the patient to do instead of waiting:
/// 911 for danger now, 988 for suicidal thoughts, the clinic's after-hours
/// line when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfterHoursGuidance {
    /// The clinic's after-hours line, as the clinic wrote it.
    pub after_hours_phone: Option<String>,
    /// When the clinic next opens and messages are read again.
    pub next_open: DateTime<Utc>,
}

/// The number to call for danger now.
pub const EMERGENCY_NUMBER: &str = "911";
/// The Suicide & Crisis Lifeline, by call or text.
pub const CRISIS_NUMBER: &str = "988";

/// Decides what the patient is promised about a message of `urgency` that
/// arrived at `received`, seen at `now`.
///
/// - An emergency while the clinic is closed: no reply time, the guidance.
/// - An emergency while it is open: the emergency target counted in open
///   time (an emergency from the night is due that long after opening; one
///   just before closing is due the next open morning, never after closing).
/// - Urgent and routine: their targets, counted in open time.
#[must_use]
pub fn reply_promise(
    profile: &ClinicProfile,
    hours: &ClinicHours,
    urgency: Urgency,
    received: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ReplyPromise {
    match urgency {
        Urgency::Emergency if !hours.is_open(now) => ReplyPromise::NotReadNow(AfterHoursGuidance {
            after_hours_phone: profile.after_hours_phone.clone(),
            next_open: hours.next_open(now),
        }),
        Urgency::Emergency => ReplyPromise::ReplyBy(
            hours.add_working_time(received, TimeDelta::minutes(i64::from(profile.emergency_reply_minutes))),
        ),
        Urgency::Urgent | Urgency::Routine => ReplyPromise::ReplyBy(hours.due_at(profile, received, urgency)),
    }
}

/// The `tel:` address of a phone number as written (`+1 555-010-0199` →
/// `tel:+15550100199`).
#[must_use]
pub fn tel_href(number: &str) -> String {
    let dialled: String = number.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    format!("tel:{dialled}")
}

/// Whether an emergency that arrived at `arrived` came while the clinic was
/// closed, so that the on-call clinician (not the office) had to see it.
#[must_use]
pub fn arrived_after_hours(hours: &ClinicHours, urgency: Urgency, arrived: DateTime<Utc>) -> bool {
    urgency == Urgency::Emergency && !hours.is_open(arrived)
}

/// Whether on-call has seen an emergency that arrived after hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnCallStatus {
    /// Nobody on call (or no on-call set) has opened the thread yet.
    NotSeen,
    /// Opened by this on-call person at this time.
    Seen { by: UserId, at: DateTime<Utc> },
}

/// The people who count as on call: the named clinician, or the members of
/// the named pool (`pool_members` are the members of `on_call`'s pool).
#[must_use]
pub fn on_call_people(on_call: Option<&OnCall>, pool_members: &[UserId]) -> Vec<UserId> {
    match on_call {
        Some(OnCall::User(id)) => vec![*id],
        Some(OnCall::Pool(_)) => pool_members.to_vec(),
        None => Vec::new(),
    }
}

/// On-call status from the first time someone on call opened the thread at
/// or after the emergency arrived (`first_open`, read from the store).
#[must_use]
pub fn on_call_status(arrived: DateTime<Utc>, first_open: Option<(UserId, DateTime<Utc>)>) -> OnCallStatus {
    match first_open {
        Some((by, at)) if at >= arrived => OnCallStatus::Seen { by, at },
        _ => OnCallStatus::NotSeen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).expect("test time")
    }

    fn chicago() -> (ClinicProfile, ClinicHours) {
        let p = ClinicProfile { after_hours_phone: Some("+1 555-010-0199".into()), ..ClinicProfile::default() };
        let h = p.validate().expect("valid profile");
        (p, h)
    }

    #[test]
    fn an_emergency_at_3_42_on_a_sunday_promises_no_reply_time() {
        let (p, h) = chicago();
        // Sunday 2026-11-29 03:42 in Chicago is 09:42 UTC.
        let at = utc("2026-11-29T09:42:00Z");
        let promise = reply_promise(&p, &h, Urgency::Emergency, at, at);
        assert_eq!(
            promise,
            ReplyPromise::NotReadNow(AfterHoursGuidance {
                after_hours_phone: Some("+1 555-010-0199".into()),
                // Monday 08:00 Chicago.
                next_open: utc("2026-11-30T14:00:00Z"),
            })
        );
        // Still closed an hour later, when the old promise would have come due.
        assert!(matches!(
            reply_promise(&p, &h, Urgency::Emergency, at, at + TimeDelta::hours(1)),
            ReplyPromise::NotReadNow(_)
        ));
    }

    #[test]
    fn an_emergency_on_a_weekday_while_open_promises_the_emergency_target() {
        let (p, h) = chicago();
        // Monday 10:00 Chicago.
        let at = utc("2026-11-23T16:00:00Z");
        assert_eq!(
            reply_promise(&p, &h, Urgency::Emergency, at, at),
            ReplyPromise::ReplyBy(utc("2026-11-23T17:00:00Z"))
        );
    }

    #[test]
    fn a_night_emergency_seen_after_opening_is_due_an_hour_after_opening() {
        let (p, h) = chicago();
        let sunday_night = utc("2026-11-29T09:42:00Z");
        let monday_nine = utc("2026-11-30T15:00:00Z");
        assert_eq!(
            reply_promise(&p, &h, Urgency::Emergency, sunday_night, monday_nine),
            ReplyPromise::ReplyBy(utc("2026-11-30T15:00:00Z"))
        );
    }

    #[test]
    fn an_emergency_just_before_closing_is_never_promised_after_closing() {
        let (p, h) = chicago();
        // Monday 16:30 Chicago: an hour later the office is closed.
        let at = utc("2026-11-23T22:30:00Z");
        let ReplyPromise::ReplyBy(by) = reply_promise(&p, &h, Urgency::Emergency, at, at) else {
            panic!("open now: a reply time");
        };
        assert!(h.is_open(by - TimeDelta::minutes(1)), "due inside open hours: {by}");
        assert_eq!(by, utc("2026-11-24T14:30:00Z"));
    }

    #[test]
    fn routine_and_urgent_after_hours_are_counted_in_open_time() {
        let (p, h) = chicago();
        let sunday_night = utc("2026-11-29T09:42:00Z");
        for urgency in [Urgency::Routine, Urgency::Urgent] {
            let ReplyPromise::ReplyBy(by) = reply_promise(&p, &h, urgency, sunday_night, sunday_night) else {
                panic!("{urgency:?} always has a reply time");
            };
            assert!(h.is_open(by - TimeDelta::minutes(1)), "{urgency:?} due while someone is staffed: {by}");
        }
        // Urgent: Monday 08:00 + 4 business hours.
        assert_eq!(
            reply_promise(&p, &h, Urgency::Urgent, sunday_night, sunday_night),
            ReplyPromise::ReplyBy(utc("2026-11-30T18:00:00Z"))
        );
    }

    #[test]
    fn phone_numbers_become_tel_links() {
        assert_eq!(tel_href("+1 555-010-0199"), "tel:+15550100199");
        assert_eq!(tel_href(CRISIS_NUMBER), "tel:988");
    }

    #[test]
    fn on_call_has_seen_it_only_after_it_arrived() {
        let (_, h) = chicago();
        let arrived = utc("2026-11-29T09:42:00Z");
        assert!(arrived_after_hours(&h, Urgency::Emergency, arrived));
        assert!(!arrived_after_hours(&h, Urgency::Routine, arrived));
        assert!(!arrived_after_hours(&h, Urgency::Emergency, utc("2026-11-23T16:00:00Z")));
        let nurse = UserId::from_uuid(Uuid::nil());
        assert_eq!(on_call_status(arrived, None), OnCallStatus::NotSeen);
        assert_eq!(on_call_status(arrived, Some((nurse, arrived - TimeDelta::hours(1)))), OnCallStatus::NotSeen);
        let seen = arrived + TimeDelta::minutes(9);
        assert_eq!(on_call_status(arrived, Some((nurse, seen))), OnCallStatus::Seen { by: nurse, at: seen });
    }

    #[test]
    fn on_call_people_are_the_clinician_or_the_pool() {
        let (a, b) = (UserId::from_uuid(Uuid::nil()), UserId::from_uuid(Uuid::max()));
        assert_eq!(on_call_people(Some(&OnCall::User(a)), &[b]), vec![a]);
        assert_eq!(on_call_people(Some(&OnCall::Pool("nurse-triage".into())), &[a, b]), vec![a, b]);
        assert!(on_call_people(None, &[a]).is_empty());
    }
}
