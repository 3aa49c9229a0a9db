//! What every FHIR read and search handler takes from the request, read the
//! same way for each: who asks first (401 as an `OperationOutcome` when
//! nobody signed in), then the id in the address or the query string.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use carethread_fhir::smart::Permission;

use axum::response::{IntoResponse, Response};

use super::{FhirError, fhir_body, path_id};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Authenticated, request_path};
use crate::routes::FHIR_PREFIX;

/// Who asks (401 as an `OperationOutcome` when nobody signed in). A
/// system's token must also hold a scope for the interaction its address and
/// method name (403 otherwise): scopes narrow the policy, never widen it.
pub(crate) struct FhirCaller(pub(crate) Authenticated);

impl FromRequestParts<AppState> for FhirCaller {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = Authenticated::from_request_parts(parts, state).await?;
        if let Some(scopes) = &auth.scopes {
            let (resource, permission) = interaction(&parts.method, request_path(parts));
            // Operations on the base (`$export-status`, `$export-file`) check what they serve themselves.
            if !resource.starts_with('$') && !scopes.allows(resource, permission) {
                let why = format!("this token's scopes do not allow {} on {resource}", permission.as_str());
                return Err(ApiError::Forbidden(why).into());
            }
        }
        Ok(Self(auth))
    }
}

/// The resource type and interaction a FHIR request's method and address name.
fn interaction<'a>(method: &Method, path: &'a str) -> (&'a str, Permission) {
    let mut segments = path.strip_prefix(FHIR_PREFIX).unwrap_or("").split('/');
    let resource = segments.next().unwrap_or("");
    let names_one = segments.next().is_some_and(|s| !s.is_empty());
    let permission = match *method {
        Method::POST => Permission::Create,
        Method::PUT | Method::PATCH => Permission::Update,
        Method::DELETE => Permission::Delete,
        _ if names_one => Permission::Read,
        _ => Permission::Search,
    };
    (resource, permission)
}

/// A query string as name–value pairs, or why it could not be read.
pub(crate) type RawQuery = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// An interaction on one resource: the caller and the id in the address,
/// read as `T` (an id that cannot be read names nothing: 404).
pub(crate) struct Reading<T> {
    pub(crate) state: AppState,
    pub(crate) auth: Authenticated,
    pub(crate) id: T,
}

impl<T: std::str::FromStr> FromRequestParts<AppState> for Reading<T> {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let FhirCaller(auth) = FhirCaller::from_request_parts(parts, state).await?;
        let id = path_id(Path::<String>::from_request_parts(parts, state).await)?;
        Ok(Self { state: state.clone(), auth, id })
    }
}

/// A `POST` of a resource: the caller (refused before the body is read),
/// the request's headers (for the addresses of what is created) and the
/// FHIR JSON the body holds.
pub(crate) struct Posted {
    pub(crate) state: AppState,
    pub(crate) headers: HeaderMap,
    pub(crate) auth: Authenticated,
    pub(crate) resource: serde_json::Value,
}

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let FhirCaller(auth) =
            FhirCaller::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let headers = parts.headers.clone();
        let body =
            Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(IntoResponse::into_response)?;
        let resource = fhir_body(&headers, &body).map_err(IntoResponse::into_response)?;
        Ok(Self { state: state.clone(), headers, auth, resource })
    }
}

/// A search: the caller, the request's headers (for the addresses of
/// `next` links) and the query string, left for the search to read.
pub(crate) struct Searching {
    pub(crate) state: AppState,
    pub(crate) headers: HeaderMap,
    pub(crate) auth: Authenticated,
    pub(crate) query: RawQuery,
}

impl FromRequestParts<AppState> for Searching {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let FhirCaller(auth) = FhirCaller::from_request_parts(parts, state).await?;
        let query = Query::<Vec<(String, String)>>::from_request_parts(parts, state).await;
        Ok(Self { state: state.clone(), headers: parts.headers.clone(), auth, query })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_names_its_resource_type_and_interaction() {
        let cases = [
            (Method::GET, "/fhir/r4/Communication/abc", "Communication", Permission::Read),
            (Method::GET, "/fhir/r4/Communication", "Communication", Permission::Search),
            (Method::GET, "/fhir/r4/Task/", "Task", Permission::Search),
            (Method::PUT, "/fhir/r4/Task/abc", "Task", Permission::Update),
            (Method::POST, "/fhir/r4/Communication", "Communication", Permission::Create),
            (Method::DELETE, "/fhir/r4/Group/x", "Group", Permission::Delete),
        ];
        for (method, path, resource, permission) in cases {
            assert_eq!(interaction(&method, path), (resource, permission), "{method} {path}");
        }
    }
}
