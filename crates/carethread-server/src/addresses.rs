//! The server's own addresses as a client reached it: its origin and the
//! FHIR API's base, for links in what it answers (search pages, files).

use axum::http::{HeaderMap, header};

use crate::AppState;

/// Where the FHIR API is mounted.
pub(crate) const FHIR_BASE: &str = "/fhir/r4";

/// The server's origin as the client reached it (`http://host:port`, from
/// the `Host` header when it is a plain host name or address); empty, so
/// addresses stay relative, when there is no such header.
pub(crate) fn origin(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).filter(|h| {
        !h.is_empty() && h.len() <= 255 && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
    });
    host.map(|host| format!("{}://{host}", if state.tls { "https" } else { "http" })).unwrap_or_default()
}

/// The absolute address of the FHIR base as the client reached it.
pub(crate) fn fhir_base_url(state: &AppState, headers: &HeaderMap) -> String {
    format!("{}{FHIR_BASE}", origin(state, headers))
}

/// Where a patient is sent to allow an app (SMART App Launch): a portal page
/// the FHIR discovery documents name.
pub(crate) const AUTHORIZE_PATH: &str = "/apps/authorize";
