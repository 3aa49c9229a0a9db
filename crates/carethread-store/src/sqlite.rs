//! The embedded backend: one SQLite file in WAL mode, `synchronous=FULL` so
//! an acknowledged message survives power loss, foreign keys on. Writes go
//! through a single connection (SQLite has one writer anyway; queueing in the
//! pool is fairer and faster than spinning on the busy handler), reads
//! through a small pool of read-only connections.

use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::broadcast;

type Db = sqlx::Sqlite;
type DbRow = sqlx::sqlite::SqliteRow;
type Backend = SqliteStore;
const BACKEND_NAME: &str = "sqlite";

/// CareThread on SQLite.
#[derive(Clone)]
pub struct SqliteStore {
    read: sqlx::SqlitePool,
    write: sqlx::SqlitePool,
    events: broadcast::Sender<ThreadEvent>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file `url` names and migrates it.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new().max_connections(4).connect_with(options.read_only(true)).await?;
        let (events, _) = broadcast::channel(1024);
        Ok(Self { read, write, events })
    }

    /// Copies the database into a new file while it is in use (`VACUUM INTO`).
    pub async fn backup_to(&self, path: &str) -> StoreResult<()> {
        sqlx::query("VACUUM INTO $1").bind(path).execute(&self.write).await?;
        Ok(())
    }

    #[expect(
        clippy::unused_async,
        reason = "same shape as the PostgreSQL backend, which notifies inside the transaction"
    )]
    async fn notify_in_tx(&self, _tx: &mut sqlx::Transaction<'_, Db>, _event: &ThreadEvent) -> StoreResult<()> {
        Ok(())
    }

    /// One process owns the file, so committed events go straight to local subscribers.
    fn publish(&self, event: ThreadEvent) {
        let _ = self.events.send(event);
    }
}

include!("sql_store.rs");
