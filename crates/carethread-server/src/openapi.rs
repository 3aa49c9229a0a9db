//! The OpenAPI 3 description, generated from the handlers and served at
//! `/api/v1/openapi.json`.
//!
//! Each handler documents what it answers itself; [`ErrorResponses`] adds
//! what the shared parts answer for every operation alike (a JSON body's
//! 400/413/415/422, a query string's 400/422, a path's 400, a session's 401, the
//! database's 503, and the conflicts of [`CONFLICTS`]) and gives every
//! error the `application/problem+json` body [`ApiError`] sends.
//! [`limits`] writes the enforced lengths and allowed values into the
//! request schemas.
//!
//! [`ApiError`]: crate::error::ApiError

pub mod limits;

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, ObjectBuilder, Ref, RefOr, Schema};
use utoipa::{Modify, OpenApi};

use crate::routes::api_paths;

pub use crate::error::PROBLEM_JSON;

/// Operations that answer 409 Conflict, and when: method, path, why.
pub const CONFLICTS: [(&str, &str, &str); 14] = [
    ("post", "/api/v1/admin/jobs/{id}/retry", "A pending job already does this work"),
    ("post", "/api/v1/admin/users", "The username (or record number) is taken"),
    ("patch", "/api/v1/admin/users/{id}", "Another patient already has that record number"),
    ("post", "/api/v1/admin/pools", "A pool with that slug exists"),
    ("post", "/api/v1/mfa/enrol", "Two-step sign-in is already on: turn it off first"),
    ("post", "/api/v1/mfa/confirm", "There is no enrolment to confirm: enrol first"),
    ("delete", "/api/v1/mfa", "Two-step sign-in is not on"),
    ("post", "/api/v1/quick-replies", "A quick reply with that code exists"),
    ("post", "/api/v1/threads/{id}/break-glass", "You already have access to this thread"),
    (
        "post",
        "/api/v1/threads/{id}/messages",
        "The conversation is closed or takes no replies from you, or a reply was already sent from this draft",
    ),
    ("post", "/api/v1/threads/{id}/attachments", "The conversation is closed or takes no replies from you"),
    ("put", "/api/v1/me/billing-consent", "The clinic does not bill online visits"),
    (
        "put",
        "/api/v1/threads/{id}/billing-attestation",
        "The clinic does not bill online visits, or none of your time is measured on this conversation yet",
    ),
    (
        "put",
        "/api/v1/billing/periods/{period}",
        "The period does not bill (it cannot be approved), or its claim was exported already",
    ),
];

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
        api_paths::my_notifications,
        api_paths::set_my_notifications,
        api_paths::my_away,
        api_paths::set_my_away,
        api_paths::clear_my_away,
        api_paths::set_user_away,
        api_paths::clear_user_away,
        api_paths::clinic,
        api_paths::update_clinic,
        api_paths::pools,
        api_paths::list_threads,
        api_paths::create_thread,
        api_paths::get_thread,
        api_paths::update_thread,
        api_paths::set_confidential,
        api_paths::list_held,
        api_paths::hold_reply,
        api_paths::release_held,
        api_paths::cancel_held,
        api_paths::request_visit,
        api_paths::list_visit_requests,
        api_paths::update_visit_request,
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
        api_paths::set_pool_lead,
        api_paths::legal_holds,
        api_paths::set_legal_hold,
        api_paths::release_legal_hold,
        api_paths::download_from_api,
        api_paths::list_system_clients,
        api_paths::register_system_client,
        api_paths::revoke_system_client,
        api_paths::list_patient_apps,
        api_paths::register_patient_app,
        api_paths::revoke_patient_app,
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
        api_paths::insights,
        api_paths::equity_monitor,
        api_paths::patient_groups,
        api_paths::set_patient_groups,
        api_paths::list_jobs,
        api_paths::retry_job,
        api_paths::thread_pages,
        api_paths::my_overdue_notices,
        api_paths::billing_settings,
        api_paths::set_billing_settings,
        api_paths::my_billing_consent,
        api_paths::set_my_billing_consent,
        api_paths::thread_billing_consent,
        api_paths::thread_activity,
        api_paths::thread_billing_time,
        api_paths::record_visit,
        api_paths::attest_thread,
        api_paths::thread_evisit,
        api_paths::billing_queue,
        api_paths::decide_period,
        api_paths::set_billing_patient,
        api_paths::export_claims,
        api_paths::healthz,
        api_paths::readyz,
        api_paths::metrics,
    ),
    modifiers(&BearerAuth, &ErrorResponses, &RequestLimits),
    tags(
        (name = "session", description = "Signing in and out, two-step sign-in"),
        (name = "privacy", description = "The audit log, proxy grants and break-the-glass access"),
        (name = "admin", description = "Users, care teams and pools (administrators)"),
        (name = "drafting", description = "Reply drafts, readability feedback, quick replies, and the clinic's AI settings and report"),
        (name = "threads", description = "Conversations between a patient and the care team"),
        (name = "messages", description = "Messages, internal notes and attachments"),
        (name = "triage", description = "Re-triage, routing rules and the classifier switch"),
        (name = "events", description = "Live updates"),
        (name = "insights", description = "The clinic's figures: volume, response times, workload and safety (administrators)"),
        (name = "people", description = "Users and pools"),
        (name = "billing", description = "E-visit billing: the notice and consent, clinicians' time and attestation, and the billing queue (no message text)"),
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

/// Adds the answers every operation shares and makes every error a problem.
struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            for method in METHODS {
                let Some(operation) = operation_mut(item, method) else { continue };
                shared_answers(path, method, operation);
                for (status, response) in &mut operation.responses.responses {
                    if let (Ok(code), RefOr::T(response)) = (status.parse::<u16>(), response)
                        && code >= 400
                    {
                        as_problem(path, code, response);
                    }
                }
            }
        }
    }
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// The operation for `method` (lowercase) in a path item.
pub(crate) fn operation_mut<'a>(item: &'a mut PathItem, method: &str) -> Option<&'a mut Operation> {
    match method {
        "get" => item.get.as_mut(),
        "put" => item.put.as_mut(),
        "post" => item.post.as_mut(),
        "delete" => item.delete.as_mut(),
        "patch" => item.patch.as_mut(),
        _ => None,
    }
}

