//! Administration of the apps patients may connect (SMART App Launch):
//! register one with its redirect addresses and scopes, list them, revoke one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use carethread_app::Operator;
use carethread_app::patient_apps::{self, RegisterApp};
use carethread_core::ids::AppId;
use carethread_store::PatientApp;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/patient-apps", get(list_patient_apps).post(register_patient_app))
        .route("/api/v1/admin/patient-apps/{id}", delete(revoke_patient_app))
}

/// An app to register for patients to connect.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientAppIn {
    /// What patients see it called on the consent screen (1–100 characters).
    pub name: String,
    /// The addresses it may be sent back to (1–10): `https://`, or
    /// `http://` to the patient's own computer (127.0.0.1, localhost).
    pub redirect_uris: Vec<String>,
    /// The SMART patient scopes it may ask for, space-separated
    /// (`patient/Communication.rs patient/Patient.r`).
    pub scopes: String,
}

/// A registered app.
#[derive(Serialize, ToSchema)]
pub struct PatientAppOut {
    /// Its `client_id` (a public client: it proves itself with PKCE).
    pub client_id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Every registered app.
#[derive(Serialize, ToSchema)]
pub struct PatientAppList {
    pub apps: Vec<PatientAppOut>,
}

fn app_out(app: &PatientApp) -> PatientAppOut {
    PatientAppOut {
        client_id: app.id.to_string(),
        name: app.name.clone(),
        redirect_uris: app.redirect_uris.clone(),
        scopes: app.scopes.clone(),
        created_at: app.created_at,
        revoked_at: app.revoked_at,
    }
}

/// Every app registered for patients, revoked ones too (administrators).
#[utoipa::path(get, path = "/api/v1/admin/patient-apps", tag = "admin",
    responses((status = 200, body = PatientAppList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_patient_apps(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<PatientAppList>> {
    let apps = patient_apps::list_apps(&state.app(), Operator::Person(&auth.caller())).await?;
    Ok(Json(PatientAppList { apps: apps.iter().map(app_out).collect() }))
}

/// Registers an app patients may connect.
#[utoipa::path(post, path = "/api/v1/admin/patient-apps", tag = "admin", request_body = PatientAppIn,
    responses(
        (status = 201, body = PatientAppOut), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn register_patient_app(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<PatientAppIn>,
) -> ApiResult<(StatusCode, Json<PatientAppOut>)> {
    let register =
        RegisterApp { name: input.name, redirect_uris: input.redirect_uris.join("\n"), scopes: input.scopes };
    let app = patient_apps::register_app(&state.app(), Operator::Person(&auth.caller()), register).await?;
    Ok((StatusCode::CREATED, Json(app_out(&app))))
}

/// Revokes an app: every patient's connection to it ends at once.
#[utoipa::path(delete, path = "/api/v1/admin/patient-apps/{id}", tag = "admin",
    params(("id" = String, Path, description = "The app's client_id")),
    responses(
        (status = 204, description = "Revoked"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, description = "No such app, or revoked already", body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn revoke_patient_app(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let (caller, id) = auth.administering::<AppId>(&id)?;
    patient_apps::revoke_app(&state.app(), Operator::Person(&caller), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
