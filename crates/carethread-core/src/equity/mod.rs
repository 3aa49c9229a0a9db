//! The equity monitor's arithmetic: for each group of patients a clinic
//! records (preferred language, age band, payer type, sex, race, ethnicity,
//! and any grouping the clinic adds), how often its patients wrote before and
//! after e-visit billing was turned on, what share of their conversations was
//! billed, how many declined billing, and how many of their conversations
//! went unanswered; and which groups' messaging fell more than everyone
//! else's by more than the clinic's margin. Pure: facts in, figures out.
//!
//! Rates are patient messages per 100 patients per month (a month being
//! 30.4375 days), over the patient-months each window holds: a patient who
//! joined during a window counts for the part of it after she joined. The windows compare like with like: "after" runs from the
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
    /// When she became the clinic's patient (her account was made): she
    /// counts in a window's rate only for the part of it after that.
    pub joined: DateTime<Utc>,
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

/// One group's figures. Rates are messages per 100 patients per month;
/// shares run from 0 to 1; `None` (`null`) where there is nothing to divide
/// by (no patients, no conversations, or no "before" window).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(
        as = EquityGroupOut,
        description = "One group's figures. Rates are messages per 100 patients per month;\nshares run from 0 to 1; `null` where there is nothing to divide by."
    )
)]
pub struct GroupFigures {
    /// The group (`es`, `65+`, `medicaid`, or `not given`).
    #[serde(rename = "group")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub value: GroupValue,
    pub patients: usize,
    pub before_per_100: Option<f64>,
    pub after_per_100: Option<f64>,
    /// The change from before to after, in percent of before.
    pub change_percent: Option<f64>,
    /// The same for every other patient along this dimension.
    pub others_change_percent: Option<f64>,
    /// Claims per conversation started since billing was turned on.
    pub billed_share: Option<f64>,
    /// Patients who declined or withdrew consent, of the group's patients.
    pub declined_share: Option<f64>,
    pub unanswered_before: Option<f64>,
    pub unanswered_after: Option<f64>,
    /// Enough patients to compare (10 or more, and a value given).
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

    /// The months of this window a patient who joined at `joined` was the
    /// clinic's patient: her share of the rates' denominator.
    #[expect(clippy::cast_precision_loss, reason = "seconds in a year are exact in an f64")]
    fn exposure(self, joined: DateTime<Utc>) -> f64 {
        (self.to - self.from.max(joined)).num_seconds().max(0) as f64 / 86_400.0 / MONTH_DAYS
    }
}

/// `part / whole`, or `None` when there is no whole.
#[expect(clippy::cast_precision_loss, reason = "counts of patients and messages")]
fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Messages per 100 patients per month, over `patient_months` of patients.
#[expect(clippy::cast_precision_loss, reason = "counts of messages")]
fn rate(messages: usize, patient_months: f64) -> Option<f64> {
    (patient_months > 1e-9).then(|| messages as f64 * 100.0 / patient_months)
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

/// When day `d` begins in `tz`: its first hour that exists (a daylight-saving
/// change may skip midnight).
fn day_start(d: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
    (0..3).find_map(|hour| {
        d.and_hms_opt(hour, 0, 0).and_then(|t| t.and_local_timezone(tz).earliest()).map(|t| t.with_timezone(&Utc))
    })
}

/// The share of `month` (first day, in `tz`) the range covers, as a window.
fn month_window(month: NaiveDate, range: &EquityRange) -> Window {
    let start = |d: NaiveDate| day_start(d, range.timezone);
    let end = month.checked_add_months(chrono::Months::new(1)).and_then(start).unwrap_or(range.to);
    Window { from: start(month).unwrap_or(range.from).max(range.from), to: end.min(range.to) }
}

/// Counts and patient-months, for one patient or summed over a group.
#[derive(Default)]
struct Sums {
    patients: usize,
    declined: usize,
    before: usize,
    after: usize,
    exposure_before: f64,
    exposure_after: f64,
    monthly: Vec<usize>,
    monthly_exposure: Vec<f64>,
    threads_before: usize,
    unanswered_before: usize,
    threads_after: usize,
    unanswered_after: usize,
    claims_after: usize,
}

impl Sums {
    fn add(&mut self, other: &Sums) {
        self.patients += other.patients;
        self.declined += other.declined;
        self.before += other.before;
        self.after += other.after;
        self.exposure_before += other.exposure_before;
        self.exposure_after += other.exposure_after;
        self.monthly.resize(other.monthly.len().max(self.monthly.len()), 0);
        self.monthly_exposure.resize(other.monthly_exposure.len().max(self.monthly_exposure.len()), 0.0);
        for (a, b) in self.monthly.iter_mut().zip(&other.monthly) {
            *a += b;
        }
        for (a, b) in self.monthly_exposure.iter_mut().zip(&other.monthly_exposure) {
            *a += b;
        }
        self.threads_before += other.threads_before;
        self.unanswered_before += other.unanswered_before;
        self.threads_after += other.threads_after;
        self.unanswered_after += other.unanswered_after;
        self.claims_after += other.claims_after;
    }
}

/// The windows a report compares.
struct Windows {
    before: Option<Window>,
    after: Window,
    months: Vec<Window>,
    /// Billing was on during the range (claims count).
    billing: bool,
}

fn count(facts: &EquityFacts, range: &EquityRange, w: &Windows) -> HashMap<UserId, Sums> {
    let answer_cutoff = range.to - TimeDelta::days(ANSWER_GRACE_DAYS);
    let mut counts: HashMap<UserId, Sums> = facts
        .patients
        .iter()
        .map(|p| {
            let sums = Sums {
                patients: 1,
                declined: usize::from(facts.declined.contains(&p.id)),
                exposure_before: w.before.map_or(0.0, |b| b.exposure(p.joined)),
                exposure_after: w.after.exposure(p.joined),
                monthly: vec![0; w.months.len()],
                monthly_exposure: w.months.iter().map(|m| m.exposure(p.joined)).collect(),
                ..Sums::default()
            };
            (p.id, sums)
        })
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
            if let Some(c) = counts.get_mut(patient).filter(|_| w.after.holds(*start) && *start < answer_cutoff) {
                c.claims_after += 1;
            }
        }
    }
    counts
}

