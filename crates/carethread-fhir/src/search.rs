//! `Communication` search parameters: read from the query string into a
//! checked search, and written back as the canonical query of the `self`
//! and `next` links.
//!
//! Supported: `subject` (`Patient/{id}`), `part-of` (a thread id, or with
//! `:identifier` the thread's `system|id`), `sent` (prefixes `eq`, `ge`,
//! `gt`, `le`, `lt`; a date or a date-time with a time zone; repeatable),
//! `_count` (1–100), `_cursor` (from a `next` link) and `_format=json`.
//! Anything else is refused, naming the parameter.

use carethread_core::ids::{MessageId, ThreadId, UserId};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use carethread_core::thread::{Category, Urgency};

use crate::task::urgency_of_priority;
use crate::{CATEGORY_SYSTEM, THREAD_ID_SYSTEM, instant};

/// A search parameter that cannot be answered: which one, and why (never
/// its value, which could be anything a client sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// A parameter's value cannot be read, or the parameter is not supported.
    #[error("{param}: {reason}")]
    Invalid { param: String, reason: String },
}

pub(crate) fn invalid(param: &str, reason: &str) -> SearchError {
    SearchError::Invalid { param: param.to_owned(), reason: reason.to_owned() }
}

/// A parameter's value, trimmed; a name with no value is refused.
pub(crate) fn given<'a>(name: &str, raw: &'a str) -> Result<&'a str, SearchError> {
    Some(raw.trim()).filter(|v| !v.is_empty()).ok_or_else(|| invalid(name, "has no value"))
}

/// [`given`], for a search that takes instants: an unescaped `+` (a time
/// zone's) arrives as a space and is read as `+` again.
pub(crate) fn given_with_plus(name: &str, raw: &str) -> Result<String, SearchError> {
    Ok(given(name, raw)?.replace(' ', "+"))
}

/// A `Patient/{id}` reference (or the bare id).
pub(crate) fn patient_reference<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, SearchError> {
    value.strip_prefix("Patient/").unwrap_or(value).parse().map_err(|_| invalid(name, "must be Patient/{id}"))
}

/// The sending times a search keeps: from `since` (inclusive) until `until`
/// (exclusive). Dates are whole days in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SentBounds {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl SentBounds {
    /// Whether a message sent at `at` is within the bounds.
    #[must_use]
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.since.is_none_or(|s| at >= s) && self.until.is_none_or(|u| at < u)
    }

    fn narrow_since(&mut self, at: DateTime<Utc>) {
        self.since = Some(self.since.map_or(at, |s| s.max(at)));
    }

    fn narrow_until(&mut self, at: DateTime<Utc>) {
        self.until = Some(self.until.map_or(at, |u| u.min(at)));
    }
}

/// Where a page of results (newest first) ended: the next page holds the
/// messages sent before this one (by time, then id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCursor {
    pub sent: DateTime<Utc>,
    pub message: MessageId,
}

impl PageCursor {
    /// The cursor as it appears in a `next` link: `{microseconds}.{message id}`.
    #[must_use]
    pub fn encode(&self) -> String {
        format!("{}.{}", self.sent.timestamp_micros(), self.message)
    }

    pub fn parse(raw: &str) -> Result<Self, SearchError> {
        let bad = || invalid("_cursor", "is not a cursor from a next link");
        let (micros, id) = raw.split_once('.').ok_or_else(bad)?;
        let sent = micros.parse::<i64>().ok().and_then(DateTime::from_timestamp_micros).ok_or_else(bad)?;
        let message = id.parse::<MessageId>().map_err(|_| bad())?;
        Ok(Self { sent, message })
    }

    /// Whether a message sent at `sent` with id `id` comes after this cursor
    /// in newest-first order.
    #[must_use]
    pub fn is_before(&self, sent: DateTime<Utc>, id: MessageId) -> bool {
        (sent, id) < (self.sent, self.message)
    }
}

