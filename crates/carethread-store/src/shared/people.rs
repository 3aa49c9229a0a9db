//! People and the clinic's organisation: users (creating them, reading them
//! and their credentials, disabling them, the changes an administrator makes
//! to their account), patients' care teams, and the pools threads are routed
//! to with who works in each.

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;

use crate::{CareTeamMember, Credentials, Membership, NewAccount, PoolMember, UserChange};

pub(crate) fn user_from_row<R: DialectRow>(row: &R) -> StoreResult<User> {
    let dob: Option<String> = row.get_v("date_of_birth")?;
    let date_of_birth = dob
        .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d"))
        .transpose()
        .map_err(|_| StoreError::Corrupt("date of birth".into()))?;
    Ok(User {
        id: parse_id(row.get_v::<&str, _>("id")?)?,
        username: Username::parse(row.get_v::<&str, _>("username")?)?,
        display_name: DisplayName::parse(row.get_v::<&str, _>("display_name")?)?,
        role: row.get_v::<&str, _>("role")?.parse()?,
        date_of_birth,
        language: Language::parse(row.get_v::<&str, _>("language")?)?,
        disabled: row.get_v("disabled")?,
        mrn: row
            .get_v::<Option<String>, _>("mrn")?
            .map(|m| carethread_core::user::Mrn::parse(&m))
            .transpose()
            .map_err(|_| StoreError::Corrupt("record number".into()))?,
        clinic_lead: row.get_v("clinic_lead")?,
    })
}

pub(crate) fn pool_from_row<R: DialectRow>(row: &R) -> StoreResult<PoolRef> {
    Ok(PoolRef { id: parse_id(row.get_v::<&str, _>("id")?)?, slug: row.get_v("slug")?, name: row.get_v("name")? })
}

/// A table of who belongs to what: its name, the column naming the group
/// (a patient, a pool) and the column naming the member.
struct MembershipTable {
    table: &'static str,
    group: &'static str,
    member: &'static str,
}

const CARE_TEAMS: MembershipTable =
    MembershipTable { table: "care_team_members", group: "patient_id", member: "staff_id" };
const POOLS: MembershipTable = MembershipTable { table: "pool_members", group: "pool_id", member: "user_id" };

