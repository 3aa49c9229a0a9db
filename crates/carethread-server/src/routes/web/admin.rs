//! The administrator's pages: users and roles, care teams, pools and their
//! members, routing rules, proxy access, clinic settings, and the drafting
//! switches with the AI report. Each form goes through the same handler as
//! the JSON API, so the checks and the audit are the API's. Administrators
//! never see message content here.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use carethread_core::policy;
use carethread_core::role::Role;
use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

use super::pages::api_error;
use super::{Text, WebSession, page};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::admin::{
    AdminUserOut, NewPoolIn, NewUserIn, UserPatchIn, add_pool_member, add_to_care_team, care_teams, create_pool,
    create_user, list_users, pools_with_members, remove_from_care_team, remove_pool_member, update_user,
};
use crate::routes::ai_settings::{AiSettingsIn, ai_admin, update_ai};
use crate::routes::clinic::{ClinicIn, clinic, update_clinic};
use crate::routes::privacy::{GrantParams, NewGrantIn, create_grant, list_grants, revoke_grant};
use crate::routes::triage::{RoutingIn, TriageSettingsIn, triage_settings, update_triage_settings};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(overview))
        .route("/admin/ai", post(switch_ai))
        .route("/admin/users", get(users_page).post(add_user))
        .route("/admin/users/{id}", post(change_user))
        .route("/admin/care-teams", get(care_teams_page).post(change_care_team))
        .route("/admin/pools", get(pools_page).post(change_pools))
        .route("/admin/routing", get(routing_page).post(change_routing))
        .route("/admin/grants", get(grants_page).post(change_grants))
        .route("/admin/clinic", get(clinic_page).post(change_clinic))
}

/// The administration sections, in the order of the menu.
const SECTIONS: [(&str, &str); 7] = [
    ("/admin", "admin-title-ai"),
    ("/admin/users", "admin-users"),
    ("/admin/care-teams", "admin-care_teams"),
    ("/admin/pools", "admin-pools"),
    ("/admin/routing", "admin-routing"),
    ("/admin/grants", "admin-grants"),
    ("/admin/clinic", "admin-clinic"),
];

#[derive(Deserialize, Default)]
struct Saved {
    saved: Option<String>,
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
fn refuse_non_admin(session: &WebSession) -> Option<Response> {
    (!policy::may_administer(session.auth.user.role)).then(|| Redirect::to("/").into_response())
}

fn done(path: &str, result: Result<(), ApiError>, text: Text) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("{path}?saved=1")).into_response(),
        Err(e) => api_error(text, &e),
    }
}

fn role_label(text: Text, role: &str) -> &'static str {
    text.get(&format!("role-{role}"))
}

fn figure(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
}

macro_rules! guard {
    ($session:expr, $form:expr) => {
        if let Some(refused) = refuse_non_admin(&$session) {
            return refused;
        }
        if let Some(refused) = $session.refuse(&$form.csrf_token) {
            return refused;
        }
    };
}

// --- drafting and the AI report ------------------------------------------------