/// A checked `Communication` search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunicationSearch {
    /// The patient whose conversations to search.
    pub subject: Option<UserId>,
    /// The one conversation to search.
    pub part_of: Option<ThreadId>,
    pub sent: SentBounds,
    /// The conversation's triage category (`category`).
    pub category: Option<Category>,
    /// The conversation's urgency (`priority`: `routine`, `urgent`, `asap`).
    pub urgency: Option<Urgency>,
    /// `_include=Communication:part-of`: each conversation's `Task` too.
    pub include_part_of: bool,
    /// Matches on a page.
    pub count: u32,
    pub cursor: Option<PageCursor>,
}

impl CommunicationSearch {
    pub const DEFAULT_COUNT: u32 = 20;
    pub const MAX_COUNT: u32 = MAX_PAGE_SIZE;

    /// Reads the query string's name–value pairs (already percent-decoded).
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, SearchError> {
        let mut search = Self {
            subject: None,
            part_of: None,
            sent: SentBounds::default(),
            category: None,
            urgency: None,
            include_part_of: false,
            count: 0,
            cursor: None,
        };
        let mut count = None;
        for (name, raw) in pairs {
            let value = given_with_plus(name, raw)?;
            let value = value.as_str();
            match name.as_str() {
                "subject" | "subject:Patient" => once(&mut search.subject, patient_reference(name, value)?, name)?,
                "part-of" => {
                    let id = value.parse().map_err(|_| invalid(name, "must be a conversation's id"))?;
                    once(&mut search.part_of, id, name)?;
                }
                "part-of:identifier" => {
                    let id = value
                        .strip_prefix(THREAD_ID_SYSTEM)
                        .and_then(|rest| rest.strip_prefix('|'))
                        .and_then(|id| id.parse().ok())
                        .ok_or_else(|| invalid(name, "must be the thread-id system, |, and a conversation's id"))?;
                    once(&mut search.part_of, id, name)?;
                }
                // A message does not change once sent: it was last updated when it was sent.
                "sent" | "_lastUpdated" => date_bounds(name, &mut search.sent, value)?,
                "category" => {
                    let code = value.strip_prefix(&format!("{CATEGORY_SYSTEM}|")).unwrap_or(value);
                    let category = Category::parse(code).map_err(|_| invalid(name, "names no triage category"))?;
                    once(&mut search.category, category, name)?;
                }
                "priority" => {
                    let urgency =
                        urgency_of_priority(value).ok_or_else(|| invalid(name, "must be routine, urgent or asap"))?;
                    once(&mut search.urgency, urgency, name)?;
                }
                "_include" if value == "Communication:part-of" => search.include_part_of = true,
                "_include" => return Err(invalid(name, "only Communication:part-of is supported")),
                "_count" => once(&mut count, page_size(name, value)?, name)?,
                "_cursor" => once(&mut search.cursor, PageCursor::parse(value)?, name)?,
                "_format" => json_format(name, value)?,
                _ => return Err(invalid(name, "is not a supported search parameter for Communication")),
            }
        }
        search.count = count.unwrap_or(Self::DEFAULT_COUNT);
        Ok(search)
    }

    /// The canonical query string of this search (without the cursor), as
    /// `self` and `next` links repeat it.
    #[must_use]
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(subject) = self.subject {
            parts.push(format!("subject=Patient/{subject}"));
        }
        if let Some(thread) = self.part_of {
            parts.push(format!("part-of={thread}"));
        }
        if let Some(since) = self.sent.since {
            parts.push(format!("sent=ge{}", query_instant(since)));
        }
        if let Some(until) = self.sent.until {
            parts.push(format!("sent=lt{}", query_instant(until)));
        }
        if let Some(category) = self.category {
            parts.push(format!("category={}", category.as_str()));
        }
        if let Some(urgency) = self.urgency {
            parts.push(format!("priority={}", crate::task::task_priority(urgency)));
        }
        if self.include_part_of {
            parts.push("_include=Communication:part-of".to_owned());
        }
        parts.push(format!("_count={}", self.count));
        parts.join("&")
    }

    /// The query string of the page that starts after `cursor`.
    #[must_use]
    pub fn query_after(&self, cursor: &PageCursor) -> String {
        format!("{}&_cursor={}", self.query(), cursor.encode())
    }

    /// The query string of this page (with its cursor, if any).
    #[must_use]
    pub fn query_of_this_page(&self) -> String {
        match &self.cursor {
            Some(cursor) => self.query_after(cursor),
            None => self.query(),
        }
    }
}

