//! The clinic's insights in the portal (administrators and clinic leads):
//! one page per section (volume, response, workload, quality and safety,
//! AI and drafting) and the equity monitor (`equity.rs`, administrators). Each
//! page has a filter form (a plain GET form), the headline figures, and per
//! table an SVG chart (`chart.rs`) beside the same figures as a table, with
//! the table's CSV to download. The figures come from the same code as the
//! JSON API (`insights_views`), so the two never disagree.

mod chart;
mod equity;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use carethread_app::insights::FilterChoices;
use carethread_core::thread::{Category, Urgency};
use maud::{Markup, html};
use serde_json::Value;

use super::pages::api_error_in;
use super::{Text, WebSession, page};
use crate::AppState;
use crate::error::ApiError;
use crate::insights_views::{self, InsightsOut, InsightsParams, SECTIONS, TableOut};
use chart::{Series, bar_chart};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/insights",
            get(|state: State<AppState>, session: WebSession, query: Query<InsightsParams>| async move {
                show(state, session, "volume".to_owned(), query).await
            }),
        )
        .route(
            "/insights/{section}",
            get(|state, session, Path(name): Path<String>, query| show(state, session, name, query)),
        )
        .route("/insights/{section}/csv/{table}", get(download))
        .route(equity::PATH, get(equity::show))
        .route("/insights/equity/csv", get(equity::download))
}

/// Where each section lives.
fn href(section: &str) -> String {
    if section == "volume" { "/insights".to_owned() } else { format!("/insights/{section}") }
}

/// The query string that keeps the range and filters from page to page.
fn kept(params: &InsightsParams) -> String {
    query_string(&[
        ("from", &params.from),
        ("to", &params.to),
        ("pool", &params.pool),
        ("category", &params.category),
        ("urgency", &params.urgency),
        ("clinician", &params.clinician),
        ("group", &params.group),
    ])
}

/// `?name=value&…` of the pairs given a value (escaped), or nothing.
fn query_string(pairs: &[(&str, &Option<String>)]) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            out.push(if out.is_empty() { '?' } else { '&' });
            out.push_str(name);
            out.push('=');
            out.push_str(&percent(v));
        }
    }
    out
}

