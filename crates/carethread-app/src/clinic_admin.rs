//! The clinic's settings as administrators change them: the clinic profile
//! (hours, reply-time targets, message limit, disclosure lines, after-hours
//! line, who is on call) and triage (the classifier switch, routing rules).
//! Every field is checked before anything is saved; the change is audited
//! with the fields it touched and used by this server at once.

use std::sync::Arc;

use carethread_core::audit::AuditAction;
use carethread_core::policy;
use carethread_core::profile::{ClinicProfile, OnCall};
use carethread_store::{RoutingRule, TriageSettings, TriageStats};
use chrono::Utc;

use crate::clinic::Clinic;
use crate::{App, AppError, AppResult, Caller};

/// The clinic profile in use (anyone signed in may read it).
pub async fn profile(app: &App) -> Arc<Clinic> {
    app.clinic.get(&*app.store).await
}

/// A change to the clinic profile. Absent fields stay as they are.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "openapi", derive(serde::Deserialize, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", serde(deny_unknown_fields), schema(as = ClinicIn))]
pub struct ChangeProfile {
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
    /// Who is paged next, in order, when nobody opens an emergency: user
    /// ids of active physicians, nurses or pharmacists; empty for nobody.
    pub escalation: Option<Vec<String>>,
    /// Minutes before an unopened emergency is paged again (2 to 120).
    pub repage_minutes: Option<u32>,
    /// Pages again to on call before escalating (0 to 5).
    pub repages_before_escalation: Option<u32>,
}

impl ChangeProfile {
    fn apply(self, mut p: ClinicProfile) -> AppResult<(ClinicProfile, Vec<&'static str>)> {
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
        if let Some(chain) = &self.escalation {
            let mut escalation = Vec::with_capacity(chain.len());
            for raw in chain {
                let id = raw.trim().parse().map_err(|_| AppError::invalid("escalation", "must list user ids"))?;
                if !escalation.contains(&id) {
                    escalation.push(id);
                }
            }
            if escalation != p.escalation {
                changed.push("escalation");
            }
            p.escalation = escalation;
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
            disclosure_es,
            repage_minutes,
            repages_before_escalation
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
async fn check_on_call(app: &App, on_call: Option<&OnCall>) -> AppResult<()> {
    match on_call {
        None => Ok(()),
        Some(OnCall::User(id)) => {
            let user = app.store.user(*id).await?;
            if user.is_some_and(|u| u.role.is_clinician() && !u.disabled) {
                Ok(())
            } else {
                Err(AppError::invalid("on_call", "must name an active physician, nurse or pharmacist"))
            }
        }
        Some(OnCall::Pool(slug)) => match app.store.pool_by_slug(slug).await? {
            Some(_) => Ok(()),
            None => Err(AppError::invalid("on_call", "names no pool")),
        },
    }
}

/// Changes the clinic profile (administrators) and uses it at once.
pub async fn update_profile(app: &App, caller: &Caller, change: ChangeProfile) -> AppResult<Arc<Clinic>> {
    if !policy::may_administer(caller.user.role) {
        return Err(AppError::Forbidden("only clinic administrators change the clinic profile".to_owned()));
    }
    let current = app.clinic.get(&*app.store).await;
    let (profile, changed) = change.apply(current.profile.clone())?;
    let hours = profile.validate()?;
    if changed.contains(&"on_call") {
        check_on_call(app, profile.on_call.as_ref()).await?;
    }
    if changed.contains(&"escalation") {
        for id in &profile.escalation {
            let user = app.store.user(*id).await?;
            if !user.is_some_and(|u| u.role.is_clinician() && !u.disabled) {
                return Err(AppError::invalid("escalation", "must list active physicians, nurses or pharmacists"));
            }
        }
    }
    if !changed.is_empty() {
        let audit = caller
            .audit(AuditAction::SettingsChange)
            .target("settings", "clinic")
            .detail(format!("changed: {}", changed.join(", ")));
        let change = carethread_store::SettingChange { value: profile.clone(), by: caller.user.id, now: Utc::now() };
        app.store.set_clinic_profile(&change, &audit).await?;
        tracing::info!(fields = changed.join(","), "clinic profile changed");
    }
    let clinic = Arc::new(Clinic { profile, hours });
    app.clinic.put(clinic.clone());
    Ok(clinic)
}

fn require_admin(caller: &Caller) -> AppResult<()> {
    if policy::may_administer(caller.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only clinic administrators manage triage settings".to_owned()))
    }
}

/// The triage settings as stored now (which this server then triages with)
/// and the counts of what triage did (administrators).
pub async fn triage_settings(app: &App, caller: &Caller) -> AppResult<(Arc<TriageSettings>, TriageStats)> {
    require_admin(caller)?;
    let stored = Arc::new(app.store.triage_settings().await?);
    app.triage.put(stored.clone());
    let counts = app.store.triage_stats().await?;
    Ok((stored, counts))
}

/// Switches the classifier and points routing rules (rule key, pool slug) at
/// pools. Takes effect for the next message; every named pool must exist,
/// or nothing changes.
pub async fn update_triage_settings(
    app: &App,
    caller: &Caller,
    classifier_enabled: Option<bool>,
    routing: Vec<(&'static str, String)>,
) -> AppResult<(Arc<TriageSettings>, TriageStats)> {
    require_admin(caller)?;
    let mut routes: Vec<RoutingRule> = Vec::new();
    for (key, slug) in routing {
        carethread_core::text::single_line("routing", &slug)
            .map_err(|e| AppError::invalid(format!("routing.{key}"), e.reason()))?;
        let pool = app.store.pool_by_slug(&slug).await?;
        let pool = pool.ok_or_else(|| AppError::invalid(format!("routing.{key}"), "names no pool"))?;
        routes.push(RoutingRule { key: key.to_owned(), pool_id: pool.id });
    }
    if classifier_enabled.is_none() && routes.is_empty() {
        return Err(AppError::invalid("body", "names no change"));
    }
    let audit = caller.audit(AuditAction::SettingsChange).target("settings", "triage").detail(format!(
        "classifier {}; routing rules changed: {}",
        classifier_enabled.map_or("unchanged", |on| if on { "on" } else { "off" }),
        routes.iter().map(|r| r.key.as_str()).collect::<Vec<_>>().join(", ")
    ));
    let rules = routes.len();
    let change =
        carethread_store::TriageSettingsChange { classifier_enabled, routes, by: caller.user.id, now: Utc::now() };
    app.store.update_triage_settings(&change, &audit).await?;
    tracing::info!(classifier = ?classifier_enabled, rules, "triage settings changed");
    triage_settings(app, caller).await
}