/// An instant in a link, with microseconds so no bound is rounded away.
fn query_instant(at: DateTime<Utc>) -> String {
    if at.timestamp_subsec_micros() == 0 {
        instant(at)
    } else {
        at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }
}

/// The most matches a page may hold, for any search.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A `_count`: a whole number from 1 to [`MAX_PAGE_SIZE`].
pub(crate) fn page_size(name: &str, value: &str) -> Result<u32, SearchError> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
        .ok_or_else(|| invalid(name, "must be a whole number from 1 to 100"))
}

/// Whether a `_format` value asks for JSON, the only format served.
#[must_use]
pub fn is_json_format(value: &str) -> bool {
    matches!(value, "json" | "application/json" | "application/fhir+json")
}

/// A `_format`: JSON only.
pub(crate) fn json_format(name: &str, value: &str) -> Result<(), SearchError> {
    if is_json_format(value) { Ok(()) } else { Err(invalid(name, "only json is supported")) }
}

pub(crate) fn once<T>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), SearchError> {
    if slot.is_some() {
        return Err(invalid(name, "may be given once"));
    }
    *slot = Some(value);
    Ok(())
}

/// Narrows `bounds` by one value of the date parameter `param` (`sent`, `date`).
pub(crate) fn date_bounds(param: &str, bounds: &mut SentBounds, value: &str) -> Result<(), SearchError> {
    let (prefix, rest) = match value.get(..2) {
        Some(p @ ("eq" | "ge" | "gt" | "le" | "lt")) => (p, &value[2..]),
        Some("ne" | "sa" | "eb" | "ap") => return Err(invalid(param, "supports the prefixes eq, ge, gt, le and lt")),
        _ => ("eq", value),
    };
    // The value's own range: a whole day (UTC), or one instant.
    let (start, end) = if let Ok(day) = NaiveDate::parse_from_str(rest, "%Y-%m-%d") {
        let start = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        let start = start.ok_or_else(|| invalid(param, "is not a date"))?;
        (start, start + TimeDelta::days(1))
    } else if let Ok(at) = DateTime::parse_from_rfc3339(rest) {
        let at = at.with_timezone(&Utc);
        (at, at + TimeDelta::microseconds(1))
    } else {
        return Err(invalid(
            param,
            "must be a date (2026-03-01) or a date-time with a time zone (2026-03-01T09:00:00Z)",
        ));
    };
    match prefix {
        "ge" => bounds.narrow_since(start),
        "gt" => bounds.narrow_since(end),
        "le" => bounds.narrow_until(end),
        "lt" => bounds.narrow_until(start),
        _ => {
            bounds.narrow_since(start);
            bounds.narrow_until(end);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;
    use chrono::TimeZone;

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
    }

    fn parse(raw: &[(&str, &str)]) -> Result<CommunicationSearch, SearchError> {
        CommunicationSearch::parse(&pairs(raw))
    }

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, 0, 0, 0).single().expect("a valid time")
    }

    #[test]
    fn subject_part_of_and_count_are_read() {
        let patient: UserId = id(1);
        let thread: ThreadId = id(2);
        let s = parse(&[("subject", &format!("Patient/{patient}")), ("part-of", &thread.to_string()), ("_count", "5")])
            .expect("a valid search");
        assert_eq!((s.subject, s.part_of, s.count), (Some(patient), Some(thread), 5));
        let by_identifier = parse(&[("part-of:identifier", &format!("{THREAD_ID_SYSTEM}|{thread}"))]);
        assert_eq!(by_identifier.map(|s| s.part_of), Ok(Some(thread)));
        assert_eq!(parse(&[]).map(|s| s.count), Ok(CommunicationSearch::DEFAULT_COUNT));
    }

    #[test]
    fn sent_prefixes_bound_the_range_by_whole_days_or_instants() {
        let s = parse(&[("sent", "ge2026-03-02"), ("sent", "lt2026-03-05")]).expect("a valid search");
        assert_eq!(s.sent, SentBounds { since: Some(day(2)), until: Some(day(5)) });
        let s = parse(&[("sent", "gt2026-03-02"), ("sent", "le2026-03-05")]).expect("a valid search");
        assert_eq!(s.sent, SentBounds { since: Some(day(3)), until: Some(day(6)) });
        let s = parse(&[("sent", "2026-03-02")]).expect("a valid search");
        assert_eq!(s.sent, SentBounds { since: Some(day(2)), until: Some(day(3)) });
        // `+01:00` sent unescaped arrives as ` 01:00`.
        let s = parse(&[("sent", "ge2026-03-02T01:00:00 01:00")]).expect("a valid search");
        assert_eq!(s.sent.since, Some(day(2)));
        assert!(s.sent.contains(day(2)) && !s.sent.contains(day(1)));
    }

    #[test]
    fn bad_parameters_are_refused_by_name() {
        let name = |raw: &[(&str, &str)]| match parse(raw) {
            Err(SearchError::Invalid { param, .. }) => param,
            Ok(_) => String::from("accepted"),
        };
        assert_eq!(name(&[("_count", "0")]), "_count");
        assert_eq!(name(&[("_count", "101")]), "_count");
        assert_eq!(name(&[("subject", "Practitioner/x")]), "subject");
        assert_eq!(name(&[("sent", "ne2026-03-01")]), "sent");
        assert_eq!(name(&[("sent", "ge2026-03-01T09:00:00")]), "sent");
        assert_eq!(name(&[("category", "gossip")]), "category");
        assert_eq!(name(&[("priority", "stat")]), "priority");
        assert_eq!(name(&[("_include", "Communication:sender")]), "_include");
        assert_eq!(name(&[("code", "x")]), "code");
        assert_eq!(name(&[("_cursor", "nope")]), "_cursor");
        assert_eq!(name(&[("subject", "")]), "subject");
        assert_eq!(name(&[("_count", "1"), ("_count", "2")]), "_count");
        assert_eq!(name(&[("_format", "xml")]), "_format");
    }

    #[test]
    fn category_priority_last_updated_and_include_are_read_and_written_back() {
        let s = parse(&[
            ("category", "https://carethread.org/fhir/CodeSystem/triage-category|medication"),
            ("priority", "asap"),
            ("_lastUpdated", "ge2026-03-02"),
            ("_include", "Communication:part-of"),
        ])
        .expect("a valid search");
        assert_eq!(
            (s.category, s.urgency, s.include_part_of),
            (Some(Category::Medication), Some(Urgency::Emergency), true)
        );
        assert_eq!(s.sent.since, Some(day(2)));
        let back: Vec<(String, String)> =
            s.query().split('&').filter_map(|p| p.split_once('=')).map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
        assert_eq!(CommunicationSearch::parse(&back).expect("reads back"), s);
    }

    #[test]
    fn the_canonical_query_reads_back_as_the_same_search_and_the_cursor_round_trips() {
        let s = parse(&[("sent", "gt2026-03-02T10:00:00Z"), ("subject", &id::<UserId>(1).to_string())])
            .expect("a valid search");
        let cursor = PageCursor { sent: day(4) + TimeDelta::microseconds(7), message: id(9) };
        let query = s.query_after(&cursor);
        let back: Vec<(String, String)> =
            query.split('&').filter_map(|p| p.split_once('=')).map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
        let again = CommunicationSearch::parse(&back).expect("the canonical query parses");
        assert_eq!(again.cursor, Some(cursor));
        assert_eq!(CommunicationSearch { cursor: None, ..again }, s);
        assert!(cursor.is_before(day(4), id(200)));
        assert!(!cursor.is_before(day(5), id(1)));
    }
}
