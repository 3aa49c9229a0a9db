//! The equity monitor in the portal (administrators): a form for the range
//! and the margin, when billing began, the groups flagged, and for each
//! dimension a chart of every group's messages per 100 patients a month
//! before and after, beside the table of all its figures; one CSV of every
//! group. The figures are the JSON API's (`equity_views`).

use axum::extract::{Query, State};
use axum::response::Response;
use carethread_app::equity;
use carethread_core::equity::EquityReport;
use maud::html;

use super::super::pages::api_error_in;
use super::super::{Text, WebSession, page};
use super::{chart_and_table, query_string, tabs};
use crate::AppState;
use crate::equity_views::{self, EquityParams};
use crate::error::ApiError;

pub(super) const PATH: &str = "/insights/equity";

/// The query string that keeps the range and margin.
fn kept(params: &EquityParams) -> String {
    query_string(&[("months", &params.months), ("margin", &params.margin)])
}

async fn report(state: &AppState, session: &WebSession, params: &EquityParams) -> Result<EquityReport, ApiError> {
    Ok(equity::report(&state.app(), &session.auth.caller(), params.query()?).await?)
}

/// A dimension's name in the reader's words (a clinic's own as it is).
pub(super) fn dimension_name(text: Text, dimension: &str) -> String {
    text.lookup(&format!("equity-dimension-{dimension}"), &[]).unwrap_or_else(|| dimension.replace('_', " "))
}

/// A group's value as the reader reads it ("not given" in their words).
pub(super) fn value_name(text: Text, value: &carethread_core::equity::GroupValue) -> String {
    if value.is_not_given() { text.get("equity-not-given").to_owned() } else { value.as_str().to_owned() }
}

pub(super) async fn show(
    State(state): State<AppState>,
    session: WebSession,
    Query(params): Query<EquityParams>,
) -> Response {
    let report = match report(&state, &session, &params).await {
        Ok(report) => report,
        Err(e) => return api_error_in(&session, &e),
    };
    let text = session.text;
    let flagged = report.flagged();
    let months = ((report.range.to - report.range.from).num_days() * 12 + 180) / 365;
    let margin = report.range.margin_points;
    let tz = report.range.timezone;
    let csv = format!("{PATH}/csv{}", kept(&params));
    let body = html! {
        (tabs(text, "equity", "", true))
        p { (text.get("equity-about")) }
        form method="get" action=(PATH) class="stack filters" aria-labelledby="equity-filters-h" {
            h2 id="equity-filters-h" { (text.get("insights-filters")) }
            div class="row" {
                label for="equity-months" { (text.get("equity-months")) }
                input id="equity-months" type="number" name="months" min="1" max="24" value=(months);
                label for="equity-margin" { (text.get("equity-margin")) }
                input id="equity-margin" type="number" name="margin" min="0" max="100" step="0.5" value=(margin);
            }
            button type="submit" class="primary" { (text.get("insights-show")) }
        }
        section aria-labelledby="equity-summary-h" {
            h2 id="equity-summary-h" { (text.get("insights-summary")) }
            @match report.range.billing_on {
                Some(on) => p { (text.fill("equity-billing-on", &[("date", &on.with_timezone(&tz).date_naive().to_string())])) },
                None => p { (text.get("equity-billing-never")) },
            }
            @if let Some(from) = report.before_from {
                p { (text.fill("equity-windows", &[("from", &from.with_timezone(&tz).date_naive().to_string())])) }
            }
            @if flagged.is_empty() {
                p { (text.fill("equity-none-flagged", &[("margin", &margin.to_string())])) }
            } @else {
                div class="notice warning" role="status" {
                    p { strong { (text.fill("equity-flagged", &[("margin", &margin.to_string())])) } }
                    ul {
                        @for (dimension, group) in &flagged {
                            li {
                                (dimension_name(text, dimension.as_str())) ": " (group.value.as_str())
                                " (" (format!("{:.1}%", group.change_percent.unwrap_or_default()))
                                " / " (format!("{:.1}%", group.others_change_percent.unwrap_or_default())) ")"
                            }
                        }
                    }
                }
            }
            p { a href=(csv) download { (text.get("equity-csv")) } }
        }
        @for (table, dimension) in equity_views::tables(&report).iter().zip(&report.dimensions) {
            (chart_and_table(text, table, &text.fill("equity-table", &[("dimension", &dimension_name(text, dimension.dimension.as_str()))]),
                &csv))
        }
        p class="hint" { (text.get("equity-groups-help")) }
    };
    page(text, text.get("equity-title"), Some(&session), body)
}

pub(super) async fn download(
    State(state): State<AppState>,
    session: WebSession,
    Query(params): Query<EquityParams>,
) -> Response {
    match report(&state, &session, &params).await {
        Ok(report) => equity_views::csv(&report),
        Err(e) => api_error_in(&session, &e),
    }
}