fn percent(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn show(
    State(state): State<AppState>,
    session: WebSession,
    name: String,
    Query(params): Query<InsightsParams>,
) -> Response {
    let app = state.app();
    let caller = session.auth.caller();
    let result = async {
        let out = insights_views::section(&app, &caller, &name, &params).await?;
        let choices = carethread_app::insights::filter_choices(&app, &caller).await?;
        Ok::<_, ApiError>((out, choices))
    }
    .await;
    let (out, choices) = match result {
        Ok(found) => found,
        Err(e) => return api_error_in(&session, &e),
    };
    let text = session.text;
    let title = text.get(&format!("insights-section-{}", out.section));
    let body = html! {
        (tabs(text, out.section, &kept(&params), may_view_equity(&session)))
        p { (text.get(&format!("insights-about-{}", out.section))) }
        (filters(text, &out, &choices, &params))
        (summary(text, &out))
        @for table in &out.tables {
            (figure(text, &out, table, &params))
        }
    };
    page(text, title, Some(&session), body)
}

fn may_view_equity(session: &WebSession) -> bool {
    carethread_core::policy::may_view_equity(session.auth.user.role)
}

/// The menu of sections: each insights section (keeping the range and
/// filters, `kept`) and, for administrators, the equity monitor.
fn tabs(text: Text, current: &str, kept: &str, equity: bool) -> Markup {
    html! {
        nav aria-label=(text.get("insights-title")) class="tabs" {
            @for s in SECTIONS {
                a href={ (href(s)) (kept) } aria-current=[(s == current).then_some("page")] {
                    (text.get(&format!("insights-section-{s}")))
                } " "
            }
            @if equity {
                a href=(equity::PATH) aria-current=[(current == "equity").then_some("page")] { (text.get("equity-title")) }
            }
        }
    }
}

async fn download(
    State(state): State<AppState>,
    session: WebSession,
    Path((name, table)): Path<(String, String)>,
    Query(params): Query<InsightsParams>,
) -> Response {
    let app = state.app();
    let result = async {
        let out = insights_views::section(&app, &session.auth.caller(), &name, &params).await?;
        insights_views::csv(&out, Some(&table))
    }
    .await;
    result.unwrap_or_else(|e| api_error_in(&session, &e))
}

fn filters(text: Text, out: &InsightsOut, choices: &FilterChoices, params: &InsightsParams) -> Markup {
    let pools = &choices.pools;
    let chosen = |value: &Option<String>, option: &str| value.as_deref() == Some(option);
    html! {
        form method="get" action=(href(out.section)) class="stack filters" aria-labelledby="insights-filters-h" {
            h2 id="insights-filters-h" { (text.get("insights-filters")) }
            div class="row" {
                label for="insights-from" { (text.get("insights-from")) }
                input id="insights-from" type="date" name="from" value=(out.from);
                label for="insights-to" { (text.get("insights-to")) }
                input id="insights-to" type="date" name="to" value=(out.to);
            }
            div class="row" {
                label for="insights-pool" { (text.get("insights-pool")) }
                select id="insights-pool" name="pool" {
                    option value="" { (text.get("insights-any")) }
                    @for p in pools {
                        option value=(p.slug) selected[chosen(&params.pool, &p.slug)] { (p.name) }
                    }
                }
                label for="insights-category" { (text.get("insights-category")) }
                select id="insights-category" name="category" {
                    option value="" { (text.get("insights-any")) }
                    @for c in Category::ALL {
                        option value=(c.as_str()) selected[chosen(&params.category, c.as_str())] {
                            (text.get(&format!("category-{}", c.as_str())))
                        }
                    }
                }
                label for="insights-urgency" { (text.get("insights-urgency")) }
                select id="insights-urgency" name="urgency" {
                    option value="" { (text.get("insights-any")) }
                    @for u in Urgency::ALL {
                        option value=(u.as_str()) selected[chosen(&params.urgency, u.as_str())] {
                            (text.get(&format!("urgency-{}", u.as_str())))
                        }
                    }
                }
            }
            div class="row" {
                label for="insights-clinician" { (text.get("insights-clinician")) }
                select id="insights-clinician" name="clinician" {
                    option value="" { (text.get("insights-any")) }
                    @for s in &choices.staff {
                        @let id = s.id.to_string();
                        option value=(id) selected[chosen(&params.clinician, &id)] { (s.display_name) }
                    }
                }
                label for="insights-group" { (text.get("insights-group")) }
                select id="insights-group" name="group" {
                    option value="" { (text.get("insights-any")) }
                    @for (dimension, value) in &choices.groups {
                        @let slug = format!("{}:{}", dimension.as_str(), value.as_str());
                        option value=(slug) selected[chosen(&params.group, &slug)] {
                            (equity::dimension_name(text, dimension.as_str())) ": " (equity::value_name(text, value))
                        }
                    }
                }
            }
            button type="submit" class="primary" { (text.get("insights-show")) }
        }
    }
}

fn summary(text: Text, out: &InsightsOut) -> Markup {
    html! {
        section aria-labelledby="insights-summary-h" {
            h2 id="insights-summary-h" { (text.get("insights-summary")) }
            dl class="figures" {
                @for f in &out.summary {
                    dt { (text.get(&format!("insights-fig-{}", f.name))) }
                    dd {
                        @match f.value {
                            None => "—",
                            Some(v) if f.share => (format!("{:.0}%", v * 100.0)),
                            Some(v) => (format!("{v:.0}")),
                        }
                    }
                }
            }
        }
    }
}

/// A cell as the reader reads it: slugs in their words, numbers as they are.
fn shown(text: Text, column: &str, value: &Value) -> String {
    let slug = match value {
        Value::String(s) => s.as_str(),
        Value::Null => return "—".to_owned(),
        other => return other.to_string(),
    };
    let key = match column {
        "category" => format!("category-{slug}"),
        "urgency" => format!("urgency-{slug}"),
        "role" => format!("role-{slug}"),
        "band" | "closed_within" => format!("insights-band-{slug}"),
        "direction" => format!("insights-direction-{slug}"),
        "flagged" => format!("equity-flagged-{slug}"),
        "group" if slug == carethread_core::equity::NOT_GIVEN => "equity-not-given".to_owned(),
        "pool" if slug == "none" => "insights-no_pool".to_owned(),
        "replied_by" if slug == "none" => "insights-no_reply_before".to_owned(),
        _ => return slug.to_owned(),
    };
    text.lookup(&key, &[]).unwrap_or_else(|| slug.to_owned())
}

fn figure(text: Text, out: &InsightsOut, table: &TableOut, params: &InsightsParams) -> Markup {
    let caption = text.get(&format!("insights-table-{}", table.name));
    let csv = format!("/insights/{}/csv/{}{}", out.section, table.name, kept(params));
    chart_and_table(text, table, caption, &csv)
}

/// A table's chart beside the table itself, under `caption`, with its CSV
/// at `csv`.
pub(super) fn chart_and_table(text: Text, table: &TableOut, caption: &str, csv: &str) -> Markup {
    let heading = format!("insights-{}-h", table.name.replace('_', "-"));
    let labels: Vec<String> = table
        .rows
        .iter()
        .map(|row| row.first().map(|v| shown(text, table.columns[0], v)).unwrap_or_default())
        .collect();
    let series: Vec<Series<'_>> = table
        .chart
        .iter()
        .map(|&i| Series {
            name: text.get(&format!("insights-col-{}", table.columns[i])),
            values: table.rows.iter().map(|row| row.get(i).and_then(Value::as_f64).unwrap_or(0.0)).collect(),
        })
        .collect();
    html! {
        section aria-labelledby=(heading) class="insight" {
            h2 id=(heading) { (caption) }
            @if table.rows.is_empty() {
                p { (text.get("insights-no_data")) }
            } @else {
                div class="insight-pair" {
                    (bar_chart(&format!("{heading}-chart"), caption, &labels, &series))
                    div class="scroll" tabindex="0" role="region" aria-labelledby=(heading) {
                        table {
                            caption class="visually-hidden" { (caption) }
                            thead { tr {
                                @for c in &table.columns { th scope="col" { (text.get(&format!("insights-col-{c}"))) } }
                            } }
                            tbody {
                                @for row in &table.rows {
                                    tr {
                                        @for (i, value) in row.iter().enumerate() {
                                            @if i == 0 {
                                                th scope="row" { (shown(text, table.columns[i], value)) }
                                            } @else {
                                                td { (shown(text, table.columns[i], value)) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p { a href=(csv) download { (text.get("insights-csv")) ": " (caption) } }
        }
    }
}
