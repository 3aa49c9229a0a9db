//! The store's traits, one per aggregate; [`crate::Store`] is all of them.

mod audit;
mod billing;
mod clinic;
mod contacts;
pub(crate) mod coverage;
mod drafting;
mod grants;
mod health;
mod held;
pub(crate) mod insights;
mod keys;
mod messages;
mod outbox;
mod people;
mod sessions;
mod threads;
mod triage;
mod visits;

pub use audit::AuditLog;
pub use billing::Billing;
pub use clinic::ClinicSettings;
pub use contacts::Contacts;
pub use coverage::Coverage;
pub use drafting::Drafting;
pub use grants::AccessGrants;
pub use health::StorageHealth;
pub use held::HeldReplies;
pub use keys::Keys;
pub use messages::Messages;
pub use outbox::Outbox;
pub use people::People;
pub use sessions::Sessions;
pub use threads::Threads;
pub use triage::TriageResults;
pub use visits::VisitRequests;
