//! The equity monitor's arithmetic: for each group of patients a clinic
//! records (preferred language, age band, payer type, sex, race, ethnicity,
//! and any grouping the clinic adds), how often its patients wrote before and
//! after e-visit billing was turned on, what share of their conversations was
//! billed, how many declined billing, and how many of their conversations
//! went unanswered; and which groups' messaging fell more than everyone
//! else's by more than the clinic's margin. Pure: facts in, figures out.
//!
//! Rates are patient messages per 100 patients per month (a month being
//! 30.4375 days). The windows compare like with like: "after" runs from the
//! moment billing was turned on to the end of the range, "before" is as long
//! and ends when billing was turned on (shorter only when the range starts
//! later).

mod groups;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike as _, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

pub use groups::{AGE_BANDS, BUILT_IN, Dimension, GroupValue, NOT_GIVEN, age_band};

use crate::ids::UserId;

/// A month, in days, for rates per month.
pub const MONTH_DAYS: f64 = 30.4375;

/// The margin a group's change must fall behind the others' by to be
/// flagged, in percentage points, unless the clinic sets another.
pub const DEFAULT_MARGIN_POINTS: f64 = 5.0;

/// Groups with fewer patients are shown but not compared: a handful of
/// patients writing less is not a signal.
pub const MIN_GROUP_PATIENTS: usize = 10;

/// Conversations younger than this at the end of the range are not yet
/// counted as answered or unanswered.
pub const ANSWER_GRACE_DAYS: i64 = 3;

/// A patient and the group she is in along each dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EquityPatient {
    pub id: UserId,
    /// One value per dimension; a dimension left out is "not given".
    pub groups: HashMap<Dimension, GroupValue>,
}

/// A conversation a patient (or her proxy) started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EquityThread {
    pub patient: UserId,
    pub started: DateTime<Utc>,
    /// Whether anyone on staff has written back to the patient.
    pub answered: bool,
}

/// Everything the figures are computed from.
#[derive(Debug, Clone)]
pub struct EquityFacts {
    pub patients: Vec<EquityPatient>,
    /// When each patient-side message was sent, by whose record it is.
    pub messages: Vec<(UserId, DateTime<Utc>)>,
    pub threads: Vec<EquityThread>,
    /// Approved (or exported) claims: the patient and the period's start.
    pub claims: Vec<(UserId, DateTime<Utc>)>,
    /// Patients who declined e-visit billing or withdrew their consent.
    pub declined: HashSet<UserId>,
}

/// What the figures cover.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EquityRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// When billing was turned on, if it ever was.
    pub billing_on: Option<DateTime<Utc>>,
    pub margin_points: f64,
    pub timezone: Tz,
}

/// One group's figures. Rates and shares are `None` where they have no
/// denominator (no patients, no conversations, or no "before" window).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFigures {
    pub value: GroupValue,
    pub patients: usize,
    pub before_per_100: Option<f64>,
    pub after_per_100: Option<f64>,
    /// How the group's rate changed, in percent of its rate before.
    pub change_percent: Option<f64>,
    /// The same for every other patient along this dimension.
    pub others_change_percent: Option<f64>,
    /// Claims per conversation started since billing was turned on.
    pub billed_share: Option<f64>,
    /// Patients who declined or withdrew consent, of the group's patients.
    pub declined_share: Option<f64>,
    pub unanswered_before: Option<f64>,
    pub unanswered_after: Option<f64>,
    /// Enough patients to compare.
    pub comparable: bool,
    /// Its messaging fell more than the others' by more than the margin.
    pub flagged: bool,
    /// Messages per 100 patients in each month of the range.
    pub monthly: Vec<Option<f64>>,
}

/// Every group along one dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct DimensionFigures {
    pub dimension: Dimension,
    pub groups: Vec<GroupFigures>,
}

/// The monitor's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct EquityReport {
    pub range: EquityRange,
    /// The "before" window's start (`None` when billing was never turned on
    /// in the range).
    pub before_from: Option<DateTime<Utc>>,
    /// The first day of each month the range touches, in the clinic's calendar.
    pub months: Vec<NaiveDate>,
    pub dimensions: Vec<DimensionFigures>,
}

impl EquityReport {
    /// Every flagged group, with its dimension.
    #[must_use]
    pub fn flagged(&self) -> Vec<(&Dimension, &GroupFigures)> {
        self.dimensions
            .iter()
            .flat_map(|d| d.groups.iter().filter(|g| g.flagged).map(move |g| (&d.dimension, g)))
            .collect()
    }
}

