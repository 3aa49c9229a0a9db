//! The signed-in user, and the pools staff route threads to.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carethread_app::{teams, users};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::dto::{MeOut, PersonOut, PoolList, PoolOut};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/me", get(me).patch(update_me)).route("/api/v1/pools", get(pools))
}

/// A change to one's own account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeIn {
    /// `en` or `es`: the language of the portal, notices and replies' disclosure line.
    pub language: Option<String>,
}

/// Changes one's own preferences (the language is remembered across devices).
#[utoipa::path(patch, path = "/api/v1/me", tag = "people", request_body = MeIn,
    responses(
        (status = 200, body = MeOut), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn update_me(
    State(state): State<AppState>,
    mut auth: Authenticated,
    ApiJson(input): ApiJson<MeIn>,
) -> ApiResult<Json<MeOut>> {
    let Some(raw) = input.language else {
        return Err(ApiError::invalid("body", "names no change"));
    };
    auth.user = users::set_own_language(&state.app(), &auth.caller(), &raw).await?;
    me(State(state), auth).await
}

/// Who is signed in and, for a proxy, the patients they act for.
#[utoipa::path(get, path = "/api/v1/me", tag = "people",
    responses((status = 200, body = MeOut), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn me(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<MeOut>> {
    let acting_for = users::acting_for(&state.app(), &auth.caller()).await?.iter().map(PersonOut::from).collect();
    Ok(Json(MeOut { user: (&auth.user).into(), acting_for }))
}

/// The clinic's pools (staff only).
#[utoipa::path(get, path = "/api/v1/pools", tag = "people",
    responses((status = 200, body = PoolList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn pools(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<PoolList>> {
    let pools = teams::pools(&state.app(), &auth.caller()).await?;
    Ok(Json(PoolList { pools: pools.iter().map(PoolOut::from).collect() }))
}