/// What the extractors, the session and the database answer for `operation`.
fn shared_answers(path: &str, method: &str, operation: &mut Operation) {
    let body = |media: &str| operation.request_body.as_ref().is_some_and(|b| b.content.contains_key(media));
    let (json_body, multipart) = (body("application/json"), body("multipart/form-data"));
    let takes = |place: ParameterIn| operation.parameters.iter().flatten().any(|p| p.parameter_in == place);
    let (query, in_path) = (takes(ParameterIn::Query), takes(ParameterIn::Path));
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut reasons: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    let mut add = |status: u16, why| reasons.entry(status).or_default().push(why);
    if json_body {
        add(400, "the body is not valid JSON");
        add(413, "the body is larger than the server accepts");
        add(415, "the body is not `application/json`");
        add(422, "a field is missing, has the wrong type, is not a known field or breaks a rule (`field` names it)");
    }
    if multipart {
        add(400, "the multipart form could not be read");
    }
    if query {
        add(400, "the query string has a broken `%` escape, text that is not UTF-8, or a parameter given twice");
        add(422, "a query parameter is not valid (`field` names it)");
    }
    if in_path {
        add(400, "the path has a broken `%` escape or text that is not UTF-8");
    }
    if secured {
        add(401, "no valid session: sign in with `POST /api/v1/session` and send the token as `Authorization: Bearer`");
        add(
            403,
            "the clinic requires two-step sign-in for your role and you have not enrolled, or a browser's cookie \
             session sent no `X-CSRF-Token`",
        );
    }
    if path.starts_with("/api/") {
        add(
            503,
            "the database is not answering, or has no room to write: nothing was changed; try again after `Retry-After` seconds",
        );
    }
    // Added to what the handler says, or in place of an empty description.
    for (status, reasons) in reasons {
        let response =
            operation.responses.responses.entry(status.to_string()).or_insert_with(|| RefOr::T(Response::new("")));
        if let RefOr::T(response) = response {
            let mut text = response.description.trim_end_matches('.').to_owned();
            for reason in reasons {
                if text.is_empty() {
                    text = capitalised(reason);
                } else {
                    text = format!("{text}; or {reason}");
                }
            }
            response.description = text;
        }
    }
    // Each operation's conflicts are described in full in `CONFLICTS`.
    if let Some((_, _, why)) = CONFLICTS.iter().find(|(m, p, _)| *m == method && *p == path) {
        operation.responses.responses.insert("409".to_owned(), RefOr::T(Response::new(*why)));
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// An error answer: `application/problem+json` with the `Problem` schema,
/// and a description when the handler gave none.
fn as_problem(path: &str, status: u16, response: &mut Response) {
    if response.description.is_empty() {
        let reason = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
        default_description(status).unwrap_or(reason).clone_into(&mut response.description);
    }
    response.content.clear();
    response.content.insert(PROBLEM_JSON.to_owned(), Content::new(Some(Ref::from_schema_name("Problem"))));
    // Readiness with failing writes answers its usual report, with status 503.
    if path == "/readyz" && status == 503 {
        let report = ObjectBuilder::new().description(Some("The readiness report, `\"writes\":\"failing\"`")).build();
        response.content.insert("application/json".to_owned(), Content::new(Some(RefOr::T(Schema::Object(report)))));
    }
}

fn default_description(status: u16) -> Option<&'static str> {
    Some(match status {
        401 => "No valid session",
        403 => "Your role may not do this",
        404 => "No such resource, or one you may not see",
        409 => "The request conflicts with the resource's state",
        413 => "The body or a file is too large",
        415 => "The body or a file has a type that is not accepted",
        422 => "A field is not valid: `field` names it",
        429 => "Too many attempts: try again after `Retry-After` seconds",
        503 => "Temporarily unavailable: try again after `Retry-After` seconds",
        _ => return None,
    })
}

/// Writes the enforced lengths and allowed values into the request schemas.
struct RequestLimits;

impl Modify for RequestLimits {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        limits::write_limits(openapi);
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
