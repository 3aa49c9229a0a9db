//! The audit log: appending to its hash chain, reading it, and verifying it.

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;

use carethread_core::audit::ChainVerifier;

use crate::{AuditQuery, AuditRecord, AuditVerification};

/// `events`, with `kind:id` as the target of those that name none.
pub(crate) fn with_target(events: &[AuditEvent], kind: &str, id: &str) -> Vec<AuditEvent> {
    events.iter().map(|e| if e.target.is_some() { e.clone() } else { e.clone().target(kind, id) }).collect()
}

impl<D: Dialect> Sql<D> {
    /// Appends entries to the audit log inside the caller's transaction. Taking
    /// the head row first numbers entries one writer at a time (on PostgreSQL
    /// the row lock holds until commit), so the chain never forks.
    pub(crate) async fn append_audit(
        conn: &mut D::Connection,
        keys: &Keyring,
        events: &[AuditEvent],
    ) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let n = i64::try_from(events.len()).map_err(|_| StoreError::Corrupt("audit batch".into()))?;
        let head = sqlx::query::<D>("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
            .bind_v(n)
            .fetch_one_with(&mut *conn)
            .await?;
        let mut seq: i64 = head.get_v::<i64, _>("seq")? - n;
        let mut prev: String = head.get_v("hash")?;
        let key_id = keys.active();
        let mut rows = Vec::with_capacity(events.len());
        for event in events {
            seq += 1;
            let seq_text = seq.to_string();
            let detail = event
                .detail
                .as_deref()
                .map(|d| keys.seal_text_with(key_id, Slot { table: "audit_log", column: "detail", row: &seq_text }, d))
                .transpose()?;
            let mut entry = ChainedEntry {
                seq,
                at_ms: ms(event.at),
                actor_id: event.actor_id.map(|a| a.to_string()),
                actor_role: event.actor_role.map(|r| r.as_str().to_owned()),
                patient_id: event.patient_id.map(|p| p.to_string()),
                action: event.action.as_str().to_owned(),
                target: event.target.clone(),
                outcome: event.outcome.as_str().to_owned(),
                client: event.client.clone(),
                detail,
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            entry.hash = entry.compute_hash();
            prev.clone_from(&entry.hash);
            let sealed_with = entry.detail.as_ref().map(|_| key_id);
            rows.push((entry, sealed_with));
        }
        Self::insert_rows(conn, &rows).await?;
        sqlx::query::<D>("UPDATE audit_head SET hash = $1 WHERE id = 1").bind_v(&prev).execute_with(&mut *conn).await?;
        Ok(())
    }

    /// Appends `events` now, or adds them to `deferred` for the caller to append
    /// later in the same transaction (one head update for a whole batch).
    pub(crate) async fn audit_now_or_later(
        conn: &mut D::Connection,
        keys: &Keyring,
        events: Vec<AuditEvent>,
        deferred: Option<&mut Deferred>,
    ) -> StoreResult<()> {
        match deferred {
            Some(later) => {
                later.audit.extend(events);
                Ok(())
            }
            None => Self::append_audit(conn, keys, &events).await,
        }
    }
}

pub(crate) fn chained_from_row<R: DialectRow>(row: &R) -> StoreResult<ChainedEntry> {
    Ok(from_columns!(row => ChainedEntry {
        seq, at_ms: "at", actor_id, actor_role, patient_id, action, target, outcome, client, detail, prev_hash, hash
    }))
}

pub(crate) fn optional_person(
    id: Option<String>,
    name: Option<String>,
    role: Option<String>,
) -> StoreResult<Option<PersonRef>> {
    match (id, name, role) {
        (Some(id), Some(name), Some(role)) => Ok(Some(person(parse_id(&id)?, name, &role)?)),
        _ => Ok(None),
    }
}

impl<D: Dialect> Sql<D> {}

#[async_trait]
impl<B: Backend> crate::AuditLog for B {
    async fn record_audit(&self, events: Vec<AuditEvent>) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        self.submit(WriteJob::Audit(events)).await.map(|_| ())
    }

