//! The embedded backend: one SQLite file in WAL mode, `synchronous=FULL` so
//! an acknowledged message survives power loss, foreign keys on. Writes go
//! through a single connection (SQLite has one writer anyway; queueing in the
//! pool is fairer and faster than spinning on the busy handler), reads
//! through a small pool of read-only connections.
//!
//! The writes users wait on — new threads and messages, audit entries, read
//! receipts, thread changes, re-triage and drafts — use group commit:
//! whatever arrives while the previous transaction is committing is written
//! in the next one, so one `fsync` acknowledges many writes and none takes
//! the writer for a transaction of its own; a failing write never takes its
//! neighbours down (see `commit_batch`).

use std::collections::HashSet;
use std::time::Duration;

use sqlx::Row as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{broadcast, mpsc};

use crate::shared::prelude::*;
use crate::shared::write_jobs::{Reply, connection_or_fail_all, fail_all};
use crate::shared::{Backend, runs};

/// The shared SQL on SQLite, for calls by path (`Shared::run_job(…)`).
type Shared = Sql<sqlx::Sqlite>;

/// CareThread on SQLite.
#[derive(Clone)]
pub struct SqliteStore {
    sql: Sql<sqlx::Sqlite>,
    jobs: mpsc::Sender<(WriteJob, Reply)>,
}

impl Backend for SqliteStore {
    type D = sqlx::Sqlite;

    fn sql(&self) -> &Shared {
        &self.sql
    }

    fn write_queue(&self) -> &mpsc::Sender<(WriteJob, Reply)> {
        &self.jobs
    }
}

/// How often committed pages are copied from the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 256;

/// Pool options for connections to the database file. A connection to a
/// file in this process cannot go stale, so the pool hands it out without
/// first pinging it (a round trip to its worker thread on every query).
fn sqlite_pool() -> SqlitePoolOptions {
    SqlitePoolOptions::new().test_before_acquire(false)
}

impl SqliteStore {
    /// Opens (creating if needed) the database file `url` names and migrates it.
    pub async fn open(url: &str, master: crate::MasterKey) -> StoreResult<Self> {
        Self::open_as(url, master, crate::Durability::EveryCommit).await
    }

    /// [`SqliteStore::open`], choosing when commits reach the disk.
    pub async fn open_as(url: &str, master: crate::MasterKey, durability: crate::Durability) -> StoreResult<Self> {
        let synchronous = match durability {
            crate::Durability::EveryCommit => SqliteSynchronous::Full,
            crate::Durability::BulkLoad => SqliteSynchronous::Normal,
        };
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            // Deleted and overwritten content is zeroed, not left in free pages.
            .pragma("secure_delete", "on")
            // Statement journals (for a multi-row insert that might fail half way) stay in memory.
            .pragma("temp_store", "memory")
            .busy_timeout(Duration::from_secs(10));
        let writer_options = options
            .clone()
            // The writer keeps the indexes it updates in memory (32 MiB) instead of re-reading them.
            .pragma("cache_size", "-32768")
            // Checkpoints run beside the writer (see `checkpoint`); the writer steps
            // in itself only if the WAL grows past 10,000 pages (about 40 MB).
            .pragma("wal_autocheckpoint", "10000")
            // Room for every shape of the batched statements (see `runs`).
            .statement_cache_capacity(256);
        let write = sqlite_pool()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(writer_options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = sqlite_pool().max_connections(4).connect_with(options.clone().read_only(true)).await?;
        let (events, _) = broadcast::channel(1024);
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        let keys = Keyring::new(master);
        let checkpoints = sqlite_pool().max_connections(1).connect_with(options.clone()).await?;
        crate::shared::write_jobs::spawn_writer(group_commit(
            write.clone(),
            queue,
            events.clone(),
            keys.clone(),
            checkpoints,
        ))?;
        let store = Self { sql: Sql { read, write, events, keys }, jobs };
        store.sql.init_keys().await?;
        Ok(store)
    }
}

/// The group-commit writer: runs until the store is dropped.
async fn group_commit(
    pool: sqlx::SqlitePool,
    mut queue: mpsc::Receiver<(WriteJob, Reply)>,
    events: broadcast::Sender<ThreadEvent>,
    keys: Keyring,
    checkpoints: sqlx::SqlitePool,
) {
    let checkpointer = tokio::spawn(checkpoint(checkpoints));
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        commit_batch(&pool, &mut batch, &events, &keys).await;
    }
    checkpointer.abort();
}

