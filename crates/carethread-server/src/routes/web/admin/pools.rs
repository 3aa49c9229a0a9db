//! Pools: the pools threads are routed to, and who works in each.

use axum::extract::State;
use axum::response::Response;
use carethread_app::{App, AppError, Caller, Operator, teams};
use carethread_core::ids::{PoolId, UserId};
use carethread_core::role::Role;
use maud::{Markup, html};

use super::{
    AdminSession, MembershipForm, Shown, admin_page, enabled_with_role, role_label, saved_or_again, with_accounts,
};
use crate::AppState;
use crate::admin_views::PoolMembersOut;
use crate::extract::parse_uuid_field;
use crate::extract::path_id;
use crate::routes::web::Checked;
use crate::routes::web::WebSession;
use crate::routes::web::form_error::FormError;

/// Every pool with its members, as the page shows it.
async fn listed(app: &App, caller: &Caller) -> Result<Vec<PoolMembersOut>, AppError> {
    Ok(teams::pools_with_members(app, Operator::Person(caller)).await?.iter().map(PoolMembersOut::from).collect())
}
/// The field of a refused change to a pool's members, until the page knows
/// which pool's "add" list it is.
const MEMBER: &str = "pool-member";

/// The pools and their members; after a refusal, what was typed, the field
/// at fault marked, and the API's status.
pub(super) async fn pools_view(state: &AppState, session: &WebSession, shown: Shown<'_, &MembershipForm>) -> Response {
    let Shown { saved, typed, error } = shown;
    let text = session.text;
    let (pools, users) = match with_accounts(state, session, listed(&state.app(), &session.auth.caller())).await {
        Ok(both) => both,
        Err(page) => return page,
    };
    // A refused membership change is marked at that pool's "add" list.
    let located = error.map(|e| match pools.iter().find(|p| p.pool.id == typed.pool) {
        Some(p) if e.field == MEMBER && typed.action == "lead" => {
            FormError { field: format!("lead-{}", p.pool.slug), ..e.clone() }
        }
        Some(p) if e.field == MEMBER => FormError { field: format!("add-{}", p.pool.slug), ..e.clone() },
        _ => e.clone(),
    });
    let error = located.as_ref();
    let staff = enabled_with_role(&users, Role::is_staff);
    let body = html! {
        (FormError::summary(error, text))
        @for p in &pools {
            section aria-labelledby={ "pool-" (p.pool.slug) } {
                h2 id={ "pool-" (p.pool.slug) } { (text.pool_name(&p.pool.slug, &p.pool.name)) }
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
                                    (text.fill("admin-pools-remove", &[("name", &m.display_name), ("pool", &text.pool_name(&p.pool.slug, &p.pool.name))]))
                                }
                            }
                        }
                    }
                }
                @if !p.members.is_empty() {
                    @let lead = format!("lead-{}", p.pool.slug);
                    form method="post" action="/admin/pools" class="inline" {
                        input type="hidden" name="csrf_token" value=(session.csrf);
                        input type="hidden" name="action" value="lead";
                        input type="hidden" name="pool" value=(p.pool.id);
                        label for=(lead) { (text.get("admin-pools-lead")) }
                        select id=(lead) name="staff" {
                            option value="" selected[p.lead_user_id.is_none()] { (text.get("admin-pools-no_lead")) }
                            @for m in &p.members {
                                option value=(m.id) selected[p.lead_user_id.as_deref() == Some(m.id.as_str())] { (m.display_name) }
                            }
                        }
                        button type="submit" { (text.fill("admin-pools-set_lead", &[("pool", &text.pool_name(&p.pool.slug, &p.pool.name))])) }
                    }
                }
                @let add = format!("add-{}", p.pool.slug);
                @let this_pool = typed.pool == p.pool.id;
                form method="post" action="/admin/pools" class="inline" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    input type="hidden" name="action" value="add";
                    input type="hidden" name="pool" value=(p.pool.id);
                    label for=(add) { (text.fill("admin-pools-add_to", &[("pool", &text.pool_name(&p.pool.slug, &p.pool.name))])) }
                    (FormError::select(error, &add, "staff", &html! {
                        @for s in staff.iter().filter(|s| !p.members.iter().any(|m| m.id == s.user.id)) {
                            option value=(s.user.id) selected[this_pool && typed.staff == s.user.id] { (s.user.display_name) }
                        }
                    }))
                    button type="submit" { (text.get("admin-pools-add")) }
                }
            }
        }
        (new_pool_form(session, typed, error))
    };
    FormError::answer(admin_page(session, "/admin/pools", saved, &body), error)
}

/// The form for a new pool, with what was typed and the field at fault.
fn new_pool_form(session: &WebSession, typed: &MembershipForm, error: Option<&FormError>) -> Markup {
    let text = session.text;
    html! {
        section aria-labelledby="new-pool-h" {
            h2 id="new-pool-h" { (text.get("admin-pools-new")) }
            form method="post" action="/admin/pools" class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="create";
                label for="pool-name" { (text.get("admin-name")) }
                input id="pool-name" name="name" type="text" required maxlength="80" value=(typed.name)
                    aria-invalid=[FormError::is_for(error, "pool-name").then_some("true")]
                    aria-describedby=[FormError::described_by(error, "pool-name")];
                (FormError::next_to(error, "pool-name"))
                label for="pool-slug" { (text.get("admin-pools-slug")) }
                input id="pool-slug" name="slug" type="text" required maxlength="40" pattern="[a-z0-9-]+" value=(typed.slug)
                    aria-invalid=[FormError::is_for(error, "pool-slug").then_some("true")]
                    aria-describedby=[FormError::described_by(error, "pool-slug")];
                (FormError::next_to(error, "pool-slug"))
                button type="submit" class="primary" { (text.get("admin-pools-new")) }
            }
        }
    }
}

pub(super) async fn change_pools(
    State(state): State<AppState>,
    Checked(AdminSession(session), form): Checked<MembershipForm, AdminSession>,
) -> Response {
    let caller = session.auth.caller();
    let (app, by) = (state.app(), Operator::Person(&caller));
    let create = form.action == "create";
    let result = async {
        if create {
            teams::create_pool(&app, by, &form.slug, &form.name).await?;
            return Ok(());
        }
        let pool: PoolId = path_id(&form.pool)?;
        if form.action == "lead" {
            let lead = Some(form.staff.as_str()).filter(|s| !s.is_empty());
            let lead = lead.map(|id| parse_uuid_field::<UserId>("lead_user_id", id)).transpose()?;
            return Ok(teams::set_pool_lead(&app, by, pool, lead).await?);
        }
        let staff = parse_uuid_field::<UserId>("user_id", &form.staff)?;
        Ok(teams::set_pool_member(&app, by, pool, staff, form.action == "add").await?)
    }
    .await;
    let input = |field: &str| match (create, field) {
        (true, "name") => "pool-name",
        (true, _) => "pool-slug",
        (false, _) => MEMBER,
    };
    saved_or_again("/admin/pools", session.text, result, input, |error| async move {
        pools_view(&state, &session, Shown::refused(&form, &error)).await
    })
    .await
}
