//! Billing staff's work over JSON: the queue of measured periods, their
//! decisions (approve, hold, reject), the patient facts billing records, and
//! the export of approved claims as CSV or as FHIR `ChargeItem`s and
//! `Claim`s. The rules and the audit entries are the application layer's;
//! nothing here carries message text.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use carethread_app::billing::queue::{self, ClaimChoice, PatientFactsInput, QueueRow};
use carethread_core::ids::UserId;
use carethread_core::policy;
use carethread_store::ClaimStatus;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::billing_periods::{parse_period, period_name};
use crate::claims_export::{self, ExportFormat};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::extract::{ApiJson, ApiQuery, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/billing/queue", get(billing_queue))
        .route("/api/v1/billing/periods/{period}", put(decide_period))
        .route("/api/v1/billing/patients/{id}", put(set_billing_patient))
        .route("/api/v1/billing/export", post(export_claims))
}

/// One period in the billing queue: no message text.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingPeriodOut {
    /// Names the period in `PUT /api/v1/billing/periods/{period}`.
    pub period: String,
    pub patient_id: String,
    pub patient_name: String,
    pub clinician_id: String,
    pub clinician_name: String,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub service_date: NaiveDate,
    pub code: Option<String>,
    pub measured_minutes: u32,
    pub attested_minutes: Option<u32>,
    pub messages: usize,
    /// Every exclusion that applies (empty when billable).
    pub exclusions: Vec<String>,
    /// `pending`, `approved`, `held`, `rejected` or `exported`.
    pub status: String,
    pub reason: Option<String>,
}

impl From<QueueRow> for BillingPeriodOut {
    fn from(r: QueueRow) -> Self {
        Self {
            period: period_name(&r.key),
            patient_id: r.key.patient.to_string(),
            patient_name: r.patient_name,
            clinician_id: r.key.clinician.to_string(),
            clinician_name: r.clinician_name,
            period_start: r.key.period_start,
            period_end: r.period_end,
            service_date: r.service_date,
            code: r.code.map(|c| c.as_str().to_owned()),
            measured_minutes: r.measured_minutes,
            attested_minutes: r.attested_minutes,
            messages: r.messages,
            exclusions: r.exclusions.iter().map(|e| e.as_str().to_owned()).collect(),
            status: r.status.as_str().to_owned(),
            reason: r.reason,
        }
    }
}

/// The billing queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingQueueOut {
    pub periods: Vec<BillingPeriodOut>,
}

/// Every measured period of the last 90 days (billing staff).
#[utoipa::path(get, path = "/api/v1/billing/queue", tag = "billing",
    responses((status = 200, body = BillingQueueOut), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn billing_queue(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<BillingQueueOut>> {
    let rows = queue::queue(&state.app(), &auth.caller()).await?;
    Ok(Json(BillingQueueOut { periods: rows.into_iter().map(Into::into).collect() }))
}

/// Billing staff's decision on a period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodDecisionIn {
    /// `approved`, `held` or `rejected`.
    pub status: String,
    /// Required to hold or reject.
    pub reason: Option<String>,
}

/// Approves (a billable period only), holds or rejects a period (billing staff).
#[utoipa::path(put, path = "/api/v1/billing/periods/{period}", tag = "billing", request_body = PeriodDecisionIn,
    params(("period" = String, Path, description = "The period's name from the queue")),
    responses((status = 200, body = BillingPeriodOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn decide_period(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(period): Path<String>,
    ApiJson(body): ApiJson<PeriodDecisionIn>,
) -> ApiResult<Json<BillingPeriodOut>> {
    let caller = auth.caller();
    if !policy::may_review_billing(caller.user.role) {
        return Err(ApiError::Forbidden("only billing staff work the online visit billing queue".into()));
    }
    let key = parse_period(&period)?;
    let choice = ClaimChoice { status: ClaimStatus::parse(body.status.trim())?, reason: body.reason };
    Ok(Json(queue::decide_claim(&state.app(), &caller, key, choice).await?.into()))
}

/// What billing records of a patient (dates `YYYY-MM-DD`, or null).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingPatientBody {
    pub first_visit_on: Option<String>,
    pub surgical_global_until: Option<String>,
}

/// Records a patient's first visit and surgical global period (billing staff).
#[utoipa::path(put, path = "/api/v1/billing/patients/{id}", tag = "billing", request_body = BillingPatientBody,
    params(("id" = String, Path, description = "The patient's user id")),
    responses((status = 200, body = BillingPatientBody), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_billing_patient(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BillingPatientBody>,
) -> ApiResult<Json<BillingPatientBody>> {
    let caller = auth.caller();
    if !policy::may_review_billing(caller.user.role) {
        return Err(ApiError::Forbidden("only billing staff work the online visit billing queue".into()));
    }
    let patient: UserId = path_id(&id)?;
    let input =
        PatientFactsInput { first_visit_on: body.first_visit_on, surgical_global_until: body.surgical_global_until };
    let facts = queue::set_patient_facts(&state.app(), &caller, patient, input).await?;
    Ok(Json(BillingPatientBody {
        first_visit_on: facts.first_visit_on.map(|d| d.to_string()),
        surgical_global_until: facts.surgical_global_until.map(|d| d.to_string()),
    }))
}

/// The export's format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `csv` (the default), or `fhir`: a FHIR R4 `collection` Bundle with a
    /// `ChargeItem` and a `Claim` for each claim.
    pub format: Option<String>,
}

/// Exports approved claims not yet exported, as CSV or FHIR, and marks them
/// exported (billing staff): each claim leaves once. A CSV header alone, or
/// a Bundle with no entry, when there is none.
#[utoipa::path(post, path = "/api/v1/billing/export", tag = "billing", params(ExportQuery),
    responses((status = 200, description = "The claims: `text/csv`, or `application/fhir+json` with `format=fhir`",
            content_type = "text/csv", body = String),
        (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn export_claims(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let format = ExportFormat::parse(query.format.as_deref())?;
    let now = Utc::now();
    let claims = queue::export_approved_at(&state.app(), &auth.caller(), now).await?;
    Ok(claims_export::download(&claims, format, now))
}
