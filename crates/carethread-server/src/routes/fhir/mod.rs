//! The FHIR R4 API under `/fhir/r4`: `metadata`, and the reads and searches
//! listed in [`carethread_fhir::SUPPORTED`] (the routes are made from that
//! table, so the `CapabilityStatement` lists exactly what answers). Handlers
//! call the application layer's reads ([`carethread_app::fhir_reads`]), so the
//! core policy and the audit log apply as they do to the JSON API; this
//! module only translates. Every answer is `application/fhir+json`; every
//! error an `OperationOutcome`.

mod audit;
mod bulk;
mod communication;
mod extract;
mod onboarding;
mod people;
pub(crate) mod smart;
mod subscriptions;
mod task;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get};
use carethread_fhir::{CapabilityInfo, FHIR_JSON, Interaction, IssueCode, SUPPORTED, operation_outcome};
use chrono::Utc;
use serde_json::Value;

use crate::AppState;
use crate::error::{ApiError, ProblemText};

pub(crate) use crate::addresses::{FHIR_BASE, fhir_base_url as base_url};

pub(super) fn router() -> Router<AppState> {
    let mut inner = Router::new().route("/metadata", get(metadata));
    for resource in SUPPORTED {
        for &interaction in resource.interactions {
            if let Some((path, route)) = route_for(resource.resource_type, interaction) {
                inner = inner.route(&path, route);
            }
        }
    }
    // FHIR Bulk Data export: the operations and their status and files.
    let inner = inner
        .route("/Patient/$export", get(bulk::patient_export))
        .route("/Group/{id}/$export", get(bulk::group_export))
        .route("/$export-status/{id}", get(bulk::status).delete(bulk::cancel))
        .route("/$export-file/{id}/{type}/{part}", get(bulk::file));
    let inner = inner
        .fallback(|| async { FhirError(ApiError::NotFound) })
        .method_not_allowed_fallback(|| async { FhirError(ApiError::MethodNotAllowed) })
        .layer(axum::middleware::map_response(framework_refusals_as_outcomes))
        // OAuth's own endpoints answer OAuth errors, not OperationOutcomes.
        .route(smart::TOKEN_PATH, axum::routing::post(smart::token))
        .route("/.well-known/smart-configuration", get(smart::configuration))
        .route(smart::JWKS_PATH, get(smart::jwks))
        .route("/.well-known/openid-configuration", get(smart::openid_configuration));
    // The base itself names no resource (the nested fallback covers what is below it).
    let nothing = || async { FhirError(ApiError::NotFound) };
    // The base takes a transaction or batch Bundle (onboarding from an EHR); nothing else.
    let base = axum::routing::post(onboarding::import).fallback(nothing);
    Router::new().nest(FHIR_BASE, inner).route(FHIR_BASE, base).route("/fhir/r4/", any(nothing))
}

/// Apps that run in a browser on their own site (SMART public clients) may
/// call the FHIR API and its token endpoint: any origin may read the answers
/// (CORS). Nothing is given that a page could not already have: no
/// credentials are allowed across origins, and the session cookie is
/// `SameSite=Strict`, so another site's request carries only a token its
/// app was given. (A layer over the whole application, so a preflight is
/// answered before routing would call its `OPTIONS` a wrong method.)
pub(crate) async fn cross_origin(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path();
    let from_a_page =
        request.headers().contains_key(header::ORIGIN) && (path == FHIR_BASE || path.starts_with("/fhir/r4/"));
    let preflight = request.method() == axum::http::Method::OPTIONS
        && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if from_a_page && preflight {
        let mut answer = StatusCode::NO_CONTENT.into_response();
        let headers = answer.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, DELETE"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Authorization, Content-Type, Accept, Prefer"),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        answer
    } else {
        next.run(request).await
    };
    if from_a_page {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("Location, Content-Location"));
    }
    response
}

/// What the framework refuses by itself before a handler runs (an address
/// that is not UTF-8, say) is answered as an `OperationOutcome` too.
async fn framework_refusals_as_outcomes(response: Response) -> Response {
    let status = response.status();
    let fhir = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes() == FHIR_JSON.as_bytes());
    if fhir || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let diagnostics = status.canonical_reason().unwrap_or("the request could not be answered");
    let outcome = operation_outcome(IssueCode::for_status(status.as_u16()), diagnostics);
    let mut answer = Fhir(outcome).into_response();
    *answer.status_mut() = status;
    answer
}

