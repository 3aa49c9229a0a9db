//! The audit log's vocabulary and its hash chain.
//!
//! Every sign-in, every read and write of a thread, message or attachment,
//! every grant, break-the-glass and administrative change leaves one entry.
//! Entries are chained: each stores the hash of the one before, so changing
//! or removing any stored entry breaks the chain from that entry on
//! ([`verify_chain`]).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::DomainError;
use crate::ids::UserId;
use crate::role::Role;

/// What was done. The names are stable: reports and exports use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignIn,
    SignOut,
    SignOutEverywhere,
    MfaEnrol,
    MfaEnable,
    MfaDisable,
    PasswordChange,
    ThreadList,
    ThreadRead,
    ThreadCreate,
    ThreadUpdate,
    ThreadTriage,
    BreakGlass,
    MessageRead,
    MessageCreate,
    NoteCreate,
    AttachmentRead,
    AttachmentCreate,
    GrantCreate,
    GrantRevoke,
    GrantList,
    UserCreate,
    UserUpdate,
    CareTeamChange,
    PoolChange,
    SettingsChange,
    AuditRead,
    AuditExport,
    KeyRotation,
    DraftCreate,
    ContactChange,
    Unsubscribe,
    JobRetry,
    CoverageChange,
    MessageHold,
    MessageRelease,
    MessageCancel,
    VisitRequest,
    /// E-visit billing changed: settings, a patient's consent, a thread's
    /// purpose, an attestation or a claim decision (the detail says which).
    BillingChange,
    /// The billing queue was read (periods, never message text).
    BillingRead,
    /// Approved claims were exported.
    BillingExport,
    /// A patient's records were put under legal hold, or released from it.
    LegalHold,
    /// A closed conversation past the clinic's retention period was purged.
    RetentionPurge,
    /// The groups a patient gave (payer type, sex, race, ethnicity, a
    /// clinic's own) were recorded or changed.
    PatientGroupsChange,
    /// A patient's recorded groups were read.
    PatientGroupsRead,
    /// The equity monitor was read (figures per group, no patient named).
    EquityRead,
    /// A system was registered for the FHIR API, or revoked.
    SystemClientChange,
    /// A registered system was given a FHIR API token.
    SystemToken,
    /// A patient's whole record of messages was downloaded (by her, her
    /// proxy, or staff at the command line).
    RecordExport,
    /// A system asked for a FHIR Bulk Data export (what it then reads is
    /// audited as reads are).
    BulkExport,
    /// An app was registered for patients to connect, or revoked.
    PatientAppChange,
    /// A patient allowed an app to read her record, or refused it.
    AppConsent,
    /// A patient's app was given tokens (for its code, or a refresh token),
    /// or refused them.
    AppToken,
    /// A patient disconnected an app.
    AppDisconnect,
}