/// A group's figures from its sums and everyone's (`total`): everyone
/// else's rates are the total's less the group's.
fn figures(value: GroupValue, own: &Sums, total: &Sums, w: &Windows, margin_points: f64) -> GroupFigures {
    let rates = |before: usize, exposure_before: f64, after: usize, exposure_after: f64| {
        (w.before.and_then(|_| rate(before, exposure_before)), rate(after, exposure_after))
    };
    let (before_per_100, after_per_100) = rates(own.before, own.exposure_before, own.after, own.exposure_after);
    let (others_before, others_after) = rates(
        total.before.saturating_sub(own.before),
        total.exposure_before - own.exposure_before,
        total.after.saturating_sub(own.after),
        total.exposure_after - own.exposure_after,
    );
    let change_percent = change(before_per_100, after_per_100);
    let others_change_percent = change(others_before, others_after);
    let comparable = own.patients >= MIN_GROUP_PATIENTS && !value.is_not_given();
    let flagged = comparable
        && matches!((change_percent, others_change_percent),
            (Some(mine), Some(rest)) if mine < rest - margin_points);
    GroupFigures {
        patients: own.patients,
        before_per_100,
        after_per_100,
        change_percent,
        others_change_percent,
        billed_share: w.billing.then(|| share(own.claims_after, own.threads_after)).flatten(),
        declined_share: share(own.declined, own.patients),
        unanswered_before: w.before.and_then(|_| share(own.unanswered_before, own.threads_before)),
        unanswered_after: share(own.unanswered_after, own.threads_after),
        comparable,
        flagged,
        monthly: own.monthly.iter().zip(&own.monthly_exposure).map(|(m, e)| rate(*m, *e)).collect(),
        value,
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
    // Billing on before the range: all of it is "after"; on inside it: split.
    let on = range.billing_on.filter(|on| *on < range.to);
    let split = on.filter(|on| range.from < *on);
    let months = months_between(range.from, range.to, range.timezone);
    let windows = Windows {
        before: split.map(|on| Window { from: (on - (range.to - on)).max(range.from), to: on }),
        after: Window { from: split.unwrap_or(range.from), to: range.to },
        months: months.iter().map(|m| month_window(*m, &range)).collect(),
        billing: on.is_some(),
    };
    let counts = count(facts, &range, &windows);
    let mut total = Sums::default();
    for sums in counts.values() {
        total.add(sums);
    }
    let mut out = Vec::new();
    for dimension in dimensions(facts) {
        let mut members: HashMap<GroupValue, Sums> = HashMap::new();
        for p in &facts.patients {
            let value = p.groups.get(&dimension).cloned().unwrap_or_else(GroupValue::not_given);
            if let Some(sums) = counts.get(&p.id) {
                members.entry(value).or_default().add(sums);
            }
        }
        let mut groups: Vec<GroupFigures> = members
            .into_iter()
            .map(|(value, own)| figures(value, &own, &total, &windows, range.margin_points))
            .collect();
        groups.sort_by_key(|g| g.value.sort_key(&dimension));
        out.push(DimensionFigures { dimension, groups });
    }
    EquityReport { range, before_from: windows.before.map(|w| w.from), months, dimensions: out }
}

#[cfg(test)]
mod tests;
