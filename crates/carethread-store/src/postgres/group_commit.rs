//! This server's group-commit writer on PostgreSQL: writes a user waits on,
//! queued at the same moment, committed in one transaction (see the
//! backend's notes in `postgres.rs`).

use tokio::sync::mpsc;

use super::Shared;
use crate::shared::prelude::*;
use crate::{StoreError, StoreResult};

pub(super) use crate::shared::write_jobs::Reply;
use crate::shared::write_jobs::{Done, connection_or_fail_all, fail_all};

/// Most writes committed in one transaction.
pub(super) const MAX_BATCH: usize = 256;

/// How often a batch is run write by write before its writes are refused.
const WRITE_BY_WRITE_TRIES: usize = 5;

/// The group-commit writer: runs until the store is dropped.
pub(super) async fn group_commit(pool: sqlx::PgPool, mut queue: mpsc::Receiver<(WriteJob, Reply)>, keys: Keyring) {
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
    let Some(mut conn) = connection_or_fail_all(pool, batch).await else {
        return;
    };
    let together = run_batch(&mut conn, keys, batch, false).await;
    let mut results = Shared::rolled_back_if_failed(&mut conn, together).await;
    // Write by write; again while another server's transaction wins a
    // deadlock against this one (PostgreSQL ends one of the two).
    for _ in 0..WRITE_BY_WRITE_TRIES {
        if !matches!(results, Ok(None)) {
            break;
        }
        let one_by_one = run_batch(&mut conn, keys, batch, true).await;
        results = Shared::rolled_back_if_failed(&mut conn, one_by_one).await;
    }
    match results {
        Ok(Some(results)) => {
            for ((job, reply), result) in batch.drain(..).zip(results) {
                let answer = match result {
                    Ok(ran) => Ok(ran.done),
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
async fn replay(conn: &mut sqlx::PgConnection, job: &WriteJob) -> StoreResult<Done> {
    let (user, key) = job.sender();
    let key = key.ok_or(StoreError::Conflict("message"))?;
    Shared::find_key(conn, user, key).await?.map(Done::Written).ok_or(StoreError::Conflict("message"))
}

/// Runs the batch in one transaction. Without savepoints, the first failing
/// job rolls everything back and the answer is `Ok(None)`; with savepoints,
/// each job's failure is its own, except a deadlock, which rolls everything
/// back (`Ok(None)`). `Err` means the transaction itself failed. Each
/// write's event is notified inside the transaction, so other servers hear
/// of it only if it commits.
async fn run_batch(
    conn: &mut sqlx::PgConnection,
    keys: &Keyring,
    batch: &[(WriteJob, Reply)],
    savepoints: bool,
) -> Result<Option<Vec<StoreResult<Ran>>>, sqlx::Error> {
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    if !savepoints && super::plain_batch::is_plain(batch) {
        return super::plain_batch::run(conn, keys, batch).await;
    }
    // Write by write, a job's audit entries take the chain's head before the
    // next job locks its thread, so another server's group can deadlock with
    // this one: then it is all run again.
    let jobs = batch.iter().map(|(job, _)| job);
    let Some((results, mut deferred)) = Shared::run_group(conn, keys, jobs, savepoints, transient).await? else {
        return Ok(None);
    };
    let mut written = deferred.write::<sqlx::Postgres>(conn, keys).await;
    if written.is_ok() {
        written = super::group_commit::notify_all(conn, &results).await;
    }
    if written.is_err() {
        sqlx::query("ROLLBACK").execute(&mut *conn).await?;
        return Ok(None);
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(Some(results))
}

/// Notifies every server's listeners of each write's event, in one
/// statement inside the transaction (so only if it commits).
pub(super) async fn notify_all(conn: &mut sqlx::PgConnection, results: &[StoreResult<Ran>]) -> StoreResult<()> {
    let mut payloads = Vec::new();
    for event in results.iter().flatten().flat_map(|ran| &ran.events) {
        payloads.push(serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?);
    }
    if payloads.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT pg_notify($1, p) FROM UNNEST($2::text[]) WITH ORDINALITY AS n(p, i) ORDER BY i")
        .bind(super::CHANNEL)
        .bind(payloads)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A failure that running the transaction again can cure: a deadlock, or a
/// serialisation failure.
fn transient(err: &StoreError) -> bool {
    let StoreError::Database(sqlx::Error::Database(db)) = err else { return false };
    matches!(db.code().as_deref(), Some("40P01" | "40001"))
}
