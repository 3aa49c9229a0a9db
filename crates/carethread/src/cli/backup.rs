//! `carethread backup` and `carethread restore`: a consistent copy of the
//! database taken while it serves, sealed under the master key, and its
//! restore into a new database, checked (keys, migrations, the audit chain)
//! before the command says it is done. See `docs/operations.md`.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use carethread_store::MasterKey;
use carethread_store::crypto::MASTER_KEY_ENV;

use super::{audit, database};
use crate::config::Config;

/// Backs up the configured database into the new file `to`.
pub(super) async fn backup(config: &Config, to: &Path) -> anyhow::Result<ExitCode> {
    // Opening the store proves the master key is the database's own.
    let store = database::open_store(&config.database).await?;
    drop(store);
    let master = database::master_key(&config.database)?;
    let bytes = carethread_store::backup::backup(&config.database.url, &master, to)
        .await
        .with_context(|| format!("backing up to {}", to.display()))?;
    say!("backed up {bytes} bytes of the database to {}, sealed under the master key", to.display());
    Ok(ExitCode::SUCCESS)
}

/// The master key a backup was sealed under: `CARETHREAD_MASTER_KEY`, else
/// an existing key file (the configured one, or `master.key` beside a
/// SQLite database); never a new one.
fn restore_key(config: &Config) -> anyhow::Result<(MasterKey, bool)> {
    if let Ok(hex) = std::env::var(MASTER_KEY_ENV) {
        return Ok((MasterKey::from_hex(&hex).context("reading CARETHREAD_MASTER_KEY")?, true));
    }
    let path = match (&config.database.master_key_file, database::sqlite_dir(&config.database.url)) {
        (Some(file), _) => file.into(),
        (None, Some(dir)) => dir.join("master.key"),
        (None, None) => bail!("set CARETHREAD_MASTER_KEY to the master key the backup was made under"),
    };
    if !path.exists() {
        bail!(
            "set CARETHREAD_MASTER_KEY to the master key the backup was made under ({} does not exist)",
            path.display()
        );
    }
    Ok((MasterKey::load_or_create(&path)?, false))
}

/// Restores the backup `from` into the configured database (a SQLite file
/// that does not exist yet, or an empty PostgreSQL database), then opens it
/// and verifies its audit chain.
pub(super) async fn restore(config: Config, from: &Path) -> anyhow::Result<ExitCode> {
    let (master, from_env) = restore_key(&config)?;
    let dir = database::sqlite_dir(&config.database.url);
    if let Some(dir) = &dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    carethread_store::backup::restore(from, &config.database.url, &master)
        .with_context(|| format!("restoring {}", from.display()))?;
    // A data directory keeps its key beside the database, as `serve` expects it.
    if let (Some(dir), true, None) = (&dir, from_env, &config.database.master_key_file) {
        let key_file = dir.join("master.key");
        if !key_file.exists() {
            master.write_new(&key_file).with_context(|| format!("writing {}", key_file.display()))?;
        }
    }
    say!("restored {} into {}", from.display(), redacted(&config.database.url));
    let store = database::open_store(&config.database).await?;
    audit::audit_verify(&store, config.clinic).await
}

/// A database URL without its password, to print.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or("");
            format!("{}{user}@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn printed_urls_keep_no_password() {
        assert_eq!(redacted("postgres://app:s3cret@db:5432/ct"), "postgres://app@db:5432/ct");
        assert_eq!(redacted("postgres://postgres@127.0.0.1/x"), "postgres://postgres@127.0.0.1/x");
        assert_eq!(redacted("sqlite://data/carethread.db"), "sqlite://data/carethread.db");
    }
}