/// A half-open span of time.
#[derive(Debug, Clone, Copy)]
struct Window {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl Window {
    fn holds(self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }

    #[expect(clippy::cast_precision_loss, reason = "seconds in a year are exact in an f64")]
    fn months(self) -> f64 {
        (self.to - self.from).num_seconds().max(0) as f64 / 86_400.0 / MONTH_DAYS
    }
}

/// `part / whole`, or `None` when there is no whole.
#[expect(clippy::cast_precision_loss, reason = "counts of patients and messages")]
fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Messages per 100 patients per month over `window`.
#[expect(clippy::cast_precision_loss, reason = "counts of patients and messages")]
fn rate(messages: usize, patients: usize, window: Window) -> Option<f64> {
    let months = window.months();
    (patients > 0 && months > 0.0).then(|| messages as f64 * 100.0 / patients as f64 / months)
}

fn change(before: Option<f64>, after: Option<f64>) -> Option<f64> {
    match (before, after) {
        (Some(b), Some(a)) if b > 0.0 => Some((a - b) * 100.0 / b),
        _ => None,
    }
}

/// The first day of each month from `from`'s to `to`'s, in `tz`.
fn months_between(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> Vec<NaiveDate> {
    let first = |at: DateTime<Utc>| {
        let d = at.with_timezone(&tz).date_naive();
        NaiveDate::from_ymd_opt(d.year(), d.month(), 1)
    };
    let (Some(mut month), Some(last)) = (first(from), first(to - TimeDelta::seconds(1))) else { return Vec::new() };
    let mut out = Vec::new();
    while month <= last {
        out.push(month);
        let Some(next) = month.checked_add_months(chrono::Months::new(1)) else { break };
        month = next;
    }
    out
}

/// The share of `month` (first day, in `tz`) the range covers, as a window.
fn month_window(month: NaiveDate, range: &EquityRange) -> Window {
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(range.timezone).earliest())
            .map_or(range.from, |t| t.with_timezone(&Utc))
    };
    let end = month.checked_add_months(chrono::Months::new(1)).map_or(range.to, start);
    Window { from: start(month).max(range.from), to: end.min(range.to) }
}

/// One patient's counts: messages in each window and month, conversations
/// and their answers in each window, claims since billing began.
#[derive(Default, Clone)]
struct Counts {
    before: usize,
    after: usize,
    monthly: Vec<usize>,
    threads_before: usize,
    unanswered_before: usize,
    threads_after: usize,
    unanswered_after: usize,
    claims_after: usize,
}

/// The windows a report compares.
struct Windows {
    before: Option<Window>,
    after: Window,
    months: Vec<Window>,
    /// Billing was turned on inside the range.
    billing: bool,
}

fn count(facts: &EquityFacts, range: &EquityRange, w: &Windows) -> HashMap<UserId, Counts> {
    let answer_cutoff = range.to - TimeDelta::days(ANSWER_GRACE_DAYS);
    let mut counts: HashMap<UserId, Counts> = facts
        .patients
        .iter()
        .map(|p| (p.id, Counts { monthly: vec![0; w.months.len()], ..Counts::default() }))
        .collect();
    for (patient, at) in &facts.messages {
        let Some(c) = counts.get_mut(patient) else { continue };
        if w.after.holds(*at) {
            c.after += 1;
        } else if w.before.is_some_and(|b| b.holds(*at)) {
            c.before += 1;
        }
        if let Some(i) = w.months.iter().position(|m| m.holds(*at)) {
            c.monthly[i] += 1;
        }
    }
    for thread in &facts.threads {
        let Some(c) = counts.get_mut(&thread.patient) else { continue };
        if thread.started >= answer_cutoff {
            continue;
        }
        if w.after.holds(thread.started) {
            c.threads_after += 1;
            c.unanswered_after += usize::from(!thread.answered);
        } else if w.before.is_some_and(|b| b.holds(thread.started)) {
            c.threads_before += 1;
            c.unanswered_before += usize::from(!thread.answered);
        }
    }
    if w.billing {
        for (patient, start) in &facts.claims {
            if let Some(c) = counts.get_mut(patient).filter(|_| w.after.holds(*start)) {
                c.claims_after += 1;
            }
        }
    }
    counts
}

