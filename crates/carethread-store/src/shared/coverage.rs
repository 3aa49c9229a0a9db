//! Absences and the threads moved to coverers: one row per away person, and
//! one per thread moved, holding the pool it was in so it can go back there.

use async_trait::async_trait;
use carethread_core::coverage::{Absence, Coverer, MovedThread, comes_back};

use super::backend::Backend;
use super::prelude::*;
use crate::NewJob;
use crate::traits::coverage::{CoveredThread, ReturnedThreads};

const COLUMNS: &str = "person_id, starts_at, ends_at, coverer_user_id, coverer_pool_id";

fn coverer(user: Option<&str>, pool: Option<&str>) -> StoreResult<Coverer> {
    match (user, pool) {
        (Some(user), None) => Ok(Coverer::User(parse_id(user)?)),
        (None, Some(pool)) => Ok(Coverer::Pool(parse_id(pool)?)),
        _ => Err(StoreError::Corrupt("coverer".into())),
    }
}

fn coverer_columns(coverer: Coverer) -> (Option<String>, Option<String>) {
    match coverer {
        Coverer::User(user) => (Some(user.to_string()), None),
        Coverer::Pool(pool) => (None, Some(pool.to_string())),
    }
}

fn absence_from_row<R: DialectRow>(row: &R) -> StoreResult<Absence> {
    Ok(Absence::stored(
        parse_id(row.get_v::<&str, _>("person_id")?)?,
        at(row.get_v("starts_at")?)?,
        at(row.get_v("ends_at")?)?,
        coverer(row.get_v("coverer_user_id")?, row.get_v("coverer_pool_id")?)?,
    ))
}

fn thread_updated(thread: ThreadId, now: DateTime<Utc>) -> ThreadEvent {
    ThreadEvent {
        kind: EventKind::ThreadUpdated,
        thread_id: thread,
        message_id: None,
        internal: false,
        alert: false,
        at: now,
    }
}

#[async_trait]
impl<B: Backend> crate::Coverage for B {
    async fn absence(&self, person: UserId) -> StoreResult<Option<Absence>> {
        let row = sqlx::query::<B::D>(&format!("SELECT {COLUMNS} FROM absences WHERE person_id = $1"))
            .bind_v(person.to_string())
            .fetch_optional_with(&self.sql().read)
            .await?;
        row.as_ref().map(absence_from_row).transpose()
    }

    async fn absences(&self) -> StoreResult<Vec<Absence>> {
        let rows = sqlx::query::<B::D>(&format!("SELECT {COLUMNS} FROM absences ORDER BY starts_at"))
            .fetch_all_with(&self.sql().read)
            .await?;
        rows.iter().map(absence_from_row).collect()
    }

    async fn set_absence(&self, absence: &Absence, audit: &AuditEvent, jobs: Vec<NewJob>) -> StoreResult<()> {
        let now = audit.at;
        let (user, pool) = coverer_columns(absence.coverer());
        let person = absence.person();
        self.sql()
            .audited(async |conn| {
                sqlx::query::<B::D>(
                    "INSERT INTO absences (person_id, starts_at, ends_at, coverer_user_id, coverer_pool_id, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (person_id) DO UPDATE SET starts_at = $2, \
                     ends_at = $3, coverer_user_id = $4, coverer_pool_id = $5, updated_at = $6",
                )
                .bind_v(person.to_string())
                .bind_v(ms(absence.from()))
                .bind_v(ms(absence.until()))
                .bind_v(user.clone())
                .bind_v(pool.clone())
                .bind_v(ms(now))
                .execute_with(&mut *conn)
                .await?;
                let audit = with_target(std::slice::from_ref(audit), "user", &person.to_string());
                Ok(Audited::new((), audit).with_jobs(jobs.clone()))
            })
            .await
    }

