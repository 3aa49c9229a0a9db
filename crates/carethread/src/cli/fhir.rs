//! `carethread fhir import FILE`: onboarding or syncing a clinic's people
//! from its EHR with a FHIR `transaction` or `batch` Bundle, as an
//! administrator does over the FHIR API (audited as the command line's).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use carethread_app::{App, Operator, onboarding};
use carethread_core::clinic::ClinicSettings;
use carethread_store::{ImportOutcome, Store};
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum FhirCommand {
    /// Import a transaction or batch Bundle of Patient, Practitioner,
    /// RelatedPerson and CareTeam. People are found again by their
    /// identifiers, so importing the same file twice adds nobody twice.
    /// Exits 1 when any entry was refused.
    Import {
        /// The Bundle (JSON).
        file: std::path::PathBuf,
    },
}

pub(super) async fn import(store: &Arc<dyn Store>, settings: ClinicSettings, file: &Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let bundle: serde_json::Value = serde_json::from_str(&text).context("the file is not JSON")?;
    let read = carethread_fhir::read_onboarding(&bundle)
        .map_err(|(element, reason)| anyhow::anyhow!("{element}: {reason}"))?;
    let app = App::new(store.clone(), settings);
    let results = onboarding::import(&app, Operator::CommandLine, read).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let (mut created, mut updated, mut refused) = (0, 0, 0);
    for (index, result) in results.iter().enumerate() {
        match result {
            Ok((_, outcomes)) => {
                for outcome in outcomes {
                    match outcome {
                        ImportOutcome::Created(_) | ImportOutcome::GrantAdded => created += 1,
                        ImportOutcome::MembersAdded(n) => created += n,
                        ImportOutcome::Updated(_) | ImportOutcome::GrantKept => updated += 1,
                    }
                }
            }
            Err(why) => {
                refused += 1;
                say!("entry {index}: {why}");
            }
        }
    }
    say!("{created} added, {updated} brought up to date, {refused} entries refused");
    Ok(if refused == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
