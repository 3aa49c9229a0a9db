//! The embedded backend: one SQLite file in WAL mode, `synchronous=FULL` so
//! an acknowledged message survives power loss, foreign keys on. Writes go
//! through a single connection (SQLite has one writer anyway; queueing in the
//! pool is fairer and faster than spinning on the busy handler), reads
//! through a small pool of read-only connections.
//!
//! Messages and new threads — the writes users wait on — use group commit:
//! whatever arrives while the previous transaction is committing is written
//! in the next one, so one `fsync` acknowledges many messages; a failing write
//! never takes its neighbours down (see `commit_batch`).

use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{broadcast, mpsc, oneshot};

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
    jobs: mpsc::Sender<(WriteJob, Reply)>,
    keys: Keyring,
}

/// Where a queued write's result goes.
type Reply = oneshot::Sender<StoreResult<Written>>;

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 256;

impl SqliteStore {
    /// Opens (creating if needed) the database file `url` names and migrates it.
    pub async fn open(url: &str, master: crate::MasterKey) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Deleted and overwritten content is zeroed, not left in free pages.
            .pragma("secure_delete", "on")
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new().max_connections(4).connect_with(options.read_only(true)).await?;
        let (events, _) = broadcast::channel(1024);
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        let keys = Keyring::new(master);
        tokio::spawn(group_commit(write.clone(), queue, events.clone(), keys.clone()));
        let store = Self { read, write, events, jobs, keys };
        store.init_keys().await?;
        Ok(store)
    }

    #[expect(
        clippy::unused_async,
        reason = "same shape as the PostgreSQL backend, which notifies inside the transaction"
    )]
    async fn notify_in_tx(&self, _conn: &mut sqlx::SqliteConnection, _event: &ThreadEvent) -> StoreResult<()> {
        Ok(())
    }

    /// Rewrites the file without free pages and empties the WAL, so values
    /// replaced by re-encryption leave no copy behind.
    async fn compact(&self) -> StoreResult<()> {
        sqlx::query("VACUUM").execute(&self.write).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.write).await?;
        Ok(())
    }

    /// Queues a write for the next group commit and waits until it is durable.
    async fn submit(&self, job: WriteJob) -> StoreResult<Written> {
        let (reply, result) = oneshot::channel();
        self.jobs.send((job, reply)).await.map_err(|_| StoreError::CommitFailed)?;
        result.await.map_err(|_| StoreError::CommitFailed)?
    }

    /// One process owns the file, so committed events go straight to local subscribers.
    fn publish(&self, event: ThreadEvent) {
        let _ = self.events.send(event);
    }
}

/// The group-commit writer: runs until the store is dropped.
async fn group_commit(
    pool: sqlx::SqlitePool,
    mut queue: mpsc::Receiver<(WriteJob, Reply)>,
    events: broadcast::Sender<ThreadEvent>,
    keys: Keyring,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        commit_batch(&pool, &mut batch, &events, &keys).await;
    }
}

/// Writes every queued job in one transaction and answers each job only
/// after the commit is durable. Jobs run back to back; if any fails, the
/// transaction is rolled back and the batch is run again with each job in its
/// own savepoint, so a failing write never takes its neighbours down (failures
/// are rare, so the common case pays for no savepoints).
async fn commit_batch(
    pool: &sqlx::SqlitePool,
    batch: &mut Vec<(WriteJob, Reply)>,
    events: &broadcast::Sender<ThreadEvent>,
    keys: &Keyring,
) {
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn,
        Err(err) => {
            tracing::error!(error = %err, "group commit could not reach the database");
            return fail_all(batch.drain(..).map(|(_, reply)| reply));
        }
    };
    let results = match run_batch_or_roll_back(&mut conn, keys, batch, false).await {
        Ok(Some(results)) => Ok(results),
        Ok(None) => match run_batch_or_roll_back(&mut conn, keys, batch, true).await {
            Ok(Some(results)) => Ok(results),
            Ok(None) => Err(sqlx::Error::Protocol("a savepoint failed".into())),
            Err(err) => Err(err),
        },
        Err(err) => Err(err),
    };
    match results {
        Ok(results) => {
            for ((_, reply), result) in batch.drain(..).zip(results) {
                let result = result.map(|outcome| {
                    if let Some(event) = outcome.event {
                        let _ = events.send(event);
                    }
                    outcome.written
                });
                let _ = reply.send(result);
            }
        }
        Err(err) => {
            tracing::error!(error = %err, "group commit failed; nothing in the batch was stored");
            fail_all(batch.drain(..).map(|(_, reply)| reply));
        }
    }
}

fn fail_all(replies: impl Iterator<Item = Reply>) {
    for reply in replies {
        let _ = reply.send(Err(StoreError::CommitFailed));
    }
}

/// [`run_batch`], leaving no transaction open on the connection if it fails.
async fn run_batch_or_roll_back(
    conn: &mut sqlx::SqliteConnection,
    keys: &Keyring,
    batch: &[(WriteJob, Reply)],
    savepoints: bool,
) -> Result<Option<Vec<StoreResult<JobOutcome>>>, sqlx::Error> {
    let result = run_batch(conn, keys, batch, savepoints).await;
    if result.is_err() {
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    }
    result
}

/// Runs the batch in one transaction. Without savepoints, the first failing
/// job rolls everything back and the answer is `Ok(None)`; with savepoints,
/// each job's failure is its own. `Err` means the transaction itself failed.
async fn run_batch(
    conn: &mut sqlx::SqliteConnection,
    keys: &Keyring,
    batch: &[(WriteJob, Reply)],
    savepoints: bool,
) -> Result<Option<Vec<StoreResult<JobOutcome>>>, sqlx::Error> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let mut results = Vec::with_capacity(batch.len());
    // Without savepoints, the batch's audit entries are chained once, at the
    // end of the same transaction; with them, each job chains its own.
    let mut deferred = Vec::new();
    for (job, _) in batch {
        if savepoints {
            sqlx::query("SAVEPOINT job").execute(&mut *conn).await?;
        }
        let sink = if savepoints { None } else { Some(&mut deferred) };
        let result = Backend::run_job(conn, keys, job, sink).await;
        match (&result, savepoints) {
            (Ok(_), true) => {
                sqlx::query("RELEASE job").execute(&mut *conn).await?;
            }
            (Err(_), true) => {
                sqlx::query("ROLLBACK TO job").execute(&mut *conn).await?;
                sqlx::query("RELEASE job").execute(&mut *conn).await?;
            }
            (Err(_), false) => {
                sqlx::query("ROLLBACK").execute(&mut *conn).await?;
                return Ok(None);
            }
            (Ok(_), false) => {}
        }
        results.push(result);
    }
    if !deferred.is_empty() && append_audit(conn, keys, &deferred).await.is_err() {
        sqlx::query("ROLLBACK").execute(&mut *conn).await?;
        return Ok(None);
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(Some(results))
}

include!("sql_store.rs");
include!("sql_triage.rs");
include!("sql_security.rs");
include!("sql_drafting.rs");
include!("sql_portal.rs");
