//! What administrators see of accounts, care teams and pools, in the
//! API's shape: the JSON API answers with these, and the portal's admin
//! pages render the same values.

use carethread_app::teams::{CareTeam, PoolMembers};
use carethread_core::user::User;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::{PersonOut, PoolOut, UserOut};

/// A user as administrators see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserOut {
    #[serde(flatten)]
    pub user: UserOut,
    pub disabled: bool,
    pub date_of_birth: Option<NaiveDate>,
    /// Patients only: the clinic's medical record number, where one is set.
    pub mrn: Option<String>,
    /// Staff only: reads the clinic's insights.
    pub clinic_lead: bool,
}

/// Users.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserList {
    pub users: Vec<AdminUserOut>,
}

pub(crate) fn admin_user(u: &User) -> AdminUserOut {
    AdminUserOut {
        user: u.into(),
        disabled: u.disabled,
        date_of_birth: u.date_of_birth,
        mrn: u.mrn.as_ref().map(|m| m.as_str().to_owned()),
        clinic_lead: u.clinic_lead,
    }
}

/// A patient's care team.
#[derive(Debug, Serialize, ToSchema)]
pub struct CareTeamOut {
    pub patient: PersonOut,
    pub clinicians: Vec<PersonOut>,
}

/// Every patient's care team.
#[derive(Debug, Serialize, ToSchema)]
pub struct CareTeamList {
    pub care_teams: Vec<CareTeamOut>,
}

impl From<&CareTeam> for CareTeamOut {
    fn from(t: &CareTeam) -> Self {
        Self { patient: (&t.patient).into(), clinicians: t.clinicians.iter().map(PersonOut::from).collect() }
    }
}

/// A pool with its members.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolMembersOut {
    #[serde(flatten)]
    pub pool: PoolOut,
    pub members: Vec<PersonOut>,
    /// The member told with the assignee when one of the pool's threads is
    /// overdue; `null` when the pool has no lead.
    #[schema(format = Uuid)]
    pub lead_user_id: Option<String>,
}

/// Pools with their members.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolMembersList {
    pub pools: Vec<PoolMembersOut>,
}

impl From<&PoolMembers> for PoolMembersOut {
    fn from(p: &PoolMembers) -> Self {
        Self {
            pool: (&p.pool).into(),
            members: p.members.iter().map(PersonOut::from).collect(),
            lead_user_id: p.lead.map(|id| id.to_string()),
        }
    }
}
