//! The clinic's insights in one shape every interface shares: a section's
//! headline figures and its tables (named columns, one row per bar). The
//! JSON API answers with it, a table's CSV is written from it, and the
//! portal draws each table as an SVG chart beside the same table. Values
//! are stable slugs (`routine`, `waiting_overdue`) and numbers; the portal
//! puts them in the reader's words.

use carethread_app::insights::{
    AiFigures, AiSums, Applied, InsightsFilter, ResponseFigures, SafetyFigures, VolumeFigures, WorkloadFigures,
};
use carethread_core::thread::{Category, Urgency};
use carethread_store::{Band, CloseBand, Direction};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

mod csv;
pub(crate) use csv::cell;
pub use csv::csv;

/// The sections, in the order of the menu.
pub const SECTIONS: [&str; 5] = ["volume", "response", "workload", "safety", "ai"];

/// A range and filters, as a query string gives them.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InsightsParams {
    /// First day, the clinic's calendar (`2026-01-05`); default four weeks before `to`.
    pub from: Option<String>,
    /// Last day, included; default today. At most 366 days after `from`.
    pub to: Option<String>,
    /// A pool's slug.
    pub pool: Option<String>,
    /// `medication`, `scheduling`, `results`, `clinical`, `administrative` or `other`.
    pub category: Option<String>,
    /// `emergency`, `urgent` or `routine`.
    pub urgency: Option<String>,
    /// A member of staff's id: the threads assigned to them or answered by them.
    pub clinician: Option<String>,
    /// A group of patients as `dimension:value` (`language:es`, `age_band:65+`,
    /// `payer:medicaid`, `payer:not given`).
    pub group: Option<String>,
    /// `json` (default) or `csv` (one table, named by `table`).
    pub format: Option<String>,
    /// The table a CSV holds, e.g. `per_day`.
    pub table: Option<String>,
}

/// A query parameter's value, trimmed; `None` when absent or blank.
pub(crate) fn nonempty(raw: Option<&String>) -> Option<&str> {
    raw.map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// Whether `format` asks for CSV (`json`, the default, does not).
pub(crate) fn wants_csv(format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        None | Some("" | "json") => Ok(false),
        Some("csv") => Ok(true),
        Some(_) => Err(ApiError::invalid("format", "must be json or csv")),
    }
}

impl InsightsParams {
    /// The application's filter, each bad value named.
    pub fn filter(&self) -> Result<InsightsFilter, ApiError> {
        let date = |field: &'static str, raw: Option<&String>| {
            nonempty(raw)
                .map(|s| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|_| ApiError::invalid(field, "must be a date as YYYY-MM-DD"))
                })
                .transpose()
        };
        Ok(InsightsFilter {
            from: date("from", self.from.as_ref())?,
            to: date("to", self.to.as_ref())?,
            pool: nonempty(self.pool.as_ref()).map(str::to_owned),
            category: nonempty(self.category.as_ref()).map(Category::parse).transpose()?,
            urgency: nonempty(self.urgency.as_ref()).map(Urgency::parse).transpose()?,
            clinician: nonempty(self.clinician.as_ref()).map(str::to_owned),
            group: nonempty(self.group.as_ref()).map(str::to_owned),
        })
    }

    /// Whether a CSV was asked for.
    pub fn wants_csv(&self) -> Result<bool, ApiError> {
        wants_csv(self.format.as_deref())
    }
}

/// A headline figure: a count, or a share from 0 to 1 (`null` when there
/// is nothing to divide by).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FigureOut {
    pub name: &'static str,
    pub value: Option<f64>,
    /// Whether `value` is a share (shown as a percentage).
    pub share: bool,
}

/// One table: its columns and rows (a slug or date first, then numbers).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TableOut {
    pub name: String,
    pub columns: Vec<&'static str>,
    /// Each cell a string (a slug, date or name), a number, or null.
    pub rows: Vec<Vec<Value>>,
    /// The columns a chart draws (indexes into `columns`).
    #[serde(skip)]
    pub chart: Vec<usize>,
}

