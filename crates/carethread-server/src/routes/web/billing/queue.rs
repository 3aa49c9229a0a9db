//! Billing staff's queue page (periods with patient, clinician, code,
//! minutes, message count, dates and exclusions; approve, hold or reject
//! with a reason; export approved claims as CSV or FHIR) and the administrators'
//! billing settings page. No message text is shown or read.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carethread_app::billing::queue::{self, ClaimChoice};
use carethread_app::billing::{self, SetupInput};
use carethread_core::billing::Exclusion;
use carethread_store::ClaimStatus;
use maud::html;
use serde::Deserialize;

use super::super::pages::api_error_in;
use super::super::{WebSession, page};
use crate::AppState;
use crate::billing_periods::{parse_period, period_name};
use crate::claims_export::{self, ExportFormat};
use crate::error::ApiError;
use crate::routes::web::Checked;

/// The queue page.
pub(in super::super) const PATH: &str = "/billing";
/// The administrators' settings page.
pub(in super::super) const SETTINGS_PATH: &str = "/admin/billing";

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(PATH, get(queue_page))
        .route("/billing/periods/{period}", post(decide_submit))
        .route("/billing/export", post(export_submit))
        .route(SETTINGS_PATH, get(settings_page).post(settings_submit))
}

async fn queue_page(State(state): State<AppState>, session: WebSession) -> Response {
    let text = session.text;
    let rows = match queue::queue(&state.app(), &session.auth.caller()).await {
        Ok(rows) => rows,
        Err(e) => return api_error_in(&session, &e.into()),
    };
    let exclusion = |e: &Exclusion| format!("{} ({})", e.meaning(text.0), e.as_str());
    page(
        text,
        text.get("billing-queue_title"),
        Some(&session),
        html! {
            form method="post" action="/billing/export" class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                button type="submit" class="primary" name="format" value="csv" { (text.get("billing-export")) }
                " "
                button type="submit" name="format" value="fhir" { (text.get("billing-export-fhir")) }
            }
            @if rows.is_empty() {
                p { (text.get("billing-queue_empty")) }
            } @else {
                div class="table-scroll" {
                table {
                    thead { tr {
                        @for key in ["billing-col-patient", "billing-col-clinician", "billing-col-code", "billing-col-minutes",
                            "billing-col-messages", "billing-col-dates", "billing-col-exclusions", "billing-col-status", "billing-col-act"] {
                            th scope="col" { (text.get(key)) }
                        }
                    } }
                    tbody {
                        @for r in &rows {
                            @let name = period_name(&r.key);
                            tr {
                                td { (r.patient_name) }
                                td { (r.clinician_name) }
                                td { (r.code.map_or("—", |c| c.as_str())) }
                                td { (text.fill("billing-minutes_cell", &[
                                    ("attested", &r.attested_minutes.map_or_else(|| "—".to_owned(), |m| m.to_string())),
                                    ("measured", &r.measured_minutes.to_string()),
                                ])) }
                                td { (r.messages) }
                                td { (r.service_date.to_string()) " – " (session.when(r.period_end)) }
                                td { @if r.exclusions.is_empty() { (text.get("billing-none")) } @else {
                                    ul { @for e in &r.exclusions { li { (exclusion(e)) } } } } }
                                td { (text.get(&format!("billing-status-{}", r.status.as_str())))
                                    @if let Some(why) = &r.reason { br; (why) } }
                                td {
                                    form method="post" action={ "/billing/periods/" (name) } class="stack" {
                                        input type="hidden" name="csrf_token" value=(session.csrf);
                                        label for={ "reason-" (name) } { (text.get("billing-reason")) }
                                        input id={ "reason-" (name) } name="reason" type="text" maxlength="500";
                                        @if r.code.is_some() {
                                            button type="submit" name="status" value="approved" { (text.get("billing-approve")) }
                                        }
                                        button type="submit" name="status" value="held" { (text.get("billing-hold")) }
                                        button type="submit" name="status" value="rejected" { (text.get("billing-reject")) }
                                    }
                                }
                            }
                        }
                    }
                }
                }
            }
        },
    )
}

