//! Rows written many to a statement: the message, triage and audit rows of an
//! acknowledged write, which a batch of writes (SQLite's group commit) appends
//! together just before it commits, and audit entries generally.

use super::prelude::*;

/// Most rows in one multi-row INSERT: 14 columns × 256 rows stays far under
/// both databases' limits on bound parameters (32,766 and 65,535).
pub(crate) const ROWS_PER_INSERT: usize = 256;

/// `head VALUES ($1, …, $columns), (…)` for `rows` rows, with `?` for each
/// parameter where the backend numbers them by position (see
/// `POSITIONAL_PARAMETERS`).
pub(crate) fn multi_row_insert<D: Dialect>(head: &str, columns: usize, rows: usize) -> String {
    use std::fmt::Write as _;
    let mut sql = String::with_capacity(head.len() + 8 + rows * (columns * 6 + 4));
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            let sep = if column == 0 { "" } else { ", " };
            if D::POSITIONAL_PARAMETERS {
                let _ = write!(sql, "{sep}?");
            } else {
                let _ = write!(sql, "{sep}${}", row * columns + column + 1);
            }
        }
        sql.push(')');
    }
    sql
}

/// Moves a thread on for a new message and takes the message's sequence
/// number; on PostgreSQL it also locks the thread row, so concurrent
/// messages in one thread are numbered in order. A message that raises the
/// thread to an emergency also moves it to the pool that answers
/// emergencies. Parameters: see [`bind_advance`].
pub(crate) const ADVANCE_THREAD: &str = "UPDATE threads SET status = $2, updated_at = $3, message_count = message_count + 1, \
     awaiting_since = CASE WHEN $2 <> 'open' THEN NULL ELSE COALESCE(awaiting_since, $3) END, \
     urgency = CASE WHEN urgency_rank > $4 THEN $5 ELSE urgency END, \
     urgency_rank = CASE WHEN urgency_rank > $4 THEN $4 ELSE urgency_rank END, \
     pool_id = CASE WHEN urgency_rank > $4 AND $6 IS NOT NULL \
         THEN COALESCE((SELECT p.id FROM pools p WHERE p.slug = $6), pool_id) ELSE pool_id END \
     WHERE id = $1 RETURNING message_count";

/// Binds [`ADVANCE_THREAD`]'s parameters for `new`, after any already bound.
pub(crate) fn bind_advance<'q, D: Dialect>(query: Q<'q, D>, new: &NewMessage) -> Q<'q, D> {
    let (urgency, rank) = match &new.triage {
        Some(t) => (t.urgency.as_str(), t.urgency.rank()),
        None => ("routine", i64::MAX),
    };
    let reroute = new.triage.as_ref().filter(|t| t.urgency == Urgency::Emergency).and_then(|t| t.pool_slug.clone());
    query
        .bind_v(new.thread_id.to_string())
        .bind_v(new.new_status.as_str())
        .bind_v(ms(new.now))
        .bind_v(rank)
        .bind_v(urgency)
        .bind_v(reroute)
}

/// The live event for a new message.
pub(crate) fn message_event(new: &NewMessage, message: MessageId) -> ThreadEvent {
    ThreadEvent {
        kind: EventKind::MessageCreated,
        thread_id: new.thread_id,
        message_id: Some(message),
        internal: new.internal,
        alert: new.triage.as_ref().is_some_and(|t| t.urgency == Urgency::Emergency),
        at: new.now,
    }
}

/// A message, its body sealed, ready to insert.
pub(crate) struct MessageRow {
    pub(crate) id: String,
    pub(crate) thread_id: String,
    pub(crate) author_id: String,
    pub(crate) body: String,
    pub(crate) internal: bool,
    pub(crate) sent_at: i64,
    pub(crate) seq: i64,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) request_fingerprint: Option<String>,
    pub(crate) key_id: i64,
    pub(crate) ai_assisted: bool,
    pub(crate) reading_grade: Option<f64>,
    /// `yes` or `no`: a patient's answer to "did this answer your question?".
    pub(crate) answered: Option<&'static str>,
}

/// Where a message goes: its thread, its id, and its number in the thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MessagePlace {
    pub(crate) thread: ThreadId,
    pub(crate) id: MessageId,
    pub(crate) seq: i64,
}

