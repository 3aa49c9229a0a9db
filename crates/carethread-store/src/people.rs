//! Values the people-and-organisation store calls take and return.

use std::fmt;

use carethread_core::ids::{PoolId, UserId};
use carethread_core::user::User;

use crate::PersonRef;

/// A user with their password hash, for sign-in. The hash is never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("user", &self.user).field("password_hash", &"***").finish()
    }
}

/// A clinician on a patient's care team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareTeamMember {
    pub patient_id: UserId,
    pub clinician: PersonRef,
}

/// A member of a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolMember {
    pub pool_id: PoolId,
    pub member: PersonRef,
}

/// Who belongs to what: a clinician on a patient's care team, or a member of
/// a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    CareTeam { patient_id: UserId, staff_id: UserId },
    Pool { pool_id: PoolId, user_id: UserId },
}
