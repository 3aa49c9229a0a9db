// The `Store` implementation shared by both backends. This file is
// `include!`d by `sqlite.rs` and `postgres.rs`, each of which defines `Db`,
// `DbRow` and `Backend` (its store type, with `read` and `write` pools and
// `notify_in_tx`/`publish` for live events). The SQL is the same for both.

use std::collections::HashMap;
use std::str::FromStr;

use async_trait::async_trait;
use carethread_core::attachment::{Attachment, FileName, MediaType};
use carethread_core::audit::{AuditEvent, ChainedEntry};
use carethread_core::ids::{AttachmentId, MessageId, PoolId, ThreadId, UserId};
use carethread_core::message::{Message, MessageBody};
use carethread_core::policy::{Actor, PatientFacts, ProxyGrant, ProxyScope, ThreadFacts};
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, Thread, ThreadPatch, ThreadStatus, Urgency};
use carethread_core::user::{DisplayName, Language, NewUser, User, Username};
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use uuid::Uuid;

use crate::crypto::{Keyring, Slot};
use crate::sql::{Bind, THREAD_COLS, USER_COLS, summary_select, visible_threads};
use crate::{
    AttachmentView, EventKind, Idempotency, MessageView, NewMessage, NewThread, PersonRef, PoolRef,
    SessionRecord, Store, StoreError, StoreResult, ThreadEvent, ThreadFilter, ThreadSummary,
    TriageOverride, TriageRecord, TriageSettings, TriageStats, Written,
};

type Conn = <Db as sqlx::Database>::Connection;

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn at(ms: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Corrupt("timestamp out of range".into()))
}

fn parse_id<T: FromStr>(raw: &str) -> StoreResult<T> {
    raw.parse().map_err(|_| StoreError::Corrupt("identifier".into()))
}

fn opt_id<T: FromStr>(raw: Option<&str>) -> StoreResult<Option<T>> {
    raw.map(parse_id).transpose()
}

/// An insert's result, with a uniqueness violation named as `what` already existing.
fn naming_conflict<T>(result: Result<T, sqlx::Error>, what: &'static str) -> StoreResult<T> {
    result.map_err(|err| match StoreError::from(err) {
        StoreError::Conflict(_) => StoreError::Conflict(what),
        other => other,
    })
}

/// Inserts a signed-in session.
async fn insert_session(conn: &mut Conn, session: &SessionRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, mfa_passed) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&session.token_hash)
    .bind(session.user_id.to_string())
    .bind(ms(session.created_at))
    .bind(ms(session.last_seen_at))
    .bind(ms(session.expires_at))
    .bind(session.mfa_passed)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn new_id() -> Uuid {
    Uuid::now_v7()
}

fn user_from_row(row: &DbRow) -> StoreResult<User> {
    let dob: Option<String> = row.try_get("date_of_birth")?;
    let date_of_birth = dob
        .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d"))
        .transpose()
        .map_err(|_| StoreError::Corrupt("date of birth".into()))?;
    Ok(User {
        id: parse_id(row.try_get::<&str, _>("id")?)?,
        username: Username::parse(row.try_get::<&str, _>("username")?)?,
        display_name: DisplayName::parse(row.try_get::<&str, _>("display_name")?)?,
        role: row.try_get::<&str, _>("role")?.parse()?,
        date_of_birth,
        language: Language::parse(row.try_get::<&str, _>("language")?)?,
        disabled: row.try_get("disabled")?,
        mrn: row
            .try_get::<Option<String>, _>("mrn")?
            .map(|m| carethread_core::user::Mrn::parse(&m))
            .transpose()
            .map_err(|_| StoreError::Corrupt("record number".into()))?,
    })
}

fn thread_from_row(row: &DbRow, keys: &Keyring) -> StoreResult<Thread> {
    let id: &str = row.try_get("id")?;
    let subject = keys.open_text(row.try_get("key_id")?, Slot { table: "threads", column: "subject", row: id }, row.try_get("subject")?)?;
    Ok(Thread {
        id: parse_id(id)?,
        patient_id: parse_id(row.try_get::<&str, _>("patient_id")?)?,
        subject: Subject::from_trusted(subject),
        category: Category::parse(row.try_get::<&str, _>("category")?)?,
        urgency: Urgency::parse(row.try_get::<&str, _>("urgency")?)?,
        status: ThreadStatus::parse(row.try_get::<&str, _>("status")?)?,
        replies_allowed: row.try_get("replies_allowed")?,
        pool_id: opt_id(row.try_get::<Option<&str>, _>("pool_id")?)?,
        assignee_id: opt_id(row.try_get::<Option<&str>, _>("assignee_id")?)?,
        confidential: row.try_get("confidential")?,
        created_by: parse_id(row.try_get::<&str, _>("created_by")?)?,
        created_at: at(row.try_get("created_at")?)?,
        updated_at: at(row.try_get("updated_at")?)?,
        awaiting_since: row.try_get::<Option<i64>, _>("awaiting_since")?.map(at).transpose()?,
    })
}

fn person(id: UserId, name: String, role: &str) -> StoreResult<PersonRef> {
    Ok(PersonRef { id, display_name: name, role: role.parse()? })
}

/// [`crate::model::wait_key`] in SQL, for ordering and paging in-baskets.
fn wait_key_sql() -> String {
    format!("COALESCE(t.awaiting_since, {} - t.updated_at)", crate::model::NOT_WAITING)
}

fn summary_from_row(row: &DbRow, keys: &Keyring) -> StoreResult<ThreadSummary> {
    let thread = thread_from_row(row, keys)?;
    let patient = person(thread.patient_id, row.try_get("patient_name")?, row.try_get("patient_role")?)?;
    let pool = match (thread.pool_id, row.try_get::<Option<String>, _>("pool_slug")?) {
        (Some(id), Some(slug)) => Some(PoolRef { id, slug, name: row.try_get("pool_name")? }),
        _ => None,
    };
    let assignee = match (thread.assignee_id, row.try_get::<Option<String>, _>("assignee_name")?) {
        (Some(id), Some(name)) => Some(person(id, name, row.try_get("assignee_role")?)?),
        _ => None,
    };
    Ok(ThreadSummary { thread, patient, pool, assignee, unread: row.try_get("unread")? })
}

