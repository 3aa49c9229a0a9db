//! The usual group on PostgreSQL, written in a fixed number of statements:
//! new messages without files or drafts, each to a thread no other write in
//! the group touches, and audit entries of reads. One query looks up every
//! idempotency key, one `UPDATE … FROM UNNEST(…)` moves every thread on and
//! numbers its message, and one multi-row insert each adds the messages,
//! triage results, outbox jobs and audit entries. Anything unusual (a thread
//! gone, a failing insert) rolls back and answers `Ok(None)`, and the group
//! is run again write by write, which sorts each write out on its own.

use std::collections::{HashMap, HashSet};

use sqlx::Row as _;

use super::group_commit::Reply;
use crate::shared::prelude::*;
use crate::{StoreError, StoreResult};

/// Moves each thread of `UNNEST($1 … $6)` on for one new message, as
/// [`ADVANCE_THREAD`] does for one, and answers its new message count.
const ADVANCE_THREADS: &str = "UPDATE threads t SET status = v.status, updated_at = v.now, \
     message_count = t.message_count + 1, \
     awaiting_since = CASE WHEN v.status <> 'open' THEN NULL ELSE COALESCE(t.awaiting_since, v.now) END, \
     urgency = CASE WHEN t.urgency_rank > v.rank THEN v.urgency ELSE t.urgency END, \
     urgency_rank = CASE WHEN t.urgency_rank > v.rank THEN v.rank ELSE t.urgency_rank END, \
     pool_id = CASE WHEN t.urgency_rank > v.rank AND v.reroute IS NOT NULL \
         THEN COALESCE((SELECT p.id FROM pools p WHERE p.slug = v.reroute), t.pool_id) ELSE t.pool_id END \
     FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::int8[], $5::text[], $6::text[]) \
         AS v(id, status, now, rank, urgency, reroute) \
     WHERE t.id = v.id RETURNING t.id, t.message_count";

/// Whether every job is a new message without files or a used draft, to a
/// thread no other job in the batch writes to, or audit entries.
pub(super) fn is_plain(batch: &[(WriteJob, Reply)]) -> bool {
    let mut threads = HashSet::new();
    batch.iter().all(|(job, _)| match job {
        WriteJob::Message(new) => new.attachments.is_empty() && new.draft.is_none() && threads.insert(new.thread_id),
        WriteJob::Audit(_) => true,
        _ => false,
    })
}

fn messages(batch: &[(WriteJob, Reply)]) -> impl Iterator<Item = &NewMessage> {
    batch.iter().filter_map(|(job, _)| if let WriteJob::Message(new) = job { Some(new) } else { None })
}

/// The jobs' idempotency keys already used: (author, key) → the message's
/// thread id, id and request fingerprint.
type UsedKeys = HashMap<(String, String), (String, String, Option<String>)>;

async fn used_keys(conn: &mut sqlx::PgConnection, batch: &[(WriteJob, Reply)]) -> Result<UsedKeys, sqlx::Error> {
    let (authors, keys): (Vec<String>, Vec<String>) = messages(batch)
        .filter_map(|new| Some((new.author_id.to_string(), new.idempotency.as_ref()?.key.clone())))
        .unzip();
    let mut used = UsedKeys::new();
    if authors.is_empty() {
        return Ok(used);
    }
    let rows = sqlx::query(
        "SELECT m.author_id, m.idempotency_key, m.thread_id, m.id, m.request_fingerprint FROM messages m \
         JOIN UNNEST($1::text[], $2::text[]) AS k(author_id, idempotency_key) \
         ON m.author_id = k.author_id AND m.idempotency_key = k.idempotency_key",
    )
    .bind(authors)
    .bind(keys)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        used.insert(
            (row.try_get("author_id")?, row.try_get("idempotency_key")?),
            (row.try_get("thread_id")?, row.try_get("id")?, row.try_get("request_fingerprint")?),
        );
    }
    Ok(used)
}

/// What a message whose key was used before answers: the first write, or a
/// mismatch when the key came with another request; `None` when the key is new.
fn replay(used: &UsedKeys, new: &NewMessage) -> Option<StoreResult<Written>> {
    let key = new.idempotency.as_ref()?;
    let (thread, id, fingerprint) = used.get(&(new.author_id.to_string(), key.key.clone()))?;
    if fingerprint.as_deref() != Some(key.fingerprint.as_str()) {
        return Some(Err(StoreError::IdempotencyMismatch));
    }
    Some(parse_id(thread).and_then(|thread_id| Ok(Written { thread_id, message_id: parse_id(id)?, replayed: true })))
}

