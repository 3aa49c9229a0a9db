//! Administration: users and roles, care teams, pools and their members.
//! Administrators manage the clinic but never read message content; every
//! change is audited in the same transaction.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, put};
use axum::{Json, Router};
use carethread_app::users::{self, CreateUser, UpdateUser, UserRef};
use carethread_app::{Operator, teams};
use carethread_core::ids::{PoolId, UserId};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::admin_views::admin_user;
pub use crate::admin_views::{AdminUserList, AdminUserOut, CareTeamList, CareTeamOut, PoolMembersList, PoolMembersOut};
use crate::dto::PoolOut;
use crate::error::{ApiResult, Problem};
use crate::extract::path_id;
use crate::extract::{ApiJson, Authenticated, parse_uuid_field};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/users", get(list_users).post(create_user))
        .route("/api/v1/admin/users/{id}", patch(update_user))
        .route(
            "/api/v1/admin/patients/{patient_id}/care-team/{staff_id}",
            put(add_to_care_team).delete(remove_from_care_team),
        )
        .route("/api/v1/admin/care-teams", get(care_teams))
        .route("/api/v1/admin/pools", get(pools_with_members).post(create_pool))
        .route("/api/v1/admin/pools/{pool_id}/members/{user_id}", put(add_pool_member).delete(remove_pool_member))
        .route("/api/v1/admin/pools/{pool_id}/lead", put(set_pool_lead))
}

/// Every user of the clinic.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin",
    responses((status = 200, body = AdminUserList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_users(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<AdminUserList>> {
    let users = users::list_users(&state.app(), Operator::Person(&auth.caller())).await?;
    Ok(Json(AdminUserList { users: users.iter().map(admin_user).collect() }))
}

/// Adds a user.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = CreateUser,
    responses(
        (status = 201, body = AdminUserOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "The username is taken", body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<AdminUserOut>)> {
    let user = users::create_user(&state.app(), Operator::Person(&auth.caller()), input).await?;
    Ok((StatusCode::CREATED, Json(admin_user(&user))))
}

/// Disables or re-enables a user, or changes their role, name or language.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", request_body = UpdateUser,
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, body = AdminUserOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn update_user(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<UpdateUser>,
) -> ApiResult<Json<AdminUserOut>> {
    let id: UserId = path_id(&id)?;
    let user = users::update_user(&state.app(), Operator::Person(&auth.caller()), UserRef::Id(id), change).await?;
    Ok(Json(admin_user(&user)))
}

async fn care_team_change(
    state: &AppState,
    auth: &Authenticated,
    patient_id: &str,
    staff_id: &str,
    member: bool,
) -> ApiResult<StatusCode> {
    let (caller, patient_id) = auth.administering::<UserId>(patient_id)?;
    let staff_id = parse_uuid_field::<UserId>("staff_id", staff_id)?;
    teams::set_care_team_member(&state.app(), Operator::Person(&caller), patient_id, staff_id, member).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Puts a clinician on a patient's care team.
#[utoipa::path(put, path = "/api/v1/admin/patients/{patient_id}/care-team/{staff_id}", tag = "admin",
    params(("patient_id" = String, Path), ("staff_id" = String, Path)),
    responses(
        (status = 204, description = "On the care team"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn add_to_care_team(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((patient_id, staff_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    care_team_change(&state, &auth, &patient_id, &staff_id, true).await
}

/// Takes a clinician off a patient's care team.
#[utoipa::path(delete, path = "/api/v1/admin/patients/{patient_id}/care-team/{staff_id}", tag = "admin",
    params(("patient_id" = String, Path), ("staff_id" = String, Path)),
    responses(
        (status = 204, description = "Off the care team"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn remove_from_care_team(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((patient_id, staff_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    care_team_change(&state, &auth, &patient_id, &staff_id, false).await
}

/// A new pool.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPoolIn {
    /// Lowercase letters, digits and dashes, e.g. `wound-care`.
    pub slug: String,
    pub name: String,
}

/// Creates a pool (a shared in-basket).
#[utoipa::path(post, path = "/api/v1/admin/pools", tag = "admin", request_body = NewPoolIn,
    responses(
        (status = 201, body = PoolOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn create_pool(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<NewPoolIn>,
) -> ApiResult<(StatusCode, Json<PoolOut>)> {
    let pool = teams::create_pool(&state.app(), Operator::Person(&auth.caller()), &input.slug, &input.name).await?;
    Ok((StatusCode::CREATED, Json(PoolOut::from(&pool))))
}

async fn pool_member_change(
    state: &AppState,
    auth: &Authenticated,
    pool_id: &str,
    user_id: &str,
    member: bool,
) -> ApiResult<StatusCode> {
    let (caller, pool_id) = auth.administering::<PoolId>(pool_id)?;
    let user_id = parse_uuid_field::<UserId>("user_id", user_id)?;
    teams::set_pool_member(&state.app(), Operator::Person(&caller), pool_id, user_id, member).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a staff member to a pool.
#[utoipa::path(put, path = "/api/v1/admin/pools/{pool_id}/members/{user_id}", tag = "admin",
    params(("pool_id" = String, Path), ("user_id" = String, Path)),
    responses(
        (status = 204, description = "A member"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn add_pool_member(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((pool_id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    pool_member_change(&state, &auth, &pool_id, &user_id, true).await
}

/// Removes a staff member from a pool.
#[utoipa::path(delete, path = "/api/v1/admin/pools/{pool_id}/members/{user_id}", tag = "admin",
    params(("pool_id" = String, Path), ("user_id" = String, Path)),
    responses(
        (status = 204, description = "No longer a member"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn remove_pool_member(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((pool_id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    pool_member_change(&state, &auth, &pool_id, &user_id, false).await
}

/// A pool's lead.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolLeadIn {
    /// A member of the pool, or `null` for no lead.
    #[schema(format = Uuid)]
    pub user_id: Option<String>,
}

/// Names the pool's lead (a member of the pool), told with the assignee
/// when one of the pool's threads is overdue; `null` leaves it without one.
#[utoipa::path(put, path = "/api/v1/admin/pools/{pool_id}/lead", tag = "admin", request_body = PoolLeadIn,
    params(("pool_id" = String, Path)),
    responses(
        (status = 204, description = "The lead is set"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn set_pool_lead(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(pool_id): Path<String>,
    ApiJson(input): ApiJson<PoolLeadIn>,
) -> ApiResult<StatusCode> {
    let (caller, pool_id) = auth.administering::<PoolId>(&pool_id)?;
    let lead = input.user_id.as_deref().map(|id| parse_uuid_field::<UserId>("user_id", id)).transpose()?;
    teams::set_pool_lead(&state.app(), Operator::Person(&caller), pool_id, lead).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every patient with the clinicians on their care team (patients without one too).
#[utoipa::path(get, path = "/api/v1/admin/care-teams", tag = "admin",
    responses((status = 200, body = CareTeamList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn care_teams(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<CareTeamList>> {
    let teams = teams::care_teams(&state.app(), Operator::Person(&auth.caller())).await?;
    Ok(Json(CareTeamList { care_teams: teams.iter().map(CareTeamOut::from).collect() }))
}

/// Every pool with its members.
#[utoipa::path(get, path = "/api/v1/admin/pools", tag = "admin",
    responses((status = 200, body = PoolMembersList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn pools_with_members(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<PoolMembersList>> {
    let pools = teams::pools_with_members(&state.app(), Operator::Person(&auth.caller())).await?;
    Ok(Json(PoolMembersList { pools: pools.iter().map(PoolMembersOut::from).collect() }))
}
