//! `carethread audit`: checking the audit log's hash chain.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use carethread_app::{App, Operator, audit};
use carethread_core::clinic::ClinicSettings;
use carethread_store::Store;
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum AuditCommand {
    /// Walk the hash chain: exit 0 if intact, 1 naming the first altered or missing entry.
    Verify,
}

pub(super) async fn audit_verify(store: &Arc<dyn Store>, settings: ClinicSettings) -> anyhow::Result<ExitCode> {
    let app = App::new(store.clone(), settings);
    let report = audit::verify_audit(&app, Operator::CommandLine).await?;
    match report.broken {
        None => {
            say!("audit log intact: {} entries, head {}", report.verified, report.head_hash);
            Ok(ExitCode::SUCCESS)
        }
        Some(broken) => {
            say!("audit log BROKEN after {} intact entries: {broken}", report.verified);
            Ok(ExitCode::FAILURE)
        }
    }
}
