//! Drafts, AI settings, the clinic's reply library and quick replies.

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;
use crate::shared::write_jobs::Done;

use crate::{
    AiReport, AiSettings, ClinicianAiFigures, DraftContent, DraftRecord, NewDraft, NewQuickReply, QuickReply,
    ReplyTemplate, SetReplyTemplate, SettingChange,
};

pub(crate) fn draft_from_row<R: DialectRow>(row: &R, keys: &Keyring) -> StoreResult<DraftRecord> {
    let id: &str = row.get_v("id")?;
    let body = row
        .get_v::<Option<String>, _>("body")?
        .map(|b| keys.open_text(row.get_v("key_id")?, Slot { table: "drafts", column: "body", row: id }, b))
        .transpose()?;
    let reasons: Vec<String> = serde_json::from_str(row.get_v::<&str, _>("reasons")?)
        .map_err(|_| StoreError::Corrupt("draft reasons".into()))?;
    let content = DraftContent {
        thread_id: parse_id(row.get_v::<&str, _>("thread_id")?)?,
        requested_by: parse_id(row.get_v::<&str, _>("requested_by")?)?,
        body,
        model_id: row.get_v("model_id")?,
        model_version: row.get_v("model_version")?,
        reply_needed: row.get_v("reply_needed")?,
        reasons,
    };
    Ok(DraftRecord {
        id: parse_id(id)?,
        content,
        created_at: at(row.get_v("created_at")?)?,
        message_id: opt_id(row.get_v::<Option<&str>, _>("message_id")?)?,
    })
}

impl<D: Dialect> Sql<D> {
    /// Marks a draft used by the reply `message`, inside the reply's transaction.
    pub(crate) async fn use_draft(
        conn: &mut D::Connection,
        thread: ThreadId,
        message: MessageId,
        used: &crate::DraftUse,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let done = sqlx::query::<D>(
            "UPDATE drafts SET message_id = $3, sent_at = $4, edit_distance = $5, seconds_spent = $6 \
             WHERE id = $1 AND thread_id = $2 AND message_id IS NULL AND reply_needed = TRUE",
        )
        .bind_v(used.draft_id.to_string())
        .bind_v(thread.to_string())
        .bind_v(message.to_string())
        .bind_v(ms(now))
        .bind_v(used.edit_distance)
        .bind_v(used.seconds_spent)
        .execute_with(&mut *conn)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::Conflict("draft"));
        }
        Ok(())
    }
    /// Keeps a new draft, pending until a reply uses it; its body sealed.
    pub(crate) async fn write_draft(
        conn: &mut D::Connection,
        keys: &Keyring,
        new: &NewDraft,
    ) -> StoreResult<Audited<Done>> {
        let content = &new.content;
        let id = DraftId::from_uuid(new_id());
        let id_text = id.to_string();
        let key_id = keys.active();
        let body = content
            .body
            .as_deref()
            .map(|b| keys.seal_text_with(key_id, Slot { table: "drafts", column: "body", row: &id_text }, b))
            .transpose()?;
        let reasons = serde_json::to_string(&content.reasons).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query::<D>(
            "INSERT INTO drafts (id, thread_id, requested_by, body, key_id, model_id, model_version, reply_needed, \
             reasons, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind_v(&id_text)
        .bind_v(content.thread_id.to_string())
        .bind_v(content.requested_by.to_string())
        .bind_v(body)
        .bind_v(content.body.as_ref().map(|_| key_id))
        .bind_v(&content.model_id)
        .bind_v(&content.model_version)
        .bind_v(content.reply_needed)
        .bind_v(reasons)
        .bind_v(ms(new.now))
        .execute_with(&mut *conn)
        .await?;
        Ok(Audited::new(Done::Drafted(id), with_target(std::slice::from_ref(&new.audit), "draft", &id_text)))
    }
}

#[async_trait]
impl<B: Backend> crate::Drafting for B {
    async fn create_draft(&self, new: &NewDraft) -> StoreResult<DraftId> {
        self.write(WriteJob::Draft(Box::new(new.clone()))).await?.drafted()
    }

