//! Store errors.

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names neither SQLite nor PostgreSQL.
    #[error("unsupported database URL: use sqlite://PATH or postgres://…")]
    UnsupportedUrl,
    /// A uniqueness rule was broken (e.g. the username is taken); names what.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// A referenced row does not exist; names what.
    #[error("{0} not found")]
    Missing(&'static str),
    /// An idempotency key was reused with a different request.
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyMismatch,
    /// Schema migration failed.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The transaction carrying this write did not commit; nothing was stored.
    #[error("the write could not be committed")]
    CommitFailed,
    /// A stored value could not be read back as a domain value.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// The master key does not unwrap this database's data keys.
    #[error("the master key does not match this database (wrong key file or CARETHREAD_MASTER_KEY)")]
    WrongMasterKey,
    /// A row names a data key this database does not hold.
    #[error("stored data names an unknown encryption key ({0})")]
    UnknownKey(i64),
    /// The database could not be reached (connection refused, pool exhausted or closed).
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// The database failed.
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    /// The one place database constraint errors become domain errors.
    fn from(err: sqlx::Error) -> Self {
        if let Some(db) = err.as_database_error() {
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => return StoreError::Conflict("record"),
                sqlx::error::ErrorKind::ForeignKeyViolation => return StoreError::Missing("referenced record"),
                _ => {}
            }
        }
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => StoreError::Unavailable(err),
            other => StoreError::Database(other),
        }
    }
}

impl From<carethread_core::DomainError> for StoreError {
    fn from(err: carethread_core::DomainError) -> Self {
        StoreError::Corrupt(err.to_string())
    }
}
