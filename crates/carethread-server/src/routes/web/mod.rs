//! The web portal: server-rendered pages (maud) with plain forms that work
//! without JavaScript, and one small script for live updates. Pages call the
//! same handlers as the JSON API, so the policy, triage, audit and
//! encryption are exactly the API's. Browser sessions live in an `HttpOnly;
//! SameSite=Strict` cookie; every form carries the session's CSRF token.

mod admin;
mod app_consent;
mod audit_log;
mod away;
mod billing;
mod checked;
mod compose;
mod emergency_help;
mod form_error;
mod i18n;
mod inbasket;
mod insights;
mod later_forms;
mod notifications;
mod pages;
mod patient_groups;
mod privacy;
mod proxies;
mod record;
mod security;
mod thread_actions;
mod thread_forms;
mod thread_page;
mod unsubscribe;
mod visit_requests;
mod wording_feedback;

pub(crate) use checked::{Checked, CheckedSession, CsrfForm, PortalSession};

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use carethread_core::user::Language;
use maud::{DOCTYPE, Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

pub(crate) use i18n::Text;

use crate::AppState;
use crate::auth::{csrf_token, same_token};
use crate::error::ApiError;
use crate::extract::{Authenticated, ClientAddress, check_session, cookie, cookie_token, refresh};

/// The language cookie, remembered for a year.
const LANG_COOKIE: &str = "carethread_lang";

/// Pages use their own policy: styles and script from this server only.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub(super) fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/signin", get(signin_page).post(signin_submit))
        .route("/signout", post(signout))
        .route("/lang", post(set_language))
        .route(
            "/static/app.css",
            get(|| async { asset("text/css; charset=utf-8", include_str!("../../../static/app.css")) }),
        )
        .route(
            "/static/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", include_str!("../../../static/app.js")) }),
        )
        .merge(pages::router(state))
        .merge(privacy::router())
        .merge(emergency_help::router())
        .merge(proxies::router())
        .merge(record::router())
        .merge(audit_log::router())
        .merge(thread_actions::router())
        .merge(later_forms::router())
        .merge(visit_requests::router())
        .merge(admin::router())
        .merge(insights::router())
        .merge(patient_groups::router())
        .merge(security::router())
        .merge(app_consent::router())
        .merge(away::router())
        .merge(billing::router())
        .merge(notifications::router())
        .merge(unsubscribe::router())
        .layer(axum::middleware::map_response(|mut response: Response| async move {
            // A page that sets its own policy (the consent screen's form goes on to an app) keeps it.
            if response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
                && !response.headers().contains_key(header::CONTENT_SECURITY_POLICY)
            {
                response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
            }
            response
        }))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// The language of a visitor who is not signed in: the cookie, else the browser's first choice.
fn visitor_language(parts: &Parts) -> Language {
    if let Some(lang) = cookie(parts, LANG_COOKIE).and_then(|l| Language::parse(l).ok()) {
        return lang;
    }
    let accept = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.trim_start().to_ascii_lowercase().starts_with("es") { Language::Es } else { Language::En }
}

/// A signed-in browser: the session, its CSRF token and the interface language.
pub(crate) struct WebSession {
    pub(crate) auth: Authenticated,
    pub(crate) csrf: String,
    pub(crate) text: Text,
    /// The clinic profile: hours, reply targets, time zone.
    pub(crate) clinic: std::sync::Arc<crate::clinic::Clinic>,
}