impl<D: Dialect> Sql<D> {
    /// Inserts an account; a taken username or record number is a `Conflict`.
    pub(crate) async fn insert_user(conn: &mut D::Connection, account: &NewAccount<'_>) -> StoreResult<User> {
        let NewAccount { user, password_hash, now } = account;
        let id = UserId::from_uuid(new_id());
        let result = sqlx::query::<D>(
            "INSERT INTO users (id, username, display_name, role, date_of_birth, language, password_hash, disabled, created_at, mrn) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8, $9)",
        )
        .bind_v(id.to_string())
        .bind_v(user.username.as_str())
        .bind_v(user.display_name.as_str())
        .bind_v(user.role.as_str())
        .bind_v(user.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind_v(user.language.as_str())
        .bind_v(*password_hash)
        .bind_v(ms(*now))
        .bind_v(user.mrn.as_ref().map(carethread_core::user::Mrn::as_str))
        .execute_with(&mut *conn)
        .await;
        naming_conflict(result, "username or record number")?;
        Ok((*user).clone().into_user(id))
    }

    /// Every (group, member) pair of a membership table, by group, members by name.
    async fn read_memberships<T: FromStr>(&self, of: &MembershipTable) -> StoreResult<Vec<(T, PersonRef)>> {
        let MembershipTable { table, group, member } = of;
        let statement = format!(
            "SELECT m.{group} AS owner, u.id, u.display_name, u.role FROM {table} m \
             JOIN users u ON u.id = m.{member} ORDER BY m.{group}, u.display_name"
        );
        let rows = sqlx::query::<D>(&statement).fetch_all_with(&self.read).await?;
        rows.iter()
            .map(|r| {
                let who = person(parse_id(r.get_v::<&str, _>("id")?)?, r.get_v("display_name")?, r.get_v("role")?)?;
                Ok((parse_id(r.get_v::<&str, _>("owner")?)?, who))
            })
            .collect()
    }
}

#[async_trait]
impl<B: Backend> crate::People for B {
    async fn create_user(&self, account: NewAccount<'_>, audit: &AuditEvent) -> StoreResult<User> {
        self.sql()
            .audited(async |conn| {
                let created = Sql::<B::D>::insert_user(conn, &account).await?;
                let id = created.id.to_string();
                Ok(Audited::new(created, with_target(std::slice::from_ref(audit), "user", &id)))
            })
            .await
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"))
            .bind_v(id.to_string())
            .fetch_optional_with(&sql.read)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_credentials(&self, username: &Username) -> StoreResult<Option<Credentials>> {
        let sql = self.sql();
        let row =
            sqlx::query::<B::D>(&format!("SELECT {USER_COLS}, u.password_hash FROM users u WHERE u.username = $1"))
                .bind_v(username.as_str())
                .fetch_optional_with(&sql.read)
                .await?;
        match row {
            Some(row) => {
                Ok(Some(Credentials { user: user_from_row(&row)?, password_hash: row.get_v("password_hash")? }))
            }
            None => Ok(None),
        }
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        let sql = self.sql();
        let rows = sqlx::query::<B::D>(&format!("SELECT {USER_COLS} FROM users u ORDER BY u.username"))
            .fetch_all_with(&sql.read)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn staff(&self) -> StoreResult<Vec<User>> {
        let statement =
            format!("SELECT {USER_COLS} FROM users u WHERE u.role IN {} ORDER BY u.display_name, u.id", staff_roles());
        let rows = sqlx::query::<B::D>(&statement).fetch_all_with(&self.sql().read).await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn find_people(&self, query: &crate::PeopleQuery) -> StoreResult<Vec<User>> {
        let roles = if query.patients { "('patient')".to_owned() } else { staff_roles() };
        let statement = format!(
            "SELECT {USER_COLS} FROM users u WHERE u.role IN {roles} \
             AND ($1 = '' OR LOWER(u.display_name) LIKE $1 ESCAPE '\\') \
             AND ($2 = '' OR u.mrn = $2) \
             AND ($3 = '' OR u.id IN (SELECT patient_id FROM care_team_members WHERE staff_id = $3)) \
             AND u.id > $4 ORDER BY u.id LIMIT $5"
        );
        let pattern = query.name.as_deref().map(|name| {
            let escaped = name.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            format!("%{escaped}%")
        });
        let rows = sqlx::query::<B::D>(&statement)
            .bind_v(pattern.unwrap_or_default())
            .bind_v(query.mrn.clone().unwrap_or_default())
            .bind_v(query.care_team_of.map(|id| id.to_string()).unwrap_or_default())
            .bind_v(query.after.map(|id| id.to_string()).unwrap_or_default())
            .bind_v(i64::from(query.limit))
            .fetch_all_with(&self.sql().read)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn set_user_disabled(&self, username: &Username, disabled: bool, audit: &AuditEvent) -> StoreResult<bool> {
        let sql = self.sql();
        sql.audited(async |conn| {
            let id: Option<String> =
                sqlx::query::<B::D>("UPDATE users SET disabled = $2 WHERE username = $1 RETURNING id")
                    .bind_v(username.as_str())
                    .bind_v(disabled)
                    .fetch_optional_scalar_with(&mut *conn)
                    .await?;
            let Some(id) = id else {
                return Ok(Audited::unchanged(false));
            };
            if disabled {
                sqlx::query::<B::D>("DELETE FROM sessions WHERE user_id = $1")
                    .bind_v(&id)
                    .execute_with(&mut *conn)
                    .await?;
            }
            Ok(Audited::new(true, with_target(std::slice::from_ref(audit), "user", &id)))
        })
        .await
    }

    async fn update_user(&self, id: UserId, change: &UserChange, audit: &AuditEvent) -> StoreResult<bool> {
        let sql = self.sql();
        sql.audited(async |conn| {
            let row = sqlx::query::<B::D>(
                "UPDATE users SET role = COALESCE($2, role), display_name = COALESCE($3, display_name), \
                 language = COALESCE($4, language), mrn = CASE WHEN $5 THEN $6 ELSE mrn END, \
                 clinic_lead = CASE WHEN $7 THEN $8 ELSE clinic_lead END WHERE id = $1 RETURNING id",
            )
            .bind_v(id.to_string())
            .bind_v(change.role.map(Role::as_str))
            .bind_v(change.display_name.as_ref().map(DisplayName::as_str))
            .bind_v(change.language.map(Language::as_str))
            .bind_v(change.mrn.is_some())
            .bind_v(change.mrn.as_ref().and_then(|m| m.as_ref().map(carethread_core::user::Mrn::as_str)))
            .bind_v(change.clinic_lead.is_some())
            .bind_v(change.clinic_lead.unwrap_or(false))
            .fetch_optional_with(&mut *conn)
            .await;
            if naming_conflict(row, "record number")?.is_none() {
                return Ok(Audited::unchanged(false));
            }
            if change.role.is_some() {
                // A new role is new powers: sign in again to get them.
                sqlx::query::<B::D>("DELETE FROM sessions WHERE user_id = $1")
                    .bind_v(id.to_string())
                    .execute_with(&mut *conn)
                    .await?;
            }
            Ok(Audited::new(true, with_target(std::slice::from_ref(audit), "user", &id.to_string())))
        })
        .await
    }

    async fn care_teams(&self) -> StoreResult<Vec<CareTeamMember>> {
        let pairs = self.sql().read_memberships(&CARE_TEAMS).await?;
        Ok(pairs.into_iter().map(|(patient_id, clinician)| CareTeamMember { patient_id, clinician }).collect())
    }

    async fn pool_members(&self) -> StoreResult<Vec<PoolMember>> {
        let pairs = self.sql().read_memberships(&POOLS).await?;
        Ok(pairs.into_iter().map(|(pool_id, member)| PoolMember { pool_id, member }).collect())
    }

    async fn pool_member_roles(&self) -> StoreResult<Vec<(String, Role)>> {
        let rows = sqlx::query::<B::D>(
            "SELECT DISTINCT p.slug, u.role FROM pools p JOIN pool_members m ON m.pool_id = p.id \
             JOIN users u ON u.id = m.user_id ORDER BY p.slug, u.role",
        )
        .fetch_all_with(&self.sql().read)
        .await?;
        rows.iter().map(|r| Ok((r.get_v::<String, _>("slug")?, r.get_v::<&str, _>("role")?.parse::<Role>()?))).collect()
    }

    async fn set_membership(&self, membership: Membership, member: bool, audit: &AuditEvent) -> StoreResult<()> {
        // The table, the group and the member, and what the audit entry names.
        let (of, group, who, target) = match membership {
            Membership::CareTeam { patient_id, staff_id } => {
                (CARE_TEAMS, patient_id.to_string(), staff_id, ("user", staff_id.to_string()))
            }
            Membership::Pool { pool_id, user_id } => {
                (POOLS, pool_id.to_string(), user_id, ("pool", pool_id.to_string()))
            }
        };
        let MembershipTable { table, group: group_column, member: member_column } = of;
        let statement = if member {
            format!("INSERT INTO {table} ({group_column}, {member_column}) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        } else {
            format!("DELETE FROM {table} WHERE {group_column} = $1 AND {member_column} = $2")
        };
        let audit = with_target(std::slice::from_ref(audit), target.0, &target.1);
        self.sql()
            .audited(async |conn| {
                sqlx::query::<B::D>(&statement).bind_v(&group).bind_v(who.to_string()).execute_with(&mut *conn).await?;
                if !member && matches!(membership, Membership::Pool { .. }) {
                    // Leaving a pool ends leading it.
                    sqlx::query::<B::D>("UPDATE pools SET lead_user_id = NULL WHERE id = $1 AND lead_user_id = $2")
                        .bind_v(&group)
                        .bind_v(who.to_string())
                        .execute_with(&mut *conn)
                        .await?;
                }
                Ok(Audited::new((), audit))
            })
            .await
    }

    async fn create_pool(&self, slug: &str, name: &str, audit: &AuditEvent) -> StoreResult<PoolRef> {
        let sql = self.sql();
        let id = PoolId::from_uuid(new_id());
        sql.audited(async |conn| {
            let result = sqlx::query::<B::D>("INSERT INTO pools (id, slug, name) VALUES ($1, $2, $3)")
                .bind_v(id.to_string())
                .bind_v(slug)
                .bind_v(name)
                .execute_with(&mut *conn)
                .await;
            naming_conflict(result, "pool")?;
            let pool = PoolRef { id, slug: slug.to_owned(), name: name.to_owned() };
            Ok(Audited::new(pool, with_target(std::slice::from_ref(audit), "pool", &id.to_string())))
        })
        .await
    }

    async fn pools(&self) -> StoreResult<Vec<PoolRef>> {
        let sql = self.sql();
        let rows =
            sqlx::query::<B::D>("SELECT id, slug, name FROM pools ORDER BY name").fetch_all_with(&sql.read).await?;
        rows.iter().map(pool_from_row).collect()
    }

    async fn pool_by_slug(&self, slug: &str) -> StoreResult<Option<PoolRef>> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>("SELECT id, slug, name FROM pools WHERE slug = $1")
            .bind_v(slug)
            .fetch_optional_with(&sql.read)
            .await?;
        row.as_ref().map(pool_from_row).transpose()
    }

    async fn pool(&self, id: PoolId) -> StoreResult<Option<PoolRef>> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>("SELECT id, slug, name FROM pools WHERE id = $1")
            .bind_v(id.to_string())
            .fetch_optional_with(&sql.read)
            .await?;
        row.as_ref().map(pool_from_row).transpose()
    }

    async fn pool_leads(&self) -> StoreResult<Vec<(PoolId, UserId)>> {
        let rows =
            sqlx::query::<B::D>("SELECT id, lead_user_id FROM pools WHERE lead_user_id IS NOT NULL ORDER BY name")
                .fetch_all_with(&self.sql().read)
                .await?;
        rows.iter()
            .map(|row| Ok((parse_id(row.get_v::<&str, _>("id")?)?, parse_id(row.get_v::<&str, _>("lead_user_id")?)?)))
            .collect()
    }

    async fn set_pool_lead(&self, pool: PoolId, lead: Option<UserId>, audit: &AuditEvent) -> StoreResult<bool> {
        let target = match lead {
            Some(lead) => with_target(std::slice::from_ref(audit), "user", &lead.to_string()),
            None => with_target(std::slice::from_ref(audit), "pool", &pool.to_string()),
        };
        self.sql()
            .audited(async |conn| {
                let done = match lead {
                    Some(lead) => {
                        sqlx::query::<B::D>(
                            "UPDATE pools SET lead_user_id = $2 WHERE id = $1 AND EXISTS \
                             (SELECT 1 FROM pool_members m WHERE m.pool_id = $1 AND m.user_id = $2)",
                        )
                        .bind_v(pool.to_string())
                        .bind_v(lead.to_string())
                        .execute_with(&mut *conn)
                        .await?
                    }
                    None => {
                        sqlx::query::<B::D>("UPDATE pools SET lead_user_id = NULL WHERE id = $1")
                            .bind_v(pool.to_string())
                            .execute_with(&mut *conn)
                            .await?
                    }
                };
                if done.rows_affected() == 0 {
                    return Ok(Audited::unchanged(false));
                }
                Ok(Audited::new(true, target.clone()))
            })
            .await
    }
}
