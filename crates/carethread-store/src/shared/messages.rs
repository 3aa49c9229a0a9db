//! Messages and their files: writing them, reading them as each reader may see
//! them, read receipts, and attachments.

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;

use crate::ReadThread;
use crate::shared::write_jobs::Done;

/// The last message a receipt is left on: `$4`, read before (PostgreSQL), or
/// (NULL) the thread's last message now.
const LAST: &str = "COALESCE($4, (SELECT t.message_count FROM threads t WHERE t.id = $1))";

/// Where a reader's place in a thread stands: the last message they read.
const LAST_SEQ: &str =
    "COALESCE((SELECT r.last_seq FROM thread_reads r WHERE r.thread_id = $1 AND r.reader_id = $2), 0)";

pub(crate) fn attachment_from_row<R: DialectRow>(row: &R, keys: &Keyring) -> StoreResult<Attachment> {
    let id: &str = row.get_v("id")?;
    let slot = Slot { table: "attachments", column: "file_name", row: id };
    let file_name = keys.open_text(row.get_v("key_id")?, slot, row.get_v("file_name")?)?;
    Ok(Attachment {
        id: parse_id(id)?,
        message_id: parse_id(row.get_v::<&str, _>("message_id")?)?,
        thread_id: parse_id(row.get_v::<&str, _>("thread_id")?)?,
        uploader_id: parse_id(row.get_v::<&str, _>("uploader_id")?)?,
        media_type: MediaType::from_mime(row.get_v::<&str, _>("media_type")?)?,
        file_name: FileName::from_trusted(file_name),
        size_bytes: u64::try_from(row.get_v::<i64, _>("size_bytes")?)
            .map_err(|_| StoreError::Corrupt("attachment size".into()))?,
        created_at: at(row.get_v("created_at")?)?,
    })
}

impl<D: Dialect> Sql<D> {
    /// The rows a new message adds as number `seq` of its thread: the
    /// message, its triage result and its audit entries.
    pub(crate) fn message_rows(keys: &Keyring, new: &NewMessage, id: MessageId, seq: i64) -> StoreResult<MessageRows> {
        let body = new.body.as_ref().map_or("", MessageBody::as_str);
        let thread = new.thread_id;
        let message = MessageRow::sealed(keys, MessagePlace { thread, id, seq }, new.author_id, body, new.now)?
            .internal(new.internal)
            .idempotent(new.idempotency.as_ref())
            .reply(new.draft.is_some(), new.reading_grade)
            .answering(new.answered);
        Ok(MessageRows {
            message,
            triage: new.triage.as_ref().map(|t| Self::triage_row(keys, thread, Some(id), t, new.now)).transpose()?,
            audit: with_target(&new.audit, "message", &id.to_string()),
            jobs: new.jobs.iter().map(|job| super::outbox::JobRow::written_with(job, new.now, thread, id)).collect(),
        })
    }

    /// Messages of a thread (or just `only`), oldest first, with authors,
    /// attachments and read receipts, in three queries however long the thread.
    pub(crate) async fn message_views(
        &self,
        id: ThreadId,
        only: Option<MessageId>,
        include_internal: bool,
    ) -> StoreResult<Vec<MessageView>> {
        let internal_only = if include_internal { "" } else { "AND m.internal = FALSE" };
        let one = if only.is_some() { "AND m.id = $2" } else { "AND $2 = $2" };
        let internal = format!("{internal_only} {one}");
        let only_id = only.map_or_else(String::new, |m| m.to_string());
        let rows = sqlx::query::<D>(&format!(
            "SELECT m.id, m.author_id, m.body, m.internal, m.sent_at, m.key_id, m.ai_assisted, u.display_name, u.role \
             FROM messages m JOIN users u ON u.id = m.author_id WHERE m.thread_id = $1 {internal} \
             ORDER BY m.seq"
        ))
        .bind_v(id.to_string())
        .bind_v(&only_id)
        .fetch_all_with(&self.read)
        .await?;
        let attachment_rows = sqlx::query::<D>(&format!(
            "SELECT a.id, a.message_id, a.thread_id, a.uploader_id, a.media_type, a.file_name, a.size_bytes, a.created_at, \
             a.key_id FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.thread_id = $1 {internal} ORDER BY a.id"
        ))
        .bind_v(id.to_string())
        .bind_v(&only_id)
        .fetch_all_with(&self.read)
        .await?;
        let read_rows = sqlx::query::<D>(&format!(
            "SELECT r.message_id, r.reader_id, r.read_at, u.display_name, u.role FROM message_reads r \
             JOIN messages m ON m.id = r.message_id JOIN users u ON u.id = r.reader_id \
             WHERE m.thread_id = $1 {internal} ORDER BY r.read_at, r.reader_id"
        ))
        .bind_v(id.to_string())
        .bind_v(&only_id)
        .fetch_all_with(&self.read)
        .await?;
        self.decode(|keys| Self::assemble_views(id, &rows, &attachment_rows, &read_rows, keys)).await
    }