impl MessageRow {
    /// A message by `author` at `place`, its body sealed: seen by the
    /// patient, without an idempotency key, not a reply from a draft.
    pub(crate) fn sealed(
        keys: &Keyring,
        place: MessagePlace,
        author: UserId,
        body: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Self> {
        let id = place.id.to_string();
        let key_id = keys.active();
        let body = keys.seal_text_with(key_id, Slot { table: "messages", column: "body", row: &id }, body)?;
        Ok(Self {
            id,
            thread_id: place.thread.to_string(),
            author_id: author.to_string(),
            body,
            internal: false,
            sent_at: ms(now),
            seq: place.seq,
            idempotency_key: None,
            request_fingerprint: None,
            key_id,
            ai_assisted: false,
            reading_grade: None,
            answered: None,
        })
    }

    /// Seen by staff only when `internal` (an internal note).
    pub(crate) fn internal(self, internal: bool) -> Self {
        Self { internal, ..self }
    }

    /// Written once per idempotency key, when the request carried one.
    pub(crate) fn idempotent(self, key: Option<&Idempotency>) -> Self {
        Self {
            idempotency_key: key.map(|k| k.key.clone()),
            request_fingerprint: key.map(|k| k.fingerprint.clone()),
            ..self
        }
    }

    /// A staff reply: whether it started from a draft, and its reading grade.
    pub(crate) fn reply(self, ai_assisted: bool, reading_grade: Option<f64>) -> Self {
        Self { ai_assisted, reading_grade, ..self }
    }

    /// A patient's answer to "did this answer your question?", when it is one.
    pub(crate) fn answering(self, answered: Option<bool>) -> Self {
        Self { answered: answered.map(|yes| if yes { "yes" } else { "no" }), ..self }
    }
}

/// A triage result, its reasons sealed, ready to insert.
pub(crate) struct TriageRow {
    pub(crate) id: String,
    pub(crate) thread_id: String,
    pub(crate) message_id: Option<String>,
    pub(crate) urgency: &'static str,
    pub(crate) category: &'static str,
    pub(crate) pool_slug: Option<String>,
    pub(crate) confidence: f64,
    pub(crate) reasons: String,
    pub(crate) model_id: String,
    pub(crate) model_version: String,
    pub(crate) created_at: i64,
    pub(crate) needs_review: bool,
    pub(crate) overridden_by: Option<String>,
    pub(crate) key_id: i64,
}

/// `items` cut into runs whose lengths are powers of two (at most
/// [`ROWS_PER_INSERT`]), longest first: 37 rows are written as 32, 4 and 1.
/// A statement for a run is then one of nine shapes, so every shape is
/// prepared once and kept in the connection's statement cache instead of
/// being parsed again for each batch size.
pub(crate) fn runs<T>(mut items: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if items.is_empty() {
            return None;
        }
        let len = items.len().min(ROWS_PER_INSERT);
        let run = 1 << len.ilog2();
        let (head, rest) = items.split_at(run);
        items = rest;
        Some(head)
    })
}

/// A row written many to a statement: the table and columns it fills, and
/// how its values are bound, in that order.
pub(crate) trait BatchRow {
    /// `INSERT INTO table (column, …)`.
    const INSERT: &'static str;
    /// How many values a row binds.
    const COLUMNS: usize;
    /// What follows the values (` ON CONFLICT DO NOTHING` for rows a pending
    /// duplicate makes unnecessary).
    const ON_CONFLICT: &'static str = "";
    fn bind<'q, D: Dialect>(&'q self, query: Q<'q, D>) -> Q<'q, D>;
}

impl BatchRow for MessageRow {
    const INSERT: &'static str = "INSERT INTO messages (id, thread_id, author_id, body, internal, sent_at, seq, \
         idempotency_key, request_fingerprint, key_id, ai_assisted, reading_grade, answered)";
    const COLUMNS: usize = 13;

    fn bind<'q, D: Dialect>(&'q self, query: Q<'q, D>) -> Q<'q, D> {
        query
            .bind_v(&self.id)
            .bind_v(&self.thread_id)
            .bind_v(&self.author_id)
            .bind_v(&self.body)
            .bind_v(self.internal)
            .bind_v(self.sent_at)
            .bind_v(self.seq)
            .bind_v(&self.idempotency_key)
            .bind_v(&self.request_fingerprint)
            .bind_v(self.key_id)
            .bind_v(self.ai_assisted)
            .bind_v(self.reading_grade)
            .bind_v(self.answered)
    }
}

impl BatchRow for TriageRow {
    const INSERT: &'static str = "INSERT INTO triage_results (id, thread_id, message_id, urgency, category, pool_slug, \
         confidence, reasons, model_id, model_version, created_at, needs_review, overridden_by, key_id)";
    const COLUMNS: usize = 14;

    fn bind<'q, D: Dialect>(&'q self, query: Q<'q, D>) -> Q<'q, D> {
        query
            .bind_v(&self.id)
            .bind_v(&self.thread_id)
            .bind_v(&self.message_id)
            .bind_v(self.urgency)
            .bind_v(self.category)
            .bind_v(&self.pool_slug)
            .bind_v(self.confidence)
            .bind_v(&self.reasons)
            .bind_v(&self.model_id)
            .bind_v(&self.model_version)
            .bind_v(self.created_at)
            .bind_v(self.needs_review)
            .bind_v(&self.overridden_by)
            .bind_v(self.key_id)
    }
}

/// A chained audit entry, with the key that sealed its detail.
impl BatchRow for (ChainedEntry, Option<i64>) {
    const INSERT: &'static str = "INSERT INTO audit_log (seq, at, actor_id, actor_role, patient_id, action, target, \
         outcome, client, detail, key_id, prev_hash, hash)";
    const COLUMNS: usize = 13;

