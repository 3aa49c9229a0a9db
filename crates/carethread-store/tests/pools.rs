//! A pool's member roles, read once for routing: each pool with members,
//! each of their roles once, on SQLite and, when `CARETHREAD_TEST_POSTGRES`
//! is set, PostgreSQL.

use std::sync::Arc;

mod support;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::role::Role;
use carethread_store::{MasterKey, Membership, Store};
use chrono::Utc;

use support::person;

async fn each_pool_names_each_members_role_once(store: Arc<dyn Store>) {
    let audit = AuditEvent::new(AuditAction::PoolChange, None, Utc::now());
    let nurses = store.create_pool("nurse-line", "Nurse line", &audit).await.expect("pool");
    let desk = store.create_pool("desk", "Desk", &audit).await.expect("pool");
    store.create_pool("empty", "Nobody yet", &audit).await.expect("pool");
    let members = [
        (nurses.id, person(&store, "rn.one", Role::Nurse).await),
        (nurses.id, person(&store, "rn.two", Role::Nurse).await),
        (nurses.id, person(&store, "dr.one", Role::Physician).await),
        (desk.id, person(&store, "fd.one", Role::FrontDesk).await),
        (desk.id, person(&store, "rn.three", Role::Nurse).await),
    ];
    for (pool_id, user) in &members {
        let membership = Membership::Pool { pool_id: *pool_id, user_id: user.id };
        store.set_membership(membership, true, &audit).await.expect("member");
    }
    // In the order routing reads them: by slug, each pool's roles together.
    let roles = store.pool_member_roles().await.expect("roles");
    let expected = [
        ("desk", Role::FrontDesk),
        ("desk", Role::Nurse),
        ("nurse-line", Role::Nurse),
        ("nurse-line", Role::Physician),
    ];
    let got: Vec<(&str, Role)> = roles.iter().map(|(slug, role)| (slug.as_str(), *role)).collect();
    assert_eq!(got, expected, "two nurses are one role; a pool nobody is in is not listed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_pool_names_each_members_role_once_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    each_pool_names_each_members_role_once(store).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_pool_names_each_members_role_once_on_postgres() {
    let (_database, store) = support::postgres_store("carethread_pools").await;
    each_pool_names_each_members_role_once(store).await;
}
