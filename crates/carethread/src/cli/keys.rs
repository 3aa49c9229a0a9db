//! `carethread keys`: rotating the data key and re-wrapping data keys under a new master key.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use carethread_store::MasterKey;
use clap::Subcommand;

use super::database::open_store;
use crate::config::Config;

#[derive(Subcommand)]
pub(super) enum KeysCommand {
    /// Add a data key and re-encrypt everything under it, while servers keep running.
    /// With --new-master-key-file, first re-wrap every data key under a new master key
    /// (created, mode 0600, if the file does not exist); then point the servers at it.
    Rotate {
        #[arg(long)]
        new_master_key_file: Option<PathBuf>,
    },
}

pub(super) async fn keys_rotate(config: &Config, new_master_key_file: Option<PathBuf>) -> anyhow::Result<()> {
    let mut store = open_store(&config.database).await?;
    if let Some(path) = new_master_key_file {
        let next = if path.exists() {
            MasterKey::load_or_create(&path)?
        } else {
            let key = MasterKey::generate();
            key.write_new(&path)?;
            key
        };
        let rewrapped = store.rewrap_keys(&next).await?;
        say!("re-wrapped {rewrapped} data keys under the master key in {}", path.display());
        say!("point every server at it now (database.master_key_file or CARETHREAD_MASTER_KEY)");
        store =
            carethread_store::open(&config.database.url, next).await.context("reopening with the new master key")?;
    }
    let report = store.rotate_data_key().await?;
    say!("data key {} is now active; re-encrypted {} rows", report.new_key_id, report.rows_resealed);
    Ok(())
}
