//! The access policy: the one place that decides who may do what to which
//! thread. Every route asks it; the store's list queries mirror it (and a
//! test walks every role through both to keep them in step).
//!
//! The store gathers the facts about how the actor relates to a thread's
//! patient ([`ThreadFacts`]); this module decides. Anyone who may not read a
//! thread gets [`Decision::NotFound`], exactly as if it did not exist, so
//! another patient's thread is indistinguishable from a missing one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::ids::UserId;
use crate::role::Role;

/// The signed-in user acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: UserId,
    pub role: Role,
}

/// What a patient allowed a proxy to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyScope {
    /// Read and write messages, and everything a later feature lets a proxy do.
    Full,
    /// Read and write messages.
    MessagesOnly,
    /// Read messages only.
    ReadOnly,
}

impl ProxyScope {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ProxyScope::Full => "full",
            ProxyScope::MessagesOnly => "messages_only",
            ProxyScope::ReadOnly => "read_only",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "full" => Ok(ProxyScope::Full),
            "messages_only" => Ok(ProxyScope::MessagesOnly),
            "read_only" => Ok(ProxyScope::ReadOnly),
            _ => Err(DomainError::invalid("scope", "must be full, messages_only or read_only")),
        }
    }

    const fn may_write(self) -> bool {
        matches!(self, ProxyScope::Full | ProxyScope::MessagesOnly)
    }
}

/// A patient's grant of access to a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyGrant {
    pub patient_id: UserId,
    pub proxy_id: UserId,
    pub scope: ProxyScope,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ProxyGrant {
    /// In force now: not revoked and not expired.
    #[must_use]
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|t| t > now)
    }
}

/// How the actor relates to one thread and its patient, as read from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[expect(clippy::struct_excessive_bools, reason = "independent facts read from the store, each a yes/no question")]
pub struct ThreadFacts {
    pub patient_id: Option<UserId>,
    /// The thread is hidden from proxies.
    pub confidential: bool,
    /// The actor sits on the patient's care team.
    pub on_care_team: bool,
    /// The actor is a member of the pool the thread is routed to.
    pub in_thread_pool: bool,
    /// The thread is assigned to the actor personally.
    pub is_assignee: bool,
    /// The actor broke the glass for this patient (stated a reason) and the
    /// emergency access has not expired.
    pub emergency_access: bool,
    /// The patient's grant to the actor, if any (active or not).
    pub proxy_grant: Option<ProxyGrant>,
}

/// Things a user can do to an existing thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThreadAction {
    /// See the thread and its patient-visible messages and attachments.
    Read,
    /// Add a patient-visible message or attachment.
    Reply,
    /// See and add internal notes.
    InternalNotes,
    /// Assign, forward, change status or switch replies on and off.
    Manage,
}

impl ThreadAction {
    pub const ALL: [ThreadAction; 4] =
        [ThreadAction::Read, ThreadAction::Reply, ThreadAction::InternalNotes, ThreadAction::Manage];
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The actor may see the thread but not do this to it.
    Forbidden,
    /// The actor may not know the thread exists.
    NotFound,
}

impl Decision {
    #[must_use]
    pub const fn is_allowed(self) -> bool {
        matches!(self, Decision::Allow)
    }
}

