//! FHIR Bulk Data export (the asynchronous request pattern), for registered
//! systems: `GET Patient/$export` or `Group/{id}/$export` with `Prefer:
//! respond-async` answers `202` and a status address; polling it answers
//! `202` while the job works, then the manifest; each file is NDJSON,
//! downloaded with the same token. The work and who may have what are the
//! application layer's ([`carethread_app::bulk_export`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use carethread_app::bulk_export::{self, ExportRequest};
use carethread_core::ids::PoolId;
use carethread_fhir::smart::Permission;
use carethread_store::{BulkExport, ExportStatus};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::extract::{FhirCaller, RawQuery};
use super::{FhirError, base_url, query_pairs};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::extract::path_id;

/// What the kick-off's query string asks for.
struct KickOff {
    types: Option<Vec<String>>,
    since: Option<DateTime<Utc>>,
}

fn read_kick_off(auth: &Authenticated, query: RawQuery) -> Result<KickOff, FhirError> {
    let (mut types, mut since) = (None, None);
    for (name, value) in query_pairs(query)? {
        let value = value.trim().replace(' ', "+");
        match name.as_str() {
            "_type" => {
                let asked: Vec<String> =
                    value.split(',').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
                types = Some(asked);
            }
            "_since" => {
                let at = DateTime::parse_from_rfc3339(&value)
                    .map_err(|_| ApiError::BadRequest("_since: must be an instant with a time zone".into()))?;
                since = Some(at.with_timezone(&Utc));
            }
            "_outputFormat"
                if ["application/fhir+ndjson", "application/ndjson", "ndjson"].contains(&value.as_str()) => {}
            "_outputFormat" => return Err(ApiError::BadRequest("_outputFormat: only NDJSON is written".into()).into()),
            other => {
                return Err(ApiError::BadRequest(format!("{other}: is not a supported export parameter")).into());
            }
        }
    }
    // A system's token must allow reading each type it exports.
    if let Some(scopes) = &auth.scopes {
        let wanted: Vec<&str> =
            types.as_ref().map_or(bulk_export::EXPORT_TYPES.to_vec(), |t| t.iter().map(String::as_str).collect());
        // (A type no export writes is refused by name below.)
        let known = wanted.iter().filter(|t| bulk_export::EXPORT_TYPES.contains(t));
        if let Some(denied) = known.into_iter().find(|t| !scopes.allows(t, Permission::Read)) {
            return Err(ApiError::Forbidden(format!("this token's scopes do not allow reading {denied}")).into());
        }
    }
    Ok(KickOff { types, since })
}

async fn kick_off(
    state: AppState,
    headers: HeaderMap,
    auth: Authenticated,
    query: RawQuery,
    pool: Option<PoolId>,
) -> Result<Response, FhirError> {
    let asynchronous =
        headers.get_all("prefer").iter().filter_map(|v| v.to_str().ok()).any(|v| v.contains("respond-async"));
    if !asynchronous {
        return Err(ApiError::BadRequest("an export needs the header Prefer: respond-async".into()).into());
    }
    let raw_query = match &query {
        Ok(axum::extract::Query(pairs)) => pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"),
        Err(_) => String::new(),
    };
    let KickOff { types, since } = read_kick_off(&auth, query)?;
    let base = base_url(&state, &headers);
    let path = pool.map_or("Patient/$export".to_owned(), |p| format!("Group/{p}/$export"));
    let request = if raw_query.is_empty() { format!("{base}/{path}") } else { format!("{base}/{path}?{raw_query}") };
    let input = ExportRequest { pool, types, since, request };
    let export = bulk_export::start_export(&state.app(), &auth.caller(), auth.is_system(), input).await?;
    let mut response = StatusCode::ACCEPTED.into_response();
    let status = HeaderValue::from_str(&format!("{base}/$export-status/{}", export.id)).map_err(ApiError::internal)?;
    response.headers_mut().insert(header::CONTENT_LOCATION, status);
    Ok(response)
}

/// `GET /fhir/r4/Patient/$export`: every patient the system may see.
pub(super) async fn patient_export(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Result<FhirCaller, FhirError>,
    query: RawQuery,
) -> Result<Response, FhirError> {
    let FhirCaller(auth) = auth?;
    kick_off(state, headers, auth, query, None).await
}

/// `GET /fhir/r4/Group/{id}/$export`: a pool's patients.
pub(super) async fn group_export(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Result<FhirCaller, FhirError>,
    Path(id): Path<String>,
    query: RawQuery,
) -> Result<Response, FhirError> {
    let FhirCaller(auth) = auth?;
    let pool: PoolId = path_id(&id)?;
    kick_off(state, headers, auth, query, Some(pool)).await
}

/// The manifest of a completed export.
fn manifest(base: &str, export: &BulkExport) -> serde_json::Value {
    let output: Vec<serde_json::Value> = export
        .files
        .iter()
        .map(|f| {
            json!({
                "type": f.resource_type,
                "url": format!("{base}/$export-file/{}/{}/{}", export.id, f.resource_type, f.part),
                "count": f.lines,
            })
        })
        .collect();
    json!({
        "transactionTime": export.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "request": export.request,
        "requiresAccessToken": true,
        "output": output,
        "error": [],
    })
}

/// `GET /fhir/r4/$export-status/{id}`: `202` while it works, then the
/// manifest; a failed export answers `500` with why.
pub(super) async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Result<FhirCaller, FhirError>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let FhirCaller(auth) = auth?;
    let export = bulk_export::export_status(&state.app(), &auth.caller(), path_id(&id)?).await?;
    let expires = export.expires_at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let mut response = match &export.status {
        ExportStatus::InProgress => {
            let mut r = StatusCode::ACCEPTED.into_response();
            r.headers_mut().insert("x-progress", HeaderValue::from_static("in progress"));
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            r
        }
        ExportStatus::Completed => Json(manifest(&base_url(&state, &headers), &export)).into_response(),
        ExportStatus::Failed(why) => {
            return Err(ApiError::internal(std::io::Error::other(format!("the export failed: {why}"))).into());
        }
    };
    if let Ok(value) = HeaderValue::from_str(&expires) {
        response.headers_mut().insert(header::EXPIRES, value);
    }
    Ok(response)
}

/// `DELETE /fhir/r4/$export-status/{id}`: cancels the export, or deletes its files.
pub(super) async fn cancel(
    State(state): State<AppState>,
    auth: Result<FhirCaller, FhirError>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let FhirCaller(auth) = auth?;
    bulk_export::cancel_export(&state.app(), &auth.caller(), path_id(&id)?).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `GET /fhir/r4/$export-file/{id}/{type}/{part}`: one NDJSON file.
pub(super) async fn file(
    State(state): State<AppState>,
    auth: Result<FhirCaller, FhirError>,
    Path((id, resource_type, part)): Path<(String, String, u32)>,
) -> Result<Response, FhirError> {
    let FhirCaller(auth) = auth?;
    let ndjson = bulk_export::export_file(&state.app(), &auth.caller(), path_id(&id)?, &resource_type, part).await?;
    let mut response = ndjson.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/fhir+ndjson"));
    Ok(response)
}