fn pool_from_row(row: &DbRow) -> StoreResult<PoolRef> {
    Ok(PoolRef {
        id: parse_id(row.try_get::<&str, _>("id")?)?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
    })
}

fn attachment_from_row(row: &DbRow, keys: &Keyring) -> StoreResult<Attachment> {
    let id: &str = row.try_get("id")?;
    let slot = Slot { table: "attachments", column: "file_name", row: id };
    let file_name = keys.open_text(row.try_get("key_id")?, slot, row.try_get("file_name")?)?;
    Ok(Attachment {
        id: parse_id(id)?,
        message_id: parse_id(row.try_get::<&str, _>("message_id")?)?,
        thread_id: parse_id(row.try_get::<&str, _>("thread_id")?)?,
        uploader_id: parse_id(row.try_get::<&str, _>("uploader_id")?)?,
        media_type: MediaType::from_mime(row.try_get::<&str, _>("media_type")?)?,
        file_name: FileName::from_trusted(file_name),
        size_bytes: u64::try_from(row.try_get::<i64, _>("size_bytes")?)
            .map_err(|_| StoreError::Corrupt("attachment size".into()))?,
        created_at: at(row.try_get("created_at")?)?,
    })
}

fn grant_from_row(row: &DbRow) -> StoreResult<ProxyGrant> {
    Ok(ProxyGrant {
        patient_id: parse_id(row.try_get::<&str, _>("patient_id")?)?,
        proxy_id: parse_id(row.try_get::<&str, _>("proxy_id")?)?,
        scope: ProxyScope::parse(row.try_get::<&str, _>("scope")?)?,
        expires_at: row.try_get::<Option<i64>, _>("expires_at")?.map(at).transpose()?,
        revoked_at: row.try_get::<Option<i64>, _>("revoked_at")?.map(at).transpose()?,
    })
}

/// A write a user waits on: on SQLite it commits together with other
/// writes queued at the same moment (group commit); on PostgreSQL alone.
enum WriteJob {
    Thread(NewThread),
    Message(NewMessage),
    /// Audit entries on their own (reads, sign-ins, refusals); writes nothing else.
    Audit(Vec<AuditEvent>),
}

/// What a write produced: its ids and, unless it was an idempotent replay,
/// the event to publish once it commits.
struct JobOutcome {
    written: Written,
    event: Option<ThreadEvent>,
}

impl Backend {
    /// An active grant from `patient` to `proxy` at `now`, if any.
    async fn active_grant(&self, proxy: UserId, patient: UserId, now: DateTime<Utc>) -> StoreResult<Option<ProxyGrant>> {
        let row = sqlx::query(
            "SELECT patient_id, proxy_id, scope, expires_at, revoked_at FROM proxy_grants \
             WHERE proxy_id = $1 AND patient_id = $2 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $3) ORDER BY created_at DESC LIMIT 1",
        )
        .bind(proxy.to_string())
        .bind(patient.to_string())
        .bind(ms(now))
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(grant_from_row).transpose()
    }

    /// Looks for a message the user already sent with this idempotency key.
    /// `Some` means the caller stores nothing and answers with what the first
    /// request created; the same key with a different request is an error.
    async fn find_key(conn: &mut Conn, user: UserId, key: &Idempotency) -> StoreResult<Option<Written>> {
        let row = sqlx::query(
            "SELECT thread_id, id, request_fingerprint FROM messages WHERE author_id = $1 AND idempotency_key = $2",
        )
        .bind(user.to_string())
        .bind(&key.key)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<Option<&str>, _>("request_fingerprint")? != Some(key.fingerprint.as_str()) {
            return Err(StoreError::IdempotencyMismatch);
        }
        Ok(Some(Written {
            thread_id: parse_id(row.try_get::<&str, _>("thread_id")?)?,
            message_id: parse_id(row.try_get::<&str, _>("id")?)?,
            replayed: true,
        }))
    }

    /// A message as number `seq` of its thread, its body sealed.
    #[expect(clippy::too_many_arguments, reason = "one column each; a struct would only rename them")]
    fn message_row(
        keys: &Keyring,
        id: MessageId,
        thread: ThreadId,
        author: UserId,
        body: &str,
        internal: bool,
        now: DateTime<Utc>,
        seq: i64,
        key: Option<&Idempotency>,
        reply: (bool, Option<f64>),
    ) -> StoreResult<MessageRow> {
        let id = id.to_string();
        let key_id = keys.active();
        let body = keys.seal_text_with(key_id, Slot { table: "messages", column: "body", row: &id }, body)?;
        Ok(MessageRow {
            id,
            thread_id: thread.to_string(),
            author_id: author.to_string(),
            body,
            internal,
            sent_at: ms(now),
            seq,
            idempotency_key: key.map(|k| k.key.clone()),
            request_fingerprint: key.map(|k| k.fingerprint.clone()),
            key_id,
            ai_assisted: reply.0,
            reading_grade: reply.1,
        })
    }

    /// The rows a new message adds as number `seq` of its thread: the
    /// message, its triage result and its audit entries.
    fn message_rows(keys: &Keyring, new: &NewMessage, id: MessageId, seq: i64) -> StoreResult<MessageRows> {
        let body = new.body.as_ref().map_or("", MessageBody::as_str);
        let (thread, key) = (new.thread_id, new.idempotency.as_ref());
        let reply = (new.draft.is_some(), new.reading_grade);
        Ok(MessageRows {
            message: Self::message_row(keys, id, thread, new.author_id, body, new.internal, new.now, seq, key, reply)?,
            triage: new.triage.as_ref().map(|t| Self::triage_row(keys, thread, Some(id), t, new.now)).transpose()?,
            audit: with_target(&new.audit, "message", &id.to_string()),
        })
    }

    /// Inserts a message row now or, with `later`, with the rest of its batch.
    async fn insert_message(conn: &mut Conn, row: MessageRow, later: Option<&mut Deferred>) -> StoreResult<()> {
        match later {
            Some(deferred) => {
                deferred.messages.push(row);
                Ok(())
            }
            None => insert_messages(conn, &[row]).await,
        }
    }

