//! Pools: the pools threads are routed to, and who works in each.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use carethread_app::{Operator, teams};
use carethread_core::ids::{PoolId, UserId};
use carethread_core::role::Role;
use maud::html;

use super::{AdminSession, MembershipForm, Saved, accounts, admin_page, done, enabled_with_role, role_label};
use crate::AppState;
use crate::admin_views::PoolMembersOut;
use crate::error::ApiError;
use crate::extract::parse_uuid_field;
use crate::routes::web::pages::api_error;

pub(super) async fn pools_page(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(saved): Query<Saved>,
) -> Response {
    let text = session.text;
    let caller = session.auth.caller();
    let pools = match teams::pools_with_members(&state.app(), Operator::Person(&caller)).await {
        Ok(p) => p.iter().map(PoolMembersOut::from).collect::<Vec<_>>(),
        Err(e) => return api_error(text, &e.into()),
    };
    let users = match accounts(&state, &session).await {
        Ok(u) => u,
        Err(e) => return api_error(text, &e),
    };
    let staff = enabled_with_role(&users, Role::is_staff);
    let body = html! {
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
                form method="post" action="/admin/pools" class="inline" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    input type="hidden" name="action" value="add";
                    input type="hidden" name="pool" value=(p.pool.id);
                    label for={ "add-" (p.pool.slug) } { (text.fill("admin-pools-add_to", &[("pool", &text.pool_name(&p.pool.slug, &p.pool.name))])) }
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

pub(super) async fn change_pools(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Form(form): Form<MembershipForm>,
) -> Response {
    guard!(session, form);
    let caller = session.auth.caller();
    let (app, by) = (state.app(), Operator::Person(&caller));
    let result = async {
        if form.action == "create" {
            teams::create_pool(&app, by, &form.slug, &form.name).await?;
            return Ok(());
        }
        let pool: PoolId = form.pool.parse().map_err(|_| ApiError::NotFound)?;
        let staff = parse_uuid_field::<UserId>("user_id", &form.staff)?;
        Ok(teams::set_pool_member(&app, by, pool, staff, form.action == "add").await?)
    }
    .await;
    done("/admin/pools", result, session.text)
}
