//! The privacy officer's audit log page: filters, and the same query as CSV.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use carethread_app::audit::{self, AuditPatient, ReadAudit};
use carethread_core::audit::AuditAction;
use carethread_core::ids::UserId;
use carethread_core::policy;
use chrono::NaiveDate;
use maud::html;
use serde::Deserialize;

use super::pages::api_error_in;
use super::{WebSession, page};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::parse_uuid_field;

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
    let day = |field: &'static str, raw: &str| {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
            .ok_or_else(|| ApiError::invalid(field, "must be a date (YYYY-MM-DD)"))
    };
    let query = (|| -> Result<ReadAudit, ApiError> {
        Ok(ReadAudit {
            patient: match some(&f.patient) {
                None => AuditPatient::Any,
                Some(raw) => AuditPatient::Patient(parse_uuid_field::<UserId>("patient", &raw)?),
            },
            action: some(&f.action).map(|a| AuditAction::parse(&a)).transpose()?,
            from: some(&f.from).map(|d| day("from", &d)).transpose()?,
            to: some(&f.to).map(|d| day("to", &d)).transpose()?,
            limit: 200,
            ..ReadAudit::default()
        })
    })();
    let (app, caller) = (state.app(), session.auth.caller());
    let found = match query {
        Ok(query) => audit::read_audit(&app, &caller, query).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let rows = match found {
        Ok(page) => page.entries,
        Err(e) => return api_error_in(&session, &e),
    };
    let patients = match audit::audited_patients(&app, &caller).await {
        Ok(p) => p,
        Err(e) => return api_error_in(&session, &e.into()),
    };
    let csv = format!(
        "/api/v1/audit?format=csv&limit=1000{}{}{}{}",
        some(&f.patient).map(|p| format!("&patient={p}")).unwrap_or_default(),
        some(&f.action).map(|a| format!("&action={}", a.replace(['&', '#', ' '], ""))).unwrap_or_default(),
        some(&f.from).map(|d| format!("&from={d}")).unwrap_or_default(),
        some(&f.to).map(|d| format!("&to={d}")).unwrap_or_default(),
    );
    let name = |p: Option<&carethread_store::PersonRef>| p.map_or_else(|| "—".to_owned(), |p| p.display_name.clone());
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
                    (super::admin::column_heads(text, &["privacy-when", "privacy-who", "audit-action", "inbasket-patient", "audit-detail"]))
                    tbody {
                        @for e in &rows {
                            tr {
                                td { (session.when(e.at)) }
                                td { (name(e.actor.as_ref())) }
                                td { (e.action) " (" (e.outcome) ")" }
                                td { (name(e.patient.as_ref())) }
                                td { (e.detail.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        },
    )
}
