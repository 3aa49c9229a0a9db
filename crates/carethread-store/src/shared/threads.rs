//! Threads: creating them, changing their status, urgency, pool and assignee,
//! and listing them (in-baskets and inboxes) as summaries.

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;

use crate::shared::write_jobs::{Done, ThreadUpdateJob};
use crate::{NewNote, ThreadChange, ThreadUpdate};

pub(crate) fn thread_from_row<R: DialectRow>(row: &R, keys: &Keyring) -> StoreResult<Thread> {
    let id: &str = row.get_v("id")?;
    let subject = keys.open_text(
        row.get_v("key_id")?,
        Slot { table: "threads", column: "subject", row: id },
        row.get_v("subject")?,
    )?;
    Ok(Thread {
        id: parse_id(id)?,
        patient_id: parse_id(row.get_v::<&str, _>("patient_id")?)?,
        subject: Subject::from_trusted(subject),
        category: Category::parse(row.get_v::<&str, _>("category")?)?,
        urgency: Urgency::parse(row.get_v::<&str, _>("urgency")?)?,
        status: ThreadStatus::parse(row.get_v::<&str, _>("status")?)?,
        replies_allowed: row.get_v("replies_allowed")?,
        pool_id: opt_id(row.get_v::<Option<&str>, _>("pool_id")?)?,
        assignee_id: opt_id(row.get_v::<Option<&str>, _>("assignee_id")?)?,
        confidential: row.get_v("confidential")?,
        created_by: parse_id(row.get_v::<&str, _>("created_by")?)?,
        created_at: at(row.get_v("created_at")?)?,
        updated_at: at(row.get_v("updated_at")?)?,
        awaiting_since: row.get_v::<Option<i64>, _>("awaiting_since")?.map(at).transpose()?,
    })
}

/// `sql` with the viewer as `$1`, now as `$2` and `binds` after them.
fn bound<D: Dialect>(sql: &str, viewer: UserId, now: DateTime<Utc>, binds: Vec<Bind>) -> Q<'_, D> {
    let mut query = sqlx::query::<D>(sql).bind_v(viewer.to_string()).bind_v(ms(now));
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind_v(s),
            Bind::Int(i) => query.bind_v(i),
        };
    }
    query
}

pub(crate) fn summary_from_row<R: DialectRow>(row: &R, keys: &Keyring) -> StoreResult<ThreadSummary> {
    let thread = thread_from_row(row, keys)?;
    let patient = person(thread.patient_id, row.get_v("patient_name")?, row.get_v("patient_role")?)?;
    let pool = match (thread.pool_id, row.get_v::<Option<String>, _>("pool_slug")?) {
        (Some(id), Some(slug)) => Some(PoolRef { id, slug, name: row.get_v("pool_name")? }),
        _ => None,
    };
    let assignee = match (thread.assignee_id, row.get_v::<Option<String>, _>("assignee_name")?) {
        (Some(id), Some(name)) => Some(person(id, name, row.get_v("assignee_role")?)?),
        _ => None,
    };
    Ok(ThreadSummary { thread, patient, pool, assignee, unread: row.get_v("unread")? })
}

impl<D: Dialect> Sql<D> {
    pub(crate) async fn fetch_summaries(
        &self,
        sql: &str,
        viewer: UserId,
        now: DateTime<Utc>,
        binds: Vec<Bind>,
    ) -> StoreResult<Vec<ThreadSummary>> {
        let rows = bound::<D>(sql, viewer, now, binds).fetch_all_with(&self.read).await?;
        self.decode(|keys| rows.iter().map(|r| summary_from_row(r, keys)).collect()).await
    }

    /// The plan the database chooses for `sql` with these values, one line
    /// per step (SQLite's `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN`).
    pub(crate) async fn explain(
        &self,
        sql: &str,
        viewer: UserId,
        now: DateTime<Utc>,
        binds: Vec<Bind>,
    ) -> StoreResult<String> {
        let (prefix, column) =
            if <D as Dialect>::NAME == "sqlite" { ("EXPLAIN QUERY PLAN ", 3) } else { ("EXPLAIN ", 0) };
        let statement = format!("{prefix}{sql}");
        let rows = bound::<D>(&statement, viewer, now, binds).fetch_all_with(&self.read).await?;
        let lines: StoreResult<Vec<String>> = rows.iter().map(|r| Ok(r.get_v::<String, _>(column)?)).collect();
        Ok(lines?.join("\n"))
    }

