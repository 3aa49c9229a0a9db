//! Liveness, readiness and metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::scanner::scanning_status;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Alive")))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The database answers and accepts writes. The answer also says whether
/// uploads are scanned for viruses (`scanning`: `on`, `off` when no scanner
/// is configured, `unreachable` when it is configured but not answering).
/// An unreachable scanner does not make the server unready: messages
/// without files still work, and uploads are refused with 503 until it
/// answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready: `{\"status\":\"ready\",\"database\",\"writes\":\"ok\",\"scanning\"}`"),
        (status = 503, description = "Database unavailable, or writes failing (a full disk: `\"writes\":\"failing\"`)"),
    ))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Response> {
    state.store.ping().await.map_err(|err| {
        tracing::warn!(error = %err, "readiness check failed");
        ApiError::Unavailable
    })?;
    let writes_ok = state.write_health.check(&*state.store).await;
    let scanning = scanning_status(state.scanner.as_deref()).await;
    let body = json!({
        "status": if writes_ok { "ready" } else { "not ready" },
        "database": state.store.backend(),
        "writes": if writes_ok { "ok" } else { "failing" },
        "scanning": scanning,
    });
    if writes_ok {
        return Ok(Json(body).into_response());
    }
    Ok((StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "60")], Json(body)).into_response())
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut body = state.metrics.render();
    // The outbox's counts (pending, running, dead), when the database answers.
    match carethread_app::outbox_admin::job_counts(&state.app()).await {
        Ok(counts) => body.push_str(&crate::metrics::job_gauges(counts)),
        Err(err) => tracing::warn!(error = %err, "job counts unavailable for metrics"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
