//! What the core policy needs to decide who may open a patient's record or a
//! thread: care team, pool, assignee, emergency access and proxy grant.

use super::prelude::*;

impl<D: Dialect> Sql<D> {
    pub(crate) async fn read_patient_facts(
        &self,
        actor: Actor,
        patient_id: UserId,
    ) -> StoreResult<Option<PatientFacts>> {
        let row = sqlx::query::<D>(
            "SELECT u.role, EXISTS (SELECT 1 FROM care_team_members c WHERE c.patient_id = u.id AND c.staff_id = $2) AS on_care_team \
             FROM users u WHERE u.id = $1 AND u.disabled = FALSE",
        )
        .bind_v(patient_id.to_string())
        .bind_v(actor.id.to_string())
        .fetch_optional_with(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.get_v::<&str, _>("role")? != Role::Patient.as_str() {
            return Ok(None);
        }
        let proxy_grant =
            if actor.role == Role::Proxy { self.active_grant(actor.id, patient_id, Utc::now()).await? } else { None };
        Ok(Some(PatientFacts { patient_id, on_care_team: row.get_v("on_care_team")?, proxy_grant }))
    }

    pub(crate) async fn read_thread_facts(
        &self,
        actor: Actor,
        id: ThreadId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Thread, ThreadFacts)>> {
        let row = sqlx::query::<D>(&format!(
            "SELECT {THREAD_COLS}, \
             EXISTS (SELECT 1 FROM care_team_members c WHERE c.patient_id = t.patient_id AND c.staff_id = $2) AS on_care_team, \
             EXISTS (SELECT 1 FROM pool_members pm WHERE pm.pool_id = t.pool_id AND pm.user_id = $2) AS in_pool, \
             EXISTS (SELECT 1 FROM emergency_access e WHERE e.user_id = $2 AND e.patient_id = t.patient_id \
                 AND e.expires_at > $3) AS emergency_access \
             FROM threads t WHERE t.id = $1"
        ))
        .bind_v(id.to_string())
        .bind_v(actor.id.to_string())
        .bind_v(ms(now))
        .fetch_optional_with(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let thread = self.decode(|keys| thread_from_row(&row, keys)).await?;
        let proxy_grant =
            if actor.role == Role::Proxy { self.active_grant(actor.id, thread.patient_id, now).await? } else { None };
        let facts = ThreadFacts {
            patient_id: Some(thread.patient_id),
            confidential: thread.confidential,
            on_care_team: row.get_v("on_care_team")?,
            in_thread_pool: row.get_v("in_pool")?,
            is_assignee: thread.assignee_id == Some(actor.id),
            emergency_access: row.get_v("emergency_access")?,
            proxy_grant,
        };
        Ok(Some((thread, facts)))
    }
}