impl AuditAction {
    pub const ALL: [AuditAction; 54] = [
        AuditAction::SignIn,
        AuditAction::SignOut,
        AuditAction::SignOutEverywhere,
        AuditAction::MfaEnrol,
        AuditAction::MfaEnable,
        AuditAction::MfaDisable,
        AuditAction::PasswordChange,
        AuditAction::ThreadList,
        AuditAction::ThreadRead,
        AuditAction::ThreadCreate,
        AuditAction::ThreadUpdate,
        AuditAction::ThreadTriage,
        AuditAction::BreakGlass,
        AuditAction::MessageRead,
        AuditAction::MessageCreate,
        AuditAction::NoteCreate,
        AuditAction::AttachmentRead,
        AuditAction::AttachmentCreate,
        AuditAction::GrantCreate,
        AuditAction::GrantRevoke,
        AuditAction::GrantList,
        AuditAction::UserCreate,
        AuditAction::UserUpdate,
        AuditAction::CareTeamChange,
        AuditAction::PoolChange,
        AuditAction::SettingsChange,
        AuditAction::AuditRead,
        AuditAction::AuditExport,
        AuditAction::KeyRotation,
        AuditAction::DraftCreate,
        AuditAction::ContactChange,
        AuditAction::Unsubscribe,
        AuditAction::JobRetry,
        AuditAction::CoverageChange,
        AuditAction::MessageHold,
        AuditAction::MessageRelease,
        AuditAction::MessageCancel,
        AuditAction::VisitRequest,
        AuditAction::BillingChange,
        AuditAction::BillingRead,
        AuditAction::BillingExport,
        AuditAction::LegalHold,
        AuditAction::RetentionPurge,
        AuditAction::PatientGroupsChange,
        AuditAction::PatientGroupsRead,
        AuditAction::EquityRead,
        AuditAction::SystemClientChange,
        AuditAction::SystemToken,
        AuditAction::RecordExport,
        AuditAction::BulkExport,
        AuditAction::PatientAppChange,
        AuditAction::AppConsent,
        AuditAction::AppToken,
        AuditAction::AppDisconnect,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "session.sign_in",
            AuditAction::SignOut => "session.sign_out",
            AuditAction::SignOutEverywhere => "session.sign_out_everywhere",
            AuditAction::MfaEnrol => "mfa.enrol",
            AuditAction::MfaEnable => "mfa.enable",
            AuditAction::MfaDisable => "mfa.disable",
            AuditAction::PasswordChange => "password.change",
            AuditAction::ThreadList => "thread.list",
            AuditAction::ThreadRead => "thread.read",
            AuditAction::ThreadCreate => "thread.create",
            AuditAction::ThreadUpdate => "thread.update",
            AuditAction::ThreadTriage => "thread.triage",
            AuditAction::BreakGlass => "thread.break_glass",
            AuditAction::MessageRead => "message.read",
            AuditAction::MessageCreate => "message.create",
            AuditAction::NoteCreate => "note.create",
            AuditAction::AttachmentRead => "attachment.read",
            AuditAction::AttachmentCreate => "attachment.create",
            AuditAction::GrantCreate => "grant.create",
            AuditAction::GrantRevoke => "grant.revoke",
            AuditAction::GrantList => "grant.list",
            AuditAction::UserCreate => "admin.user_create",
            AuditAction::UserUpdate => "admin.user_update",
            AuditAction::CareTeamChange => "admin.care_team",
            AuditAction::PoolChange => "admin.pool",
            AuditAction::SettingsChange => "admin.settings",
            AuditAction::AuditRead => "audit.read",
            AuditAction::AuditExport => "audit.export",
            AuditAction::KeyRotation => "keys.rotate",
            AuditAction::DraftCreate => "draft.create",
            AuditAction::ContactChange => "contact.update",
            AuditAction::Unsubscribe => "contact.unsubscribe",
            AuditAction::JobRetry => "admin.job_retry",
            AuditAction::CoverageChange => "coverage.update",
            AuditAction::MessageHold => "message.hold",
            AuditAction::MessageRelease => "message.release",
            AuditAction::MessageCancel => "message.cancel",
            AuditAction::VisitRequest => "thread.visit_request",
            AuditAction::BillingChange => "billing.update",
            AuditAction::BillingRead => "billing.read",
            AuditAction::BillingExport => "billing.export",
            AuditAction::LegalHold => "admin.legal_hold",
            AuditAction::RetentionPurge => "retention.purge",
            AuditAction::PatientGroupsChange => "patient.groups_update",
            AuditAction::PatientGroupsRead => "patient.groups_read",
            AuditAction::EquityRead => "equity.read",
            AuditAction::SystemClientChange => "admin.system_client",
            AuditAction::SystemToken => "session.system_token",
            AuditAction::RecordExport => "patient.record_export",
            AuditAction::BulkExport => "fhir.bulk_export",
            AuditAction::PatientAppChange => "admin.patient_app",
            AuditAction::AppConsent => "patient.app_consent",
            AuditAction::AppToken => "session.app_token",
            AuditAction::AppDisconnect => "patient.app_disconnect",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == raw)
            .ok_or_else(|| DomainError::invalid("action", "is not an audit action"))
    }

    /// Whether a patient is shown this action on her record when she asks
    /// who has seen her messages: accesses to her threads, messages and
    /// attachments, and grants of access to them (including an
    /// administrator's).
    #[must_use]
    pub const fn shown_to_patient(self) -> bool {
        matches!(
            self,
            AuditAction::GrantCreate
                | AuditAction::GrantRevoke
                | AuditAction::ThreadRead
                | AuditAction::ThreadCreate
                | AuditAction::ThreadUpdate
                | AuditAction::ThreadTriage
                | AuditAction::BreakGlass
                | AuditAction::MessageRead
                | AuditAction::MessageCreate
                | AuditAction::AttachmentRead
                | AuditAction::AttachmentCreate
                | AuditAction::RetentionPurge
                | AuditAction::RecordExport
        )
    }
}

