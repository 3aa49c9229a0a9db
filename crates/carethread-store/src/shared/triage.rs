//! Triage results: overrides, counts and the latest result of a thread.

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;
use crate::shared::write_jobs::Done;

pub(crate) fn triage_from_row<R: DialectRow>(row: &R, keys: &Keyring) -> StoreResult<TriageRecord> {
    let slot = Slot { table: "triage_results", column: "reasons", row: row.get_v("id")? };
    let reasons = keys.open_text(row.get_v("key_id")?, slot, row.get_v("reasons")?)?;
    let reasons: Vec<String> =
        serde_json::from_str(&reasons).map_err(|_| StoreError::Corrupt("triage reasons".into()))?;
    let overridden_by: Option<String> = row.get_v("overridden_by")?;
    Ok(TriageRecord {
        urgency: Urgency::parse(row.get_v::<&str, _>("urgency")?)?,
        category: Category::parse(row.get_v::<&str, _>("category")?)?,
        pool_slug: row.get_v("pool_slug")?,
        confidence: row.get_v("confidence")?,
        reasons,
        model_id: row.get_v("model_id")?,
        model_version: row.get_v("model_version")?,
        needs_review: row.get_v("needs_review")?,
        overridden_by: overridden_by.as_deref().map(parse_id).transpose()?,
    })
}

impl<D: Dialect> Sql<D> {
    /// A triage result, its reasons sealed.
    pub(crate) fn triage_row(
        keys: &Keyring,
        thread: ThreadId,
        message: Option<MessageId>,
        triage: &TriageRecord,
        now: DateTime<Utc>,
    ) -> StoreResult<TriageRow> {
        let reasons = serde_json::to_string(&triage.reasons).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id = new_id().to_string();
        let (key_id, reasons) =
            keys.seal_text(Slot { table: "triage_results", column: "reasons", row: &id }, &reasons)?;
        Ok(TriageRow {
            id,
            thread_id: thread.to_string(),
            message_id: message.map(|m| m.to_string()),
            urgency: triage.urgency.as_str(),
            category: triage.category.as_str(),
            pool_slug: triage.pool_slug.clone(),
            confidence: triage.confidence,
            reasons,
            model_id: triage.model_id.clone(),
            model_version: triage.model_version.clone(),
            created_at: ms(now),
            needs_review: triage.needs_review,
            overridden_by: triage.overridden_by.map(|u| u.to_string()),
            key_id,
        })
    }
}

impl<D: Dialect> Sql<D> {
    /// A staff member's re-triage: the thread's urgency, category and pool,
    /// and the override kept as its latest triage result.
    pub(crate) async fn write_retriage(
        conn: &mut D::Connection,
        keys: &Keyring,
        change: &TriageOverride,
    ) -> StoreResult<Audited<Done>> {
        let returning = THREAD_COLS.replace("t.", "");
        let statement = format!(
            "UPDATE threads SET urgency = $2, urgency_rank = $3, category = $4, pool_id = COALESCE($5, pool_id) \
             WHERE id = $1 RETURNING {returning}"
        );
        let record = TriageRecord {
            urgency: change.urgency,
            category: change.category,
            pool_slug: change.pool_slug.clone(),
            confidence: 1.0,
            reasons: change.reasons.clone(),
            model_id: "override".to_owned(),
            model_version: "1".to_owned(),
            needs_review: false,
            overridden_by: Some(change.by),
        };
        let event = ThreadEvent {
            kind: EventKind::ThreadUpdated,
            thread_id: change.thread_id,
            message_id: None,
            internal: false,
            alert: change.urgency == Urgency::Emergency,
            at: change.now,
        };
        let row = sqlx::query::<D>(&statement)
            .bind_v(change.thread_id.to_string())
            .bind_v(change.urgency.as_str())
            .bind_v(change.urgency.rank())
            .bind_v(change.category.as_str())
            .bind_v(change.pool_id.map(|p| p.to_string()))
            .fetch_optional_with(&mut *conn)
            .await?
            .ok_or(StoreError::Missing("thread"))?;
        let thread = thread_from_row(&row, keys)?;
        let row = Self::triage_row(keys, change.thread_id, None, &record, change.now)?;
        Self::insert_rows(conn, &[row]).await?;
        let audit = with_target(&change.audit, "thread", &change.thread_id.to_string());
        Ok(Audited::new(Done::Retriaged(Box::new(thread)), audit).publishing(event))
    }
}

#[async_trait]
impl<B: Backend> crate::TriageResults for B {
    async fn latest_triage(&self, id: ThreadId) -> StoreResult<Option<(TriageRecord, DateTime<Utc>)>> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>(
            "SELECT id, urgency, category, pool_slug, confidence, reasons, model_id, model_version, needs_review, \
             overridden_by, created_at, key_id FROM triage_results \
             WHERE thread_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind_v(id.to_string())
        .fetch_optional_with(&sql.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let record = sql.decode(|keys| triage_from_row(&row, keys)).await?;
        Ok(Some((record, at(row.get_v("created_at")?)?)))
    }

    async fn latest_triage_urgencies(
        &self,
        ids: &[ThreadId],
    ) -> StoreResult<HashMap<ThreadId, (Urgency, DateTime<Utc>)>> {
        let mut latest = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(200) {
            let statement = format!(
                "SELECT thread_id, urgency, created_at FROM triage_results WHERE thread_id IN ({}) \
                 ORDER BY thread_id, created_at DESC, id DESC",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query::<B::D>(&statement);
            for id in chunk {
                query = query.bind_v(id.to_string());
            }
            for row in query.fetch_all_with(&self.sql().read).await? {
                let thread: ThreadId = parse_id(row.get_v::<&str, _>("thread_id")?)?;
                // The first row of each thread is its latest.
                if let std::collections::hash_map::Entry::Vacant(slot) = latest.entry(thread) {
                    let urgency = Urgency::parse(row.get_v::<&str, _>("urgency")?)?;
                    slot.insert((urgency, at(row.get_v("created_at")?)?));
                }
            }
        }
        Ok(latest)
    }

    async fn override_triage(&self, change: &TriageOverride) -> StoreResult<Thread> {
        self.write(WriteJob::Retriage(Box::new(change.clone()))).await?.retriaged()
    }

    async fn triage_stats(&self) -> StoreResult<TriageStats> {
        let sql = self.sql();
        let rows = sqlx::query::<B::D>(
            "SELECT model_id, model_version, COUNT(*) AS n, \
             SUM(CASE WHEN needs_review THEN 1 ELSE 0 END) AS review, \
             SUM(CASE WHEN urgency = 'emergency' THEN 1 ELSE 0 END) AS emergencies \
             FROM triage_results WHERE overridden_by IS NULL GROUP BY model_id, model_version \
             ORDER BY model_id, model_version",
        )
        .fetch_all_with(&sql.read)
        .await?;
        let mut stats = TriageStats::default();
        for row in &rows {
            let n: i64 = row.get_v("n")?;
            stats.automatic += n;
            stats.needs_review += row.get_v::<Option<i64>, _>("review")?.unwrap_or(0);
            stats.emergencies += row.get_v::<Option<i64>, _>("emergencies")?.unwrap_or(0);
            stats.by_model.push(crate::ModelCount {
                model_id: row.get_v("model_id")?,
                model_version: row.get_v("model_version")?,
                results: n,
            });
        }
        stats.overrides = sqlx::query::<B::D>("SELECT COUNT(*) FROM triage_results WHERE overridden_by IS NOT NULL")
            .fetch_scalar_with(&sql.read)
            .await?;
        Ok(stats)
    }
}