    async fn clear_absence(&self, person: UserId, audit: &AuditEvent, jobs: Vec<NewJob>) -> StoreResult<bool> {
        self.sql()
            .audited(async |conn| {
                let done = sqlx::query::<B::D>("DELETE FROM absences WHERE person_id = $1")
                    .bind_v(person.to_string())
                    .execute_with(&mut *conn)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(Audited::unchanged(false));
                }
                let audit = with_target(std::slice::from_ref(audit), "user", &person.to_string());
                Ok(Audited::new(true, audit).with_jobs(jobs.clone()))
            })
            .await
    }

    async fn cover_threads(&self, person: UserId, coverer: Coverer, audit: &AuditEvent) -> StoreResult<Vec<ThreadId>> {
        let now = audit.at;
        let (to_user, to_pool) = coverer_columns(coverer);
        self.sql()
            .audited(async |conn| {
                let rows = sqlx::query::<B::D>(
                    "SELECT id, patient_id, pool_id FROM threads WHERE assignee_id = $1 AND status <> 'closed' \
                     ORDER BY id",
                )
                .bind_v(person.to_string())
                .fetch_all_with(&mut *conn)
                .await?;
                let mut moved = Vec::with_capacity(rows.len());
                let mut entries = Vec::with_capacity(rows.len());
                for row in &rows {
                    let thread: ThreadId = parse_id(row.get_v::<&str, _>("id")?)?;
                    let patient: UserId = parse_id(row.get_v::<&str, _>("patient_id")?)?;
                    let prior_pool: Option<String> = row.get_v::<Option<&str>, _>("pool_id")?.map(str::to_owned);
                    sqlx::query::<B::D>(
                        "UPDATE threads SET assignee_id = $2, pool_id = COALESCE($3, pool_id), updated_at = $4 \
                         WHERE id = $1",
                    )
                    .bind_v(thread.to_string())
                    .bind_v(to_user.clone())
                    .bind_v(to_pool.clone())
                    .bind_v(ms(now))
                    .execute_with(&mut *conn)
                    .await?;
                    sqlx::query::<B::D>(
                        "INSERT INTO coverage_moves (thread_id, person_id, to_user_id, to_pool_id, prior_pool_id, \
                         moved_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (thread_id) DO UPDATE SET \
                         person_id = $2, to_user_id = $3, to_pool_id = $4, prior_pool_id = $5, moved_at = $6",
                    )
                    .bind_v(thread.to_string())
                    .bind_v(person.to_string())
                    .bind_v(to_user.clone())
                    .bind_v(to_pool.clone())
                    .bind_v(prior_pool)
                    .bind_v(ms(now))
                    .execute_with(&mut *conn)
                    .await?;
                    // Kept after the thread goes back: the coverer's work in the insights.
                    sqlx::query::<B::D>(
                        "INSERT INTO coverage_received (thread_id, person_id, to_user_id, to_pool_id, at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind_v(thread.to_string())
                    .bind_v(person.to_string())
                    .bind_v(to_user.clone())
                    .bind_v(to_pool.clone())
                    .bind_v(ms(now))
                    .execute_with(&mut *conn)
                    .await?;
                    entries
                        .push(audit.clone().patient(patient).target("thread", thread).detail("moved to the coverer"));
                    moved.push(thread);
                }
                let mut done = Audited::new(moved.clone(), entries);
                for thread in moved {
                    done = done.publishing(thread_updated(thread, now));
                }
                Ok(done)
            })
            .await
    }

    async fn return_threads(
        &self,
        person: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<ReturnedThreads> {
        self.sql()
            .audited(async |conn| {
                let rows = sqlx::query::<B::D>(
                    "SELECT c.thread_id, c.to_user_id, c.to_pool_id, c.prior_pool_id, t.patient_id, t.status, \
                     t.pool_id, t.assignee_id FROM coverage_moves c JOIN threads t ON t.id = c.thread_id \
                     WHERE c.person_id = $1 ORDER BY c.thread_id",
                )
                .bind_v(person.to_string())
                .fetch_all_with(&mut *conn)
                .await?;
                let mut answer = ReturnedThreads::default();
                let mut entries = Vec::new();
                for row in &rows {
                    let thread: ThreadId = parse_id(row.get_v::<&str, _>("thread_id")?)?;
                    let moved = MovedThread {
                        moved_to: coverer(row.get_v("to_user_id")?, row.get_v("to_pool_id")?)?,
                        status: ThreadStatus::parse(row.get_v::<&str, _>("status")?)?,
                        pool_id: opt_id(row.get_v("pool_id")?)?,
                        assignee_id: opt_id(row.get_v("assignee_id")?)?,
                    };
                    if !comes_back(&moved) {
                        answer.kept.push(thread);
                        continue;
                    }
                    let prior_pool: Option<String> = row.get_v::<Option<&str>, _>("prior_pool_id")?.map(str::to_owned);
                    sqlx::query::<B::D>(
                        "UPDATE threads SET assignee_id = $2, pool_id = $3, updated_at = $4 WHERE id = $1",
                    )
                    .bind_v(thread.to_string())
                    .bind_v(person.to_string())
                    .bind_v(prior_pool)
                    .bind_v(ms(now))
                    .execute_with(&mut *conn)
                    .await?;
                    let patient: UserId = parse_id(row.get_v::<&str, _>("patient_id")?)?;
                    entries.push(audit.clone().patient(patient).target("thread", thread).detail("given back"));
                    answer.returned.push(thread);
                }
                sqlx::query::<B::D>("DELETE FROM coverage_moves WHERE person_id = $1")
                    .bind_v(person.to_string())
                    .execute_with(&mut *conn)
                    .await?;
                let returned = answer.returned.clone();
                let mut done = Audited::new(answer, entries);
                for thread in returned {
                    done = done.publishing(thread_updated(thread, now));
                }
                Ok(done)
            })
            .await
    }

    async fn covered_threads(&self, threads: &[ThreadId]) -> StoreResult<Vec<CoveredThread>> {
        if threads.is_empty() {
            return Ok(Vec::new());
        }
        let statement = format!(
            "SELECT c.thread_id, c.person_id, c.to_user_id, c.to_pool_id, t.status, t.pool_id, t.assignee_id \
             FROM coverage_moves c JOIN threads t ON t.id = c.thread_id WHERE c.thread_id IN ({})",
            placeholders(1, threads.len())
        );
        let mut query = sqlx::query::<B::D>(&statement);
        for thread in threads {
            query = query.bind_v(thread.to_string());
        }
        let rows = query.fetch_all_with(&self.sql().read).await?;
        let mut covered = Vec::with_capacity(rows.len());
        for row in &rows {
            let moved = MovedThread {
                moved_to: coverer(row.get_v("to_user_id")?, row.get_v("to_pool_id")?)?,
                status: ThreadStatus::parse(row.get_v::<&str, _>("status")?)?,
                pool_id: opt_id(row.get_v("pool_id")?)?,
                assignee_id: opt_id(row.get_v("assignee_id")?)?,
            };
            if comes_back(&moved) {
                covered.push(CoveredThread {
                    thread: parse_id(row.get_v::<&str, _>("thread_id")?)?,
                    person: parse_id(row.get_v::<&str, _>("person_id")?)?,
                    coverer: moved.moved_to,
                });
            }
        }
        Ok(covered)
    }
}
