//! The clinic's insights, for the people who run it (the core policy's
//! `may_view_insights`): how many messages patients send and when, how fast
//! the care team answers against the clinic's targets, who carries the
//! work, and how emergencies and triage overrides went. The store counts in
//! SQL; here the request is checked, the clinic's calendar is handed to the
//! store, and the counts are summed into the figures people read (per day
//! and week, per 100 patients a month, shares). Counts only: no message, no
//! patient's name.

mod ai;
mod query;

use std::collections::BTreeMap;

use carethread_core::equity::{AGE_BANDS, Dimension, GroupValue};
use carethread_core::ids::UserId;
use carethread_core::policy;
use carethread_core::thread::{Category, Urgency};
use carethread_store::{Band, CloseBand, Direction, OverrideCell, Volume, Workload};
use chrono::{Datelike, NaiveDate, TimeDelta};

pub use ai::{AiFigures, AiSums, ai};
pub use query::offsets;
use query::query;

use crate::{App, AppError, AppResult, Caller};

/// The longest range, in days.
pub const MAX_DAYS: i64 = 366;
/// The range when none is asked for: the last four weeks, today included.
pub const DEFAULT_DAYS: i64 = 28;

/// What the figures are counted over: the clinic's days `from` to `to`
/// (both included), optionally one pool (by slug), category or urgency,
/// the threads one member of staff handled (their id), and one group of
/// patients (`dimension:value`, as the equity monitor names groups:
/// `language:es`, `age_band:65+`, `payer:medicaid`, `payer:not given`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InsightsFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub pool: Option<String>,
    pub category: Option<Category>,
    pub urgency: Option<Urgency>,
    pub clinician: Option<String>,
    pub group: Option<String>,
}

/// The range and filters as applied (the defaults filled in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub pool: Option<String>,
    pub category: Option<Category>,
    pub urgency: Option<Urgency>,
    pub clinician: Option<UserId>,
    /// `dimension:value`.
    pub group: Option<String>,
}

/// What the filters offer: the pools, the members of staff, and the groups
/// of patients (each as `dimension:value`).
#[derive(Debug, Clone, Default)]
pub struct FilterChoices {
    pub pools: Vec<carethread_store::PoolRef>,
    pub staff: Vec<carethread_store::PersonRef>,
    pub groups: Vec<(Dimension, GroupValue)>,
}

/// Patient messages, summed for reading.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeFigures {
    pub applied: Applied,
    /// Every day of the range: `(day, messages, after hours)`.
    pub days: Vec<(NaiveDate, i64, i64)>,
    /// Weeks starting Monday: `(Monday, messages)`.
    pub weeks: Vec<(NaiveDate, i64)>,
    /// Weeks starting Monday, messages per category in `Category::ALL` order.
    pub weeks_by_category: Vec<(NaiveDate, Vec<i64>)>,
    /// Weeks starting Monday, messages per urgency in `Urgency::ALL` order.
    pub weeks_by_urgency: Vec<(NaiveDate, Vec<i64>)>,
    pub by_category: Vec<(Category, i64)>,
    pub by_urgency: Vec<(Urgency, i64)>,
    /// By pool slug; `None` for threads in no pool.
    pub by_pool: Vec<(Option<String>, i64)>,
    /// `(first day of the month, messages, per 100 patients)`.
    pub months: Vec<(NaiveDate, i64, Option<f64>)>,
    pub total: i64,
    pub after_hours: i64,
    pub patients: i64,
    pub threads_started: i64,
    pub no_reply_recorded: i64,
}

impl VolumeFigures {
    /// Share of messages sent while the clinic was closed.
    #[must_use]
    pub fn after_hours_share(&self) -> Option<f64> {
        share(self.after_hours, self.total)
    }

    /// Share of threads started whose draft recorded that no reply was needed.
    #[must_use]
    pub fn no_reply_share(&self) -> Option<f64> {
        share(self.no_reply_recorded, self.threads_started)
    }
}

/// First replies and closing against the targets.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseFigures {
    pub applied: Applied,
    /// Per urgency, threads in each band (every band listed).
    pub reply: Vec<(Urgency, Vec<(Band, i64)>)>,
    pub close: Vec<(CloseBand, i64)>,
    /// `(pool slug or none, overdue, threads)`.
    pub by_pool: Vec<(Option<String>, i64, i64)>,
    pub overdue: i64,
    pub threads: i64,
    pub targets: carethread_core::profile::ClinicProfile,
    /// Staff replies at least two days old per pool, and how many the
    /// patient's side had not read after two days.
    pub unread: Vec<carethread_store::UnreadCell>,
}

impl ResponseFigures {
    #[must_use]
    pub fn overdue_share(&self) -> Option<f64> {
        share(self.overdue, self.threads)
    }

