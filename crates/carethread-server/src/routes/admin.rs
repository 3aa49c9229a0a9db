//! Administration: users and roles, care teams, pools and their members.
//! Administrators manage the clinic but never read message content; every
//! change is audited in the same transaction.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, put};
use axum::{Json, Router};
use carethread_core::audit::AuditAction;
use carethread_core::ids::{PoolId, UserId};
use carethread_core::policy;
use carethread_core::role::Role;
use carethread_core::user::{DisplayName, Language, Mrn, NewUser, User, Username, check_new_password};
use chrono::{NaiveDate, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::hash_password;
use crate::dto::{PersonOut, PoolOut, UserOut};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};
use crate::routes::threads::parse_uuid_field;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/users", get(list_users).post(create_user))
        .route("/api/v1/admin/users/{id}", patch(update_user))
        .route(
            "/api/v1/admin/patients/{patient_id}/care-team/{staff_id}",
            put(add_to_care_team).delete(remove_from_care_team),
        )
        .route("/api/v1/admin/care-teams", get(care_teams))
        .route("/api/v1/admin/pools", get(pools_with_members).post(create_pool))
        .route("/api/v1/admin/pools/{pool_id}/members/{user_id}", put(add_pool_member).delete(remove_pool_member))
}

fn require_admin(auth: &Authenticated) -> ApiResult<()> {
    if policy::may_administer(auth.user.role) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only administrators manage users, teams and pools".into()))
    }
}

/// A user as administrators see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserOut {
    #[serde(flatten)]
    pub user: UserOut,
    pub disabled: bool,
    pub date_of_birth: Option<NaiveDate>,
    /// Patients only: the clinic's medical record number, where one is set.
    pub mrn: Option<String>,
}

/// Users.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserList {
    pub users: Vec<AdminUserOut>,
}

fn admin_user(u: &User) -> AdminUserOut {
    AdminUserOut {
        user: u.into(),
        disabled: u.disabled,
        date_of_birth: u.date_of_birth,
        mrn: u.mrn.as_ref().map(|m| m.as_str().to_owned()),
    }
}

