//! The outbox's SQL: jobs added with the actions that cause them (see
//! [`JobRow`], which writes deferred with a batch like any other row),
//! claimed with a lease, finished with what they did, retried or buried.

use async_trait::async_trait;
use carethread_core::ids::{ThreadId, UserId};
use chrono::TimeDelta;

use super::backend::Backend;
use super::prelude::*;
use crate::jobs::{ClaimedJob, JobCounts, JobEffects, JobId, JobRecord, JobState, NewJob, SentNotice, WaitingThread};

/// A job ready to insert.
pub(crate) struct JobRow {
    id: String,
    kind: String,
    payload: String,
    dedupe_key: Option<String>,
    run_at: i64,
    created_at: i64,
}

impl JobRow {
    pub(crate) fn new(job: &NewJob, now: DateTime<Utc>) -> Self {
        Self {
            id: new_id().to_string(),
            kind: job.kind.clone(),
            payload: job.payload.clone(),
            dedupe_key: job.dedupe_key.clone(),
            run_at: ms(job.run_at),
            created_at: ms(now),
        }
    }

    /// A job written with a new thread or message: its placeholders (see
    /// [`NewJob`]) become the ids the write chose.
    pub(crate) fn written_with(job: &NewJob, now: DateTime<Utc>, thread: ThreadId, message: MessageId) -> Self {
        let fill = |text: &str| {
            text.replace(crate::jobs::THREAD, &thread.to_string()).replace(crate::jobs::MESSAGE, &message.to_string())
        };
        Self { payload: fill(&job.payload), dedupe_key: job.dedupe_key.as_deref().map(fill), ..Self::new(job, now) }
    }
}

impl BatchRow for JobRow {
    const INSERT: &'static str = "INSERT INTO jobs (id, kind, payload, dedupe_key, run_at, created_at)";
    const COLUMNS: usize = 6;
    // A pending job with the same key already does this work.
    const ON_CONFLICT: &'static str = " ON CONFLICT DO NOTHING";

    fn bind<'q, D: Dialect>(&'q self, query: Q<'q, D>) -> Q<'q, D> {
        query
            .bind_v(&self.id)
            .bind_v(&self.kind)
            .bind_v(&self.payload)
            .bind_v(&self.dedupe_key)
            .bind_v(self.run_at)
            .bind_v(self.created_at)
    }
}

/// A sent notice ready to insert.
struct NoticeRow<'a>(&'a SentNotice, String);

impl BatchRow for NoticeRow<'_> {
    const INSERT: &'static str = "INSERT INTO notices_sent (id, recipient_id, thread_id, kind, channel, sent_at)";
    const COLUMNS: usize = 6;

    fn bind<'q, D: Dialect>(&'q self, query: Q<'q, D>) -> Q<'q, D> {
        let notice = self.0;
        query
            .bind_v(&self.1)
            .bind_v(notice.recipient_id.to_string())
            .bind_v(notice.thread_id.map(|t| t.to_string()))
            .bind_v(notice.kind.as_str())
            .bind_v(notice.channel.as_str())
            .bind_v(ms(notice.sent_at))
    }
}

impl<D: Dialect> Sql<D> {
    /// Adds `jobs` inside the caller's transaction.
    pub(crate) async fn add_jobs(conn: &mut D::Connection, jobs: &[NewJob], now: DateTime<Utc>) -> StoreResult<()> {
        if jobs.is_empty() {
            return Ok(());
        }
        let rows: Vec<JobRow> = jobs.iter().map(|job| JobRow::new(job, now)).collect();
        Self::insert_rows(conn, &rows).await
    }