/// What each group's figures are computed from: a group's patients are
/// set against every other patient.
struct GroupInput<'a> {
    facts: &'a EquityFacts,
    range: &'a EquityRange,
    windows: &'a Windows,
    counts: &'a HashMap<UserId, Counts>,
}

impl GroupInput<'_> {
    fn sum(&self, ids: &[UserId], pick: impl Fn(&Counts) -> usize) -> usize {
        ids.iter().filter_map(|id| self.counts.get(id)).map(pick).sum()
    }

    fn rates(&self, ids: &[UserId]) -> (Option<f64>, Option<f64>) {
        let before = self.windows.before.and_then(|w| rate(self.sum(ids, |c| c.before), ids.len(), w));
        (before, rate(self.sum(ids, |c| c.after), ids.len(), self.windows.after))
    }

    fn figures(&self, value: GroupValue, ids: &[UserId]) -> GroupFigures {
        let others: Vec<UserId> = self.facts.patients.iter().map(|p| p.id).filter(|id| !ids.contains(id)).collect();
        let (before_per_100, after_per_100) = self.rates(ids);
        let (others_before, others_after) = self.rates(&others);
        let change_percent = change(before_per_100, after_per_100);
        let others_change_percent = change(others_before, others_after);
        let comparable = ids.len() >= MIN_GROUP_PATIENTS && !value.is_not_given();
        let flagged = comparable
            && matches!((change_percent, others_change_percent),
                (Some(own), Some(rest)) if own < rest - self.range.margin_points);
        let w = self.windows;
        GroupFigures {
            patients: ids.len(),
            before_per_100,
            after_per_100,
            change_percent,
            others_change_percent,
            billed_share: w
                .billing
                .then(|| share(self.sum(ids, |c| c.claims_after), self.sum(ids, |c| c.threads_after)))
                .flatten(),
            declined_share: share(ids.iter().filter(|id| self.facts.declined.contains(id)).count(), ids.len()),
            unanswered_before: w
                .before
                .and_then(|_| share(self.sum(ids, |c| c.unanswered_before), self.sum(ids, |c| c.threads_before))),
            unanswered_after: share(self.sum(ids, |c| c.unanswered_after), self.sum(ids, |c| c.threads_after)),
            comparable,
            flagged,
            monthly: w
                .months
                .iter()
                .enumerate()
                .map(|(i, m)| rate(self.sum(ids, |c| c.monthly[i]), ids.len(), *m))
                .collect(),
            value,
        }
    }
}

/// Every dimension a patient has a value along, and the built-in ones, in
/// the order they are shown.
fn dimensions(facts: &EquityFacts) -> Vec<Dimension> {
    let mut all: Vec<Dimension> = facts.patients.iter().flat_map(|p| p.groups.keys().cloned()).collect();
    all.extend(BUILT_IN.iter().map(|d| Dimension::new(d)));
    all.sort();
    all.dedup();
    all.sort_by_key(|d| (d.built_in_rank(), d.clone()));
    all
}

/// The figures for `facts` over `range`.
#[must_use]
pub fn report(facts: &EquityFacts, range: EquityRange) -> EquityReport {
    let billing_on = range.billing_on.filter(|on| range.from < *on && *on < range.to);
    let months = months_between(range.from, range.to, range.timezone);
    let windows = Windows {
        before: billing_on.map(|on| Window { from: (on - (range.to - on)).max(range.from), to: on }),
        after: Window { from: billing_on.unwrap_or(range.from), to: range.to },
        months: months.iter().map(|m| month_window(*m, &range)).collect(),
        billing: billing_on.is_some(),
    };
    let counts = count(facts, &range, &windows);
    let input = GroupInput { facts, range: &range, windows: &windows, counts: &counts };
    let mut out = Vec::new();
    for dimension in dimensions(facts) {
        let mut members: HashMap<GroupValue, Vec<UserId>> = HashMap::new();
        for p in &facts.patients {
            let value = p.groups.get(&dimension).cloned().unwrap_or_else(GroupValue::not_given);
            members.entry(value).or_default().push(p.id);
        }
        let mut groups: Vec<GroupFigures> =
            members.into_iter().map(|(value, ids)| input.figures(value, &ids)).collect();
        groups.sort_by_key(|g| g.value.sort_key(&dimension));
        out.push(DimensionFigures { dimension, groups });
    }
    EquityReport { range, before_from: windows.before.map(|w| w.from), months, dimensions: out }
}

#[cfg(test)]
mod tests;
