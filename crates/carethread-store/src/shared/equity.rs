//! The equity monitor's reads and the groups patients gave. Each read is a
//! plain range over an indexed time column; the arithmetic is core's.

use async_trait::async_trait;
use carethread_core::equity::{Dimension, EquityThread, GroupValue};

use super::backend::Backend;
use super::prelude::*;
use crate::{EquityPerson, EquityRows};

/// Roles that write on the patient's side of a conversation.
const PATIENT_SIDE: &str = "('patient', 'proxy')";

/// A statement over the range `$1..$2`, bound.
fn ranged<D: Dialect>(sql: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Q<'_, D> {
    sqlx::query::<D>(sql).bind_v(ms(from)).bind_v(ms(to))
}

fn group(dimension: &str, value: &str) -> StoreResult<(Dimension, GroupValue)> {
    let bad = |_| StoreError::Corrupt("patient group".into());
    Ok((Dimension::parse(dimension).map_err(bad)?, GroupValue::parse(value).map_err(bad)?))
}

#[async_trait]
impl<B: Backend> crate::Equity for B {
    async fn set_patient_groups(
        &self,
        patient: UserId,
        groups: &[(Dimension, GroupValue)],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let now = audit.at;
        let audit = with_target(std::slice::from_ref(audit), "user", &patient.to_string());
        self.sql()
            .audited(async |conn| {
                for (dimension, value) in groups {
                    if value.is_not_given() {
                        sqlx::query::<B::D>("DELETE FROM patient_groups WHERE patient_id = $1 AND dimension = $2")
                            .bind_v(patient.to_string())
                            .bind_v(dimension.as_str())
                            .execute_with(&mut *conn)
                            .await?;
                    } else {
                        sqlx::query::<B::D>(
                            "INSERT INTO patient_groups (patient_id, dimension, value, updated_at) \
                             VALUES ($1, $2, $3, $4) ON CONFLICT (patient_id, dimension) \
                             DO UPDATE SET value = $3, updated_at = $4",
                        )
                        .bind_v(patient.to_string())
                        .bind_v(dimension.as_str())
                        .bind_v(value.as_str())
                        .bind_v(ms(now))
                        .execute_with(&mut *conn)
                        .await?;
                    }
                }
                Ok(Audited::new((), audit.clone()))
            })
            .await
    }

    async fn patient_groups(&self, patient: UserId) -> StoreResult<Vec<(Dimension, GroupValue)>> {
        let rows =
            sqlx::query::<B::D>("SELECT dimension, value FROM patient_groups WHERE patient_id = $1 ORDER BY dimension")
                .bind_v(patient.to_string())
                .fetch_all_with(&self.sql().read)
                .await?;
        rows.iter().map(|r| group(&r.get_v::<String, _>("dimension")?, &r.get_v::<String, _>("value")?)).collect()
    }

    async fn recorded_groups(&self) -> StoreResult<Vec<(Dimension, GroupValue)>> {
        let rows =
            sqlx::query::<B::D>("SELECT DISTINCT dimension, value FROM patient_groups ORDER BY dimension, value")
                .fetch_all_with(&self.sql().read)
                .await?;
        rows.iter().map(|r| group(&r.get_v::<String, _>("dimension")?, &r.get_v::<String, _>("value")?)).collect()
    }

    async fn equity_rows(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<EquityRows> {
        let read = &self.sql().read;
        let mut groups: HashMap<UserId, Vec<(Dimension, GroupValue)>> = HashMap::new();
        for r in
            sqlx::query::<B::D>("SELECT patient_id, dimension, value FROM patient_groups").fetch_all_with(read).await?
        {
            let found = group(&r.get_v::<String, _>("dimension")?, &r.get_v::<String, _>("value")?)?;
            groups.entry(parse_id(&r.get_v::<String, _>("patient_id")?)?).or_default().push(found);
        }
        let patients =
            sqlx::query::<B::D>("SELECT id, language, date_of_birth, created_at FROM users WHERE role = 'patient'")
                .fetch_all_with(read)
                .await?
                .iter()
                .map(|r| {
                    let id: UserId = parse_id(&r.get_v::<String, _>("id")?)?;
                    let born = r
                        .get_v::<Option<String>, _>("date_of_birth")?
                        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
                    Ok(EquityPerson {
                        id,
                        joined: at(r.get_v("created_at")?)?,
                        language: r.get_v("language")?,
                        born,
                        groups: groups.remove(&id).unwrap_or_default(),
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
        let messages = ranged::<B::D>(
            &format!(
                "SELECT t.patient_id, m.sent_at FROM messages m JOIN threads t ON t.id = m.thread_id \
             JOIN users a ON a.id = m.author_id \
             WHERE m.sent_at >= $1 AND m.sent_at < $2 AND a.role IN {PATIENT_SIDE}"
            ),
            from,
            to,
        )
        .fetch_all_with(read)
        .await?
        .iter()
        .map(|r| Ok((parse_id(&r.get_v::<String, _>("patient_id")?)?, at(r.get_v("sent_at")?)?)))
        .collect::<StoreResult<Vec<_>>>()?;
        let threads = ranged::<B::D>(
            &format!(
                "SELECT t.patient_id, t.created_at, CAST(CASE WHEN EXISTS (SELECT 1 FROM messages m \
             JOIN users s ON s.id = m.author_id WHERE m.thread_id = t.id AND NOT m.internal \
             AND s.role NOT IN {PATIENT_SIDE}) THEN 1 ELSE 0 END AS BIGINT) AS answered \
             FROM threads t JOIN users c ON c.id = t.created_by \
             WHERE t.created_at >= $1 AND t.created_at < $2 AND c.role IN {PATIENT_SIDE}"
            ),
            from,
            to,
        )
        .fetch_all_with(read)
        .await?
        .iter()
        .map(|r| {
            Ok(EquityThread {
                patient: parse_id(&r.get_v::<String, _>("patient_id")?)?,
                started: at(r.get_v("created_at")?)?,
                answered: r.get_v::<i64, _>("answered")? != 0,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let claims = ranged::<B::D>(
            "SELECT patient_id, period_start FROM billing_claims \
             WHERE status = 'approved' AND period_start >= $1 AND period_start < $2",
            from,
            to,
        )
        .fetch_all_with(read)
        .await?
        .iter()
        .map(|r| Ok((parse_id(&r.get_v::<String, _>("patient_id")?)?, at(r.get_v("period_start")?)?)))
        .collect::<StoreResult<Vec<_>>>()?;
        let declined = sqlx::query::<B::D>(
            "SELECT patient_id FROM billing_patients WHERE consent_withdrawn_on IS NOT NULL \
             AND (consent_given_on IS NULL OR consent_withdrawn_on >= consent_given_on)",
        )
        .fetch_all_with(read)
        .await?
        .iter()
        .map(|r| parse_id(&r.get_v::<String, _>("patient_id")?))
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(EquityRows { patients, messages, threads, claims, declined })
    }
}
