//! The clinic's governance of AI, as administrators keep it: drafting and
//! the disclosure line switched on or off, the per-clinician report, and the
//! reply library's texts. Every change is audited.

use carethread_core::audit::AuditAction;
use carethread_core::user::Language;
use carethread_draft::library::Situation;
use carethread_draft::{ModelInfo, ReplyLibrary};
use carethread_store::{AiReport, AiSettings};
use chrono::Utc;

use crate::quick_replies::admin_only;
use crate::{App, AppError, AppResult, Caller};

/// The AI switches, the drafter in use and the report.
#[derive(Debug, Clone)]
pub struct AiOverview {
    pub settings: AiSettings,
    pub drafter: ModelInfo,
    pub report: AiReport,
}

/// The AI switches and report (administrators).
pub async fn ai_overview(app: &App, caller: &Caller) -> AppResult<AiOverview> {
    admin_only(caller)?;
    let settings = app.store.ai_settings().await?;
    let report = app.store.ai_report().await?;
    Ok(AiOverview { settings, drafter: app.drafter.model(), report })
}

/// Switches drafting, or the disclosure line, on or off; `None` leaves a switch as it is.
pub async fn update_ai(
    app: &App,
    caller: &Caller,
    drafting: Option<bool>,
    disclosure: Option<bool>,
) -> AppResult<AiSettings> {
    admin_only(caller)?;
    if drafting.is_none() && disclosure.is_none() {
        return Err(AppError::invalid("body", "names no change"));
    }
    let current = app.store.ai_settings().await?;
    let next = AiSettings {
        drafting_enabled: drafting.unwrap_or(current.drafting_enabled),
        disclosure_enabled: disclosure.unwrap_or(current.disclosure_enabled),
    };
    let on = |b: bool| if b { "on" } else { "off" };
    let audit = caller.audit(AuditAction::SettingsChange).target("settings", "ai").detail(format!(
        "drafting {}, disclosure line {}",
        on(next.drafting_enabled),
        on(next.disclosure_enabled)
    ));
    let change = carethread_store::SettingChange { value: next, by: caller.user.id, now: Utc::now() };
    app.store.update_ai_settings(&change, &audit).await?;
    Ok(next)
}

/// The clinic's reply library (administrators): built-in texts with the clinic's in their place.
pub async fn reply_library(app: &App, caller: &Caller) -> AppResult<ReplyLibrary> {
    admin_only(caller)?;
    crate::drafting::clinic_library(app).await
}

fn situation_and_language(situation: &str, language: &str) -> AppResult<(Situation, Language)> {
    let s = Situation::parse(situation).map_err(|_| AppError::NotFound)?;
    let l = Language::parse(language).map_err(|_| AppError::NotFound)?;
    Ok((s, l))
}

/// Replaces the built-in reply for a situation and language with the
/// clinic's own, or (`body` `None`) goes back to the built-in one. The text
/// may use the library's placeholders and must not state a dose, a
/// diagnosis or what a result means.
pub async fn set_reply(
    app: &App,
    caller: &Caller,
    situation: &str,
    language: &str,
    body: Option<&str>,
) -> AppResult<()> {
    admin_only(caller)?;
    let (s, l) = situation_and_language(situation, language)?;
    let body = match body {
        None => None,
        Some(raw) => {
            let body = carethread_core::text::multi_line("body", raw)?;
            carethread_draft::library::check_template(&body).map_err(|e| AppError::invalid("body", e.to_string()))?;
            if !carethread_draft::safety::problems(&body, l, "").iter().all(|p| p.starts_with("reads at grade")) {
                return Err(AppError::invalid("body", "must not state a dose, a diagnosis or what a result means"));
            }
            Some(body)
        }
    };
    let what = if body.is_some() { "changed" } else { "reset" };
    let audit = caller.audit(AuditAction::SettingsChange).detail(format!(
        "reply library {} ({}) {what}",
        s.as_str(),
        l.as_str()
    ));
    let text = body.as_deref().map(str::trim);
    let change = carethread_store::SetReplyTemplate {
        situation: s.as_str().to_owned(),
        language: l.as_str().to_owned(),
        body: text.map(str::to_owned),
        by: caller.user.id,
        now: Utc::now(),
    };
    app.store.set_reply_template(&change, &audit).await?;
    Ok(())
}
