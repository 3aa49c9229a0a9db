//! Roles a user can hold. A user has exactly one.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// What a user is to the clinic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Receives care; writes about their own health.
    Patient,
    /// Family member or caregiver acting for patients who granted access.
    Proxy,
    Physician,
    Nurse,
    Pharmacist,
    FrontDesk,
    Billing,
    /// Runs the clinic's configuration; does not read message content.
    Admin,
    /// Privacy officer: reads the audit log, not message content.
    Auditor,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 9] = [
        Role::Patient,
        Role::Proxy,
        Role::Physician,
        Role::Nurse,
        Role::Pharmacist,
        Role::FrontDesk,
        Role::Billing,
        Role::Admin,
        Role::Auditor,
    ];

    /// The name used in the API and the database.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Proxy => "proxy",
            Role::Physician => "physician",
            Role::Nurse => "nurse",
            Role::Pharmacist => "pharmacist",
            Role::FrontDesk => "front_desk",
            Role::Billing => "billing",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    /// Staff who answer patients' messages: clinicians, front desk and billing.
    #[must_use]
    pub const fn is_staff(self) -> bool {
        matches!(self, Role::Physician | Role::Nurse | Role::Pharmacist | Role::FrontDesk | Role::Billing)
    }

    /// Staff with clinical duties, who sit on care teams.
    #[must_use]
    pub const fn is_clinician(self) -> bool {
        matches!(self, Role::Physician | Role::Nurse | Role::Pharmacist)
    }

    /// Staff whose work spans every patient of the clinic (not tied to care teams).
    #[must_use]
    pub const fn is_clinic_wide_staff(self) -> bool {
        matches!(self, Role::FrontDesk | Role::Billing)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| DomainError::invalid("role", "unknown role"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_from_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("superuser".parse::<Role>().is_err());
    }

    #[test]
    fn only_answering_roles_are_staff() {
        assert!(Role::Nurse.is_staff());
        assert!(Role::Billing.is_staff());
        assert!(!Role::Admin.is_staff());
        assert!(!Role::Auditor.is_staff());
        assert!(!Role::Proxy.is_staff());
    }
}
