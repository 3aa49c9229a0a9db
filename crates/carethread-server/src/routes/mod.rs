//! Every route, merged in one place.

mod admin;
mod ai_settings;
mod billing;
mod billing_queue;
mod clinic;
mod contact;
mod coverage;
mod drafts;
mod equity;
mod events;
mod fhir;
mod health;
mod held;
mod insights;
mod jobs;
mod legal_holds;
mod messages;
mod mfa;
mod overdue;
mod paging;
mod patient_apps;
mod people;
mod privacy;
mod record;
mod session;
mod system_clients;
mod threads;
mod triage;
mod visits;
pub(crate) mod web;
mod wording;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

pub(crate) use fhir::cross_origin as fhir_cross_origin;
pub(crate) use web::Text;

use crate::error::ApiError;
use crate::{AppState, openapi};

/// What every FHIR API address starts with.
pub(crate) const FHIR_PREFIX: &str = "/fhir/r4/";

/// JSON bodies are small; attachments get their own larger limit.
const JSON_BODY_LIMIT: usize = 256 * 1024;

pub(crate) fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(mfa::router())
        .merge(people::router())
        .merge(contact::router())
        .merge(coverage::router())
        .merge(billing::router())
        .merge(billing_queue::router())
        .merge(threads::router())
        .merge(held::router())
        .merge(visits::router())
        .merge(messages::router(state))
        .merge(triage::router())
        .merge(privacy::router())
        .merge(admin::router())
        .merge(clinic::router())
        .merge(drafts::router())
        .merge(ai_settings::router())
        .merge(equity::router())
        .merge(insights::router())
        .merge(jobs::router())
        .merge(legal_holds::router())
        .merge(record::router())
        .merge(system_clients::router())
        .merge(patient_apps::router())
        .merge(paging::router())
        .merge(overdue::router())
        .merge(wording::router())
        .merge(web::router(state))
        .merge(events::router())
        .merge(fhir::router())
        .merge(health::router())
        .route("/api/v1/openapi.json", get(openapi::serve))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}

/// Handlers and their generated path descriptions, for the OpenAPI document.
pub(crate) mod api_paths {
    pub use super::admin::*;
    pub use super::ai_settings::*;
    pub use super::billing::*;
    pub use super::billing_queue::*;
    pub use super::clinic::*;
    pub use super::contact::*;
    pub use super::coverage::*;
    pub use super::drafts::*;
    pub use super::equity::*;
    pub use super::events::*;
    pub use super::health::*;
    pub use super::held::*;
    pub use super::insights::*;
    pub use super::jobs::*;
    pub use super::legal_holds::*;
    pub use super::messages::*;
    pub use super::mfa::*;
    pub use super::overdue::*;
    pub use super::paging::*;
    pub use super::patient_apps::*;
    pub use super::people::*;
    pub use super::privacy::*;
    pub use super::record::*;
    pub use super::session::*;
    pub use super::system_clients::*;
    pub use super::threads::*;
    pub use super::triage::*;
    pub use super::visits::*;
    pub use super::wording::*;
}
