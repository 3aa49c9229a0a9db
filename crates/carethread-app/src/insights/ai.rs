//! Drafting over time: per week and per member of staff, drafts asked for
//! and used, how much clinicians changed them, and whether replies written
//! from a draft took less time to write than replies without one.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};

use super::{Applied, date_of, query};
use crate::{App, AppResult, Caller};

/// Drafting summed over some weeks or people.
pub type AiSums = carethread_store::AiCounts;

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
            week.add(&cell.counts);
        }
        staff.entry((cell.name.clone(), cell.id)).or_default().add(&cell.counts);
        total.add(&cell.counts);
    }
    Ok(AiFigures {
        applied,
        weeks: weeks.into_iter().collect(),
        staff: staff.into_iter().map(|((name, _), sums)| (name, sums)).collect(),
        total,
    })
}
