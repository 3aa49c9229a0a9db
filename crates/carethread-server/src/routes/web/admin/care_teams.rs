//! Care teams: which staff are on each patient's care team.

use axum::extract::State;
use axum::response::Response;
use carethread_app::{App, AppError, Caller, Operator, teams};
use carethread_core::ids::UserId;
use carethread_core::role::Role;
use maud::html;

use super::{
    AdminSession, MembershipForm, Shown, admin_page, enabled_with_role, role_label, saved_or_again, with_accounts,
};
use crate::AppState;
use crate::admin_views::CareTeamOut;
use crate::extract::parse_uuid_field;
use crate::extract::path_id;
use crate::routes::web::Checked;
use crate::routes::web::WebSession;
use crate::routes::web::form_error::FormError;

/// Every patient's care team, as the page shows it.
async fn listed(app: &App, caller: &Caller) -> Result<Vec<CareTeamOut>, AppError> {
    Ok(teams::care_teams(app, Operator::Person(caller)).await?.iter().map(CareTeamOut::from).collect())
}
/// The care teams; after a refusal, what was chosen, the field at fault
/// marked, and the API's status.
pub(super) async fn care_teams_view(
    state: &AppState,
    session: &WebSession,
    shown: Shown<'_, &MembershipForm>,
) -> Response {
    let Shown { saved, typed, error } = shown;
    let text = session.text;
    let (teams, users) = match with_accounts(state, session, listed(&state.app(), &session.auth.caller())).await {
        Ok(both) => both,
        Err(page) => return page,
    };
    let clinicians = enabled_with_role(&users, Role::is_clinician);
    let body = html! {
        p { (text.get("admin-care_teams-intro")) }
        (FormError::summary(error, text))
        section aria-labelledby="add-ct-h" {
            h2 id="add-ct-h" { (text.get("admin-care_teams-add")) }
            form method="post" action="/admin/care-teams" class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="add";
                label for="ct-patient" { (text.get("inbasket-patient")) }
                (FormError::select(error, "ct-patient", "patient", &html! {
                    @for t in &teams { option value=(t.patient.id) selected[typed.patient == t.patient.id] { (t.patient.display_name) } }
                }))
                label for="ct-clinician" { (text.get("admin-clinician")) }
                (FormError::select(error, "ct-clinician", "staff", &html! {
                    @for c in &clinicians {
                        option value=(c.user.id) selected[typed.staff == c.user.id] { (c.user.display_name) " (" (role_label(text, &c.user.role)) ")" }
                    }
                }))
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
    FormError::answer(admin_page(session, "/admin/care-teams", saved, &body), error)
}

pub(super) async fn change_care_team(
    State(state): State<AppState>,
    Checked(AdminSession(session), form): Checked<MembershipForm, AdminSession>,
) -> Response {
    let caller = session.auth.caller();
    let result = async {
        let patient: UserId = path_id(&form.patient)?;
        let staff = parse_uuid_field::<UserId>("staff_id", &form.staff)?;
        let member = form.action == "add";
        Ok(teams::set_care_team_member(&state.app(), Operator::Person(&caller), patient, staff, member).await?)
    }
    .await;
    let input = |field: &str| if field == "staff_id" { "ct-clinician" } else { "ct-patient" };
    saved_or_again("/admin/care-teams", session.text, result, input, |error| async move {
        care_teams_view(&state, &session, Shown::refused(&form, &error)).await
    })
    .await
}
