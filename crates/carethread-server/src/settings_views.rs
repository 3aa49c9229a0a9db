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
    /// Who is paged next, in order, when an emergency stays unopened:
    /// user ids of clinicians.
    pub escalation: Vec<String>,
    /// Minutes between pages about an unopened emergency.
    pub repage_minutes: u32,
    /// Pages again to whoever is on call before escalating down the chain.
    pub repages_before_escalation: u32,
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
        escalation: p.escalation.iter().map(ToString::to_string).collect(),
        repage_minutes: p.repage_minutes,
        repages_before_escalation: p.repages_before_escalation,
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
/// The triage crate's own rules, written as they are; the schema lists the
/// fields the rules declare, so the document and the answer cannot differ.
#[derive(Serialize)]
#[serde(transparent)]
pub struct RoutingOut(pub RoutingRules);

impl From<RoutingRules> for RoutingOut {
    fn from(rules: RoutingRules) -> Self {
        Self(rules)
    }
}

impl std::ops::Deref for RoutingOut {
    type Target = RoutingRules;
    fn deref(&self) -> &RoutingRules {
        &self.0
    }
}

impl utoipa::PartialSchema for RoutingOut {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let fields = struct_fields::<RoutingRules>();
        let object = fields.iter().fold(
            ObjectBuilder::new()
                .description(Some("The routing rules: a pool slug for emergencies and for each category.")),
            |object, field| object.property(*field, ObjectBuilder::new().schema_type(Type::String)).required(*field),
        );
        utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(object.build()))
    }
}

impl ToSchema for RoutingOut {}

/// The fields a struct declares, in order, as serde reads them: asked of its
/// `Deserialize`, which names them before reading anything.
fn struct_fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Fields(Option<&'static [&'static str]>);
    impl<'de> serde::Deserializer<'de> for &mut Fields {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("only the field names are read"))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = Some(fields);
            self.deserialize_any(visitor)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut found = Fields(None);
    let _refused = T::deserialize(&mut found);
    found.0.unwrap_or_default()
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
