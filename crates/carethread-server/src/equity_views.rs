//! The equity monitor in the shapes every interface shares: the JSON API's
//! answer (each group's figures and monthly rates), one table per dimension
//! that the portal draws as a chart beside the table, and one CSV of every
//! group. Groups are the values the clinic recorded and numbers; no patient
//! is named.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use carethread_app::equity::EquityQuery;
use carethread_core::equity::{EquityReport, GroupFigures};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::insights_views::{TableOut, cell, nonempty, table, wants_csv};

/// The range and margin, as a query string gives them.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EquityParams {
    /// Months back from now, 1 to 24 (default 12).
    pub months: Option<String>,
    /// How many percentage points a group's fall in messaging must exceed
    /// everyone else's by to be flagged, 0 to 100 (default 5).
    pub margin: Option<String>,
    /// `json` (default) or `csv` (every group of every dimension).
    pub format: Option<String>,
}

impl EquityParams {
    /// The application's query, each bad value named.
    pub fn query(&self) -> Result<EquityQuery, ApiError> {
        let months = nonempty(self.months.as_ref())
            .map(|m| m.parse::<u32>().map_err(|_| ApiError::invalid("months", "must be a whole number of months")))
            .transpose()?;
        let margin_points = nonempty(self.margin.as_ref())
            .map(|m| {
                m.parse::<f64>()
                    .ok()
                    .filter(|m| m.is_finite())
                    .ok_or_else(|| ApiError::invalid("margin", "must be a number of percentage points"))
            })
            .transpose()?;
        Ok(EquityQuery { months, margin_points })
    }

    /// Whether a CSV was asked for.
    pub fn wants_csv(&self) -> Result<bool, ApiError> {
        wants_csv(self.format.as_deref())
    }
}

/// Every group along one dimension.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EquityDimensionOut {
    /// `language`, `age_band`, `payer`, `sex`, `race`, `ethnicity`, or the clinic's own.
    pub dimension: String,
    pub groups: Vec<GroupFigures>,
}

/// The equity monitor over a range.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EquityOut {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// When e-visit billing was last turned on (`null`: never).
    pub billing_on: Option<DateTime<Utc>>,
    /// Where the "before" window starts (it is as long as "after" when the range allows).
    pub before_from: Option<DateTime<Utc>>,
    pub margin_points: f64,
    /// The first day of each month of the range, in the clinic's calendar.
    pub months: Vec<NaiveDate>,
    pub dimensions: Vec<EquityDimensionOut>,
}

impl From<&EquityReport> for EquityOut {
    fn from(report: &EquityReport) -> Self {
        Self {
            from: report.range.from,
            to: report.range.to,
            billing_on: report.range.billing_on,
            before_from: report.before_from,
            margin_points: report.range.margin_points,
            months: report.months.clone(),
            dimensions: report
                .dimensions
                .iter()
                .map(|d| EquityDimensionOut { dimension: d.dimension.as_str().to_owned(), groups: d.groups.clone() })
                .collect(),
        }
    }
}

/// The columns of a dimension's table.
pub const COLUMNS: [&str; 11] = [
    "group",
    "patients",
    "before_per_100",
    "after_per_100",
    "change_percent",
    "others_change_percent",
    "billed_percent",
    "declined_percent",
    "unanswered_before_percent",
    "unanswered_after_percent",
    "flagged",
];

fn tenth(x: Option<f64>) -> Value {
    x.map_or(Value::Null, |x| json!((x * 10.0).round() / 10.0))
}

fn percent(x: Option<f64>) -> Value {
    tenth(x.map(|x| x * 100.0))
}

/// One table per dimension (named by it), a row per group; the chart draws
/// the rates before and after.
#[must_use]
pub fn tables(report: &EquityReport) -> Vec<TableOut> {
    report
        .dimensions
        .iter()
        .map(|d| {
            let rows = d
                .groups
                .iter()
                .map(|g| {
                    vec![
                        json!(g.value.as_str()),
                        json!(g.patients),
                        tenth(g.before_per_100),
                        tenth(g.after_per_100),
                        tenth(g.change_percent),
                        tenth(g.others_change_percent),
                        percent(g.billed_share),
                        percent(g.declined_share),
                        percent(g.unanswered_before),
                        percent(g.unanswered_after),
                        json!(if g.flagged { "yes" } else { "no" }),
                    ]
                })
                .collect();
            table(d.dimension.as_str(), &COLUMNS, rows, &[2, 3])
        })
        .collect()
}

/// Every group of every dimension as RFC 4180 CSV (a `dimension` column
/// first), a cell a spreadsheet would run as a formula guarded.
#[must_use]
pub fn csv(report: &EquityReport) -> Response {
    let mut body = format!("dimension,{}\r\n", COLUMNS.join(","));
    for t in tables(report) {
        for row in &t.rows {
            body.push_str(&cell(&json!(t.name)));
            for value in row {
                body.push(',');
                body.push_str(&cell(value));
            }
            body.push_str("\r\n");
        }
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"carethread-equity.csv\"")),
        ],
        body,
    )
        .into_response()
}