    async fn draft(&self, thread: ThreadId, id: DraftId) -> StoreResult<Option<DraftRecord>> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>(
            "SELECT id, thread_id, requested_by, body, key_id, model_id, model_version, reply_needed, reasons, \
             created_at, message_id FROM drafts WHERE id = $1 AND thread_id = $2",
        )
        .bind_v(id.to_string())
        .bind_v(thread.to_string())
        .fetch_optional_with(&sql.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(sql.decode(|keys| draft_from_row(&row, keys)).await?))
    }

    async fn draft_model_for_message(&self, message: MessageId) -> StoreResult<Option<(String, String)>> {
        let row = sqlx::query::<B::D>("SELECT model_id, model_version FROM drafts WHERE message_id = $1")
            .bind_v(message.to_string())
            .fetch_optional_with(&self.sql().read)
            .await?;
        row.map(|row| Ok((row.get_v("model_id")?, row.get_v("model_version")?))).transpose()
    }

    async fn ai_settings(&self) -> StoreResult<AiSettings> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>("SELECT drafting_enabled, disclosure_enabled FROM ai_settings WHERE id = 1")
            .fetch_optional_with(&sql.read)
            .await?;
        Ok(match row {
            Some(row) => from_columns!(row => AiSettings { drafting_enabled, disclosure_enabled }),
            None => AiSettings::default(),
        })
    }

    async fn update_ai_settings(&self, change: &SettingChange<AiSettings>, audit: &AuditEvent) -> StoreResult<()> {
        let statement = "INSERT INTO ai_settings (id, drafting_enabled, disclosure_enabled, updated_by, updated_at) \
             VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET drafting_enabled = excluded.drafting_enabled, \
             disclosure_enabled = excluded.disclosure_enabled, updated_by = excluded.updated_by, updated_at = excluded.updated_at";
        let AiSettings { drafting_enabled, disclosure_enabled } = change.value;
        let sql = self.sql();
        sql.save_setting(statement, |query| query.bind_v(drafting_enabled).bind_v(disclosure_enabled), change, audit)
            .await
    }

    async fn reply_templates(&self) -> StoreResult<Vec<ReplyTemplate>> {
        let sql = self.sql();
        let rows =
            sqlx::query::<B::D>("SELECT situation, language, body FROM reply_templates ORDER BY situation, language")
                .fetch_all_with(&sql.read)
                .await?;
        rows.iter().map(|r| Ok(from_columns!(r => ReplyTemplate { situation, language, body }))).collect()
    }

    async fn set_reply_template(&self, change: &SetReplyTemplate, audit: &AuditEvent) -> StoreResult<()> {
        let sql = self.sql();
        let SetReplyTemplate { situation, language, body, by, now } = change;
        sql.audited(async |conn| {
            match body.as_deref() {
                Some(body) => {
                    sqlx::query::<B::D>(
                        "INSERT INTO reply_templates (situation, language, body, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (situation, language) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, \
                         updated_at = excluded.updated_at",
                    )
                    .bind_v(situation)
                    .bind_v(language)
                    .bind_v(body)
                    .bind_v(by.to_string())
                    .bind_v(ms(*now))
                    .execute_with(&mut *conn)
                    .await?;
                }
                None => {
                    sqlx::query::<B::D>("DELETE FROM reply_templates WHERE situation = $1 AND language = $2")
                        .bind_v(situation)
                        .bind_v(language)
                        .execute_with(&mut *conn)
                        .await?;
                }
            }
            Ok(Audited::new((), vec![audit.clone()]))
        })
        .await
    }

    async fn quick_replies(&self, user: UserId) -> StoreResult<Vec<QuickReply>> {
        let sql = self.sql();
        let rows = sqlx::query::<B::D>(
            "SELECT id, owner_id, code, body FROM quick_replies WHERE owner_id IS NULL OR owner_id = $1 \
             ORDER BY code, owner_id",
        )
        .bind_v(user.to_string())
        .fetch_all_with(&sql.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(QuickReply {
                    id: parse_id(r.get_v::<&str, _>("id")?)?,
                    owner_id: opt_id(r.get_v::<Option<&str>, _>("owner_id")?)?,
                    code: r.get_v("code")?,
                    body: r.get_v("body")?,
                })
            })
            .collect()
    }

    async fn create_quick_reply(&self, new: &NewQuickReply, audit: &AuditEvent) -> StoreResult<QuickReply> {
        let sql = self.sql();
        let NewQuickReply { owner, code, body, now } = new;
        let id = QuickReplyId::from_uuid(new_id());
        sql.audited(async |conn| {
            let result = sqlx::query::<B::D>(
                "INSERT INTO quick_replies (id, owner_id, code, body, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind_v(id.to_string())
            .bind_v(owner.map(|o| o.to_string()))
            .bind_v(code)
            .bind_v(body)
            .bind_v(ms(*now))
            .execute_with(&mut *conn)
            .await;
            naming_conflict(result, "quick reply")?;
            let reply = QuickReply { id, owner_id: *owner, code: code.clone(), body: body.clone() };
            Ok(Audited::new(reply, with_target(std::slice::from_ref(audit), "quick_reply", &id.to_string())))
        })
        .await
    }

    async fn delete_quick_reply(
        &self,
        id: QuickReplyId,
        owner: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let sql = self.sql();
        let query = if owner.is_some() {
            "DELETE FROM quick_replies WHERE id = $1 AND owner_id = $2"
        } else {
            "DELETE FROM quick_replies WHERE id = $1 AND owner_id IS NULL AND $2 = $2"
        };
        sql.audited(async |conn| {
            let done = sqlx::query::<B::D>(query)
                .bind_v(id.to_string())
                .bind_v(owner.map_or_else(String::new, |o| o.to_string()))
                .execute_with(&mut *conn)
                .await?
                .rows_affected();
            if done == 0 {
                return Ok(Audited::unchanged(false));
            }
            Ok(Audited::new(true, with_target(std::slice::from_ref(audit), "quick_reply", &id.to_string())))
        })
        .await
    }

    async fn ai_report(&self) -> StoreResult<AiReport> {
        let sql = self.sql();
        let mut figures: HashMap<String, (PersonRef, ClinicianAiFigures)> = HashMap::new();
        for user in crate::People::staff(self).await? {
            figures.insert(user.id.to_string(), (PersonRef::from(&user), ClinicianAiFigures::default()));
        }
        let drafts = sqlx::query::<B::D>(
            "SELECT requested_by, COUNT(*) AS generated, COUNT(message_id) AS sent, \
             SUM(CASE WHEN edit_distance = 0 THEN 1 ELSE 0 END) AS unchanged, \
             AVG(CAST(edit_distance AS DOUBLE PRECISION)) AS mean_edit, AVG(CAST(seconds_spent AS DOUBLE PRECISION)) AS mean_seconds \
             FROM drafts WHERE reply_needed = TRUE GROUP BY requested_by",
        )
        .fetch_all_with(&sql.read)
        .await?;
        for row in &drafts {
            let id: String = row.get_v("requested_by")?;
            if let Some((_, f)) = figures.get_mut(&id) {
                f.drafts_generated = row.get_v("generated")?;
                f.drafts_sent = row.get_v("sent")?;
                f.drafts_sent_unchanged = row.get_v::<Option<i64>, _>("unchanged")?.unwrap_or(0);
                f.mean_edit_distance = row.get_v("mean_edit")?;
                f.mean_seconds_spent = row.get_v("mean_seconds")?;
            }
        }
        let replies = sqlx::query::<B::D>(
            "SELECT author_id, COUNT(*) AS replies, AVG(reading_grade) AS mean_grade FROM messages \
             WHERE internal = FALSE AND reading_grade IS NOT NULL GROUP BY author_id",
        )
        .fetch_all_with(&sql.read)
        .await?;
        for row in &replies {
            let id: String = row.get_v("author_id")?;
            if let Some((_, f)) = figures.get_mut(&id) {
                f.replies = row.get_v("replies")?;
                f.mean_reading_grade = row.get_v("mean_grade")?;
            }
        }
        let overrides = sqlx::query::<B::D>(
            "SELECT overridden_by, COUNT(*) AS n FROM triage_results WHERE overridden_by IS NOT NULL GROUP BY overridden_by",
        )
        .fetch_all_with(&sql.read)
        .await?;
        for row in &overrides {
            let id: String = row.get_v("overridden_by")?;
            if let Some((_, f)) = figures.get_mut(&id) {
                f.triage_overrides = row.get_v("n")?;
            }
        }
        let mut by_clinician: Vec<(PersonRef, ClinicianAiFigures)> = figures.into_values().collect();
        by_clinician.sort_by(|a, b| a.0.display_name.cmp(&b.0.display_name));
        Ok(AiReport { by_clinician })
    }
}