impl FromRequestParts<AppState> for WebSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let signin = || Redirect::to("/signin").into_response();
        let token = cookie_token(parts).filter(|t| !t.is_empty() && t.len() <= 256).ok_or_else(signin)?;
        let hash = crate::auth::token_hash(token);
        let (auth, session) = check_session(parts, state, hash).await.map_err(|e| session_failed(parts, &e))?;
        let text = Text(cookie(parts, LANG_COOKIE).and_then(|l| Language::parse(l).ok()).unwrap_or(auth.user.language));
        // Until a user who must use two-step sign-in enrols, the only page is the enrolment page.
        if !session.mfa_enabled
            && state.settings.mfa_required(auth.user.role)
            && !parts.uri.path().starts_with("/security")
            && parts.uri.path() != "/signout"
        {
            return Err(Redirect::to("/security").into_response());
        }
        refresh(state, &auth, &session).await.map_err(|e| session_failed(parts, &e))?;
        let csrf = csrf_token(&auth.token_hash);
        let clinic = state.clinic.get(&*state.store).await;
        Ok(Self { auth, csrf, text, clinic })
    }
}

/// A session that does not stand sends the person to sign in; one that could
/// not be checked (the database failing) is logged once, with the request's
/// id, and answered as the failure it is rather than as a sign-in page.
fn session_failed(parts: &Parts, err: &ApiError) -> Response {
    if matches!(err, ApiError::Unauthenticated) {
        return Redirect::to("/signin").into_response();
    }
    pages::log_unexpected(err);
    let text = Text(cookie(parts, LANG_COOKIE).and_then(|l| Language::parse(l).ok()).unwrap_or_default());
    let body = html! { p role="alert" { (pages::refusal_words(text, err)) } };
    let mut response = page(text, text.get("error-title"), None, body);
    *response.status_mut() = form_error::form_status(err);
    response
}

impl WebSession {
    /// A time as the clinic's clock shows it, in the interface language.
    pub(crate) fn when(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        let local = t.with_timezone(&self.clinic.hours.timezone());
        match self.text.0 {
            Language::En => local.format("%b %-d, %-I:%M %p").to_string(),
            Language::Es => local.format("%-d/%m/%Y %H:%M").to_string(),
        }
    }

    /// The routine reply target in words ("2 business days").
    pub(crate) fn reply_target(&self) -> String {
        self.text.fill("reply-days", &[("days", &self.clinic.profile.routine_reply_days.to_string())])
    }

    /// The refusal for a form whose CSRF token is not this session's.
    pub(crate) fn refuse(&self, sent: &str) -> Option<Response> {
        (!same_token(sent, &self.csrf)).then(|| {
            let text = self.text;
            let body =
                html! { p role="alert" { (text.get("error-csrf")) } p { a href="/" { (text.get("thread-back")) } } };
            let mut response = page(text, text.get("error-title"), Some(self), body);
            *response.status_mut() = StatusCode::FORBIDDEN;
            response
        })
    }
}

