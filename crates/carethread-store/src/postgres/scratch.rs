//! Databases of their own for tests and benchmarks: made on a PostgreSQL
//! server with a unique name, and dropped when the run is done with them, so
//! a server that runs the suite day after day does not fill its disk.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _, Executor as _};

use crate::StoreResult;

/// A new, empty database named `<prefix>_<unique>`, dropped (with any
/// connection still open to it) when this value is dropped. Share it with an
/// `Arc` when several stores open it; the last holder drops the database.
#[derive(Debug)]
pub struct ScratchDatabase {
    server: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// Creates the database on the server `server` points at.
    pub async fn create(server: &str, prefix: &str) -> StoreResult<Self> {
        let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
        let mut conn = server.parse::<PgConnectOptions>()?.connect().await?;
        conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
        conn.close().await?;
        Ok(Self { url: replace_database(server, &name), server: server.to_owned(), name })
    }

    /// The database's URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops databases made by [`ScratchDatabase::create`] with this prefix
    /// that are older than `older_than` (their names carry their creation
    /// time): what a run that was killed before it could drop its own left.
    pub async fn drop_stale(server: &str, prefix: &str, older_than: Duration) -> StoreResult<usize> {
        let mut conn = server.parse::<PgConnectOptions>()?.connect().await?;
        let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
            .bind(format!("{prefix}\\_%"))
            .fetch_all(&mut conn)
            .await?;
        let cutoff = SystemTime::now().checked_sub(older_than).unwrap_or(UNIX_EPOCH);
        let mut dropped = 0;
        for name in names {
            if created_at(&name, prefix).is_some_and(|t| t < cutoff) {
                conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
                dropped += 1;
            }
        }
        conn.close().await?;
        Ok(dropped)
    }
}

impl Drop for ScratchDatabase {
    /// Drops the database from a thread of its own with a runtime of its own,
    /// so it works inside or outside an async runtime, even one shutting down.
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), std::mem::take(&mut self.name));
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut conn = server.parse::<PgConnectOptions>()?.connect().await?;
                conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
                conn.close().await?;
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            tracing::warn!("a scratch database could not be dropped; a later run drops it as stale");
        }
    }
}

/// When a scratch database named `name` was made, from the version 7 UUID in its name.
fn created_at(name: &str, prefix: &str) -> Option<SystemTime> {
    let id = name.strip_prefix(prefix)?.strip_prefix('_')?;
    let (secs, nanos) = uuid::Uuid::parse_str(id).ok()?.get_timestamp()?.to_unix();
    Some(UNIX_EPOCH + Duration::new(secs, nanos))
}

/// `url` with its database name replaced by `name` (query string kept).
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..].find('/').map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{created_at, replace_database};

    #[test]
    fn database_names_are_replaced_in_urls() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(replace_database("postgres://h", "x"), "postgres://h/x");
        assert_eq!(replace_database("postgres://h/db?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
    }

    #[test]
    fn a_scratch_name_tells_when_it_was_made_and_other_names_do_not() {
        let name = format!("carethread_test_{}", uuid::Uuid::now_v7().simple());
        let made = created_at(&name, "carethread_test").expect("a time");
        assert!(made.elapsed().is_ok_and(|age| age.as_secs() < 60));
        assert_eq!(created_at("carethread_test_not_a_uuid", "carethread_test"), None);
        assert_eq!(created_at(&name, "carethread_other"), None);
    }
}
