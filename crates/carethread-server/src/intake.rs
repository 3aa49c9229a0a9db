//! What happens to what arrives, before it is stored: triage of patient
//! messages under the clinic's own settings, in the form the store keeps
//! with a thread, and a virus scan of every uploaded file.

use std::sync::Arc;

use carethread_core::ids::PoolId;
use carethread_core::ids::{ThreadId, UserId};
use carethread_core::thread::{Category, Thread};
use carethread_store::{NewAttachment, StoreResult, TriageRecord, TriageSettings};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Authenticated;
use crate::scanner::{ScanError, Verdict};

/// Where uploaded files are headed: the patient whose record they join, and
/// the thread (when it exists yet).
#[derive(Debug, Clone, Copy)]
pub struct UploadDestination {
    pub patient: Option<UserId>,
    pub thread: Option<ThreadId>,
}

/// Scans every file with the clinic's virus scanner before anything is
/// stored. An infected file is refused and quarantined: nothing of it is
/// kept, an audit entry records the refusal (the signature, size and
/// SHA-256, never the file's name or content, which may say who the patient
/// is), and the log says so without PHI. When the scanner is configured but
/// does not answer, uploads fail closed. With no scanner configured, files
/// pass unscanned.
pub async fn scan_uploads(
    state: &AppState,
    auth: &Authenticated,
    to: UploadDestination,
    files: &[NewAttachment],
) -> ApiResult<()> {
    let Some(scanner) = &state.scanner else { return Ok(()) };
    for file in files {
        match scanner.scan(&file.bytes).await {
            Ok(Verdict::Clean) => {}
            Ok(Verdict::Infected(signature)) => {
                let (app, caller) = (state.app(), auth.caller());
                let refused = carethread_app::composing::refuse_infected_upload(
                    &app,
                    &caller,
                    to.patient,
                    to.thread,
                    &file.bytes,
                    &signature,
                )
                .await;
                return Err(refused.into());
            }
            Err(ScanError::TooLarge) => {
                return Err(ApiError::PayloadTooLarge("the file is larger than the virus scanner accepts".into()));
            }
            Err(err) => {
                tracing::error!(error = %err, scanner = %scanner.address(), "upload refused: the virus scanner did not answer");
                return Err(ApiError::ScannerUnavailable);
            }
        }
    }
    Ok(())
}

/// The clinic's triage settings (see [`carethread_app::intake::clinic_triage_settings`]).
pub async fn clinic_triage_settings(state: &AppState) -> StoreResult<Arc<TriageSettings>> {
    carethread_app::intake::clinic_triage_settings(&state.app()).await
}

/// Triages a patient's message (see [`carethread_app::intake::triage_patient_message`]).
pub async fn triage_patient_message(
    state: &AppState,
    subject: &str,
    body: &str,
    chosen: Option<Category>,
    confidential: bool,
) -> StoreResult<TriageRecord> {
    carethread_app::intake::triage_patient_message(&state.app(), subject, body, chosen, confidential).await
}

/// Where a thread kept confidential must go (see [`carethread_app::intake::clinical_home`]).
pub async fn clinical_home(state: &AppState, thread: &Thread) -> StoreResult<(Option<PoolId>, bool)> {
    carethread_app::intake::clinical_home(&state.app(), thread).await
}

/// Slugs of the pools only clinical staff read (see [`carethread_app::intake::clinical_pools`]).
pub async fn clinical_pools(state: &AppState) -> StoreResult<Vec<String>> {
    carethread_app::intake::clinical_pools(&state.app()).await
}

pub use carethread_app::intake::{routing_rules, triage_record};
