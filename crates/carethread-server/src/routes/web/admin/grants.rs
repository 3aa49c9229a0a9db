//! Proxy access: granting and revoking access to a patient's record.

use axum::extract::State;
use axum::response::Response;
use carethread_app::grants::{self, GrantProxy, ProxyChoice};
use carethread_core::ids::UserId;
use carethread_core::policy::ProxyScope;
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;

use super::{AdminSession, Shown, admin_page, saved_or_again, table_region, with_accounts};
use crate::AppState;
use crate::admin_views::AdminUserOut;
use crate::extract::parse_uuid_field;
use crate::extract::path_id;
use crate::routes::web::Checked;
use crate::routes::web::form_error::FormError;
use crate::routes::web::{WebSession, end_of_day};

const SCOPES: [&str; 3] = ["full", "messages_only", "read_only"];

/// The grants and the form for a new one; after a refusal, what was typed,
/// the field at fault marked, and the API's status.
pub(super) async fn grants_view(state: &AppState, session: &WebSession, shown: Shown<'_, &GrantForm>) -> Response {
    let Shown { saved, typed, error } = shown;
    let text = session.text;
    let (app, caller) = (state.app(), session.auth.caller());
    let (found, users) = match with_accounts(state, session, grants::list_grants(&app, &caller, None)).await {
        Ok(both) => both,
        Err(page) => return page,
    };
    let now = Utc::now();
    let heads = ["inbasket-patient", "admin-grants-proxy", "admin-grants-scope", "admin-grants-until", "admin-account"];
    let body = html! {
        (FormError::summary(error, text))
        section aria-labelledby="grants-h" {
            h2 id="grants-h" { (text.get("admin-grants")) }
            (table_region(text, "grants-h", &heads, &html! {
                @for g in &found {
                    tr {
                        th scope="row" { (g.patient.display_name) }
                        td { (g.proxy.display_name) }
                        td { (text.get(&format!("proxies-scope-{}", g.scope.as_str()))) }
                        td { (g.expires_at.map_or_else(|| "—".to_owned(), |t| t.format("%Y-%m-%d").to_string())) }
                        td {
                            @if grants::is_active(g, now) {
                                form method="post" action="/admin/grants" class="inline" {
                                    input type="hidden" name="csrf_token" value=(session.csrf);
                                    input type="hidden" name="action" value="revoke";
                                    input type="hidden" name="grant" value=(g.id);
                                    button type="submit" class="small" {
                                        (text.fill("admin-grants-revoke", &[("proxy", &g.proxy.display_name), ("patient", &g.patient.display_name)]))
                                    }
                                }
                            } @else {
                                (text.get("admin-grants-ended"))
                            }
                        }
                    }
                }
            }))
        }
        (grant_form(session, &users, typed, error))
    };
    FormError::answer(admin_page(session, "/admin/grants", saved, &body), error)
}

/// The form for a new grant, with what was typed and the field at fault.
fn grant_form(session: &WebSession, users: &[AdminUserOut], typed: &GrantForm, error: Option<&FormError>) -> Markup {
    let text = session.text;
    let of_role = |role: &str| users.iter().filter(|u| u.user.role == role && !u.disabled).collect::<Vec<_>>();
    html! {
        section aria-labelledby="new-grant-h" {
            h2 id="new-grant-h" { (text.get("admin-grants-new")) }
            form method="post" action="/admin/grants" class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="grant";
                label for="grant-patient" { (text.get("inbasket-patient")) }
                (FormError::select(error, "grant-patient", "patient", &html! {
                    @for u in of_role("patient") { option value=(u.user.id) selected[typed.patient == u.user.id] { (u.user.display_name) } }
                }))
                label for="grant-proxy" { (text.get("admin-grants-proxy")) }
                (FormError::select(error, "grant-proxy", "proxy", &html! {
                    @for u in of_role("proxy") { option value=(u.user.id) selected[typed.proxy == u.user.id] { (u.user.display_name) } }
                }))
                label for="grant-scope" { (text.get("admin-grants-scope")) }
                (FormError::select(error, "grant-scope", "scope", &html! {
                    @for s in SCOPES { option value=(s) selected[typed.scope == s] { (text.get(&format!("proxies-scope-{s}"))) } }
                }))
                label for="grant-until" { (text.get("admin-grants-until_optional")) }
                input id="grant-until" name="until" type="date" value=(typed.until)
                    aria-invalid=[FormError::is_for(error, "grant-until").then_some("true")]
                    aria-describedby=[FormError::described_by(error, "grant-until")];
                (FormError::next_to(error, "grant-until"))
                button type="submit" class="primary" { (text.get("admin-grants-new")) }
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct GrantForm {
    action: String,
    #[serde(default)]
    grant: String,
    #[serde(default)]
    patient: String,
    #[serde(default)]
    proxy: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    until: String,
}

/// The input of the grant form a refused request field belongs to.
fn input_of(field: &str) -> &'static str {
    match field {
        "proxy_id" => "grant-proxy",
        "scope" => "grant-scope",
        "expires_at" => "grant-until",
        _ => "grant-patient",
    }
}

pub(super) async fn change_grants(
    State(state): State<AppState>,
    Checked(AdminSession(session), form): Checked<GrantForm, AdminSession>,
) -> Response {
    let text = session.text;
    let (app, caller) = (state.app(), session.auth.caller());
    let revoke = form.action == "revoke";
    let result = async {
        if revoke {
            let id: uuid::Uuid = path_id(&form.grant)?;
            return Ok(grants::revoke_grant(&app, &caller, id).await?);
        }
        let input = GrantProxy {
            proxy: ProxyChoice::Id(parse_uuid_field::<UserId>("proxy_id", &form.proxy)?),
            patient: Some(parse_uuid_field::<UserId>("patient_id", &form.patient)?),
            scope: ProxyScope::parse(&form.scope)?,
            expires_at: end_of_day(&form.until)?,
        };
        grants::grant_proxy(&app, &caller, input).await?;
        Ok(())
    }
    .await;
    // A refused revocation points at the list; a refused grant at its field, as typed.
    let input = |field: &str| if revoke { "grants-h" } else { input_of(field) };
    let typed = if revoke { GrantForm::default() } else { form };
    saved_or_again("/admin/grants", text, result, input, |error| async move {
        grants_view(&state, &session, Shown::refused(&typed, &error)).await
    })
    .await
}
