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
    /// The database could not be reached (connection refused, pool exhausted
    /// or closed), or is short of a resource other than disk (PostgreSQL
    /// SQLSTATE class 53: memory, connections).
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// The database has no room to write: the disk is full (SQLite
    /// `SQLITE_FULL`, PostgreSQL `53100 disk_full` or `53000
    /// insufficient_resources`). Nothing was written; reads still work.
    #[error("the database has no room to write")]
    StorageFull(#[source] sqlx::Error),
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
            let code = db.code();
            let shortage = if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                code.as_deref().and_then(sqlite_shortage)
            } else if db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>().is_some() {
                code.as_deref().and_then(postgres_shortage)
            } else {
                None
            };
            match shortage {
                Some(Shortage::Disk) => return StoreError::StorageFull(err),
                Some(Shortage::Other) => return StoreError::Unavailable(err),
                None => {}
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

/// What a database ran short of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shortage {
    /// Room to write: the disk (or the database's size limit) is full.
    Disk,
    /// Memory, connections or another limit: writes may work again soon.
    Other,
}

/// SQLite reports its extended result code; the primary code is its low
/// byte, and `SQLITE_FULL` (13) is "the database or disk is full".
fn sqlite_shortage(code: &str) -> Option<Shortage> {
    const SQLITE_FULL: i64 = 13;
    let code: i64 = code.parse().ok()?;
    (code & 0xff == SQLITE_FULL).then_some(Shortage::Disk)
}

/// PostgreSQL's SQLSTATE class 53 is "insufficient resources": `53100
/// disk_full` and the class's generic `53000` are a full disk; `53200
/// out_of_memory`, `53300 too_many_connections` and `53400
/// configuration_limit_exceeded` are other shortages.
fn postgres_shortage(sqlstate: &str) -> Option<Shortage> {
    match sqlstate {
        "53100" | "53000" => Some(Shortage::Disk),
        other if other.starts_with("53") => Some(Shortage::Other),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_full_in_any_extended_form_is_a_full_disk() {
        assert_eq!(sqlite_shortage("13"), Some(Shortage::Disk));
        assert_eq!(sqlite_shortage(&(0x0d | (1 << 8)).to_string()), Some(Shortage::Disk), "an extended SQLITE_FULL");
        assert_eq!(sqlite_shortage("10"), None, "SQLITE_IOERR is not a shortage");
        assert_eq!(sqlite_shortage("2067"), None, "SQLITE_CONSTRAINT_UNIQUE");
        assert_eq!(sqlite_shortage("not a number"), None);
    }

    #[test]
    fn postgres_insufficient_resources_are_shortages_and_disk_full_is_a_full_disk() {
        assert_eq!(postgres_shortage("53100"), Some(Shortage::Disk));
        assert_eq!(postgres_shortage("53000"), Some(Shortage::Disk));
        assert_eq!(postgres_shortage("53200"), Some(Shortage::Other), "out of memory");
        assert_eq!(postgres_shortage("53300"), Some(Shortage::Other), "too many connections");
        assert_eq!(postgres_shortage("53400"), Some(Shortage::Other));
        assert_eq!(postgres_shortage("23505"), None, "a unique violation");
        assert_eq!(postgres_shortage("08006"), None, "a connection failure is handled as I/O");
    }
}