    pub(crate) fn assemble_views(
        id: ThreadId,
        rows: &[D::Row],
        attachment_rows: &[D::Row],
        read_rows: &[D::Row],
        keys: &Keyring,
    ) -> StoreResult<Vec<MessageView>> {
        let mut attachments: HashMap<MessageId, Vec<Attachment>> = HashMap::new();
        for row in attachment_rows {
            let a = attachment_from_row(row, keys)?;
            attachments.entry(a.message_id).or_default().push(a);
        }
        let mut reads: HashMap<MessageId, Vec<(PersonRef, DateTime<Utc>)>> = HashMap::new();
        for row in read_rows {
            let reader =
                person(parse_id(row.get_v::<&str, _>("reader_id")?)?, row.get_v("display_name")?, row.get_v("role")?)?;
            reads
                .entry(parse_id(row.get_v::<&str, _>("message_id")?)?)
                .or_default()
                .push((reader, at(row.get_v("read_at")?)?));
        }
        rows.iter()
            .map(|row| {
                let message_id: &str = row.get_v("id")?;
                let slot = Slot { table: "messages", column: "body", row: message_id };
                let body = keys.open_text(row.get_v("key_id")?, slot, row.get_v("body")?)?;
                let message = Message {
                    id: parse_id(message_id)?,
                    thread_id: id,
                    author_id: parse_id(row.get_v::<&str, _>("author_id")?)?,
                    body: MessageBody::from_trusted(body),
                    internal: row.get_v("internal")?,
                    sent_at: at(row.get_v("sent_at")?)?,
                };
                let author = person(message.author_id, row.get_v("display_name")?, row.get_v("role")?)?;
                Ok(MessageView {
                    attachments: attachments.remove(&message.id).unwrap_or_default(),
                    read_by: reads.remove(&message.id).unwrap_or_default(),
                    ai_assisted: row.get_v("ai_assisted")?,
                    message,
                    author,
                })
            })
            .collect()
    }

