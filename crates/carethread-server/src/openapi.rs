//! The OpenAPI 3 description, generated from the handlers and served at
//! `/api/v1/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::api_paths;

#[derive(OpenApi)]
#[openapi(
    info(title = "CareThread API", description = "Secure asynchronous messaging between patients and their care teams."),
    paths(
        api_paths::sign_in,
        api_paths::sign_out,
        api_paths::me,
        api_paths::pools,
        api_paths::list_threads,
        api_paths::create_thread,
        api_paths::get_thread,
        api_paths::update_thread,
        api_paths::retriage,
        api_paths::triage_settings,
        api_paths::update_triage_settings,
        api_paths::post_message,
        api_paths::post_attachments,
        api_paths::get_attachment,
        api_paths::events,
        api_paths::healthz,
        api_paths::readyz,
        api_paths::metrics,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "threads", description = "Conversations between a patient and the care team"),
        (name = "messages", description = "Messages, internal notes and attachments"),
        (name = "triage", description = "Re-triage, routing rules and the classifier switch"),
        (name = "events", description = "Live updates"),
        (name = "people", description = "Users and pools"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as JSON.
#[must_use]
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub(crate) async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}