/// A section of the insights over a range.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InsightsOut {
    pub section: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub pool: Option<String>,
    pub category: Option<String>,
    pub urgency: Option<String>,
    /// A member of staff's id.
    pub clinician: Option<String>,
    /// A group of patients, `dimension:value`.
    pub group: Option<String>,
    pub summary: Vec<FigureOut>,
    pub tables: Vec<TableOut>,
}

fn out(section: &'static str, applied: &Applied, summary: Vec<FigureOut>, tables: Vec<TableOut>) -> InsightsOut {
    InsightsOut {
        section,
        from: applied.from,
        to: applied.to,
        pool: applied.pool.clone(),
        category: applied.category.map(|c| c.as_str().to_owned()),
        urgency: applied.urgency.map(|u| u.as_str().to_owned()),
        clinician: applied.clinician.map(|c| c.to_string()),
        group: applied.group.clone(),
        summary,
        tables,
    }
}

#[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
fn count(name: &'static str, n: i64) -> FigureOut {
    FigureOut { name, value: Some(n as f64), share: false }
}

fn share(name: &'static str, value: Option<f64>) -> FigureOut {
    FigureOut { name, value, share: true }
}

pub(crate) fn table(name: &str, columns: &[&'static str], rows: Vec<Vec<Value>>, chart: &[usize]) -> TableOut {
    TableOut { name: name.to_owned(), columns: columns.to_vec(), rows, chart: chart.to_vec() }
}

fn pool_name(pool: Option<&String>) -> Value {
    json!(pool.map_or("none", String::as_str))
}

fn week_row(week: NaiveDate, counts: &[i64]) -> Vec<Value> {
    std::iter::once(json!(week)).chain(counts.iter().map(|n| json!(n))).collect()
}

fn rounded(x: Option<f64>) -> Value {
    x.map_or(Value::Null, |v| json!((v * 10.0).round() / 10.0))
}

#[must_use]
pub fn volume_out(v: &VolumeFigures) -> InsightsOut {
    let summary = vec![
        count("messages", v.total),
        share("after_hours_share", v.after_hours_share()),
        count("threads_started", v.threads_started),
        share("no_reply_share", v.no_reply_share()),
        count("patients", v.patients),
    ];
    let tables = vec![
        table(
            "per_day",
            &["day", "messages", "after_hours"],
            v.days.iter().map(|(d, n, a)| vec![json!(d), json!(n), json!(a)]).collect(),
            &[1, 2],
        ),
        table("per_week", &["week", "messages"], v.weeks.iter().map(|(w, n)| vec![json!(w), json!(n)]).collect(), &[1]),
        table(
            "per_week_by_category",
            &["week", "medication", "scheduling", "results", "clinical", "administrative", "other"],
            v.weeks_by_category.iter().map(|(w, n)| week_row(*w, n)).collect(),
            &[1, 2, 3, 4, 5, 6],
        ),
        table(
            "per_week_by_urgency",
            &["week", "emergency", "urgent", "routine"],
            v.weeks_by_urgency.iter().map(|(w, n)| week_row(*w, n)).collect(),
            &[1, 2, 3],
        ),
        table(
            "per_month",
            &["month", "messages", "per_100_patients"],
            v.months
                .iter()
                .map(|(m, n, p)| vec![json!(m.format("%Y-%m").to_string()), json!(n), rounded(*p)])
                .collect(),
            &[2],
        ),
        table(
            "by_category",
            &["category", "messages"],
            v.by_category.iter().map(|(c, n)| vec![json!(c.as_str()), json!(n)]).collect(),
            &[1],
        ),
        table(
            "by_urgency",
            &["urgency", "messages"],
            v.by_urgency.iter().map(|(u, n)| vec![json!(u.as_str()), json!(n)]).collect(),
            &[1],
        ),
        table(
            "by_pool",
            &["pool", "messages"],
            v.by_pool.iter().map(|(p, n)| vec![pool_name(p.as_ref()), json!(n)]).collect(),
            &[1],
        ),
    ];
    out("volume", &v.applied, summary, tables)
}

#[must_use]
pub fn response_out(r: &ResponseFigures) -> InsightsOut {
    let summary = vec![
        count("threads", r.threads),
        count("overdue", r.overdue),
        share("overdue_share", r.overdue_share()),
        share("unread_after_2_days", r.unread_share()),
        count("target_routine_days", i64::from(r.targets.routine_reply_days)),
        count("target_urgent_hours", i64::from(r.targets.urgent_reply_hours)),
        count("target_emergency_minutes", i64::from(r.targets.emergency_reply_minutes)),
    ];
    let in_band = |u: Urgency, b: Band| {
        r.reply
            .iter()
            .find(|(x, _)| *x == u)
            .and_then(|(_, bands)| bands.iter().find(|(y, _)| *y == b))
            .map_or(0, |x| x.1)
    };
    let first_reply = Band::ALL
        .iter()
        .map(|b| {
            vec![
                json!(b.as_str()),
                json!(in_band(Urgency::Emergency, *b)),
                json!(in_band(Urgency::Urgent, *b)),
                json!(in_band(Urgency::Routine, *b)),
            ]
        })
        .collect();
    let tables = vec![
        table("first_reply", &["band", "emergency", "urgent", "routine"], first_reply, &[1, 2, 3]),
        table(
            "closing",
            &["closed_within", "threads"],
            r.close.iter().map(|(b, n): &(CloseBand, i64)| vec![json!(b.as_str()), json!(n)]).collect(),
            &[1],
        ),
        table(
            "overdue_by_pool",
            &["pool", "overdue", "threads"],
            r.by_pool.iter().map(|(p, o, n)| vec![pool_name(p.as_ref()), json!(o), json!(n)]).collect(),
            &[1, 2],
        ),
        table(
            "unread_by_pool",
            &["pool", "replies", "unread"],
            r.unread.iter().map(|u| vec![pool_name(u.pool.as_ref()), json!(u.replies), json!(u.unread)]).collect(),
            &[1, 2],
        ),
    ];
    out("response", &r.applied, summary, tables)
}

#[must_use]
pub fn workload_out(w: &WorkloadFigures) -> InsightsOut {
    let staff = w
        .workload
        .staff
        .iter()
        .map(|s| {
            vec![
                json!(s.name),
                json!(s.role.as_str()),
                json!(s.threads),
                json!(s.replies),
                json!(s.moved_in),
                json!(s.moved_out),
                json!(s.coverage_received),
            ]
        })
        .collect();
    let pools = w
        .workload
        .pools
        .iter()
        .map(|p| {
            vec![
                json!(p.name),
                json!(p.threads),
                json!(p.replies),
                json!(p.moved_in),
                json!(p.moved_out),
                json!(p.coverage_received),
            ]
        })
        .collect();
    let replies: i64 = w.workload.staff.iter().map(|s| s.replies).sum();
    #[expect(clippy::cast_precision_loss, reason = "seconds of work in a range")]
    let minutes = |seconds: i64| json!((seconds as f64 / 6.0).round() / 10.0);
    let time = w
        .workload
        .staff
        .iter()
        .filter(|s| s.active_seconds > 0)
        .map(|s| vec![json!(s.name), minutes(s.active_seconds), minutes(s.after_hours_seconds)])
        .collect();
    let tables = vec![
        table(
            "staff",
            &["name", "role", "threads", "replies", "moved_in", "moved_out", "coverage_received"],
            staff,
            &[3, 4, 5, 6],
        ),
        table(
            "pools",
            &["pool", "threads", "replies", "moved_in", "moved_out", "coverage_received"],
            pools,
            &[2, 3, 4, 5],
        ),
        table("active_time", &["name", "active_minutes", "after_hours_minutes"], time, &[1, 2]),
    ];
    out("workload", &w.applied, vec![count("replies", replies)], tables)
}

#[must_use]
pub fn safety_out(s: &SafetyFigures) -> InsightsOut {
    let emergencies: i64 = s.emergencies.iter().map(|(_, n)| n).sum();
    let summary = vec![
        count("emergencies", emergencies),
        count("target_emergency_minutes", i64::from(s.emergency_minutes)),
        count("raised", s.overrides_toward(Direction::Raised)),
        count("lowered", s.overrides_toward(Direction::Lowered)),
        share("replies_above_grade_8", s.above_grade_8_share()),
        share("answered_yes", s.answered_yes_share()),
    ];
    let tables = vec![
        table(
            "emergency_first_open",
            &["band", "threads"],
            s.emergencies.iter().map(|(b, n)| vec![json!(b.as_str()), json!(n)]).collect(),
            &[1],
        ),
        table(
            "overrides",
            &["direction", "category", "overrides"],
            s.overrides
                .iter()
                .map(|o| vec![json!(o.direction.as_str()), json!(o.category.as_str()), json!(o.overrides)])
                .collect(),
            &[2],
        ),
        table(
            "reading_level",
            &["name", "replies", "above_grade_8"],
            s.reading.iter().map(|r| vec![json!(r.name), json!(r.replies), json!(r.above_grade_8)]).collect(),
            &[1, 2],
        ),
        table(
            "answers",
            &["replied_by", "yes", "no"],
            s.answers
                .iter()
                .map(|a| vec![a.name.as_ref().map_or(json!("none"), |n| json!(n)), json!(a.yes), json!(a.no)])
                .collect(),
            &[1, 2],
        ),
    ];
    out("safety", &s.applied, summary, tables)
}

/// One row of drafting figures after its first cell.
fn ai_row(first: Value, s: &AiSums) -> Vec<Value> {
    vec![
        first,
        json!(s.requested),
        json!(s.used),
        json!(s.unassisted),
        rounded(s.used_share().map(|x| x * 100.0)),
        rounded(s.mean_edit_distance()),
        rounded(s.minutes_assisted()),
        rounded(s.minutes_unassisted()),
        rounded(s.minutes_saved()),
    ]
}

const AI_COLUMNS: [&str; 8] = [
    "drafts_requested",
    "drafts_used",
    "replies_without_draft",
    "drafts_used_percent",
    "mean_edit_distance",
    "minutes_with_draft",
    "minutes_without_draft",
    "minutes_saved",
];

#[must_use]
pub fn ai_out(a: &AiFigures) -> InsightsOut {
    let t = &a.total;
    let summary = vec![
        count("drafts_requested", t.requested),
        count("drafts_used", t.used),
        share("drafts_used_share", t.used_share()),
        share("replies_from_drafts", t.assisted_share()),
        FigureOut { name: "mean_edit_distance", value: t.mean_edit_distance(), share: false },
        FigureOut { name: "minutes_saved", value: t.minutes_saved(), share: false },
    ];
    let columns = |first: &'static str| std::iter::once(first).chain(AI_COLUMNS).collect::<Vec<_>>();
    let tables = vec![
        table("ai_per_week", &columns("week"), a.weeks.iter().map(|(w, s)| ai_row(json!(w), s)).collect(), &[1, 2]),
        table("ai_per_person", &columns("name"), a.staff.iter().map(|(n, s)| ai_row(json!(n), s)).collect(), &[1, 2]),
        table(
            "ai_writing_time",
            &["week", "minutes_with_draft", "minutes_without_draft"],
            a.weeks
                .iter()
                .map(|(w, s)| vec![json!(w), rounded(s.minutes_assisted()), rounded(s.minutes_unassisted())])
                .collect(),
            &[1, 2],
        ),
    ];
    out("ai", &a.applied, summary, tables)
}

/// A section of the insights, as the application counts it: the caller is
/// refused before the query string is read.
pub async fn section(
    app: &carethread_app::App,
    caller: &carethread_app::Caller,
    section: &str,
    params: &InsightsParams,
) -> Result<InsightsOut, ApiError> {
    use carethread_app::insights;
    insights::refuse(caller)?;
    let filter = params.filter()?;
    Ok(match section {
        "volume" => volume_out(&insights::volume(app, caller, filter).await?),
        "response" => response_out(&insights::response(app, caller, filter).await?),
        "workload" => workload_out(&insights::workload(app, caller, filter).await?),
        "safety" => safety_out(&insights::safety(app, caller, filter).await?),
        "ai" => ai_out(&insights::ai(app, caller, filter).await?),
        _ => return Err(ApiError::NotFound),
    })
}