/// Every user of the clinic.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin",
    responses((status = 200, body = AdminUserList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_users(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<AdminUserList>> {
    require_admin(&auth)?;
    let users = state.store.list_users().await?;
    Ok(Json(AdminUserList { users: users.iter().map(admin_user).collect() }))
}

/// A new user.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    pub username: String,
    pub display_name: String,
    /// `patient`, `proxy`, `physician`, `nurse`, `pharmacist`, `front_desk`, `billing`, `admin` or `auditor`.
    pub role: String,
    /// Patients only.
    pub date_of_birth: Option<NaiveDate>,
    /// `en` or `es` (default `en`).
    pub language: Option<String>,
    /// Patients only: the clinic's medical record number (1–20 letters, digits and dashes).
    #[serde(default)]
    pub mrn: Option<String>,
    /// At least 12 characters, not a common password.
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

/// Adds a user.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = NewUserIn,
    responses(
        (status = 201, body = AdminUserOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "The username is taken", body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<NewUserIn>,
) -> ApiResult<(StatusCode, Json<AdminUserOut>)> {
    require_admin(&auth)?;
    let now = Utc::now();
    let new = NewUser::new(
        Username::parse(&input.username)?,
        DisplayName::parse(&input.display_name)?,
        input.role.parse::<Role>().map_err(|_| ApiError::invalid("role", "is not a CareThread role"))?,
        input.date_of_birth,
        Language::parse(input.language.as_deref().unwrap_or("en"))?,
        now.date_naive(),
    )?
    .with_mrn(input.mrn.as_deref().filter(|m| !m.trim().is_empty()).map(Mrn::parse).transpose()?)?;
    check_new_password(input.password.expose_secret())?;
    let password = input.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let audit = auth.audit(AuditAction::UserCreate).detail(format!("role {}", new.role.as_str()));
    let user = state.store.create_user(&new, &hash, now, &audit).await.map_err(|e| match e {
        carethread_store::StoreError::Conflict(_) => {
            ApiError::Conflict("that username (or record number) is taken".into())
        }
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(admin_user(&user))))
}

/// A change to a user.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatchIn {
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
}

/// Disables or re-enables a user, or changes their role, name or language.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", request_body = UserPatchIn,
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, body = AdminUserOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn update_user(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<UserPatchIn>,
) -> ApiResult<Json<AdminUserOut>> {
    require_admin(&auth)?;
    let id: UserId = id.parse().map_err(|_| ApiError::NotFound)?;
    let user = state.store.user(id).await?.ok_or(ApiError::NotFound)?;
    if input.disabled.is_none()
        && input.role.is_none()
        && input.display_name.is_none()
        && input.language.is_none()
        && input.mrn.is_none()
    {
        return Err(ApiError::invalid("body", "names no change"));
    }
    let role = input
        .role
        .as_deref()
        .map(|r| r.parse::<Role>().map_err(|_| ApiError::invalid("role", "is not a CareThread role")));
    let role = role.transpose()?.filter(|r| *r != user.role);
    if let Some(role) = role {
        let person = |r: Role| matches!(r, Role::Patient | Role::Proxy);
        if person(role) || person(user.role) {
            return Err(ApiError::invalid(
                "role",
                "cannot turn a patient or proxy into staff or back; add a new account",
            ));
        }
        if id == auth.user.id {
            return Err(ApiError::invalid("role", "cannot be changed on your own account"));
        }
    }
    let change = carethread_store::UserChange {
        role,
        display_name: input.display_name.as_deref().map(DisplayName::parse).transpose()?,
        language: input.language.as_deref().map(Language::parse).transpose()?,
        mrn: match input.mrn.as_deref().map(str::trim) {
            None => None,
            Some(_) if user.role != Role::Patient => {
                return Err(ApiError::invalid("mrn", "is recorded for patients only"));
            }
            Some("") => Some(None),
            Some(raw) => Some(Some(Mrn::parse(raw)?)),
        },
    };
    if let Some(disabled) = input.disabled {
        if id == auth.user.id && disabled {
            return Err(ApiError::invalid("disabled", "cannot be set on your own account"));
        }
        if disabled != user.disabled {
            let audit = auth.audit(AuditAction::UserUpdate).detail(if disabled { "disabled" } else { "enabled" });
            state.store.set_user_disabled(&user.username, disabled, &audit).await?;
        }
    }
    if change != carethread_store::UserChange::default() {
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
        let audit = auth.audit(AuditAction::UserUpdate).detail(what.join("; "));
        state.store.update_user(id, &change, &audit).await.map_err(|e| match e {
            carethread_store::StoreError::Conflict(_) => {
                ApiError::Conflict("another patient already has that record number".into())
            }
            other => other.into(),
        })?;
    }
    let user = state.store.user(id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(admin_user(&user)))
}

async fn care_team_change(
    state: &AppState,
    auth: &Authenticated,
    patient_id: &str,
    staff_id: &str,
    member: bool,
) -> ApiResult<StatusCode> {
    require_admin(auth)?;
    let patient_id: UserId = patient_id.parse().map_err(|_| ApiError::NotFound)?;
    let staff_id = parse_uuid_field::<UserId>("staff_id", staff_id)?;
    let patient = state.store.user(patient_id).await?;
    if !patient.is_some_and(|p| p.role == Role::Patient) {
        return Err(ApiError::NotFound);
    }
    let staff = state.store.user(staff_id).await?;
    if !staff.is_some_and(|s| s.role.is_clinician()) {
        return Err(ApiError::invalid("staff_id", "names no clinician (physician, nurse or pharmacist)"));
    }
    let audit = auth.audit(AuditAction::CareTeamChange).patient(patient_id).detail(if member {
        "added to care team"
    } else {
        "removed from care team"
    });
    state.store.set_care_team_member(patient_id, staff_id, member, &audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Puts a clinician on a patient's care team.
#[utoipa::path(put, path = "/api/v1/admin/patients/{patient_id}/care-team/{staff_id}", tag = "admin",
    params(("patient_id" = String, Path), ("staff_id" = String, Path)),
    responses(
        (status = 204, description = "On the care team"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn add_to_care_team(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((patient_id, staff_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    care_team_change(&state, &auth, &patient_id, &staff_id, true).await
}

/// Takes a clinician off a patient's care team.
#[utoipa::path(delete, path = "/api/v1/admin/patients/{patient_id}/care-team/{staff_id}", tag = "admin",
    params(("patient_id" = String, Path), ("staff_id" = String, Path)),
    responses(
        (status = 204, description = "Off the care team"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn remove_from_care_team(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((patient_id, staff_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    care_team_change(&state, &auth, &patient_id, &staff_id, false).await
}

/// A new pool.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPoolIn {
    /// Lowercase letters, digits and dashes, e.g. `wound-care`.
    pub slug: String,
    pub name: String,
}

/// Creates a pool (a shared in-basket).
#[utoipa::path(post, path = "/api/v1/admin/pools", tag = "admin", request_body = NewPoolIn,
    responses(
        (status = 201, body = PoolOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn create_pool(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<NewPoolIn>,
) -> ApiResult<(StatusCode, Json<PoolOut>)> {
    require_admin(&auth)?;
    let slug = input.slug.trim();
    if slug.is_empty()
        || slug.len() > 40
        || !slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(ApiError::invalid("slug", "must be 1 to 40 lowercase letters, digits or dashes"));
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::invalid("name", "must be 1 to 80 characters"));
    }
    carethread_core::text::single_line("name", name)?;
    let audit = auth.audit(AuditAction::PoolChange).detail(format!("created pool {slug}"));
    let pool = state.store.create_pool(slug, name, &audit).await.map_err(|e| match e {
        carethread_store::StoreError::Conflict(_) => ApiError::Conflict("a pool with that slug exists".into()),
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(PoolOut::from(&pool))))
}

async fn pool_member_change(
    state: &AppState,
    auth: &Authenticated,
    pool_id: &str,
    user_id: &str,
    member: bool,
) -> ApiResult<StatusCode> {
    require_admin(auth)?;
    let pool_id: PoolId = pool_id.parse().map_err(|_| ApiError::NotFound)?;
    state.store.pool(pool_id).await?.ok_or(ApiError::NotFound)?;
    let user_id = parse_uuid_field::<UserId>("user_id", user_id)?;
    let user = state.store.user(user_id).await?;
    if !user.is_some_and(|u| u.role.is_staff()) {
        return Err(ApiError::invalid("user_id", "names no staff member"));
    }
    let audit = auth.audit(AuditAction::PoolChange).target("user", user_id).detail(if member {
        "added to pool"
    } else {
        "removed from pool"
    });
    state.store.set_pool_member(pool_id, user_id, member, &audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a staff member to a pool.
#[utoipa::path(put, path = "/api/v1/admin/pools/{pool_id}/members/{user_id}", tag = "admin",
    params(("pool_id" = String, Path), ("user_id" = String, Path)),
    responses(
        (status = 204, description = "A member"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn add_pool_member(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((pool_id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    pool_member_change(&state, &auth, &pool_id, &user_id, true).await
}

/// Removes a staff member from a pool.
#[utoipa::path(delete, path = "/api/v1/admin/pools/{pool_id}/members/{user_id}", tag = "admin",
    params(("pool_id" = String, Path), ("user_id" = String, Path)),
    responses(
        (status = 204, description = "No longer a member"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn remove_pool_member(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((pool_id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    pool_member_change(&state, &auth, &pool_id, &user_id, false).await
}

/// A patient's care team.
#[derive(Debug, Serialize, ToSchema)]
pub struct CareTeamOut {
    pub patient: PersonOut,
    pub clinicians: Vec<PersonOut>,
}

/// Every patient's care team.
#[derive(Debug, Serialize, ToSchema)]
pub struct CareTeamList {
    pub care_teams: Vec<CareTeamOut>,
}

/// Every patient with the clinicians on their care team (patients without one too).
#[utoipa::path(get, path = "/api/v1/admin/care-teams", tag = "admin",
    responses((status = 200, body = CareTeamList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn care_teams(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<CareTeamList>> {
    require_admin(&auth)?;
    let users = state.store.list_users().await?;
    let pairs = state.store.care_teams().await?;
    let care_teams = users
        .iter()
        .filter(|u| u.role == Role::Patient)
        .map(|p| CareTeamOut {
            patient: p.into(),
            clinicians: pairs.iter().filter(|(patient, _)| *patient == p.id).map(|(_, c)| c.into()).collect(),
        })
        .collect();
    Ok(Json(CareTeamList { care_teams }))
}

/// A pool with its members.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolMembersOut {
    #[serde(flatten)]
    pub pool: PoolOut,
    pub members: Vec<PersonOut>,
}

/// Pools with their members.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolMembersList {
    pub pools: Vec<PoolMembersOut>,
}

/// Every pool with its members.
#[utoipa::path(get, path = "/api/v1/admin/pools", tag = "admin",
    responses((status = 200, body = PoolMembersList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn pools_with_members(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<PoolMembersList>> {
    require_admin(&auth)?;
    let pools = state.store.pools().await?;
    let members = state.store.pool_members().await?;
    let pools = pools
        .iter()
        .map(|p| PoolMembersOut {
            pool: p.into(),
            members: members.iter().filter(|(pool, _)| *pool == p.id).map(|(_, m)| m.into()).collect(),
        })
        .collect();
    Ok(Json(PoolMembersList { pools }))
}
