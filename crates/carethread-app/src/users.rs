//! Accounts, as administrators (and the operator's command line) manage
//! them: add a user, list users, disable or re-enable one, change a role,
//! name, language or record number. Every change is audited in the same
//! transaction; administrators never read message content.

use carethread_core::audit::AuditAction;
use carethread_core::ids::UserId;
use carethread_core::policy;
use carethread_core::role::Role;
use carethread_core::user::{DisplayName, Language, Mrn, NewUser, User, Username, check_new_password};
use carethread_store::{NewAccount, StoreError, UserChange};
use chrono::{NaiveDate, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::audit::entry;
use crate::{App, AppError, AppResult, Caller, Operator};

/// Refuses anyone but an administrator (the command line is the operator's).
pub fn require_admin(by: Operator<'_>) -> AppResult<()> {
    match by {
        Operator::Person(caller) if !policy::may_administer(caller.user.role) => {
            Err(AppError::Forbidden("only administrators manage users, teams and pools".into()))
        }
        _ => Ok(()),
    }
}

/// Every user of the clinic.
pub async fn list_users(app: &App, by: Operator<'_>) -> AppResult<Vec<User>> {
    require_admin(by)?;
    Ok(app.store.list_users().await?)
}

/// A new account, as typed (checked here, the same for the API, the portal
/// and the command line).
#[derive(Debug)]
#[cfg_attr(feature = "openapi", derive(serde::Deserialize, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", serde(deny_unknown_fields), schema(as = NewUserIn, description = "A new user."))]
pub struct CreateUser {
    pub username: String,
    pub display_name: String,
    /// `patient`, `proxy`, `physician`, `nurse`, `pharmacist`, `front_desk`, `billing`, `admin` or `auditor`.
    pub role: String,
    /// Patients only.
    pub date_of_birth: Option<NaiveDate>,
    /// `en` or `es` (default `en`).
    pub language: Option<String>,
    /// Patients only: the clinic's medical record number (1–20 letters, digits and dashes).
    #[cfg_attr(feature = "openapi", serde(default))]
    pub mrn: Option<String>,
    /// At least 12 characters, not a common password.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub password: SecretString,
}

/// Adds a user: names, role, birth date and password checked, the password
/// hashed (argon2id), the account and its audit entry written together. A
/// taken username or record number answers `Conflict`.
pub async fn create_user(app: &App, by: Operator<'_>, input: CreateUser) -> AppResult<User> {
    require_admin(by)?;
    let now = Utc::now();
    let role = input.role.trim().parse::<Role>().map_err(|_| AppError::invalid("role", "is not a CareThread role"))?;
    let mrn = input.mrn.as_deref().filter(|m| !m.trim().is_empty()).map(Mrn::parse).transpose()?;
    let new = NewUser::new(
        Username::parse(&input.username)?,
        DisplayName::parse(&input.display_name)?,
        role,
        input.date_of_birth,
        Language::parse(input.language.as_deref().unwrap_or("en"))?,
        now.date_naive(),
    )?
    .with_mrn(mrn)?;
    check_new_password(input.password.expose_secret())?;
    let hash = crate::passwords::hash_in_background(input.password).await?;
    let audit = entry(by, AuditAction::UserCreate, format!("role {}", new.role.as_str()));
    let account = NewAccount { user: &new, password_hash: &hash, now };
    let user = app.store.create_user(account, &audit).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::Conflict("that username (or record number) is taken".into()),
        other => other.into(),
    })?;
    tracing::info!(user.id = %user.id, role = user.role.as_str(), "user added");
    Ok(user)
}

/// Which account to change.
#[derive(Debug, Clone)]
pub enum UserRef {
    Id(UserId),
    Username(String),
}

/// A change to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "openapi", derive(serde::Deserialize, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", serde(deny_unknown_fields), schema(as = UserPatchIn, description = "A change to a user."))]
pub struct UpdateUser {
    /// Disabling ends every session of the user at once.
    pub disabled: Option<bool>,
    /// A new role (not for patients or proxies, nor to them: their records
    /// and grants belong to the person). Ends the user's sessions.
    pub role: Option<String>,
    pub display_name: Option<String>,
    /// `en` or `es`.
    pub language: Option<String>,
    /// Patients only: the clinic's medical record number (1–20 letters,
    /// digits and dashes); an empty string removes it.
    pub mrn: Option<String>,
    /// Staff only: a clinic lead reads the clinic's insights.
    pub clinic_lead: Option<bool>,
}

impl UpdateUser {
    fn is_empty(&self) -> bool {
        self.disabled.is_none()
            && self.role.is_none()
            && self.display_name.is_none()
            && self.language.is_none()
            && self.mrn.is_none()
            && self.clinic_lead.is_none()
    }
}

