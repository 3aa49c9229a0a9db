//! What a database CareThread runs on supplies ([`Backend`]): its [`Sql`]
//! and how a write a user waits on is committed ([`Backend::submit`]). Every
//! store trait is implemented once for any `Backend`, beside its SQL in the
//! aggregate's module; [`crate::Store`]'s own methods are here.

use std::future::Future;

use async_trait::async_trait;

use tokio::sync::{mpsc, oneshot};

use super::prelude::*;
use super::write_jobs::{Done, Reply};

/// A database CareThread runs on: `SqliteStore` or `PostgresStore`.
pub trait Backend: Send + Sync + 'static {
    type D: Dialect;

    /// The shared SQL, on this backend's pools.
    fn sql(&self) -> &Sql<Self::D>;

    /// The queue of this server's group-commit writer.
    fn write_queue(&self) -> &mpsc::Sender<(WriteJob, Reply)>;

    /// Writes a new thread, a message or audit entries and waits until the
    /// write is durable: queued for the writer's next group commit.
    fn submit(&self, job: WriteJob) -> impl Future<Output = StoreResult<Done>> + Send {
        async move {
            let (reply, result) = oneshot::channel();
            self.write_queue().send((job, reply)).await.map_err(|_| StoreError::CommitFailed)?;
            result.await.map_err(|_| StoreError::CommitFailed)?
        }
    }

    /// Any other write a user waits on: queued like [`Backend::submit`] where
    /// the database has one writer, else in a transaction of its own.
    fn write(&self, job: WriteJob) -> impl Future<Output = StoreResult<Done>> + Send {
        async move {
            if <Self::D as Dialect>::ONE_WRITER { self.submit(job).await } else { self.sql().run_alone(&job).await }
        }
    }
}

#[async_trait]
impl<B: Backend> crate::Store for B {
    fn backend(&self) -> &'static str {
        B::D::NAME
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query::<B::D>("SELECT 1").execute_with(&self.sql().read).await?;
        Ok(())
    }

    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ThreadEvent> {
        self.sql().events.subscribe()
    }
}
