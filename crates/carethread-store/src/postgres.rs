//! The scale-out backend: PostgreSQL, shared by any number of stateless
//! CareThread servers. Live events travel through `LISTEN/NOTIFY`: each write
//! notifies inside its transaction (so the event exists only if the write
//! committed), and every server listens and forwards to its own subscribers.
//!
//! Writes a user waits on (new threads, messages, audit entries of reads)
//! are committed per server in groups, as on SQLite: whatever arrives while
//! a transaction commits goes into the next one, so the audit chain's head
//! row is taken once per group rather than once per write, and servers
//! sharing a database take turns on it group by group instead of write by
//! write. Each group locks thread rows in one order (by thread id), so two
//! servers' groups never deadlock.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::shared::Backend;
use crate::shared::prelude::*;
use crate::{StoreError, StoreResult, ThreadEvent};

/// The shared SQL on PostgreSQL, for calls by path (`Shared::run_job(…)`).
type Shared = Sql<sqlx::Postgres>;

/// The notification channel carrying [`ThreadEvent`]s as JSON.
pub(crate) const CHANNEL: &str = "carethread_events";

/// CareThread on PostgreSQL.
#[derive(Clone)]
pub struct PostgresStore {
    sql: Sql<sqlx::Postgres>,
    /// The queue of this server's group-commit writer.
    jobs: mpsc::Sender<(WriteJob, Reply)>,
}

/// Where a queued write's result goes.
type Reply = oneshot::Sender<StoreResult<Written>>;

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 256;

/// How often a batch is run write by write before its writes are refused.
const WRITE_BY_WRITE_TRIES: usize = 5;

impl Backend for PostgresStore {
    type D = sqlx::Postgres;

    fn sql(&self) -> &Shared {
        &self.sql
    }

    /// Queues a write for the next group commit and waits until it is durable.
    async fn submit(&self, job: WriteJob) -> StoreResult<Written> {
        let (reply, result) = oneshot::channel();
        self.jobs.send((job, reply)).await.map_err(|_| StoreError::CommitFailed)?;
        result.await.map_err(|_| StoreError::CommitFailed)?
    }
}

impl PostgresStore {
    /// Connects, migrates, and starts listening for other servers' events.
    pub async fn open(url: &str, master: crate::MasterKey) -> StoreResult<Self> {
        let pool =
            PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(30)).connect(url).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let (events, _) = broadcast::channel(1024);
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        tokio::spawn(forward_notifications(listener, events.clone()));
        let keys = Keyring::new(master);
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(group_commit(pool.clone(), queue, keys.clone()));
        let store = Self { sql: Sql { read: pool.clone(), write: pool, events, keys }, jobs };
        store.sql.init_keys().await?;
        Ok(store)
    }

    /// Creates a new, empty database named `<prefix>_<unique>` on the server
    /// `url` points at, and returns its URL. For tests and benchmarks, so each
    /// run has a database of its own.
    pub async fn create_scratch_database(url: &str, prefix: &str) -> StoreResult<String> {
        use sqlx::{ConnectOptions as _, Connection as _, Executor as _};
        let options: sqlx::postgres::PgConnectOptions = url.parse()?;
        let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
        let mut conn = options.connect().await?;
        conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
        conn.close().await?;
        Ok(replace_database(url, &name))
    }

    /// Drops databases made by [`PostgresStore::create_scratch_database`] with
    /// this prefix that are older than `older_than` (their names carry their
    /// creation time), so repeated test and benchmark runs do not pile up.
    pub async fn drop_stale_scratch_databases(url: &str, prefix: &str, older_than: Duration) -> StoreResult<usize> {
        use sqlx::{ConnectOptions as _, Connection as _, Executor as _};
        let options: sqlx::postgres::PgConnectOptions = url.parse()?;
        let mut conn = options.connect().await?;
        let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
            .bind(format!("{prefix}\\_%"))
            .fetch_all(&mut conn)
            .await?;
        let cutoff = std::time::SystemTime::now().checked_sub(older_than).unwrap_or(std::time::UNIX_EPOCH);
        let mut dropped = 0;
        for name in names {
            let created = name
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('_'))
                .and_then(|id| uuid::Uuid::parse_str(id).ok())
                .and_then(|id| id.get_timestamp())
                .map(|ts| {
                    let (secs, nanos) = ts.to_unix();
                    std::time::UNIX_EPOCH + Duration::new(secs, nanos)
                });
            if created.is_some_and(|t| t < cutoff) {
                conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
                dropped += 1;
            }
        }
        conn.close().await?;
        Ok(dropped)
    }
}

