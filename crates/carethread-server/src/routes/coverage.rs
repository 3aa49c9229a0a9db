//! Time away and who covers: `GET`, `PUT` and `DELETE /api/v1/me/away` for
//! the signed-in clinician, `PUT` and `DELETE /api/v1/admin/users/{id}/away`
//! for an administrator setting it for someone. The rules, the audit entry
//! and moving the threads are the application layer's; here the JSON.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use carethread_app::coverage::{self, AwayView, SetAway};
use carethread_core::coverage::Coverer;
use carethread_core::ids::{PoolId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::extract::{ApiJson, Authenticated, parse_uuid_field};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me/away", get(my_away).put(set_my_away).delete(clear_my_away))
        .route("/api/v1/admin/users/{id}/away", put(set_user_away).delete(clear_user_away))
}

/// Who covers: a colleague or a pool.
#[derive(Debug, Serialize, ToSchema)]
pub struct CovererOut {
    /// `user` or `pool`.
    pub kind: String,
    pub id: String,
    /// The colleague's or the pool's name.
    pub name: String,
}

/// A clinician's time away.
#[derive(Debug, Serialize, ToSchema)]
pub struct AwayOut {
    pub person_id: String,
    pub person_name: String,
    pub from: DateTime<Utc>,
    /// When they are back: their threads still with the coverer come back then.
    pub until: DateTime<Utc>,
    pub coverer: CovererOut,
    /// Away now (rather than later).
    pub in_force: bool,
}

impl From<AwayView> for AwayOut {
    fn from(v: AwayView) -> Self {
        let (kind, id) = match v.coverer {
            Coverer::User(id) => ("user", id.to_string()),
            Coverer::Pool(id) => ("pool", id.to_string()),
        };
        Self {
            person_id: v.person.to_string(),
            person_name: v.person_name,
            from: v.from,
            until: v.until,
            coverer: CovererOut { kind: kind.to_owned(), id, name: v.coverer_name },
            in_force: v.in_force,
        }
    }
}

/// The caller's time away, if any is set and not over.
#[derive(Debug, Serialize, ToSchema)]
pub struct AwayStatus {
    pub away: Option<AwayOut>,
}

/// Time away: from when (now when left out) until when, and who covers,
/// naming exactly one of a colleague and a pool.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwayIn {
    /// RFC 3339; now when left out.
    pub from: Option<DateTime<Utc>>,
    /// RFC 3339; after `from`, in the future, at most 90 days after `from`.
    pub until: DateTime<Utc>,
    /// A colleague on staff who covers.
    pub coverer_user_id: Option<String>,
    /// Or a pool whose members cover (the threads wait there unassigned).
    pub coverer_pool_id: Option<String>,
}

impl AwayIn {
    fn typed(&self) -> ApiResult<SetAway> {
        let coverer = match (&self.coverer_user_id, &self.coverer_pool_id) {
            (Some(user), None) => Coverer::User(parse_uuid_field::<UserId>("coverer_user_id", user)?),
            (None, Some(pool)) => Coverer::Pool(parse_uuid_field::<PoolId>("coverer_pool_id", pool)?),
            _ => return Err(ApiError::invalid("coverer", "name exactly one of coverer_user_id and coverer_pool_id")),
        };
        Ok(SetAway { from: self.from.unwrap_or_else(Utc::now), until: self.until, coverer })
    }
}

/// The caller's time away and who covers.
#[utoipa::path(get, path = "/api/v1/me/away", tag = "people",
    responses((status = 200, body = AwayStatus), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn my_away(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<AwayStatus>> {
    let caller = auth.caller();
    let away = coverage::away(&state.app(), &caller, caller.user.id).await?;
    Ok(Json(AwayStatus { away: away.map(Into::into) }))
}

/// Sets (or replaces) the caller's time away: while it lasts their threads
/// and patients' new messages go to the coverer, and their patients are told
/// who covers until when; when it ends, the threads still with the coverer
/// come back.
#[utoipa::path(put, path = "/api/v1/me/away", tag = "people", request_body = AwayIn,
    responses(
        (status = 200, description = "What was saved", body = AwayOut),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn set_my_away(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<AwayIn>,
) -> ApiResult<Json<AwayOut>> {
    let caller = auth.caller();
    let saved = coverage::set_away(&state.app(), &caller, caller.user.id, input.typed()?).await?;
    Ok(Json(saved.into()))
}

/// Ends the caller's time away now; their threads still with the coverer come back.
#[utoipa::path(delete, path = "/api/v1/me/away", tag = "people",
    responses(
        (status = 204, description = "No time away is set any more"),
        (status = 401, body = Problem), (status = 403, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn clear_my_away(State(state): State<AppState>, auth: Authenticated) -> ApiResult<StatusCode> {
    let caller = auth.caller();
    coverage::clear_away(&state.app(), &caller, caller.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets (or replaces) a staff member's time away for them (administrators).
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/away", tag = "admin", request_body = AwayIn,
    params(("id" = String, Path, description = "User id of the staff member")),
    responses(
        (status = 200, description = "What was saved", body = AwayOut),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn set_user_away(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AwayIn>,
) -> ApiResult<Json<AwayOut>> {
    let caller = auth.caller();
    coverage::require_administrator(&caller)?;
    let id: UserId = path_id(&id)?;
    let saved = coverage::set_away(&state.app(), &caller, id, input.typed()?).await?;
    Ok(Json(saved.into()))
}

/// Ends a staff member's time away now (administrators).
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}/away", tag = "admin",
    params(("id" = String, Path, description = "User id of the staff member")),
    responses(
        (status = 204, description = "No time away is set any more"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn clear_user_away(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let caller = auth.caller();
    coverage::require_administrator(&caller)?;
    let id: UserId = path_id(&id)?;
    coverage::clear_away(&state.app(), &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
