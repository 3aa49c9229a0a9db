//! Writes a user waits on, run as jobs that commit with others queued at the
//! same moment, and idempotent replays of them.

use super::prelude::*;
use crate::{NewDraft, NewNote, ReadThread, ThreadChange};

/// A write a user waits on: it commits together with the other writes this
/// server queued at the same moment (group commit). New threads, messages and
/// audit entries are queued on both databases; on SQLite, whose one writer
/// would otherwise be taken by each of them in turn, so are read receipts,
/// thread changes, re-triage and drafts ([`Dialect::ONE_WRITER`]).
pub enum WriteJob {
    Thread(NewThread),
    Message(NewMessage),
    /// Audit entries on their own (reads, sign-ins, refusals); writes nothing else.
    Audit(Vec<AuditEvent>),
    /// Read receipts on what the reader had not read, with the audit
    /// entries of their opening the thread.
    Read(ReadThread, Vec<AuditEvent>),
    /// A change to a thread, with the internal note that explains it.
    Update(Box<ThreadUpdateJob>),
    Retriage(Box<TriageOverride>),
    Draft(Box<NewDraft>),
}

/// A thread change as a queued job holds it (`ThreadUpdate`, owned).
pub struct ThreadUpdateJob {
    pub id: ThreadId,
    pub patch: ThreadPatch,
    pub note: Option<NewNote>,
    pub now: DateTime<Utc>,
    pub audit: Vec<AuditEvent>,
}

/// What a queued write answers, by kind of job.
#[derive(Debug)]
pub enum Done {
    Written(Written),
    Read(u64),
    Changed(Box<ThreadChange>),
    Retriaged(Box<Thread>),
    Drafted(DraftId),
}

impl Done {
    fn other(self) -> StoreError {
        StoreError::Corrupt(format!("a write answered {self:?}"))
    }

    pub(crate) fn written(self) -> StoreResult<Written> {
        if let Done::Written(w) = self { Ok(w) } else { Err(self.other()) }
    }

    pub(crate) fn read(self) -> StoreResult<u64> {
        if let Done::Read(n) = self { Ok(n) } else { Err(self.other()) }
    }

    pub(crate) fn changed(self) -> StoreResult<ThreadChange> {
        if let Done::Changed(c) = self { Ok(*c) } else { Err(self.other()) }
    }

    pub(crate) fn retriaged(self) -> StoreResult<Thread> {
        if let Done::Retriaged(t) = self { Ok(*t) } else { Err(self.other()) }
    }

    pub(crate) fn drafted(self) -> StoreResult<DraftId> {
        if let Done::Drafted(d) = self { Ok(d) } else { Err(self.other()) }
    }
}

/// What a new thread or message produced: its ids and, unless it was an
/// idempotent replay, the event to publish once it commits.
pub(crate) struct JobOutcome {
    pub(crate) written: Written,
    pub(crate) event: Option<ThreadEvent>,
}

/// What any job produced: its answer, and the events to publish once it commits.
pub(crate) struct Ran {
    pub(crate) done: Done,
    pub(crate) events: Vec<ThreadEvent>,
}

impl From<JobOutcome> for Ran {
    fn from(outcome: JobOutcome) -> Self {
        Ran { done: Done::Written(outcome.written), events: outcome.event.into_iter().collect() }
    }
}

impl Ran {
    /// A job's answer with what it changed: its audit entries go to the
    /// log now, or to the batch's `deferred` entries, in the jobs' order.
    pub(crate) async fn audited<D: Dialect>(
        conn: &mut D::Connection,
        keys: &Keyring,
        done: Audited<Done>,
        deferred: Option<&mut Deferred>,
    ) -> StoreResult<Self> {
        let (done, audit, events) = done.into_parts();
        Sql::<D>::audit_now_or_later(conn, keys, audit, deferred).await?;
        Ok(Ran { done, events })
    }
}

