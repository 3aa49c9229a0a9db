//! A patient's proxies page: who may act for her, granting and revoking access.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carethread_app::AppError;
use carethread_app::grants::{self, GrantProxy, ProxyChoice};
use carethread_core::policy::ProxyScope;
use carethread_core::role::Role;
use chrono::Utc;
use maud::html;
use serde::Deserialize;

use super::form_error::{FormError, form_status};
use super::pages::api_error_in;
use super::{WebSession, end_of_day, error_page, page};
use crate::AppState;
use crate::error::ApiError;
use crate::routes::web::Checked;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/proxies", get(proxies))
        .route("/proxies/revoke", post(revoke))
        .route("/proxies/grant", post(grant))
}

/// A patient's proxies: who may act for her, with what scope and until when; revoke at once.
async fn proxies(State(state): State<AppState>, session: WebSession) -> Response {
    proxies_page(&state, &session, &GrantForm::default(), None).await
}

/// The proxies page; a refused grant comes back with what was chosen and why.
async fn proxies_page(
    state: &AppState,
    session: &WebSession,
    typed: &GrantForm,
    error: Option<&FormError>,
) -> Response {
    let text = session.text;
    if session.auth.user.role != Role::Patient {
        return Redirect::to("/").into_response();
    }
    let grants = match grants::list_grants(&state.app(), &session.auth.caller(), None).await {
        Ok(g) => g,
        Err(e) => return api_error_in(session, &e.into()),
    };
    let now = Utc::now();
    let mut response = page(
        text,
        text.get("proxies-title"),
        Some(session),
        html! {
            (FormError::summary(error, text))
            p { (text.get("proxies-intro")) }
            ul {
                @for g in grants.iter().filter(|g| grants::is_active(g, now)) {
                    li {
                        strong { (g.proxy.display_name) } " · " (text.get(&format!("proxies-scope-{}", g.scope.as_str())))
                        @if let Some(t) = g.expires_at { " · " (text.get("proxies-until")) " " (t.format("%b %-d, %Y")) }
                        form method="post" action="/proxies/revoke" class="inline" {
                            input type="hidden" name="csrf_token" value=(session.csrf);
                            input type="hidden" name="grant" value=(g.id);
                            button type="submit" { (text.fill("proxies-revoke", &[("name", &g.proxy.display_name)])) }
                        }
                    }
                }
            }
            section aria-labelledby="grant-h" {
                h2 id="grant-h" { (text.get("proxies-add")) }
                p { (text.get("proxies-add_intro")) }
                form method="post" action="/proxies/grant" class="stack" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    label for="proxy-username" { (text.get("proxies-username")) }
                    input id="proxy-username" name="username" type="text" required autocomplete="off" maxlength="64"
                        value=(typed.username)
                        aria-invalid=[FormError::is_for(error, "proxy-username").then_some("true")]
                        aria-describedby=[FormError::described_by(error, "proxy-username")];
                    (FormError::next_to(error, "proxy-username"))
                    label for="proxy-scope" { (text.get("admin-grants-scope")) }
                    select id="proxy-scope" name="scope" {
                        @for s in ["messages_only", "read_only", "full"] {
                            option value=(s) selected[s == typed.scope] { (text.get(&format!("proxies-scope-{s}"))) }
                        }
                    }
                    label for="proxy-until" { (text.get("admin-grants-until_optional")) }
                    input id="proxy-until" name="until" type="date" value=(typed.until)
                        aria-invalid=[FormError::is_for(error, "proxy-until").then_some("true")]
                        aria-describedby=[FormError::described_by(error, "proxy-until")];
                    (FormError::next_to(error, "proxy-until"))
                    button type="submit" class="primary" { (text.get("proxies-add")) }
                }
            }
        },
    );
    if let Some(e) = error {
        *response.status_mut() = e.status;
    }
    response
}

#[derive(Deserialize, Default)]
struct GrantForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    until: String,
}

/// A patient gives someone with a proxy account access, by their username.
/// Any username that is not a proxy's gets the same answer, so the form
/// tells nothing about other accounts.
async fn grant(State(state): State<AppState>, Checked(session, form): Checked<GrantForm>) -> Response {
    let text = session.text;
    if session.auth.user.role != Role::Patient {
        return Redirect::to("/").into_response();
    }
    let refused = |field: &str, status: StatusCode, message: String| FormError::new(field, status, message);
    let expires_at = match end_of_day(&form.until) {
        Ok(t) => t,
        Err(e) => {
            let error = refused("proxy-until", form_status(&e), text.get("form-invalid").to_owned());
            return proxies_page(&state, &session, &form, Some(&error)).await;
        }
    };
    let scope = match ProxyScope::parse(&form.scope) {
        Ok(scope) => scope,
        Err(e) => {
            let error = refused("proxy-scope", form_status(&e.into()), text.get("form-invalid").to_owned());
            return proxies_page(&state, &session, &form, Some(&error)).await;
        }
    };
    let input =
        GrantProxy { proxy: ProxyChoice::Username(form.username.trim().to_owned()), patient: None, scope, expires_at };
    match grants::grant_proxy(&state.app(), &session.auth.caller(), input).await {
        Ok(_) => Redirect::to("/proxies").into_response(),
        Err(e) => {
            let (field, message) = match &e {
                AppError::Invalid { field, .. } if field == "expires_at" => ("proxy-until", text.get("form-invalid")),
                AppError::Invalid { field, .. } if field == "proxy_id" => {
                    ("proxy-username", text.get("proxies-no_such"))
                }
                AppError::Invalid { .. } | AppError::Conflict(_) => ("proxy-username", text.get("form-invalid")),
                _ => ("proxy-username", text.get("error-generic")),
            };
            let e = ApiError::from(e);
            let error = refused(field, form_status(&e), message.to_owned());
            proxies_page(&state, &session, &form, Some(&error)).await
        }
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    grant: String,
}

async fn revoke(State(state): State<AppState>, Checked(session, form): Checked<RevokeForm>) -> Response {
    let Ok(id) = form.grant.parse::<uuid::Uuid>() else {
        return error_page(session.text, StatusCode::NOT_FOUND, session.text.get("error-not_found"));
    };
    match grants::revoke_grant(&state.app(), &session.auth.caller(), id).await {
        Ok(()) => Redirect::to("/proxies").into_response(),
        Err(e) => api_error_in(&session, &e.into()),
    }
}
