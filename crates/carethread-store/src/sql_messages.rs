// Messages and their files: writing them, reading them as each reader may
// see them, read receipts, and attachments. SQL shared by both backends;
// `include!`d by `sqlite.rs` and `postgres.rs` after `sql_store.rs`.

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

impl Backend {
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
            None => Shared::insert_messages(conn, &[row]).await,
        }
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
            Shared::use_draft(conn, new.thread_id, written.message_id, used, new.now).await?;
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
        Shared::audit_now_or_later(conn, keys, rows.audit, deferred).await?;
        Ok(JobOutcome { written, event: Some(message_event(new, written.message_id)) })
    }

    async fn write_mark_read(&self, id: ThreadId, reader: UserId, include_internal: bool, now: DateTime<Utc>) -> StoreResult<u64> {
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

    async fn read_attachment(&self, thread: ThreadId, id: AttachmentId, include_internal: bool) -> StoreResult<Option<(AttachmentView, Vec<u8>)>> {
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
}
