//! People and the clinic's organisation: users, patients' care teams, pools
//! and their members.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::{PoolId, UserId};
use carethread_core::role::Role;
use carethread_core::user::{User, Username};

use crate::{CareTeamMember, Credentials, Membership, NewAccount, PoolMember, PoolRef, StoreResult, UserChange};

/// Users, care teams and pools. Every change is written with its audit entries in one transaction.
#[async_trait]
pub trait People: Send + Sync {
    async fn create_user(&self, account: NewAccount<'_>, audit: &AuditEvent) -> StoreResult<User>;
    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;
    /// The user and their password hash, for sign-in.
    async fn user_credentials(&self, username: &Username) -> StoreResult<Option<Credentials>>;
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    /// Every member of staff (the roles that answer patients), by name.
    async fn staff(&self) -> StoreResult<Vec<User>>;
    /// Patients or staff by name (any part, case-insensitive) and record
    /// number, optionally only a clinician's care-team patients; by id,
    /// after `after`, at most `limit`.
    async fn find_people(&self, query: &crate::PeopleQuery) -> StoreResult<Vec<User>>;
    /// Disables or re-enables a user and ends their sessions. False when no such user.
    async fn set_user_disabled(&self, username: &Username, disabled: bool, audit: &AuditEvent) -> StoreResult<bool>;
    /// Changes a user's role, name or language; a new role ends their
    /// sessions. False when no such user.
    async fn update_user(&self, id: UserId, change: &UserChange, audit: &AuditEvent) -> StoreResult<bool>;
    /// Every care team's clinicians, by patient.
    async fn care_teams(&self) -> StoreResult<Vec<CareTeamMember>>;
    /// Every pool's members, by pool.
    async fn pool_members(&self) -> StoreResult<Vec<PoolMember>>;
    /// Each pool that has members, by slug, with each role among them once
    /// (sorted by slug): what decides whether only clinicians read a pool,
    /// in one read whose size does not grow with the members.
    async fn pool_member_roles(&self) -> StoreResult<Vec<(String, Role)>>;
    /// Adds (`member`) or removes a clinician on a patient's care team, or a
    /// member of a pool.
    async fn set_membership(&self, membership: Membership, member: bool, audit: &AuditEvent) -> StoreResult<()>;
    async fn create_pool(&self, slug: &str, name: &str, audit: &AuditEvent) -> StoreResult<PoolRef>;
    async fn pools(&self) -> StoreResult<Vec<PoolRef>>;
    async fn pool_by_slug(&self, slug: &str) -> StoreResult<Option<PoolRef>>;
    async fn pool(&self, id: PoolId) -> StoreResult<Option<PoolRef>>;
    /// Every pool that has a lead, with its lead.
    async fn pool_leads(&self) -> StoreResult<Vec<(PoolId, UserId)>>;
    /// Makes `lead` the pool's lead (a member of the pool), or leaves it
    /// without one. False, and nothing written, when no such pool or the
    /// person is not a member of it.
    async fn set_pool_lead(&self, pool: PoolId, lead: Option<UserId>, audit: &AuditEvent) -> StoreResult<bool>;
}