impl<D: Dialect> Sql<D> {
    /// `result` of a batch's transaction on `conn`; when it failed, the
    /// transaction is rolled back first, so the connection goes back to its
    /// writer with none open (the batch's own error is the answer).
    pub(crate) async fn rolled_back_if_failed<T>(
        conn: &mut D::Connection,
        result: Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        if result.is_err() {
            let _ = sqlx::query::<D>("ROLLBACK").execute_with(&mut *conn).await;
        }
        result
    }

    /// Looks for a message the user already sent with this idempotency key.
    /// `Some` means the caller stores nothing and answers with what the first
    /// request created; the same key with a different request is an error.
    pub(crate) async fn find_key(
        conn: &mut D::Connection,
        user: UserId,
        key: &Idempotency,
    ) -> StoreResult<Option<Written>> {
        let row = sqlx::query::<D>(
            "SELECT thread_id, id, request_fingerprint FROM messages WHERE author_id = $1 AND idempotency_key = $2",
        )
        .bind_v(user.to_string())
        .bind_v(&key.key)
        .fetch_optional_with(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.get_v::<Option<&str>, _>("request_fingerprint")? != Some(key.fingerprint.as_str()) {
            return Err(StoreError::IdempotencyMismatch);
        }
        Ok(Some(Written {
            thread_id: parse_id(row.get_v::<&str, _>("thread_id")?)?,
            message_id: parse_id(row.get_v::<&str, _>("id")?)?,
            replayed: true,
        }))
    }

    /// Runs one acknowledged write inside the caller's transaction. Its
    /// rows are inserted now, or, with `deferred`, those nothing else refers
    /// to are collected there for the caller to insert before the same
    /// transaction commits.
    pub(crate) async fn run_job(
        conn: &mut D::Connection,
        keys: &Keyring,
        job: &WriteJob,
        mut deferred: Option<&mut Deferred>,
    ) -> StoreResult<Ran> {
        match job {
            WriteJob::Thread(new) => Ok(Self::write_thread(conn, keys, new, deferred).await?.into()),
            WriteJob::Message(new) => Ok(Self::write_message(conn, keys, new, deferred).await?.into()),
            WriteJob::Audit(events) => {
                Self::audit_now_or_later(conn, keys, events.clone(), deferred).await?;
                // Audit jobs create no thread or message; the ids are unused.
                let none = Written {
                    thread_id: ThreadId::from_uuid(Uuid::nil()),
                    message_id: MessageId::from_uuid(Uuid::nil()),
                    replayed: false,
                };
                Ok(JobOutcome { written: none, event: None }.into())
            }
            other => {
                // Receipts are left on the messages the thread has, so one
                // written earlier in the batch, still deferred, goes in first.
                if let (WriteJob::Read(read, _), Some(later)) = (other, deferred.as_deref_mut())
                    && later.holds_messages_of(read.thread)
                {
                    later.write_rows::<D>(conn).await?;
                }
                let done = match other {
                    WriteJob::Read(read, audit) => Self::write_receipts(conn, read, audit).await?,
                    WriteJob::Update(update) => Self::write_update(conn, keys, update).await?,
                    WriteJob::Retriage(change) => Self::write_retriage(conn, keys, change).await?,
                    WriteJob::Draft(new) => Self::write_draft(conn, keys, new).await?,
                    // Matched above; never reached.
                    WriteJob::Thread(_) | WriteJob::Message(_) | WriteJob::Audit(_) => {
                        return Err(StoreError::Corrupt("a write job of an unexpected kind".into()));
                    }
                };
                Ran::audited::<D>(conn, keys, done, deferred).await
            }
        }
    }

    /// Runs one job in a transaction of its own on the pool (PostgreSQL's
    /// writes other than threads, messages and audit entries): its audit
    /// entries, and its events notified, inside the transaction; the events
    /// published here after the commit.
    pub(crate) async fn run_alone(&self, job: &WriteJob) -> StoreResult<Done> {
        let mut tx = self.write.begin().await?;
        let ran = Self::run_job(&mut tx, &self.keys, job, None).await?;
        for event in &ran.events {
            self.notify_in_tx(&mut tx, event).await?;
        }
        tx.commit().await?;
        for event in ran.events {
            self.publish(event);
        }
        Ok(ran.done)
    }

    /// Runs a group's jobs back to back inside the open transaction.
    /// Without savepoints, their message, triage, outbox and audit rows are
    /// collected in the answer's [`Deferred`] for the caller to insert at the
    /// end, and the first failing job rolls the transaction back (`Ok(None)`:
    /// run the group again write by write). With savepoints, each job inserts
    /// its own rows and its failure is its own, except one `start_over` says
    /// running everything again may cure (a deadlock), which rolls back too.
    pub(crate) async fn run_group<'j>(
        conn: &mut D::Connection,
        keys: &Keyring,
        jobs: impl Iterator<Item = &'j WriteJob>,
        savepoints: bool,
        start_over: fn(&StoreError) -> bool,
    ) -> Result<Option<(Vec<StoreResult<Ran>>, Deferred)>, sqlx::Error> {
        let mut results = Vec::new();
        let mut deferred = Deferred::default();
        for job in jobs {
            if savepoints {
                sqlx::query::<D>("SAVEPOINT job").execute_with(&mut *conn).await?;
            }
            let sink = if savepoints { None } else { Some(&mut deferred) };
            let result = Self::run_job(conn, keys, job, sink).await;
            match (&result, savepoints) {
                (Ok(_), true) => {
                    sqlx::query::<D>("RELEASE job").execute_with(&mut *conn).await?;
                }
                (Err(err), true) if start_over(err) => {
                    sqlx::query::<D>("ROLLBACK").execute_with(&mut *conn).await?;
                    return Ok(None);
                }
                (Err(_), true) => {
                    sqlx::query::<D>("ROLLBACK TO job").execute_with(&mut *conn).await?;
                    sqlx::query::<D>("RELEASE job").execute_with(&mut *conn).await?;
                }
                (Err(_), false) => {
                    sqlx::query::<D>("ROLLBACK").execute_with(&mut *conn).await?;
                    return Ok(None);
                }
                (Ok(_), false) => {}
            }
            results.push(result);
        }
        Ok(Some((results, deferred)))
    }
}