/// `url` with its database name replaced by `name` (query string kept).
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..].find('/').map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Forwards notifications to local subscribers until every sender is gone.
/// `PgListener` reconnects by itself; notifications sent while it was
/// disconnected are lost, which subscribers tolerate (they reload on reconnect).
async fn forward_notifications(mut listener: PgListener, events: broadcast::Sender<ThreadEvent>) {
    loop {
        match listener.recv().await {
            Ok(notification) => match serde_json::from_str::<ThreadEvent>(notification.payload()) {
                Ok(event) => {
                    let _ = events.send(event);
                }
                Err(err) => tracing::warn!(error = %err, "ignoring malformed thread event notification"),
            },
            Err(err) => {
                tracing::warn!(error = %err, "event listener lost its connection; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// The group-commit writer: runs until the store is dropped.
async fn group_commit(pool: sqlx::PgPool, mut queue: mpsc::Receiver<(WriteJob, Reply)>, keys: Keyring) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // Every server's writer locks thread rows in the same order; a
        // stable sort keeps the order of writes to one thread.
        batch.sort_by_cached_key(|(job, _)| job.thread_locked());
        commit_batch(&pool, &mut batch, &keys).await;
    }
}

/// Writes every queued job in one transaction and answers each job only
/// after the commit. Jobs run back to back, their message, triage, outbox
/// and audit rows inserted together at the end; if any fails, the
/// transaction is rolled back and the batch is run again with each job in
/// its own savepoint, so a failing write never takes its neighbours down.
async fn commit_batch(pool: &sqlx::PgPool, batch: &mut Vec<(WriteJob, Reply)>, keys: &Keyring) {
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn,
        Err(err) => {
            tracing::error!(error = %err, "group commit could not reach the database");
            return fail_all(batch.drain(..).map(|(_, reply)| reply));
        }
    };
    let mut results = run_batch_or_roll_back(&mut conn, keys, batch, false).await;
    // Write by write; again while another server's transaction wins a
    // deadlock against this one (PostgreSQL ends one of the two).
    for _ in 0..WRITE_BY_WRITE_TRIES {
        if !matches!(results, Ok(None)) {
            break;
        }
        results = run_batch_or_roll_back(&mut conn, keys, batch, true).await;
    }
    match results {
        Ok(Some(results)) => {
            for ((job, reply), result) in batch.drain(..).zip(results) {
                let answer = match result {
                    Ok(outcome) => Ok(outcome.written),
                    // Two servers took one idempotency key at the same
                    // moment: the second answers with what the first wrote.
                    Err(StoreError::Conflict(_)) if job.sender().1.is_some() => replay(&mut conn, &job).await,
                    Err(err) => Err(err),
                };
                let _ = reply.send(answer);
            }
        }
        Ok(None) => {
            tracing::error!("group commit failed write by write; nothing in the batch was stored");
            fail_all(batch.drain(..).map(|(_, reply)| reply));
        }
        Err(err) => {
            // The connection may be broken: it is not given back to the pool.
            conn.close_on_drop();
            tracing::error!(error = %err, "group commit failed; nothing in the batch was stored");
            fail_all(batch.drain(..).map(|(_, reply)| reply));
        }
    }
}

/// What the first write with `job`'s idempotency key stored.
async fn replay(conn: &mut sqlx::PgConnection, job: &WriteJob) -> StoreResult<Written> {
    let (user, key) = job.sender();
    let key = key.ok_or(StoreError::Conflict("message"))?;
    Shared::find_key(conn, user, key).await?.ok_or(StoreError::Conflict("message"))
}

fn fail_all(replies: impl Iterator<Item = Reply>) {
    for reply in replies {
        let _ = reply.send(Err(StoreError::CommitFailed));
    }
}

/// [`run_batch`], leaving no transaction open on the connection if it fails.
async fn run_batch_or_roll_back(
    conn: &mut sqlx::PgConnection,
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
/// each job's failure is its own, except a deadlock, which rolls everything
/// back (`Ok(None)`). `Err` means the transaction itself failed. Each write's event is notified inside the transaction, so other servers
/// hear of it only if it commits.
async fn run_batch(
    conn: &mut sqlx::PgConnection,
    keys: &Keyring,
    batch: &[(WriteJob, Reply)],
    savepoints: bool,
) -> Result<Option<Vec<StoreResult<JobOutcome>>>, sqlx::Error> {
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    let mut results = Vec::with_capacity(batch.len());
    let mut deferred = Deferred::default();
    for (job, _) in batch {
        if savepoints {
            sqlx::query("SAVEPOINT job").execute(&mut *conn).await?;
        }
        let sink = if savepoints { None } else { Some(&mut deferred) };
        let result = Shared::run_job(conn, keys, job, sink).await;
        match (&result, savepoints) {
            (Ok(_), true) => {
                sqlx::query("RELEASE job").execute(&mut *conn).await?;
            }
            (Err(err), true) if transient(err) => {
                // Write by write, a job's audit entries take the chain's head
                // before the next job locks its thread, so another server's
                // batch can deadlock with this one: run it all again.
                sqlx::query("ROLLBACK").execute(&mut *conn).await?;
                return Ok(None);
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
    let mut written = deferred.write::<sqlx::Postgres>(conn, keys).await;
    for outcome in results.iter().flatten() {
        if let (Ok(()), Some(event)) = (&written, &outcome.event) {
            written = <sqlx::Postgres as Dialect>::notify_in_tx(conn, event).await;
        }
    }
    if written.is_err() {
        sqlx::query("ROLLBACK").execute(&mut *conn).await?;
        return Ok(None);
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(Some(results))
}

/// A failure that running the transaction again can cure: a deadlock, or a
/// serialisation failure.
fn transient(err: &StoreError) -> bool {
    let StoreError::Database(sqlx::Error::Database(db)) = err else { return false };
    matches!(db.code().as_deref(), Some("40P01" | "40001"))
}

impl WriteJob {
    /// The existing thread whose row the write locks, if any (the order
    /// batches take them in).
    fn thread_locked(&self) -> Option<String> {
        match self {
            WriteJob::Message(new) => Some(new.thread_id.to_string()),
            WriteJob::Thread(_) | WriteJob::Audit(_) => None,
        }
    }

    /// Who is writing, and with which idempotency key.
    fn sender(&self) -> (UserId, Option<&Idempotency>) {
        match self {
            WriteJob::Thread(new) => (new.author_id, new.idempotency.as_ref()),
            WriteJob::Message(new) => (new.author_id, new.idempotency.as_ref()),
            WriteJob::Audit(events) => {
                (events.first().and_then(|e| e.actor_id).unwrap_or_else(|| UserId::from_uuid(Uuid::nil())), None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn database_names_are_replaced_in_urls() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(replace_database("postgres://h", "x"), "postgres://h/x");
        assert_eq!(replace_database("postgres://h/db?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
    }
}