    pub(crate) async fn write_thread(
        conn: &mut D::Connection,
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
            Some(slug) => {
                sqlx::query::<D>("SELECT id FROM pools WHERE slug = $1")
                    .bind_v(slug)
                    .fetch_optional_scalar_with(&mut *conn)
                    .await?
            }
            None => None,
        };
        let written = Written {
            thread_id: ThreadId::from_uuid(new_id()),
            message_id: MessageId::from_uuid(new_id()),
            replayed: false,
        };
        let thread_text = written.thread_id.to_string();
        let key_id = keys.active();
        let subject = keys.seal_text_with(
            key_id,
            Slot { table: "threads", column: "subject", row: &thread_text },
            new.subject.as_str(),
        )?;
        sqlx::query::<D>(
            "INSERT INTO threads (id, patient_id, subject, category, urgency, urgency_rank, status, replies_allowed, \
             pool_id, assignee_id, confidential, created_by, created_at, updated_at, message_count, key_id, awaiting_since) \
             VALUES ($1, $2, $3, $4, $5, $6, $12, TRUE, $7, $8, $9, $10, $11, $11, 1, $13, \
             CASE WHEN $12 = 'open' THEN $11 ELSE NULL END)",
        )
        .bind_v(&thread_text)
        .bind_v(new.patient_id.to_string())
        .bind_v(subject)
        .bind_v(new.category.as_str())
        .bind_v(new.urgency.as_str())
        .bind_v(new.urgency.rank())
        .bind_v(pool_id)
        .bind_v(new.assignee_id.map(|a| a.to_string()))
        .bind_v(new.confidential)
        .bind_v(new.author_id.to_string())
        .bind_v(ms(new.now))
        .bind_v(new.status.as_str())
        .bind_v(key_id)
        .execute_with(&mut *conn)
        .await?;
        let (id, thread) = (written.message_id, written.thread_id);
        let place = MessagePlace { thread, id, seq: 1 };
        let row = MessageRow::sealed(keys, place, new.author_id, new.body.as_str(), new.now)?
            .idempotent(new.idempotency.as_ref());
        Self::insert_now_or_later(conn, row, deferred.as_deref_mut().map(|d| &mut d.messages)).await?;
        let row = Self::triage_row(keys, written.thread_id, Some(written.message_id), &new.triage, new.now)?;
        Self::insert_now_or_later(conn, row, deferred.as_deref_mut().map(|d| &mut d.triage)).await?;
        let jobs: Vec<_> =
            new.jobs.iter().map(|job| super::outbox::JobRow::written_with(job, new.now, thread, id)).collect();
        match deferred.as_deref_mut() {
            Some(later) => later.jobs.extend(jobs),
            None => Self::insert_rows(conn, &jobs).await?,
        }
        let audit = with_target(&new.audit, "thread", &thread_text);
        Self::audit_now_or_later(conn, keys, audit, deferred).await?;
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

    /// Changes a thread as `update` says and, with a note, adds the note
    /// as its next message.
    pub(crate) async fn write_update(
        conn: &mut D::Connection,
        keys: &Keyring,
        update: &ThreadUpdateJob,
    ) -> StoreResult<Audited<Done>> {
        let ThreadUpdateJob { id, patch, note, now, audit } = update;
        let (id, now) = (*id, *now);
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
        let statement = format!(
            "UPDATE threads SET {}{replies_sql}{confidential_sql} WHERE id = $1 RETURNING {returning}",
            sets.join(", ")
        );
        let mut query = sqlx::query::<D>(&statement).bind_v(id.to_string()).bind_v(ms(now));
        for b in binds {
            query = match b {
                Some(Bind::Text(s)) => query.bind_v(Some(s)),
                Some(Bind::Int(i)) => query.bind_v(Some(i)),
                None => query.bind_v(None::<String>),
            };
        }
        if let Some(r) = replies {
            query = query.bind_v(r);
        }
        if let Some(c) = confidential {
            query = query.bind_v(c);
        }
        let row = query.fetch_optional_with(&mut *conn).await?.ok_or(StoreError::Missing("thread"))?;
        let thread = thread_from_row(&row, keys)?;
        let updated = ThreadEvent {
            kind: EventKind::ThreadUpdated,
            thread_id: id,
            message_id: None,
            internal: false,
            alert: false,
            at: now,
        };
        let Some(note) = note else {
            let change = ThreadChange { thread, note_id: None };
            let audit = with_target(audit, "thread", &id.to_string());
            return Ok(Audited::new(Done::Changed(Box::new(change)), audit).publishing(updated));
        };
        let note_id = Self::write_note(conn, keys, id, note, now).await?;
        let mut entries = with_target(audit, "thread", &id.to_string());
        entries.extend(with_target(&note.audit, "message", &note_id.to_string()));
        let noted = ThreadEvent {
            kind: EventKind::MessageCreated,
            thread_id: id,
            message_id: Some(note_id),
            internal: true,
            alert: false,
            at: now,
        };
        let change = ThreadChange { thread, note_id: Some(note_id) };
        Ok(Audited::new(Done::Changed(Box::new(change)), entries).publishing(updated).publishing(noted))
    }