/// The route answering one interaction on one resource type; `None` for a
/// pair the table lists but nothing serves (a unit test keeps there being none).
fn route_for(resource_type: &str, interaction: Interaction) -> Option<(String, MethodRouter<AppState>)> {
    let route = match (resource_type, interaction) {
        ("Communication", Interaction::Read) => get(communication::read),
        ("Communication", Interaction::SearchType) => get(communication::search),
        ("Communication", Interaction::Create) => axum::routing::post(communication::create),
        ("Provenance", Interaction::Read) => get(communication::read_provenance),
        ("Provenance", Interaction::SearchType) => get(communication::search_provenance),
        ("CareTeam", Interaction::Read) => get(people::read_care_team),
        ("CareTeam", Interaction::SearchType) => get(people::search_care_teams),
        ("AuditEvent", Interaction::Read) => get(audit::read),
        ("AuditEvent", Interaction::SearchType) => get(audit::search),
        ("RelatedPerson", Interaction::Read) => get(people::read_related_person),
        ("RelatedPerson", Interaction::SearchType) => get(people::search_related_persons),
        ("Subscription", Interaction::Read) => get(subscriptions::read),
        ("Subscription", Interaction::SearchType) => get(subscriptions::search),
        ("Subscription", Interaction::Create) => axum::routing::post(subscriptions::create),
        ("Subscription", Interaction::Delete) => axum::routing::delete(subscriptions::end),
        ("Patient", Interaction::Read) => get(people::read_patient),
        ("Patient", Interaction::SearchType) => get(people::search_patients),
        ("Practitioner", Interaction::SearchType) => get(people::search_practitioners),
        ("Group", Interaction::SearchType) => get(task::search_groups),
        ("Practitioner", Interaction::Read) => get(people::read_practitioner),
        ("Task", Interaction::Read) => get(task::read),
        ("Task", Interaction::SearchType) => get(task::search),
        ("Task", Interaction::Update) => axum::routing::put(task::update),
        ("Group", Interaction::Read) => get(task::read_group),
        _ => return None,
    };
    let path = match interaction {
        Interaction::Read | Interaction::Update | Interaction::Delete => format!("/{resource_type}/{{id}}"),
        Interaction::SearchType | Interaction::Create => format!("/{resource_type}"),
    };
    Some((path, route))
}

/// The id in a read's address; an address that cannot be read (not UTF-8,
/// not a CareThread id) names nothing.
pub(crate) fn path_id<T: std::str::FromStr>(
    id: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<T, FhirError> {
    let Ok(axum::extract::Path(raw)) = id else { return Err(ApiError::NotFound.into()) };
    Ok(crate::extract::path_id(&raw)?)
}

/// A search's query string as name–value pairs; one that cannot be read is a 400.
pub(crate) fn query_pairs(query: extract::RawQuery) -> Result<Vec<(String, String)>, FhirError> {
    let axum::extract::Query(pairs) =
        query.map_err(|_| ApiError::BadRequest("the query string could not be read".into()))?;
    Ok(pairs)
}

/// A search parameter (or an element of a resource sent) the request got
/// wrong is a 400 naming it.
impl From<carethread_fhir::SearchError> for ApiError {
    fn from(carethread_fhir::SearchError::Invalid { param, reason }: carethread_fhir::SearchError) -> Self {
        ApiError::BadRequest(format!("{param}: {reason}"))
    }
}

/// A search by one reference, `{param}={resource}/{id}` (or the bare id),
/// and nothing else but `_format=json`: the id it names.
pub(crate) fn one_reference<T: std::str::FromStr>(
    query: extract::RawQuery,
    kind: &str,
    param: &str,
    resource: &str,
) -> Result<T, FhirError> {
    let mut found = None;
    for (name, value) in &query_pairs(query)? {
        if name == param && found.is_none() {
            let raw = value.trim();
            let raw = raw.strip_prefix(&format!("{resource}/")).unwrap_or(raw);
            let id = raw.parse().map_err(|_| ApiError::BadRequest(format!("{param}: must be {resource}/{{id}}")))?;
            found = Some(id);
        } else if !(name == "_format" && carethread_fhir::is_json_format(value)) {
            return Err(ApiError::BadRequest(format!("{name}: is not a supported search parameter for {kind}")).into());
        }
    }
    found.ok_or_else(|| ApiError::BadRequest(format!("{param}: name the {}", resource.to_lowercase())).into())
}

/// A search that finds at most one resource: `found`, or none when it
/// answered 404 (missing, or not the caller's to see).
pub(crate) fn at_most_one(
    state: &AppState,
    headers: &HeaderMap,
    kind: &str,
    id: &str,
    query: &str,
    found: FhirResult<Value>,
) -> FhirResult {
    let base = base_url(state, headers);
    let entries = match found {
        Ok(resource) => vec![carethread_fhir::SearchEntry { full_url: format!("{base}/{kind}/{id}"), resource }],
        Err(FhirError(ApiError::NotFound)) => Vec::new(),
        Err(other) => return Err(other),
    };
    let self_url = format!("{base}/{kind}?{query}");
    Ok(Fhir(carethread_fhir::searchset(Some(entries.len() as u64), &self_url, None, entries)))
}

pub(crate) use carethread_app::fhir_facts::party;

/// A resource sent in a request's body: JSON (`application/fhir+json` or
/// `application/json`, else 415), readable (else 400).
pub(crate) fn fhir_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, FhirError> {
    let json = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        let media = v.split(';').next().unwrap_or_default().trim();
        media.eq_ignore_ascii_case(FHIR_JSON) || media.eq_ignore_ascii_case("application/json")
    });
    if !json {
        return Err(ApiError::UnsupportedMediaType("send the resource as application/fhir+json".into()).into());
    }
    serde_json::from_slice(body).map_err(|_| ApiError::BadRequest("the request body is not valid JSON".into()).into())
}