/// The page shell: skip link, header with navigation and language switch,
/// main landmark, and the emergency line on every page.
#[expect(clippy::needless_pass_by_value, reason = "each page builds its markup inline at the call")]
pub(crate) fn page(text: Text, title: &str, session: Option<&WebSession>, main: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang=(text.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · CareThread" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                a class="skip" href="#main" { (text.get("app-skip")) }
                header class="top" {
                    p class="brand" { a href="/" { "CareThread" } }
                    @if let Some(s) = session {
                        nav aria-label=(text.get("nav-main")) {
                            ul {
                                @if s.auth.user.role.is_staff() {
                                    li { a href="/inbasket" { (text.get("nav-inbasket")) } }
                                    li { a href=(away::PATH) { (text.get("nav-away")) } }
                                    @if carethread_core::policy::may_review_billing(s.auth.user.role) {
                                        li { a href="/billing" { (text.get("nav-billing")) } }
                                    }
                                    @if carethread_app::visits::may_work_visit_requests(s.auth.user.role) {
                                        li { a href=(visit_requests::PATH) { (text.get("nav-visits")) } }
                                    }
                                    @if carethread_core::policy::may_view_insights(s.auth.user.role, s.auth.user.clinic_lead) {
                                        li { a href="/insights" { (text.get("insights-title")) } }
                                    }
                                } @else if carethread_core::policy::may_administer(s.auth.user.role) {
                                    li { a href="/admin" { (text.get("admin-title")) } }
                                    li { a href="/admin/billing" { (text.get("nav-billing_settings")) } }
                                    @if carethread_core::policy::may_view_insights(s.auth.user.role, s.auth.user.clinic_lead) {
                                        li { a href="/insights" { (text.get("insights-title")) } }
                                    }
                                } @else if s.auth.user.role == carethread_core::role::Role::Auditor {
                                    li { a href="/audit" { (text.get("audit-title")) } }
                                } @else {
                                    li { a href="/inbox" { (text.get("nav-inbox")) } }
                                    li { a href="/compose" { (text.get("nav-compose")) } }
                                    li { a href="/record" { (text.get("nav-record")) } }
                                    @if s.auth.user.role == carethread_core::role::Role::Patient {
                                        li { a href="/privacy" { (text.get("nav-privacy")) } }
                                        li { a href="/proxies" { (text.get("nav-proxies")) } }
                                    }
                                }
                                li { a href="/security" { (text.get("nav-security")) } }
                                li { a href=(notifications::PATH) { (text.get("nav-notifications")) } }
                                li { a href="/help" { (text.get("nav-help")) } }
                            }
                        }
                        p class="who" { (text.fill("app-signed_in_as", &[("name", s.auth.user.display_name.as_str())])) }
                        form method="post" action="/signout" class="inline" {
                            input type="hidden" name="csrf_token" value=(s.csrf);
                            button type="submit" { (text.get("app-sign_out")) }
                        }
                    }
                    form method="post" action="/lang" class="inline lang" {
                        @if let Some(s) = session { input type="hidden" name="csrf_token" value=(s.csrf); }
                        label for="lang-select" { (text.get("app-language")) }
                        select id="lang-select" name="lang" {
                            option value="en" selected[text.0 == Language::En] { "English" }
                            option value="es" selected[text.0 == Language::Es] { "Español" }
                        }
                        button type="submit" { "OK" }
                    }
                }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    (main)
                }
                footer {
                    p class="emergency-line" { (text.get("app-emergency")) }
                    p { a href=(emergency_help::PATH) { (text.get("emergency_help-link")) } }
                }
            }
        }
    };
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], markup.into_string()).into_response()
}

pub(crate) fn error_page(text: Text, status: StatusCode, message: &str) -> Response {
    let mut response = page(
        text,
        text.get("error-title"),
        None,
        html! { p role="alert" { (message) } p { a href="/" { (text.get("thread-back")) } } },
    );
    *response.status_mut() = status;
    response
}

/// Where a signed-in user starts.
async fn home(session: Result<WebSession, Response>) -> Response {
    match session {
        // A session that could not be checked is answered as the failure it is.
        Err(failed) if failed.status().is_server_error() => failed,
        Err(_) => Redirect::to("/signin").into_response(),
        Ok(s) if s.auth.user.role.is_staff() => Redirect::to("/inbasket").into_response(),
        Ok(s) if carethread_core::policy::may_administer(s.auth.user.role) => Redirect::to("/admin").into_response(),
        Ok(s) if s.auth.user.role == carethread_core::role::Role::Auditor => Redirect::to("/audit").into_response(),
        Ok(_) => Redirect::to("/inbox").into_response(),
    }
}

/// Where a sign-in may continue to: only the consent screen of an app
/// launch, so the parameter can never send anyone to another site.
fn continue_to(next: &str) -> Option<&str> {
    let local = next.starts_with(crate::addresses::AUTHORIZE_PATH)
        && next[crate::addresses::AUTHORIZE_PATH.len()..].starts_with('?')
        && !next.contains(['\\', '\r', '\n']);
    local.then_some(next)
}

