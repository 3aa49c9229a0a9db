//! Who looks after whom: patients' care teams and the pools (shared
//! in-baskets) staff work from, as administrators arrange them. Every change
//! is audited in the same transaction.

use carethread_core::audit::AuditAction;
use carethread_core::ids::{PoolId, UserId};
use carethread_core::role::Role;
use carethread_core::user::User;
use carethread_store::{Membership, PersonRef, PoolRef, StoreError};

use crate::audit::entry;
use crate::users::require_admin;
use crate::{App, AppError, AppResult, Operator};

/// A patient and the clinicians on her care team.
#[derive(Debug, Clone)]
pub struct CareTeam {
    pub patient: User,
    pub clinicians: Vec<PersonRef>,
}

/// Every patient with her care team (patients without one too).
pub async fn care_teams(app: &App, by: Operator<'_>) -> AppResult<Vec<CareTeam>> {
    require_admin(by)?;
    let users = app.store.list_users().await?;
    let pairs = app.store.care_teams().await?;
    Ok(users
        .into_iter()
        .filter(|u| u.role == Role::Patient)
        .map(|patient| {
            let clinicians = pairs.iter().filter(|m| m.patient_id == patient.id).map(|m| m.clinician.clone()).collect();
            CareTeam { patient, clinicians }
        })
        .collect())
}

/// Puts a clinician on a patient's care team (`member`), or takes them off.
/// An unknown patient answers `NotFound`; the staff member must be a clinician.
pub async fn set_care_team_member(
    app: &App,
    by: Operator<'_>,
    patient_id: UserId,
    staff_id: UserId,
    member: bool,
) -> AppResult<()> {
    require_admin(by)?;
    let patient = app.store.user(patient_id).await?;
    if !patient.is_some_and(|p| p.role == Role::Patient) {
        return Err(AppError::NotFound);
    }
    let staff = app.store.user(staff_id).await?;
    if !staff.is_some_and(|s| s.role.is_clinician()) {
        return Err(AppError::invalid("staff_id", "names no clinician (physician, nurse or pharmacist)"));
    }
    let what = if member { "added to care team" } else { "removed from care team" };
    let audit = entry(by, AuditAction::CareTeamChange, what).patient(patient_id);
    app.store.set_membership(Membership::CareTeam { patient_id, staff_id }, member, &audit).await?;
    Ok(())
}

/// A pool and its members.
#[derive(Debug, Clone)]
pub struct PoolMembers {
    pub pool: PoolRef,
    pub members: Vec<PersonRef>,
    /// The member told with the assignee when a thread in the pool is overdue.
    pub lead: Option<UserId>,
}

/// Every pool with its members.
pub async fn pools_with_members(app: &App, by: Operator<'_>) -> AppResult<Vec<PoolMembers>> {
    require_admin(by)?;
    let pools = app.store.pools().await?;
    let members = app.store.pool_members().await?;
    let leads = app.store.pool_leads().await?;
    Ok(pools
        .into_iter()
        .map(|pool| {
            let members = members.iter().filter(|m| m.pool_id == pool.id).map(|m| m.member.clone()).collect();
            let lead = leads.iter().find(|(id, _)| *id == pool.id).map(|(_, lead)| *lead);
            PoolMembers { pool, members, lead }
        })
        .collect())
}

/// Creates a pool: a slug of 1 to 40 lowercase letters, digits or dashes,
/// and a name of 1 to 80 characters. A taken slug answers `Conflict`.
pub async fn create_pool(app: &App, by: Operator<'_>, slug: &str, name: &str) -> AppResult<PoolRef> {
    require_admin(by)?;
    let slug = slug.trim();
    if slug.is_empty()
        || slug.len() > 40
        || !slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(AppError::invalid("slug", "must be 1 to 40 lowercase letters, digits or dashes"));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::invalid("name", "must be 1 to 80 characters"));
    }
    carethread_core::text::single_line("name", name)?;
    let audit = entry(by, AuditAction::PoolChange, format!("created pool {slug}"));
    app.store.create_pool(slug, name, &audit).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::Conflict("a pool with that slug exists".into()),
        other => other.into(),
    })
}

/// Adds a staff member to a pool (`member`), or removes them. An unknown
/// pool answers `NotFound`.
pub async fn set_pool_member(app: &App, by: Operator<'_>, pool: PoolId, user: UserId, member: bool) -> AppResult<()> {
    require_admin(by)?;
    app.store.pool(pool).await?.ok_or(AppError::NotFound)?;
    let found = app.store.user(user).await?;
    if !found.is_some_and(|u| u.role.is_staff()) {
        return Err(AppError::invalid("user_id", "names no staff member"));
    }
    let what = if member { "added to pool" } else { "removed from pool" };
    let audit = entry(by, AuditAction::PoolChange, what).target("user", user);
    app.store.set_membership(Membership::Pool { pool_id: pool, user_id: user }, member, &audit).await?;
    Ok(())
}

/// Makes a member of the pool its lead (`Some`), or leaves the pool
/// without one (`None`). An unknown pool answers `NotFound`; the lead must
/// be a member of the pool.
pub async fn set_pool_lead(app: &App, by: Operator<'_>, pool: PoolId, lead: Option<UserId>) -> AppResult<()> {
    require_admin(by)?;
    let found = app.store.pool(pool).await?.ok_or(AppError::NotFound)?;
    let what = match lead {
        Some(_) => format!("lead of pool {} set", found.slug),
        None => format!("lead of pool {} cleared", found.slug),
    };
    let audit = entry(by, AuditAction::PoolChange, what);
    if app.store.set_pool_lead(pool, lead, &audit).await? {
        return Ok(());
    }
    Err(AppError::invalid("lead_user_id", "names nobody in this pool: add them to the pool first"))
}

/// The clinic's pools, for care-team staff routing threads.
pub async fn pools(app: &App, caller: &crate::Caller) -> AppResult<Vec<PoolRef>> {
    if !carethread_core::policy::works_in_baskets(caller.user.role) {
        return Err(AppError::Forbidden("only care-team staff work with pools".to_owned()));
    }
    Ok(app.store.pools().await?)
}
