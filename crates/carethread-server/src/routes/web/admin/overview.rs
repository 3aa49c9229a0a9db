//! The administration overview: the drafting switches and the AI report.

use axum::extract::{Query, State};
use axum::response::Response;
use carethread_app::ai_admin;
use maud::html;
use serde::Deserialize;

use super::{AdminSession, Saved, admin_page, done, figure, table_region};
use crate::AppState;
use crate::ai_views::ai_admin_out;
use crate::error::ApiError;
use crate::routes::web::Checked;
use crate::routes::web::pages::api_error;

/// The columns of the drafting report.
const REPORT_COLUMNS: [&str; 7] = [
    "admin-clinician",
    "admin-drafts",
    "admin-sent",
    "admin-utilisation",
    "admin-edit_distance",
    "admin-grade",
    "admin-overrides",
];

pub(super) async fn overview(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(saved): Query<Saved>,
) -> Response {
    let text = session.text;
    let ai = match ai_admin::ai_overview(&state.app(), &session.auth.caller()).await {
        Ok(overview) => ai_admin_out(&overview),
        Err(e) => return api_error(text, &e.into()),
    };
    let scanning = crate::scanner::scanning_status(state.scanner.as_deref()).await;
    let body = html! {
        section aria-labelledby="ai-h" {
            h2 id="ai-h" { (text.get("admin-ai")) }
            form method="post" action="/admin/ai" class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                div class="row" {
                    input id="drafting" type="checkbox" name="drafting" value="on" checked[ai.drafting_enabled];
                    label for="drafting" { (text.get("admin-drafting")) }
                }
                div class="row" {
                    input id="disclosure" type="checkbox" name="disclosure" value="on" checked[ai.disclosure_enabled];
                    label for="disclosure" { (text.get("admin-disclosure")) }
                }
                button type="submit" class="primary" { (text.get("admin-save")) }
            }
            p { (text.get("admin-drafter")) ": " (ai.drafter.id) " " (ai.drafter.version) }
            p { (text.get("admin-scanning")) ": " (text.get(&format!("admin-scanning-{scanning}"))) }
        }
        section aria-labelledby="report-h" {
            h2 id="report-h" { (text.get("admin-report")) }
            @if carethread_core::policy::may_view_insights(session.auth.user.role, session.auth.user.clinic_lead) {
                p { a href="/insights" { (text.get("insights-more")) } }
            }
            (table_region(text, "report-h", &REPORT_COLUMNS, &html! {
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
            }))
        }
    };
    admin_page(&session, "/admin", &saved, &body)
}

#[derive(Deserialize)]
pub(super) struct AiForm {
    #[serde(default)]
    drafting: Option<String>,
    #[serde(default)]
    disclosure: Option<String>,
}

pub(super) async fn switch_ai(
    State(state): State<AppState>,
    Checked(AdminSession(session), form): Checked<AiForm, AdminSession>,
) -> Response {
    let (drafting, disclosure) = (Some(form.drafting.is_some()), Some(form.disclosure.is_some()));
    let result = ai_admin::update_ai(&state.app(), &session.auth.caller(), drafting, disclosure)
        .await
        .map(|_| ())
        .map_err(ApiError::from);
    done("/admin", result, session.text)
}
