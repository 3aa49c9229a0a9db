//! Opening the database a command names: its configuration, URL and master key.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use carethread_store::{MasterKey, Store};

use crate::config::{self, Config};

pub(super) fn load_config(file: Option<&std::path::Path>, database_url: Option<String>) -> anyhow::Result<Config> {
    let mut config = Config::load(file)?;
    if let Some(url) = database_url {
        config.database.url = url;
    }
    Ok(config)
}

/// The directory a SQLite URL's file lives in.
pub(super) fn sqlite_dir(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    Some(std::path::Path::new(path).parent().map_or_else(
        || PathBuf::from("."),
        |d| {
            if d.as_os_str().is_empty() { PathBuf::from(".") } else { d.to_path_buf() }
        },
    ))
}

/// The master key: `CARETHREAD_MASTER_KEY`, else the configured key file,
/// else `master.key` beside a SQLite database (created, mode 0600, on first
/// start). PostgreSQL needs one of the first two, shared by every server.
pub(crate) fn master_key(database: &config::DatabaseConfig) -> anyhow::Result<MasterKey> {
    if let Ok(hex) = std::env::var(carethread_store::crypto::MASTER_KEY_ENV) {
        return MasterKey::from_hex(&hex).context("reading CARETHREAD_MASTER_KEY");
    }
    let path = match (&database.master_key_file, sqlite_dir(&database.url)) {
        (Some(file), _) => PathBuf::from(file),
        (None, Some(dir)) => dir.join("master.key"),
        (None, None) => bail!(
            "no master key: set CARETHREAD_MASTER_KEY or [database] master_key_file (every server sharing the \
             database needs the same key)"
        ),
    };
    Ok(MasterKey::load_or_create(&path)?)
}

pub(super) async fn open_store(database: &config::DatabaseConfig) -> anyhow::Result<Arc<dyn Store>> {
    let url = &database.url;
    if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(carethread_store::StoreError::UnsupportedUrl).context("opening the database");
    }
    if let Some(dir) = sqlite_dir(&database.url) {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating the data directory {}", dir.display()))?;
    }
    let master = master_key(database)?;
    carethread_store::open(&database.url, master).await.context("opening the database")
}

/// The configuration a maintenance command names: a data directory, or a configuration and URL.
pub(super) fn maintenance_config(
    config: Option<&std::path::Path>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
) -> anyhow::Result<Config> {
    let url = match data_dir {
        Some(dir) => Some(format!("sqlite://{}", dir.join("carethread.db").display())),
        None => database_url,
    };
    load_config(config, url)
}
