//! The store's traits mapped onto the shared SQL (one module per aggregate
//! beside this one): one blanket `impl` per trait for every [`Backend`],
//! each method a call into that SQL. A backend supplies its [`Sql`] and how
//! a write a user waits on is committed ([`Backend::submit`]).

use std::future::Future;

use async_trait::async_trait;

use super::prelude::*;

/// A database CareThread runs on: `SqliteStore` or `PostgresStore`.
pub trait Backend: Send + Sync + 'static {
    type D: Dialect;

    /// The shared SQL, on this backend's pools.
    fn sql(&self) -> &Sql<Self::D>;

    /// Writes a new thread, a message or audit entries and waits until the
    /// write is durable: with SQLite's group commit, or alone on PostgreSQL.
    fn submit(&self, job: WriteJob) -> impl Future<Output = StoreResult<Written>> + Send;
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

#[async_trait]
impl<B: Backend> crate::Threads for B {
    async fn patient_facts(&self, actor: Actor, patient_id: UserId) -> StoreResult<Option<PatientFacts>> {
        self.sql().read_patient_facts(actor, patient_id).await
    }

    async fn thread_facts(
        &self,
        actor: Actor,
        id: ThreadId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Thread, ThreadFacts)>> {
        self.sql().read_thread_facts(actor, id, now).await
    }

    async fn create_thread(&self, new: NewThread) -> StoreResult<Written> {
        self.submit(WriteJob::Thread(new)).await
    }

    async fn add_message(&self, new: NewMessage) -> StoreResult<Written> {
        self.submit(WriteJob::Message(new)).await
    }

    async fn update_thread(
        &self,
        id: ThreadId,
        patch: &ThreadPatch,
        now: DateTime<Utc>,
        audit: &[AuditEvent],
    ) -> StoreResult<Thread> {
        Ok(self.sql().write_thread_patch(id, patch, None, now, audit).await?.thread)
    }

    async fn update_thread_with_note(
        &self,
        id: ThreadId,
        patch: &ThreadPatch,
        note: Option<&crate::NewNote>,
        now: DateTime<Utc>,
        audit: &[AuditEvent],
    ) -> StoreResult<crate::ThreadChange> {
        self.sql().write_thread_patch(id, patch, note, now, audit).await
    }

    async fn list_threads(
        &self,
        actor: Actor,
        filter: &ThreadFilter,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ThreadSummary>> {
        self.sql().read_thread_list(actor, filter, now).await
    }

    async fn thread_summary(&self, actor: Actor, id: ThreadId) -> StoreResult<Option<ThreadSummary>> {
        let sql = summary_select(actor.role.is_staff(), "t.id = $3 AND $2 = $2");
        let mut rows = self.sql().fetch_summaries(&sql, actor.id, Utc::now(), vec![Bind::Text(id.to_string())]).await?;
        Ok(rows.pop())
    }

    async fn latest_triage(&self, id: ThreadId) -> StoreResult<Option<(TriageRecord, DateTime<Utc>)>> {
        self.sql().read_latest_triage(id).await
    }

    async fn override_triage(&self, change: &TriageOverride) -> StoreResult<Thread> {
        self.sql().write_triage_override(change).await
    }

    async fn triage_stats(&self) -> StoreResult<TriageStats> {
        self.sql().read_triage_stats().await
    }

    async fn messages(&self, id: ThreadId, include_internal: bool) -> StoreResult<Vec<MessageView>> {
        self.sql().message_views(id, None, include_internal).await
    }

    async fn message(
        &self,
        thread: ThreadId,
        id: MessageId,
        include_internal: bool,
    ) -> StoreResult<Option<MessageView>> {
        Ok(self.sql().message_views(thread, Some(id), include_internal).await?.pop())
    }

    async fn mark_read(
        &self,
        id: ThreadId,
        reader: UserId,
        include_internal: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.sql().write_mark_read(id, reader, include_internal, now).await
    }

    async fn first_read_among(
        &self,
        id: ThreadId,
        readers: &[UserId],
        since: DateTime<Utc>,
    ) -> StoreResult<Option<(PersonRef, DateTime<Utc>)>> {
        self.sql().read_first_among(id, readers, since).await
    }

    async fn attachment(
        &self,
        thread: ThreadId,
        id: AttachmentId,
        include_internal: bool,
    ) -> StoreResult<Option<(AttachmentView, Vec<u8>)>> {
        self.sql().read_attachment(thread, id, include_internal).await
    }
}