/// Changes an account. An administrator cannot disable themself or change
/// their own role; a patient or proxy never becomes staff (or back): their
/// records and grants belong to the person.
pub async fn update_user(app: &App, by: Operator<'_>, target: UserRef, input: UpdateUser) -> AppResult<User> {
    require_admin(by)?;
    let user = match &target {
        UserRef::Id(id) => app.store.user(*id).await?,
        UserRef::Username(raw) => match Username::parse(raw) {
            Ok(name) => app.store.user_credentials(&name).await?.map(|found| found.user),
            Err(_) => None,
        },
    };
    let user = user.ok_or(AppError::NotFound)?;
    if input.is_empty() {
        return Err(AppError::invalid("body", "names no change"));
    }
    let own = matches!(by, Operator::Person(caller) if caller.user.id == user.id);
    let role = input
        .role
        .as_deref()
        .map(|r| r.trim().parse::<Role>().map_err(|_| AppError::invalid("role", "is not a CareThread role")))
        .transpose()?
        .filter(|r| *r != user.role);
    if let Some(role) = role {
        let person = |r: Role| matches!(r, Role::Patient | Role::Proxy);
        if person(role) || person(user.role) {
            return Err(AppError::invalid(
                "role",
                "cannot turn a patient or proxy into staff or back; add a new account",
            ));
        }
        if own {
            return Err(AppError::invalid("role", "cannot be changed on your own account"));
        }
    }
    let change = UserChange {
        role,
        display_name: input.display_name.as_deref().map(DisplayName::parse).transpose()?,
        language: input.language.as_deref().map(Language::parse).transpose()?,
        mrn: match input.mrn.as_deref().map(str::trim) {
            None => None,
            Some(_) if user.role != Role::Patient => {
                return Err(AppError::invalid("mrn", "is recorded for patients only"));
            }
            Some("") => Some(None),
            Some(raw) => Some(Some(Mrn::parse(raw)?)),
        },
        clinic_lead: match input.clinic_lead {
            Some(true) if !carethread_core::policy::may_lead_clinic(role.unwrap_or(user.role)) => {
                return Err(AppError::invalid("clinic_lead", "is for members of staff only"));
            }
            Some(lead) if lead != user.clinic_lead => Some(lead),
            // A new role starts without the lead's flag unless it is given again.
            None if role.is_some() && user.clinic_lead => Some(false),
            _ => None,
        },
    };
    if let Some(disabled) = input.disabled {
        if own && disabled {
            return Err(AppError::invalid("disabled", "cannot be set on your own account"));
        }
        if disabled != user.disabled {
            let audit = entry(by, AuditAction::UserUpdate, if disabled { "disabled" } else { "enabled" });
            app.store.set_user_disabled(&user.username, disabled, &audit).await?;
        }
    }
    if change != UserChange::default() {
        let mut what = Vec::new();
        if let Some(r) = change.role {
            what.push(format!("role {} → {}", user.role.as_str(), r.as_str()));
        }
        if change.display_name.is_some() {
            what.push("display name".to_owned());
        }
        if let Some(l) = change.language {
            what.push(format!("language {}", l.as_str()));
        }
        if change.mrn.is_some() {
            what.push("record number".to_owned());
        }
        if let Some(lead) = change.clinic_lead {
            what.push(if lead { "made a clinic lead" } else { "no longer a clinic lead" }.to_owned());
        }
        let audit = entry(by, AuditAction::UserUpdate, what.join("; "));
        app.store.update_user(user.id, &change, &audit).await.map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict("another patient already has that record number".into()),
            other => other.into(),
        })?;
    }
    tracing::info!(user.id = %user.id, "user changed");
    app.store.user(user.id).await?.ok_or(AppError::NotFound)
}

/// The caller changes their own language (remembered across devices).
pub async fn set_own_language(app: &App, caller: &Caller, language: &str) -> AppResult<User> {
    let language = Language::parse(language)?;
    let mut user = caller.user.clone();
    if language != user.language {
        let audit = caller.audit(AuditAction::UserUpdate).detail(format!("language {}", language.as_str()));
        let change = UserChange { language: Some(language), ..UserChange::default() };
        app.store.update_user(user.id, &change, &audit).await?;
        user.language = language;
    }
    Ok(user)
}

/// The patients a proxy acts for now (grants in force); none for anyone else.
pub async fn acting_for(app: &App, caller: &Caller) -> AppResult<Vec<carethread_store::PersonRef>> {
    if caller.user.role != Role::Proxy {
        return Ok(Vec::new());
    }
    Ok(app.store.proxy_patients(caller.user.id, Utc::now()).await?)
}
