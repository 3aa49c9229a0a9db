//! What differs between the two databases, behind one small trait, so the
//! SQL both run is ordinary generic Rust (`impl<D: Dialect> Sql<D>`).
//!
//! sqlx spells "this database can run this query on this connection" with
//! higher-ranked bounds (`for<'c> &'c mut DB::Connection: Executor<'c>`,
//! `T: Encode<'q, DB> + Type<DB>`, …) that would have to be repeated on every
//! generic function. [`Dialect`] instead runs a query with methods each
//! backend implements concretely, and [`Bindable`] / [`Decodable`] list the
//! value types the SQL binds and reads, each implemented once per backend.
//! Dispatch is static: every call is monomorphised for `sqlx::Sqlite` and
//! `sqlx::Postgres`, with no boxing or dynamic rows added.
//!
//! Call sites read like sqlx's own: `sqlx::query(SQL).bind_v(x)`,
//! `.fetch_all_with(&self.read)`, `.execute_with(&mut *conn)`,
//! `row.get_v::<&str, _>("id")`.

use std::future::Future;

use sqlx::postgres::{PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{ColumnIndex, Database, Pool, Postgres, Sqlite};

use crate::{StoreError, StoreResult, ThreadEvent};

/// A query whose arguments are bound by value, as `sqlx::query` makes them.
pub type Q<'q, D> = sqlx::query::Query<'q, D, <D as Database>::Arguments<'q>>;

/// What a statement changed.
#[derive(Debug, Clone, Copy)]
pub struct Executed(u64);

impl Executed {
    /// Rows inserted, updated or deleted.
    pub fn rows_affected(self) -> u64 {
        self.0
    }
}

/// One database CareThread runs on: how it numbers parameters, runs a
/// query on a connection or a pool, publishes live events and compacts.
pub trait Dialect: Database<Row: DialectRow> {
    /// For logs and metrics: `sqlite` or `postgres`.
    const NAME: &'static str;
    /// Whether multi-row statements use plain `?` parameters: SQLite looks
    /// each named parameter (`$7`) up in a list of the statement's names,
    /// which makes a statement with hundreds of them quadratic to prepare
    /// and to bind. PostgreSQL parameters are always numbered (`$1`).
    const POSITIONAL_PARAMETERS: bool;
    /// Whether committed events go straight to this process's subscribers
    /// (one process owns a SQLite file), rather than arriving through the
    /// database's notifications (PostgreSQL's `LISTEN`).
    const PUBLISHES_LOCALLY: bool;
    /// Whether the database has one writer (SQLite's one connection), so
    /// that every write a user waits on is queued for the group commit
    /// rather than taking the writer for a transaction of its own; on
    /// PostgreSQL only new threads, messages and audit entries are queued,
    /// and other writes run side by side on the pool.
    const ONE_WRITER: bool;

    /// Binds the next parameter (sqlx's `Query::bind`).
    fn bind<'q, T: Bindable<'q>>(query: Q<'q, Self>, value: T) -> Q<'q, Self>;

    // sqlx's `execute` / `fetch_all` / `fetch_optional` / `fetch_one` on a
    // connection (a transaction derefs to one), then on a pool. Generic code
    // calls them through [`QueryExt`].

    fn execute(
        conn: &mut Self::Connection,
        query: Q<'_, Self>,
    ) -> impl Future<Output = Result<Executed, sqlx::Error>> + Send;
    fn fetch_all(
        conn: &mut Self::Connection,
        query: Q<'_, Self>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send;
    fn fetch_optional(
        conn: &mut Self::Connection,
        query: Q<'_, Self>,
    ) -> impl Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send;
    fn fetch_one(
        conn: &mut Self::Connection,
        query: Q<'_, Self>,
    ) -> impl Future<Output = Result<Self::Row, sqlx::Error>> + Send;

    fn execute_pool(
        pool: &Pool<Self>,
        query: Q<'_, Self>,
    ) -> impl Future<Output = Result<Executed, sqlx::Error>> + Send;
    fn fetch_all_pool(
        pool: &Pool<Self>,
        query: Q<'_, Self>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send;
    fn fetch_optional_pool(
        pool: &Pool<Self>,
        query: Q<'_, Self>,
    ) -> impl Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send;
    fn fetch_one_pool(
        pool: &Pool<Self>,
        query: Q<'_, Self>,
    ) -> impl Future<Output = Result<Self::Row, sqlx::Error>> + Send;

    /// Tells other servers about `event` inside the writing transaction, so
    /// it exists only if the write commits (nothing to do on SQLite).
    fn notify_in_tx(conn: &mut Self::Connection, event: &ThreadEvent) -> impl Future<Output = StoreResult<()>> + Send;

    /// Reclaims space left by values replaced in place (re-encryption), so
    /// their old bytes leave no copy behind.
    fn compact(write: &Pool<Self>) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Where a query runs: a connection (or a transaction, through `&mut *tx`)
/// or a pool.
pub trait On<D: Dialect>: Send {
    fn execute(self, query: Q<'_, D>) -> impl Future<Output = Result<Executed, sqlx::Error>> + Send;
    fn fetch_all(self, query: Q<'_, D>) -> impl Future<Output = Result<Vec<D::Row>, sqlx::Error>> + Send;
    fn fetch_optional(self, query: Q<'_, D>) -> impl Future<Output = Result<Option<D::Row>, sqlx::Error>> + Send;
    fn fetch_one(self, query: Q<'_, D>) -> impl Future<Output = Result<D::Row, sqlx::Error>> + Send;
}

impl<D: Dialect> On<D> for &mut D::Connection {
    fn execute(self, query: Q<'_, D>) -> impl Future<Output = Result<Executed, sqlx::Error>> + Send {
        D::execute(self, query)
    }
    fn fetch_all(self, query: Q<'_, D>) -> impl Future<Output = Result<Vec<D::Row>, sqlx::Error>> + Send {
        D::fetch_all(self, query)
    }
    fn fetch_optional(self, query: Q<'_, D>) -> impl Future<Output = Result<Option<D::Row>, sqlx::Error>> + Send {
        D::fetch_optional(self, query)
    }
    fn fetch_one(self, query: Q<'_, D>) -> impl Future<Output = Result<D::Row, sqlx::Error>> + Send {
        D::fetch_one(self, query)
    }
}

impl<D: Dialect> On<D> for &Pool<D> {
    fn execute(self, query: Q<'_, D>) -> impl Future<Output = Result<Executed, sqlx::Error>> + Send {
        D::execute_pool(self, query)
    }
    fn fetch_all(self, query: Q<'_, D>) -> impl Future<Output = Result<Vec<D::Row>, sqlx::Error>> + Send {
        D::fetch_all_pool(self, query)
    }
    fn fetch_optional(self, query: Q<'_, D>) -> impl Future<Output = Result<Option<D::Row>, sqlx::Error>> + Send {
        D::fetch_optional_pool(self, query)
    }
    fn fetch_one(self, query: Q<'_, D>) -> impl Future<Output = Result<D::Row, sqlx::Error>> + Send {
        D::fetch_one_pool(self, query)
    }
}

/// sqlx's query methods for generic code: `bind_v` for `bind`, and
/// `…_with` for running it.
pub trait QueryExt<'q, D: Dialect>: Sized {
    #[must_use]
    fn bind_v<T: Bindable<'q>>(self, value: T) -> Self;
    fn execute_with<E: On<D>>(self, on: E) -> impl Future<Output = Result<Executed, sqlx::Error>> + Send;
    fn fetch_all_with<E: On<D>>(self, on: E) -> impl Future<Output = Result<Vec<D::Row>, sqlx::Error>> + Send;
    fn fetch_optional_with<E: On<D>>(self, on: E) -> impl Future<Output = Result<Option<D::Row>, sqlx::Error>> + Send;
    fn fetch_one_with<E: On<D>>(self, on: E) -> impl Future<Output = Result<D::Row, sqlx::Error>> + Send;
    /// The first column of the one row (`sqlx::query_scalar(…).fetch_one`).
    fn fetch_scalar_with<T, E: On<D>>(self, on: E) -> impl Future<Output = Result<T, sqlx::Error>> + Send
    where
        T: for<'r> Decodable<'r> + Send;
    /// The first column of the row, if any (`sqlx::query_scalar(…).fetch_optional`).
    fn fetch_optional_scalar_with<T, E: On<D>>(
        self,
        on: E,
    ) -> impl Future<Output = Result<Option<T>, sqlx::Error>> + Send
    where
        T: for<'r> Decodable<'r> + Send;
}

impl<'q, D: Dialect> QueryExt<'q, D> for Q<'q, D> {
    fn bind_v<T: Bindable<'q>>(self, value: T) -> Self {
        D::bind(self, value)
    }
    fn execute_with<E: On<D>>(self, on: E) -> impl Future<Output = Result<Executed, sqlx::Error>> + Send {
        on.execute(self)
    }
    fn fetch_all_with<E: On<D>>(self, on: E) -> impl Future<Output = Result<Vec<D::Row>, sqlx::Error>> + Send {
        on.fetch_all(self)
    }
    fn fetch_optional_with<E: On<D>>(self, on: E) -> impl Future<Output = Result<Option<D::Row>, sqlx::Error>> + Send {
        on.fetch_optional(self)
    }
    fn fetch_one_with<E: On<D>>(self, on: E) -> impl Future<Output = Result<D::Row, sqlx::Error>> + Send {
        on.fetch_one(self)
    }
    fn fetch_scalar_with<T, E: On<D>>(self, on: E) -> impl Future<Output = Result<T, sqlx::Error>> + Send
    where
        T: for<'r> Decodable<'r> + Send,
    {
        let row = on.fetch_one(self);
        async move { row.await?.get_v(0) }
    }
    fn fetch_optional_scalar_with<T, E: On<D>>(
        self,
        on: E,
    ) -> impl Future<Output = Result<Option<T>, sqlx::Error>> + Send
    where
        T: for<'r> Decodable<'r> + Send,
    {
        let row = on.fetch_optional(self);
        async move { row.await?.map(|row| row.get_v(0)).transpose() }
    }
}

/// A column named or numbered, on either backend's rows.
pub trait ColIndex: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> {}
impl ColIndex for &str {}
impl ColIndex for usize {}

/// A row of either backend: `get_v` is sqlx's `try_get`.
pub trait DialectRow: sqlx::Row {
    fn get_v<'r, T: Decodable<'r>, I: ColIndex>(&'r self, index: I) -> Result<T, sqlx::Error>;
}

/// A struct whose fields are read from the row's columns of the same names
/// (or `field: "column"` where the column is named otherwise), each decoded
/// as its field's type: `from_columns!(row => Entry { seq, at_ms: "at" })`.
macro_rules! from_columns {
    ($row:expr => $ty:ident { $($field:ident $(: $column:literal)?),* $(,)? }) => {
        $ty { $($field: $row.get_v(from_columns!(@column $field $(: $column)?))?),* }
    };
    (@column $field:ident) => { stringify!($field) };
    (@column $field:ident: $column:literal) => { $column };
}
pub(crate) use from_columns;

impl DialectRow for SqliteRow {
    fn get_v<'r, T: Decodable<'r>, I: ColIndex>(&'r self, index: I) -> Result<T, sqlx::Error> {
        T::from_sqlite(self, index)
    }
}

impl DialectRow for PgRow {
    fn get_v<'r, T: Decodable<'r>, I: ColIndex>(&'r self, index: I) -> Result<T, sqlx::Error> {
        T::from_postgres(self, index)
    }
}

/// A value the SQL binds, encoded by each backend's own sqlx impl.
pub trait Bindable<'q>: Send + 'q {
    fn bind_sqlite(self, query: Q<'q, Sqlite>) -> Q<'q, Sqlite>;
    fn bind_postgres(self, query: Q<'q, Postgres>) -> Q<'q, Postgres>;
}

/// A value the SQL reads from a row, decoded by each backend's own sqlx impl.
pub trait Decodable<'r>: Sized {
    fn from_sqlite<I: ColIndex>(row: &'r SqliteRow, index: I) -> Result<Self, sqlx::Error>;
    fn from_postgres<I: ColIndex>(row: &'r PgRow, index: I) -> Result<Self, sqlx::Error>;
}

macro_rules! bindable {
    ($($t:ty),* $(,)?) => {$(
        impl<'q> Bindable<'q> for $t {
            fn bind_sqlite(self, query: Q<'q, Sqlite>) -> Q<'q, Sqlite> {
                query.bind(self)
            }
            fn bind_postgres(self, query: Q<'q, Postgres>) -> Q<'q, Postgres> {
                query.bind(self)
            }
        }
    )*};
}

macro_rules! decodable {
    ($($t:ty),* $(,)?) => {$(
        impl<'r> Decodable<'r> for $t {
            fn from_sqlite<I: ColIndex>(row: &'r SqliteRow, index: I) -> Result<Self, sqlx::Error> {
                sqlx::Row::try_get(row, index)
            }
            fn from_postgres<I: ColIndex>(row: &'r PgRow, index: I) -> Result<Self, sqlx::Error> {
                sqlx::Row::try_get(row, index)
            }
        }
    )*};
}

/// Owned values, both bound and read.
macro_rules! owned_values {
    ($($t:ty),* $(,)?) => {
        bindable!($($t),*);
        decodable!($($t),*);
    };
}

owned_values!(String, Option<String>, i64, Option<i64>, bool, f64, Option<f64>, Vec<u8>, Option<Vec<u8>>);
// Borrowed values: bound, or read from a row, as each direction allows.
bindable!(&'q String, &'q str, Option<&'q str>, &'q Option<String>, &'q [u8], &'q Vec<u8>);
decodable!(&'r str, Option<&'r str>, &'r [u8]);

/// The binding and query-running methods of [`Dialect`], the same text for
/// each backend (binding through `$bind`, its [`Bindable`] method) and
/// compiled against its concrete sqlx types.
macro_rules! runs_queries {
    ($bind:ident) => {
        fn bind<'q, T: Bindable<'q>>(query: Q<'q, Self>, value: T) -> Q<'q, Self> {
            value.$bind(query)
        }
        async fn execute(conn: &mut Self::Connection, query: Q<'_, Self>) -> Result<Executed, sqlx::Error> {
            Ok(Executed(query.execute(conn).await?.rows_affected()))
        }
        async fn fetch_all(conn: &mut Self::Connection, query: Q<'_, Self>) -> Result<Vec<Self::Row>, sqlx::Error> {
            query.fetch_all(conn).await
        }
        async fn fetch_optional(
            conn: &mut Self::Connection,
            query: Q<'_, Self>,
        ) -> Result<Option<Self::Row>, sqlx::Error> {
            query.fetch_optional(conn).await
        }
        async fn fetch_one(conn: &mut Self::Connection, query: Q<'_, Self>) -> Result<Self::Row, sqlx::Error> {
            query.fetch_one(conn).await
        }
        async fn execute_pool(pool: &Pool<Self>, query: Q<'_, Self>) -> Result<Executed, sqlx::Error> {
            Ok(Executed(query.execute(pool).await?.rows_affected()))
        }
        async fn fetch_all_pool(pool: &Pool<Self>, query: Q<'_, Self>) -> Result<Vec<Self::Row>, sqlx::Error> {
            query.fetch_all(pool).await
        }
        async fn fetch_optional_pool(pool: &Pool<Self>, query: Q<'_, Self>) -> Result<Option<Self::Row>, sqlx::Error> {
            query.fetch_optional(pool).await
        }
        async fn fetch_one_pool(pool: &Pool<Self>, query: Q<'_, Self>) -> Result<Self::Row, sqlx::Error> {
            query.fetch_one(pool).await
        }
    };
}

impl Dialect for Sqlite {
    const NAME: &'static str = "sqlite";
    const POSITIONAL_PARAMETERS: bool = true;
    const PUBLISHES_LOCALLY: bool = true;
    const ONE_WRITER: bool = true;

    runs_queries!(bind_sqlite);

    async fn notify_in_tx(_conn: &mut SqliteConnection, _event: &ThreadEvent) -> StoreResult<()> {
        Ok(())
    }

    /// Rewrites the file without free pages and empties the WAL.
    async fn compact(write: &Pool<Self>) -> StoreResult<()> {
        sqlx::query("VACUUM").execute(write).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(write).await?;
        Ok(())
    }
}

impl Dialect for Postgres {
    const NAME: &'static str = "postgres";
    const POSITIONAL_PARAMETERS: bool = false;
    const PUBLISHES_LOCALLY: bool = false;
    const ONE_WRITER: bool = false;

    runs_queries!(bind_postgres);

    async fn notify_in_tx(conn: &mut PgConnection, event: &ThreadEvent) -> StoreResult<()> {
        let payload = serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(crate::postgres::CHANNEL)
            .bind(payload)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Reclaims dead row versions left by re-encryption (their old bytes).
    async fn compact(write: &Pool<Self>) -> StoreResult<()> {
        for table in ["threads", "messages", "attachments", "triage_results", "emergency_access", "users", "drafts"] {
            sqlx::query(&format!("VACUUM {table}")).execute(write).await?;
        }
        Ok(())
    }
}
