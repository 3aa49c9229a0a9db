//! The equity monitor over JSON (administrators), and the groups a patient
//! gave (front desk and administrators). The rules, the policy and the
//! audit entries are the application layer's.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use carethread_app::equity;
use carethread_core::equity::{Dimension, GroupValue};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
pub use crate::equity_views::{EquityOut, EquityParams};
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiQuery, Authenticated, path_id};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/insights/equity", get(equity_monitor))
        .route("/api/v1/patients/{id}/groups", get(patient_groups).put(set_patient_groups))
}

/// The equity monitor: for each group of patients (language, age band,
/// payer, sex, race, ethnicity, and any grouping the clinic recorded),
/// messages per 100 patients per month before and after e-visit billing was
/// turned on, the billed share, consent declines and unanswered rates, and
/// which groups' messaging fell more than everyone else's by more than the
/// margin. `format=csv` answers every group as CSV. No patient is named.
#[utoipa::path(get, path = "/api/v1/insights/equity", tag = "insights", params(EquityParams),
    responses(
        (status = 200, description = "Each dimension's groups and figures (or CSV)", body = EquityOut),
        (status = 401, body = Problem), (status = 403, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn equity_monitor(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(params): ApiQuery<EquityParams>,
) -> ApiResult<Response> {
    let (query, wants_csv) = (params.query()?, params.wants_csv()?);
    let report = equity::report(&state.app(), &auth.caller(), query).await?;
    if wants_csv {
        return Ok(crate::equity_views::csv(&report));
    }
    Ok(Json(EquityOut::from(&report)).into_response())
}

/// The groups a patient gave, by dimension (`payer`, `sex`, `race`,
/// `ethnicity`, or the clinic's own). Language and age band come from her
/// account and are not listed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientGroupsBody {
    /// Dimension (lower-case letters, digits and `_`) to value (at most 60
    /// characters; empty removes it). Dimensions left out stay as they are.
    pub groups: BTreeMap<String, String>,
}

fn body(groups: Vec<(Dimension, GroupValue)>) -> PatientGroupsBody {
    PatientGroupsBody {
        groups: groups.into_iter().map(|(d, v)| (d.as_str().to_owned(), v.as_str().to_owned())).collect(),
    }
}

/// The groups recorded for a patient (front desk and administrators).
#[utoipa::path(get, path = "/api/v1/patients/{id}/groups", tag = "people",
    params(("id" = String, Path, description = "The patient")),
    responses((status = 200, body = PatientGroupsBody), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn patient_groups(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<PatientGroupsBody>> {
    let found = equity::patient_groups(&state.app(), &auth.caller(), path_id(&id)?).await?;
    Ok(Json(body(found.groups)))
}

/// Records the groups a patient gave (front desk and administrators); the
/// answer is every group now recorded for her.
#[utoipa::path(put, path = "/api/v1/patients/{id}/groups", tag = "people", request_body = PatientGroupsBody,
    params(("id" = String, Path, description = "The patient")),
    responses((status = 200, body = PatientGroupsBody), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_patient_groups(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PatientGroupsBody>,
) -> ApiResult<Json<PatientGroupsBody>> {
    let typed: Vec<(String, String)> = input.groups.into_iter().collect();
    let groups = equity::set_patient_groups(&state.app(), &auth.caller(), path_id(&id)?, &typed).await?;
    Ok(Json(body(groups)))
}
