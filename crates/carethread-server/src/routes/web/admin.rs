//! The administrator's page: AI switches and the AI report per clinician,
//! and the clinic's users. Administrators never see message content here.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use carethread_core::policy;
use maud::html;
use serde::Deserialize;

use super::{WebSession, error_page, page};
use crate::AppState;
use crate::extract::ApiJson;
use crate::routes::drafts::{AiSettingsIn, ai_admin, update_ai};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/admin", get(admin_page)).route("/admin/ai", post(switch_ai))
}

fn figure(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
}

async fn admin_page(State(state): State<AppState>, session: WebSession) -> Response {
    let text = session.text;
    if !policy::may_administer(session.auth.user.role) {
        return Redirect::to("/").into_response();
    }
    let Ok(Json(ai)) = ai_admin(State(state.clone()), session.auth.clone()).await else {
        return error_page(text, StatusCode::INTERNAL_SERVER_ERROR, text.get("error.generic"));
    };
    let users = state.store.list_users().await.unwrap_or_default();
    page(
        text,
        text.get("admin.title"),
        Some(&session),
        html! {
            section aria-labelledby="ai-h" {
                h2 id="ai-h" { (text.get("admin.ai")) }
                form method="post" action="/admin/ai" class="stack" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    div class="row" {
                        input id="drafting" type="checkbox" name="drafting" value="on" checked[ai.drafting_enabled];
                        label for="drafting" { (text.get("admin.drafting")) }
                    }
                    div class="row" {
                        input id="disclosure" type="checkbox" name="disclosure" value="on" checked[ai.disclosure_enabled];
                        label for="disclosure" { (text.get("admin.disclosure")) }
                    }
                    button type="submit" class="primary" { (text.get("admin.save")) }
                }
                p { (text.get("admin.drafter")) ": " (ai.drafter.id) " " (ai.drafter.version) }
            }
            section aria-labelledby="report-h" {
                h2 id="report-h" { (text.get("admin.report")) }
                div class="scroll" tabindex="0" role="region" aria-labelledby="report-h" {
                    table {
                        thead { tr {
                            th scope="col" { (text.get("admin.clinician")) }
                            th scope="col" { (text.get("admin.drafts")) }
                            th scope="col" { (text.get("admin.sent")) }
                            th scope="col" { (text.get("admin.utilisation")) }
                            th scope="col" { (text.get("admin.edit_distance")) }
                            th scope="col" { (text.get("admin.grade")) }
                            th scope="col" { (text.get("admin.overrides")) }
                        } }
                        tbody {
                            @for c in &ai.clinicians {
                                tr {
                                    th scope="row" { (c.clinician.display_name) }
                                    td { (c.drafts_generated) }
                                    td { (c.drafts_sent) }
                                    td { (c.utilisation.map_or_else(|| "—".to_owned(), |u| format!("{:.0}%", u * 100.0))) }
                                    td { (figure(c.mean_edit_distance)) }
                                    td { (figure(c.mean_reading_grade)) }
                                    td { (c.triage_overrides) }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="users-h" {
                h2 id="users-h" { (text.get("admin.users")) }
                ul {
                    @for u in &users {
                        li { (u.display_name.as_str()) " · " (u.username.as_str()) " · " (u.role.as_str().replace('_', " "))
                            @if u.disabled { " · " strong { (text.get("admin.disabled")) } } }
                    }
                }
            }
        },
    )
}

#[derive(Deserialize)]
struct AiForm {
    csrf_token: String,
    #[serde(default)]
    drafting: Option<String>,
    #[serde(default)]
    disclosure: Option<String>,
}

async fn switch_ai(State(state): State<AppState>, session: WebSession, Form(form): Form<AiForm>) -> Response {
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    let input = AiSettingsIn {
        drafting_enabled: Some(form.drafting.is_some()),
        disclosure_enabled: Some(form.disclosure.is_some()),
    };
    match update_ai(State(state), session.auth.clone(), ApiJson(input)).await {
        Ok(_) => Redirect::to("/admin").into_response(),
        Err(_) => error_page(session.text, StatusCode::FORBIDDEN, session.text.get("error.not_found")),
    }
}
