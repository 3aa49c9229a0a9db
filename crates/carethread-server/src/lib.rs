//! CareThread's HTTP layer: the JSON API under `/api/v1`, server-sent events,
//! health and metrics. It translates between HTTP and the domain; the rules
//! themselves live in `carethread-core` (policy, life cycle, validation),
//! `carethread-triage` and the store.

mod address_limit;
mod addresses;
mod admin_views;
mod after_hours;
mod ai_views;
pub mod auth;
pub(crate) mod billing_periods;
mod claims_export;
pub mod clinic;
pub mod dto;
mod equity_views;
pub mod error;
pub mod extract;
pub mod insights_views;
pub mod intake;
pub mod metrics;
pub mod openapi;
pub mod record_views;
mod routes;
pub mod scanner;
mod sending;
mod settings_views;
mod thread_views;
pub mod tls;
pub mod totp;
pub mod write_health;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use carethread_core::clinic::ClinicSettings;
use carethread_store::Store;

pub use error::ApiError;
pub use metrics::Metrics;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub settings: Arc<ClinicSettings>,
    pub metrics: Arc<Metrics>,
    pub login_guard: Arc<address_limit::LoginGuard>,
    /// Clients reach the server over TLS (served here, or by a proxy in
    /// front): cookies are `Secure` and responses carry HSTS.
    pub tls: bool,
    /// Proxies whose `X-Forwarded-For` names the real client (for the audit
    /// log and the sign-in limit); from anyone else the header is ignored.
    pub trusted_proxies: Arc<Vec<std::net::IpAddr>>,
    /// Drafts replies: the built-in drafter unless the clinic configured a model.
    pub drafter: Arc<dyn carethread_draft::Drafter>,
    /// Sign-ins being checked, and failures on usernames that do not exist.
    pub sign_ins: Arc<carethread_app::sign_in::AccountGuard>,
    /// The clinic profile administrators edit (hours, reply targets, limits).
    pub clinic: Arc<clinic::ProfileCache>,
    /// The clinic's triage settings, as every patient message reads them.
    pub triage: Arc<clinic::Fresh<carethread_store::TriageSettings>>,
    /// Scans every upload before it is stored; `None`: scanning is off.
    pub scanner: Option<Arc<scanner::Scanner>>,
    /// Whether writes fail for want of room, and sign-outs held in memory meanwhile.
    pub write_health: Arc<write_health::WriteHealth>,
    /// How notices reach people outside CareThread, and when.
    pub notifications: Arc<carethread_app::jobs::Notifications>,
}

impl AppState {
    #[must_use]
    pub fn new(store: Arc<dyn Store>, settings: ClinicSettings) -> Self {
        // The application layer's store, caches and drafter, shared by every request.
        let carethread_app::App { store, settings, clinic, triage, drafter, sign_ins, notifications } =
            carethread_app::App::new(store, settings);
        Self {
            store,
            clinic,
            triage,
            settings,
            metrics: Arc::new(Metrics::default()),
            login_guard: Arc::default(),
            tls: false,
            trusted_proxies: Arc::default(),
            drafter,
            sign_ins,
            scanner: None,
            write_health: Arc::default(),
            notifications,
        }
    }

    /// The application layer over this server's store, caches and drafter.
    #[must_use]
    pub fn app(&self) -> carethread_app::App {
        carethread_app::App {
            store: self.store.clone(),
            settings: self.settings.clone(),
            clinic: self.clinic.clone(),
            triage: self.triage.clone(),
            drafter: self.drafter.clone(),
            sign_ins: self.sign_ins.clone(),
            notifications: self.notifications.clone(),
        }
    }
}

/// The whole application: every route, with metrics, request logging and
/// security headers.
pub fn app(state: AppState) -> Router {
    auth::warm_up();
    routes::router(&state)
        .layer(middleware::from_fn_with_state(state.clone(), error::speak_the_callers_language))
        .layer(middleware::from_fn_with_state(state.clone(), write_health::watch))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn_with_state(state.clone(), security_headers))
        .layer(middleware::from_fn(routes::fhir_cross_origin))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = app(state).into_make_service_with_connect_info::<tls::ClientAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown).await
}

/// Serves `app` over TLS on `listener` until `shutdown` resolves. Responses
/// carry HSTS and session cookies are `Secure`.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    config: Arc<tokio_rustls::rustls::ServerConfig>,
    mut state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    state.tls = true;
    let service = app(state).into_make_service_with_connect_info::<tls::ClientAddr>();
    axum::serve(tls::TlsListener::new(listener, config)?, service).with_graceful_shutdown(shutdown).await
}

/// The header naming a request in the logs: the client's (or a proxy's)
/// when it is a plain token, else a new one, and echoed on the answer.
const REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

/// A request's id: the one it came with when that is 1–64 letters, digits,
/// dashes or underscores (nothing a log could be tricked with), else a new UUID.
fn request_id(request: &Request) -> String {
    request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned)
}

/// Records each request's route, status and latency, and logs it by matched
/// route (never the raw path or query, which may identify a patient). Every
/// log line written while the request is handled (an unexpected cause, once,
/// where it is answered) carries the request's id, which the answer echoes.
async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    use tracing::Instrument as _;
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().clone();
    let id = request_id(&request);
    let span = tracing::info_span!("request", request.id = %id);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let _entered = span.enter();
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.record_request(method.as_str(), &route, status, elapsed);
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    if route == "/healthz" || route == "/readyz" {
        tracing::debug!(%method, route, status, duration_ms, "request");
    } else {
        tracing::info!(%method, route, status, duration_ms, "request");
    }
    response
}

async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if state.tls {
        headers
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ));
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_id(value: &str) -> Request {
        axum::http::Request::builder().header("x-request-id", value).body(axum::body::Body::empty()).expect("request")
    }

    #[test]
    fn a_plain_request_id_is_kept_and_anything_else_is_replaced_by_a_new_one() {
        assert_eq!(request_id(&with_id("abc-123_X")), "abc-123_X");
        let long = "x".repeat(65);
        for bad in ["", "has space", "quote\"d", "a;b=c", long.as_str()] {
            let id = request_id(&with_id(bad));
            assert_ne!(id, bad);
            assert!(id.parse::<uuid::Uuid>().is_ok(), "{bad:?} gets a new id, not {id:?}");
        }
        let fresh = axum::http::Request::builder().body(axum::body::Body::empty()).expect("request");
        assert!(request_id(&fresh).parse::<uuid::Uuid>().is_ok());
    }
}