    /// Moves a claimed job to `state`; when a newer pending job holds its key
    /// (so it cannot be pending again), it is cancelled instead: the newer
    /// job does the same work.
    async fn settle(
        &self,
        id: JobId,
        state: JobState,
        run_at: Option<i64>,
        at: i64,
        error: Option<&str>,
    ) -> StoreResult<()> {
        let sql = "UPDATE jobs SET state = $2, run_at = COALESCE($3, run_at), locked_until = NULL, \
                   last_error = COALESCE($4, last_error), finished_at = CASE WHEN $2 IN ('done', 'dead', 'cancelled') \
                   THEN $5 ELSE NULL END WHERE id = $1";
        let run = |state: JobState| {
            sqlx::query::<D>(sql).bind_v(id.to_string()).bind_v(state.as_str()).bind_v(run_at).bind_v(error).bind_v(at)
        };
        match run(state).execute_with(&self.write).await.map_err(StoreError::from) {
            Ok(_) => Ok(()),
            Err(StoreError::Conflict(_)) if state == JobState::Pending => {
                run(JobState::Cancelled).execute_with(&self.write).await?;
                Ok(())
            }
            Err(err) => Err(err),
        }
    }
}

fn job_record<R: DialectRow>(row: &R) -> StoreResult<JobRecord> {
    Ok(JobRecord {
        id: parse_id(row.get_v::<&str, _>("id")?)?,
        kind: row.get_v("kind")?,
        state: JobState::parse(row.get_v::<&str, _>("state")?)
            .ok_or_else(|| StoreError::Corrupt("job state".into()))?,
        attempts: u32::try_from(row.get_v::<i64, _>("attempts")?).unwrap_or(u32::MAX),
        run_at: at(row.get_v("run_at")?)?,
        last_error: row.get_v("last_error")?,
        created_at: at(row.get_v("created_at")?)?,
        finished_at: row.get_v::<Option<i64>, _>("finished_at")?.map(at).transpose()?,
    })
}

