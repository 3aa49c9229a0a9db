//! `GET /api/v1/record`: a patient's whole record of messages to keep, as
//! [`crate::record_views`] writes it.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use carethread_app::{Operator, record};

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, Authenticated};
use crate::record_views::{RecordQuery, download, read_query};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/record", get(download_from_api))
}

/// Downloads a patient's whole record of messages (the patient, or a proxy
/// with full access), as a readable HTML document or a FHIR R4 Bundle.
#[utoipa::path(get, path = "/api/v1/record", tag = "privacy", params(RecordQuery),
    responses(
        (status = 200, description = "The record, as a file to save", content_type = "text/html"),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
    ),
    security(("bearer" = [])))]
pub async fn download_from_api(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<RecordQuery>,
) -> ApiResult<Response> {
    let (patient, format) = read_query(&query, auth.user.id)?;
    let caller = auth.caller();
    let record = record::export_record(&state.app(), Operator::Person(&caller), patient).await?;
    let clinic = state.app().clinic.get(&*state.store).await;
    Ok(download(&crate::addresses::origin(&state, &headers), &record, &format, auth.user.language, &clinic))
}
