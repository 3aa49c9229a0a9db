//! Extractors that turn requests into typed values or an `ApiError`: JSON
//! bodies, query strings, path ids and the signed-in user.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use carethread_app::sessions;
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::policy::Actor;
use carethread_core::user::User;
use carethread_fhir::smart::Scopes;
use carethread_store::SessionRecord;
use chrono::Utc;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::{SESSION_COOKIE, csrf_token, same_token, token_hash};
use crate::error::ApiError;

/// The id a path names: a segment that is not an id names nothing there (404).
pub fn path_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// A JSON request body. Wrong media type → 415, too large → 413, malformed →
/// 400, wrong fields → 422 naming the field. Submitted values are never echoed.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType("send the body as application/json".to_owned()));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge("the request body is too large".to_owned())
            } else {
                ApiError::BadRequest("the request body could not be read".to_owned())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON, reporting the failing field without repeating its value.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return ApiError::BadRequest("the request body is not valid JSON".to_owned());
        }
        let message = inner.to_string();
        if let Some(rest) = message.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or("body");
            let field = if path == "." { field.to_owned() } else { format!("{path}.{field}") };
            return ApiError::invalid(field, "is required");
        }
        let field = if path == "." { "body".to_owned() } else { path };
        if message.starts_with("invalid type") {
            ApiError::invalid(field, "has the wrong type")
        } else if message.starts_with("unknown field") {
            ApiError::invalid(field, "is not a known field")
        } else {
            ApiError::invalid(field, "is not valid")
        }
    })
}

/// A query string, with the same error rules as [`ApiJson`].
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = parse_query(query);
        de.map(ApiQuery)
    }
}

fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    // Query values are flat strings: decode into a JSON object and reuse the
    // JSON path reporting.
    let mut map = serde_json::Map::new();
    for pair in form_pairs(query) {
        let (key, value) = pair?;
        if map.insert(key.clone(), serde_json::Value::String(value)).is_some() {
            return Err(ApiError::BadRequest(format!("the query parameter `{key}` is given more than once")));
        }
    }
    let bytes = serde_json::to_vec(&map).map_err(ApiError::internal)?;
    parse_json(&bytes)
}

/// Splits `a=1&b=two%20words` into decoded pairs; a pair that does not decode
/// (a broken `%` escape, bytes that are not UTF-8) is an error, never skipped.
fn form_pairs(query: &str) -> impl Iterator<Item = Result<(String, String), ApiError>> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match (percent_decode(k), percent_decode(v)) {
            (Some(k), Some(v)) => Ok((k, v)),
            _ => Err(ApiError::BadRequest(
                "the query string is not valid: a `%` escape is broken or the text is not UTF-8".to_owned(),
            )),
        }
    })
}

fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = raw.get(i + 1..i + 3).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The client's network address, as the audit log records it: the peer,
/// or, when the peer is a trusted proxy, the nearest address in
/// `X-Forwarded-For` that is not one of the trusted proxies.
#[must_use]
pub fn client_address(parts: &Parts, trusted: &[std::net::IpAddr]) -> Option<String> {
    let peer = parts.extensions.get::<ConnectInfo<crate::tls::ClientAddr>>().map(|c| c.0.0.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer.to_string());
    }
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
        .collect::<Vec<_>>();
    let client = forwarded.into_iter().rev().find(|a| !trusted.contains(a)).unwrap_or(peer);
    Some(client.to_string())
}

/// The caller's network address (for routes that take no session).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub Option<String>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(client_address(parts, &state.trusted_proxies)))
    }
}

/// The signed-in user, from `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub token_hash: String,
    /// Where the request came from, for the audit log.
    pub client: Option<String>,
    /// A system's or a patient's app's token: the SMART scopes it holds,
    /// which the FHIR API checks on top of the policy. `None` for a person's
    /// own session.
    pub scopes: Option<Scopes>,
}

impl Authenticated {
    #[must_use]
    pub fn actor(&self) -> Actor {
        Actor { id: self.user.id, role: self.user.role }
    }

    /// Whether the caller is a registered system (SMART Backend Services):
    /// its token holds `system/` scopes. A patient's app holds `patient/`
    /// ones and is not a system: it acts as the patient.
    #[must_use]
    pub fn is_system(&self) -> bool {
        self.scopes.as_ref().is_some_and(|s| s.only_in(carethread_fhir::smart::Context::System))
    }

