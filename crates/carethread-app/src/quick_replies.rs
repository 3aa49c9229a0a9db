//! Quick replies: short texts a clinician types as `.code` in a reply, their
//! own or the clinic's (which administrators keep), filled in for a thread
//! with the patient's first name and the clinician's.

use std::collections::HashMap;

use carethread_core::audit::AuditAction;
use carethread_core::ids::{QuickReplyId, ThreadId};
use carethread_core::policy::{self, ThreadAction};
use carethread_core::user::Language;
use carethread_draft::library;
use carethread_store::{QuickReply, StoreError};
use chrono::Utc;

use crate::threads::authorize_thread;
use crate::{App, AppError, AppResult, Caller};

fn staff_only(caller: &Caller) -> AppResult<()> {
    if policy::works_in_baskets(caller.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden("drafting and reply feedback are for the care team".into()))
    }
}

/// Refuses anyone but an administrator the clinic's AI and reply settings.
pub(crate) fn admin_only(caller: &Caller) -> AppResult<()> {
    if policy::may_administer(caller.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators change the clinic's AI settings".into()))
    }
}

/// The clinic's quick replies and the caller's own (care-team staff and administrators).
pub async fn list_quick_replies(app: &App, caller: &Caller) -> AppResult<Vec<QuickReply>> {
    if !policy::may_administer(caller.user.role) {
        staff_only(caller)?;
    }
    Ok(app.store.quick_replies(caller.user.id).await?)
}

/// Adds a quick reply: a clinician's own, or (administrators, `clinic_wide`)
/// the clinic's. The code is 2 to 30 lowercase letters, digits or dashes;
/// the body may use the reply library's placeholders. A taken code answers `Conflict`.
pub async fn create_quick_reply(
    app: &App,
    caller: &Caller,
    code: &str,
    body: &str,
    clinic_wide: bool,
) -> AppResult<QuickReply> {
    let owner = if clinic_wide {
        admin_only(caller)?;
        None
    } else {
        staff_only(caller)?;
        Some(caller.user.id)
    };
    let code = code.trim().trim_start_matches('.').to_owned();
    if !(2..=30).contains(&code.len())
        || !code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(AppError::invalid("code", "must be 2 to 30 lowercase letters, digits or dashes"));
    }
    let body = carethread_core::text::multi_line("body", body)?;
    library::check_template(&body).map_err(|e| AppError::invalid("body", e.to_string()))?;
    let audit = caller.audit(AuditAction::SettingsChange).detail(format!("quick reply .{code} added"));
    let new =
        carethread_store::NewQuickReply { owner, code: code.clone(), body: body.trim().to_owned(), now: Utc::now() };
    app.store.create_quick_reply(&new, &audit).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::Conflict(format!("a quick reply .{code} exists")),
        other => other.into(),
    })
}

/// Deletes one of the caller's quick replies (administrators: a clinic-wide one).
pub async fn delete_quick_reply(app: &App, caller: &Caller, id: QuickReplyId) -> AppResult<()> {
    let owner = if policy::may_administer(caller.user.role) {
        None
    } else {
        staff_only(caller)?;
        Some(caller.user.id)
    };
    let audit = caller.audit(AuditAction::SettingsChange).detail("quick reply deleted");
    if app.store.delete_quick_reply(id, owner, &audit).await? { Ok(()) } else { Err(AppError::NotFound) }
}

/// A quick reply filled in for a thread.
#[derive(Debug, Clone)]
pub struct ExpandedQuickReply {
    pub code: String,
    pub body: String,
}

/// Expands `.code` for a thread the caller may reply to: the caller's own
/// quick reply first, then the clinic's, with the patient's first name, the
/// caller's name and the clinic's filled in, in the patient's language.
pub async fn expand_quick_reply(app: &App, caller: &Caller, id: ThreadId, code: &str) -> AppResult<ExpandedQuickReply> {
    let thread = authorize_thread(app, caller, id, ThreadAction::Reply).await?;
    staff_only(caller)?;
    let code = code.trim_start_matches('.');
    let all = app.store.quick_replies(caller.user.id).await?;
    let chosen =
        all.iter().filter(|q| q.code == code).min_by_key(|q| q.owner_id.is_none()).ok_or(AppError::NotFound)?;
    let patient = app.store.user(thread.patient_id).await?.ok_or(AppError::NotFound)?;
    let (pharmacy, expected) = match patient.language {
        Language::En => ("your pharmacy", "soon"),
        Language::Es => ("su farmacia", "pronto"),
    };
    let first_name = patient.display_name.as_str().split_whitespace().next().unwrap_or_default().to_owned();
    let values: HashMap<&str, String> = [
        ("first_name", first_name),
        ("clinician", caller.user.display_name.as_str().to_owned()),
        ("clinic", app.settings.name.clone()),
        ("pharmacy", pharmacy.to_owned()),
        ("expected_time", expected.to_owned()),
    ]
    .into_iter()
    .collect();
    Ok(ExpandedQuickReply { code: chosen.code.clone(), body: library::fill(&chosen.body, &values) })
}