fn signin_form(text: Text, message: Option<&str>, username: &str, next: &str) -> Response {
    page(
        text,
        text.get("signin-title"),
        None,
        html! {
            p { (text.get("signin-intro")) }
            @if let Some(m) = message { p class="error" role="alert" { (m) } }
            form method="post" action="/signin" class="stack" {
                @if let Some(next) = continue_to(next) { input type="hidden" name="next" value=(next); }
                label for="username" { (text.get("signin-username")) }
                input id="username" name="username" type="text" autocomplete="username" required value=(username);
                label for="password" { (text.get("signin-password")) }
                input id="password" name="password" type="password" autocomplete="current-password" required;
                label for="totp" { (text.get("signin-totp")) }
                input id="totp" name="totp" type="text" inputmode="numeric" autocomplete="one-time-code";
                button type="submit" class="primary" { (text.get("signin-submit")) }
            }
        },
    )
}

#[derive(Deserialize, Default)]
struct SignInQuery {
    next: Option<String>,
}

async fn signin_page(
    parts: Parts,
    query: Result<Query<SignInQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let next = query.ok().and_then(|Query(q)| q.next).unwrap_or_default();
    signin_form(Text(visitor_language(&parts)), None, "", &next)
}

#[derive(Deserialize)]
struct SignInForm {
    username: String,
    password: String,
    #[serde(default)]
    totp: String,
    /// Where to continue once signed in (an app's consent screen).
    #[serde(default)]
    next: String,
}

/// Signs in from the form. Another site cannot post it usefully: the
/// session cookie it would set is `SameSite=Strict` and the browser's Origin is checked.
async fn signin_submit(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let text = Text(
        crate::extract::cookie_from_headers(&headers, LANG_COOKIE)
            .and_then(|l| Language::parse(l).ok())
            .unwrap_or_default(),
    );
    if !same_origin(&headers) {
        return error_page(text, StatusCode::FORBIDDEN, text.get("error-csrf"));
    }
    let attempt = carethread_app::sign_in::SignIn {
        username: form.username.clone(),
        password: SecretString::from(form.password),
        second_factor: Some(form.totp.trim().to_owned()).filter(|t| !t.is_empty()).map(SecretString::from),
        client: client.0,
    };
    match crate::auth::sign_in(&state, attempt).await.and_then(|s| crate::auth::cookie_for(&state, &s)) {
        Ok(cookie) => {
            let mut out = HeaderMap::new();
            out.insert(header::SET_COOKIE, cookie);
            let to = continue_to(&form.next).and_then(|n| HeaderValue::from_str(n).ok());
            out.insert(header::LOCATION, to.unwrap_or_else(|| HeaderValue::from_static("/")));
            (StatusCode::SEE_OTHER, out).into_response()
        }
        Err(err) => {
            // The form again, with the username typed and the API's status.
            pages::log_unexpected(&err);
            let words = match &err {
                ApiError::Locked(_) | ApiError::TooManyRequests => text.get("signin-locked"),
                ApiError::MfaRequired(_) => text.get("signin-mfa"),
                ApiError::Unauthorized(_) => text.get("signin-failed"),
                ApiError::Unavailable | ApiError::StorageFull => text.get("form-unavailable"),
                _ => text.get("error-generic"),
            };
            let mut response = signin_form(text, Some(words), &form.username, &form.next);
            *response.status_mut() = form_error::form_status(&err);
            response
        }
    }
}

/// A form post came from a page of this server: the browser says so in
/// `Sec-Fetch-Site`, or its `Origin` names this host. (Pages send no
/// referrer, so same-origin posts may carry `Origin: null`; a browser too
/// old for either header is let through, the `SameSite=Strict` cookie still
/// guarding everything a session can do.)
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None | Some("null") => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            origin.split_once("://").is_some_and(|(_, rest)| rest == host)
        }
    }
}

/// A portal form posted as `multipart/form-data`: its text fields and the
/// files chosen (empty file inputs are left out).
#[derive(Default)]
pub(crate) struct PostedForm {
    pub(crate) fields: serde_json::Map<String, serde_json::Value>,
    pub(crate) files: Vec<(Option<String>, Vec<u8>)>,
}

