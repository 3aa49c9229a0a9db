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
pub(crate) type Shared = Sql<sqlx::Postgres>;

/// The notification channel carrying [`ThreadEvent`]s as JSON.
pub(crate) const CHANNEL: &str = "carethread_events";

/// CareThread on PostgreSQL.
#[derive(Clone)]
pub struct PostgresStore {
    sql: Sql<sqlx::Postgres>,
    /// The queue of this server's group-commit writer.
    jobs: mpsc::Sender<(WriteJob, Reply)>,
}

mod group_commit;
mod plain_batch;

use group_commit::{MAX_BATCH, Reply, group_commit};

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

impl WriteJob {
    /// The existing thread whose row the write locks, if any (the order
    /// batches take them in).
    pub(super) fn thread_locked(&self) -> Option<String> {
        match self {
            WriteJob::Message(new) => Some(new.thread_id.to_string()),
            WriteJob::Thread(_) | WriteJob::Audit(_) => None,
        }
    }

    /// Who is writing, and with which idempotency key.
    pub(super) fn sender(&self) -> (UserId, Option<&Idempotency>) {
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
