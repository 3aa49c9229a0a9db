//! What every FHIR read and search handler takes from the request, read the
//! same way for each: who asks first (401 as an `OperationOutcome` when
//! nobody signed in), then the id in the address or the query string.

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::{FhirError, path_id};
use crate::AppState;
use crate::extract::Authenticated;

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
        let auth = Authenticated::from_request_parts(parts, state).await?;
        let id = path_id(Path::<String>::from_request_parts(parts, state).await)?;
        Ok(Self { state: state.clone(), auth, id })
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
        let auth = Authenticated::from_request_parts(parts, state).await?;
        let query = Query::<Vec<(String, String)>>::from_request_parts(parts, state).await;
        Ok(Self { state: state.clone(), headers: parts.headers.clone(), auth, query })
    }
}
