//! `carethread billing`: importing visits from the practice's schedule, so
//! billing's 7-day rules see visits booked outside CareThread.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use carethread_app::App;
use carethread_app::billing::visits;
use carethread_core::clinic::ClinicSettings;
use carethread_store::Store;
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum BillingCommand {
    /// Import visits that took place about portal conversations, from a CSV
    /// file with the header `thread_id,visited_on` (dates YYYY-MM-DD, the
    /// clinic's calendar). Good lines are recorded; each bad one is named.
    /// Exits 1 when any line was refused.
    ImportVisits {
        /// The CSV file.
        #[arg(long)]
        file: std::path::PathBuf,
    },
}

pub(super) async fn import_visits(
    store: &Arc<dyn Store>,
    settings: ClinicSettings,
    file: &Path,
) -> anyhow::Result<ExitCode> {
    let csv = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let app = App::new(store.clone(), settings);
    let report = visits::import_visits(&app, &csv).await?;
    for (line, why) in &report.refused {
        say!("line {line}: {why}");
    }
    say!("{} visits imported, {} lines refused", report.imported, report.refused.len());
    Ok(if report.refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