/// [`ADVANCE_THREADS`]'s parameters, a column each.
#[derive(Default)]
struct AdvanceColumns<'a> {
    ids: Vec<String>,
    statuses: Vec<&'a str>,
    times: Vec<i64>,
    ranks: Vec<i64>,
    urgencies: Vec<&'a str>,
    reroutes: Vec<Option<String>>,
}

/// Moves every thread a fresh message goes to on, in one statement; each
/// thread's new message number, or `None` when a thread is gone.
async fn advance(
    conn: &mut sqlx::PgConnection,
    fresh: &[&NewMessage],
) -> Result<Option<HashMap<String, i64>>, sqlx::Error> {
    let mut columns = AdvanceColumns::default();
    for new in fresh {
        let (urgency, rank) = match &new.triage {
            Some(t) => (t.urgency.as_str(), t.urgency.rank()),
            None => ("routine", i64::MAX),
        };
        let reroute = new
            .triage
            .as_ref()
            .filter(|t| t.urgency == carethread_core::thread::Urgency::Emergency)
            .and_then(|t| t.pool_slug.clone());
        columns.ids.push(new.thread_id.to_string());
        columns.statuses.push(new.new_status.as_str());
        columns.times.push(ms(new.now));
        columns.ranks.push(rank);
        columns.urgencies.push(urgency);
        columns.reroutes.push(reroute);
    }
    let rows = sqlx::query(ADVANCE_THREADS)
        .bind(columns.ids)
        .bind(columns.statuses)
        .bind(columns.times)
        .bind(columns.ranks)
        .bind(columns.urgencies)
        .bind(columns.reroutes)
        .fetch_all(&mut *conn)
        .await?;
    let mut seqs = HashMap::with_capacity(rows.len());
    for row in rows {
        seqs.insert(row.try_get::<String, _>(0)?, row.try_get::<i64, _>(1)?);
    }
    Ok((seqs.len() == fresh.len()).then_some(seqs))
}

/// Writes a plain batch (see [`is_plain`]) inside the open transaction and
/// commits it.
pub(super) async fn run(
    conn: &mut sqlx::PgConnection,
    keys: &Keyring,
    batch: &[(WriteJob, Reply)],
) -> Result<Option<Vec<StoreResult<Ran>>>, sqlx::Error> {
    let used = used_keys(conn, batch).await?;
    let fresh: Vec<&NewMessage> = messages(batch).filter(|new| replay(&used, new).is_none()).collect();
    let seqs = if fresh.is_empty() { Some(HashMap::new()) } else { advance(conn, &fresh).await? };
    let Some(seqs) = seqs else {
        return roll_back(conn).await;
    };
    let mut deferred = Deferred::default();
    let mut results = Vec::with_capacity(batch.len());
    for (job, _) in batch {
        let result = match job {
            WriteJob::Message(new) => {
                if let Some(replayed) = replay(&used, new) {
                    replayed.map(|written| JobOutcome { written, event: None }.into())
                } else {
                    let Some(seq) = seqs.get(&new.thread_id.to_string()) else {
                        return roll_back(conn).await;
                    };
                    match plain_message::<sqlx::Postgres>(keys, new, *seq, &mut deferred) {
                        Ok(outcome) => Ok(outcome.into()),
                        Err(_) => return roll_back(conn).await,
                    }
                }
            }
            other => match super::Shared::run_job(conn, keys, other, Some(&mut deferred)).await {
                Ok(outcome) => Ok(outcome),
                Err(_) => return roll_back(conn).await,
            },
        };
        results.push(result);
    }
    let mut written = deferred.write::<sqlx::Postgres>(conn, keys).await;
    if written.is_ok() {
        written = super::group_commit::notify_all(conn, &results).await;
    }
    if written.is_err() {
        return roll_back(conn).await;
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(Some(results))
}

async fn roll_back(conn: &mut sqlx::PgConnection) -> Result<Option<Vec<StoreResult<Ran>>>, sqlx::Error> {
    sqlx::query("ROLLBACK").execute(&mut *conn).await?;
    Ok(None)
}
