//! FHIR R4 (4.0.1) JSON for CareThread: each message of a conversation as a
//! `Communication`, each conversation as the care team's `Task`, pools as
//! `Group`s, patients and staff as `Patient` and `Practitioner`, the
//! server's `CapabilityStatement`, errors as `OperationOutcome`, search
//! results as a `searchset` `Bundle`, approved online-visit claims as
//! `ChargeItem`s and `Claim`s; and the parsing of `Communication`
//! and `Task` search parameters.
//!
//! Pure mapping: values in, `serde_json::Value` out. No HTTP, no SQL, no
//! clock (times are passed in). The server decides who may read what (through
//! the application layer) before anything here is called.

mod audit_event;
mod bundle;
mod capability;
mod care_team;
mod claim;
mod communication;
mod communication_create;
mod onboarding;
mod outcome;
mod people;
mod people_search;
mod provenance;
mod reference;
mod related_person;
mod search;
pub mod smart;
mod subscription;
mod task;
mod task_search;
mod task_update;

pub use audit_event::{AUDIT_ACTION_SYSTEM, AUDIT_TARGET_SYSTEM, AuditFacts, AuditSearch, audit_event};
pub use bundle::{SearchEntry, add_included, searchset};
pub use capability::{CapabilityInfo, Interaction, SUPPORTED, SearchParam, SupportedResource, capability_statement};
pub use care_team::care_team;
pub use claim::{BILLING_PERIOD_SYSTEM, CPT_SYSTEM, ClaimFacts, HCPCS_SYSTEM, claims_bundle};
pub use communication::{AttachmentFacts, CommunicationFacts, Recipient, TriageFacts, communication};
pub use communication_create::NewCommunication;
pub use onboarding::{
    EntryError, ImportedCareTeam, ImportedEntry, ImportedGrant, ImportedPerson, Onboarding, PROXY_SCOPE_EXTENSION,
    PersonKey, read_onboarding,
};
pub use outcome::{IssueCode, operation_outcome};
pub use people::{PatientFacts, PractitionerFacts, patient, practitioner};
pub use people_search::{PeopleKind, PeopleSearch, related_person_search};
pub use provenance::{ProvenanceFacts, provenance};
pub use reference::Party;
pub use related_person::{RelatedPersonFacts, related_person};
pub use search::{CommunicationSearch, PageCursor, SearchError, SentBounds, is_json_format};
pub use subscription::{Notification, SubscriptionFacts, SubscriptionRequest, TOPIC_BASE, notification, subscription};
pub use task::{PoolFacts, TaskFacts, group, task, task_priority, task_status};
pub use task_search::{TaskOwner, TaskSearch};
pub use task_update::TaskUpdate;

/// The media type of every FHIR answer.
pub const FHIR_JSON: &str = "application/fhir+json";

/// The FHIR version these resources follow.
pub const FHIR_VERSION: &str = "4.0.1";

/// Where CareThread's own code systems, naming systems and extensions live.
pub const CARETHREAD_BASE: &str = "https://carethread.org/fhir";

/// The code system of triage categories (`medication`, `scheduling`, …).
pub const CATEGORY_SYSTEM: &str = "https://carethread.org/fhir/CodeSystem/triage-category";
/// The code system of triage urgencies (`emergency`, `urgent`, `routine`).
pub const URGENCY_SYSTEM: &str = "https://carethread.org/fhir/CodeSystem/triage-urgency";
/// The code system of message kinds (`internal-note`).
pub const MESSAGE_KIND_SYSTEM: &str = "https://carethread.org/fhir/CodeSystem/message-kind";
/// The code system of staff roles (`physician`, `nurse`, …).
pub const ROLE_SYSTEM: &str = "https://carethread.org/fhir/CodeSystem/staff-role";
/// Identifiers of messages (a `Communication` carries its message's id).
pub const MESSAGE_ID_SYSTEM: &str = "https://carethread.org/fhir/NamingSystem/message-id";
/// CareThread's own user ids (a proxy is referred to by hers).
pub const USER_ID_SYSTEM: &str = "https://carethread.org/fhir/NamingSystem/user-id";
/// Identifiers of conversations (a `Communication`'s `partOf`).
pub const THREAD_ID_SYSTEM: &str = "https://carethread.org/fhir/NamingSystem/thread-id";
/// Identifiers of pools (shared in-baskets a message is addressed to).
pub const POOL_ID_SYSTEM: &str = "https://carethread.org/fhir/NamingSystem/pool-id";
/// The clinic's medical record numbers.
pub const MRN_SYSTEM: &str = "https://carethread.org/fhir/NamingSystem/mrn";
/// The extension carrying a thread's triage result, with model and version.
pub const TRIAGE_EXTENSION: &str = "https://carethread.org/fhir/StructureDefinition/triage";
/// The extension carrying an attachment's SHA-256 (FHIR's `hash` is SHA-1,
/// which CareThread does not store).
pub const SHA256_EXTENSION: &str = "https://carethread.org/fhir/StructureDefinition/attachment-sha256";

/// A FHIR `instant`: UTC with seconds and, when present, fractions of a second.
#[must_use]
pub fn instant(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
pub(crate) mod test_ids {
    /// A fixed id of any kind, numbered for tests.
    pub fn id<T: std::str::FromStr>(n: u8) -> T {
        let raw = format!("00000000-0000-7000-8000-0000000000{n:02x}");
        let Ok(id) = raw.parse() else { panic!("{raw} is a valid uuid") };
        id
    }
}
