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
        api_paths::sign_out_everywhere,
        api_paths::mfa_enrol,
        api_paths::mfa_confirm,
        api_paths::mfa_disable,
        api_paths::me,
        api_paths::update_me,
        api_paths::clinic,
        api_paths::update_clinic,
        api_paths::pools,
        api_paths::list_threads,
        api_paths::create_thread,
        api_paths::get_thread,
        api_paths::update_thread,
        api_paths::set_confidential,
        api_paths::retriage,
        api_paths::triage_settings,
        api_paths::update_triage_settings,
        api_paths::post_message,
        api_paths::post_attachments,
        api_paths::get_attachment,
        api_paths::events,
        api_paths::audit_log,
        api_paths::list_grants,
        api_paths::create_grant,
        api_paths::revoke_grant,
        api_paths::break_glass,
        api_paths::list_users,
        api_paths::create_user,
        api_paths::update_user,
        api_paths::care_teams,
        api_paths::pools_with_members,
        api_paths::add_to_care_team,
        api_paths::remove_from_care_team,
        api_paths::create_pool,
        api_paths::add_pool_member,
        api_paths::remove_pool_member,
        api_paths::create_draft,
        api_paths::readability,
        api_paths::check_wording,
        api_paths::list_quick_replies,
        api_paths::create_quick_reply,
        api_paths::delete_quick_reply,
        api_paths::expand_quick_reply,
        api_paths::ai_admin,
        api_paths::update_ai,
        api_paths::reply_library,
        api_paths::set_reply,
        api_paths::reset_reply,
        api_paths::healthz,
        api_paths::readyz,
        api_paths::metrics,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "session", description = "Signing in and out, two-step sign-in"),
        (name = "privacy", description = "The audit log, proxy grants and break-the-glass access"),
        (name = "admin", description = "Users, care teams and pools (administrators)"),
        (name = "drafting", description = "Reply drafts, readability feedback, quick replies, and the clinic's AI settings and report"),
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