    /// A triage result, its reasons sealed.
    fn triage_row(
        keys: &Keyring,
        thread: ThreadId,
        message: Option<MessageId>,
        triage: &TriageRecord,
        now: DateTime<Utc>,
    ) -> StoreResult<TriageRow> {
        let reasons = serde_json::to_string(&triage.reasons).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id = new_id().to_string();
        let key_id = keys.active();
        let reasons = keys.seal_text_with(key_id, Slot { table: "triage_results", column: "reasons", row: &id }, &reasons)?;
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

    /// Inserts a triage result now or, with `later`, with the rest of its batch.
    async fn insert_triage(conn: &mut Conn, row: TriageRow, later: Option<&mut Deferred>) -> StoreResult<()> {
        match later {
            Some(deferred) => {
                deferred.triage.push(row);
                Ok(())
            }
            None => insert_triage_rows(conn, &[row]).await,
        }
    }

    async fn fetch_summaries(&self, sql: &str, viewer: UserId, now: DateTime<Utc>, binds: Vec<Bind>) -> StoreResult<Vec<ThreadSummary>> {
        let mut query = sqlx::query(sql).bind(viewer.to_string()).bind(ms(now));
        for b in binds {
            query = match b {
                Bind::Text(s) => query.bind(s),
                Bind::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(&self.read).await?;
        self.decode(|keys| rows.iter().map(|r| summary_from_row(r, keys)).collect()).await
    }

    /// Messages of a thread (or just `only`), oldest first, with authors,
    /// attachments and read receipts, in three queries however long the thread.
    async fn message_views(&self, id: ThreadId, only: Option<MessageId>, include_internal: bool) -> StoreResult<Vec<MessageView>> {
        let internal_only = if include_internal { "" } else { "AND m.internal = FALSE" };
        let one = if only.is_some() { "AND m.id = $2" } else { "AND $2 = $2" };
        let internal = format!("{internal_only} {one}");
        let only_id = only.map_or_else(String::new, |m| m.to_string());
        let rows = sqlx::query(&format!(
            "SELECT m.id, m.author_id, m.body, m.internal, m.sent_at, m.key_id, m.ai_assisted, u.display_name, u.role \
             FROM messages m JOIN users u ON u.id = m.author_id WHERE m.thread_id = $1 {internal} \
             ORDER BY m.seq"
        ))
        .bind(id.to_string())
        .bind(&only_id)
        .fetch_all(&self.read)
        .await?;
        let attachment_rows = sqlx::query(&format!(
            "SELECT a.id, a.message_id, a.thread_id, a.uploader_id, a.media_type, a.file_name, a.size_bytes, a.created_at, \
             a.key_id FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.thread_id = $1 {internal} ORDER BY a.id"
        ))
        .bind(id.to_string())
        .bind(&only_id)
        .fetch_all(&self.read)
        .await?;
        let read_rows = sqlx::query(&format!(
            "SELECT r.message_id, r.reader_id, r.read_at, u.display_name, u.role FROM message_reads r \
             JOIN messages m ON m.id = r.message_id JOIN users u ON u.id = r.reader_id \
             WHERE m.thread_id = $1 {internal} ORDER BY r.read_at, r.reader_id"
        ))
        .bind(id.to_string())
        .bind(&only_id)
        .fetch_all(&self.read)
        .await?;
        self.decode(|keys| Self::assemble_views(id, &rows, &attachment_rows, &read_rows, keys)).await
    }

    fn assemble_views(
        id: ThreadId,
        rows: &[DbRow],
        attachment_rows: &[DbRow],
        read_rows: &[DbRow],
        keys: &Keyring,
    ) -> StoreResult<Vec<MessageView>> {
        let mut attachments: HashMap<MessageId, Vec<Attachment>> = HashMap::new();
        for row in attachment_rows {
            let a = attachment_from_row(row, keys)?;
            attachments.entry(a.message_id).or_default().push(a);
        }
        let mut reads: HashMap<MessageId, Vec<(PersonRef, DateTime<Utc>)>> = HashMap::new();
        for row in read_rows {
            let reader = person(parse_id(row.try_get::<&str, _>("reader_id")?)?, row.try_get("display_name")?, row.try_get("role")?)?;
            reads
                .entry(parse_id(row.try_get::<&str, _>("message_id")?)?)
                .or_default()
                .push((reader, at(row.try_get("read_at")?)?));
        }
        rows.iter()
            .map(|row| {
                let message_id: &str = row.try_get("id")?;
                let slot = Slot { table: "messages", column: "body", row: message_id };
                let body = keys.open_text(row.try_get("key_id")?, slot, row.try_get("body")?)?;
                let message = Message {
                    id: parse_id(message_id)?,
                    thread_id: id,
                    author_id: parse_id(row.try_get::<&str, _>("author_id")?)?,
                    body: MessageBody::from_trusted(body),
                    internal: row.try_get("internal")?,
                    sent_at: at(row.try_get("sent_at")?)?,
                };
                let author = person(message.author_id, row.try_get("display_name")?, row.try_get("role")?)?;
                Ok(MessageView {
                    attachments: attachments.remove(&message.id).unwrap_or_default(),
                    read_by: reads.remove(&message.id).unwrap_or_default(),
                    ai_assisted: row.try_get("ai_assisted")?,
                    message,
                    author,
                })
            })
            .collect()
    }

    /// Runs one acknowledged write inside the caller's transaction. Its
    /// rows are inserted now, or, with `deferred`, those nothing else refers
    /// to are collected there for the caller to insert before the same
    /// transaction commits.
    async fn run_job(
        conn: &mut Conn,
        keys: &Keyring,
        job: &WriteJob,
        deferred: Option<&mut Deferred>,
    ) -> StoreResult<JobOutcome> {
        match job {
            WriteJob::Thread(new) => Self::write_thread(conn, keys, new, deferred).await,
            WriteJob::Message(new) => Self::write_message(conn, keys, new, deferred).await,
            WriteJob::Audit(events) => {
                audit_now_or_later(conn, keys, events.clone(), deferred).await?;
                // Audit jobs create no thread or message; the ids are unused.
                let none = Written { thread_id: ThreadId::from_uuid(Uuid::nil()), message_id: MessageId::from_uuid(Uuid::nil()), replayed: false };
                Ok(JobOutcome { written: none, event: None })
            }
        }
    }

    async fn write_thread(
        conn: &mut Conn,
        keys: &Keyring,
        new: &NewThread,
        mut deferred: Option<&mut Deferred>,
    ) -> StoreResult<JobOutcome> {
        if let Some(key) = &new.idempotency
            && let Some(previous) = Self::find_key(conn, new.author_id, key).await?
        {
            return Ok(JobOutcome { written: previous, event: None });
        }
        let pool_id: Option<String> = match &new.pool_slug {
            Some(slug) => sqlx::query_scalar("SELECT id FROM pools WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&mut *conn)
                .await?,
            None => None,
        };
        let written = Written {
            thread_id: ThreadId::from_uuid(new_id()),
            message_id: MessageId::from_uuid(new_id()),
            replayed: false,
        };
        let thread_text = written.thread_id.to_string();
        let key_id = keys.active();
        let subject =
            keys.seal_text_with(key_id, Slot { table: "threads", column: "subject", row: &thread_text }, new.subject.as_str())?;
        sqlx::query(
            "INSERT INTO threads (id, patient_id, subject, category, urgency, urgency_rank, status, replies_allowed, \
             pool_id, assignee_id, confidential, created_by, created_at, updated_at, message_count, key_id, awaiting_since) \
             VALUES ($1, $2, $3, $4, $5, $6, $12, TRUE, $7, $8, $9, $10, $11, $11, 1, $13, \
             CASE WHEN $12 = 'open' THEN $11 ELSE NULL END)",
        )
        .bind(&thread_text)
        .bind(new.patient_id.to_string())
        .bind(subject)
        .bind(new.category.as_str())
        .bind(new.urgency.as_str())
        .bind(new.urgency.rank())
        .bind(pool_id)
        .bind(new.assignee_id.map(|a| a.to_string()))
        .bind(new.confidential)
        .bind(new.author_id.to_string())
        .bind(ms(new.now))
        .bind(new.status.as_str())
        .bind(key_id)
        .execute(&mut *conn)
        .await?;
        let (id, thread) = (written.message_id, written.thread_id);
        let key = new.idempotency.as_ref();
        let row = Self::message_row(keys, id, thread, new.author_id, new.body.as_str(), false, new.now, 1, key, (false, None))?;
        Self::insert_message(conn, row, deferred.as_deref_mut()).await?;
        let row = Self::triage_row(keys, written.thread_id, Some(written.message_id), &new.triage, new.now)?;
        Self::insert_triage(conn, row, deferred.as_deref_mut()).await?;
        let audit = with_target(&new.audit, "thread", &thread_text);
        audit_now_or_later(conn, keys, audit, deferred).await?;
        let event = ThreadEvent {
            kind: EventKind::ThreadCreated,
            thread_id: written.thread_id,
            message_id: Some(written.message_id),
            internal: false,
            alert: new.urgency == Urgency::Emergency,
            at: new.now,
        };
        Ok(JobOutcome { written, event: Some(event) })
    }

    async fn write_message(
        conn: &mut Conn,
        keys: &Keyring,
        new: &NewMessage,
        mut deferred: Option<&mut Deferred>,
    ) -> StoreResult<JobOutcome> {
        if let Some(key) = &new.idempotency
            && let Some(previous) = Self::find_key(conn, new.author_id, key).await?
        {
            return Ok(JobOutcome { written: previous, event: None });
        }
        let written = Written { thread_id: new.thread_id, message_id: MessageId::from_uuid(new_id()), replayed: false };
        let advance = bind_advance(sqlx::query(ADVANCE_THREAD), new);
        let seq: Option<i64> = advance.fetch_optional(&mut *conn).await?.map(|row| row.try_get(0)).transpose()?;
        let seq = seq.ok_or(StoreError::Missing("thread"))?;
        let rows = Self::message_rows(keys, new, written.message_id, seq)?;
        // A message an attachment or a used draft points at is inserted at once.
        let later = if new.draft.is_none() && new.attachments.is_empty() { deferred.as_deref_mut() } else { None };
        Self::insert_message(conn, rows.message, later).await?;
        if let Some(used) = &new.draft {
            Self::use_draft(conn, new.thread_id, written.message_id, used, new.now).await?;
        }
        for file in &new.attachments {
            let sha = format!("{:x}", Sha256::digest(&file.bytes));
            let attachment_id = new_id().to_string();
            let key_id = keys.active();
            let slot = |column| Slot { table: "attachments", column, row: &attachment_id };
            let file_name = keys.seal_text_with(key_id, slot("file_name"), file.file_name.as_str())?;
            let content = keys.seal_bytes_with(key_id, slot("content"), &file.bytes)?;
            sqlx::query(
                "INSERT INTO attachments (id, message_id, thread_id, uploader_id, media_type, file_name, size_bytes, \
                 sha256, content, created_at, key_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&attachment_id)
            .bind(written.message_id.to_string())
            .bind(new.thread_id.to_string())
            .bind(new.author_id.to_string())
            .bind(file.media_type.mime())
            .bind(file_name)
            .bind(i64::try_from(file.bytes.len()).unwrap_or(i64::MAX))
            .bind(sha)
            .bind(content)
            .bind(ms(new.now))
            .bind(key_id)
            .execute(&mut *conn)
            .await?;
        }
        if let Some(row) = rows.triage {
            Self::insert_triage(conn, row, deferred.as_deref_mut()).await?;
        }
        audit_now_or_later(conn, keys, rows.audit, deferred).await?;
        Ok(JobOutcome { written, event: Some(message_event(new, written.message_id)) })
    }
}

#[async_trait]
impl Store for Backend {
    fn backend(&self) -> &'static str {
        BACKEND_NAME
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn create_user(&self, user: &NewUser, password_hash: &str, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<User> {
        let id = UserId::from_uuid(new_id());
        let mut tx = self.write.begin().await?;
        let result = sqlx::query(
            "INSERT INTO users (id, username, display_name, role, date_of_birth, language, password_hash, disabled, created_at, mrn) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8, $9)",
        )
        .bind(id.to_string())
        .bind(user.username.as_str())
        .bind(user.display_name.as_str())
        .bind(user.role.as_str())
        .bind(user.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind(user.language.as_str())
        .bind(password_hash)
        .bind(ms(now))
        .bind(user.mrn.as_ref().map(carethread_core::user::Mrn::as_str))
        .execute(&mut *tx)
        .await;
        naming_conflict(result, "username or record number")?;
        append_audit(&mut tx, &self.keys, &with_target(std::slice::from_ref(audit), "user", &id.to_string())).await?;
        tx.commit().await?;
        Ok(User {
            id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
            date_of_birth: user.date_of_birth,
            language: user.language,
            disabled: false,
            mrn: user.mrn.clone(),
        })
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_credentials(&self, username: &Username) -> StoreResult<Option<(User, String)>> {
        let row = sqlx::query(&format!("SELECT {USER_COLS}, u.password_hash FROM users u WHERE u.username = $1"))
            .bind(username.as_str())
            .fetch_optional(&self.read)
            .await?;
        match row {
            Some(row) => Ok(Some((user_from_row(&row)?, row.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        let rows = sqlx::query(&format!("SELECT {USER_COLS} FROM users u ORDER BY u.username"))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn set_user_disabled(&self, username: &Username, disabled: bool, audit: &AuditEvent) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query("UPDATE users SET disabled = $2 WHERE username = $1 RETURNING id")
            .bind(username.as_str())
            .bind(disabled)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(row.try_get::<&str, _>("id")?)
                .execute(&mut *tx)
                .await?;
        }
        let target = with_target(std::slice::from_ref(audit), "user", row.try_get::<&str, _>("id")?);
        append_audit(&mut tx, &self.keys, &target).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_care_team_member(&self, patient_id: UserId, staff_id: UserId, member: bool, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        let sql = if member {
            "INSERT INTO care_team_members (patient_id, staff_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM care_team_members WHERE patient_id = $1 AND staff_id = $2"
        };
        sqlx::query(sql).bind(patient_id.to_string()).bind(staff_id.to_string()).execute(&mut *tx).await?;
        append_audit(&mut tx, &self.keys, &with_target(std::slice::from_ref(audit), "user", &staff_id.to_string())).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_pool(&self, slug: &str, name: &str, audit: &AuditEvent) -> StoreResult<PoolRef> {
        let id = PoolId::from_uuid(new_id());
        let mut tx = self.write.begin().await?;
        let result = sqlx::query("INSERT INTO pools (id, slug, name) VALUES ($1, $2, $3)")
            .bind(id.to_string())
            .bind(slug)
            .bind(name)
            .execute(&mut *tx)
            .await;
        naming_conflict(result, "pool")?;
        append_audit(&mut tx, &self.keys, &with_target(std::slice::from_ref(audit), "pool", &id.to_string())).await?;
        tx.commit().await?;
        Ok(PoolRef { id, slug: slug.to_owned(), name: name.to_owned() })
    }

    async fn set_pool_member(&self, pool_id: PoolId, user_id: UserId, member: bool, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        let sql = if member {
            "INSERT INTO pool_members (pool_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM pool_members WHERE pool_id = $1 AND user_id = $2"
        };
        sqlx::query(sql).bind(pool_id.to_string()).bind(user_id.to_string()).execute(&mut *tx).await?;
        append_audit(&mut tx, &self.keys, &with_target(std::slice::from_ref(audit), "pool", &pool_id.to_string())).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn pools(&self) -> StoreResult<Vec<PoolRef>> {
        let rows = sqlx::query("SELECT id, slug, name FROM pools ORDER BY name").fetch_all(&self.read).await?;
        rows.iter().map(pool_from_row).collect()
    }

    async fn pool_by_slug(&self, slug: &str) -> StoreResult<Option<PoolRef>> {
        let row = sqlx::query("SELECT id, slug, name FROM pools WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(pool_from_row).transpose()
    }

    async fn pool(&self, id: PoolId) -> StoreResult<Option<PoolRef>> {
        let row = sqlx::query("SELECT id, slug, name FROM pools WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(pool_from_row).transpose()
    }

    async fn grant_proxy(&self, grant: &ProxyGrant, created_by: UserId, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<Uuid> {
        self.insert_grant(grant, created_by, now, audit).await
    }

    async fn proxy_patients(&self, proxy_id: UserId, now: DateTime<Utc>) -> StoreResult<Vec<PersonRef>> {
        let rows = sqlx::query(
            "SELECT DISTINCT u.id, u.display_name, u.role FROM proxy_grants g JOIN users u ON u.id = g.patient_id \
             WHERE g.proxy_id = $1 AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > $2) \
             ORDER BY u.display_name",
        )
        .bind(proxy_id.to_string())
        .bind(ms(now))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| person(parse_id(r.try_get::<&str, _>("id")?)?, r.try_get("display_name")?, r.try_get("role")?))
            .collect()
    }

    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()> {
        let mut conn = self.write.acquire().await?;
        insert_session(&mut conn, session).await
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<(SessionRecord, User)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLS}, s.token_hash, s.created_at, s.last_seen_at, s.expires_at, s.mfa_passed, u.mfa_enabled \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        let session = SessionRecord {
            token_hash: row.try_get("token_hash")?,
            user_id: user.id,
            created_at: at(row.try_get("created_at")?)?,
            last_seen_at: at(row.try_get("last_seen_at")?)?,
            expires_at: at(row.try_get("expires_at")?)?,
            mfa_enabled: row.try_get("mfa_enabled")?,
            mfa_passed: row.try_get("mfa_passed")?,
        };
        Ok(Some((session, user)))
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(ms(now))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn patient_facts(&self, actor: Actor, patient_id: UserId) -> StoreResult<Option<PatientFacts>> {
        let row = sqlx::query(
            "SELECT u.role, EXISTS (SELECT 1 FROM care_team_members c WHERE c.patient_id = u.id AND c.staff_id = $2) AS on_care_team \
             FROM users u WHERE u.id = $1 AND u.disabled = FALSE",
        )
        .bind(patient_id.to_string())
        .bind(actor.id.to_string())
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<&str, _>("role")? != Role::Patient.as_str() {
            return Ok(None);
        }
        let proxy_grant = if actor.role == Role::Proxy {
            self.active_grant(actor.id, patient_id, Utc::now()).await?
        } else {
            None
        };
        Ok(Some(PatientFacts { patient_id, on_care_team: row.try_get("on_care_team")?, proxy_grant }))
    }

    async fn thread_facts(&self, actor: Actor, id: ThreadId, now: DateTime<Utc>) -> StoreResult<Option<(Thread, ThreadFacts)>> {
        let row = sqlx::query(&format!(
            "SELECT {THREAD_COLS}, \
             EXISTS (SELECT 1 FROM care_team_members c WHERE c.patient_id = t.patient_id AND c.staff_id = $2) AS on_care_team, \
             EXISTS (SELECT 1 FROM pool_members pm WHERE pm.pool_id = t.pool_id AND pm.user_id = $2) AS in_pool, \
             EXISTS (SELECT 1 FROM emergency_access e WHERE e.user_id = $2 AND e.patient_id = t.patient_id \
                 AND e.expires_at > $3) AS emergency_access \
             FROM threads t WHERE t.id = $1"
        ))
        .bind(id.to_string())
        .bind(actor.id.to_string())
        .bind(ms(now))
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let thread = self.decode(|keys| thread_from_row(&row, keys)).await?;
        let proxy_grant = if actor.role == Role::Proxy {
            self.active_grant(actor.id, thread.patient_id, now).await?
        } else {
            None
        };
        let facts = ThreadFacts {
            patient_id: Some(thread.patient_id),
            confidential: thread.confidential,
            on_care_team: row.try_get("on_care_team")?,
            in_thread_pool: row.try_get("in_pool")?,
            is_assignee: thread.assignee_id == Some(actor.id),
            emergency_access: row.try_get("emergency_access")?,
            proxy_grant,
        };
        Ok(Some((thread, facts)))
    }

    async fn create_thread(&self, new: NewThread) -> StoreResult<Written> {
        self.submit(WriteJob::Thread(new)).await
    }

    async fn add_message(&self, new: NewMessage) -> StoreResult<Written> {
        self.submit(WriteJob::Message(new)).await
    }

    async fn update_thread(
        &self,
        id: ThreadId,
        patch: &ThreadPatch,
        now: DateTime<Utc>,
        audit: &[AuditEvent],
    ) -> StoreResult<Thread> {
        let mut sets = vec!["updated_at = $2".to_owned()];
        let mut binds: Vec<Option<Bind>> = Vec::new();
        let mut next = 3;
        let mut push = |column: &str, value: Option<Bind>, sets: &mut Vec<String>| {
            sets.push(format!("{column} = ${next}"));
            binds.push(value);
            next += 1;
        };
        if let Some(status) = patch.status {
            // Reopening starts the wait now; any other status ends it.
            let waiting = if status == ThreadStatus::Open { "COALESCE(awaiting_since, $2)" } else { "NULL" };
            sets.push(format!("awaiting_since = {waiting}"));
            push("status", Some(Bind::Text(status.as_str().to_owned())), &mut sets);
        }
        if let Some(pool) = patch.pool_id {
            push("pool_id", pool.map(|p| Bind::Text(p.to_string())), &mut sets);
        }
        if let Some(assignee) = patch.assignee_id {
            push("assignee_id", assignee.map(|a| Bind::Text(a.to_string())), &mut sets);
        }
        let replies = patch.replies_allowed;
        let replies_sql = replies.map(|_| format!(", replies_allowed = ${next}")).unwrap_or_default();
        let confidential = patch.confidential;
        let next_flag = next + usize::from(replies.is_some());
        let confidential_sql = confidential.map(|_| format!(", confidential = ${next_flag}")).unwrap_or_default();
        let returning = THREAD_COLS.replace("t.", "");
        let sql = format!(
            "UPDATE threads SET {}{replies_sql}{confidential_sql} WHERE id = $1 RETURNING {returning}",
            sets.join(", ")
        );
        let mut tx = self.write.begin().await?;
        let mut query = sqlx::query(&sql).bind(id.to_string()).bind(ms(now));
        for b in binds {
            query = match b {
                Some(Bind::Text(s)) => query.bind(Some(s)),
                Some(Bind::Int(i)) => query.bind(Some(i)),
                None => query.bind(None::<String>),
            };
        }
        if let Some(r) = replies {
            query = query.bind(r);
        }
        if let Some(c) = confidential {
            query = query.bind(c);
        }
        let row = query.fetch_optional(&mut *tx).await?.ok_or(StoreError::Missing("thread"))?;
        let thread = thread_from_row(&row, &self.keys)?;
        append_audit(&mut tx, &self.keys, &with_target(audit, "thread", &id.to_string())).await?;
        let event = ThreadEvent { kind: EventKind::ThreadUpdated, thread_id: id, message_id: None, internal: false, alert: false, at: now };
        self.notify_in_tx(&mut tx, &event).await?;
        tx.commit().await?;
        self.publish(event);
        Ok(thread)
    }

    async fn list_threads(&self, actor: Actor, filter: &ThreadFilter, now: DateTime<Utc>) -> StoreResult<Vec<ThreadSummary>> {
        let mut clauses = vec![format!("({})", visible_threads(actor.role))];
        let mut binds = Vec::new();
        let mut next = 3;
        let mut add = |clause: String, value: Bind, clauses: &mut Vec<String>, binds: &mut Vec<Bind>| {
            clauses.push(clause.replace("$?", &format!("${next}")));
            binds.push(value);
            next += 1;
        };
        if let Some(status) = filter.status {
            add("t.status = $?".into(), Bind::Text(status.as_str().into()), &mut clauses, &mut binds);
        }
        if let Some(pool) = filter.pool {
            add("t.pool_id = $?".into(), Bind::Text(pool.to_string()), &mut clauses, &mut binds);
        }
        if let Some(assignee) = filter.assignee {
            add("t.assignee_id = $?".into(), Bind::Text(assignee.to_string()), &mut clauses, &mut binds);
        }
        if let Some(patient) = filter.patient {
            add("t.patient_id = $?".into(), Bind::Text(patient.to_string()), &mut clauses, &mut binds);
        }
        if let Some(urgency) = filter.urgency {
            add("t.urgency_rank = $?".into(), Bind::Int(urgency.rank()), &mut clauses, &mut binds);
        }
        let wait = wait_key_sql();
        if let Some(cursor) = filter.after {
            let (x, y, z) = (next, next + 1, next + 2);
            if filter.emergencies_first {
                clauses.push(format!(
                    "(t.urgency_rank > ${x} OR (t.urgency_rank = ${x} AND ({wait} > ${y} OR ({wait} = ${y} AND t.id > ${z}))))"
                ));
                binds.extend([Bind::Int(cursor.urgency_rank), Bind::Int(cursor.wait_key), Bind::Text(cursor.id.to_string())]);
                next += 3;
            } else {
                clauses.push(format!("(t.updated_at < ${x} OR (t.updated_at = ${x} AND t.id < ${y}))"));
                binds.extend([Bind::Int(cursor.updated_at_ms), Bind::Text(cursor.id.to_string())]);
                next += 2;
            }
        }
        let order = if filter.emergencies_first {
            format!("t.urgency_rank ASC, {wait} ASC, t.id ASC")
        } else {
            "t.updated_at DESC, t.id DESC".to_owned()
        };
        let sql = format!(
            "{} ORDER BY {order} LIMIT ${next}",
            summary_select(actor.role.is_staff(), &clauses.join(" AND "))
        );
        binds.push(Bind::Int(i64::from(filter.limit)));
        self.fetch_summaries(&sql, actor.id, now, binds).await
    }

    async fn thread_summary(&self, actor: Actor, id: ThreadId) -> StoreResult<Option<ThreadSummary>> {
        let sql = summary_select(actor.role.is_staff(), "t.id = $3 AND $2 = $2");
        let mut rows = self.fetch_summaries(&sql, actor.id, Utc::now(), vec![Bind::Text(id.to_string())]).await?;
        Ok(rows.pop())
    }

    async fn latest_triage(&self, id: ThreadId) -> StoreResult<Option<(TriageRecord, DateTime<Utc>)>> {
        let row = sqlx::query(
            "SELECT id, urgency, category, pool_slug, confidence, reasons, model_id, model_version, needs_review, \
             overridden_by, created_at, key_id FROM triage_results \
             WHERE thread_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let record = self.decode(|keys| triage_from_row(&row, keys)).await?;
        Ok(Some((record, at(row.try_get("created_at")?)?)))
    }

    async fn triage_settings(&self) -> StoreResult<TriageSettings> {
        self.read_triage_settings().await
    }

    async fn update_triage_settings(
        &self,
        classifier_enabled: Option<bool>,
        routes: &[(String, PoolId)],
        by: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<TriageSettings> {
        self.write_triage_settings(classifier_enabled, routes, by, now, audit).await
    }

    async fn override_triage(&self, change: &TriageOverride) -> StoreResult<Thread> {
        self.write_triage_override(change).await
    }

    async fn triage_stats(&self) -> StoreResult<TriageStats> {
        self.read_triage_stats().await
    }


    async fn messages(&self, id: ThreadId, include_internal: bool) -> StoreResult<Vec<MessageView>> {
        self.message_views(id, None, include_internal).await
    }

    async fn message(&self, thread: ThreadId, id: MessageId, include_internal: bool) -> StoreResult<Option<MessageView>> {
        Ok(self.message_views(thread, Some(id), include_internal).await?.pop())
    }

    async fn first_read_among(
        &self,
        id: ThreadId,
        readers: &[UserId],
        since: DateTime<Utc>,
    ) -> StoreResult<Option<(PersonRef, DateTime<Utc>)>> {
        self.read_first_among(id, readers, since).await
    }

    async fn mark_read(&self, id: ThreadId, reader: UserId, include_internal: bool, now: DateTime<Utc>) -> StoreResult<u64> {
        const LAST_SEQ: &str =
            "COALESCE((SELECT r.last_seq FROM thread_reads r WHERE r.thread_id = $1 AND r.reader_id = $2), 0)";
        // Check on a reader first, so that opening an already-read thread
        // never waits for the writer.
        let behind: Option<i64> =
            sqlx::query_scalar(&format!("SELECT t.message_count - {LAST_SEQ} FROM threads t WHERE t.id = $1"))
                .bind(id.to_string())
                .bind(reader.to_string())
                .fetch_optional(&self.read)
                .await?;
        if behind.unwrap_or(0) <= 0 {
            return Ok(0);
        }
        let internal = if include_internal { "" } else { "AND m.internal = FALSE" };
        let mut tx = self.write.begin().await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO message_reads (message_id, reader_id, read_at) \
             SELECT m.id, $2, $3 FROM messages m WHERE m.thread_id = $1 AND m.author_id <> $2 {internal} \
             AND m.seq > {LAST_SEQ} ON CONFLICT DO NOTHING"
        ))
        .bind(id.to_string())
        .bind(reader.to_string())
        .bind(ms(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "INSERT INTO thread_reads (thread_id, reader_id, last_seq) \
             SELECT t.id, $2, t.message_count FROM threads t WHERE t.id = $1 \
             ON CONFLICT (thread_id, reader_id) DO UPDATE SET last_seq = excluded.last_seq",
        )
        .bind(id.to_string())
        .bind(reader.to_string())
        .execute(&mut *tx)
        .await?;
        let event = ThreadEvent { kind: EventKind::ThreadRead, thread_id: id, message_id: None, internal: false, alert: false, at: now };
        if inserted > 0 {
            self.notify_in_tx(&mut tx, &event).await?;
        }
        tx.commit().await?;
        if inserted > 0 {
            self.publish(event);
        }
        Ok(inserted)
    }

    async fn attachment(&self, thread: ThreadId, id: AttachmentId, include_internal: bool) -> StoreResult<Option<(AttachmentView, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT a.id, a.message_id, a.thread_id, a.uploader_id, a.media_type, a.file_name, a.size_bytes, a.created_at, \
             a.content, a.key_id, m.internal FROM attachments a JOIN messages m ON m.id = a.message_id \
             WHERE a.id = $1 AND a.thread_id = $2",
        )
        .bind(id.to_string())
        .bind(thread.to_string())
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let internal: bool = row.try_get("internal")?;
        if internal && !include_internal {
            return Ok(None);
        }
        self.decode(|keys| {
            let attachment = attachment_from_row(&row, keys)?;
            let row_id = attachment.id.to_string();
            let slot = Slot { table: "attachments", column: "content", row: &row_id };
            let content = keys.open(row.try_get("key_id")?, slot, row.try_get("content")?)?;
            Ok(Some((AttachmentView { attachment, internal }, content)))
        })
        .await
    }

    async fn proxy_grants(&self, patient: Option<UserId>, proxy: Option<UserId>) -> StoreResult<Vec<crate::GrantRecord>> {
        self.read_grants(patient, proxy).await
    }

    async fn revoke_grant(&self, id: Uuid, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<bool> {
        self.write_revoke_grant(id, now, audit).await
    }

    async fn login_state(&self, user: UserId) -> StoreResult<Option<crate::LoginState>> {
        self.read_login_state(user).await
    }

    async fn record_login_failure(
        &self,
        user: UserId,
        lock: &(dyn Fn(i64) -> Option<DateTime<Utc>> + Sync),
        audit: &AuditEvent,
    ) -> StoreResult<crate::LoginState> {
        self.write_login_failure(user, lock, audit).await
    }

    async fn record_login_success(&self, session: &SessionRecord, audit: &AuditEvent) -> StoreResult<bool> {
        self.write_login_success(session, audit).await
    }

    async fn end_sessions(&self, user: UserId, only: Option<&str>, audit: &AuditEvent) -> StoreResult<u64> {
        self.write_end_sessions(user, only, audit).await
    }

    async fn mfa(&self, user: UserId) -> StoreResult<Option<crate::MfaRecord>> {
        self.read_mfa(user).await
    }

    async fn set_mfa_secret(&self, user: UserId, secret: &[u8], audit: &AuditEvent) -> StoreResult<()> {
        self.write_mfa_secret(user, secret, audit).await
    }

    async fn set_mfa_enabled(
        &self,
        user: UserId,
        enabled: bool,
        recovery_hashes: &[String],
        keep_session: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.write_mfa_enabled(user, enabled, recovery_hashes, keep_session, audit).await
    }

    async fn accept_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool> {
        self.write_totp_step(user, step).await
    }

    async fn use_recovery_code(&self, user: UserId, hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        self.write_use_recovery_code(user, hash, now).await
    }

    async fn open_emergency_access(
        &self,
        user: UserId,
        patient: UserId,
        reason: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.write_emergency_access(user, patient, reason, now, expires_at, audit).await
    }

    async fn record_audit(&self, events: Vec<AuditEvent>) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        self.submit(WriteJob::Audit(events)).await.map(|_| ())
    }

    async fn audit_entries(&self, query: &crate::AuditQuery) -> StoreResult<Vec<crate::AuditRecord>> {
        self.read_audit(query).await
    }

    async fn verify_audit(&self) -> StoreResult<crate::AuditVerification> {
        self.check_audit_chain().await
    }

    async fn rewrap_keys(&self, next: &crate::MasterKey) -> StoreResult<u64> {
        self.write_rewrap(next).await
    }

    async fn rotate_data_key(&self) -> StoreResult<crate::RotationReport> {
        self.write_rotation().await
    }

    async fn create_draft(&self, new: &crate::NewDraft) -> StoreResult<Uuid> {
        self.insert_draft(new).await
    }

    async fn draft(&self, thread: ThreadId, id: Uuid) -> StoreResult<Option<crate::DraftRecord>> {
        self.read_draft(thread, id).await
    }

    async fn update_user(&self, id: UserId, change: &crate::UserChange, audit: &AuditEvent) -> StoreResult<bool> {
        self.write_user_change(id, change, audit).await
    }

    async fn care_teams(&self) -> StoreResult<Vec<(UserId, PersonRef)>> {
        self.read_care_teams().await
    }

    async fn pool_members(&self) -> StoreResult<Vec<(PoolId, PersonRef)>> {
        self.read_pool_members().await
    }

    async fn clinic_profile(&self) -> StoreResult<Option<carethread_core::profile::ClinicProfile>> {
        self.read_clinic_profile().await
    }

    async fn set_clinic_profile(
        &self,
        profile: &carethread_core::profile::ClinicProfile,
        by: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.write_clinic_profile(profile, by, now, audit).await
    }

    async fn ai_settings(&self) -> StoreResult<crate::AiSettings> {
        self.read_ai_settings().await
    }

    async fn update_ai_settings(&self, settings: crate::AiSettings, by: UserId, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<()> {
        self.write_ai_settings(settings, by, now, audit).await
    }

    async fn reply_templates(&self) -> StoreResult<Vec<(String, String, String)>> {
        self.read_reply_templates().await
    }

    async fn set_reply_template(
        &self,
        situation: &str,
        language: &str,
        body: Option<&str>,
        by: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.write_reply_template(situation, language, body, by, now, audit).await
    }

    async fn quick_replies(&self, user: UserId) -> StoreResult<Vec<crate::QuickReply>> {
        self.read_quick_replies(user).await
    }

    async fn create_quick_reply(
        &self,
        owner: Option<UserId>,
        code: &str,
        body: &str,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<crate::QuickReply> {
        self.insert_quick_reply(owner, code, body, now, audit).await
    }

    async fn delete_quick_reply(&self, id: Uuid, owner: Option<UserId>, audit: &AuditEvent) -> StoreResult<bool> {
        self.remove_quick_reply(id, owner, audit).await
    }

    async fn ai_report(&self) -> StoreResult<crate::AiReport> {
        self.read_ai_report().await
    }

    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ThreadEvent> {
        self.events.subscribe()
    }
}