    fn bind<'q, D: Dialect>(&'q self, query: Q<'q, D>) -> Q<'q, D> {
        let (entry, key_id) = self;
        query
            .bind_v(entry.seq)
            .bind_v(entry.at_ms)
            .bind_v(&entry.actor_id)
            .bind_v(&entry.actor_role)
            .bind_v(&entry.patient_id)
            .bind_v(&entry.action)
            .bind_v(&entry.target)
            .bind_v(&entry.outcome)
            .bind_v(&entry.client)
            .bind_v(&entry.detail)
            .bind_v(*key_id)
            .bind_v(&entry.prev_hash)
            .bind_v(&entry.hash)
    }
}

impl<D: Dialect> Sql<D> {
    /// Inserts `rows`, in runs of many to a statement (see [`runs`]).
    pub(crate) async fn insert_rows<R: BatchRow>(conn: &mut D::Connection, rows: &[R]) -> StoreResult<()> {
        for chunk in runs(rows) {
            let mut sql = multi_row_insert::<D>(R::INSERT, R::COLUMNS, chunk.len());
            sql.push_str(R::ON_CONFLICT);
            let mut query = sqlx::query::<D>(&sql);
            for row in chunk {
                query = row.bind(query);
            }
            query.execute_with(&mut *conn).await?;
        }
        Ok(())
    }

    /// Inserts `row` now or, with `later`, with the rest of its batch.
    pub(crate) async fn insert_now_or_later<R: BatchRow>(
        conn: &mut D::Connection,
        row: R,
        later: Option<&mut Vec<R>>,
    ) -> StoreResult<()> {
        match later {
            Some(deferred) => {
                deferred.push(row);
                Ok(())
            }
            None => Self::insert_rows(conn, &[row]).await,
        }
    }
}

/// The rows a new message adds (see `message_rows`).
pub(crate) struct MessageRows {
    pub(crate) message: MessageRow,
    pub(crate) triage: Option<TriageRow>,
    pub(crate) audit: Vec<AuditEvent>,
    pub(crate) jobs: Vec<super::outbox::JobRow>,
}

/// Rows a batch of writes appends together just before it commits: each
/// table's in one statement rather than one statement per write. Only rows
/// nothing else in the batch refers to are deferred (a message that an
/// attachment or a used draft points at is inserted at once). A later write
/// in the batch does not see them: a retry that repeats an idempotency key
/// already in the batch fails the batch's unique index, and the batch is
/// run again write by write, where the retry finds the first message.
#[derive(Default)]
pub(crate) struct Deferred {
    pub(crate) messages: Vec<MessageRow>,
    pub(crate) triage: Vec<TriageRow>,
    pub(crate) audit: Vec<AuditEvent>,
    pub(crate) jobs: Vec<super::outbox::JobRow>,
}

impl Deferred {
    /// Inserts everything deferred, in an order the foreign keys accept,
    /// and chains the audit entries once for the whole batch.
    pub(crate) async fn write<D: Dialect>(&mut self, conn: &mut D::Connection, keys: &Keyring) -> StoreResult<()> {
        self.write_rows::<D>(conn).await?;
        Sql::<D>::append_audit(conn, keys, &self.audit).await
    }

    /// Whether a message of `thread` waits among the deferred rows.
    pub(crate) fn holds_messages_of(&self, thread: ThreadId) -> bool {
        let thread = thread.to_string();
        self.messages.iter().any(|m| m.thread_id == thread)
    }

    /// Inserts the deferred messages, triage results and outbox jobs now,
    /// keeping the audit entries for the end, so that a later job in the
    /// batch reads them.
    pub(crate) async fn write_rows<D: Dialect>(&mut self, conn: &mut D::Connection) -> StoreResult<()> {
        Sql::<D>::insert_rows(conn, &self.messages).await?;
        Sql::<D>::insert_rows(conn, &self.triage).await?;
        Sql::<D>::insert_rows(conn, &self.jobs).await?;
        self.messages.clear();
        self.triage.clear();
        self.jobs.clear();
        Ok(())
    }
}

/// A new message numbered `seq`, its rows added to `deferred`.
pub(crate) fn plain_message<D: Dialect>(
    keys: &Keyring,
    new: &NewMessage,
    seq: i64,
    deferred: &mut Deferred,
) -> StoreResult<JobOutcome> {
    let written = Written { thread_id: new.thread_id, message_id: MessageId::from_uuid(new_id()), replayed: false };
    let id = written.message_id;
    let rows = Sql::<D>::message_rows(keys, new, id, seq)?;
    deferred.messages.push(rows.message);
    deferred.triage.extend(rows.triage);
    deferred.audit.extend(rows.audit);
    deferred.jobs.extend(rows.jobs);
    Ok(JobOutcome { written, event: Some(message_event(new, id)) })
}
