//! Apps patients may connect (SMART App Launch): those registered (name,
//! client id, addresses, scopes, since when, revoked or not), a form to
//! register one, and a button to revoke one. Through the application layer
//! ([`carethread_app::patient_apps`]), so the checks and the audit are the API's.

use axum::extract::State;
use axum::response::Response;
use carethread_app::Operator;
use carethread_app::patient_apps::{self, RegisterApp};
use carethread_core::ids::AppId;
use maud::html;
use serde::Deserialize;

use super::{AdminSession, Shown, admin_page, saved_or_again, table_region};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::parse_uuid_field;
use crate::routes::web::Checked;
use crate::routes::web::WebSession;
use crate::routes::web::form_error::FormError;
use crate::routes::web::pages::api_error_in;

#[derive(Deserialize, Default)]
pub(super) struct AppForm {
    action: String,
    #[serde(default)]
    app: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    scopes: String,
}

/// The registered apps and the form; after a refusal, what was typed and
/// the field at fault.
pub(super) async fn apps_view(state: &AppState, session: &WebSession, shown: Shown<'_, &AppForm>) -> Response {
    let Shown { saved, typed, error } = shown;
    let text = session.text;
    let apps = match patient_apps::list_apps(&state.app(), Operator::Person(&session.auth.caller())).await {
        Ok(apps) => apps,
        Err(e) => return api_error_in(session, &e.into()),
    };
    let heads = [
        "admin-apps-name",
        "admin-apps-client",
        "admin-apps-redirects",
        "admin-apps-scopes",
        "admin-apps-since",
        "admin-apps-action",
    ];
    let rows = html! {
        @for a in &apps {
            tr {
                td { (a.name) }
                td { code class="client-id" { (a.id) } }
                td { @for uri in &a.redirect_uris { code { (uri) } br; } }
                td { code { (a.scopes) } }
                td { (session.when(a.created_at)) }
                td {
                    @if let Some(revoked) = a.revoked_at {
                        (text.get("admin-apps-revoked")) " " (session.when(revoked))
                    } @else {
                        form method="post" action="/admin/apps" class="inline" {
                            input type="hidden" name="csrf_token" value=(session.csrf);
                            input type="hidden" name="action" value="revoke";
                            input type="hidden" name="app" value=(a.id);
                            button type="submit" aria-label=(text.fill("admin-apps-revoke_one", &[("name", &a.name)])) {
                                (text.get("admin-apps-revoke"))
                            }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        p class="hint" { (text.get("admin-apps-intro")) }
        (FormError::summary(error, text))
        h2 id="apps-h" { (text.get("admin-apps-current")) }
        @if apps.is_empty() {
            p role="status" { (text.get("admin-apps-none")) }
        } @else {
            (table_region(text, "apps-h", &heads, &rows))
        }
        section aria-labelledby="new-app-h" {
            h2 id="new-app-h" { (text.get("admin-apps-new")) }
            form method="post" action="/admin/apps" class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="register";
                label for="app-name" { (text.get("admin-apps-name")) }
                input id="app-name" name="name" type="text" required maxlength="100" value=(typed.name)
                    aria-invalid=[FormError::is_for(error, "app-name").then_some("true")]
                    aria-describedby=[FormError::described_by(error, "app-name")];
                (FormError::next_to(error, "app-name"))
                label for="app-redirects" { (text.get("admin-apps-redirects")) }
                p class="hint" id="app-redirects-hint" { (text.get("admin-apps-redirects_hint")) }
                textarea id="app-redirects" name="redirect_uris" rows="3" required
                    aria-invalid=[FormError::is_for(error, "app-redirects").then_some("true")]
                    aria-describedby=(FormError::described_by(error, "app-redirects").unwrap_or_else(|| "app-redirects-hint".to_owned())) {
                    (typed.redirect_uris)
                }
                (FormError::next_to(error, "app-redirects"))
                label for="app-scopes" { (text.get("admin-apps-scopes")) }
                p class="hint" id="app-scopes-hint" { (text.get("admin-apps-scopes_hint")) }
                input id="app-scopes" name="scopes" type="text" required maxlength="1000" value=(typed.scopes)
                    aria-invalid=[FormError::is_for(error, "app-scopes").then_some("true")]
                    aria-describedby=(FormError::described_by(error, "app-scopes").unwrap_or_else(|| "app-scopes-hint".to_owned()));
                (FormError::next_to(error, "app-scopes"))
                button type="submit" class="primary" { (text.get("admin-apps-register")) }
            }
        }
    };
    FormError::answer(admin_page(session, "/admin/apps", saved, &body), error)
}

/// Registers an app, or revokes one.
pub(super) async fn change_apps(
    State(state): State<AppState>,
    Checked(AdminSession(session), form): Checked<AppForm, AdminSession>,
) -> Response {
    let caller = session.auth.caller();
    let result = async {
        if form.action == "revoke" {
            let app = parse_uuid_field::<AppId>("app", &form.app)?;
            patient_apps::revoke_app(&state.app(), Operator::Person(&caller), app).await?;
        } else {
            let register = RegisterApp {
                name: form.name.clone(),
                redirect_uris: form.redirect_uris.clone(),
                scopes: form.scopes.clone(),
            };
            patient_apps::register_app(&state.app(), Operator::Person(&caller), register).await?;
        }
        Ok::<(), ApiError>(())
    }
    .await;
    let input = |field: &str| match field {
        "name" => "app-name",
        "redirect_uris" => "app-redirects",
        _ => "app-scopes",
    };
    saved_or_again("/admin/apps", session.text, result, input, |error| async move {
        apps_view(&state, &session, Shown::refused(&form, &error)).await
    })
    .await
}
