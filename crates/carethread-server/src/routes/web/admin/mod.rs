//! The administrator's pages: users and roles, care teams, pools and their
//! members, routing rules, proxy access, clinic settings, and the drafting
//! switches with the AI report. Each form goes through the same handler as
//! the JSON API, so the checks and the audit are the API's. Administrators
//! never see message content here.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carethread_core::policy;
use carethread_core::role::Role;
use maud::{Markup, html};
use serde::Deserialize;

use super::form_error::FormError;
use super::pages::api_error;
use super::{Text, WebSession, page};
use crate::AppState;
use crate::admin_views::AdminUserOut;
use crate::error::ApiError;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(overview))
        .route("/admin/ai", post(switch_ai))
        .route("/admin/users", section!(users_view, &NewUserForm::default()).post(add_user))
        .route("/admin/users/{id}", post(change_user))
        .route("/admin/care-teams", section!(care_teams_view, &MembershipForm::default()).post(change_care_team))
        .route("/admin/pools", section!(pools_view, &MembershipForm::default()).post(change_pools))
        .route("/admin/routing", section!(routing_view, None).post(change_routing))
        .route("/admin/grants", section!(grants_view, &GrantForm::default()).post(change_grants))
        .route("/admin/clinic", section!(clinic_view, &[]).post(change_clinic))
        .route("/admin/jobs", section!(jobs_view, ()))
        .route("/admin/jobs/{id}/retry", post(retry_job))
        .route("/admin/legal-holds", section!(holds_view, &HoldForm::default()).post(change_holds))
        .route("/admin/systems", section!(systems_view, &SystemForm::default()).post(change_systems))
        .route("/admin/apps", section!(apps_view, &AppForm::default()).post(change_apps))
}

/// A section's page as first opened: its form empty (`$blank`), nothing
/// refused, and the "saved" notice after a change.
macro_rules! section {
    ($view:path, $blank:expr) => {
        get(|State(state): State<AppState>, AdminSession(session): AdminSession, Query(saved): Query<Saved>| async move {
            $view(&state, &session, Shown { saved: &saved, typed: $blank, error: None }).await
        })
    };
}
use section;

/// The administration sections, in the order of the menu.
const SECTIONS: [(&str, &str); 11] = [
    ("/admin", "admin-title-ai"),
    ("/admin/users", "admin-users"),
    ("/admin/care-teams", "admin-care_teams"),
    ("/admin/pools", "admin-pools"),
    ("/admin/routing", "admin-routing"),
    ("/admin/grants", "admin-grants"),
    ("/admin/clinic", "admin-clinic"),
    ("/admin/jobs", "admin-jobs"),
    ("/admin/legal-holds", "admin-holds"),
    ("/admin/systems", "admin-systems"),
    ("/admin/apps", "admin-apps"),
];

#[derive(Deserialize, Default)]
struct Saved {
    saved: Option<String>,
}

/// No change saved: a refused form comes back without the "saved" notice.
static NOT_SAVED: Saved = Saved { saved: None };

/// A section as shown: the "saved" notice after a change, what was typed
/// (blank when first opened), and why the form was refused.
struct Shown<'a, T> {
    saved: &'a Saved,
    typed: T,
    error: Option<&'a FormError>,
}

impl<'a, T> Shown<'a, T> {
    /// The form again after a refusal: as typed, with the refusal.
    fn refused(typed: T, error: &'a FormError) -> Self {
        Self { saved: &NOT_SAVED, typed, error: Some(error) }
    }
}

/// An administration page: the section menu, a "saved" notice after a change, and the section.
fn admin_page(session: &WebSession, current: &str, saved: &Saved, body: &Markup) -> Response {
    let text = session.text;
    let title = SECTIONS.iter().find(|(path, _)| *path == current).map_or("", |(_, key)| text.get(key));
    page(
        text,
        title,
        Some(session),
        html! {
            nav aria-label=(text.get("admin-title")) class="tabs" {
                @for (path, key) in SECTIONS {
                    a href=(path) aria-current=[(path == current).then_some("page")] { (text.get(key)) } " "
                }
            }
            @if saved.saved.is_some() { p class="notice" role="status" { (text.get("admin-saved")) } }
            (body)
        },
    )
}

/// Only administrators reach these pages; anyone else goes home.
/// A signed-in administrator's browser session. Anyone else who opens or
/// posts an administrator's page is sent to their own start page, and
/// nothing is read or changed.
struct AdminSession(WebSession);

impl axum::extract::FromRequestParts<AppState> for AdminSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = WebSession::from_request_parts(parts, state).await?;
        if policy::may_administer(session.auth.user.role) {
            Ok(Self(session))
        } else {
            Err(Redirect::to("/").into_response())
        }
    }
}