    /// Adds an internal note as the thread's next message, leaving its status as it is.
    pub(crate) async fn write_note(
        conn: &mut D::Connection,
        keys: &Keyring,
        id: ThreadId,
        note: &NewNote,
        now: DateTime<Utc>,
    ) -> StoreResult<MessageId> {
        let seq: i64 = sqlx::query::<D>(
            "UPDATE threads SET message_count = message_count + 1 WHERE id = $1 RETURNING message_count",
        )
        .bind_v(id.to_string())
        .fetch_optional_scalar_with(&mut *conn)
        .await?
        .ok_or(StoreError::Missing("thread"))?;
        let note_id = MessageId::from_uuid(new_id());
        let place = MessagePlace { thread: id, id: note_id, seq };
        let row = MessageRow::sealed(keys, place, note.author_id, note.body.as_str(), now)?.internal(true);
        Self::insert_rows(conn, &[row]).await?;
        Ok(note_id)
    }
}

#[async_trait]
impl<B: Backend> crate::Threads for B {
    async fn patient_facts(&self, actor: Actor, patient_id: UserId) -> StoreResult<Option<PatientFacts>> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>(
            "SELECT u.role, EXISTS (SELECT 1 FROM care_team_members c WHERE c.patient_id = u.id AND c.staff_id = $2) AS on_care_team \
             FROM users u WHERE u.id = $1 AND u.disabled = FALSE",
        )
        .bind_v(patient_id.to_string())
        .bind_v(actor.id.to_string())
        .fetch_optional_with(&sql.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.get_v::<&str, _>("role")? != Role::Patient.as_str() {
            return Ok(None);
        }
        let proxy_grant =
            if actor.role == Role::Proxy { sql.active_grant(actor.id, patient_id, Utc::now()).await? } else { None };
        Ok(Some(PatientFacts { patient_id, on_care_team: row.get_v("on_care_team")?, proxy_grant }))
    }

