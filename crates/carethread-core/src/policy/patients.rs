//! Which patients a person may see and write for, and who may download a
//! patient's whole record.

use chrono::{DateTime, Utc};

use super::{Actor, Decision, ProxyGrant, ProxyScope};
use crate::ids::UserId;
use crate::role::Role;

/// How the actor relates to a patient they want to start a thread for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatientFacts {
    pub patient_id: UserId,
    pub on_care_team: bool,
    pub proxy_grant: Option<ProxyGrant>,
}

/// Which patients a role may see and write for at all: what
/// [`decide_new_thread`] allows, as a set a search can be narrowed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatientReach {
    /// Only herself (patients).
    Herself,
    /// The patients who gave her a grant in force (proxies).
    Granted,
    /// The patients on the clinician's care team.
    CareTeam,
    /// Every patient of the clinic (front desk and billing).
    Everyone,
    /// None (administrators and auditors).
    Nobody,
}

/// The patients `role` may see and write for.
#[must_use]
pub const fn patient_reach(role: Role) -> PatientReach {
    match role {
        Role::Patient => PatientReach::Herself,
        Role::Proxy => PatientReach::Granted,
        role if role.is_clinic_wide_staff() => PatientReach::Everyone,
        role if role.is_clinician() => PatientReach::CareTeam,
        _ => PatientReach::Nobody,
    }
}

/// Decides whether `actor` may start a thread for the patient in `facts`.
/// Patients write for themselves; proxies with a writing grant for their
/// patients; clinicians for patients on their care team; front desk and
/// billing for any patient of the clinic (see [`patient_reach`]).
#[must_use]
pub fn decide_new_thread(actor: Actor, facts: &PatientFacts, now: DateTime<Utc>) -> Decision {
    match patient_reach(actor.role) {
        PatientReach::Herself if facts.patient_id == actor.id => Decision::Allow,
        PatientReach::Granted => match facts.proxy_grant {
            Some(g) if g.proxy_id == actor.id && g.patient_id == facts.patient_id && g.is_active(now) => {
                if g.scope.may_write() { Decision::Allow } else { Decision::Forbidden }
            }
            _ => Decision::NotFound,
        },
        PatientReach::CareTeam if facts.on_care_team => Decision::Allow,
        PatientReach::Everyone => Decision::Allow,
        _ => Decision::NotFound,
    }
}

/// Decides whether `actor` may download a patient's whole record of
/// messages (her copy, without internal notes): the patient herself, or a
/// proxy with full access in force (a read-only or messages-only proxy is
/// refused; confidential threads stay out of a proxy's copy by the thread
/// policy). Staff produce a patient's copy from the command line.
#[must_use]
pub fn decide_record_download(actor: Actor, facts: &PatientFacts, now: DateTime<Utc>) -> Decision {
    match actor.role {
        Role::Patient if facts.patient_id == actor.id => Decision::Allow,
        Role::Proxy => match facts.proxy_grant {
            Some(g) if g.proxy_id == actor.id && g.patient_id == facts.patient_id && g.is_active(now) => {
                if g.scope == ProxyScope::Full { Decision::Allow } else { Decision::Forbidden }
            }
            _ => Decision::NotFound,
        },
        _ => Decision::NotFound,
    }
}
