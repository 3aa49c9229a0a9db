//! `carethread export`: a patient's whole record of messages, as the
//! patient downloads it herself (a readable HTML document or a FHIR R4
//! Bundle), for staff answering a records request. Audited as the command
//! line's.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use carethread_app::{App, Operator, record};
use carethread_core::clinic::ClinicSettings;
use carethread_core::ids::UserId;
use carethread_store::Store;

/// What `carethread export` writes.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(super) enum ExportFormat {
    /// A readable, printable HTML document in the patient's language.
    Html,
    /// A FHIR R4 `collection` Bundle (JSON).
    Fhir,
}

pub(super) async fn export_patient(
    store: &Arc<dyn Store>,
    settings: ClinicSettings,
    patient: &str,
    format: ExportFormat,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let patient: UserId = patient.parse().context("--patient must be a patient's id")?;
    let app = App::new(store.clone(), settings);
    let record = record::export_record(&app, Operator::CommandLine, patient)
        .await
        .map_err(|e| anyhow::anyhow!("no record to export: {e}"))?;
    let written = match format {
        ExportFormat::Html => {
            let clinic = app.clinic.get(&*app.store).await;
            carethread_server::record_views::record_html(&record, record.patient.language, &clinic).into_bytes()
        }
        ExportFormat::Fhir => serde_json::to_vec_pretty(&carethread_app::fhir_facts::record_bundle(&record, ""))?,
    };
    match out {
        Some(path) => {
            std::fs::write(path, &written).with_context(|| format!("writing {}", path.display()))?;
            say!("{} conversations written to {}", record.threads.len(), path.display());
        }
        None => std::io::stdout().write_all(&written).context("writing the record")?,
    }
    Ok(())
}
