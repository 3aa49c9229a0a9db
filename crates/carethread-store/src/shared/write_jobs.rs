//! Writes a user waits on (a new thread, a message, audit entries alone), run
//! as jobs that commit with others queued at the same moment, and idempotent
//! replays of them.

use super::prelude::*;

/// A write a user waits on: it commits together with the other writes this
/// server queued at the same moment (group commit), on both databases.
pub enum WriteJob {
    Thread(NewThread),
    Message(NewMessage),
    /// Audit entries on their own (reads, sign-ins, refusals); writes nothing else.
    Audit(Vec<AuditEvent>),
}

/// What a write produced: its ids and, unless it was an idempotent replay,
/// the event to publish once it commits.
pub(crate) struct JobOutcome {
    pub(crate) written: Written,
    pub(crate) event: Option<ThreadEvent>,
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
        deferred: Option<&mut Deferred>,
    ) -> StoreResult<JobOutcome> {
        match job {
            WriteJob::Thread(new) => Self::write_thread(conn, keys, new, deferred).await,
            WriteJob::Message(new) => Self::write_message(conn, keys, new, deferred).await,
            WriteJob::Audit(events) => {
                Self::audit_now_or_later(conn, keys, events.clone(), deferred).await?;
                // Audit jobs create no thread or message; the ids are unused.
                let none = Written {
                    thread_id: ThreadId::from_uuid(Uuid::nil()),
                    message_id: MessageId::from_uuid(Uuid::nil()),
                    replayed: false,
                };
                Ok(JobOutcome { written: none, event: None })
            }
        }
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
    ) -> Result<Option<(Vec<StoreResult<JobOutcome>>, Deferred)>, sqlx::Error> {
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

/// Where a queued write's result goes.
pub(crate) type Reply = tokio::sync::oneshot::Sender<StoreResult<Written>>;

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
