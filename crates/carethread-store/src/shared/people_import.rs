//! Importing people from a clinic's EHR in one transaction: people found by
//! how the EHR knows them (created when unknown, else brought up to date),
//! proxies' access, care teams; an audit entry for each change.

use async_trait::async_trait;
use carethread_core::audit::AuditAction;
use carethread_core::policy::ProxyScope;

use super::backend::Backend;
use super::prelude::*;

use crate::{ImportKey, ImportOutcome, ImportStep, Importer, NewAccount};

impl<D: Dialect> Sql<D> {
    /// The person a key names, with their role; `None` when unknown.
    async fn find_imported(conn: &mut D::Connection, key: &ImportKey) -> StoreResult<Option<(UserId, Role)>> {
        let row = match key {
            ImportKey::Mrn(mrn) => {
                sqlx::query::<D>("SELECT id, role FROM users WHERE mrn = $1 AND role = 'patient'")
                    .bind_v(mrn.as_str())
                    .fetch_optional_with(&mut *conn)
                    .await?
            }
            ImportKey::Identifier { system, value } => {
                sqlx::query::<D>(
                    "SELECT u.id, u.role FROM person_identifiers i JOIN users u ON u.id = i.user_id \
                     WHERE i.system = $1 AND i.value = $2",
                )
                .bind_v(system.as_str())
                .bind_v(value.as_str())
                .fetch_optional_with(&mut *conn)
                .await?
            }
            ImportKey::Id(id) => {
                sqlx::query::<D>("SELECT id, role FROM users WHERE id = $1")
                    .bind_v(id.to_string())
                    .fetch_optional_with(&mut *conn)
                    .await?
            }
        };
        row.map(|r| Ok((parse_id(r.get_v::<&str, _>("id")?)?, r.get_v::<&str, _>("role")?.parse::<Role>()?)))
            .transpose()
    }

    /// The person a key names, who must have a role `fits` accepts.
    async fn imported(
        conn: &mut D::Connection,
        key: &ImportKey,
        fits: fn(Role) -> bool,
        what: &'static str,
    ) -> StoreResult<UserId> {
        match Self::find_imported(conn, key).await? {
            Some((id, role)) if fits(role) => Ok(id),
            Some(_) => Err(StoreError::Conflict(what)),
            None => Err(StoreError::Missing(what)),
        }
    }

    async fn import_account(
        conn: &mut D::Connection,
        key: &ImportKey,
        user: &NewUser,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportOutcome> {
        if let Some((id, role)) = Self::find_imported(conn, key).await? {
            if role != user.role {
                return Err(StoreError::Conflict("an identifier of a person with another role"));
            }
            sqlx::query::<D>(
                "UPDATE users SET display_name = $2, date_of_birth = COALESCE($3, date_of_birth), language = $4 \
                 WHERE id = $1",
            )
            .bind_v(id.to_string())
            .bind_v(user.display_name.as_str())
            .bind_v(user.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()))
            .bind_v(user.language.as_str())
            .execute_with(&mut *conn)
            .await?;
            return Ok(ImportOutcome::Updated(id));
        }
        if let ImportKey::Id(_) = key {
            return Err(StoreError::Missing("person"));
        }
        let created = Self::insert_user(conn, &NewAccount { user, password_hash, now }).await?;
        if let ImportKey::Identifier { system, value } = key {
            sqlx::query::<D>("INSERT INTO person_identifiers (system, value, user_id) VALUES ($1, $2, $3)")
                .bind_v(system.as_str())
                .bind_v(value.as_str())
                .bind_v(created.id.to_string())
                .execute_with(&mut *conn)
                .await?;
        }
        Ok(ImportOutcome::Created(created.id))
    }