    pub(crate) async fn write_message(
        conn: &mut D::Connection,
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
        let advance = bind_advance(sqlx::query::<D>(ADVANCE_THREAD), new);
        let seq: Option<i64> = advance.fetch_optional_with(&mut *conn).await?.map(|row| row.get_v(0)).transpose()?;
        let seq = seq.ok_or(StoreError::Missing("thread"))?;
        let rows = Self::message_rows(keys, new, written.message_id, seq)?;
        // A message an attachment or a used draft points at is inserted at once.
        let later = if new.draft.is_none() && new.attachments.is_empty() { deferred.as_deref_mut() } else { None };
        Self::insert_now_or_later(conn, rows.message, later.map(|d| &mut d.messages)).await?;
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
            sqlx::query::<D>(
                "INSERT INTO attachments (id, message_id, thread_id, uploader_id, media_type, file_name, size_bytes, \
                 sha256, content, created_at, key_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind_v(&attachment_id)
            .bind_v(written.message_id.to_string())
            .bind_v(new.thread_id.to_string())
            .bind_v(new.author_id.to_string())
            .bind_v(file.media_type.mime())
            .bind_v(file_name)
            .bind_v(i64::try_from(file.bytes.len()).unwrap_or(i64::MAX))
            .bind_v(sha)
            .bind_v(content)
            .bind_v(ms(new.now))
            .bind_v(key_id)
            .execute_with(&mut *conn)
            .await?;
        }
        if let Some(row) = rows.triage {
            Self::insert_now_or_later(conn, row, deferred.as_deref_mut().map(|d| &mut d.triage)).await?;
        }
        match deferred.as_deref_mut() {
            Some(later) => later.jobs.extend(rows.jobs),
            None => Self::insert_rows(conn, &rows.jobs).await?,
        }
        Self::audit_now_or_later(conn, keys, rows.audit, deferred).await?;
        Ok(JobOutcome { written, event: Some(message_event(new, written.message_id)) })
    }
    /// Leaves `read`'s reader a receipt on each message of the thread they
    /// had not read (staff on internal notes too), and moves their place in
    /// the thread to its last message, never back. Both stop at the same
    /// last message: on PostgreSQL, where each statement sees what has
    /// committed by then, it is read first, so a message committed between
    /// the two is left for the next opening rather than passed over without
    /// a receipt; SQLite's one writer lets nothing in between, so there it
    /// is read inside each statement (one round trip fewer).
    pub(crate) async fn write_receipts(
        conn: &mut D::Connection,
        read: &ReadThread,
        audit: &[AuditEvent],
    ) -> StoreResult<Audited<Done>> {
        let ReadThread { thread: id, reader, include_internal, now } = *read;
        let last = if D::ONE_WRITER {
            None
        } else {
            let last: Option<i64> = sqlx::query::<D>("SELECT message_count FROM threads WHERE id = $1")
                .bind_v(id.to_string())
                .fetch_optional_scalar_with(&mut *conn)
                .await?;
            Some(last.ok_or(StoreError::Missing("thread"))?)
        };
        let internal = if include_internal { "" } else { "AND m.internal = FALSE" };
        let inserted = sqlx::query::<D>(&format!(
            "INSERT INTO message_reads (message_id, reader_id, read_at) \
             SELECT m.id, $2, $3 FROM messages m WHERE m.thread_id = $1 AND m.author_id <> $2 {internal} \
             AND m.seq > {LAST_SEQ} AND m.seq <= {LAST} ON CONFLICT DO NOTHING"
        ))
        .bind_v(id.to_string())
        .bind_v(reader.to_string())
        .bind_v(ms(now))
        .bind_v(last)
        .execute_with(&mut *conn)
        .await?
        .rows_affected();
        sqlx::query::<D>(
            "INSERT INTO thread_reads (thread_id, reader_id, last_seq) \
             SELECT t.id, $2, COALESCE($3, t.message_count) FROM threads t WHERE t.id = $1 \
             ON CONFLICT (thread_id, reader_id) DO UPDATE SET last_seq = CASE \
             WHEN excluded.last_seq > thread_reads.last_seq THEN excluded.last_seq ELSE thread_reads.last_seq END",
        )
        .bind_v(id.to_string())
        .bind_v(reader.to_string())
        .bind_v(last)
        .execute_with(&mut *conn)
        .await?;
        let done = Audited::new(Done::Read(inserted), audit.to_vec());
        if inserted == 0 {
            return Ok(done);
        }
        Ok(done.publishing(ThreadEvent {
            kind: EventKind::ThreadRead,
            thread_id: id,
            message_id: None,
            internal: false,
            alert: false,
            at: now,
        }))
    }
}

#[async_trait]
impl<B: Backend> crate::Messages for B {
    async fn add_message(&self, new: NewMessage) -> StoreResult<Written> {
        self.submit(WriteJob::Message(new)).await?.written()
    }

    async fn messages(&self, id: ThreadId, include_internal: bool) -> StoreResult<Vec<MessageView>> {
        self.sql().message_views(id, None, include_internal).await
    }

    async fn message(
        &self,
        thread: ThreadId,
        id: MessageId,
        include_internal: bool,
    ) -> StoreResult<Option<MessageView>> {
        Ok(self.sql().message_views(thread, Some(id), include_internal).await?.pop())
    }

    async fn message_thread(&self, id: MessageId, include_internal: bool) -> StoreResult<Option<ThreadId>> {
        let internal = if include_internal { "" } else { "AND internal = FALSE" };
        let thread: Option<String> =
            sqlx::query::<B::D>(&format!("SELECT thread_id FROM messages WHERE id = $1 {internal}"))
                .bind_v(id.to_string())
                .fetch_optional_scalar_with(&self.sql().read)
                .await?;
        thread.as_deref().map(parse_id).transpose()
    }

    async fn attachment_digests(&self, thread: ThreadId) -> StoreResult<Vec<(AttachmentId, String)>> {
        let rows = sqlx::query::<B::D>("SELECT id, sha256 FROM attachments WHERE thread_id = $1 ORDER BY id")
            .bind_v(thread.to_string())
            .fetch_all_with(&self.sql().read)
            .await?;
        rows.iter().map(|row| Ok((parse_id(row.get_v::<&str, _>("id")?)?, row.get_v::<String, _>("sha256")?))).collect()
    }

