//! The 7-day e-visit period and calendar arithmetic in the clinic's time
//! zone.
//!
//! A period starts at the clinician's first review and runs for seven
//! calendar days in the clinic's time zone: it ends when the clinic's wall
//! clock first shows the same time of day seven days later. The end is not
//! part of the period; activity at or after it opens a new one.
//!
//! Reviewed Monday 10:00 in Chicago, the period holds everything up to the
//! next Monday 09:59:59 and the next Monday 10:00 starts a new period, even
//! when a daylight-saving change falls between (then the period is 167 or
//! 169 hours long, not 168). When the same time of day does not exist on the
//! seventh day (the hour skipped in spring) the period ends an hour later on
//! the wall clock, at the instant the old offset would have given; when it
//! exists twice (the hour repeated in autumn) it ends at the first.

use chrono::{DateTime, Days, LocalResult, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// Calendar days in an e-visit period.
pub const PERIOD_DAYS: u64 = 7;

/// One e-visit period, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct BillingPeriod {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl BillingPeriod {
    /// The period opened by a first review at `first_review`.
    #[must_use]
    pub fn starting_at(first_review: DateTime<Utc>, tz: Tz) -> Self {
        Self { start: first_review, end: add_local_days(first_review, PERIOD_DAYS, tz) }
    }

    getters! {
        /// The first review.
        start: DateTime<Utc>,
        /// The first instant after the period.
        end: DateTime<Utc>,
    }

    #[must_use]
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }

    /// Whether the period is over at `now`, so its decision is final.
    #[must_use]
    pub fn is_closed_at(&self, now: DateTime<Utc>) -> bool {
        now >= self.end
    }

    /// The date of service: the clinic's calendar date of the first review.
    #[must_use]
    pub fn service_date(&self, tz: Tz) -> NaiveDate {
        self.start.with_timezone(&tz).date_naive()
    }
}

/// The instant the clinic's wall clock shows the time of day of `at`,
/// `days` calendar days later (see the module notes for skipped and
/// repeated hours).
#[must_use]
pub fn add_local_days(at: DateTime<Utc>, days: u64, tz: Tz) -> DateTime<Utc> {
    let local = at.with_timezone(&tz).naive_local();
    local.checked_add_days(Days::new(days)).map_or(DateTime::<Utc>::MAX_UTC, |naive| resolve(naive, tz))
}

/// The instant the clinic's wall clock showed the time of day of `at`,
/// `days` calendar days earlier.
#[must_use]
pub fn sub_local_days(at: DateTime<Utc>, days: u64, tz: Tz) -> DateTime<Utc> {
    let local = at.with_timezone(&tz).naive_local();
    local.checked_sub_days(Days::new(days)).map_or(DateTime::<Utc>::MIN_UTC, |naive| resolve(naive, tz))
}

fn resolve(naive: chrono::NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        // Skipped by a spring change (never more than an hour in the zones
        // clinics use): the same instant the offset before the change gives.
        LocalResult::None => tz
            .from_local_datetime(&(naive + TimeDelta::hours(1)))
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&naive), |t| t.with_timezone(&Utc)),
    }
}

/// Splits sorted review instants into periods: the first review opens a
/// period, reviews inside it belong to it, and the first review at or after
/// its end opens the next. Returns the periods in order.
#[must_use]
pub fn periods_for_reviews(reviews: &[DateTime<Utc>], tz: Tz) -> Vec<BillingPeriod> {
    let mut sorted = reviews.to_vec();
    sorted.sort_unstable();
    let mut periods: Vec<BillingPeriod> = Vec::new();
    for review in sorted {
        if periods.last().is_none_or(|p| review >= p.end) {
            periods.push(BillingPeriod::starting_at(review, tz));
        }
    }
    periods
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::Chicago;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).expect("test time")
    }

    #[test]
    fn six_days_and_23_59_later_is_inside_and_seven_days_later_starts_a_new_period() {
        // Monday 2026-11-16 10:00 CST.
        let p = BillingPeriod::starting_at(utc("2026-11-16T10:00:00-06:00"), Chicago);
        assert!(p.contains(utc("2026-11-16T10:00:00-06:00")));
        assert!(p.contains(utc("2026-11-23T09:59:00-06:00")));
        assert!(p.contains(utc("2026-11-23T09:59:59-06:00")));
        assert!(!p.contains(utc("2026-11-23T10:00:00-06:00")));
        assert_eq!(p.end(), utc("2026-11-23T10:00:00-06:00"));
        let periods = periods_for_reviews(
            &[utc("2026-11-23T09:59:00-06:00"), utc("2026-11-16T10:00:00-06:00"), utc("2026-11-23T10:00:00-06:00")],
            Chicago,
        );
        assert_eq!(periods.len(), 2);
        assert_eq!(periods[1].start(), utc("2026-11-23T10:00:00-06:00"));
    }

    #[test]
    fn a_period_across_the_spring_change_is_seven_calendar_days_not_168_hours() {
        // Sunday 2026-03-01 10:00 CST; clocks go forward on Sunday 2026-03-08.
        let p = BillingPeriod::starting_at(utc("2026-03-01T10:00:00-06:00"), Chicago);
        assert_eq!(p.end(), utc("2026-03-08T10:00:00-05:00"));
        assert_eq!((p.end() - p.start()).num_hours(), 167);
        // 10:30 CDT on the 8th is 15:30 UTC: within 168 hours, but a new period.
        assert!(!p.contains(utc("2026-03-08T15:30:00Z")));
        assert!(p.contains(utc("2026-03-08T09:59:00-05:00")));
    }

    #[test]
    fn a_period_across_the_autumn_change_is_seven_calendar_days_not_168_hours() {
        // Saturday 2026-10-31 10:00 CDT; clocks go back on Sunday 2026-11-01.
        let p = BillingPeriod::starting_at(utc("2026-10-31T10:00:00-05:00"), Chicago);
        assert_eq!(p.end(), utc("2026-11-07T10:00:00-06:00"));
        assert_eq!((p.end() - p.start()).num_hours(), 169);
        // 09:30 CST on the 7th is 15:30 UTC: past 168 hours, still this period.
        assert!(p.contains(utc("2026-11-07T15:30:00Z")));
    }

    #[test]
    fn a_time_of_day_skipped_or_repeated_on_the_seventh_day_resolves_once() {
        // 02:30 does not exist on 2026-03-08 in Chicago.
        let spring = BillingPeriod::starting_at(utc("2026-03-01T02:30:00-06:00"), Chicago);
        assert_eq!(spring.end(), utc("2026-03-08T03:30:00-05:00"));
        // 01:30 happens twice on 2026-11-01: the first (CDT) ends the period.
        let autumn = BillingPeriod::starting_at(utc("2026-10-25T01:30:00-05:00"), Chicago);
        assert_eq!(autumn.end(), utc("2026-11-01T01:30:00-05:00"));
    }

    #[test]
    fn the_service_date_is_the_clinics_calendar_date() {
        // 23:30 in Chicago is already the next day in UTC.
        let p = BillingPeriod::starting_at(utc("2026-11-16T23:30:00-06:00"), Chicago);
        assert_eq!(p.service_date(Chicago), NaiveDate::from_ymd_opt(2026, 11, 16).expect("date"));
        assert_eq!(sub_local_days(p.start(), 7, Chicago), utc("2026-11-09T23:30:00-06:00"));
        assert!(!p.is_closed_at(utc("2026-11-23T23:29:00-06:00")));
        assert!(p.is_closed_at(utc("2026-11-23T23:30:00-06:00")));
    }
}
