//! Legal holds over the JSON API (administrators): which patients' records
//! are kept past the retention period, and holding or releasing them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use carethread_app::{Operator, retention};
use carethread_core::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/legal-holds", get(legal_holds))
        .route("/api/v1/admin/patients/{id}/legal-hold", put(set_legal_hold).delete(release_legal_hold))
}

/// A patient whose records are on hold.
#[derive(Serialize, ToSchema)]
pub struct LegalHoldOut {
    #[schema(format = Uuid)]
    pub patient_id: String,
    pub patient: String,
    pub reason: String,
    /// The administrator who set it (absent when set from the command line).
    pub set_by: Option<String>,
    pub set_at: DateTime<Utc>,
}

/// Every patient on hold.
#[derive(Serialize, ToSchema)]
pub struct LegalHoldList {
    pub holds: Vec<LegalHoldOut>,
}

/// Why a patient's records are held.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalHoldIn {
    /// 1 to 500 characters on one line.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// The patients whose records are on legal hold: none of their
/// conversations is purged by the retention sweep.
#[utoipa::path(get, path = "/api/v1/admin/legal-holds", tag = "admin",
    responses((status = 200, body = LegalHoldList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn legal_holds(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<LegalHoldList>> {
    let holds = retention::legal_holds(&state.app(), Operator::Person(&auth.caller())).await?;
    Ok(Json(LegalHoldList {
        holds: holds
            .into_iter()
            .map(|h| LegalHoldOut {
                patient_id: h.patient_id.to_string(),
                patient: h.patient_name,
                reason: h.reason,
                set_by: h.set_by,
                set_at: h.set_at,
            })
            .collect(),
    }))
}

/// Puts a patient's records on legal hold (or changes the reason).
#[utoipa::path(put, path = "/api/v1/admin/patients/{id}/legal-hold", tag = "admin", request_body = LegalHoldIn,
    params(("id" = String, Path, description = "The patient")),
    responses(
        (status = 204, description = "On hold"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn set_legal_hold(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<LegalHoldIn>,
) -> ApiResult<StatusCode> {
    let (caller, patient) = auth.administering::<UserId>(&id)?;
    retention::set_legal_hold(&state.app(), Operator::Person(&caller), patient, Some(&input.reason)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Releases a patient's records from legal hold.
#[utoipa::path(delete, path = "/api/v1/admin/patients/{id}/legal-hold", tag = "admin",
    params(("id" = String, Path, description = "The patient")),
    responses(
        (status = 204, description = "Released"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, description = "No such patient, or not on hold", body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn release_legal_hold(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let (caller, patient) = auth.administering::<UserId>(&id)?;
    if retention::set_legal_hold(&state.app(), Operator::Person(&caller), patient, None).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