    async fn thread_facts(
        &self,
        actor: Actor,
        id: ThreadId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Thread, ThreadFacts)>> {
        let sql = self.sql();
        let row = sqlx::query::<B::D>(&format!(
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
        .fetch_optional_with(&sql.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let thread = sql.decode(|keys| thread_from_row(&row, keys)).await?;
        let proxy_grant =
            if actor.role == Role::Proxy { sql.active_grant(actor.id, thread.patient_id, now).await? } else { None };
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

    async fn create_thread(&self, new: NewThread) -> StoreResult<Written> {
        self.submit(WriteJob::Thread(new)).await?.written()
    }

    async fn update_thread_with_note(&self, update: ThreadUpdate<'_>) -> StoreResult<ThreadChange> {
        let ThreadUpdate { id, patch, note, now, audit } = update;
        let job = ThreadUpdateJob { id, patch: patch.clone(), note: note.cloned(), now, audit: audit.to_vec() };
        self.write(WriteJob::Update(Box::new(job))).await?.changed()
    }

    async fn list_threads(
        &self,
        actor: Actor,
        filter: &ThreadFilter,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ThreadSummary>> {
        let (statement, binds) = self.sql().list_statement(actor, filter, now).await?;
        self.sql().fetch_summaries(&statement, actor.id, now, binds).await
    }

    async fn explain_list_threads(
        &self,
        actor: Actor,
        filter: &ThreadFilter,
        now: DateTime<Utc>,
    ) -> StoreResult<String> {
        let (statement, binds) = self.sql().list_statement(actor, filter, now).await?;
        self.sql().explain(&statement, actor.id, now, binds).await
    }

    async fn thread_summary(&self, actor: Actor, id: ThreadId) -> StoreResult<Option<ThreadSummary>> {
        let statement = summary_select(actor.role.is_staff(), "t.id = $3 AND $2 = $2");
        let binds = vec![Bind::Text(id.to_string())];
        let mut rows = self.sql().fetch_summaries(&statement, actor.id, Utc::now(), binds).await?;
        Ok(rows.pop())
    }
}

impl<D: Dialect> Sql<D> {
    /// The statement that lists `actor`'s threads (`$1` the viewer, `$2`
    /// now), and its other values.
    async fn list_statement(
        &self,
        actor: Actor,
        filter: &ThreadFilter,
        now: DateTime<Utc>,
    ) -> StoreResult<(String, Vec<Bind>)> {
        let mut clauses = Vec::new();
        let mut params = Params::new();
        if let Some(status) = filter.criteria.status {
            clauses.push(format!("t.status = ${}", params.next(Bind::Text(status.as_str().into()))));
        }
        if let Some(pool) = filter.criteria.pool {
            clauses.push(format!("t.pool_id = ${}", params.next(Bind::Text(pool.to_string()))));
        }
        if let Some(assignee) = filter.criteria.assignee {
            clauses.push(format!("t.assignee_id = ${}", params.next(Bind::Text(assignee.to_string()))));
        }
        if let Some(patient) = filter.criteria.patient {
            clauses.push(format!("t.patient_id = ${}", params.next(Bind::Text(patient.to_string()))));
        }
        if let Some(urgency) = filter.criteria.urgency {
            clauses.push(format!("t.urgency_rank = ${}", params.next(Bind::Int(urgency.rank()))));
        }
        if let Some(before) = filter.criteria.unread_reply_before {
            // A reply by staff, not yet opened by anyone outside the care team.
            let sent = params.next(Bind::Int(before.timestamp_millis()));
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM messages m JOIN users a ON a.id = m.author_id \
                 WHERE m.thread_id = t.id AND m.internal = FALSE AND m.sent_at <= ${sent} \
                 AND a.role IN ('physician', 'nurse', 'pharmacist', 'front_desk', 'billing') \
                 AND NOT EXISTS (SELECT 1 FROM message_reads r JOIN users ru ON ru.id = r.reader_id \
                     WHERE r.message_id = m.id AND ru.role IN ('patient', 'proxy')))"
            ));
        }
        if let Some(cursor) = filter.after {
            let id = Bind::Text(cursor.id.to_string());
            if filter.emergencies_first {
                // A row value: both databases seek an index in this order to it.
                let (x, y, z) = (
                    params.next(Bind::Int(cursor.urgency_rank)),
                    params.next(Bind::Int(cursor.wait_key)),
                    params.next(id),
                );
                clauses.push(format!("(t.urgency_rank, t.wait_key, t.id) > (${x}, ${y}, ${z})"));
            } else {
                let (x, y) = (params.next(Bind::Int(cursor.updated_at_ms)), params.next(id));
                clauses.push(format!("(t.updated_at, t.id) < (${x}, ${y})"));
            }
        }
        let limit = params.next(Bind::Int(i64::from(filter.limit)));
        let ways = if filter.emergencies_first {
            self.in_basket_ways(actor, &filter.criteria, now, &mut params).await?
        } else {
            None
        };
        let filters = if clauses.is_empty() { "TRUE".to_owned() } else { clauses.join(" AND ") };
        let mut conditions = format!("({}) AND {filters}", visible_threads(actor.role));
        if let Some(ways) = &ways {
            let ids = page_ids(ways, filter.criteria.status, &filters, limit);
            conditions = format!("{conditions} AND t.id IN ({ids})");
        }
        let order = if filter.emergencies_first { IN_BASKET_ORDER } else { "t.updated_at DESC, t.id DESC" };
        let statement =
            format!("{} ORDER BY {order} LIMIT ${limit}", summary_select(actor.role.is_staff(), &conditions));
        Ok((statement, params.binds))
    }
}