/// Copies committed pages from the WAL into the database file every
/// `CHECKPOINT_EVERY`, on a connection of its own, so the writer does not
/// stop to do it (and wait for its two fsyncs) between group commits.
async fn checkpoint(pool: sqlx::SqlitePool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // PASSIVE: never waits for readers or the writer; what it cannot copy now waits for the next tick.
        if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
            tracing::debug!(error = %err, "checkpoint deferred");
        }
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
    let Some(mut conn) = connection_or_fail_all(pool, batch).await else {
        return;
    };
    let together = run_batch(&mut conn, keys, batch, false).await;
    let results = match Shared::rolled_back_if_failed(&mut conn, together).await {
        Ok(Some(results)) => Ok(results),
        Ok(None) => {
            let one_by_one = run_batch(&mut conn, keys, batch, true).await;
            match Shared::rolled_back_if_failed(&mut conn, one_by_one).await {
                Ok(Some(results)) => Ok(results),
                Ok(None) => Err(sqlx::Error::Protocol("a savepoint failed".into())),
                Err(err) => Err(err),
            }
        }
        Err(err) => Err(err),
    };
    match results {
        Ok(results) => {
            for ((_, reply), result) in batch.drain(..).zip(results) {
                let result = result.map(|ran| {
                    for event in ran.events {
                        let _ = events.send(event);
                    }
                    ran.done
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

/// Runs the batch in one transaction. Without savepoints, the first failing
/// job rolls everything back and the answer is `Ok(None)`; with savepoints,
/// each job's failure is its own. `Err` means the transaction itself failed.
async fn run_batch(
    conn: &mut sqlx::SqliteConnection,
    keys: &Keyring,
    batch: &[(WriteJob, Reply)],
    savepoints: bool,
) -> Result<Option<Vec<StoreResult<Ran>>>, sqlx::Error> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    if !savepoints && is_plain(batch) {
        return run_plain_batch(conn, keys, batch).await;
    }
    let jobs = batch.iter().map(|(job, _)| job);
    let Some((results, mut deferred)) = Shared::run_group(conn, keys, jobs, savepoints, |_| false).await? else {
        return Ok(None);
    };
    if deferred.write::<sqlx::Sqlite>(conn, keys).await.is_err() {
        sqlx::query("ROLLBACK").execute(&mut *conn).await?;
        return Ok(None);
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(Some(results))
}

/// Whether every job in `batch` is a new message without files or a used
/// draft, or audit entries: the usual batch of a server under load, which
/// [`run_plain_batch`] writes in a few statements however many jobs it holds.
fn is_plain(batch: &[(WriteJob, Reply)]) -> bool {
    batch.iter().all(|(job, _)| match job {
        WriteJob::Message(new) => new.attachments.is_empty() && new.draft.is_none(),
        WriteJob::Audit(_) => true,
        _ => false,
    })
}

/// `sql` with each `$N` parameter renumbered `$(N + offset)`.
fn renumber(sql: &str, offset: usize) -> String {
    use std::fmt::Write as _;
    let mut parts = sql.split('$');
    let mut out = parts.next().unwrap_or_default().to_owned();
    for part in parts {
        let digits = part.bytes().take_while(u8::is_ascii_digit).count();
        if let Ok(n) = part[..digits].parse::<usize>() {
            let _ = write!(out, "${}{}", n + offset, &part[digits..]);
        } else {
            out.push('$');
            out.push_str(part);
        }
    }
    out
}

/// The jobs' idempotency keys already used: (author, key) → the message's
/// thread id, id and request fingerprint. A batch holds at most
/// [`MAX_BATCH`] jobs, so one query (two parameters a key) asks for them all;
/// the list is padded to a power of two with its last key, so the query has
/// one of nine shapes and is prepared once each.
type UsedKeys = HashMap<(String, String), (String, String, Option<String>)>;

async fn used_keys(conn: &mut sqlx::SqliteConnection, keyed: &[(String, &str)]) -> Result<UsedKeys, sqlx::Error> {
    let Some(last) = keyed.last() else {
        return Ok(UsedKeys::new());
    };
    let padded = keyed.len().next_power_of_two();
    let wanted: Vec<String> =
        (0..padded).map(|i| format!("(author_id = ${} AND idempotency_key = ${})", 2 * i + 1, 2 * i + 2)).collect();
    let sql = format!(
        "SELECT author_id, idempotency_key, thread_id, id, request_fingerprint FROM messages WHERE {}",
        wanted.join(" OR ")
    );
    let mut query = sqlx::query(&sql);
    for (author, key) in keyed.iter().chain(std::iter::repeat_n(last, padded - keyed.len())) {
        query = query.bind(author).bind(*key);
    }
    let mut used = UsedKeys::new();
    for row in query.fetch_all(&mut *conn).await? {
        used.insert(
            (row.try_get("author_id")?, row.try_get("idempotency_key")?),
            (row.try_get("thread_id")?, row.try_get("id")?, row.try_get("request_fingerprint")?),
        );
    }
    Ok(used)
}

/// Writes a plain batch (see [`is_plain`]) inside the open transaction and
/// commits it, in a fixed number of statements: one looks up every
/// idempotency key, one multi-statement query moves every thread on and
/// numbers its message, and one multi-row insert each adds the messages,
/// triage results and audit entries. Each statement is a round trip to
/// SQLite's worker thread, so this is what lets one commit carry hundreds of
/// messages. Anything unusual — a key repeated within the batch, a thread
/// gone, a failing insert — rolls back and answers `Ok(None)`, and the
/// batch is run again write by write, which sorts each job out on its own.
async fn run_plain_batch(
    conn: &mut sqlx::SqliteConnection,
    keys: &Keyring,
    batch: &[(WriteJob, Reply)],
) -> Result<Option<Vec<StoreResult<Ran>>>, sqlx::Error> {
    let messages =
        || batch.iter().filter_map(|(job, _)| if let WriteJob::Message(new) = job { Some(new) } else { None });
    let keyed: Vec<(String, &str)> = messages()
        .filter_map(|new| Some((new.author_id.to_string(), new.idempotency.as_ref()?.key.as_str())))
        .collect();
    let distinct: HashSet<&(String, &str)> = keyed.iter().collect();
    if distinct.len() < keyed.len() {
        return roll_back(conn).await;
    }
    let used = used_keys(conn, &keyed).await?;
    let replay = |new: &NewMessage| {
        let key = new.idempotency.as_ref()?;
        let (thread, id, fingerprint) = used.get(&(new.author_id.to_string(), key.key.clone()))?;
        if fingerprint.as_deref() != Some(key.fingerprint.as_str()) {
            return Some(Err(StoreError::IdempotencyMismatch));
        }
        Some(
            parse_id(thread).and_then(|thread_id| Ok(Written { thread_id, message_id: parse_id(id)?, replayed: true })),
        )
    };
    let fresh: Vec<&NewMessage> = messages().filter(|new| replay(new).is_none()).collect();
    let mut seqs = Vec::with_capacity(fresh.len());
    for run in runs(&fresh) {
        let sql: Vec<String> = (0..run.len()).map(|i| renumber(ADVANCE_THREAD, 6 * i)).collect();
        let sql = sql.join(";\n");
        let mut query = sqlx::query(&sql);
        for new in run {
            query = bind_advance(query, new);
        }
        let Ok(rows) = query.fetch_all(&mut *conn).await else {
            return roll_back(conn).await;
        };
        for row in rows {
            seqs.push(row.try_get::<i64, _>(0)?);
        }
    }
    if seqs.len() != fresh.len() {
        return roll_back(conn).await;
    }
    let mut seqs = seqs.into_iter();
    let mut deferred = Deferred::default();
    let mut results = Vec::with_capacity(batch.len());
    for (job, _) in batch {
        let result = match job {
            WriteJob::Message(new) => {
                if let Some(replayed) = replay(new) {
                    replayed.map(|written| JobOutcome { written, event: None }.into())
                } else {
                    let seq = seqs.next().unwrap_or_default();
                    let Ok(outcome) = plain_message::<sqlx::Sqlite>(keys, new, seq, &mut deferred) else {
                        return roll_back(conn).await;
                    };
                    Ok(outcome.into())
                }
            }
            other => match Shared::run_job(conn, keys, other, Some(&mut deferred)).await {
                Ok(outcome) => Ok(outcome),
                Err(_) => return roll_back(conn).await,
            },
        };
        results.push(result);
    }
    if deferred.write::<sqlx::Sqlite>(conn, keys).await.is_err() {
        return roll_back(conn).await;
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(Some(results))
}

async fn roll_back(conn: &mut sqlx::SqliteConnection) -> Result<Option<Vec<StoreResult<Ran>>>, sqlx::Error> {
    sqlx::query("ROLLBACK").execute(&mut *conn).await?;
    Ok(None)
}
