//! E-visit billing over JSON. The clinic's setup (`/api/v1/billing/settings`,
//! administrators); a patient's consent (`/api/v1/me/billing-consent`, and
//! her answer for a thread she just started); a clinician's activity,
//! running total and attestation on a thread; the e-visit line a patient
//! reads. Billing staff's queue is `billing_queue`. The rules and the audit
//! entries are the application layer's; nothing here carries message text.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use carethread_app::billing::time::{self, Attest, ThreadTime};
use carethread_app::billing::visits;
use carethread_app::billing::{self, BillingNotice, ConsentChoice, SetupInput};
use carethread_core::billing::MessagePurpose;
use carethread_core::ids::UserId;
use carethread_core::policy;
use carethread_store::BillingSetup;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated, parse_uuid_field, path_id};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/billing/settings", get(billing_settings).put(set_billing_settings))
        .route("/api/v1/me/billing-consent", get(my_billing_consent).put(set_my_billing_consent))
        .route("/api/v1/threads/{id}/billing-consent", put(thread_billing_consent))
        .route("/api/v1/threads/{id}/activity", post(thread_activity))
        .route("/api/v1/threads/{id}/billing-time", get(thread_billing_time))
        .route("/api/v1/threads/{id}/billing-attestation", put(attest_thread))
        .route("/api/v1/threads/{id}/evisit", get(thread_evisit))
        .route("/api/v1/threads/{id}/recorded-visits", post(record_visit))
}

/// The clinic's e-visit billing setup.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingSettingsBody {
    pub enabled: bool,
    /// What patients read before sending, in English (required to turn billing on).
    pub notice_en: String,
    /// The same in Spanish.
    pub notice_es: String,
    /// `medicare` or `other`: the code family of qualified non-physicians.
    pub payer: String,
    /// Gaps between activity pings longer than this are idle (10 to 600).
    pub idle_cutoff_seconds: i64,
}

impl From<BillingSetup> for BillingSettingsBody {
    fn from(s: BillingSetup) -> Self {
        Self {
            enabled: s.enabled,
            notice_en: s.notice_en,
            notice_es: s.notice_es,
            payer: s.payer.as_str().to_owned(),
            idle_cutoff_seconds: s.idle_cutoff.seconds(),
        }
    }
}

