//! Proxy access: granting and revoking access to a patient's record.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use carethread_app::grants::{self, GrantProxy, ProxyChoice};
use carethread_core::ids::UserId;
use carethread_core::policy::ProxyScope;
use chrono::Utc;
use maud::html;
use serde::Deserialize;

use super::{AdminSession, Saved, accounts, admin_page, done};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::parse_uuid_field;
use crate::routes::web::end_of_day;
use crate::routes::web::pages::api_error;

const SCOPES: [&str; 3] = ["full", "messages_only", "read_only"];

pub(super) async fn grants_page(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(saved): Query<Saved>,
) -> Response {
    let text = session.text;
    let found = match grants::list_grants(&state.app(), &session.auth.caller(), None).await {
        Ok(g) => g,
        Err(e) => return api_error(text, &e.into()),
    };
    let users = match accounts(&state, &session).await {
        Ok(u) => u,
        Err(e) => return api_error(text, &e),
    };
    let now = Utc::now();
    let of_role = |role: &str| users.iter().filter(|u| u.user.role == role && !u.disabled).collect::<Vec<_>>();
    let body = html! {
        section aria-labelledby="grants-h" {
            h2 id="grants-h" { (text.get("admin-grants")) }
            div class="scroll" tabindex="0" role="region" aria-labelledby="grants-h" {
                table {
                    thead { tr {
                        th scope="col" { (text.get("inbasket-patient")) }
                        th scope="col" { (text.get("admin-grants-proxy")) }
                        th scope="col" { (text.get("admin-grants-scope")) }
                        th scope="col" { (text.get("admin-grants-until")) }
                        th scope="col" { (text.get("admin-account")) }
                    } }
                    tbody {
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
                    }
                }
            }
        }
        section aria-labelledby="new-grant-h" {
            h2 id="new-grant-h" { (text.get("admin-grants-new")) }
            form method="post" action="/admin/grants" class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="grant";
                label for="grant-patient" { (text.get("inbasket-patient")) }
                select id="grant-patient" name="patient" {
                    @for u in of_role("patient") { option value=(u.user.id) { (u.user.display_name) } }
                }
                label for="grant-proxy" { (text.get("admin-grants-proxy")) }
                select id="grant-proxy" name="proxy" {
                    @for u in of_role("proxy") { option value=(u.user.id) { (u.user.display_name) } }
                }
                label for="grant-scope" { (text.get("admin-grants-scope")) }
                select id="grant-scope" name="scope" {
                    @for s in SCOPES { option value=(s) { (text.get(&format!("proxies-scope-{s}"))) } }
                }
                label for="grant-until" { (text.get("admin-grants-until_optional")) }
                input id="grant-until" name="until" type="date";
                button type="submit" class="primary" { (text.get("admin-grants-new")) }
            }
        }
    };
    admin_page(&session, "/admin/grants", &saved, &body)
}

#[derive(Deserialize)]
pub(super) struct GrantForm {
    csrf_token: String,
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

pub(super) async fn change_grants(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Form(form): Form<GrantForm>,
) -> Response {
    guard!(session, form);
    let text = session.text;
    let (app, caller) = (state.app(), session.auth.caller());
    let result = async {
        if form.action == "revoke" {
            let id: uuid::Uuid = form.grant.parse().map_err(|_| ApiError::NotFound)?;
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
    done("/admin/grants", result, text)
}