async fn overview(State(state): State<AppState>, session: WebSession, Query(saved): Query<Saved>) -> Response {
    if let Some(refused) = refuse_non_admin(&session) {
        return refused;
    }
    let text = session.text;
    let ai = match ai_admin(State(state.clone()), session.auth.clone()).await {
        Ok(Json(ai)) => ai,
        Err(e) => return api_error(text, &e),
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
            div class="scroll" tabindex="0" role="region" aria-labelledby="report-h" {
                table {
                    thead { tr {
                        th scope="col" { (text.get("admin-clinician")) }
                        th scope="col" { (text.get("admin-drafts")) }
                        th scope="col" { (text.get("admin-sent")) }
                        th scope="col" { (text.get("admin-utilisation")) }
                        th scope="col" { (text.get("admin-edit_distance")) }
                        th scope="col" { (text.get("admin-grade")) }
                        th scope="col" { (text.get("admin-overrides")) }
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
    };
    admin_page(&session, "/admin", &saved, &body)
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
    guard!(session, form);
    let input = AiSettingsIn {
        drafting_enabled: Some(form.drafting.is_some()),
        disclosure_enabled: Some(form.disclosure.is_some()),
    };
    let result = update_ai(State(state), session.auth.clone(), ApiJson(input)).await.map(|_| ());
    done("/admin", result, session.text)
}

// --- users and roles -------------------------------------------------------------

/// A patient's record number, set or removed from the user list.
fn mrn_form(session: &WebSession, u: &crate::routes::admin::AdminUserOut) -> Markup {
    let text = session.text;
    let id = &u.user.id;
    html! {
        form method="post" action={ "/admin/users/" (id) } class="inline" {
            input type="hidden" name="csrf_token" value=(session.csrf);
            label for={ "mrn-" (id) } { (text.fill("admin-mrn_of", &[("name", &u.user.display_name)])) }
            input id={ "mrn-" (id) } name="mrn" type="text" maxlength="20" autocomplete="off"
                value=(u.mrn.as_deref().unwrap_or(""));
            button type="submit" { (text.get("admin-save_mrn")) }
        }
    }
}

async fn users_page(State(state): State<AppState>, session: WebSession, Query(saved): Query<Saved>) -> Response {
    if let Some(refused) = refuse_non_admin(&session) {
        return refused;
    }
    let text = session.text;
    let users = match list_users(State(state), session.auth.clone()).await {
        Ok(Json(list)) => list.users,
        Err(e) => return api_error(text, &e),
    };
    let body = html! {
        section aria-labelledby="users-h" {
            h2 id="users-h" { (text.get("admin-users")) }
            div class="scroll" tabindex="0" role="region" aria-labelledby="users-h" {
                table {
                    thead { tr {
                        th scope="col" { (text.get("admin-name")) }
                        th scope="col" { (text.get("admin-username")) }
                        th scope="col" { (text.get("admin-role")) }
                        th scope="col" { (text.get("admin-account")) }
                    } }
                    tbody {
                        @for u in &users {
                            @let id = &u.user.id;
                            @let staffish = !matches!(u.user.role.as_str(), "patient" | "proxy");
                            tr {
                                th scope="row" { (u.user.display_name) }
                                td { (u.user.username) }
                                td {
                                    @if staffish && *id != session.auth.user.id.to_string() {
                                        form method="post" action={ "/admin/users/" (id) } class="inline" {
                                            input type="hidden" name="csrf_token" value=(session.csrf);
                                            label class="visually-hidden" for={ "role-" (id) } {
                                                (text.fill("admin-role_of", &[("name", &u.user.display_name)]))
                                            }
                                            select id={ "role-" (id) } name="role" {
                                                @for r in Role::ALL.iter().filter(|r| !matches!(r, Role::Patient | Role::Proxy)) {
                                                    option value=(r.as_str()) selected[r.as_str() == u.user.role] { (role_label(text, r.as_str())) }
                                                }
                                            }
                                            button type="submit" { (text.fill("admin-change_role", &[("name", &u.user.display_name)])) }
                                        }
                                    } @else {
                                        (role_label(text, &u.user.role))
                                    }
                                    @if u.user.role == "patient" { (mrn_form(&session, u)) }
                                }
                                td {
                                    @if u.disabled { strong { (text.get("admin-disabled")) } " " }
                                    @if *id != session.auth.user.id.to_string() {
                                        form method="post" action={ "/admin/users/" (id) } class="inline" {
                                            input type="hidden" name="csrf_token" value=(session.csrf);
                                            @if u.disabled {
                                                button type="submit" name="disabled" value="false" { (text.fill("admin-enable", &[("name", &u.user.display_name)])) }
                                            } @else {
                                                button type="submit" name="disabled" value="true" { (text.fill("admin-disable", &[("name", &u.user.display_name)])) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="add-user-h" {
            h2 id="add-user-h" { (text.get("admin-add_user")) }
            form method="post" action="/admin/users" class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                label for="new-name" { (text.get("admin-name")) }
                input id="new-name" name="display_name" type="text" required maxlength="120";
                label for="new-username" { (text.get("admin-username")) }
                input id="new-username" name="username" type="text" required maxlength="64" autocomplete="off";
                label for="new-role" { (text.get("admin-role")) }
                select id="new-role" name="role" {
                    @for r in Role::ALL { option value=(r.as_str()) { (role_label(text, r.as_str())) } }
                }
                label for="new-dob" { (text.get("admin-date_of_birth")) }
                input id="new-dob" name="date_of_birth" type="date";
                label for="new-mrn" { (text.get("admin-mrn")) }
                input id="new-mrn" name="mrn" type="text" maxlength="20" pattern="[A-Za-z0-9][A-Za-z0-9-]*" autocomplete="off";
                label for="new-language" { (text.get("app-language")) }
                select id="new-language" name="language" {
                    option value="en" { "English" }
                    option value="es" { "Español" }
                }
                label for="new-password" { (text.get("admin-password")) }
                input id="new-password" name="password" type="password" required minlength="12" autocomplete="new-password";
                button type="submit" class="primary" { (text.get("admin-add_user")) }
            }
        }
    };
    admin_page(&session, "/admin/users", &saved, &body)
}

#[derive(Deserialize)]
struct NewUserForm {
    csrf_token: String,
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    date_of_birth: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    mrn: String,
    password: String,
}

async fn add_user(State(state): State<AppState>, session: WebSession, Form(form): Form<NewUserForm>) -> Response {
    guard!(session, form);
    let text = session.text;
    let date_of_birth = match form.date_of_birth.trim() {
        "" => None,
        raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => return api_error(text, &ApiError::invalid("date_of_birth", "must be a date")),
        },
    };
    let input = NewUserIn {
        username: form.username,
        display_name: form.display_name,
        role: form.role,
        date_of_birth,
        language: Some(form.language).filter(|l| !l.is_empty()),
        mrn: Some(form.mrn).filter(|m| !m.trim().is_empty()),
        password: SecretString::from(form.password),
    };
    let result = create_user(State(state), session.auth.clone(), ApiJson(input)).await.map(|_| ());
    done("/admin/users", result, text)
}

#[derive(Deserialize)]
struct UserChangeForm {
    csrf_token: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    disabled: Option<String>,
    /// A patient's record number; empty removes it.
    #[serde(default)]
    mrn: Option<String>,
}

async fn change_user(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    Form(form): Form<UserChangeForm>,
) -> Response {
    guard!(session, form);
    let input = UserPatchIn {
        disabled: form.disabled.as_deref().map(|d| d == "true"),
        role: form.role,
        display_name: None,
        language: None,
        mrn: form.mrn,
    };
    let result = update_user(State(state), session.auth.clone(), Path(id), ApiJson(input)).await.map(|_| ());
    done("/admin/users", result, session.text)
}

/// Enabled accounts whose role passes one of the core's role rules.
fn enabled_with_role(users: &[AdminUserOut], rule: fn(Role) -> bool) -> Vec<&AdminUserOut> {
    users.iter().filter(|u| !u.disabled && u.user.role.parse().is_ok_and(rule)).collect()
}

// --- care teams ------------------------------------------------------------------

async fn care_teams_page(State(state): State<AppState>, session: WebSession, Query(saved): Query<Saved>) -> Response {
    if let Some(refused) = refuse_non_admin(&session) {
        return refused;
    }
    let text = session.text;
    let (teams, users) = match (
        care_teams(State(state.clone()), session.auth.clone()).await,
        list_users(State(state), session.auth.clone()).await,
    ) {
        (Ok(Json(t)), Ok(Json(u))) => (t.care_teams, u.users),
        (Err(e), _) | (_, Err(e)) => return api_error(text, &e),
    };
    let clinicians = enabled_with_role(&users, Role::is_clinician);
    let body = html! {
        p { (text.get("admin-care_teams-intro")) }
        section aria-labelledby="add-ct-h" {
            h2 id="add-ct-h" { (text.get("admin-care_teams-add")) }
            form method="post" action="/admin/care-teams" class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="add";
                label for="ct-patient" { (text.get("inbasket-patient")) }
                select id="ct-patient" name="patient" {
                    @for t in &teams { option value=(t.patient.id) { (t.patient.display_name) } }
                }
                label for="ct-clinician" { (text.get("admin-clinician")) }
                select id="ct-clinician" name="staff" {
                    @for c in &clinicians { option value=(c.user.id) { (c.user.display_name) " (" (role_label(text, &c.user.role)) ")" } }
                }
                button type="submit" class="primary" { (text.get("admin-care_teams-add")) }
            }
        }
        section aria-labelledby="ct-h" {
            h2 id="ct-h" { (text.get("admin-care_teams")) }
            ul class="plain" {
                @for t in &teams {
                    li {
                        strong { (t.patient.display_name) } ": "
                        @if t.clinicians.is_empty() { (text.get("admin-care_teams-none")) }
                        @for c in &t.clinicians {
                            span class="chip" {
                                (c.display_name) " "
                                form method="post" action="/admin/care-teams" class="inline" {
                                    input type="hidden" name="csrf_token" value=(session.csrf);
                                    input type="hidden" name="action" value="remove";
                                    input type="hidden" name="patient" value=(t.patient.id);
                                    input type="hidden" name="staff" value=(c.id);
                                    button type="submit" class="small" {
                                        (text.fill("admin-care_teams-remove", &[("name", &c.display_name), ("patient", &t.patient.display_name)]))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    admin_page(&session, "/admin/care-teams", &saved, &body)
}

#[derive(Deserialize)]
struct MembershipForm {
    csrf_token: String,
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

async fn change_care_team(
    State(state): State<AppState>,
    session: WebSession,
    Form(form): Form<MembershipForm>,
) -> Response {
    guard!(session, form);
    let path = Path((form.patient, form.staff));
    let result = match form.action.as_str() {
        "add" => add_to_care_team(State(state), session.auth.clone(), path).await.map(|_| ()),
        _ => remove_from_care_team(State(state), session.auth.clone(), path).await.map(|_| ()),
    };
    done("/admin/care-teams", result, session.text)
}

// --- pools -----------------------------------------------------------------------

async fn pools_page(State(state): State<AppState>, session: WebSession, Query(saved): Query<Saved>) -> Response {
    if let Some(refused) = refuse_non_admin(&session) {
        return refused;
    }
    let text = session.text;
    let (pools, users) = match (
        pools_with_members(State(state.clone()), session.auth.clone()).await,
        list_users(State(state), session.auth.clone()).await,
    ) {
        (Ok(Json(p)), Ok(Json(u))) => (p.pools, u.users),
        (Err(e), _) | (_, Err(e)) => return api_error(text, &e),
    };
    let staff = enabled_with_role(&users, Role::is_staff);
    let body = html! {
        @for p in &pools {
            section aria-labelledby={ "pool-" (p.pool.slug) } {
                h2 id={ "pool-" (p.pool.slug) } { (p.pool.name) }
                @let roles: Vec<Role> = p.members.iter().filter_map(|m| m.role.parse().ok()).collect();
                p class="hint" {
                    (text.get(if carethread_triage::is_clinical_pool(&roles) { "admin-pools-clinical" } else { "admin-pools-not_clinical" }))
                }
                ul class="plain" {
                    @if p.members.is_empty() { li { (text.get("admin-pools-none")) } }
                    @for m in &p.members {
                        li {
                            (m.display_name) " · " (role_label(text, &m.role)) " "
                            form method="post" action="/admin/pools" class="inline" {
                                input type="hidden" name="csrf_token" value=(session.csrf);
                                input type="hidden" name="action" value="remove";
                                input type="hidden" name="pool" value=(p.pool.id);
                                input type="hidden" name="staff" value=(m.id);
                                button type="submit" class="small" {
                                    (text.fill("admin-pools-remove", &[("name", &m.display_name), ("pool", &p.pool.name)]))
                                }
                            }
                        }
                    }
                }
                form method="post" action="/admin/pools" class="inline" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    input type="hidden" name="action" value="add";
                    input type="hidden" name="pool" value=(p.pool.id);
                    label for={ "add-" (p.pool.slug) } { (text.fill("admin-pools-add_to", &[("pool", &p.pool.name)])) }
                    select id={ "add-" (p.pool.slug) } name="staff" {
                        @for s in staff.iter().filter(|s| !p.members.iter().any(|m| m.id == s.user.id)) {
                            option value=(s.user.id) { (s.user.display_name) }
                        }
                    }
                    button type="submit" { (text.get("admin-pools-add")) }
                }
            }
        }
        section aria-labelledby="new-pool-h" {
            h2 id="new-pool-h" { (text.get("admin-pools-new")) }
            form method="post" action="/admin/pools" class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="create";
                label for="pool-name" { (text.get("admin-name")) }
                input id="pool-name" name="name" type="text" required maxlength="80";
                label for="pool-slug" { (text.get("admin-pools-slug")) }
                input id="pool-slug" name="slug" type="text" required maxlength="40" pattern="[a-z0-9-]+";
                button type="submit" class="primary" { (text.get("admin-pools-new")) }
            }
        }
    };
    admin_page(&session, "/admin/pools", &saved, &body)
}

async fn change_pools(
    State(state): State<AppState>,
    session: WebSession,
    Form(form): Form<MembershipForm>,
) -> Response {
    guard!(session, form);
    let auth = session.auth.clone();
    let result = match form.action.as_str() {
        "create" => {
            let input = NewPoolIn { slug: form.slug, name: form.name };
            create_pool(State(state), auth, ApiJson(input)).await.map(|_| ())
        }
        "add" => add_pool_member(State(state), auth, Path((form.pool, form.staff))).await.map(|_| ()),
        _ => remove_pool_member(State(state), auth, Path((form.pool, form.staff))).await.map(|_| ()),
    };
    done("/admin/pools", result, session.text)
}

// --- routing rules -----------------------------------------------------------------

const RULES: [&str; 7] = ["emergency", "medication", "scheduling", "results", "clinical", "administrative", "other"];

async fn routing_page(State(state): State<AppState>, session: WebSession, Query(saved): Query<Saved>) -> Response {
    if let Some(refused) = refuse_non_admin(&session) {
        return refused;
    }
    let text = session.text;
    let settings = match triage_settings(State(state.clone()), session.auth.clone()).await {
        Ok(Json(s)) => s,
        Err(e) => return api_error(text, &e),
    };
    let pools = match state.store.pools().await {
        Ok(p) => p,
        Err(e) => return api_error(text, &e.into()),
    };
    let r = &settings.routing;
    let current = [&r.emergency, &r.medication, &r.scheduling, &r.results, &r.clinical, &r.administrative, &r.other];
    let body = html! {
        p { (text.get("admin-routing-intro")) }
        form method="post" action="/admin/routing" class="stack" {
            input type="hidden" name="csrf_token" value=(session.csrf);
            @for (rule, slug) in RULES.iter().zip(current) {
                label for={ "rule-" (rule) } { (text.get(&format!("admin-routing-{rule}"))) }
                select id={ "rule-" (rule) } name=(rule) {
                    @for p in &pools { option value=(p.slug) selected[&p.slug == slug] { (p.name) } }
                }
            }
            div class="row" {
                input id="classifier" type="checkbox" name="classifier" value="on" checked[settings.classifier_enabled];
                label for="classifier" { (text.get("admin-routing-classifier")) }
            }
            button type="submit" class="primary" { (text.get("admin-save")) }
        }
        p class="hint" {
            (text.fill("admin-routing-stats", &[
                ("automatic", &settings.stats.automatic.to_string()),
                ("review", &settings.stats.needs_review.to_string()),
                ("overrides", &settings.stats.overrides.to_string()),
            ]))
            " · " (settings.model.id) " " (settings.model.version) " · " (text.get("admin-routing-lexicon")) " " (settings.lexicon_version)
        }
    };
    admin_page(&session, "/admin/routing", &saved, &body)
}

#[derive(Deserialize)]
struct RoutingForm {
    csrf_token: String,
    emergency: Option<String>,
    medication: Option<String>,
    scheduling: Option<String>,
    results: Option<String>,
    clinical: Option<String>,
    administrative: Option<String>,
    other: Option<String>,
    #[serde(default)]
    classifier: Option<String>,
}

async fn change_routing(State(state): State<AppState>, session: WebSession, Form(form): Form<RoutingForm>) -> Response {
    guard!(session, form);
    let input = TriageSettingsIn {
        classifier_enabled: Some(form.classifier.is_some()),
        routing: Some(RoutingIn {
            emergency: form.emergency,
            medication: form.medication,
            scheduling: form.scheduling,
            results: form.results,
            clinical: form.clinical,
            administrative: form.administrative,
            other: form.other,
        }),
    };
    let result = update_triage_settings(State(state), session.auth.clone(), ApiJson(input)).await.map(|_| ());
    done("/admin/routing", result, session.text)
}

// --- proxy access ----------------------------------------------------------------

const SCOPES: [&str; 3] = ["full", "messages_only", "read_only"];

async fn grants_page(State(state): State<AppState>, session: WebSession, Query(saved): Query<Saved>) -> Response {
    if let Some(refused) = refuse_non_admin(&session) {
        return refused;
    }
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
struct GrantForm {
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

async fn change_grants(State(state): State<AppState>, session: WebSession, Form(form): Form<GrantForm>) -> Response {
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
pub(super) fn end_of_day(raw: &str) -> Result<Option<chrono::DateTime<Utc>>, ApiError> {
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

// --- clinic settings ------------------------------------------------------------

const WEEKDAYS: [(u8, &str); 7] =
    [(1, "day-mon"), (2, "day-tue"), (3, "day-wed"), (4, "day-thu"), (5, "day-fri"), (6, "day-sat"), (7, "day-sun")];

async fn clinic_page(State(state): State<AppState>, session: WebSession, Query(saved): Query<Saved>) -> Response {
    if let Some(refused) = refuse_non_admin(&session) {
        return refused;
    }
    let text = session.text;
    let c = match clinic(State(state.clone()), session.auth.clone()).await {
        Ok(Json(c)) => c,
        Err(e) => return api_error(text, &e),
    };
    // Who may be on call: active clinicians, and any pool.
    let (users, pools) = match (state.store.list_users().await, state.store.pools().await) {
        (Ok(u), Ok(p)) => (u, p),
        (Err(e), _) | (_, Err(e)) => return api_error(text, &e.into()),
    };
    let mut on_call_choices: Vec<(String, String)> = users
        .into_iter()
        .filter(|u| u.role.is_clinician() && !u.disabled)
        .map(|u| {
            (format!("user:{}", u.id), format!("{} ({})", u.display_name.as_str(), role_label(text, u.role.as_str())))
        })
        .collect();
    on_call_choices.extend(pools.into_iter().map(|p| (format!("pool:{}", p.slug), p.name)));
    let number = |id: &str, name: &str, key: &str, value: String, min: u32, max: u32| {
        html! {
            label for=(id) { (text.get(key)) }
            input id=(id) name=(name) type="number" inputmode="numeric" required min=(min) max=(max) value=(value);
        }
    };
    let body = html! {
        p { (text.fill(if c.open_now { "admin-clinic-open_now" } else { "admin-clinic-closed_now" }, &[("name", &c.name)])) }
        form method="post" action="/admin/clinic" class="stack" {
            input type="hidden" name="csrf_token" value=(session.csrf);
            fieldset {
                legend { (text.get("admin-clinic-hours")) }
                label for="timezone" { (text.get("admin-clinic-timezone")) }
                input id="timezone" name="timezone" type="text" required value=(c.timezone);
                fieldset {
                    legend { (text.get("admin-clinic-days")) }
                    @for (n, key) in WEEKDAYS {
                        div class="row" {
                            input type="checkbox" id={ "day-" (n) } name="day" value=(n) checked[c.open_days.contains(&n)];
                            label for={ "day-" (n) } { (text.get(key)) }
                        }
                    }
                }
                label for="opens_at" { (text.get("admin-clinic-opens")) }
                input id="opens_at" name="opens_at" type="time" required value=(c.opens_at);
                label for="closes_at" { (text.get("admin-clinic-closes")) }
                input id="closes_at" name="closes_at" type="time" required value=(c.closes_at);
            }
            fieldset {
                legend { (text.get("admin-clinic-targets")) }
                (number("routine", "routine_reply_days", "admin-clinic-routine", c.routine_reply_days.to_string(), 1, 30))
                (number("urgent", "urgent_reply_hours", "admin-clinic-urgent", c.urgent_reply_hours.to_string(), 1, 72))
                (number("emergency", "emergency_reply_minutes", "admin-clinic-emergency", c.emergency_reply_minutes.to_string(), 5, 1440))
            }
            fieldset {
                legend { (text.get("admin-clinic-after_hours")) }
                label for="after-hours-phone" { (text.get("admin-clinic-after_hours_phone")) }
                input id="after-hours-phone" name="after_hours_phone" type="tel" maxlength="30"
                    value=(c.after_hours_phone.as_deref().unwrap_or(""));
                label for="on-call" { (text.get("admin-clinic-on_call")) }
                select id="on-call" name="on_call" {
                    option value="" { (text.get("admin-clinic-on_call_none")) }
                    @for (value, name) in &on_call_choices {
                        option value=(value) selected[c.on_call.as_deref() == Some(value.as_str())] { (name) }
                    }
                }
            }
            (number("max-chars", "message_max_chars", "admin-clinic-max_chars", c.message_max_chars.to_string(), 200, 20_000))
            label for="disclosure-en" { (text.get("admin-clinic-disclosure_en")) }
            input id="disclosure-en" name="disclosure_en" type="text" required maxlength="300" value=(c.disclosure_en);
            label for="disclosure-es" { (text.get("admin-clinic-disclosure_es")) }
            input id="disclosure-es" name="disclosure_es" type="text" required maxlength="300" value=(c.disclosure_es);
            button type="submit" class="primary" { (text.get("admin-save")) }
        }
    };
    admin_page(&session, "/admin/clinic", &saved, &body)
}

/// The clinic form as posted: days repeat, so it is read as pairs.
async fn change_clinic(
    State(state): State<AppState>,
    session: WebSession,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let text = session.text;
    let value = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned());
    if let Some(refused) = refuse_non_admin(&session) {
        return refused;
    }
    if let Some(refused) = session.refuse(&value("csrf_token").unwrap_or_default()) {
        return refused;
    }
    let number = |name: &'static str| -> Result<Option<u32>, ApiError> {
        value(name).map(|v| v.parse::<u32>().map_err(|_| ApiError::invalid(name, "must be a whole number"))).transpose()
    };
    let parsed = (|| -> Result<ClinicIn, ApiError> {
        let days = pairs
            .iter()
            .filter(|(k, _)| k == "day")
            .map(|(_, v)| v.parse::<u8>().map_err(|_| ApiError::invalid("open_days", "must be weekday numbers")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ClinicIn {
            timezone: value("timezone"),
            open_days: Some(days),
            opens_at: value("opens_at").map(|t| t.chars().take(5).collect()),
            closes_at: value("closes_at").map(|t| t.chars().take(5).collect()),
            routine_reply_days: number("routine_reply_days")?,
            urgent_reply_hours: number("urgent_reply_hours")?,
            emergency_reply_minutes: number("emergency_reply_minutes")?,
            message_max_chars: number("message_max_chars")?.map(|n| n as usize),
            disclosure_en: value("disclosure_en"),
            disclosure_es: value("disclosure_es"),
            after_hours_phone: value("after_hours_phone"),
            on_call: value("on_call"),
        })
    })();
    let result = match parsed {
        Ok(input) => update_clinic(State(state), session.auth.clone(), ApiJson(input)).await.map(|_| ()),
        Err(e) => Err(e),
    };
    done("/admin/clinic", result, text)
}

#[cfg(test)]
mod tests {
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