/// `201 Created` with the resource made and its address in `Location`.
pub(crate) fn created(resource: Value, location: &str) -> Result<Response, FhirError> {
    let mut response = (StatusCode::CREATED, Fhir(resource)).into_response();
    let location = HeaderValue::from_str(location).map_err(ApiError::internal)?;
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// A FHIR resource answered with `application/fhir+json`.
pub(crate) struct Fhir(pub Value);

impl IntoResponse for Fhir {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.0).unwrap_or_default();
        ([(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON))], body).into_response()
    }
}

/// An error answered as an `OperationOutcome`, with the status, headers
/// (`WWW-Authenticate`, `Retry-After`) and logging the JSON API gives it.
/// A field the request got wrong is a 400 here, as FHIR searches expect.
pub(crate) struct FhirError(pub ApiError);

impl<E: Into<ApiError>> From<E> for FhirError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        // The message is the JSON API's English one: it never carries PHI.
        let diagnostics = self.0.to_string();
        let mut response = self.0.into_response();
        response.extensions_mut().remove::<ProblemText>();
        if response.status() == StatusCode::UNPROCESSABLE_ENTITY {
            *response.status_mut() = StatusCode::BAD_REQUEST;
        }
        let outcome = operation_outcome(IssueCode::for_status(response.status().as_u16()), &diagnostics);
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
        response.headers_mut().remove(header::CONTENT_LENGTH);
        *response.body_mut() = axum::body::Body::from(serde_json::to_vec(&outcome).unwrap_or_default());
        response
    }
}

pub(crate) type FhirResult<T = Fhir> = Result<T, FhirError>;

/// `GET /fhir/r4/metadata`: the `CapabilityStatement` (no sign-in needed, as FHIR expects).
async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> Fhir {
    let info = CapabilityInfo {
        base_url: base_url(&state, &headers),
        authorize_url: format!("{}{}", crate::addresses::origin(&state, &headers), crate::addresses::AUTHORIZE_PATH),
        software_version: env!("CARGO_PKG_VERSION").to_owned(),
        date: Utc::now(),
    };
    Fhir(carethread_fhir::capability_statement(&info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interaction_the_capability_statement_lists_has_a_route() {
        for resource in SUPPORTED {
            for &interaction in resource.interactions {
                assert!(
                    route_for(resource.resource_type, interaction).is_some(),
                    "{} {} is listed but not served",
                    resource.resource_type,
                    interaction.as_str()
                );
            }
        }
    }

    #[test]
    fn an_error_is_an_operation_outcome_and_a_bad_field_a_400() {
        let response = FhirError(ApiError::invalid("_count", "must be a whole number from 1 to 100")).into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers().get(header::CONTENT_TYPE).map(HeaderValue::as_bytes), Some(FHIR_JSON.as_bytes()));
        let response = FhirError(ApiError::Unauthenticated).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