    /// The share of replies not read two days after they were sent.
    #[must_use]
    pub fn unread_share(&self) -> Option<f64> {
        share(self.unread.iter().map(|u| u.unread).sum(), self.unread.iter().map(|u| u.replies).sum())
    }
}

/// Emergencies and triage overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct SafetyFigures {
    pub applied: Applied,
    pub emergencies: Vec<(Band, i64)>,
    pub overrides: Vec<OverrideCell>,
    pub emergency_minutes: u32,
    /// Replies to patients per member of staff, and how many read above grade 8.
    pub reading: Vec<carethread_store::ReadingCell>,
    /// Patients' answers to "did this answer your question?".
    pub answers: Vec<carethread_store::AnswerCell>,
}

impl SafetyFigures {
    /// The share of measured replies that read above grade 8 (`None`: none measured).
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts of replies")]
    pub fn above_grade_8_share(&self) -> Option<f64> {
        let replies: i64 = self.reading.iter().map(|r| r.replies).sum();
        let above: i64 = self.reading.iter().map(|r| r.above_grade_8).sum();
        (replies > 0).then(|| above as f64 / replies as f64)
    }

    /// The share of patients' answers that said yes (`None`: no answers).
    #[must_use]
    pub fn answered_yes_share(&self) -> Option<f64> {
        let yes: i64 = self.answers.iter().map(|a| a.yes).sum();
        share(yes, yes + self.answers.iter().map(|a| a.no).sum::<i64>())
    }

    /// Overrides that moved urgency `direction`.
    #[must_use]
    pub fn overrides_toward(&self, direction: Direction) -> i64 {
        self.overrides.iter().filter(|o| o.direction == direction).map(|o| o.overrides).sum()
    }
}

/// Who carried the work.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadFigures {
    pub applied: Applied,
    pub workload: Workload,
}

#[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Whether the caller may read the insights at all (asked before a request's
/// values are read, so someone refused learns nothing from its errors).
pub fn refuse(caller: &Caller) -> AppResult<()> {
    if policy::may_view_insights(caller.user.role, caller.user.clinic_lead) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators and clinic leads read the clinic's insights".into()))
    }
}

/// The date of a day number (days since 1970-01-01).
fn date_of(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(TimeDelta::days(day))
}

/// Patient messages by day, week, month, category, urgency and pool.
pub async fn volume(app: &App, caller: &Caller, filter: InsightsFilter) -> AppResult<VolumeFigures> {
    let (query, applied) = query(app, caller, filter).await?;
    let Volume { cells, patients, threads_started, no_reply_recorded } = app.store.insight_volume(&query).await?;
    let mut days: BTreeMap<NaiveDate, (i64, i64)> =
        applied.from.iter_days().take_while(|d| *d <= applied.to).map(|d| (d, (0, 0))).collect();
    let (mut by_category, mut by_urgency, mut by_pool) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for cell in &cells {
        if let Some(day) = date_of(cell.day).and_then(|d| days.get_mut(&d)) {
            day.0 += cell.messages;
            day.1 += cell.after_hours;
        }
        *by_category.entry(cell.category.as_str()).or_insert(0) += cell.messages;
        by_urgency.entry(cell.urgency.rank()).or_insert((cell.urgency, 0)).1 += cell.messages;
        *by_pool.entry(cell.pool.clone()).or_insert(0) += cell.messages;
    }
    let monday = |day: NaiveDate| day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday()));
    let mut weeks_by_category: BTreeMap<NaiveDate, Vec<i64>> = BTreeMap::new();
    let mut weeks_by_urgency: BTreeMap<NaiveDate, Vec<i64>> = BTreeMap::new();
    for day in days.keys() {
        weeks_by_category.entry(monday(*day)).or_insert_with(|| vec![0; Category::ALL.len()]);
        weeks_by_urgency.entry(monday(*day)).or_insert_with(|| vec![0; Urgency::ALL.len()]);
    }
    for cell in &cells {
        let Some(week) = date_of(cell.day).map(monday) else { continue };
        let c = Category::ALL.iter().position(|c| *c == cell.category);
        if let (Some(row), Some(c)) = (weeks_by_category.get_mut(&week), c) {
            row[c] += cell.messages;
        }
        let u = Urgency::ALL.iter().position(|u| *u == cell.urgency);
        if let (Some(row), Some(u)) = (weeks_by_urgency.get_mut(&week), u) {
            row[u] += cell.messages;
        }
    }
    let mut weeks: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    let mut months: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for (day, (n, _)) in &days {
        *weeks.entry(monday(*day)).or_insert(0) += n;
        *months.entry(day.with_day(1).unwrap_or(*day)).or_insert(0) += n;
    }
    let total = cells.iter().map(|c| c.messages).sum();
    let after_hours = cells.iter().map(|c| c.after_hours).sum();
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let per_100 = |n: i64| (patients > 0).then(|| n as f64 * 100.0 / patients as f64);
    Ok(VolumeFigures {
        days: days.into_iter().map(|(d, (n, a))| (d, n, a)).collect(),
        weeks: weeks.into_iter().collect(),
        weeks_by_category: weeks_by_category.into_iter().collect(),
        weeks_by_urgency: weeks_by_urgency.into_iter().collect(),
        by_category: Category::ALL.iter().map(|c| (*c, by_category.get(c.as_str()).copied().unwrap_or(0))).collect(),
        by_urgency: by_urgency.into_values().collect(),
        by_pool: by_pool.into_iter().collect(),
        months: months.into_iter().map(|(m, n)| (m, n, per_100(n))).collect(),
        applied,
        total,
        after_hours,
        patients,
        threads_started,
        no_reply_recorded,
    })
}

