//! The clinic's profile: hours, reply targets, message length and the
//! disclosure line. Everyone signed in may read it (patients are told when
//! to expect a reply); administrators change it.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, patch};
use axum::{Json, Router};
use carethread_core::audit::AuditAction;
use carethread_core::policy;
use carethread_core::profile::{ClinicProfile, OnCall};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::clinic::Clinic;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/clinic", get(clinic)).route("/api/v1/admin/clinic", patch(update_clinic))
}

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

pub(crate) fn clinic_out(state: &AppState, clinic: &Clinic, now: DateTime<Utc>) -> ClinicOut {
    let p = &clinic.profile;
    ClinicOut {
        name: state.settings.name.clone(),
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

/// The clinic's hours, reply targets and limits.
#[utoipa::path(get, path = "/api/v1/clinic", tag = "clinic",
    responses((status = 200, body = ClinicOut), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn clinic(State(state): State<AppState>, _auth: Authenticated) -> ApiResult<Json<ClinicOut>> {
    let clinic = state.clinic.get(&*state.store).await;
    Ok(Json(clinic_out(&state, &clinic, Utc::now())))
}

/// A change to the clinic profile. Absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClinicIn {
    pub timezone: Option<String>,
    pub open_days: Option<Vec<u8>>,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub routine_reply_days: Option<u32>,
    pub urgent_reply_hours: Option<u32>,
    pub emergency_reply_minutes: Option<u32>,
    pub message_max_chars: Option<usize>,
    pub disclosure_en: Option<String>,
    pub disclosure_es: Option<String>,
    /// The after-hours line (digits, `+`, spaces, dashes); empty removes it.
    pub after_hours_phone: Option<String>,
    /// `user:<id>` (an active physician, nurse or pharmacist), `pool:<slug>`, or empty for nobody.
    pub on_call: Option<String>,
}

impl ClinicIn {
    fn apply(self, mut p: ClinicProfile) -> Result<(ClinicProfile, Vec<&'static str>), ApiError> {
        let mut changed = Vec::new();
        if let Some(phone) = &self.after_hours_phone {
            let phone = Some(phone.trim().to_owned()).filter(|s| !s.is_empty());
            if phone != p.after_hours_phone {
                changed.push("after_hours_phone");
            }
            p.after_hours_phone = phone;
        }
        if let Some(raw) = &self.on_call {
            let on_call = OnCall::parse_form_value(raw)?;
            if on_call != p.on_call {
                changed.push("on_call");
            }
            p.on_call = on_call;
        }
        macro_rules! set {
            ($($field:ident),*) => {$(
                if let Some(v) = self.$field {
                    if v != p.$field { changed.push(stringify!($field)); }
                    p.$field = v;
                }
            )*};
        }
        set!(
            timezone,
            open_days,
            opens_at,
            closes_at,
            routine_reply_days,
            urgent_reply_hours,
            emergency_reply_minutes,
            message_max_chars,
            disclosure_en,
            disclosure_es
        );
        p.timezone = p.timezone.trim().to_owned();
        p.opens_at = p.opens_at.trim().to_owned();
        p.closes_at = p.closes_at.trim().to_owned();
        p.open_days.sort_unstable();
        p.open_days.dedup();
        Ok((p, changed))
    }
}

/// Refuses an on-call choice that names no active clinician or no pool.
async fn check_on_call(state: &AppState, on_call: Option<&OnCall>) -> ApiResult<()> {
    match on_call {
        None => Ok(()),
        Some(OnCall::User(id)) => {
            let user = state.store.user(*id).await?;
            if user.is_some_and(|u| u.role.is_clinician() && !u.disabled) {
                Ok(())
            } else {
                Err(ApiError::invalid("on_call", "must name an active physician, nurse or pharmacist"))
            }
        }
        Some(OnCall::Pool(slug)) => match state.store.pool_by_slug(slug).await? {
            Some(_) => Ok(()),
            None => Err(ApiError::invalid("on_call", "names no pool")),
        },
    }
}

/// Changes the clinic profile (administrators). Every field is checked
/// before anything is saved; the change is audited with the fields it touched.
#[utoipa::path(patch, path = "/api/v1/admin/clinic", tag = "clinic", request_body = ClinicIn,
    responses(
        (status = 200, body = ClinicOut), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn update_clinic(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<ClinicIn>,
) -> ApiResult<Json<ClinicOut>> {
    if !policy::may_administer(auth.user.role) {
        return Err(ApiError::Forbidden("only clinic administrators change the clinic profile".to_owned()));
    }
    let current = state.clinic.get(&*state.store).await;
    let (profile, changed) = input.apply(current.profile.clone())?;
    let hours = profile.validate()?;
    if changed.contains(&"on_call") {
        check_on_call(&state, profile.on_call.as_ref()).await?;
    }
    let now = Utc::now();
    if !changed.is_empty() {
        let audit = auth
            .audit(AuditAction::SettingsChange)
            .target("settings", "clinic")
            .detail(format!("changed: {}", changed.join(", ")));
        state.store.set_clinic_profile(&profile, auth.user.id, now, &audit).await?;
        tracing::info!(fields = changed.join(","), "clinic profile changed");
    }
    let clinic = Arc::new(Clinic { profile, hours });
    state.clinic.put(clinic.clone());
    Ok(Json(clinic_out(&state, &clinic, now)))
}