    async fn import_grant(
        conn: &mut D::Connection,
        (patient, proxy): (UserId, UserId),
        (scope, expires_at): (ProxyScope, Option<DateTime<Utc>>),
        created_by: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportOutcome> {
        // Access already in force is the patient's to change, not the EHR's: kept as it is.
        let in_force: Option<String> = sqlx::query::<D>(
            "SELECT id FROM proxy_grants WHERE patient_id = $1 AND proxy_id = $2 \
             AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3) LIMIT 1",
        )
        .bind_v(patient.to_string())
        .bind_v(proxy.to_string())
        .bind_v(ms(now))
        .fetch_optional_scalar_with(&mut *conn)
        .await?;
        if in_force.is_some() {
            return Ok(ImportOutcome::GrantKept);
        }
        if expires_at.is_some_and(|end| end <= now) {
            return Ok(ImportOutcome::GrantKept);
        }
        sqlx::query::<D>(
            "INSERT INTO proxy_grants (id, patient_id, proxy_id, scope, expires_at, revoked_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)",
        )
        .bind_v(new_id().to_string())
        .bind_v(patient.to_string())
        .bind_v(proxy.to_string())
        .bind_v(scope.as_str())
        .bind_v(expires_at.map(ms))
        .bind_v(created_by.to_string())
        .bind_v(ms(now))
        .execute_with(&mut *conn)
        .await?;
        Ok(ImportOutcome::GrantAdded)
    }
}

#[async_trait]
impl<B: Backend> crate::PeopleImports for B {
    async fn import_people(&self, steps: &[ImportStep], by: &Importer) -> StoreResult<Vec<ImportOutcome>> {
        let entry = |action, detail: &str| {
            AuditEvent::new(action, by.actor, by.now).client(by.client.clone()).detail(format!("{detail} (EHR import)"))
        };
        self.sql()
            .audited(async |conn| {
                let mut outcomes = Vec::with_capacity(steps.len());
                let mut audit = Vec::new();
                for step in steps {
                    let outcome = match step {
                        ImportStep::Account { key, user, password_hash } => {
                            let outcome = Sql::<B::D>::import_account(conn, key, user, password_hash, by.now).await?;
                            let (action, id) = match outcome {
                                ImportOutcome::Created(id) => (AuditAction::UserCreate, id),
                                ImportOutcome::Updated(id) => (AuditAction::UserUpdate, id),
                                _ => continue,
                            };
                            let mut event = entry(action, &format!("role {}", user.role.as_str())).target("user", id);
                            if user.role == Role::Patient {
                                event = event.patient(id);
                            }
                            audit.push(event);
                            outcome
                        }
                        ImportStep::Grant { patient, proxy, scope, expires_at } => {
                            let patient =
                                Sql::<B::D>::imported(conn, patient, |r| r == Role::Patient, "patient").await?;
                            let proxy = Sql::<B::D>::imported(conn, proxy, |r| r == Role::Proxy, "proxy").await?;
                            // Recorded as the patient's access, as her EHR holds it.
                            let created_by = by.actor.map_or(patient, |(id, _)| id);
                            let outcome = Sql::<B::D>::import_grant(
                                conn,
                                (patient, proxy),
                                (*scope, *expires_at),
                                created_by,
                                by.now,
                            )
                            .await?;
                            audit.push(
                                entry(AuditAction::GrantCreate, scope.as_str()).patient(patient).target("user", proxy),
                            );
                            outcome
                        }
                        ImportStep::CareTeam { patient, members } => {
                            let patient =
                                Sql::<B::D>::imported(conn, patient, |r| r == Role::Patient, "patient").await?;
                            let mut added = 0;
                            for member in members {
                                let staff =
                                    Sql::<B::D>::imported(conn, member, Role::is_clinician, "clinician").await?;
                                added += sqlx::query::<B::D>(
                                    "INSERT INTO care_team_members (patient_id, staff_id) VALUES ($1, $2) \
                                     ON CONFLICT DO NOTHING",
                                )
                                .bind_v(patient.to_string())
                                .bind_v(staff.to_string())
                                .execute_with(&mut *conn)
                                .await?
                                .rows_affected();
                            }
                            if added > 0 {
                                let detail = format!("{added} added");
                                audit.push(entry(AuditAction::CareTeamChange, &detail).patient(patient));
                            }
                            ImportOutcome::MembersAdded(added)
                        }
                    };
                    outcomes.push(outcome);
                }
                Ok(Audited::new(outcomes, audit))
            })
            .await
    }
}
