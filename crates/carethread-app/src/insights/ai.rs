//! Drafting over time: per week and per member of staff, drafts asked for
//! and used, how much clinicians changed them, and whether replies written
//! from a draft took less time to write than replies without one.

use std::collections::BTreeMap;

use carethread_store::AiCell;
use chrono::{NaiveDate, TimeDelta};

use super::{Applied, date_of, query};
use crate::{App, AppResult, Caller};

/// Drafting summed over some weeks or people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AiSums {
    pub requested: i64,
    pub used: i64,
    pub unassisted: i64,
    pub edit_distance: i64,
    pub writing_ms_assisted: i64,
    pub written_assisted: i64,
    pub writing_ms_unassisted: i64,
    pub written_unassisted: i64,
}

#[expect(clippy::cast_precision_loss, reason = "sums far below 2^52")]
fn mean(total: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| total as f64 / n as f64)
}

impl AiSums {
    fn add(&mut self, c: &AiCell) {
        self.requested += c.requested;
        self.used += c.used;
        self.unassisted += c.unassisted;
        self.edit_distance += c.edit_distance;
        self.writing_ms_assisted += c.writing_ms_assisted;
        self.written_assisted += c.written_assisted;
        self.writing_ms_unassisted += c.writing_ms_unassisted;
        self.written_unassisted += c.written_unassisted;
    }

    /// Drafts used of drafts asked for.
    #[must_use]
    pub fn used_share(&self) -> Option<f64> {
        mean(self.used, self.requested)
    }

    /// Replies from a draft of all replies to patients.
    #[must_use]
    pub fn assisted_share(&self) -> Option<f64> {
        mean(self.used, self.used + self.unassisted)
    }

    /// Characters changed per draft used.
    #[must_use]
    pub fn mean_edit_distance(&self) -> Option<f64> {
        mean(self.edit_distance, self.used)
    }

    /// Minutes to write a reply from a draft.
    #[must_use]
    pub fn minutes_assisted(&self) -> Option<f64> {
        mean(self.writing_ms_assisted, self.written_assisted).map(|ms| ms / 60_000.0)
    }

    /// Minutes to write a reply without one.
    #[must_use]
    pub fn minutes_unassisted(&self) -> Option<f64> {
        mean(self.writing_ms_unassisted, self.written_unassisted).map(|ms| ms / 60_000.0)
    }

    /// Minutes a draft saved per reply (negative: it cost time), when both
    /// kinds of reply were timed.
    #[must_use]
    pub fn minutes_saved(&self) -> Option<f64> {
        Some(self.minutes_unassisted()? - self.minutes_assisted()?)
    }
}

/// Drafting per week (every week of the range) and per member of staff.
#[derive(Debug, Clone, PartialEq)]
pub struct AiFigures {
    pub applied: Applied,
    /// Weeks starting Monday.
    pub weeks: Vec<(NaiveDate, AiSums)>,
    /// By name.
    pub staff: Vec<(String, AiSums)>,
    pub total: AiSums,
}

/// Drafting in the range, by week and by member of staff.
pub async fn ai(app: &App, caller: &Caller, filter: super::InsightsFilter) -> AppResult<AiFigures> {
    let (query, applied) = query(app, caller, filter).await?;
    let cells = app.store.insight_ai(&query).await?;
    let monday = |d: NaiveDate| d - TimeDelta::days(i64::from(chrono::Datelike::weekday(&d).num_days_from_monday()));
    let mut weeks: BTreeMap<NaiveDate, AiSums> =
        applied.from.iter_days().take_while(|d| *d <= applied.to).map(|d| (monday(d), AiSums::default())).collect();
    let mut staff: BTreeMap<(String, carethread_core::ids::UserId), AiSums> = BTreeMap::new();
    let mut total = AiSums::default();
    for cell in &cells {
        if let Some(week) = date_of(cell.week).and_then(|w| weeks.get_mut(&w)) {
            week.add(cell);
        }
        staff.entry((cell.name.clone(), cell.id)).or_default().add(cell);
        total.add(cell);
    }
    Ok(AiFigures {
        applied,
        weeks: weeks.into_iter().collect(),
        staff: staff.into_iter().map(|((name, _), sums)| (name, sums)).collect(),
        total,
    })
}