    async fn audit_entries(&self, query: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
        let sql = self.sql();
        let mut clauses = vec!["1 = 1".to_owned()];
        let mut binds: Vec<Bind> = Vec::new();
        let mut add = |clause: &str, value: Bind| {
            binds.push(value);
            clauses.push(clause.replace("$?", &format!("${}", binds.len())));
        };
        if let Some(p) = query.patient {
            add("l.patient_id = $?", Bind::Text(p.to_string()));
        }
        if let Some(a) = query.actor {
            add("l.actor_id = $?", Bind::Text(a.to_string()));
        }
        if let Some(action) = query.action {
            add("l.action = $?", Bind::Text(action.as_str().to_owned()));
        }
        if let Some(from) = query.from {
            add("l.at >= $?", Bind::Int(ms(from)));
        }
        if let Some(to) = query.to {
            add("l.at < $?", Bind::Int(ms(to)));
        }
        if let Some(before) = query.before_seq {
            add("l.seq < $?", Bind::Int(before));
        }
        if let Some(me) = query.exclude_actor {
            add("(l.actor_id IS NULL OR l.actor_id <> $?)", Bind::Text(me.to_string()));
        }
        if query.patient_view {
            let actions: Vec<String> = carethread_core::audit::AuditAction::ALL
                .into_iter()
                .filter(|a| a.shown_to_patient())
                .map(|a| format!("'{}'", a.as_str()))
                .collect();
            clauses.push(format!("l.action IN ({}) AND l.outcome = 'success'", actions.join(", ")));
        }
        binds.push(Bind::Int(i64::from(query.limit)));
        let statement = format!(
            "SELECT l.seq, l.at, l.actor_id, a.display_name AS actor_name, a.role AS actor_role_now, l.actor_role, \
             l.patient_id, p.display_name AS patient_name, p.role AS patient_role, l.action, l.target, l.outcome, \
             l.client, l.detail, l.key_id \
             FROM audit_log l LEFT JOIN users a ON a.id = l.actor_id LEFT JOIN users p ON p.id = l.patient_id \
             WHERE {} ORDER BY l.seq DESC LIMIT ${}",
            clauses.join(" AND "),
            binds.len()
        );
        let mut q = sqlx::query::<B::D>(&statement);
        for b in binds {
            q = match b {
                Bind::Text(s) => q.bind_v(s),
                Bind::Int(i) => q.bind_v(i),
            };
        }
        let rows = q.fetch_all_with(&sql.read).await?;
        sql.decode(|keys| {
            rows.iter()
                .map(|row| {
                    let seq: i64 = row.get_v("seq")?;
                    let seq_text = seq.to_string();
                    let detail = row
                        .get_v::<Option<String>, _>("detail")?
                        .map(|d| {
                            keys.open_text(
                                row.get_v("key_id")?,
                                Slot { table: "audit_log", column: "detail", row: &seq_text },
                                d,
                            )
                        })
                        .transpose()?;
                    // The role the actor had when acting, as recorded.
                    let actor_role: Option<String> = row.get_v("actor_role")?;
                    Ok(AuditRecord {
                        seq,
                        at: at(row.get_v("at")?)?,
                        actor: optional_person(row.get_v("actor_id")?, row.get_v("actor_name")?, actor_role)?,
                        patient: optional_person(
                            row.get_v("patient_id")?,
                            row.get_v("patient_name")?,
                            row.get_v("patient_role")?,
                        )?,
                        action: row.get_v("action")?,
                        target: row.get_v("target")?,
                        outcome: row.get_v("outcome")?,
                        client: row.get_v("client")?,
                        detail,
                    })
                })
                .collect()
        })
        .await
    }

    async fn verify_audit(&self) -> StoreResult<AuditVerification> {
        let sql = self.sql();
        let head =
            sqlx::query::<B::D>("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one_with(&sql.read).await?;
        let (head_seq, head_hash): (i64, String) = (head.get_v("seq")?, head.get_v("hash")?);
        let mut verifier = ChainVerifier::default();
        let mut after = 0_i64;
        loop {
            let rows = sqlx::query::<B::D>(
                "SELECT seq, at, actor_id, actor_role, patient_id, action, target, outcome, client, detail, prev_hash, hash \
                 FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000",
            )
            .bind_v(after)
            .fetch_all_with(&sql.read)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let entry = chained_from_row(row)?;
                after = entry.seq;
                if let Err(broken) = verifier.push(&entry) {
                    return Ok(AuditVerification {
                        verified: verifier.count(),
                        head_hash,
                        broken: Some(broken.to_string()),
                    });
                }
            }
        }
        let count = verifier.count();
        let broken = verifier.finish(head_seq, &head_hash).err().map(|b| b.to_string());
        Ok(AuditVerification { verified: count, head_hash, broken })
    }
}