    /// The caller, if an administrator, and the id `raw` names: anyone else
    /// is refused (403) before the id is read, so a malformed id tells them
    /// nothing; a malformed id names nothing (404).
    pub fn administering<T: std::str::FromStr>(&self, raw: &str) -> Result<(carethread_app::Caller, T), ApiError> {
        let caller = self.caller();
        carethread_app::users::require_admin(carethread_app::Operator::Person(&caller))?;
        Ok((caller, path_id(raw)?))
    }

    /// The caller as the application layer sees them.
    #[must_use]
    pub fn caller(&self) -> carethread_app::Caller {
        carethread_app::Caller { user: self.user.clone(), client: self.client.clone() }
    }

    /// An audit entry for `action` by this user, from this client, now.
    #[must_use]
    pub fn audit(&self, action: AuditAction) -> AuditEvent {
        AuditEvent::new(action, Some((self.user.id, self.user.role)), Utc::now()).client(self.client.clone())
    }
}

/// The session as [`Authenticated`], without the MFA-enrolment gate: for
/// enrolling MFA and signing out.
#[derive(Debug, Clone)]
pub struct SessionOnly(pub Authenticated);

impl FromRequestParts<AppState> for SessionOnly {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (auth, session) = authenticate(parts, state).await?;
        refresh(state, &auth, &session).await?;
        Ok(Self(auth))
    }
}

/// The session cookie's value, if the request carries one.
pub(crate) fn cookie_token(parts: &Parts) -> Option<&str> {
    cookie(parts, SESSION_COOKIE)
}

/// A cookie's value.
pub(crate) fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_from_headers(&parts.headers, name)
}

/// A cookie's value, from request headers.
pub(crate) fn cookie_from_headers<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim())
}

/// The session behind a request, checked for expiry, idle time and a
/// disabled user (not yet for the second factor: see the extractors).
async fn authenticate(parts: &Parts, state: &AppState) -> Result<(Authenticated, SessionRecord), ApiError> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let from_cookie = bearer.is_none();
    let token = bearer
        .or_else(|| cookie_token(parts))
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .ok_or(ApiError::Unauthenticated)?;
    let hash = token_hash(token);
    // A browser sends its cookie with requests other sites start: anything
    // that changes state must also carry the session's CSRF token.
    if from_cookie && !parts.method.is_safe() {
        let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
        if !same_token(sent, &csrf_token(&hash)) {
            return Err(ApiError::Forbidden("this request needs the session's CSRF token (X-CSRF-Token)".into()));
        }
    }
    check_session(parts, state, hash).await
}

/// The session behind a token hash, checked for expiry, idle time, a
/// disabled user and a second factor it never passed.
pub(crate) async fn check_session(
    parts: &Parts,
    state: &AppState,
    hash: String,
) -> Result<(Authenticated, SessionRecord), ApiError> {
    // Signed out while the sign-out could not be written (a full disk).
    if state.write_health.signed_out(&hash) {
        return Err(ApiError::Unauthenticated);
    }
    let app = state.app();
    let (session, user) = sessions::lookup(&app, &hash).await?.ok_or(ApiError::Unauthenticated)?;
    if state.write_health.signed_out_everywhere(user.id, session.created_at) {
        return Err(ApiError::Unauthenticated);
    }
    if !sessions::stands(&session, &user, &app.settings, Utc::now()) {
        sessions::forget(&app, &hash, &user).await;
        return Err(ApiError::Unauthenticated);
    }
    let scopes = session.scopes.as_deref().map(Scopes::parse).transpose().map_err(ApiError::internal)?;
    // A system's token is for the FHIR API alone, and the files its
    // Communications link to (`contentAttachment.url`) when it may read them.
    if let Some(scopes) = &scopes {
        let path = request_path(parts);
        let file = parts.method == axum::http::Method::GET
            && is_attachment_download(path)
            && scopes.allows("Communication", carethread_fhir::smart::Permission::Read);
        if !path.starts_with(crate::routes::FHIR_PREFIX) && !file {
            return Err(ApiError::Forbidden("this token is for the FHIR API only".into()));
        }
    }
    let client = client_address(parts, &state.trusted_proxies);
    Ok((Authenticated { user, token_hash: hash, client, scopes }, session))
}

/// Refreshes the session's idle clock (see [`sessions::refresh`]).
pub(crate) async fn refresh(state: &AppState, auth: &Authenticated, session: &SessionRecord) -> Result<(), ApiError> {
    Ok(sessions::refresh(&state.app(), &auth.token_hash, session.last_seen_at, Utc::now()).await?)
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (auth, session) = authenticate(parts, state).await?;
        // A user whose clinic requires a second factor reaches only enrolment
        // and sign-out until they enrol (and their idle clock does not run on).
        // A system's token, given for a signed assertion, has no second factor to pass.
        if auth.scopes.is_none() && !session.mfa_enabled && state.settings.mfa_required(auth.user.role) {
            return Err(ApiError::MfaEnrolmentRequired);
        }
        refresh(state, &auth, &session).await?;
        Ok(auth)
    }
}

