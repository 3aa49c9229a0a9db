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
use tokio::sync::{broadcast, mpsc};

use crate::shared::Backend;
use crate::shared::prelude::*;
use crate::{StoreResult, ThreadEvent};

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
mod scratch;

pub use scratch::ScratchDatabase;

use group_commit::{MAX_BATCH, Reply, group_commit};

impl Backend for PostgresStore {
    type D = sqlx::Postgres;

    fn sql(&self) -> &Shared {
        &self.sql
    }

    fn write_queue(&self) -> &mpsc::Sender<(WriteJob, Reply)> {
        &self.jobs
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
        crate::shared::write_jobs::spawn_writer(group_commit(pool.clone(), queue, keys.clone()))?;
        let store = Self { sql: Sql { read: pool.clone(), write: pool, events, keys }, jobs };
        store.sql.init_keys().await?;
        Ok(store)
    }
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
            WriteJob::Update(update) => Some(update.id.to_string()),
            WriteJob::Retriage(change) => Some(change.thread_id.to_string()),
            WriteJob::Thread(_) | WriteJob::Audit(_) | WriteJob::Read(..) | WriteJob::Draft(_) => None,
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
            WriteJob::Read(read, _) => (read.reader, None),
            WriteJob::Update(update) => {
                let actor = update.audit.first().and_then(|e| e.actor_id);
                (actor.unwrap_or_else(|| UserId::from_uuid(Uuid::nil())), None)
            }
            WriteJob::Retriage(change) => (change.by, None),
            WriteJob::Draft(new) => (new.content.requested_by, None),
        }
    }
}
