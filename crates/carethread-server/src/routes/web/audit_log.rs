//! The privacy officer's audit log page: filters, and the same query as CSV.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use carethread_core::policy;
use carethread_core::role::Role;
use chrono::Utc;
use maud::html;
use serde::Deserialize;

use super::pages::api_error_in;
use super::{WebSession, error_page, page};
use crate::AppState;
use crate::extract::ApiQuery;
use crate::routes::privacy::{AuditParams, audit_log};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page))
}

#[derive(Deserialize, Default)]
struct AuditFilter {
    #[serde(default)]
    patient: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The privacy officer's view of the audit log: filters by patient, action
/// and period, and the same query as CSV.
async fn audit_page(State(state): State<AppState>, session: WebSession, Query(f): Query<AuditFilter>) -> Response {
    let text = session.text;
    if policy::audit_access(session.auth.user.role) != policy::AuditAccess::Everything {
        return Redirect::to("/").into_response();
    }
    let some = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let params = AuditParams {
        patient: some(&f.patient),
        action: some(&f.action),
        from: some(&f.from),
        to: some(&f.to),
        limit: Some("200".to_owned()),
        ..AuditParams::default()
    };
    let response = match audit_log(State(state.clone()), session.auth.clone(), ApiQuery(params)).await {
        Ok(r) => r,
        Err(e) => return super::pages::api_error(text, &e),
    };
    let Ok(bytes) = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await else {
        return error_page(text, StatusCode::INTERNAL_SERVER_ERROR, text.get("error-generic"));
    };
    let Ok(entries) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return error_page(text, StatusCode::INTERNAL_SERVER_ERROR, text.get("error-generic"));
    };
    let patients: Vec<_> = match state.store.list_users().await {
        Ok(users) => users.into_iter().filter(|u| u.role == Role::Patient).collect(),
        Err(e) => return api_error_in(&session, &e.into()),
    };
    let csv = format!(
        "/api/v1/audit?format=csv&limit=1000{}{}{}{}",
        some(&f.patient).map(|p| format!("&patient={p}")).unwrap_or_default(),
        some(&f.action).map(|a| format!("&action={}", a.replace(['&', '#', ' '], ""))).unwrap_or_default(),
        some(&f.from).map(|d| format!("&from={d}")).unwrap_or_default(),
        some(&f.to).map(|d| format!("&to={d}")).unwrap_or_default(),
    );
    let name = |v: &serde_json::Value| v["display_name"].as_str().unwrap_or("—").to_owned();
    let rows = entries["entries"].as_array().cloned().unwrap_or_default();
    page(
        text,
        text.get("audit-title"),
        Some(&session),
        html! {
            form method="get" action="/audit" class="inline filters" {
                label for="audit-patient" { (text.get("inbasket-patient")) }
                select id="audit-patient" name="patient" {
                    option value="" { (text.get("inbasket-any")) }
                    @for p in &patients { option value=(p.id) selected[p.id.to_string() == f.patient] { (p.display_name.as_str()) } }
                }
                label for="audit-action" { (text.get("audit-action")) }
                input id="audit-action" name="action" type="text" value=(f.action) placeholder="thread.break_glass";
                label for="audit-from" { (text.get("audit-from")) }
                input id="audit-from" name="from" type="date" value=(f.from);
                label for="audit-to" { (text.get("audit-to")) }
                input id="audit-to" name="to" type="date" value=(f.to);
                button type="submit" { (text.get("inbasket-filter")) }
            }
            p { a href=(csv) download="audit.csv" { (text.get("audit-csv")) } }
            div class="scroll" tabindex="0" role="region" aria-label=(text.get("audit-title")) {
                table {
                    thead { tr {
                        th scope="col" { (text.get("privacy-when")) }
                        th scope="col" { (text.get("privacy-who")) }
                        th scope="col" { (text.get("audit-action")) }
                        th scope="col" { (text.get("inbasket-patient")) }
                        th scope="col" { (text.get("audit-detail")) }
                    } }
                    tbody {
                        @for e in &rows {
                            tr {
                                td { (e["at"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).map(|t| session.when(t.with_timezone(&Utc))).unwrap_or_default()) }
                                td { (name(&e["actor"])) }
                                td { (e["action"].as_str().unwrap_or("")) @if let Some(o) = e["outcome"].as_str() { " (" (o) ")" } }
                                td { (name(&e["patient"])) }
                                td { (e["detail"].as_str().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        },
    )
}