impl super::PortalSession for AdminSession {
    fn web_session(&self) -> &WebSession {
        &self.0
    }
}

fn done(path: &str, result: Result<(), ApiError>, text: Text) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("{path}?saved=1")).into_response(),
        Err(e) => api_error(text, &e),
    }
}

/// What a section lists, with every account; the error page when either cannot be read.
async fn with_accounts<T>(
    state: &AppState,
    session: &WebSession,
    listed: impl Future<Output = Result<T, carethread_app::AppError>>,
) -> Result<(T, Vec<AdminUserOut>), Response> {
    let text = session.text;
    let listed = listed.await.map_err(|e| api_error(text, &e.into()))?;
    let users = accounts(state, session).await.map_err(|e| api_error(text, &e))?;
    Ok((listed, users))
}

/// A scrolling table region named by the heading `labelled_by`: the column
/// headings (each the words for one key), then the rows.
fn table_region(text: Text, labelled_by: &str, heads: &[&str], rows: &Markup) -> Markup {
    html! {
        div class="scroll" tabindex="0" role="region" aria-labelledby=(labelled_by) {
            table {
                (column_heads(text, heads))
                tbody { (rows) }
            }
        }
    }
}

/// A table's column headings, each the words for one key.
pub(in crate::routes::web) fn column_heads(text: Text, keys: &[&str]) -> Markup {
    html! {
        thead { tr {
            @for key in keys { th scope="col" { (text.get(key)) } }
        } }
    }
}

/// After a form was posted: accepted, back to `path` with the "saved"
/// notice; refused, the form again (`again`) with the API's status and words
/// at the input `input_of` names for the request field at fault.
async fn saved_or_again<I: AsRef<str>, F: Future<Output = Response>>(
    path: &str,
    text: Text,
    result: Result<(), ApiError>,
    input_of: impl FnOnce(&str) -> I,
    again: impl FnOnce(FormError) -> F,
) -> Response {
    match result {
        Ok(()) => done(path, Ok(()), text),
        Err(e) => {
            let input = input_of(FormError::invalid_field(&e));
            again(FormError::refused(text, &e, input.as_ref())).await
        }
    }
}

/// Every account, as the admin pages show them.
async fn accounts(state: &AppState, session: &WebSession) -> Result<Vec<AdminUserOut>, ApiError> {
    let caller = session.auth.caller();
    let users = carethread_app::users::list_users(&state.app(), carethread_app::Operator::Person(&caller)).await?;
    Ok(users.iter().map(crate::admin_views::admin_user).collect())
}

fn role_label(text: Text, role: &str) -> &'static str {
    text.get(&format!("role-{role}"))
}

fn figure(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
}

/// Enabled accounts whose role passes one of the core's role rules.
fn enabled_with_role(users: &[AdminUserOut], rule: fn(Role) -> bool) -> Vec<&AdminUserOut> {
    users.iter().filter(|u| !u.disabled && u.user.role.parse().is_ok_and(rule)).collect()
}

#[derive(Deserialize, Default)]
struct MembershipForm {
    action: String,
    #[serde(default)]
    patient: String,
    #[serde(default)]
    staff: String,
    #[serde(default)]
    pool: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
}

mod apps;
mod care_teams;
mod clinic_profile;
mod grants;
mod jobs;
mod legal_holds;
mod overview;
mod pools;
mod routing;
mod systems;
mod users;

use apps::{AppForm, apps_view, change_apps};
use care_teams::{care_teams_view, change_care_team};
use clinic_profile::{change_clinic, clinic_view};
use grants::{GrantForm, change_grants, grants_view};
use jobs::{jobs_view, retry_job};
use legal_holds::{HoldForm, change_holds, holds_view};
use overview::{overview, switch_ai};
use pools::{change_pools, pools_view};
use routing::{change_routing, routing_view};
use systems::{SystemForm, change_systems, systems_view};
use users::{NewUserForm, add_user, change_user, users_view};

#[cfg(test)]
mod tests {
    use super::clinic_profile::WEEKDAYS;
    use super::routing::RULES;
    use super::*;

    #[test]
    fn every_section_and_role_has_words_in_both_languages() {
        for lang in [carethread_core::user::Language::En, carethread_core::user::Language::Es] {
            let text = Text(lang);
            let keys = SECTIONS.iter().map(|(_, k)| *k).chain(WEEKDAYS.iter().map(|(_, k)| *k));
            for key in keys {
                assert!(!text.get(key).is_empty(), "{key}");
            }
            for r in Role::ALL {
                assert!(!role_label(text, r.as_str()).is_empty(), "{r:?}");
            }
            for rule in RULES {
                assert!(!text.get(&format!("admin-routing-{rule}")).is_empty(), "{rule}");
            }
        }
    }
}
