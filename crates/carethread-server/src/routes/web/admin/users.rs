//! Users and roles: adding accounts, changing role, language and record number, disabling.

use axum::extract::{Path, State};
use axum::response::Response;
use carethread_app::users::{self, CreateUser, UpdateUser, UserRef};
use carethread_app::{AppError, Operator};
use carethread_core::ids::UserId;
use carethread_core::role::Role;
use chrono::NaiveDate;
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

use super::{AdminSession, Shown, accounts, admin_page, done, role_label, saved_or_again, table_region};
use crate::AppState;
use crate::admin_views::AdminUserOut;
use crate::error::ApiError;
use crate::routes::web::Checked;
use crate::routes::web::WebSession;
use crate::routes::web::form_error::FormError;
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

/// The users page; a refused new account comes back with what was typed
/// (never the password), the field at fault marked, and the API's status.
pub(super) async fn users_view(state: &AppState, session: &WebSession, shown: Shown<'_, &NewUserForm>) -> Response {
    let Shown { saved, typed, error } = shown;
    let text = session.text;
    let users = match accounts(state, session).await {
        Ok(users) => users,
        Err(e) => return api_error(text, &e),
    };
    let body = html! {
        section aria-labelledby="users-h" {
            h2 id="users-h" { (text.get("admin-users")) }
            (table_region(text, "users-h", &["admin-name", "admin-username", "admin-role", "admin-account"], &html! {
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
                            @if u.user.role == "patient" {
                                (mrn_form(session, u))
                                " " a href={ "/patients/" (id) "/groups" } { (text.fill("groups-link_of", &[("name", &u.user.display_name)])) }
                            }
                            @if matches!(u.user.role.as_str(), "physician" | "nurse" | "pharmacist" | "front_desk" | "billing") {
                                " " a href={ "/admin/users/" (id) "/away" } { (text.fill("away-admin_link", &[("name", &u.user.display_name)])) }
                                (lead_form(session, u))
                            }
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
            }))
        }
        (add_user_form(session, typed, error))
    };
    FormError::answer(admin_page(session, "/admin/users", saved, &body), error)
}

/// Makes a member of staff a clinic lead (they read the insights), or no longer one.
fn lead_form(session: &WebSession, u: &AdminUserOut) -> Markup {
    let text = session.text;
    let name = [("name", u.user.display_name.as_str())];
    html! {
        form method="post" action={ "/admin/users/" (u.user.id) } class="inline" {
            input type="hidden" name="csrf_token" value=(session.csrf);
            @if u.clinic_lead {
                " " strong { (text.get("admin-clinic_lead")) } " "
                button type="submit" name="clinic_lead" value="false" { (text.fill("admin-unmake_lead", &name)) }
            } @else {
                button type="submit" name="clinic_lead" value="true" { (text.fill("admin-make_lead", &name)) }
            }
        }
    }
}