/// Runs a group-commit writer on a thread of its own, with a runtime of its
/// own, so that it is never kept waiting behind the tasks that queue writes
/// for it: between two statements the database would otherwise sit idle
/// until a busy runtime came back to the writer. It ends when its queue
/// closes (the store is dropped).
pub(crate) fn spawn_writer(writer: impl Future<Output = ()> + Send + 'static) -> StoreResult<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
    std::thread::Builder::new()
        .name("carethread-writer".to_owned())
        .spawn(move || runtime.block_on(writer))
        .map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
    Ok(())
}

/// Where a queued write's result goes.
pub(crate) type Reply = tokio::sync::oneshot::Sender<StoreResult<Done>>;

/// A connection for a group commit, or `None` with every write of `batch`
/// answered that it could not be stored.
pub(crate) async fn connection_or_fail_all<D: sqlx::Database>(
    pool: &sqlx::Pool<D>,
    batch: &mut Vec<(WriteJob, Reply)>,
) -> Option<sqlx::pool::PoolConnection<D>> {
    match pool.acquire().await {
        Ok(conn) => Some(conn),
        Err(err) => {
            tracing::error!(error = %err, "group commit could not reach the database");
            fail_all(batch.drain(..).map(|(_, reply)| reply));
            None
        }
    }
}

/// Answers every queued write that its group could not be stored.
pub(crate) fn fail_all(replies: impl Iterator<Item = Reply>) {
    for reply in replies {
        let _ = reply.send(Err(StoreError::CommitFailed));
    }
}
