//! Administration of the systems that reach the FHIR API (SMART Backend
//! Services): register one with its public keys, list them, revoke one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use carethread_app::Operator;
use carethread_app::system_clients::{self, RegisterClient};
use carethread_core::ids::ClientId;
use carethread_store::SystemClient;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/system-clients", get(list_system_clients).post(register_system_client))
        .route("/api/v1/admin/system-clients/{id}", delete(revoke_system_client))
}

/// A system to register for the FHIR API.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemClientIn {
    /// What the clinic calls it (1–100 characters); also its account's name.
    pub name: String,
    /// The role it acts with: `physician`, `nurse`, `pharmacist`,
    /// `front_desk`, `billing` or `auditor`. The core policy applies to it
    /// as to a person with that role (add its account to the pools and care
    /// teams whose conversations it works with).
    pub role: String,
    /// Its public keys: a JWK Set with at least one RSA (2048 bits or more)
    /// or P-384 key, each with a `kid`. Never a private key.
    #[schema(value_type = Object)]
    pub jwks: serde_json::Value,
    /// The SMART system scopes it may be granted, space-separated
    /// (`system/Communication.crs system/Patient.rs`).
    pub scopes: String,
}

/// A registered system.
#[derive(Serialize, ToSchema)]
pub struct SystemClientOut {
    /// Its `client_id`: the `iss` and `sub` of the assertions it signs.
    pub client_id: String,
    pub name: String,
    /// The account it acts as (add it to pools and care teams as needed).
    pub account_id: String,
    pub role: String,
    pub scopes: String,
    #[schema(value_type = Object)]
    pub jwks: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Every registered system.
#[derive(Serialize, ToSchema)]
pub struct SystemClientList {
    pub clients: Vec<SystemClientOut>,
}

fn client_out(client: &SystemClient) -> SystemClientOut {
    SystemClientOut {
        client_id: client.id.to_string(),
        name: client.name.clone(),
        account_id: client.account.id.to_string(),
        role: client.account.role.as_str().to_owned(),
        scopes: client.scopes.clone(),
        jwks: serde_json::from_str(&client.jwks).unwrap_or(serde_json::Value::Null),
        created_at: client.created_at,
        revoked_at: client.revoked_at,
    }
}

/// Every system registered for the FHIR API, revoked ones too (administrators).
#[utoipa::path(get, path = "/api/v1/admin/system-clients", tag = "admin",
    responses((status = 200, body = SystemClientList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_system_clients(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<SystemClientList>> {
    let clients = system_clients::list_clients(&state.app(), Operator::Person(&auth.caller())).await?;
    Ok(Json(SystemClientList { clients: clients.iter().map(client_out).collect() }))
}

/// Registers a system for the FHIR API.
#[utoipa::path(post, path = "/api/v1/admin/system-clients", tag = "admin", request_body = SystemClientIn,
    responses(
        (status = 201, body = SystemClientOut), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn register_system_client(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<SystemClientIn>,
) -> ApiResult<(StatusCode, Json<SystemClientOut>)> {
    let jwks = match input.jwks {
        serde_json::Value::Object(_) => input.jwks.to_string(),
        _ => return Err(ApiError::invalid("jwks", "must be a JWK Set object")),
    };
    let register = RegisterClient { name: input.name, role: input.role, jwks, scopes: input.scopes };
    let client = system_clients::register_client(&state.app(), Operator::Person(&auth.caller()), register).await?;
    Ok((StatusCode::CREATED, Json(client_out(&client))))
}

/// Revokes a system: its tokens stop working at once.
#[utoipa::path(delete, path = "/api/v1/admin/system-clients/{id}", tag = "admin",
    params(("id" = String, Path, description = "The system's client_id")),
    responses(
        (status = 204, description = "Revoked"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, description = "No such system, or revoked already", body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn revoke_system_client(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let (caller, id) = auth.administering::<ClientId>(&id)?;
    system_clients::revoke_client(&state.app(), Operator::Person(&caller), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
