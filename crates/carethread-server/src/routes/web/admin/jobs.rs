//! Background jobs that failed: the notices and pages the outbox set aside
//! after too many failed runs (or one that cannot succeed), with their
//! kind, runs, last error and when, and a button to run one again. Never a
//! job's payload: only what an administrator needs to act.

use axum::extract::{Path, State};
use axum::response::Response;
use carethread_app::outbox_admin;
use carethread_store::{JobId, JobState};
use maud::html;

use super::{AdminSession, Shown, admin_page, done, table_region};
use crate::AppState;
use crate::error::ApiError;
use crate::routes::web::WebSession;
use crate::routes::web::pages::api_error;
use crate::routes::web::{Checked, CsrfForm};

/// The page's list of dead jobs.
pub(super) async fn jobs_view(state: &AppState, session: &WebSession, shown: Shown<'_, ()>) -> Response {
    let text = session.text;
    let jobs = match outbox_admin::jobs_in_state(&state.app(), &session.auth.caller(), JobState::Dead).await {
        Ok(jobs) => jobs,
        Err(e) => return api_error(text, &e.into()),
    };
    // A kind the page has no words for is shown as the outbox names it.
    let kind = |k: &str| match text.get(&format!("admin-jobs-kind-{k}")) {
        "" => k.to_owned(),
        words => words.to_owned(),
    };
    let heads = ["admin-jobs-kind", "admin-jobs-attempts", "admin-jobs-error", "admin-jobs-when", "admin-jobs-action"];
    let rows = html! {
        @for job in &jobs {
            tr {
                td { (kind(&job.kind)) }
                td { (job.attempts) }
                td { (job.last_error.as_deref().unwrap_or("—")) }
                td { (session.when(job.finished_at.unwrap_or(job.run_at))) }
                td {
                    form method="post" action={ "/admin/jobs/" (job.id) "/retry" } class="inline" {
                        input type="hidden" name="csrf_token" value=(session.csrf);
                        button type="submit" aria-label=(text.fill("admin-jobs-retry_one", &[("kind", &kind(&job.kind))])) {
                            (text.get("admin-jobs-retry"))
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        p class="hint" { (text.get("admin-jobs-intro")) }
        h2 id="dead-jobs" { (text.get("admin-jobs-dead")) }
        @if jobs.is_empty() {
            p role="status" { (text.get("admin-jobs-none")) }
        } @else {
            (table_region(text, "dead-jobs", &heads, &rows))
        }
    };
    admin_page(session, "/admin/jobs", shown.saved, &body)
}

/// Runs a dead job again, as the API's retry does (audited).
pub(super) async fn retry_job(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(AdminSession(session), _): Checked<CsrfForm, AdminSession>,
) -> Response {
    let result = match id.parse::<JobId>() {
        Ok(id) => outbox_admin::retry_dead_job(&state.app(), &session.auth.caller(), id).await.map_err(ApiError::from),
        Err(_) => Err(ApiError::NotFound),
    };
    done("/admin/jobs", result, session.text)
}
