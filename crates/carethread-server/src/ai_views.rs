//! The AI governance figures in the API's shape: the drafting model, the
//! switches, and the per-clinician report. The JSON API answers with these
//! and the portal's admin overview shows the same values.

use carethread_app::ai_admin::AiOverview;
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::PersonOut;

/// A model's name and version.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelOut {
    pub id: String,
    pub version: String,
}

/// One clinician's drafting and reply figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClinicianAiOut {
    pub clinician: PersonOut,
    pub drafts_generated: i64,
    /// Drafts a reply was sent from (edited or unchanged).
    pub drafts_sent: i64,
    pub drafts_sent_unchanged: i64,
    /// Drafts sent ÷ drafts generated.
    pub utilisation: Option<f64>,
    pub mean_edit_distance: Option<f64>,
    pub mean_seconds_spent: Option<f64>,
    pub replies: i64,
    pub mean_reading_grade: Option<f64>,
    pub triage_overrides: i64,
}

/// The clinic's AI switches, the drafting model, and the AI report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AiAdminOut {
    pub drafting_enabled: bool,
    pub disclosure_enabled: bool,
    pub drafter: ModelOut,
    pub clinic: ClinicianAiTotals,
    pub clinicians: Vec<ClinicianAiOut>,
}

/// The whole clinic's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClinicianAiTotals {
    pub drafts_generated: i64,
    pub drafts_sent: i64,
    pub utilisation: Option<f64>,
    pub replies: i64,
    pub triage_overrides: i64,
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 1000.0).round() / 1000.0)
}

/// The AI overview in the API's shape (the portal's admin overview shows the same).
pub(crate) fn ai_admin_out(overview: &AiOverview) -> AiAdminOut {
    let AiOverview { settings, drafter: model, report } = overview;
    let clinicians: Vec<ClinicianAiOut> = report
        .by_clinician
        .iter()
        .map(|(person, f)| ClinicianAiOut {
            clinician: person.into(),
            drafts_generated: f.drafts_generated,
            drafts_sent: f.drafts_sent,
            drafts_sent_unchanged: f.drafts_sent_unchanged,
            utilisation: ratio(f.drafts_sent, f.drafts_generated),
            mean_edit_distance: f.mean_edit_distance,
            mean_seconds_spent: f.mean_seconds_spent,
            replies: f.replies,
            mean_reading_grade: f.mean_reading_grade.map(|g| (g * 10.0).round() / 10.0),
            triage_overrides: f.triage_overrides,
        })
        .collect();
    let sum = |f: fn(&ClinicianAiOut) -> i64| clinicians.iter().map(f).sum::<i64>();
    let (generated, sent) = (sum(|c| c.drafts_generated), sum(|c| c.drafts_sent));
    AiAdminOut {
        drafting_enabled: settings.drafting_enabled,
        disclosure_enabled: settings.disclosure_enabled,
        drafter: ModelOut { id: model.id.clone(), version: model.version.clone() },
        clinic: ClinicianAiTotals {
            drafts_generated: generated,
            drafts_sent: sent,
            utilisation: ratio(sent, generated),
            replies: sum(|c| c.replies),
            triage_overrides: sum(|c| c.triage_overrides),
        },
        clinicians,
    }
}