#[derive(Deserialize)]
struct DecideForm {
    status: String,
    #[serde(default)]
    reason: String,
}

async fn decide_submit(
    State(state): State<AppState>,
    Path(period): Path<String>,
    Checked(session, form): Checked<DecideForm>,
) -> Response {
    let result = async {
        if !carethread_core::policy::may_review_billing(session.auth.user.role) {
            return Err(ApiError::Forbidden("only billing staff work the online visit billing queue".into()));
        }
        let key = parse_period(&period)?;
        let choice = ClaimChoice { status: ClaimStatus::parse(form.status.trim())?, reason: Some(form.reason) };
        queue::decide_claim(&state.app(), &session.auth.caller(), key, choice).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(PATH).into_response(),
        Err(e) => api_error_in(&session, &e),
    }
}

#[derive(Deserialize)]
struct ExportForm {
    /// `csv` or `fhir`, from the button pressed.
    format: Option<String>,
}

async fn export_submit(State(state): State<AppState>, Checked(session, form): Checked<ExportForm>) -> Response {
    let format = match ExportFormat::parse(form.format.as_deref()) {
        Ok(format) => format,
        Err(e) => return api_error_in(&session, &e),
    };
    let now = chrono::Utc::now();
    match queue::export_approved_at(&state.app(), &session.auth.caller(), now).await {
        Ok(claims) => claims_export::download(&claims, format, now),
        Err(e) => api_error_in(&session, &e.into()),
    }
}

async fn settings_page(State(state): State<AppState>, session: WebSession) -> Response {
    let text = session.text;
    if !carethread_core::policy::may_administer(session.auth.user.role) {
        return api_error_in(&session, &ApiError::Forbidden("only administrators set up e-visit billing".into()));
    }
    let setup = match billing::setup(&state.app()).await {
        Ok(s) => s,
        Err(e) => return api_error_in(&session, &e.into()),
    };
    page(
        text,
        text.get("billing-settings_title"),
        Some(&session),
        html! {
            form method="post" action=(SETTINGS_PATH) class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                div class="row" {
                    input id="billing-enabled" type="checkbox" name="enabled" value="true" checked[setup.enabled];
                    label for="billing-enabled" { (text.get("billing-enabled")) }
                }
                label for="billing-notice-en" { (text.get("billing-notice_en")) }
                textarea id="billing-notice-en" name="notice_en" rows="4" maxlength="2000" { (setup.notice_en) }
                label for="billing-notice-es" { (text.get("billing-notice_es")) }
                textarea id="billing-notice-es" name="notice_es" rows="4" maxlength="2000" lang="es" { (setup.notice_es) }
                label for="billing-payer" { (text.get("billing-payer")) }
                select id="billing-payer" name="payer" {
                    @for p in ["other", "medicare"] {
                        option value=(p) selected[setup.payer.as_str() == p] { (text.get(&format!("billing-payer-{p}"))) }
                    }
                }
                label for="billing-idle" { (text.get("billing-idle")) }
                input id="billing-idle" name="idle_cutoff_seconds" type="number" min="10" max="600"
                    value=(setup.idle_cutoff.seconds());
                button type="submit" class="primary" { (text.get("billing-save")) }
            }
        },
    )
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    enabled: String,
    #[serde(default)]
    notice_en: String,
    #[serde(default)]
    notice_es: String,
    #[serde(default)]
    payer: String,
    #[serde(default)]
    idle_cutoff_seconds: String,
}

async fn settings_submit(State(state): State<AppState>, Checked(session, form): Checked<SettingsForm>) -> Response {
    let result = async {
        let idle = form
            .idle_cutoff_seconds
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::invalid("idle_cutoff_seconds", "must be a whole number of seconds"))?;
        let input = SetupInput {
            enabled: form.enabled == "true",
            notice_en: form.notice_en,
            notice_es: form.notice_es,
            payer: form.payer,
            idle_cutoff_seconds: idle,
        };
        billing::set_setup(&state.app(), &session.auth.caller(), input).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(SETTINGS_PATH).into_response(),
        Err(e) => api_error_in(&session, &e),
    }
}
