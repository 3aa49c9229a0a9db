//! Privacy: the audit log (a patient's "who has seen my messages", the
//! privacy officer's queries and CSV export), proxy grants, and
//! break-the-glass access.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use carethread_app::audit::{self, AuditPatient, ReadAudit};
use carethread_app::{emergency, grants};
use carethread_core::audit::AuditAction;
use carethread_core::ids::UserId;
use carethread_core::policy::ProxyScope;
use carethread_store::{AuditRecord, GrantRecord};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::dto::{PersonOut, ThreadDetail};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::extract::{ApiJson, ApiQuery, Authenticated, parse_uuid_field};
use crate::thread_views::thread_detail;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/audit", get(audit_log))
        .route("/api/v1/grants", get(list_grants).post(create_grant))
        .route("/api/v1/grants/{id}", delete(revoke_grant))
        .route("/api/v1/threads/{id}/break-glass", post(break_glass))
}

/// Audit log filters.
#[derive(Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// `me` (patients), or a patient id (auditors).
    pub patient: Option<String>,
    /// A user id: what this user did (auditors).
    pub user: Option<String>,
    /// One action, e.g. `thread.break_glass` (auditors).
    pub action: Option<String>,
    /// Start of the period: a date (`2026-01-31`) or an RFC 3339 time.
    pub from: Option<String>,
    /// End of the period (exclusive), like `from`.
    pub to: Option<String>,
    /// `next_before` from the previous page.
    pub before: Option<String>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<String>,
    /// `json` (default) or `csv` (auditors).
    pub format: Option<String>,
}

/// One audit entry. Patients see who (name and role), what and when;
/// auditors see every field.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryOut {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<PersonOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<PersonOut>,
    /// e.g. `thread.read`, `message.create`, `thread.break_glass`.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// A break-the-glass reason, or what an administrator changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A page of audit entries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryOut>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<i64>,
}

fn parse_time(field: &'static str, raw: &str) -> ApiResult<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| ApiError::invalid(field, "must be a date (YYYY-MM-DD) or an RFC 3339 time"))
}

/// The audit log. A patient sees who has accessed her messages (`patient=me`);
/// the privacy officer (auditor) queries by patient, user and period, and
/// exports CSV (`format=csv`). Every query is itself audited.
#[utoipa::path(get, path = "/api/v1/audit", tag = "privacy", params(AuditParams),
    responses(
        (status = 200, description = "Entries, newest first (or CSV)", body = AuditPage),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn audit_log(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> ApiResult<Response> {
    let limit = match p.limit.as_deref() {
        None => 100,
        Some(raw) => {
            raw.parse::<u32>().map_err(|_| ApiError::invalid("limit", "must be a whole number from 1 to 1000"))?
        }
    };
    let export = match p.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::invalid("format", "must be json or csv")),
    };
    let query = ReadAudit {
        patient: match p.patient.as_deref() {
            None => AuditPatient::Any,
            Some("me") => AuditPatient::Me,
            Some(raw) => AuditPatient::Patient(parse_uuid_field::<UserId>("patient", raw)?),
        },
        actor: p.user.as_deref().map(|u| parse_uuid_field::<UserId>("user", u)).transpose()?,
        action: p.action.as_deref().map(AuditAction::parse).transpose()?,
        from: p.from.as_deref().map(|f| parse_time("from", f)).transpose()?,
        to: p.to.as_deref().map(|t| parse_time("to", t)).transpose()?,
        before: p
            .before
            .as_deref()
            .map(|b| b.parse::<i64>().map_err(|_| ApiError::invalid("before", "must be next_before from a page")))
            .transpose()?,
        limit,
        export,
    };
    let page = audit::read_audit(&state.app(), &auth.caller(), query).await?;
    if export {
        return Ok(csv_response(&page.entries));
    }
    let entries = page.entries.iter().map(|r| entry_out(r, page.patient_view)).collect();
    Ok(Json(AuditPage { entries, next_before: page.next_before }).into_response())
}

fn entry_out(r: &AuditRecord, patient_view: bool) -> AuditEntryOut {
    AuditEntryOut {
        seq: r.seq,
        at: r.at,
        actor: r.actor.as_ref().map(PersonOut::from),
        patient: if patient_view { None } else { r.patient.as_ref().map(PersonOut::from) },
        action: r.action.clone(),
        outcome: (!patient_view).then(|| r.outcome.clone()),
        target: if patient_view { None } else { r.target.clone() },
        client: if patient_view { None } else { r.client.clone() },
        detail: if patient_view { None } else { r.detail.clone() },
    }
}

