//! Users and roles: adding accounts, changing role, language and record number, disabling.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use carethread_app::Operator;
use carethread_app::users::{self, CreateUser, UpdateUser, UserRef};
use carethread_core::ids::UserId;
use carethread_core::role::Role;
use chrono::NaiveDate;
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

use super::{AdminSession, Saved, accounts, admin_page, done, role_label};
use crate::AppState;
use crate::admin_views::AdminUserOut;
use crate::error::ApiError;
use crate::routes::web::WebSession;
use crate::routes::web::pages::api_error;

/// A patient's record number, set or removed from the user list.
fn mrn_form(session: &WebSession, u: &AdminUserOut) -> Markup {
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

pub(super) async fn users_page(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(saved): Query<Saved>,
) -> Response {
    let text = session.text;
    let users = match accounts(&state, &session).await {
        Ok(users) => users,
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
pub(super) struct NewUserForm {
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

pub(super) async fn add_user(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Form(form): Form<NewUserForm>,
) -> Response {
    guard!(session, form);
    let text = session.text;
    let date_of_birth = match form.date_of_birth.trim() {
        "" => None,
        raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => return api_error(text, &ApiError::invalid("date_of_birth", "must be a date")),
        },
    };
    let input = CreateUser {
        username: form.username,
        display_name: form.display_name,
        role: form.role,
        date_of_birth,
        language: Some(form.language).filter(|l| !l.is_empty()),
        mrn: Some(form.mrn).filter(|m| !m.trim().is_empty()),
        password: SecretString::from(form.password),
    };
    let caller = session.auth.caller();
    let result =
        users::create_user(&state.app(), Operator::Person(&caller), input).await.map(|_| ()).map_err(ApiError::from);
    done("/admin/users", result, text)
}

#[derive(Deserialize)]
pub(super) struct UserChangeForm {
    csrf_token: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    disabled: Option<String>,
    /// A patient's record number; empty removes it.
    #[serde(default)]
    mrn: Option<String>,
}

pub(super) async fn change_user(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<String>,
    Form(form): Form<UserChangeForm>,
) -> Response {
    guard!(session, form);
    let Ok(id) = id.parse::<UserId>() else {
        return api_error(session.text, &ApiError::NotFound);
    };
    let input = UpdateUser {
        disabled: form.disabled.as_deref().map(|d| d == "true"),
        role: form.role,
        display_name: None,
        language: None,
        mrn: form.mrn,
    };
    let caller = session.auth.caller();
    let result = users::update_user(&state.app(), Operator::Person(&caller), UserRef::Id(id), input)
        .await
        .map(|_| ())
        .map_err(ApiError::from);
    done("/admin/users", result, session.text)
}
