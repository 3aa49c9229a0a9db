//! The signed-in user, and the pools staff route threads to.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carethread_core::audit::AuditAction;
use carethread_core::policy;
use carethread_core::role::Role;
use carethread_core::user::Language;
use carethread_store::UserChange;
use chrono::Utc;
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
    let language = Language::parse(&raw)?;
    if language != auth.user.language {
        let audit = auth.audit(AuditAction::UserUpdate).detail(format!("language {}", language.as_str()));
        let change = UserChange { language: Some(language), ..UserChange::default() };
        state.store.update_user(auth.user.id, &change, &audit).await?;
        auth.user.language = language;
    }
    me(State(state), auth).await
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
