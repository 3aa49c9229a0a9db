//! CareThread persistence. One [`Store`] trait, two first-class backends:
//! [`SqliteStore`] (embedded, one file, the default) and [`PostgresStore`]
//! (many stateless servers on one database). Both run the same SQL, kept in
//! one file per aggregate (`sql_users.rs`, `sql_threads.rs`, `sql_messages.rs`,
//! `sql_grants.rs`, `sql_audit.rs`, …, mapped onto the trait in
//! `sql_store.rs`) compiled once per backend, and the same tests.
//!
//! Authorisation facts are read in the same query as the data they guard, so
//! a caller never "loads, then checks"; list queries filter by the same
//! relationships the core policy decides on.

pub mod crypto;
mod error;
mod events;
mod model;
mod people;
mod postgres;
mod sql;
mod sqlite;
mod traits;

use std::sync::Arc;

use async_trait::async_trait;

pub use crypto::{Keyring, MasterKey, MasterKeyError};
pub use error::StoreError;
pub use events::{EventKind, ThreadEvent};
pub use model::*;
pub use people::{CareTeamMember, Credentials, PoolMember};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use traits::{AccessGrants, AuditLog, ClinicSettings, Drafting, Keys, People, Sessions, StorageHealth, Threads};

/// Every store trait, for code that calls store methods on a concrete
/// backend (`SqliteStore`, `PostgresStore`). Through `dyn Store`, or a
/// generic `S: Store`, the aggregates' methods need no import.
pub mod prelude {
    pub use crate::Store;
    pub use crate::traits::{
        AccessGrants, AuditLog, ClinicSettings, Drafting, Keys, People, Sessions, StorageHealth, Threads,
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
    + People
    + Sessions
    + AccessGrants
    + AuditLog
    + Keys
    + Drafting
    + ClinicSettings
    + StorageHealth
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
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url, master).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::open(url, master).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}
