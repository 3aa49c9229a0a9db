//! The clinic's calendar in SQL both databases run: a UTC time (epoch
//! milliseconds) put on the clinic's wall clock with the offsets in force
//! (a `CASE` over the few daylight-saving changes in the range), then its
//! local day, weekday and time of day by integer arithmetic, whether the
//! clinic was open, and the clinic's working clock (open milliseconds since
//! the epoch), whose differences are the open time between two instants.
//!
//! Every value written into the SQL here is an integer this module computed
//! from a [`LocalClock`], never text from a request.

use std::fmt::Write as _;

use crate::LocalClock;

pub(super) const DAY_MS: i64 = 86_400_000;

/// The SQL for one clinic's calendar.
pub(super) struct Calendar<'a>(pub(super) &'a LocalClock);

impl Calendar<'_> {
    /// `utc` (an epoch-milliseconds expression) on the clinic's wall clock.
    pub(super) fn local(&self, utc: &str) -> String {
        let offsets = &self.0.offsets;
        let Some((_, last)) = offsets.last() else {
            return format!("({utc})");
        };
        if offsets.len() == 1 {
            return format!("(({utc}) + {})", i64::from(*last) * 1000);
        }
        let mut sql = format!("(({utc}) + CASE");
        for (i, (_, offset)) in offsets.iter().enumerate().take(offsets.len() - 1) {
            let next = offsets[i + 1].0.timestamp_millis();
            let _ = write!(sql, " WHEN ({utc}) < {next} THEN {}", i64::from(*offset) * 1000);
        }
        let _ = write!(sql, " ELSE {} END)", i64::from(*last) * 1000);
        sql
    }

    /// The local day number of a local-time expression.
    pub(super) fn day(local: &str) -> String {
        format!("({local} / {DAY_MS})")
    }

    /// The day number of the Monday starting the week of a local-time expression.
    pub(super) fn monday(local: &str) -> String {
        format!("({} - {})", Self::day(local), Self::weekday(local))
    }

    /// ISO weekday index (0 = Monday): 1970-01-01 was a Thursday.
    fn weekday(local: &str) -> String {
        format!("(({local} / {DAY_MS} + 3) % 7)")
    }

    fn time_of_day(local: &str) -> String {
        format!("({local} % {DAY_MS})")
    }

    fn open_weekdays(&self) -> String {
        let days: Vec<String> = (0..7).filter(|&i| self.0.open_days[i]).map(|i| i.to_string()).collect::<Vec<_>>();
        if days.is_empty() { "-1".to_owned() } else { days.join(", ") }
    }

    /// `1` when the clinic was closed at a local time, else `0`.
    pub(super) fn after_hours(&self, local: &str) -> String {
        let (opens, closes) = (self.0.opens_ms, self.0.closes_ms);
        let tod = Self::time_of_day(local);
        format!(
            "CASE WHEN {} IN ({}) AND {tod} >= {opens} AND {tod} < {closes} THEN 0 ELSE 1 END",
            Self::weekday(local),
            self.open_weekdays()
        )
    }

    /// Open milliseconds from the epoch's first Monday to a local time: open
    /// days before its day times the open day's length, plus the open part
    /// of its own day so far.
    pub(super) fn working(&self, local: &str) -> String {
        let (opens, closes) = (self.0.opens_ms, self.0.closes_ms);
        let length = closes - opens;
        let per_week = self.0.open_days.iter().filter(|&&d| d).count();
        let mut before = String::from("CASE ");
        let mut count = 0;
        for (i, open) in self.0.open_days.iter().enumerate() {
            let _ = write!(before, "WHEN {} = {i} THEN {count} ", Self::weekday(local));
            count += usize::from(*open);
        }
        before.push_str("ELSE 0 END");
        let tod = Self::time_of_day(local);
        format!(
            "((({local} / {DAY_MS} + 3) / 7 * {per_week} + {before}) * {length} + \
             CASE WHEN {weekday} IN ({days}) THEN \
             CASE WHEN {tod} <= {opens} THEN 0 WHEN {tod} >= {closes} THEN {length} ELSE {tod} - {opens} END \
             ELSE 0 END)",
            weekday = Self::weekday(local),
            days = self.open_weekdays(),
        )
    }
}
