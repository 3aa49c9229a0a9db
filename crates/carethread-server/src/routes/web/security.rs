//! "Sign-in and security": setting up two-step sign-in with an authenticator
//! app (QR code, the secret to type in, a first code to confirm, recovery
//! codes shown once), turning it off where the clinic allows, signing out
//! everywhere, and the apps a patient connected to her record (each can be
//! disconnected). Staff who must use two-step sign-in land here until they have.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use carethread_app::{mfa, patient_apps};
use carethread_core::ids::AppConnectionId;
use carethread_store::AppConnection;
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

use super::pages::api_error;
use super::{CheckedSession, WebSession, page};
use crate::AppState;
use crate::error::ApiError;
use crate::routes::web::Checked;
use crate::totp;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/security", get(security_page))
        .route("/security/enrol", post(enrol))
        .route("/security/confirm", post(confirm))
        .route("/security/disable", post(disable))
        .route("/security/sign-out-everywhere", post(everywhere))
        .route("/security/apps/{id}/disconnect", post(disconnect_app))
}

async fn security_page(State(state): State<AppState>, session: WebSession) -> Response {
    let text = session.text;
    let (enabled, required) = match mfa::status(&state.app(), &session.auth.caller()).await {
        Ok(status) => (status.enabled, status.required),
        Err(e) => return api_error(text, &e.into()),
    };
    let apps = if carethread_core::policy::may_connect_app(session.auth.user.role) {
        match patient_apps::connections(&state.app(), &session.auth.caller()).await {
            Ok(apps) => Some(apps),
            Err(e) => return api_error(text, &e.into()),
        }
    } else {
        None
    };
    let body = html! {
        @if required && !enabled {
            p class="notice" role="status" { (text.get("security-required")) }
        }
        section aria-labelledby="mfa-h" {
            h2 id="mfa-h" { (text.get("security-mfa")) }
            p { (text.get("security-mfa_what")) }
            @if enabled {
                p { strong { (text.get("security-on")) } }
                @if !required {
                    form method="post" action="/security/disable" class="stack" {
                        input type="hidden" name="csrf_token" value=(session.csrf);
                        label for="disable-code" { (text.get("security-code_or_recovery")) }
                        input id="disable-code" name="code" type="text" autocomplete="one-time-code" required;
                        button type="submit" { (text.get("security-turn_off")) }
                    }
                }
            } @else {
                form method="post" action="/security/enrol" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    button type="submit" class="primary" { (text.get("security-set_up")) }
                }
            }
        }
        @if let Some(apps) = &apps { (connected_apps(&session, apps)) }
        (everywhere_form(&session))
    };
    page(text, text.get("security-title"), Some(&session), body)
}

/// The apps the patient connected, each with a button to disconnect it.
fn connected_apps(session: &WebSession, apps: &[AppConnection]) -> Markup {
    let text = session.text;
    html! {
        section aria-labelledby="apps-h" {
            h2 id="apps-h" { (text.get("security-apps")) }
            p { (text.get("security-apps_what")) }
            @if apps.is_empty() {
                p role="status" { (text.get("security-apps_none")) }
            } @else {
                ul class="connected-apps" {
                    @for app in apps {
                        li {
                            strong { (app.app_name) } " · "
                            (text.fill("security-apps_since", &[("when", &session.when(app.created_at))])) ", "
                            (text.fill("security-apps_used", &[("when", &session.when(app.last_used_at))]))
                            " " code { (app.scopes) }
                            form method="post" action=(format!("/security/apps/{}/disconnect", app.id)) class="inline" {
                                input type="hidden" name="csrf_token" value=(session.csrf);
                                button type="submit" aria-label=(text.fill("security-apps_disconnect_one", &[("name", &app.app_name)])) {
                                    (text.get("security-apps_disconnect"))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Disconnects one of the patient's apps: its tokens stop working at once.
async fn disconnect_app(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CheckedSession(session): CheckedSession,
) -> Response {
    let Ok(id) = id.parse::<AppConnectionId>() else {
        return api_error(session.text, &ApiError::NotFound);
    };
    match patient_apps::disconnect(&state.app(), &session.auth.caller(), id).await {
        Ok(()) => Redirect::to("/security").into_response(),
        Err(err) => api_error(session.text, &err.into()),
    }
}

fn everywhere_form(session: &WebSession) -> Markup {
    let text = session.text;
    html! {
        section aria-labelledby="everywhere-h" {
            h2 id="everywhere-h" { (text.get("security-everywhere")) }
            p { (text.get("security-everywhere_what")) }
            form method="post" action="/security/sign-out-everywhere" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                button type="submit" { (text.get("security-everywhere")) }
            }
        }
    }
}

/// A new secret: the QR code to scan, the secret to type, and a box for the first code.
async fn enrol(State(state): State<AppState>, CheckedSession(session): CheckedSession) -> Response {
    let text = session.text;
    let e = match mfa::enrol(&state.app(), &session.auth.caller()).await {
        Ok(e) => e,
        Err(err) => return api_error(text, &err.into()),
    };
    let Some(qr_svg) = totp::qr_svg(&e.otpauth_uri) else {
        return api_error(text, &ApiError::internal(std::fmt::Error));
    };
    let qr = format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(qr_svg));
    let body = html! {
        ol {
            li { (text.get("security-step_app")) }
            li {
                (text.get("security-step_scan"))
                p { img src=(qr) alt=(text.get("security-qr_alt")) width="220" height="220"; }
                p { (text.get("security-step_type")) " " code class="secret" { (e.secret) } }
            }
            li { (text.get("security-step_code")) }
        }
        form method="post" action="/security/confirm" class="stack" {
            input type="hidden" name="csrf_token" value=(session.csrf);
            label for="mfa-code" { (text.get("security-code")) }
            input id="mfa-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required pattern="[0-9 ]{6,7}";
            button type="submit" class="primary" { (text.get("security-confirm")) }
        }
    };
    page(text, text.get("security-set_up"), Some(&session), body)
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

/// Confirms with a first code and shows the recovery codes, once.
async fn confirm(State(state): State<AppState>, Checked(session, form): Checked<CodeForm>) -> Response {
    let text = session.text;
    let code = SecretString::from(form.code.replace(' ', ""));
    let codes = match mfa::confirm(&state.app(), &session.auth.caller(), &session.auth.token_hash, &code).await {
        Ok(c) => c,
        Err(err) => return api_error(text, &err.into()),
    };
    let body = html! {
        p role="status" { strong { (text.get("security-on")) } }
        p { (text.get("security-recovery_what")) }
        ul class="codes" { @for c in &codes { li { code { (c) } } } }
        p { a class="button primary" href="/" { (text.get("welcome-continue")) } }
    };
    let mut response = page(text, text.get("security-recovery"), Some(&session), body);
    // Recovery codes must not linger in any cache.
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn disable(State(state): State<AppState>, Checked(session, form): Checked<CodeForm>) -> Response {
    let code = SecretString::from(form.code.replace(' ', ""));
    match mfa::disable(&state.app(), &session.auth.caller(), &session.auth.token_hash, &code).await {
        Ok(()) => Redirect::to("/security").into_response(),
        Err(err) => api_error(session.text, &err.into()),
    }
}

/// Ends every session of the user, this one too.
async fn everywhere(State(state): State<AppState>, CheckedSession(session): CheckedSession) -> Response {
    match crate::auth::end_every_session(&state, &session.auth).await {
        Ok(()) => Redirect::to("/signin").into_response(),
        Err(err) => api_error(session.text, &err),
    }
}