/// How the attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Success,
    /// Refused by the policy, a lockout or a wrong credential.
    Denied,
}

impl AuditOutcome {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "success",
            AuditOutcome::Denied => "denied",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "success" => Ok(AuditOutcome::Success),
            "denied" => Ok(AuditOutcome::Denied),
            _ => Err(DomainError::invalid("outcome", "must be success or denied")),
        }
    }
}

/// One thing that happened, before it is stored. `target` names what was
/// touched (`thread:<id>`, `user:<id>` …) and never carries content;
/// `detail` is free text kept encrypted (a break-the-glass reason, the
/// fields an admin changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub actor_role: Option<Role>,
    pub patient_id: Option<UserId>,
    pub action: AuditAction,
    pub target: Option<String>,
    pub outcome: AuditOutcome,
    pub client: Option<String>,
    pub detail: Option<String>,
}

impl AuditEvent {
    /// A successful `action` by `actor`.
    #[must_use]
    pub fn new(action: AuditAction, actor: Option<(UserId, Role)>, at: DateTime<Utc>) -> Self {
        Self {
            at,
            actor_id: actor.map(|a| a.0),
            actor_role: actor.map(|a| a.1),
            patient_id: None,
            action,
            target: None,
            outcome: AuditOutcome::Success,
            client: None,
            detail: None,
        }
    }

    #[must_use]
    pub fn patient(mut self, patient: UserId) -> Self {
        self.patient_id = Some(patient);
        self
    }

    #[must_use]
    pub fn target(mut self, kind: &str, id: impl std::fmt::Display) -> Self {
        self.target = Some(format!("{kind}:{id}"));
        self
    }

    #[must_use]
    pub fn denied(mut self) -> Self {
        self.outcome = AuditOutcome::Denied;
        self
    }

