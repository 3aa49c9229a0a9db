//! What the store takes to import people from a clinic's EHR: accounts to
//! create or bring up to date, proxies' access, care teams, each naming
//! people by how the EHR knows them.

use carethread_core::ids::UserId;
use carethread_core::policy::ProxyScope;
use carethread_core::role::Role;
use carethread_core::user::NewUser;
use chrono::{DateTime, Utc};

/// How an imported person is known.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ImportKey {
    /// A patient's record number.
    Mrn(String),
    /// An identifier of the EHR's (`system`, `value`).
    Identifier { system: String, value: String },
    /// Someone CareThread already has.
    Id(UserId),
}

/// One change an import makes.
#[derive(Debug, Clone)]
pub enum ImportStep {
    /// A person: created with this account if unknown, else brought up to
    /// date (name, birth date, language; never the role or password).
    Account { key: ImportKey, user: NewUser, password_hash: String },
    /// A proxy's access to a patient: added when none is in force (access in
    /// force is the patient's to change, and is kept as it is).
    Grant { patient: ImportKey, proxy: ImportKey, scope: ProxyScope, expires_at: Option<DateTime<Utc>> },
    /// Clinicians added to a patient's care team (those already on it stay).
    CareTeam { patient: ImportKey, members: Vec<ImportKey> },
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    Created(UserId),
    Updated(UserId),
    GrantAdded,
    /// Access in force was kept as it is (or the one described had ended).
    GrantKept,
    /// How many clinicians were added (0 when all were on the team already).
    MembersAdded(u64),
}

/// Who imports, for the audit entries each change writes.
#[derive(Debug, Clone)]
pub struct Importer {
    /// The person importing; `None` for the operator at the command line.
    pub actor: Option<(UserId, Role)>,
    pub client: Option<String>,
    pub now: DateTime<Utc>,
}
