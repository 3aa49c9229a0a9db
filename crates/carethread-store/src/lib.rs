//! CareThread persistence, behind one small trait per aggregate:
//!
//! - [`Threads`]: threads, who may see them, moving them between pools and
//!   people (with an internal note in the same transaction: see
//!   [`Threads::update_thread_with_note`]);
//! - [`Messages`]: the messages of a thread, read receipts and files;
//! - [`TriageResults`]: triage results, overrides and how triage has done;
//! - [`People`]: users, patients' care teams, pools and their members;
//! - [`Sessions`]: sign-in, lockout, sessions and the second factor;
//! - [`AccessGrants`]: proxy grants and break-the-glass emergency access;
//! - [`AuditLog`] and [`Keys`]: the hash-chained audit log, and the data keys
//!   that seal PHI;
//! - [`Drafting`]: drafts, the clinic's AI switches, reply templates, quick
//!   replies and the AI report;
//! - [`ClinicSettings`]: the clinic profile and triage settings;
//! - [`Contacts`]: e-mail, phone and how each person wants to be notified;
//! - [`Coverage`]: clinicians' time away, their coverers, and the threads
//!   moved to the coverer until they return;
//! - [`HeldReplies`]: replies written now and released later;
//! - [`VisitRequests`]: threads turned into visits, for the front desk and billing;
//! - [`Outbox`]: jobs to run later or elsewhere (notifications, pages,
//!   reminders), written with the actions that cause them;
//! - [`Insights`]: the clinic's figures (volume, response times, workload,
//!   safety), counted by the database over a date range;
//! - [`StorageHealth`]: whether the database still accepts writes.
//!
//! [`Store`] is all of them at once plus the live-event feed, so callers hold
//! one `Arc<dyn Store>` (and may take `&dyn Threads` where one aggregate is
//! enough). Values cross the boundary typed: ids are newtypes
//! (`carethread_core::ids`), and what the store returns has named fields.
//!
//! Two first-class backends implement every trait: [`SqliteStore`] (embedded,
//! one file, the default) and [`PostgresStore`] (many stateless servers on one
//! database). Both run the same SQL, shared as ordinary generic Rust:
//!
//! - `dialect.rs`: the `Dialect` trait, implemented for `sqlx::Sqlite` and
//!   `sqlx::Postgres`, holds what differs (parameter style, how live events
//!   travel, compaction) and runs a query on a connection or pool for each
//!   backend concretely, so generic code needs no sqlx higher-ranked bounds:
//!   it binds with `bind_v` (the `Bindable` value types), runs with
//!   `execute_with` / `fetch_all_with` / …, and reads with `get_v` (the
//!   `Decodable` types). Every call is monomorphised; nothing is boxed or
//!   read through a dynamic row.
//! - `shared/`: one module per aggregate (`people.rs`, `threads.rs`,
//!   `messages.rs`, `grants.rs`, `audit.rs`, …), each implementing its store
//!   trait once for any `Backend` (`shared/backend.rs`: a `Sql<D>` over the
//!   backend's pools and keys, plus how a write a user waits on is
//!   committed), the SQL written in the trait's methods; queries several
//!   methods share are `impl<D: Dialect> Sql<D>` methods beside them.
//! - `inputs.rs`: the typed inputs of writes that take many values
//!   ([`NewGrant`], [`SetReplyTemplate`], …).
//! - `sqlite.rs` and `postgres.rs`: opening, and committing those writes:
//!   SQLite's group commit, PostgreSQL's transaction with `NOTIFY`.
//!
//! The same tests run on both. Every change is written by one helper,
//! `Sql::audited` (in `shared/mod.rs`): begin, the change, its audit
//! entries, its live events, commit; if any part fails, nothing is stored.
//!
//! Authorisation facts are read in the same query as the data they guard, so
//! a caller never "loads, then checks"; list queries filter by the same
//! relationships the core policy decides on.

pub mod backup;
pub mod billing;
mod bulk_exports;
pub mod contacts;
pub mod crypto;
mod dialect;
mod error;
mod events;
pub mod held;
mod inputs;
pub mod jobs;
mod model;
mod patient_apps;
mod people;
mod people_import;
mod postgres;
mod shared;
mod sql;
mod sqlite;
mod subscriptions;
mod system_clients;
mod traits;
pub mod visits;

use std::sync::Arc;

use async_trait::async_trait;