/// Decides whether `actor` may do `action` to a thread with `facts`, at `now`.
#[must_use]
pub fn decide_thread(actor: Actor, action: ThreadAction, facts: &ThreadFacts, now: DateTime<Utc>) -> Decision {
    let Some(patient_id) = facts.patient_id else {
        return Decision::NotFound;
    };
    match actor.role {
        Role::Patient => {
            if patient_id != actor.id {
                return Decision::NotFound;
            }
            match action {
                ThreadAction::Read | ThreadAction::Reply => Decision::Allow,
                ThreadAction::InternalNotes | ThreadAction::Manage => Decision::Forbidden,
            }
        }
        Role::Proxy => {
            let grant =
                facts.proxy_grant.filter(|g| g.proxy_id == actor.id && g.patient_id == patient_id && g.is_active(now));
            let Some(grant) = grant else {
                return Decision::NotFound;
            };
            if facts.confidential {
                return Decision::NotFound;
            }
            match action {
                ThreadAction::Read => Decision::Allow,
                ThreadAction::Reply if grant.scope.may_write() => Decision::Allow,
                ThreadAction::Reply | ThreadAction::InternalNotes | ThreadAction::Manage => Decision::Forbidden,
            }
        }
        role if role.is_staff() => {
            if facts.is_assignee || facts.in_thread_pool || (role.is_clinician() && facts.on_care_team) {
                return Decision::Allow;
            }
            // Broken glass lets a clinician read and answer for its hour, never
            // take the thread over (assigning it to themselves would outlast the hour).
            if role.is_clinician() && facts.emergency_access {
                return match action {
                    ThreadAction::Manage => Decision::Forbidden,
                    ThreadAction::Read | ThreadAction::Reply | ThreadAction::InternalNotes => Decision::Allow,
                };
            }
            Decision::NotFound
        }
        // Admins run the clinic and auditors read the audit log; neither reads
        // message content.
        _ => Decision::NotFound,
    }
}

/// Whether a system registered for the FHIR API may act with the role: a
/// member of staff's (the core policy then decides what it reads and writes,
/// as for a person) or an auditor's. Never an administrator's, a patient's or
/// a proxy's.
#[must_use]
pub const fn may_act_as_system(role: Role) -> bool {
    role.is_staff() || matches!(role, Role::Auditor)
}

/// Whether a person with this role may connect an app of her own to her
/// record (SMART App Launch, standalone). Only a patient, for herself: a
/// proxy's access is the patient's to give and is not handed on to apps,
/// and staff reach the record through the portal and registered systems.
#[must_use]
pub const fn may_connect_app(role: Role) -> bool {
    matches!(role, Role::Patient)
}

/// Whether the role takes part in messaging at all. Admins and auditors do
/// not: they answer 403 on message routes (their existence is no secret).
#[must_use]
pub const fn may_use_messaging(role: Role) -> bool {
    !matches!(role, Role::Admin | Role::Auditor)
}

/// Whether the role administers the clinic: routing rules, AI switches,
/// users, teams and pools. Only admins do.
#[must_use]
pub const fn may_administer(role: Role) -> bool {
    matches!(role, Role::Admin)
}

/// Whether the role reads the clinic's insights: message volume, response
/// times against the targets, workload per person and pool, and safety
/// figures. Administrators, who plan the clinic's time and govern its AI,
/// and the members of staff an administrator made clinic leads (a lead's
/// flag counts only while they are staff); the figures are counts, never
/// message content or a patient's name.
#[must_use]
pub const fn may_view_insights(role: Role, clinic_lead: bool) -> bool {
    matches!(role, Role::Admin) || (clinic_lead && role.is_staff())
}

/// Whether an administrator may make this role a clinic lead: members of
/// staff only.
#[must_use]
pub const fn may_lead_clinic(role: Role) -> bool {
    role.is_staff()
}

/// Whether the role reads the equity monitor: how each group of patients
/// messaged before and after e-visit billing began. Administrators, who
/// decide whether the clinic bills; figures per group, no patient named.
#[must_use]
pub const fn may_view_equity(role: Role) -> bool {
    matches!(role, Role::Admin)
}

/// Whether the role records that a patient was seen about a conversation
/// (for billing's 7-day rules): clinicians and front desk, on threads they
/// may read.
#[must_use]
pub const fn may_record_visits(role: Role) -> bool {
    role.is_clinician() || matches!(role, Role::FrontDesk)
}

/// Whether the role records the groups a patient gave (payer type, sex,
/// race, ethnicity, a clinic's own): front desk, who register patients, and
/// administrators.
#[must_use]
pub const fn may_record_patient_groups(role: Role) -> bool {
    matches!(role, Role::Admin | Role::FrontDesk)
}

