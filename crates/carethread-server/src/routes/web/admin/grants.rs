//! Proxy access: granting and revoking access to a patient's record.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::{Form, Json};
use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use maud::html;
use serde::Deserialize;

use super::{AdminSession, Saved, admin_page, done};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::admin::list_users;
use crate::routes::privacy::{GrantParams, NewGrantIn, create_grant, list_grants, revoke_grant};
use crate::routes::web::pages::api_error;

const SCOPES: [&str; 3] = ["full", "messages_only", "read_only"];

pub(super) async fn grants_page(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(saved): Query<Saved>,
) -> Response {
    let text = session.text;
    let (grants, users) = match (
        list_grants(State(state.clone()), session.auth.clone(), ApiQuery(GrantParams::default())).await,
        list_users(State(state), session.auth.clone()).await,
    ) {
        (Ok(Json(g)), Ok(Json(u))) => (g.grants, u.users),
        (Err(e), _) | (_, Err(e)) => return api_error(text, &e),
    };
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
                        @for g in &grants {
                            tr {
                                th scope="row" { (g.patient.display_name) }
                                td { (g.proxy.display_name) }
                                td { (text.get(&format!("proxies-scope-{}", g.scope))) }
                                td { (g.expires_at.map_or_else(|| "—".to_owned(), |t| t.format("%Y-%m-%d").to_string())) }
                                td {
                                    @if g.active {
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
    let result = if form.action == "revoke" {
        revoke_grant(State(state), session.auth.clone(), Path(form.grant)).await.map(|_| ())
    } else {
        let expires_at = match end_of_day(&form.until) {
            Ok(t) => t,
            Err(e) => return api_error(text, &e),
        };
        let input = NewGrantIn { proxy_id: form.proxy, patient_id: Some(form.patient), scope: form.scope, expires_at };
        create_grant(State(state), session.auth.clone(), ApiJson(input)).await.map(|_| ())
    };
    done("/admin/grants", result, text)
}

/// A grant dated to a day lasts to the end of that day (UTC); no date, until revoked.
pub(in crate::routes::web) fn end_of_day(raw: &str) -> Result<Option<chrono::DateTime<Utc>>, ApiError> {
    match raw.trim() {
        "" => Ok(None),
        raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=9999).contains(&d.year()))
            .and_then(|d| d.succ_opt())
            .map(|d| Some(Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN))))
            .ok_or_else(|| ApiError::invalid("expires_at", "must be a date")),
    }
}