/// RFC 4180 CSV; cells that a spreadsheet would run as a formula are quoted with a leading apostrophe.
fn csv_response(rows: &[AuditRecord]) -> Response {
    fn cell(value: &str) -> String {
        let guarded =
            if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
        if guarded.contains([',', '"', '\n', '\r']) { format!("\"{}\"", guarded.replace('"', "\"\"")) } else { guarded }
    }
    let mut out = String::from(
        "seq,at,actor_id,actor_name,actor_role,patient_id,patient_name,action,outcome,target,client,detail\r\n",
    );
    for r in rows {
        let actor = r.actor.as_ref();
        let patient = r.patient.as_ref();
        let fields = [
            r.seq.to_string(),
            r.at.to_rfc3339(),
            actor.map(|a| a.id.to_string()).unwrap_or_default(),
            actor.map(|a| a.display_name.clone()).unwrap_or_default(),
            actor.map(|a| a.role.as_str().to_owned()).unwrap_or_default(),
            patient.map(|p| p.id.to_string()).unwrap_or_default(),
            patient.map(|p| p.display_name.clone()).unwrap_or_default(),
            r.action.clone(),
            r.outcome.clone(),
            r.target.clone().unwrap_or_default(),
            r.client.clone().unwrap_or_default(),
            r.detail.clone().unwrap_or_default(),
        ];
        out.push_str(&fields.iter().map(|f| cell(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"carethread-audit.csv\"")),
        ],
        out,
    )
        .into_response()
}

/// A proxy grant.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantOut {
    #[schema(format = Uuid)]
    pub id: String,
    pub patient: PersonOut,
    pub proxy: PersonOut,
    /// `full`, `messages_only` or `read_only`.
    pub scope: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// In force now: not revoked, not expired.
    pub active: bool,
}

/// Grants.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantList {
    pub grants: Vec<GrantOut>,
}

fn grant_out(g: &GrantRecord, now: DateTime<Utc>) -> GrantOut {
    let active = grants::is_active(g, now);
    GrantOut {
        id: g.id.to_string(),
        patient: PersonOut::from(&g.patient),
        proxy: PersonOut::from(&g.proxy),
        scope: g.scope.as_str().to_owned(),
        expires_at: g.expires_at,
        revoked_at: g.revoked_at,
        created_at: g.created_at,
        active,
    }
}

/// Grants filter.
#[derive(Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GrantParams {
    /// Patient id (administrators).
    pub patient: Option<String>,
}

/// Proxy grants: a patient's own, a proxy's, or (administrators) any patient's.
#[utoipa::path(get, path = "/api/v1/grants", tag = "privacy", params(GrantParams),
    responses((status = 200, body = GrantList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_grants(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(p): ApiQuery<GrantParams>,
) -> ApiResult<Json<GrantList>> {
    let patient = p.patient.as_deref().map(|raw| parse_uuid_field::<UserId>("patient", raw)).transpose()?;
    let found = grants::list_grants(&state.app(), &auth.caller(), patient).await?;
    let now = Utc::now();
    Ok(Json(GrantList { grants: found.iter().map(|g| grant_out(g, now)).collect() }))
}

/// A new grant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGrantIn {
    /// The proxy's user id.
    pub proxy_id: String,
    /// The patient (administrators only; a patient grants for herself).
    pub patient_id: Option<String>,
    /// `full`, `messages_only` or `read_only`.
    pub scope: String,
    /// When access ends (RFC 3339); none: until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Grants a proxy access to a patient's messages, with a scope and an optional expiry.
#[utoipa::path(post, path = "/api/v1/grants", tag = "privacy", request_body = NewGrantIn,
    responses(
        (status = 201, description = "Granted", body = GrantOut),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn create_grant(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<NewGrantIn>,
) -> ApiResult<(StatusCode, Json<GrantOut>)> {
    let input = grants::GrantProxy {
        proxy: grants::ProxyChoice::Id(parse_uuid_field::<UserId>("proxy_id", &input.proxy_id)?),
        patient: input.patient_id.as_deref().map(|raw| parse_uuid_field::<UserId>("patient_id", raw)).transpose()?,
        scope: ProxyScope::parse(&input.scope)?,
        expires_at: input.expires_at,
    };
    let created = grants::grant_proxy(&state.app(), &auth.caller(), input).await?;
    Ok((StatusCode::CREATED, Json(grant_out(&created, Utc::now()))))
}

/// Revokes a grant: the proxy loses access at once.
#[utoipa::path(delete, path = "/api/v1/grants/{id}", tag = "privacy",
    params(("id" = String, Path, description = "Grant id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn revoke_grant(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: uuid::Uuid = path_id(&id)?;
    grants::revoke_grant(&state.app(), &auth.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Why a clinician outside the care team needs this patient's thread.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassIn {
    /// At least 10 characters; kept (encrypted) in the audit log for the privacy officer.
    pub reason: String,
}

/// Break-the-glass: a clinician outside the patient's care team opens a
/// thread by giving a reason. Allowed for an hour, audited, and the privacy
/// officer is alerted.
#[utoipa::path(post, path = "/api/v1/threads/{id}/break-glass", tag = "privacy", request_body = BreakGlassIn,
    params(("id" = String, Path, description = "Thread id")),
    responses(
        (status = 200, description = "Access granted for an hour; the thread", body = ThreadDetail),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "You already have access", body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn break_glass(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<BreakGlassIn>,
) -> ApiResult<Json<ThreadDetail>> {
    let id: carethread_core::ids::ThreadId = path_id(&id)?;
    let opened = emergency::break_glass(&state.app(), &auth.caller(), id, &input.reason).await?;
    Ok(Json(thread_detail(&state, &auth, opened.thread.id).await?))
}