/// Whether a path is a file's download, `/api/v1/threads/{id}/attachments/{id}`.
fn is_attachment_download(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    matches!(segments.as_slice(), ["", "api", "v1", "threads", thread, "attachments", file] if !thread.is_empty() && !file.is_empty())
}

/// The request's whole path, as the client sent it (a nested router sees
/// only the part below its prefix in `parts.uri`).
pub(crate) fn request_path(parts: &Parts) -> &str {
    parts.extensions.get::<axum::extract::OriginalUri>().map_or_else(|| parts.uri.path(), |original| original.0.path())
}

/// An identifier in a request field; anything else names the field.
pub(crate) fn parse_uuid_field<T: std::str::FromStr>(field: &'static str, raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::invalid(field, "must be an identifier (UUID)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "the fields exist to be deserialised")]
    struct Body {
        subject: String,
        internal: Option<bool>,
    }

    fn parts_from(peer: &str, forwarded: Option<&str>) -> Parts {
        let mut builder = axum::http::Request::builder();
        if let Some(f) = forwarded {
            builder = builder.header("x-forwarded-for", f);
        }
        let (mut parts, ()) = builder.body(()).expect("request").into_parts();
        let addr: std::net::SocketAddr = format!("{peer}:5000").parse().expect("addr");
        parts.extensions.insert(ConnectInfo(crate::tls::ClientAddr(addr)));
        parts
    }

    #[test]
    fn the_client_is_the_peer_unless_a_trusted_proxy_forwarded_the_request() {
        let proxy: std::net::IpAddr = "10.0.0.2".parse().expect("ip");
        let forged = parts_from("203.0.113.9", Some("198.51.100.1"));
        assert_eq!(client_address(&forged, &[proxy]).as_deref(), Some("203.0.113.9"), "untrusted header ignored");
        let proxied = parts_from("10.0.0.2", Some("198.51.100.1, 203.0.113.7"));
        assert_eq!(client_address(&proxied, &[proxy]).as_deref(), Some("203.0.113.7"), "nearest untrusted hop");
        let direct = parts_from("10.0.0.2", None);
        assert_eq!(client_address(&direct, &[proxy]).as_deref(), Some("10.0.0.2"));
    }

    fn field_of(err: ApiError) -> String {
        match err {
            ApiError::Invalid { field, .. } => field,
            other => format!("not a 422: {other:?}"),
        }
    }

    #[test]
    fn json_errors_name_the_field_without_its_value() {
        assert!(matches!(parse_json::<Body>(b"{not json"), Err(ApiError::BadRequest(_))));
        assert_eq!(field_of(parse_json::<Body>(b"{}").expect_err("missing")), "subject");
        let err = parse_json::<Body>(br#"{"subject":"x","internal":"SECRET"}"#).expect_err("wrong type");
        assert!(!format!("{:?}", err.problem()).contains("SECRET"));
        assert_eq!(field_of(err), "internal");
    }

    #[test]
    fn only_a_files_download_is_an_attachment_path() {
        assert!(is_attachment_download("/api/v1/threads/t/attachments/a"));
        for other in [
            "/api/v1/threads/t",
            "/api/v1/threads/t/attachments",
            "/api/v1/threads//attachments/a",
            "/api/v1/threads/t/attachments/a/x",
        ] {
            assert!(!is_attachment_download(other), "{other}");
        }
    }

    #[test]
    fn query_strings_are_percent_decoded() {
        let pairs: Vec<_> = form_pairs("status=open&patient=a%20b&x").map(|p| p.expect("decodes")).collect();
        assert_eq!(pairs[1], ("patient".to_owned(), "a b".to_owned()));
        assert_eq!(pairs[2], ("x".to_owned(), String::new()));
    }

    #[derive(Debug, serde::Deserialize)]
    struct Filter {
        #[expect(dead_code, reason = "only whether it parses matters here")]
        status: Option<String>,
    }

    #[test]
    fn malformed_or_repeated_query_parameters_are_refused_not_dropped() {
        for bad in ["status=open&%zz=1", "status=%E2%82", "status=%", "status=a%2", "status=open&status=closed"] {
            assert!(matches!(parse_query::<Filter>(bad), Err(ApiError::BadRequest(_))), "{bad}");
        }
        assert!(parse_query::<Filter>("status=open&").is_ok());
    }
}
