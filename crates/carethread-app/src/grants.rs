//! Proxy access: a patient (or an administrator for her) grants a family
//! member or caregiver access to her messages, with a scope and an optional
//! expiry; lists who has access; revokes it at once. Proxies read the grants
//! made to them.

use carethread_core::audit::AuditAction;
use carethread_core::ids::UserId;
use carethread_core::policy::{self, GrantAccess, ProxyGrant, ProxyScope};
use carethread_core::role::Role;
use carethread_core::user::Username;
use carethread_store::GrantRecord;
use chrono::{DateTime, Utc};

use crate::{App, AppError, AppResult, Caller};

fn grants_forbidden() -> AppError {
    AppError::Forbidden("proxy grants are managed by patients and administrators".into())
}

/// Whether a grant is in force at `now`: not revoked, not expired.
#[must_use]
pub fn is_active(grant: &GrantRecord, now: DateTime<Utc>) -> bool {
    grant.revoked_at.is_none() && grant.expires_at.is_none_or(|t| t > now)
}

/// The grants the caller may see: a patient's own, a proxy's, or (for an
/// administrator) every grant or one patient's. The reading is audited.
pub async fn list_grants(app: &App, caller: &Caller, patient: Option<UserId>) -> AppResult<Vec<GrantRecord>> {
    let (patient, proxy) = match policy::grant_access(caller.user.role) {
        GrantAccess::OwnAsPatient => (Some(caller.user.id), None),
        GrantAccess::OwnAsProxy => (None, Some(caller.user.id)),
        GrantAccess::AnyPatient => (patient, None),
        GrantAccess::None => return Err(grants_forbidden()),
    };
    let grants = app.store.proxy_grants(patient, proxy).await?;
    let mut audit = caller.audit(AuditAction::GrantList);
    if let Some(patient) = patient {
        audit = audit.patient(patient);
    }
    app.store.record_audit(vec![audit]).await?;
    Ok(grants)
}

/// Who is to act for the patient: an account id (the API, the admin form) or
/// a username a patient types. Any name that is not an active proxy's gets
/// the same answer, so it tells nothing about other accounts.
#[derive(Debug, Clone)]
pub enum ProxyChoice {
    Id(UserId),
    Username(String),
}

/// A new grant.
#[derive(Debug, Clone)]
pub struct GrantProxy {
    pub proxy: ProxyChoice,
    /// The patient: administrators name her; a patient grants for herself.
    pub patient: Option<UserId>,
    pub scope: ProxyScope,
    /// When access ends; `None`: until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Grants a proxy access to a patient's messages. Only the patient herself
/// or an administrator may; the proxy must be an active proxy account, the
/// expiry in the future. The grant and its audit entry commit together.
pub async fn grant_proxy(app: &App, caller: &Caller, input: GrantProxy) -> AppResult<GrantRecord> {
    let patient_id = match (policy::grant_access(caller.user.role), input.patient) {
        (GrantAccess::OwnAsPatient, None) => caller.user.id,
        (GrantAccess::OwnAsPatient, Some(id)) if id == caller.user.id => id,
        (GrantAccess::OwnAsPatient, Some(_)) => {
            return Err(AppError::invalid("patient_id", "must be you: patients grant access to their own messages"));
        }
        (GrantAccess::AnyPatient, Some(id)) => id,
        (GrantAccess::AnyPatient, None) => return Err(AppError::invalid("patient_id", "is required")),
        (GrantAccess::OwnAsProxy | GrantAccess::None, _) => return Err(grants_forbidden()),
    };
    let now = Utc::now();
    if input.expires_at.is_some_and(|t| t <= now) {
        return Err(AppError::invalid("expires_at", "must be in the future"));
    }
    let no_proxy = || AppError::invalid("proxy_id", "names no active proxy account");
    let proxy = match &input.proxy {
        ProxyChoice::Id(id) => app.store.user(*id).await?,
        ProxyChoice::Username(raw) => match Username::parse(raw.trim()) {
            Ok(username) => app.store.user_credentials(&username).await?.map(|found| found.user),
            Err(_) => None,
        },
    };
    let proxy = proxy.filter(|u| u.role == Role::Proxy && !u.disabled).ok_or_else(no_proxy)?;
    let patient = app.store.user(patient_id).await?;
    if !patient.as_ref().is_some_and(|u| u.role == Role::Patient) {
        return Err(AppError::invalid("patient_id", "names no patient"));
    }
    let grant = ProxyGrant {
        patient_id,
        proxy_id: proxy.id,
        scope: input.scope,
        expires_at: input.expires_at,
        revoked_at: None,
    };
    let audit = caller.audit(AuditAction::GrantCreate).patient(patient_id).detail(format!(
        "proxy {}, scope {}, expires {}",
        proxy.id,
        input.scope.as_str(),
        input.expires_at.map_or_else(|| "never".to_owned(), |t| t.to_rfc3339())
    ));
    let id =
        app.store.grant_proxy(&carethread_store::NewGrant { grant, created_by: caller.user.id, now }, &audit).await?;
    tracing::info!(grant.id = %id, "proxy access granted");
    let grants = app.store.proxy_grants(Some(patient_id), Some(proxy.id)).await?;
    grants.into_iter().find(|g| g.id == id).ok_or(AppError::NotFound)
}

/// Revokes a grant still in force: the proxy loses access at once. A
/// patient revokes her own; an administrator any. Another patient's grant
/// answers `NotFound`, like a missing one.
pub async fn revoke_grant(app: &App, caller: &Caller, id: uuid::Uuid) -> AppResult<()> {
    let patient_scope = match policy::grant_access(caller.user.role) {
        GrantAccess::OwnAsPatient => Some(caller.user.id),
        GrantAccess::AnyPatient => None,
        GrantAccess::OwnAsProxy | GrantAccess::None => return Err(grants_forbidden()),
    };
    let grants = app.store.proxy_grants(patient_scope, None).await?;
    let grant = grants.iter().find(|g| g.id.as_uuid() == id && g.revoked_at.is_none()).ok_or(AppError::NotFound)?;
    let audit = caller.audit(AuditAction::GrantRevoke).patient(grant.patient.id);
    if !app.store.revoke_grant(grant.id, Utc::now(), &audit).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(grant.id = %id, "proxy access revoked");
    Ok(())
}