    #[must_use]
    pub fn client(mut self, client: Option<String>) -> Self {
        self.client = client;
        self
    }

    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// An entry as stored: the event's fields as text, its place in the chain,
/// and the hashes that chain it. `detail` is the stored (encrypted) form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEntry {
    pub seq: i64,
    pub at_ms: i64,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub patient_id: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub client: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl ChainedEntry {
    /// The hash this entry must carry: SHA-256 over the previous hash and
    /// every field, each length-prefixed so no two entries read alike.
    #[must_use]
    pub fn compute_hash(&self) -> String {
        let mut hasher = Sha256::new();
        let mut field = |value: Option<&str>| match value {
            None => hasher.update(b"-\n"),
            Some(v) => {
                hasher.update(v.len().to_string().as_bytes());
                hasher.update(b":");
                hasher.update(v.as_bytes());
                hasher.update(b"\n");
            }
        };
        field(Some(&self.prev_hash));
        field(Some(&self.seq.to_string()));
        field(Some(&self.at_ms.to_string()));
        field(self.actor_id.as_deref());
        field(self.actor_role.as_deref());
        field(self.patient_id.as_deref());
        field(Some(&self.action));
        field(self.target.as_deref());
        field(Some(&self.outcome));
        field(self.client.as_deref());
        field(self.detail.as_deref());
        hasher.finalize().iter().fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

/// Why a chain failed verification, naming the first entry at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq}: its contents no longer match its hash (changed after it was written)")]
    Altered { seq: i64 },
    #[error("entry {seq}: does not follow the entry before it (an entry before it was changed or removed)")]
    Unlinked { seq: i64 },
    #[error("entry {expected} is missing (removed); the next entry present is {found}")]
    Missing { expected: i64, found: i64 },
    #[error("the log ends at entry {last} but {head} entries were written (entries at the end were removed)")]
    Truncated { last: i64, head: i64 },
}

/// Walks a chain in order. Feed entries with [`ChainVerifier::push`], then
/// [`ChainVerifier::finish`] with the head (count and last hash) the store
/// kept beside the log.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { expected_seq: 1, prev_hash: GENESIS_HASH.to_owned() }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, entry: &ChainedEntry) -> Result<(), ChainBreak> {
        if entry.seq != self.expected_seq {
            return Err(ChainBreak::Missing { expected: self.expected_seq, found: entry.seq });
        }
        if entry.compute_hash() != entry.hash {
            return Err(ChainBreak::Altered { seq: entry.seq });
        }
        if entry.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked { seq: entry.seq });
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&entry.hash);
        Ok(())
    }

    /// Entries verified so far.
    #[must_use]
    pub fn count(&self) -> i64 {
        self.expected_seq - 1
    }

    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let last = self.expected_seq - 1;
        if head_seq != last || (last > 0 && head_hash != self.prev_hash) {
            return Err(ChainBreak::Truncated { last, head: head_seq });
        }
        Ok(last)
    }
}

/// Verifies a whole chain held in memory.
pub fn verify_chain(entries: &[ChainedEntry], head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
    let mut verifier = ChainVerifier::default();
    for entry in entries {
        verifier.push(entry)?;
    }
    verifier.finish(head_seq, head_hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<ChainedEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let mut e = ChainedEntry {
                    seq,
                    at_ms: 1_700_000_000_000 + seq,
                    actor_id: Some("u1".into()),
                    actor_role: Some("nurse".into()),
                    patient_id: Some("p1".into()),
                    action: "thread.read".into(),
                    target: Some(format!("thread:{seq}")),
                    outcome: "success".into(),
                    client: None,
                    detail: None,
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev.clone_from(&e.hash);
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let entries = chain(5);
        let head = entries[4].hash.clone();
        assert_eq!(verify_chain(&entries, 5, &head), Ok(5));
        assert_eq!(verify_chain(&[], 0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn a_changed_entry_is_named() {
        let mut entries = chain(5);
        let head = entries[4].hash.clone();
        entries[2].action = "thread.create".into();
        assert_eq!(verify_chain(&entries, 5, &head), Err(ChainBreak::Altered { seq: 3 }));
    }

    #[test]
    fn a_rehashed_entry_breaks_the_link_to_the_next() {
        let mut entries = chain(5);
        let head = entries[4].hash.clone();
        entries[2].target = None;
        entries[2].hash = entries[2].compute_hash();
        assert_eq!(verify_chain(&entries, 5, &head), Err(ChainBreak::Unlinked { seq: 4 }));
    }

    #[test]
    fn removed_entries_are_found_in_the_middle_and_at_the_end() {
        let mut entries = chain(5);
        let head = entries[4].hash.clone();
        entries.remove(1);
        assert_eq!(verify_chain(&entries, 5, &head), Err(ChainBreak::Missing { expected: 2, found: 3 }));
        let mut entries = chain(5);
        entries.pop();
        assert_eq!(verify_chain(&entries, 5, &head), Err(ChainBreak::Truncated { last: 4, head: 5 }));
    }

    #[test]
    fn fields_cannot_be_shifted_between_columns() {
        let mut a = chain(1).remove(0);
        let mut b = a.clone();
        a.target = Some("x:1".into());
        a.client = None;
        b.target = None;
        b.client = Some("x:1".into());
        assert_ne!(a.compute_hash(), b.compute_hash());
    }

    #[test]
    fn action_names_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Ok(action));
        }
        assert!(AuditAction::parse("nope").is_err());
    }
}