/// The clinic's e-visit billing setup (administrators).
#[utoipa::path(get, path = "/api/v1/billing/settings", tag = "billing",
    responses((status = 200, body = BillingSettingsBody), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn billing_settings(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<BillingSettingsBody>> {
    if !policy::may_administer(auth.caller().user.role) {
        return Err(ApiError::Forbidden("only administrators set up e-visit billing".into()));
    }
    Ok(Json(billing::setup(&state.app()).await?.into()))
}

/// Replaces the clinic's e-visit billing setup (administrators).
#[utoipa::path(put, path = "/api/v1/billing/settings", tag = "billing", request_body = BillingSettingsBody,
    responses((status = 200, body = BillingSettingsBody), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_billing_settings(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<BillingSettingsBody>,
) -> ApiResult<Json<BillingSettingsBody>> {
    let input = SetupInput {
        enabled: body.enabled,
        notice_en: body.notice_en,
        notice_es: body.notice_es,
        payer: body.payer,
        idle_cutoff_seconds: body.idle_cutoff_seconds,
    };
    Ok(Json(billing::set_setup(&state.app(), &auth.caller(), input).await?.into()))
}

/// What a patient is told before sending, and where her consent stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingConsentOut {
    /// Whether the clinic bills online visits; the rest is empty when not.
    pub billing_on: bool,
    /// The clinic's notice in the reader's language.
    pub notice: Option<String>,
    /// Whether her consent covers today.
    pub consent_current: bool,
    pub consent_given_on: Option<NaiveDate>,
    pub consent_withdrawn_on: Option<NaiveDate>,
}

impl From<Option<BillingNotice>> for BillingConsentOut {
    fn from(n: Option<BillingNotice>) -> Self {
        match n {
            None => Self {
                billing_on: false,
                notice: None,
                consent_current: false,
                consent_given_on: None,
                consent_withdrawn_on: None,
            },
            Some(n) => Self {
                billing_on: true,
                notice: Some(n.text),
                consent_current: n.consent_current,
                consent_given_on: n.consent_given_on,
                consent_withdrawn_on: n.consent_withdrawn_on,
            },
        }
    }
}

/// Whose consent: the caller's own when left out (a proxy names her patient).
#[derive(Debug, Deserialize, IntoParams)]
pub struct ConsentQuery {
    pub patient_id: Option<String>,
}

fn patient_param(raw: Option<&String>) -> ApiResult<Option<UserId>> {
    raw.map(|p| parse_uuid_field::<UserId>("patient_id", p)).transpose()
}

/// The billing notice and the patient's consent.
#[utoipa::path(get, path = "/api/v1/me/billing-consent", tag = "billing", params(ConsentQuery),
    responses((status = 200, body = BillingConsentOut), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn my_billing_consent(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(q): Query<ConsentQuery>,
) -> ApiResult<Json<BillingConsentOut>> {
    let patient = patient_param(q.patient_id.as_ref())?;
    Ok(Json(billing::notice_for(&state.app(), &auth.caller(), patient).await?.into()))
}

/// A patient's answer: `agree` (for a year) or `decline` (withdraws consent;
/// she is answered all the same).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentIn {
    pub choice: String,
    /// The patient a proxy answers for; the caller when left out.
    pub patient_id: Option<String>,
}

/// Gives or withdraws consent to e-visit billing.
#[utoipa::path(put, path = "/api/v1/me/billing-consent", tag = "billing", request_body = ConsentIn,
    responses((status = 200, body = BillingConsentOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_my_billing_consent(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<ConsentIn>,
) -> ApiResult<Json<BillingConsentOut>> {
    let patient = patient_param(body.patient_id.as_ref())?;
    let choice = ConsentChoice::parse(&body.choice)?;
    Ok(Json(Some(billing::set_consent(&state.app(), &auth.caller(), patient, choice).await?).into()))
}

/// The patient's answer for the thread she just started.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadConsentIn {
    /// `agree` or `decline` (the thread is then never billed).
    pub choice: String,
}

/// Records the patient's answer to the billing notice for a thread she started.
#[utoipa::path(put, path = "/api/v1/threads/{id}/billing-consent", tag = "billing", request_body = ThreadConsentIn,
    params(("id" = String, Path, description = "Thread id")),
    responses((status = 204, description = "Recorded"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn thread_billing_consent(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ThreadConsentIn>,
) -> ApiResult<StatusCode> {
    let choice = ConsentChoice::parse(&body.choice)?;
    billing::choose_for_thread(&state.app(), &auth.caller(), path_id(&id)?, choice).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A sign of the clinician's work on the thread.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityIn {
    /// `page_visible`, `reading`, `drafting` or `typing`.
    pub kind: String,
}

/// Records the clinician's activity on a thread now (the thread page sends
/// it every 15 seconds while visible). Clinicians only.
#[utoipa::path(post, path = "/api/v1/threads/{id}/activity", tag = "billing", request_body = ActivityIn,
    params(("id" = String, Path, description = "Thread id")),
    responses((status = 204, description = "Recorded"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn thread_activity(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ActivityIn>,
) -> ApiResult<StatusCode> {
    time::record_activity(&state.app(), &auth.caller(), path_id(&id)?, &body.kind).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The clinician's time on the patient's threads in the current period.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingTimeOut {
    pub billing_on: bool,
    pub period_start: Option<DateTime<Utc>>,
    pub period_end: Option<DateTime<Utc>>,
    /// Minutes that count on all the patient's threads in the period.
    pub measured_minutes: u32,
    /// Of which on this thread.
    pub thread_minutes: u32,
    pub attested_minutes: Option<u32>,
    /// What the thread was about, as recorded.
    pub purpose: Option<String>,
    /// The patient declined billing for this thread.
    pub declined: bool,
}

impl From<ThreadTime> for BillingTimeOut {
    fn from(t: ThreadTime) -> Self {
        Self {
            billing_on: t.billing_on,
            period_start: t.period.map(|p| p.0),
            period_end: t.period.map(|p| p.1),
            measured_minutes: t.measured_minutes,
            thread_minutes: t.thread_minutes,
            attested_minutes: t.attested_minutes,
            purpose: t.purpose.map(|p| p.as_str().to_owned()),
            declined: t.declined,
        }
    }
}

/// The clinician's running total for the period (clinicians only).
#[utoipa::path(get, path = "/api/v1/threads/{id}/billing-time", tag = "billing",
    params(("id" = String, Path, description = "Thread id")),
    responses((status = 200, body = BillingTimeOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn thread_billing_time(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<BillingTimeOut>> {
    Ok(Json(time::thread_time(&state.app(), &auth.caller(), path_id(&id)?).await?.into()))
}

/// The clinician's attestation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestIn {
    /// `evaluation`, `scheduling`, `result_notice`, `refill_without_evaluation` or `administrative`.
    pub purpose: String,
    /// The minutes attested; the measured figure when left out.
    pub minutes: Option<u32>,
}

/// Records what the thread was about and attests (or corrects) the
/// clinician's minutes for the period; both figures are kept.
#[utoipa::path(put, path = "/api/v1/threads/{id}/billing-attestation", tag = "billing", request_body = AttestIn,
    params(("id" = String, Path, description = "Thread id")),
    responses((status = 200, body = BillingTimeOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn attest_thread(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AttestIn>,
) -> ApiResult<Json<BillingTimeOut>> {
    let input = Attest { purpose: MessagePurpose::parse(body.purpose.trim())?, minutes: body.minutes };
    Ok(Json(time::attest(&state.app(), &auth.caller(), path_id(&id)?, input).await?.into()))
}

/// The e-visit a patient sees on a thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct EVisitOut {
    /// Whether the thread is an e-visit; the rest is empty when not.
    pub evisit: bool,
    pub code: Option<String>,
    /// The code's plain meaning in the reader's language.
    pub meaning: Option<String>,
    pub minutes: Option<u32>,
}

/// Whether the thread is an online visit that may be billed, and what that means.
#[utoipa::path(get, path = "/api/v1/threads/{id}/evisit", tag = "billing",
    params(("id" = String, Path, description = "Thread id")),
    responses((status = 200, body = EVisitOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn thread_evisit(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<EVisitOut>> {
    let line = time::evisit_line(&state.app(), &auth.caller(), path_id(&id)?).await?;
    Ok(Json(EVisitOut {
        evisit: line.is_some(),
        code: line.as_ref().map(|l| l.code.as_str().to_owned()),
        meaning: line.as_ref().map(|l| l.meaning.to_owned()),
        minutes: line.map(|l| l.minutes),
    }))
}

/// A visit that took place about the thread's problem.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedVisitBody {
    /// The day of the visit, the clinic's calendar (`YYYY-MM-DD`): today or
    /// within the last year.
    pub visited_on: String,
}

/// Records that the patient was seen about this thread's problem
/// (clinicians and front desk who may read it): a visit within 7 days of an
/// online visit's period takes its time, so it is not billed apart.
#[utoipa::path(post, path = "/api/v1/threads/{id}/recorded-visits", tag = "billing", request_body = RecordedVisitBody,
    params(("id" = String, Path, description = "The thread")),
    responses((status = 201, body = RecordedVisitBody), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn record_visit(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RecordedVisitBody>,
) -> ApiResult<(StatusCode, Json<RecordedVisitBody>)> {
    visits::record_visit(&state.app(), &auth.caller(), path_id(&id)?, &body.visited_on).await?;
    Ok((StatusCode::CREATED, Json(RecordedVisitBody { visited_on: body.visited_on.trim().to_owned() })))
}
