//! The consent screen of SMART App Launch (standalone): a patient's app
//! sends her here; she signs in if she has not, sees in plain words what
//! the app asks for, and allows or refuses it. The answer sends her browser
//! back to the app. The rules are [`carethread_app::app_launch`]'s: this
//! module reads the request, shows the page and translates.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use carethread_app::app_launch::{self, AuthorizeRefusal, AuthorizeRequest, LaunchPlan, Untrusted};
use carethread_core::policy;
use carethread_fhir::smart::Refresh;
use maud::html;
use serde::Deserialize;

use super::pages::api_error;
use super::{PAGE_CSP, Text, WebSession, error_page, page, visitor_language};
use crate::AppState;
use crate::addresses::AUTHORIZE_PATH;
use crate::addresses::fhir_base_url;
use crate::routes::web::Checked;

pub(super) fn router() -> Router<AppState> {
    Router::new().route(AUTHORIZE_PATH, get(consent_page).post(consent_answer))
}

/// The request checked against the app's registration; a refusal is the
/// answer to give (a page for the person, or the app sent back its error).
async fn checked(
    state: &AppState,
    headers: &HeaderMap,
    text: Text,
    params: AuthorizeRequest,
) -> Result<LaunchPlan, Response> {
    let base = fhir_base_url(state, headers);
    match app_launch::check_request(&state.app(), params, &base).await {
        Ok(plan) => Ok(plan),
        Err(AuthorizeRefusal::Untrusted(why)) => {
            let key = match why {
                Untrusted::UnknownApp => "consent-unknown_app",
                Untrusted::UnknownAddress => "consent-unknown_address",
            };
            Err(error_page(text, StatusCode::BAD_REQUEST, text.get(key)))
        }
        Err(AuthorizeRefusal::SendBack { redirect_uri, state, error, description }) => {
            match app_launch::refusal_address(&redirect_uri, state.as_deref(), error, &description) {
                Ok(address) => Err(Redirect::to(&address).into_response()),
                Err(err) => Err(api_error(text, &err.into())),
            }
        }
        Err(AuthorizeRefusal::Failed(err)) => Err(api_error(text, &err.into())),
    }
}

/// `GET /apps/authorize`: the consent screen, after signing in.
async fn consent_page(
    State(state): State<AppState>,
    parts: Parts,
    session: Result<WebSession, Response>,
    query: Result<Query<AuthorizeRequest>, QueryRejection>,
) -> Response {
    let text = session.as_ref().map_or_else(|_| Text(visitor_language(&parts)), |s| s.text);
    let Ok(Query(params)) = query else {
        return error_page(text, StatusCode::BAD_REQUEST, text.get("consent-unknown_app"));
    };
    let plan = match checked(&state, &parts.headers, text, params.clone()).await {
        Ok(plan) => plan,
        Err(answer) => return answer,
    };
    let session = match session {
        Ok(session) => session,
        // Sign in first, then back here (another redirect, to enrol a second factor say, stands).
        Err(failed) if failed.headers().get(header::LOCATION).is_some_and(|l| l.as_bytes() == b"/signin") => {
            let here = parts.uri.path_and_query().map_or(AUTHORIZE_PATH, axum::http::uri::PathAndQuery::as_str);
            let next = serde_urlencoded::to_string([("next", here)]).unwrap_or_default();
            return Redirect::to(&format!("/signin?{next}")).into_response();
        }
        Err(failed) => return failed,
    };
    if !policy::may_connect_app(session.auth.user.role) {
        return error_page(text, StatusCode::FORBIDDEN, text.get("consent-patients_only"));
    }
    let hours = state.app().settings.session_max_hours;
    consent_screen(&session, &plan, &params, hours)
}

/// What the app may do, in words, and the two answers.
/// `online_hours`: how long an `online_access` refresh token lasts.
fn consent_screen(session: &WebSession, plan: &LaunchPlan, params: &AuthorizeRequest, online_hours: u32) -> Response {
    let text = session.text;
    let mut may: Vec<String> = plan
        .scopes
        .resources
        .resource_types()
        .into_iter()
        .map(|(resource, writes)| {
            let what = resource.map_or_else(
                || text.get("consent-everything").to_owned(),
                |r| {
                    text.lookup(&format!("consent-type-{}", r.to_ascii_lowercase()), &[])
                        .unwrap_or_else(|| r.to_owned())
                },
            );
            text.fill(if writes { "consent-write" } else { "consent-read" }, &[("what", &what)])
        })
        .collect();
    if plan.scopes.identity() {
        may.push(text.get("consent-identity").to_owned());
    }
    match plan.scopes.refresh {
        Some(Refresh::Offline) => may.push(text.get("consent-offline").to_owned()),
        Some(Refresh::Online) => may.push(text.fill("consent-online", &[("hours", &online_hours.to_string())])),
        None => {}
    }
    let body = html! {
        p { strong { (text.fill("consent-asks", &[("app", &plan.app.name)])) } }
        p { (text.get("consent-may")) }
        ul class="consent" { @for line in &may { li { (line) } } }
        p class="hint" { (text.get("consent-never")) }
        form method="post" action=(AUTHORIZE_PATH) class="stack" {
            input type="hidden" name="csrf_token" value=(session.csrf);
            @for (name, value) in params.fields() {
                @if let Some(value) = value { input type="hidden" name=(name) value=(value); }
            }
            div class="actions" {
                button type="submit" name="decision" value="allow" class="primary" { (text.get("consent-allow")) }
                " "
                button type="submit" name="decision" value="deny" { (text.get("consent-deny")) }
            }
        }
    };
    let mut response = page(text, text.get("consent-title"), Some(session), body);
    // The portal's policy, but the answer sends the browser on to the app: the form may go there.
    let policy = PAGE_CSP.replace("form-action 'self'", &format!("form-action 'self' {}", plan.redirect_origin()));
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The consent form: the patient's answer and the request again.
#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    decision: String,
    #[serde(flatten)]
    params: AuthorizeRequest,
}

/// `POST /apps/authorize`: allowed or refused, the browser goes back to the app.
async fn consent_answer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Checked(session, form): Checked<AnswerForm>,
) -> Response {
    let text = session.text;
    let plan = match checked(&state, &headers, text, form.params).await {
        Ok(plan) => plan,
        Err(answer) => return answer,
    };
    let allow = form.decision == "allow";
    match app_launch::answer(&state.app(), &session.auth.caller(), &plan, allow).await {
        Ok(address) => Redirect::to(&address).into_response(),
        Err(err) => api_error(text, &err.into()),
    }
}
