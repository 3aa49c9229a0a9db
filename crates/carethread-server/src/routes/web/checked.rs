//! Forms posted by a signed-in person, their CSRF token checked before the
//! handler runs: a post made on any other site is refused (403) with the
//! portal's page, so no form handler can forget the check.

use axum::Form;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::WebSession;
use crate::AppState;

/// The CSRF token of a posted form (empty when it has none).
#[derive(Deserialize, Default)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub(crate) csrf_token: String,
}

/// How a form's session is read: any signed-in person ([`WebSession`]), or
/// an administrator (`AdminSession`).
pub(crate) trait PortalSession: FromRequestParts<AppState, Rejection = Response> + Send {
    fn web_session(&self) -> &WebSession;
}

impl PortalSession for WebSession {
    fn web_session(&self) -> &WebSession {
        self
    }
}

/// A URL-encoded form `F` posted in session `S`, its CSRF token checked
/// first; a form that cannot be read answers as axum's `Form` does.
pub(crate) struct Checked<F, S = WebSession>(pub(crate) S, pub(crate) F);

impl<F, S> FromRequest<AppState> for Checked<F, S>
where
    F: DeserializeOwned + Send,
    S: PortalSession,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let session = S::from_request_parts(&mut parts, state).await?;
        let content_type = parts.headers.get(header::CONTENT_TYPE).cloned();
        let bytes =
            Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(IntoResponse::into_response)?;
        let csrf: CsrfForm = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        if let Some(refused) = session.web_session().refuse(&csrf.csrf_token) {
            return Err(refused);
        }
        let mut replay = Request::new(Body::from(bytes));
        *replay.method_mut() = axum::http::Method::POST;
        if let Some(content_type) = content_type {
            replay.headers_mut().insert(header::CONTENT_TYPE, content_type);
        }
        let Form(form) = Form::<F>::from_request(replay, state).await.map_err(IntoResponse::into_response)?;
        Ok(Self(session, form))
    }
}

/// A signed-in session posting a form whose only field is its CSRF token,
/// the token checked.
pub(crate) struct CheckedSession(pub(crate) WebSession);

impl FromRequest<AppState> for CheckedSession {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let Checked(session, CsrfForm { .. }) = Checked::<CsrfForm>::from_request(request, state).await?;
        Ok(Self(session))
    }
}
