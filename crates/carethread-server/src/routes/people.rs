//! The signed-in user, and the pools staff route threads to.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carethread_core::policy;
use carethread_core::role::Role;
use chrono::Utc;

use crate::AppState;
use crate::dto::{MeOut, PersonOut, PoolList, PoolOut};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Authenticated;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/me", get(me)).route("/api/v1/pools", get(pools))
}

/// Who is signed in and, for a proxy, the patients they act for.
#[utoipa::path(get, path = "/api/v1/me", tag = "people",
    responses((status = 200, body = MeOut), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn me(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<MeOut>> {
    let acting_for = if auth.user.role == Role::Proxy {
        state.store.proxy_patients(auth.user.id, Utc::now()).await?.iter().map(PersonOut::from).collect()
    } else {
        Vec::new()
    };
    Ok(Json(MeOut { user: (&auth.user).into(), acting_for }))
}

/// The clinic's pools (staff only).
#[utoipa::path(get, path = "/api/v1/pools", tag = "people",
    responses((status = 200, body = PoolList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn pools(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<PoolList>> {
    if !policy::works_in_baskets(auth.user.role) {
        return Err(ApiError::Forbidden("only care-team staff work with pools".to_owned()));
    }
    let pools = state.store.pools().await?;
    Ok(Json(PoolList { pools: pools.iter().map(PoolOut::from).collect() }))
}