/// Whether `actor` may set or clear the time away of `person` (whose role
/// is `person_role`): staff who answer messages set their own; an
/// administrator sets anyone's on staff. Patients, proxies and auditors
/// have no in-basket to hand over.
#[must_use]
pub fn may_set_absence(actor: Actor, person: UserId, person_role: Role) -> bool {
    person_role.is_staff() && ((actor.id == person && actor.role.is_staff()) || may_administer(actor.role))
}

/// What of the audit log a role may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAccess {
    /// Who accessed the reader's own messages, and when (patients).
    OwnMessages,
    /// Every entry, with every detail, and CSV export (privacy officers).
    Everything,
    None,
}

/// What of the audit log `role` may read.
#[must_use]
pub const fn audit_access(role: Role) -> AuditAccess {
    match role {
        Role::Patient => AuditAccess::OwnMessages,
        Role::Auditor => AuditAccess::Everything,
        _ => AuditAccess::None,
    }
}

/// Which proxy grants a role may see and change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantAccess {
    /// A patient: her own grants, to create and revoke.
    OwnAsPatient,
    /// A proxy: the grants made to them, to read.
    OwnAsProxy,
    /// An administrator: any patient's, to create and revoke.
    AnyPatient,
    None,
}

/// Which proxy grants `role` may see and change.
#[must_use]
pub const fn grant_access(role: Role) -> GrantAccess {
    match role {
        Role::Patient => GrantAccess::OwnAsPatient,
        Role::Proxy => GrantAccess::OwnAsProxy,
        Role::Admin => GrantAccess::AnyPatient,
        _ => GrantAccess::None,
    }
}

/// Whether the role is alerted when someone breaks the glass (privacy officers).
#[must_use]
pub const fn receives_privacy_alerts(role: Role) -> bool {
    matches!(role, Role::Auditor)
}

/// Whether the role may break the glass: open a thread of a patient whose
/// care team they are not on, by stating a reason. Clinicians only.
#[must_use]
pub const fn may_break_glass(role: Role) -> bool {
    role.is_clinician()
}

/// How long break-the-glass access lasts.
pub const BREAK_GLASS_MINUTES: i64 = 60;

/// Whether a patient of `age` may mark a thread confidential from their
/// proxies: adolescents, by the clinic's age range.
#[must_use]
pub fn may_mark_confidential(role: Role, age: Option<u32>, settings: &crate::clinic::ClinicSettings) -> bool {
    role == Role::Patient && settings.is_adolescent(age)
}

/// Whether the role works in-baskets: sees pools, assigns and forwards.
#[must_use]
pub const fn works_in_baskets(role: Role) -> bool {
    role.is_staff()
}

/// Decides whether `actor` may read and change how `person` is notified
/// (e-mail, mobile number, channel, quiet hours, language). Everyone sets
/// their own; an administrator may set anyone's (audited with the
/// administrator as the actor). Anyone else may not know the person's
/// details exist.
#[must_use]
pub fn decide_contact_preferences(actor: Actor, person: UserId) -> Decision {
    if actor.id == person || may_administer(actor.role) { Decision::Allow } else { Decision::NotFound }
}

/// Whether the role works the e-visit billing queue: sees billable periods
/// (patient, clinician, code, minutes, message count, dates, exclusions),
/// approves, holds or rejects them and exports approved claims. Billing
/// staff only. The queue never carries message text: what billing staff may
/// read of a thread itself is still [`decide_thread`]'s answer, and the
/// billing operations never ask it.
#[must_use]
pub const fn may_review_billing(role: Role) -> bool {
    matches!(role, Role::Billing)
}

/// Whether the role's time on a thread is measured and attested for
/// e-visit billing: clinicians (whether their time bills is the billing
/// class's answer, see [`crate::billing::BillingClasses`]).
#[must_use]
pub const fn may_record_billing_time(role: Role) -> bool {
    role.is_clinician()
}

mod patients;
#[cfg(test)]
mod tests;

pub use patients::{PatientFacts, PatientReach, decide_new_thread, decide_record_download, patient_reach};
