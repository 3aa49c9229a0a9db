//! Systems on the FHIR API: those registered (name, role, client id,
//! scopes, since when, revoked or not), a form to register one with its
//! public keys, and a button to revoke one. Through the application layer
//! ([`carethread_app::system_clients`]), so the checks and the audit are the
//! API's.

use axum::extract::State;
use axum::response::Response;
use carethread_app::Operator;
use carethread_app::system_clients::{self, RegisterClient};
use carethread_core::ids::ClientId;
use carethread_core::policy::may_act_as_system;
use carethread_core::role::Role;
use maud::html;
use serde::Deserialize;

use super::{AdminSession, Shown, admin_page, role_label, saved_or_again, table_region};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::parse_uuid_field;
use crate::routes::web::Checked;
use crate::routes::web::WebSession;
use crate::routes::web::form_error::FormError;
use crate::routes::web::pages::api_error_in;

#[derive(Deserialize, Default)]
pub(super) struct SystemForm {
    action: String,
    #[serde(default)]
    client: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    jwks: String,
}

/// The registered systems and the form; after a refusal, what was typed and
/// the field at fault.
pub(super) async fn systems_view(state: &AppState, session: &WebSession, shown: Shown<'_, &SystemForm>) -> Response {
    let Shown { saved, typed, error } = shown;
    let text = session.text;
    let systems = match system_clients::list_clients(&state.app(), Operator::Person(&session.auth.caller())).await {
        Ok(systems) => systems,
        Err(e) => return api_error_in(session, &e.into()),
    };
    let heads = [
        "admin-systems-name",
        "admin-systems-role",
        "admin-systems-client",
        "admin-systems-scopes",
        "admin-systems-since",
        "admin-systems-action",
    ];
    let rows = html! {
        @for s in &systems {
            tr {
                td { (s.name) }
                td { (role_label(text, s.account.role.as_str())) }
                td { code { (s.id) } }
                td { code { (s.scopes) } }
                td { (session.when(s.created_at)) }
                td {
                    @if let Some(revoked) = s.revoked_at {
                        (text.get("admin-systems-revoked")) " " (session.when(revoked))
                    } @else {
                        form method="post" action="/admin/systems" class="inline" {
                            input type="hidden" name="csrf_token" value=(session.csrf);
                            input type="hidden" name="action" value="revoke";
                            input type="hidden" name="client" value=(s.id);
                            button type="submit" aria-label=(text.fill("admin-systems-revoke_one", &[("name", &s.name)])) {
                                (text.get("admin-systems-revoke"))
                            }
                        }
                    }
                }
            }
        }
    };
    let roles: Vec<Role> = Role::ALL.into_iter().filter(|r| may_act_as_system(*r)).collect();
    let body = html! {
        p class="hint" { (text.get("admin-systems-intro")) }
        (FormError::summary(error, text))
        h2 id="systems-h" { (text.get("admin-systems-current")) }
        @if systems.is_empty() {
            p role="status" { (text.get("admin-systems-none")) }
        } @else {
            (table_region(text, "systems-h", &heads, &rows))
        }
        section aria-labelledby="new-system-h" {
            h2 id="new-system-h" { (text.get("admin-systems-new")) }
            form method="post" action="/admin/systems" class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="register";
                label for="system-name" { (text.get("admin-systems-name")) }
                input id="system-name" name="name" type="text" required maxlength="100" value=(typed.name)
                    aria-invalid=[FormError::is_for(error, "system-name").then_some("true")]
                    aria-describedby=[FormError::described_by(error, "system-name")];
                (FormError::next_to(error, "system-name"))
                label for="system-role" { (text.get("admin-systems-role")) }
                (FormError::select(error, "system-role", "role", &html! {
                    @for r in &roles {
                        option value=(r.as_str()) selected[typed.role == r.as_str()] { (role_label(text, r.as_str())) }
                    }
                }))
                label for="system-scopes" { (text.get("admin-systems-scopes")) }
                p class="hint" id="system-scopes-hint" { (text.get("admin-systems-scopes_hint")) }
                input id="system-scopes" name="scopes" type="text" required maxlength="1000" value=(typed.scopes)
                    aria-invalid=[FormError::is_for(error, "system-scopes").then_some("true")]
                    aria-describedby=(FormError::described_by(error, "system-scopes").unwrap_or_else(|| "system-scopes-hint".to_owned()));
                (FormError::next_to(error, "system-scopes"))
                label for="system-jwks" { (text.get("admin-systems-jwks")) }
                p class="hint" id="system-jwks-hint" { (text.get("admin-systems-jwks_hint")) }
                textarea id="system-jwks" name="jwks" rows="8" required
                    aria-invalid=[FormError::is_for(error, "system-jwks").then_some("true")]
                    aria-describedby=(FormError::described_by(error, "system-jwks").unwrap_or_else(|| "system-jwks-hint".to_owned())) {
                    (typed.jwks)
                }
                (FormError::next_to(error, "system-jwks"))
                button type="submit" class="primary" { (text.get("admin-systems-register")) }
            }
        }
    };
    FormError::answer(admin_page(session, "/admin/systems", saved, &body), error)
}

/// Registers a system, or revokes one.
pub(super) async fn change_systems(
    State(state): State<AppState>,
    Checked(AdminSession(session), form): Checked<SystemForm, AdminSession>,
) -> Response {
    let caller = session.auth.caller();
    let result = async {
        if form.action == "revoke" {
            let client = parse_uuid_field::<ClientId>("client", &form.client)?;
            system_clients::revoke_client(&state.app(), Operator::Person(&caller), client).await?;
        } else {
            let register = RegisterClient {
                name: form.name.clone(),
                role: form.role.clone(),
                jwks: form.jwks.trim().to_owned(),
                scopes: form.scopes.clone(),
            };
            system_clients::register_client(&state.app(), Operator::Person(&caller), register).await?;
        }
        Ok::<(), ApiError>(())
    }
    .await;
    let input = |field: &str| match field {
        "name" => "system-name",
        "role" => "system-role",
        "jwks" => "system-jwks",
        _ => "system-scopes",
    };
    saved_or_again("/admin/systems", session.text, result, input, |error| async move {
        systems_view(&state, &session, Shown::refused(&form, &error)).await
    })
    .await
}
