//! The scale-out backend: PostgreSQL, shared by any number of stateless
//! CareThread servers. Live events travel through `LISTEN/NOTIFY`: each write
//! notifies inside its transaction (so the event exists only if the write
//! committed), and every server listens and forwards to its own subscribers.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::sync::broadcast;


type Db = sqlx::Postgres;
type DbRow = sqlx::postgres::PgRow;
type Backend = PostgresStore;
const BACKEND_NAME: &str = "postgres";

/// The notification channel carrying [`ThreadEvent`]s as JSON.
const CHANNEL: &str = "carethread_events";

/// CareThread on PostgreSQL.
#[derive(Clone)]
pub struct PostgresStore {
    read: sqlx::PgPool,
    write: sqlx::PgPool,
    events: broadcast::Sender<ThreadEvent>,
}

impl PostgresStore {
    /// Connects, migrates, and starts listening for other servers' events.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let (events, _) = broadcast::channel(1024);
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        tokio::spawn(forward_notifications(listener, events.clone()));
        Ok(Self { read: pool.clone(), write: pool, events })
    }

    async fn notify_in_tx(&self, tx: &mut sqlx::Transaction<'_, Db>, event: &ThreadEvent) -> StoreResult<()> {
        let payload = serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(&mut **tx).await?;
        Ok(())
    }

    /// Events reach subscribers through the listener, this server's included.
    #[expect(clippy::unused_self, reason = "same shape as the SQLite backend")]
    fn publish(&self, _event: ThreadEvent) {}
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

include!("sql_store.rs");