    async fn record_read(&self, read: ReadThread, audit: Vec<AuditEvent>) -> StoreResult<u64> {
        // Check on a reader first, so that opening an already-read thread
        // writes no more than its audit entries.
        let behind: Option<i64> =
            sqlx::query::<B::D>(&format!("SELECT t.message_count - {LAST_SEQ} FROM threads t WHERE t.id = $1"))
                .bind_v(read.thread.to_string())
                .bind_v(read.reader.to_string())
                .fetch_optional_scalar_with(&self.sql().read)
                .await?;
        if behind.unwrap_or(0) <= 0 {
            if !audit.is_empty() {
                self.submit(WriteJob::Audit(audit)).await?;
            }
            return Ok(0);
        }
        self.write(WriteJob::Read(read, audit)).await?.read()
    }

    async fn first_read_among(
        &self,
        id: ThreadId,
        readers: &[UserId],
        since: DateTime<Utc>,
    ) -> StoreResult<Option<(PersonRef, DateTime<Utc>)>> {
        let sql = self.sql();
        if readers.is_empty() {
            return Ok(None);
        }
        let statement = format!(
            "SELECT u.id, u.display_name, u.role, r.read_at FROM message_reads r \
             JOIN messages m ON m.id = r.message_id JOIN users u ON u.id = r.reader_id \
             WHERE m.thread_id = $1 AND r.read_at >= $2 AND r.reader_id IN ({}) \
             ORDER BY r.read_at LIMIT 1",
            placeholders(3, readers.len())
        );
        let mut query = sqlx::query(&statement).bind_v(id.to_string()).bind_v(ms(since));
        for reader in readers {
            query = query.bind_v(reader.to_string());
        }
        let Some(row) = query.fetch_optional_with(&sql.read).await? else {
            return Ok(None);
        };
        let reader: UserId = parse_id(&row.get_v::<String, _>("id")?)?;
        let who = person(reader, row.get_v("display_name")?, &row.get_v::<String, _>("role")?)?;
        Ok(Some((who, at(row.get_v("read_at")?)?)))
    }

    async fn first_staff_read(
        &self,
        id: ThreadId,
        since: DateTime<Utc>,
    ) -> StoreResult<Option<(PersonRef, DateTime<Utc>)>> {
        let row = sqlx::query::<B::D>(
            "SELECT u.id, u.display_name, u.role, r.read_at FROM message_reads r \
             JOIN messages m ON m.id = r.message_id JOIN users u ON u.id = r.reader_id \
             WHERE m.thread_id = $1 AND r.read_at >= $2 AND u.role NOT IN ('patient', 'proxy') \
             ORDER BY r.read_at LIMIT 1",
        )
        .bind_v(id.to_string())
        .bind_v(ms(since))
        .fetch_optional_with(&self.sql().read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let reader: UserId = parse_id(&row.get_v::<String, _>("id")?)?;
        let who = person(reader, row.get_v("display_name")?, &row.get_v::<String, _>("role")?)?;
        Ok(Some((who, at(row.get_v("read_at")?)?)))
    }

    async fn attachment(
        &self,
        thread: ThreadId,
        id: AttachmentId,
        include_internal: bool,
    ) -> StoreResult<Option<(AttachmentView, Vec<u8>)>> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>(
            "SELECT a.id, a.message_id, a.thread_id, a.uploader_id, a.media_type, a.file_name, a.size_bytes, a.created_at, \
             a.content, a.key_id, m.internal FROM attachments a JOIN messages m ON m.id = a.message_id \
             WHERE a.id = $1 AND a.thread_id = $2",
        )
        .bind_v(id.to_string())
        .bind_v(thread.to_string())
        .fetch_optional_with(&sql.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let internal: bool = row.get_v("internal")?;
        if internal && !include_internal {
            return Ok(None);
        }
        sql.decode(|keys| {
            let attachment = attachment_from_row(&row, keys)?;
            let row_id = attachment.id.to_string();
            let slot = Slot { table: "attachments", column: "content", row: &row_id };
            let content = keys.open(row.get_v("key_id")?, slot, row.get_v("content")?)?;
            Ok(Some((AttachmentView { attachment, internal }, content)))
        })
        .await
    }
}