pub use billing::{
    BillingPatient, BillingSetup, BillingThread, ClaimDecision, ClaimStatus, PeriodKey, RecordedVisit,
    ThreadBillingMark, VisitSource,
};
pub use bulk_exports::{BulkExport, ExportFile, ExportStatus};
pub use contacts::ContactPreferences;
pub use crypto::{Keyring, MasterKey, MasterKeyError};
pub use error::StoreError;
pub use events::{EventKind, ThreadEvent};
pub use held::{HeldReply, HeldReplyId, NewHeldReply, ReleaseHeld};
pub use inputs::*;
pub use jobs::{ClaimedJob, JobCounts, JobEffects, JobId, JobRecord, JobState, NewJob, SentNotice, WaitingThread};
pub use model::*;
pub use patient_apps::{AppConnection, AppTokens, NewAppConnection, PatientApp};
pub use people::{CareTeamMember, Credentials, Membership, PoolMember};
pub use people_import::{ImportKey, ImportOutcome, ImportStep, Importer};
pub use postgres::{PostgresStore, ScratchDatabase};
pub use sqlite::SqliteStore;
pub use subscriptions::{CursorMove, EventWindow, StatusChange, Subscription, SubscriptionStatus, Topic, TopicEvent};
pub use system_clients::{NewSystemClient, SystemClient, SystemToken};
pub use traits::coverage::{CoveredThread, ReturnedThreads};
pub use traits::insights::*;
pub use traits::{
    AccessGrants, AuditLog, Billing, BulkExports, ClinicSettings, Contacts, Coverage, Drafting, Equity, EquityPerson,
    EquityRows, HeldReplies, Keys, LegalHold, Messages, Outbox, PatientApps, People, PeopleImports, Retention,
    Sessions, StorageHealth, Subscriptions, SystemClients, Threads, TriageResults, VisitRequests,
};
pub use visits::{NewVisitRequest, VisitKind, VisitRequest, VisitRequestId, VisitStatus};

/// Every store trait, for code that calls store methods on a concrete
/// backend (`SqliteStore`, `PostgresStore`). Through `dyn Store`, or a
/// generic `S: Store`, the aggregates' methods need no import.
pub mod prelude {
    pub use crate::Store;
    pub use crate::traits::insights::Insights;
    pub use crate::traits::{
        AccessGrants, AuditLog, Billing, BulkExports, ClinicSettings, Contacts, Coverage, Drafting, Equity,
        HeldReplies, Keys, Messages, Outbox, PatientApps, People, PeopleImports, Retention, Sessions, StorageHealth,
        Subscriptions, SystemClients, Threads, TriageResults, VisitRequests,
    };
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything CareThread keeps: every aggregate's trait at once, so one
/// `Arc<dyn Store>` serves every caller. Implemented by [`SqliteStore`] and
/// [`PostgresStore`].
#[async_trait]
pub trait Store:
    Threads
    + Messages
    + TriageResults
    + People
    + Sessions
    + AccessGrants
    + AuditLog
    + Keys
    + Drafting
    + ClinicSettings
    + Billing
    + Contacts
    + Coverage
    + HeldReplies
    + VisitRequests
    + Insights
    + Outbox
    + Retention
    + Equity
    + StorageHealth
    + SystemClients
    + PeopleImports
    + BulkExports
    + Subscriptions
    + PatientApps
    + Send
    + Sync
    + 'static
{
    /// The backend's name, for logs and metrics: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Answers when the database does.
    async fn ping(&self) -> StoreResult<()>;

    /// Events from every server sharing this database (ids only, never content).
    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ThreadEvent>;
}

/// Opens the store a database URL names, running migrations.
/// `sqlite://PATH` or `sqlite:PATH` opens (creating) a SQLite file;
/// `postgres://…` or `postgresql://…` connects to PostgreSQL. Any other
/// scheme is an error, never a new empty database by accident.
///
/// `master` unwraps the database's data keys; a new database gets its first
/// data key wrapped under it, and a database whose keys it cannot unwrap is
/// refused ([`StoreError::WrongMasterKey`]).
pub async fn open(url: &str, master: MasterKey) -> StoreResult<Arc<dyn Store>> {
    open_as(url, master, Durability::EveryCommit).await
}

/// When a commit reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Every commit is on disk before it is acknowledged (what a clinic runs).
    EveryCommit,
    /// For loading a large generated database in bulk (benchmarks): SQLite
    /// syncs only at checkpoints (`synchronous = NORMAL` with its WAL), so a
    /// power cut may lose the last commits but never corrupts the file.
    /// PostgreSQL is opened as usual.
    BulkLoad,
}

/// [`open`], choosing when commits reach the disk.
pub async fn open_as(url: &str, master: MasterKey, durability: Durability) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open_as(url, master, durability).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::open(url, master).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}