impl PostedForm {
    /// Reads as much of the form as arrives: a form cut short (too large, or
    /// broken off) still gives back the text typed before the files, with
    /// the reason it was cut short.
    pub(crate) async fn read_partial(multipart: Result<Multipart, MultipartRejection>) -> (Self, Option<ApiError>) {
        let mut form = Self::default();
        let Ok(mut multipart) = multipart else {
            return (form, Some(ApiError::UnsupportedMediaType("send the form as multipart/form-data".into())));
        };
        let broken = |e: &axum::extract::multipart::MultipartError| crate::sending::multipart_error(e);
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => return (form, None),
                Err(e) => return (form, Some(broken(&e))),
            };
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                let file_name = field.file_name().map(str::to_owned);
                match field.bytes().await {
                    Ok(bytes) if !bytes.is_empty() || file_name.as_deref().is_some_and(|n| !n.is_empty()) => {
                        form.files.push((file_name, bytes.to_vec()));
                    }
                    Ok(_) => {}
                    Err(e) => return (form, Some(broken(&e))),
                }
            } else {
                match field.text().await {
                    Ok(value) => {
                        form.fields.insert(name, serde_json::Value::String(value));
                    }
                    Err(e) => return (form, Some(broken(&e))),
                }
            }
        }
    }

    /// The text fields as a form type whose fields are all strings with defaults.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_value(serde_json::Value::Object(self.fields.clone()))
            .map_err(|_| ApiError::BadRequest("the form could not be read".into()))
    }
}

async fn signout(State(state): State<AppState>, CheckedSession(session): CheckedSession) -> Response {
    // The session ends even when the sign-out cannot be written: it is held
    // in memory and written once it can be, so the browser goes on to sign in.
    if let Err(err) = crate::auth::end_session(&state, &session.auth).await {
        tracing::warn!(error = %err, "sign-out held until it can be written");
    }
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&crate::auth::expired_cookie(state.tls)) {
        headers.insert(header::SET_COOKIE, v);
    }
    headers.insert(header::LOCATION, HeaderValue::from_static("/signin"));
    (StatusCode::SEE_OTHER, headers).into_response()
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
    #[serde(default)]
    csrf_token: String,
}

/// Switches the interface language and goes back. It is remembered in a
/// cookie and, for a signed-in user, on their account (other devices, and
/// the language their care team's replies are measured in).
async fn set_language(
    State(state): State<AppState>,
    session: Result<WebSession, Response>,
    headers: HeaderMap,
    Form(form): Form<LangForm>,
) -> Response {
    let lang = Language::parse(&form.lang).unwrap_or_default();
    if let Ok(s) = &session
        && same_token(&form.csrf_token, &s.csrf)
    {
        // A change that cannot be saved (or audited) is refused, not dropped.
        if let Err(err) = carethread_app::users::set_own_language(&state.app(), &s.auth.caller(), lang.as_str()).await {
            return pages::api_error(Text(lang), &err.into());
        }
    }
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned())))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned());
    let mut out = HeaderMap::new();
    let cookie = format!("{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", lang.as_str());
    if let (Ok(c), Ok(l)) = (HeaderValue::from_str(&cookie), HeaderValue::from_str(&back)) {
        out.insert(header::SET_COOKIE, c);
        out.insert(header::LOCATION, l);
    }
    (StatusCode::SEE_OTHER, out).into_response()
}

/// A grant dated to a day lasts to the end of that day (UTC); no date, until revoked.
pub(crate) fn end_of_day(raw: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, crate::error::ApiError> {
    match raw.trim() {
        "" => Ok(None),
        raw => chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=9999).contains(&chrono::Datelike::year(d)))
            .and_then(|d| d.succ_opt())
            .map(|d| Some(d.and_time(chrono::NaiveTime::MIN).and_utc()))
            .ok_or_else(|| crate::error::ApiError::invalid("expires_at", "must be a date")),
    }
}