/// First replies and closing, against the clinic's targets.
pub async fn response(app: &App, caller: &Caller, filter: InsightsFilter) -> AppResult<ResponseFigures> {
    let (query, applied) = query(app, caller, filter).await?;
    // Two statements over the same range, read side by side on two of the
    // store's reading connections.
    let (cells, unread) = tokio::try_join!(app.store.insight_response(&query), app.store.insight_unread(&query))?;
    let reply = [Urgency::Emergency, Urgency::Urgent, Urgency::Routine]
        .into_iter()
        .map(|u| {
            let bands = Band::ALL
                .iter()
                .map(|b| (*b, cells.iter().filter(|c| c.urgency == u && c.reply == *b).map(|c| c.threads).sum()))
                .collect();
            (u, bands)
        })
        .collect();
    let close =
        CloseBand::ALL.iter().map(|b| (*b, cells.iter().filter(|c| c.close == *b).map(|c| c.threads).sum())).collect();
    let mut by_pool: BTreeMap<Option<String>, (i64, i64)> = BTreeMap::new();
    for c in &cells {
        let entry = by_pool.entry(c.pool.clone()).or_insert((0, 0));
        entry.0 += if c.reply.overdue() { c.threads } else { 0 };
        entry.1 += c.threads;
    }
    let overdue = cells.iter().filter(|c| c.reply.overdue()).map(|c| c.threads).sum();
    let threads = cells.iter().map(|c| c.threads).sum();
    let targets = app.clinic.get(&*app.store).await.profile.clone();
    Ok(ResponseFigures {
        applied,
        reply,
        close,
        by_pool: by_pool.into_iter().map(|(p, (o, n))| (p, o, n)).collect(),
        overdue,
        threads,
        targets,
        unread,
    })
}

/// Replies, threads and moves per member of staff and per pool.
pub async fn workload(app: &App, caller: &Caller, filter: InsightsFilter) -> AppResult<WorkloadFigures> {
    let (query, applied) = query(app, caller, filter).await?;
    Ok(WorkloadFigures { applied, workload: app.store.insight_workload(&query).await? })
}

/// Emergencies' first opening by staff, and triage overrides.
pub async fn safety(app: &App, caller: &Caller, filter: InsightsFilter) -> AppResult<SafetyFigures> {
    let (query, applied) = query(app, caller, filter).await?;
    let safety = app.store.insight_safety(&query).await?;
    let emergencies = Band::ALL
        .iter()
        .map(|b| (*b, safety.emergencies.iter().filter(|(x, _)| x == b).map(|(_, n)| n).sum()))
        .collect();
    let emergency_minutes = app.clinic.get(&*app.store).await.profile.emergency_reply_minutes;
    Ok(SafetyFigures {
        applied,
        emergencies,
        overrides: safety.overrides,
        emergency_minutes,
        reading: safety.reading,
        answers: safety.answers,
    })
}

/// What the filters can narrow the figures to: the groups patients gave
/// (payer, race, …) only for those who read the equity monitor.
pub async fn filter_choices(app: &App, caller: &Caller) -> AppResult<FilterChoices> {
    refuse(caller)?;
    let staff = app.store.staff().await?.into_iter().map(|u| carethread_store::PersonRef::from(&u)).collect();
    let mut groups: Vec<(Dimension, GroupValue)> = Vec::new();
    for language in carethread_core::user::Language::ALL {
        groups.push((Dimension::parse("language")?, GroupValue::parse(language.as_str())?));
    }
    for (_, band) in AGE_BANDS {
        groups.push((Dimension::parse("age_band")?, GroupValue::parse(band)?));
    }
    if policy::may_view_equity(caller.user.role) {
        groups.extend(app.store.recorded_groups().await?);
    }
    Ok(FilterChoices { pools: app.store.pools().await?, staff, groups })
}
