//! Pools: the pools threads are routed to, and who works in each.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::{Form, Json};
use carethread_core::role::Role;
use maud::html;

use super::{AdminSession, MembershipForm, Saved, admin_page, done, enabled_with_role, role_label};
use crate::AppState;
use crate::extract::ApiJson;
use crate::routes::admin::{
    NewPoolIn, add_pool_member, create_pool, list_users, pools_with_members, remove_pool_member,
};
use crate::routes::web::pages::api_error;

pub(super) async fn pools_page(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(saved): Query<Saved>,
) -> Response {
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

pub(super) async fn change_pools(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
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
