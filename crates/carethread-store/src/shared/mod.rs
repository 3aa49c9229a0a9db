//! The SQL both backends run, as ordinary generic Rust: one module per
//! aggregate, each implementing its store trait once for every [`Backend`]
//! with the SQL in the trait's methods, plus an `impl<D: Dialect> Sql<D>`
//! block for the queries several methods share (see [`Dialect`] for what
//! differs between SQLite and PostgreSQL). `sqlite.rs` and
//! `postgres.rs` each hold a `Sql<D>` for their database and add what only
//! they do: opening, and how a write a user waits on is committed.

mod audit;
mod backend;
mod batch;
mod billing;
mod bulk_exports;
mod clinic_settings;
mod contacts;
mod coverage;
mod drafting;
mod equity;
mod grants;
mod health;
mod held;
mod in_basket;
mod insights;
mod keys;
mod messages;
mod outbox;
mod patient_apps;
mod people;
mod people_import;
pub(crate) mod prelude;
mod retention;
mod sessions;
mod subscriptions;
mod system_clients;
mod threads;
mod triage;
mod visits;
pub(crate) mod write_jobs;

pub(crate) use backend::Backend;
pub(crate) use batch::*;

use std::str::FromStr;

use carethread_core::audit::AuditEvent;
use carethread_core::ids::UserId;
use chrono::{DateTime, Utc};
use sqlx::Pool;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::crypto::Keyring;
use crate::dialect::Dialect;
use crate::{PersonRef, StoreError, StoreResult, ThreadEvent};

/// A database's pools and keys, and the live-event feed: what the shared
/// SQL runs against.
pub struct Sql<D: Dialect> {
    /// Reads: a pool of read-only connections on SQLite, the one pool on PostgreSQL.
    pub(crate) read: Pool<D>,
    /// Writes: SQLite's one writer connection, the one pool on PostgreSQL.
    pub(crate) write: Pool<D>,
    pub(crate) events: broadcast::Sender<ThreadEvent>,
    pub(crate) keys: Keyring,
}

impl<D: Dialect> Clone for Sql<D> {
    fn clone(&self) -> Self {
        Self {
            read: self.read.clone(),
            write: self.write.clone(),
            events: self.events.clone(),
            keys: self.keys.clone(),
        }
    }
}

impl<D: Dialect> Sql<D> {
    /// Tells other servers about `event` inside the writing transaction.
    pub(crate) async fn notify_in_tx(&self, conn: &mut D::Connection, event: &ThreadEvent) -> StoreResult<()> {
        D::notify_in_tx(conn, event).await
    }

    /// Hands a committed event to this process's subscribers, where the
    /// database does not (SQLite); on PostgreSQL the listener does.
    pub(crate) fn publish(&self, event: ThreadEvent) {
        if D::PUBLISHES_LOCALLY {
            let _ = self.events.send(event);
        }
    }

    /// The one way a change is written with its audit entries: begins a
    /// write transaction, runs `body` in it, appends the audit entries the
    /// body returns, notifies other servers of its events, and commits; then
    /// publishes the events here. If the body, the audit log or the commit
    /// fails, the transaction is rolled back (dropped) and nothing is stored.
    pub(crate) async fn audited<T>(
        &self,
        body: impl AsyncFnOnce(&mut D::Connection) -> StoreResult<Audited<T>>,
    ) -> StoreResult<T> {
        let mut tx = self.write.begin().await?;
        let done = body(&mut tx).await?;
        Self::append_audit(&mut tx, &self.keys, &done.audit).await?;
        Self::add_jobs(&mut tx, &done.jobs, Utc::now()).await?;
        for event in &done.events {
            self.notify_in_tx(&mut tx, event).await?;
        }
        tx.commit().await?;
        for event in done.events {
            self.publish(event);
        }
        Ok(done.value)
    }

    /// Reclaims space left by values replaced in place.
    pub(crate) async fn compact(&self) -> StoreResult<()> {
        D::compact(&self.write).await
    }
}

pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn at(ms: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Corrupt("timestamp out of range".into()))
}

/// `count` numbered placeholders from `$first` on, for an `IN (…)` list:
/// `placeholders(3, 2)` is `$3, $4`.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

pub(crate) fn parse_id<T: FromStr>(raw: &str) -> StoreResult<T> {
    raw.parse().map_err(|_| StoreError::Corrupt("identifier".into()))
}

pub(crate) fn opt_id<T: FromStr>(raw: Option<&str>) -> StoreResult<Option<T>> {
    raw.map(parse_id).transpose()
}

/// An insert's result, with a uniqueness violation named as `what` already existing.
pub(crate) fn naming_conflict<T>(result: Result<T, sqlx::Error>, what: &'static str) -> StoreResult<T> {
    result.map_err(|err| match StoreError::from(err) {
        StoreError::Conflict(_) => StoreError::Conflict(what),
        other => other,
    })
}

pub(crate) fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// The roles that answer patients (the care team and the front office), as
/// an SQL list: `('physician', 'nurse', …)`.
pub(crate) fn staff_roles() -> String {
    let roles: Vec<String> =
        carethread_core::role::Role::ALL.iter().filter(|r| r.is_staff()).map(|r| format!("'{}'", r.as_str())).collect();
    format!("({})", roles.join(", "))
}

pub(crate) fn person(id: UserId, name: String, role: &str) -> StoreResult<PersonRef> {
    Ok(PersonRef { id, display_name: name, role: role.parse()? })
}

/// What an audited write did: its answer, the audit entries that record it
/// (none when it changed nothing, such as revoking a grant already revoked),
/// and the live events to publish once it commits.
pub(crate) struct Audited<T> {
    value: T,
    audit: Vec<AuditEvent>,
    events: Vec<ThreadEvent>,
    jobs: Vec<crate::jobs::NewJob>,
}

impl<T> Audited<T> {
    pub(crate) fn new(value: T, audit: Vec<AuditEvent>) -> Self {
        Self { value, audit, events: Vec::new(), jobs: Vec::new() }
    }

    /// Nothing was changed, so nothing is recorded.
    pub(crate) fn unchanged(value: T) -> Self {
        Self::new(value, Vec::new())
    }

    pub(crate) fn publishing(mut self, event: ThreadEvent) -> Self {
        self.events.push(event);
        self
    }

    /// The answer, the audit entries and the events, for a queued write (which
    /// has no outbox jobs of its own: see [`Sql::run_job`]).
    pub(crate) fn into_parts(self) -> (T, Vec<AuditEvent>, Vec<ThreadEvent>) {
        debug_assert!(self.jobs.is_empty(), "queued writes add no outbox jobs");
        (self.value, self.audit, self.events)
    }

    /// Writes `jobs` to the outbox in the same transaction.
    pub(crate) fn with_jobs(mut self, jobs: Vec<crate::jobs::NewJob>) -> Self {
        self.jobs.extend(jobs);
        self
    }
}
