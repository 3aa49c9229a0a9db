//! The clinic's settings in the API's shape: the clinic profile (with
//! whether it is open now) and the triage settings with their counts. The
//! JSON API answers with these and the portal's admin pages show the same.

use carethread_core::profile::OnCall;
use carethread_store::{TriageSettings, TriageStats};
use carethread_triage::RoutingRules;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clinic::Clinic;
use crate::intake::routing_rules;

/// The clinic's profile and whether it is answering messages now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClinicOut {
    pub name: String,
    /// IANA time zone of the hours below.
    #[schema(example = "America/Chicago")]
    pub timezone: String,
    /// ISO weekday numbers, 1 = Monday … 7 = Sunday.
    pub open_days: Vec<u8>,
    #[schema(example = "08:00")]
    pub opens_at: String,
    #[schema(example = "17:00")]
    pub closes_at: String,
    /// Routine messages are answered within this many business days.
    pub routine_reply_days: u32,
    /// Urgent messages within this many business hours.
    pub urgent_reply_hours: u32,
    /// Emergencies are looked at within this many minutes (patients are told to call 911 too).
    pub emergency_reply_minutes: u32,
    pub message_max_chars: usize,
    /// `{name}` becomes the clinician's name.
    pub disclosure_en: String,
    pub disclosure_es: String,
    /// The clinic is answering messages now.
    pub open_now: bool,
    /// When it next opens (now, when open).
    pub next_open: DateTime<Utc>,
    /// The line patients are told to call when the clinic is closed.
    #[schema(example = "+1 555-010-0199")]
    pub after_hours_phone: Option<String>,
    /// Who covers emergencies after hours: `user:<id>` or `pool:<slug>`.
    #[schema(example = "pool:nurse-triage")]
    pub on_call: Option<String>,
}

/// The clinic as the API shows it, named `name`, at `now`.
pub(crate) fn clinic_out(name: &str, clinic: &Clinic, now: DateTime<Utc>) -> ClinicOut {
    let p = &clinic.profile;
    ClinicOut {
        name: name.to_owned(),
        timezone: p.timezone.clone(),
        open_days: p.open_days.clone(),
        opens_at: p.opens_at.clone(),
        closes_at: p.closes_at.clone(),
        routine_reply_days: p.routine_reply_days,
        urgent_reply_hours: p.urgent_reply_hours,
        emergency_reply_minutes: p.emergency_reply_minutes,
        message_max_chars: p.message_max_chars,
        disclosure_en: p.disclosure_en.clone(),
        disclosure_es: p.disclosure_es.clone(),
        open_now: clinic.hours.is_open(now),
        next_open: clinic.hours.next_open(now),
        after_hours_phone: p.after_hours_phone.clone(),
        on_call: p.on_call.as_ref().map(OnCall::to_form_value),
    }
}

/// Automatic triage results by model.
#[derive(Serialize, ToSchema)]
pub struct ModelCountOut {
    pub id: String,
    pub version: String,
    pub results: i64,
}

/// How triage is doing.
#[derive(Serialize, ToSchema)]
pub struct TriageStatsOut {
    /// Messages triaged automatically.
    pub automatic: i64,
    /// Of those, how many asked for a person to check.
    pub needs_review: i64,
    pub emergencies: i64,
    /// Threads re-triaged by staff.
    pub overrides: i64,
    /// Overrides per automatic result.
    pub override_rate: f64,
    pub by_model: Vec<ModelCountOut>,
}

impl From<TriageStats> for TriageStatsOut {
    fn from(s: TriageStats) -> Self {
        Self {
            automatic: s.automatic,
            needs_review: s.needs_review,
            emergencies: s.emergencies,
            overrides: s.overrides,
            override_rate: if s.automatic == 0 { 0.0 } else { s.overrides as f64 / s.automatic as f64 },
            by_model: s
                .by_model
                .into_iter()
                .map(|m| ModelCountOut { id: m.model_id, version: m.model_version, results: m.results })
                .collect(),
        }
    }
}

/// The routing rules: a pool slug for emergencies and for each category.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct RoutingOut {
    pub emergency: String,
    pub medication: String,
    pub scheduling: String,
    pub results: String,
    pub clinical: String,
    pub administrative: String,
    pub other: String,
}

impl From<RoutingRules> for RoutingOut {
    fn from(r: RoutingRules) -> Self {
        Self {
            emergency: r.emergency,
            medication: r.medication,
            scheduling: r.scheduling,
            results: r.results,
            clinical: r.clinical,
            administrative: r.administrative,
            other: r.other,
        }
    }
}

/// The clinic's triage settings.
#[derive(Serialize, ToSchema)]
pub struct TriageSettingsOut {
    /// When off, only the safety rules and category keywords triage (red flags still raise emergencies).
    pub classifier_enabled: bool,
    pub routing: RoutingOut,
    pub model: crate::dto::ModelOut,
    /// Version of the red-flag lexicon.
    pub lexicon_version: String,
    pub updated_at: Option<DateTime<Utc>>,
    pub stats: TriageStatsOut,
}

/// The triage settings as stored, with the model, lexicon and counts.
pub(crate) fn settings_out(stored: &TriageSettings, counts: TriageStats) -> TriageSettingsOut {
    TriageSettingsOut {
        classifier_enabled: stored.classifier_enabled,
        routing: routing_rules(stored).into(),
        model: crate::dto::ModelOut {
            id: carethread_triage::MODEL_ID.to_owned(),
            version: carethread_triage::MODEL_VERSION.to_owned(),
        },
        lexicon_version: carethread_triage::safety::Lexicon::builtin().version().to_owned(),
        updated_at: stored.updated_at,
        stats: counts.into(),
    }
}