/// The form for a new account, with what was typed and the field at fault.
fn add_user_form(session: &WebSession, typed: &NewUserForm, error: Option<&FormError>) -> Markup {
    let text = session.text;
    html! {
    section aria-labelledby="add-user-h" {
        h2 id="add-user-h" { (text.get("admin-add_user")) }
        (FormError::summary(error, text))
        form method="post" action="/admin/users" class="stack" {
            input type="hidden" name="csrf_token" value=(session.csrf);
            label for="new-name" { (text.get("admin-name")) }
            input id="new-name" name="display_name" type="text" required maxlength="120" value=(typed.display_name)
                aria-invalid=[FormError::is_for(error, "new-name").then_some("true")]
                aria-describedby=[FormError::described_by(error, "new-name")];
            (FormError::next_to(error, "new-name"))
            label for="new-username" { (text.get("admin-username")) }
            input id="new-username" name="username" type="text" required maxlength="64" autocomplete="off" value=(typed.username)
                aria-invalid=[FormError::is_for(error, "new-username").then_some("true")]
                aria-describedby=[FormError::described_by(error, "new-username")];
            (FormError::next_to(error, "new-username"))
            label for="new-role" { (text.get("admin-role")) }
            select id="new-role" name="role" {
                @for r in Role::ALL { option value=(r.as_str()) selected[r.as_str() == typed.role] { (role_label(text, r.as_str())) } }
            }
            label for="new-dob" { (text.get("admin-date_of_birth")) }
            input id="new-dob" name="date_of_birth" type="date" value=(typed.date_of_birth)
                aria-invalid=[FormError::is_for(error, "new-dob").then_some("true")]
                aria-describedby=[FormError::described_by(error, "new-dob")];
            (FormError::next_to(error, "new-dob"))
            label for="new-mrn" { (text.get("admin-mrn")) }
            input id="new-mrn" name="mrn" type="text" maxlength="20" pattern="[A-Za-z0-9][A-Za-z0-9-]*" autocomplete="off" value=(typed.mrn)
                aria-invalid=[FormError::is_for(error, "new-mrn").then_some("true")]
                aria-describedby=[FormError::described_by(error, "new-mrn")];
            (FormError::next_to(error, "new-mrn"))
            label for="new-language" { (text.get("app-language")) }
            select id="new-language" name="language" {
                option value="en" { "English" }
                option value="es" selected[typed.language == "es"] { "Español" }
            }
            label for="new-password" { (text.get("admin-password")) }
            input id="new-password" name="password" type="password" required minlength="12" autocomplete="new-password"
                aria-invalid=[FormError::is_for(error, "new-password").then_some("true")]
                aria-describedby=[FormError::described_by(error, "new-password")];
            (FormError::next_to(error, "new-password"))
            button type="submit" class="primary" { (text.get("admin-add_user")) }
        }
    }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    date_of_birth: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    mrn: String,
    #[serde(default)]
    password: String,
}

pub(super) async fn add_user(
    State(state): State<AppState>,
    Checked(AdminSession(session), mut form): Checked<NewUserForm, AdminSession>,
) -> Response {
    let text = session.text;
    let date_of_birth = match form.date_of_birth.trim() {
        "" => Ok(None),
        raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::invalid("date_of_birth", "must be a date")),
    };
    let created = match date_of_birth {
        Ok(date_of_birth) => {
            let input = CreateUser {
                username: form.username.clone(),
                display_name: form.display_name.clone(),
                role: form.role.clone(),
                date_of_birth,
                language: Some(form.language.clone()).filter(|l| !l.is_empty()),
                mrn: Some(form.mrn.clone()).filter(|m| !m.trim().is_empty()),
                password: SecretString::from(std::mem::take(&mut form.password)),
            };
            users::create_user(&state.app(), Operator::Person(&session.auth.caller()), input).await
        }
        Err(e) => Err(e),
    };
    let result = created.map(|_| ()).map_err(ApiError::from);
    saved_or_again("/admin/users", text, result, input_of, |error| async move {
        users_view(&state, &session, Shown::refused(&form, &error)).await
    })
    .await
}

/// The input of the new-account form a refused request field belongs to.
fn input_of(field: &str) -> &'static str {
    match field {
        "display_name" => "new-name",
        "role" => "new-role",
        "date_of_birth" => "new-dob",
        "mrn" => "new-mrn",
        "language" => "new-language",
        "password" => "new-password",
        _ => "new-username",
    }
}

#[derive(Deserialize)]
pub(super) struct UserChangeForm {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    disabled: Option<String>,
    /// A patient's record number; empty removes it.
    #[serde(default)]
    mrn: Option<String>,
    /// `true` or `false`: a member of staff reads the insights, or no longer.
    #[serde(default)]
    clinic_lead: Option<String>,
}

pub(super) async fn change_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(AdminSession(session), form): Checked<UserChangeForm, AdminSession>,
) -> Response {
    let Ok(id) = id.parse::<UserId>() else {
        return api_error(session.text, &ApiError::NotFound);
    };
    let input = UpdateUser {
        disabled: form.disabled.as_deref().map(|d| d == "true"),
        role: form.role,
        display_name: None,
        language: None,
        mrn: form.mrn,
        clinic_lead: match form.clinic_lead.as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => return api_error(session.text, &ApiError::invalid("clinic_lead", "must be true or false")),
        },
    };
    let caller = session.auth.caller();
    let result = users::update_user(&state.app(), Operator::Person(&caller), UserRef::Id(id), input)
        .await
        .map(|_| ())
        .map_err(ApiError::from);
    done("/admin/users", result, session.text)
}