#[async_trait]
impl<B: Backend> crate::Outbox for B {
    async fn enqueue_jobs(&self, jobs: Vec<NewJob>) -> StoreResult<()> {
        let mut tx = self.sql().write.begin().await?;
        Sql::<B::D>::add_jobs(&mut tx, &jobs, Utc::now()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_jobs(&self, now: DateTime<Utc>, lease: TimeDelta, limit: u32) -> StoreResult<Vec<ClaimedJob>> {
        let sql = self.sql();
        // Most polls find nothing due: ask a reader first, so an idle outbox
        // never takes SQLite's one writer from the messages waiting on it.
        let due = sqlx::query::<B::D>(
            "SELECT 1 FROM jobs WHERE state IN ('pending', 'running') AND run_at <= $1 \
             AND (state = 'pending' OR locked_until < $1) LIMIT 1",
        )
        .bind_v(ms(now))
        .fetch_optional_with(&sql.read)
        .await?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let lock = if B::D::NAME == "postgres" { "FOR UPDATE SKIP LOCKED" } else { "" };
        let rows = sqlx::query::<B::D>(&format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $2 \
             WHERE id IN (SELECT id FROM jobs WHERE state IN ('pending', 'running') AND run_at <= $1 \
                 AND (state = 'pending' OR locked_until < $1) ORDER BY run_at LIMIT $3 {lock}) \
             RETURNING id, kind, payload, attempts, dedupe_key, created_at"
        ))
        .bind_v(ms(now))
        .bind_v(ms(now + lease))
        .bind_v(i64::from(limit))
        .fetch_all_with(&sql.write)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ClaimedJob {
                    id: parse_id(row.get_v::<&str, _>("id")?)?,
                    kind: row.get_v("kind")?,
                    payload: row.get_v("payload")?,
                    attempts: u32::try_from(row.get_v::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                    dedupe_key: row.get_v("dedupe_key")?,
                    created_at: at(row.get_v("created_at")?)?,
                })
            })
            .collect()
    }

    async fn finish_job(&self, id: JobId, now: DateTime<Utc>, effects: JobEffects) -> StoreResult<()> {
        let mut tx = self.sql().write.begin().await?;
        sqlx::query::<B::D>("UPDATE jobs SET state = 'done', locked_until = NULL, finished_at = $2 WHERE id = $1")
            .bind_v(id.to_string())
            .bind_v(ms(now))
            .execute_with(&mut *tx)
            .await?;
        let notices: Vec<NoticeRow<'_>> =
            effects.sent.iter().map(|notice| NoticeRow(notice, new_id().to_string())).collect();
        Sql::<B::D>::insert_rows(&mut tx, &notices).await?;
        Sql::<B::D>::add_jobs(&mut tx, &effects.follow_ups, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn retry_job(&self, id: JobId, run_at: DateTime<Utc>, error: &str) -> StoreResult<()> {
        self.sql().settle(id, JobState::Pending, Some(ms(run_at)), ms(run_at), Some(error)).await
    }

    async fn bury_job(&self, id: JobId, now: DateTime<Utc>, error: &str) -> StoreResult<()> {
        self.sql().settle(id, JobState::Dead, None, ms(now), Some(error)).await
    }

    async fn cancel_jobs(&self, dedupe_key: &str, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query::<B::D>(
            "UPDATE jobs SET state = 'cancelled', finished_at = $2 WHERE dedupe_key = $1 AND state = 'pending'",
        )
        .bind_v(dedupe_key)
        .bind_v(ms(now))
        .execute_with(&self.sql().write)
        .await?;
        Ok(done.rows_affected())
    }

    async fn jobs_in_state(&self, state: JobState, limit: u32) -> StoreResult<Vec<JobRecord>> {
        let rows = sqlx::query::<B::D>(
            "SELECT id, kind, state, attempts, run_at, last_error, created_at, finished_at FROM jobs \
             WHERE state = $1 ORDER BY COALESCE(finished_at, run_at) DESC, id DESC LIMIT $2",
        )
        .bind_v(state.as_str())
        .bind_v(i64::from(limit))
        .fetch_all_with(&self.sql().read)
        .await?;
        rows.iter().map(job_record).collect()
    }

    async fn job_counts(&self) -> StoreResult<JobCounts> {
        let rows = sqlx::query::<B::D>(
            "SELECT state, COUNT(*) AS n FROM jobs WHERE state IN ('pending', 'running', 'dead') GROUP BY state",
        )
        .fetch_all_with(&self.sql().read)
        .await?;
        let mut counts = JobCounts::default();
        for row in &rows {
            let n = u64::try_from(row.get_v::<i64, _>("n")?).unwrap_or_default();
            match row.get_v::<&str, _>("state")? {
                "pending" => counts.pending = n,
                "running" => counts.running = n,
                _ => counts.dead = n,
            }
        }
        Ok(counts)
    }

    async fn requeue_dead_job(&self, id: JobId, now: DateTime<Utc>, audit: AuditEvent) -> StoreResult<()> {
        let sql = self.sql();
        sql.audited(async |conn| {
            let done = sqlx::query::<B::D>(
                "UPDATE jobs SET state = 'pending', run_at = $2, attempts = 0, finished_at = NULL, locked_until = NULL \
                 WHERE id = $1 AND state = 'dead'",
            )
            .bind_v(id.to_string())
            .bind_v(ms(now))
            .execute_with(&mut *conn)
            .await
            .map_err(StoreError::from);
            match done {
                Ok(done) if done.rows_affected() == 1 => {
                    Ok(Audited::new((), with_target(std::slice::from_ref(&audit), "job", &id.to_string())))
                }
                Ok(_) => Err(StoreError::Missing("job")),
                // A pending job with the same key will do this work already.
                Err(StoreError::Conflict(_)) => Err(StoreError::Conflict("a pending job does this already")),
                Err(err) => Err(err),
            }
        })
        .await
    }

    async fn notices_for_thread(&self, thread: ThreadId) -> StoreResult<Vec<SentNotice>> {
        let rows = sqlx::query::<B::D>(
            "SELECT recipient_id, thread_id, kind, channel, sent_at FROM notices_sent WHERE thread_id = $1 \
             ORDER BY sent_at, id",
        )
        .bind_v(thread.to_string())
        .fetch_all_with(&self.sql().read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SentNotice {
                    recipient_id: parse_id(row.get_v::<&str, _>("recipient_id")?)?,
                    thread_id: opt_id(row.get_v::<Option<&str>, _>("thread_id")?)?,
                    kind: row.get_v("kind")?,
                    channel: row.get_v("channel")?,
                    sent_at: at(row.get_v("sent_at")?)?,
                })
            })
            .collect()
    }

    async fn last_notice(
        &self,
        recipient: UserId,
        kind: &str,
        thread: Option<ThreadId>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let latest = sqlx::query::<B::D>(
            "SELECT MAX(sent_at) FROM notices_sent WHERE recipient_id = $1 AND kind = $2 \
             AND ($3 = '' OR thread_id = $3)",
        )
        .bind_v(recipient.to_string())
        .bind_v(kind)
        .bind_v(thread.map_or_else(String::new, |t| t.to_string()))
        .fetch_optional_scalar_with::<Option<i64>, _>(&self.sql().read)
        .await?
        .flatten();
        latest.map(at).transpose()
    }

    async fn waiting_unescalated(&self, waiting_before: DateTime<Utc>, limit: u32) -> StoreResult<Vec<WaitingThread>> {
        let rows = sqlx::query::<B::D>(
            "SELECT t.id, t.urgency, t.awaiting_since, t.pool_id, t.assignee_id FROM threads t \
             WHERE t.awaiting_since IS NOT NULL AND t.awaiting_since <= $1 AND t.status = 'open' \
             AND NOT EXISTS (SELECT 1 FROM notices_sent n WHERE n.thread_id = t.id AND n.kind = $2 \
                 AND n.sent_at >= t.awaiting_since) \
             ORDER BY t.awaiting_since, t.id LIMIT $3",
        )
        .bind_v(ms(waiting_before))
        .bind_v(crate::jobs::OVERDUE_ESCALATED)
        .bind_v(i64::from(limit))
        .fetch_all_with(&self.sql().read)
        .await?;
        rows.iter().map(waiting_from_row).collect()
    }

    async fn overdue_escalations(&self, recipient: UserId, limit: u32) -> StoreResult<Vec<WaitingThread>> {
        let rows = sqlx::query::<B::D>(
            "SELECT t.id, t.urgency, t.awaiting_since, t.pool_id, t.assignee_id FROM threads t \
             WHERE t.awaiting_since IS NOT NULL AND t.status = 'open' \
             AND EXISTS (SELECT 1 FROM notices_sent n WHERE n.thread_id = t.id AND n.kind = $2 \
                 AND n.recipient_id = $1 AND n.sent_at >= t.awaiting_since) \
             ORDER BY t.awaiting_since, t.id LIMIT $3",
        )
        .bind_v(recipient.to_string())
        .bind_v(crate::jobs::OVERDUE_ESCALATED)
        .bind_v(i64::from(limit))
        .fetch_all_with(&self.sql().read)
        .await?;
        rows.iter().map(waiting_from_row).collect()
    }
}

fn waiting_from_row<R: DialectRow>(row: &R) -> StoreResult<WaitingThread> {
    Ok(WaitingThread {
        id: parse_id(row.get_v::<&str, _>("id")?)?,
        urgency: carethread_core::thread::Urgency::parse(row.get_v::<&str, _>("urgency")?)?,
        awaiting_since: at(row.get_v("awaiting_since")?)?,
        pool_id: opt_id(row.get_v::<Option<&str>, _>("pool_id")?)?,
        assignee_id: opt_id(row.get_v::<Option<&str>, _>("assignee_id")?)?,
    })
}
