// The audit log, encryption keys, sign-in protection, MFA, proxy grants and
// break-the-glass: SQL shared by both backends. `include!`d by `sqlite.rs`
// and `postgres.rs` after `sql_store.rs`.

use carethread_core::audit::ChainVerifier;

use crate::crypto::{MasterKey, WrappedKey};
use crate::{AuditQuery, AuditRecord, AuditVerification, GrantRecord, LoginState, MfaRecord, RotationReport};

/// `events`, with `kind:id` as the target of those that name none.
fn with_target(events: &[AuditEvent], kind: &str, id: &str) -> Vec<AuditEvent> {
    events
        .iter()
        .map(|e| if e.target.is_some() { e.clone() } else { e.clone().target(kind, id) })
        .collect()
}

/// Appends entries to the audit log inside the caller's transaction. Taking
/// the head row first numbers entries one writer at a time (on PostgreSQL
/// the row lock holds until commit), so the chain never forks.
async fn append_audit(conn: &mut Conn, keys: &Keyring, events: &[AuditEvent]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let n = i64::try_from(events.len()).map_err(|_| StoreError::Corrupt("audit batch".into()))?;
    let head = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(n)
        .fetch_one(&mut *conn)
        .await?;
    let mut seq: i64 = head.try_get::<i64, _>("seq")? - n;
    let mut prev: String = head.try_get("hash")?;
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
    insert_audit_rows(conn, &rows).await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&prev).execute(&mut *conn).await?;
    Ok(())
}

/// Appends `events` now, or adds them to `deferred` for the caller to append
/// later in the same transaction (one head update for a whole batch).
async fn audit_now_or_later(
    conn: &mut Conn,
    keys: &Keyring,
    events: Vec<AuditEvent>,
    deferred: Option<&mut Deferred>,
) -> StoreResult<()> {
    match deferred {
        Some(later) => {
            later.audit.extend(events);
            Ok(())
        }
        None => append_audit(conn, keys, &events).await,
    }
}

fn chained_from_row(row: &DbRow) -> StoreResult<ChainedEntry> {
    Ok(ChainedEntry {
        seq: row.try_get("seq")?,
        at_ms: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        actor_role: row.try_get("actor_role")?,
        patient_id: row.try_get("patient_id")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        outcome: row.try_get("outcome")?,
        client: row.try_get("client")?,
        detail: row.try_get("detail")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

fn optional_person(id: Option<String>, name: Option<String>, role: Option<String>) -> StoreResult<Option<PersonRef>> {
    match (id, name, role) {
        (Some(id), Some(name), Some(role)) => Ok(Some(person(parse_id(&id)?, name, &role)?)),
        _ => Ok(None),
    }
}

/// Columns that hold sealed values, for re-encryption: table, id column,
/// key column, and the sealed columns (text, or bytes for attachment content).
type SealedTable = (&'static str, &'static str, &'static str, &'static [(&'static str, bool)]);
const SEALED: [SealedTable; 7] = [
    ("threads", "id", "key_id", &[("subject", false)]),
    ("messages", "id", "key_id", &[("body", false)]),
    ("attachments", "id", "key_id", &[("file_name", false), ("content", true)]),
    ("triage_results", "id", "key_id", &[("reasons", false)]),
    ("emergency_access", "id", "key_id", &[("reason", false)]),
    ("users", "id", "mfa_key_id", &[("mfa_secret", false)]),
    ("drafts", "id", "key_id", &[("body", false)]),
];

/// Rows re-encrypted per transaction, so rotation never holds the writer long.
const RESEAL_BATCH: i64 = 200;

impl Backend {
    /// Runs `f` over rows just read; if a row names a data key this process
    /// has not loaded (another process rotated keys), loads keys and retries.
    async fn decode<T>(&self, f: impl Fn(&Keyring) -> StoreResult<T>) -> StoreResult<T> {
        match f(&self.keys) {
            Err(StoreError::UnknownKey(_)) => {
                self.load_keys().await?;
                f(&self.keys)
            }
            other => other,
        }
    }

    /// Loads every data key, creating the first one in a new database, and
    /// notes whether rows from before encryption may exist.
    async fn init_keys(&self) -> StoreResult<()> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM data_keys").fetch_one(&self.write).await?;
        let legacy = count == 0
            && sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM threads) OR EXISTS (SELECT 1 FROM messages) \
                 OR EXISTS (SELECT 1 FROM triage_results)",
            )
            .fetch_one(&self.write)
            .await?;
        sqlx::query("INSERT INTO encryption_state (id, legacy_plaintext) VALUES (1, $1) ON CONFLICT DO NOTHING")
            .bind(legacy)
            .execute(&self.write)
            .await?;
        let allowed: bool = sqlx::query_scalar("SELECT legacy_plaintext FROM encryption_state WHERE id = 1")
            .fetch_one(&self.write)
            .await?;
        self.keys.set_legacy_plaintext(allowed);
        if count == 0 {
            let key = self.keys.new_wrapped_key(1);
            sqlx::query(
                "INSERT INTO data_keys (id, wrapped, active, created_at) VALUES ($1, $2, TRUE, $3) ON CONFLICT DO NOTHING",
            )
            .bind(key.id)
            .bind(&key.wrapped)
            .bind(ms(Utc::now()))
            .execute(&self.write)
            .await?;
        }
        self.load_keys().await
    }

    /// Loads data keys this process does not hold yet and follows the active one.
    async fn load_keys(&self) -> StoreResult<()> {
        let rows = sqlx::query("SELECT id, wrapped, active FROM data_keys ORDER BY id").fetch_all(&self.write).await?;
        for row in &rows {
            let key = WrappedKey { id: row.try_get("id")?, wrapped: row.try_get("wrapped")? };
            let active: bool = row.try_get("active")?;
            if active || !self.keys.has(key.id) {
                self.keys.add(&key, active)?;
            }
        }
        Ok(())
    }

    async fn insert_grant(
        &self,
        grant: &ProxyGrant,
        created_by: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<Uuid> {
        let id = new_id();
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO proxy_grants (id, patient_id, proxy_id, scope, expires_at, revoked_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(grant.patient_id.to_string())
        .bind(grant.proxy_id.to_string())
        .bind(grant.scope.as_str())
        .bind(grant.expires_at.map(ms))
        .bind(grant.revoked_at.map(ms))
        .bind(created_by.to_string())
        .bind(ms(now))
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, &self.keys, &with_target(std::slice::from_ref(audit), "grant", &id.to_string())).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn read_grants(&self, patient: Option<UserId>, proxy: Option<UserId>) -> StoreResult<Vec<GrantRecord>> {
        let rows = sqlx::query(
            "SELECT g.id, g.scope, g.expires_at, g.revoked_at, g.created_at, \
             g.patient_id, p.display_name AS patient_name, p.role AS patient_role, \
             g.proxy_id, x.display_name AS proxy_name, x.role AS proxy_role \
             FROM proxy_grants g JOIN users p ON p.id = g.patient_id JOIN users x ON x.id = g.proxy_id \
             WHERE ($1 = '' OR g.patient_id = $1) AND ($2 = '' OR g.proxy_id = $2) \
             ORDER BY g.created_at DESC, g.id DESC",
        )
        .bind(patient.map_or_else(String::new, |p| p.to_string()))
        .bind(proxy.map_or_else(String::new, |p| p.to_string()))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(GrantRecord {
                    id: parse_id(row.try_get::<&str, _>("id")?)?,
                    patient: person(
                        parse_id(row.try_get::<&str, _>("patient_id")?)?,
                        row.try_get("patient_name")?,
                        row.try_get("patient_role")?,
                    )?,
                    proxy: person(
                        parse_id(row.try_get::<&str, _>("proxy_id")?)?,
                        row.try_get("proxy_name")?,
                        row.try_get("proxy_role")?,
                    )?,
                    scope: ProxyScope::parse(row.try_get::<&str, _>("scope")?)?,
                    expires_at: row.try_get::<Option<i64>, _>("expires_at")?.map(at).transpose()?,
                    revoked_at: row.try_get::<Option<i64>, _>("revoked_at")?.map(at).transpose()?,
                    created_at: at(row.try_get("created_at")?)?,
                })
            })
            .collect()
    }

    async fn write_revoke_grant(&self, id: Uuid, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query("UPDATE proxy_grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id.to_string())
            .bind(ms(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if done == 0 {
            return Ok(false);
        }
        append_audit(&mut tx, &self.keys, &with_target(std::slice::from_ref(audit), "grant", &id.to_string())).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn read_audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
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
        let sql = format!(
            "SELECT l.seq, l.at, l.actor_id, a.display_name AS actor_name, a.role AS actor_role_now, l.actor_role, \
             l.patient_id, p.display_name AS patient_name, p.role AS patient_role, l.action, l.target, l.outcome, \
             l.client, l.detail, l.key_id \
             FROM audit_log l LEFT JOIN users a ON a.id = l.actor_id LEFT JOIN users p ON p.id = l.patient_id \
             WHERE {} ORDER BY l.seq DESC LIMIT ${}",
            clauses.join(" AND "),
            binds.len()
        );
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = match b {
                Bind::Text(s) => q.bind(s),
                Bind::Int(i) => q.bind(i),
            };
        }
        let rows = q.fetch_all(&self.read).await?;
        self.decode(|keys| {
            rows.iter()
                .map(|row| {
                    let seq: i64 = row.try_get("seq")?;
                    let seq_text = seq.to_string();
                    let detail = row
                        .try_get::<Option<String>, _>("detail")?
                        .map(|d| keys.open_text(row.try_get("key_id")?, Slot { table: "audit_log", column: "detail", row: &seq_text }, d))
                        .transpose()?;
                    // The role the actor had when acting, as recorded.
                    let actor_role: Option<String> = row.try_get("actor_role")?;
                    Ok(AuditRecord {
                        seq,
                        at: at(row.try_get("at")?)?,
                        actor: optional_person(row.try_get("actor_id")?, row.try_get("actor_name")?, actor_role)?,
                        patient: optional_person(
                            row.try_get("patient_id")?,
                            row.try_get("patient_name")?,
                            row.try_get("patient_role")?,
                        )?,
                        action: row.try_get("action")?,
                        target: row.try_get("target")?,
                        outcome: row.try_get("outcome")?,
                        client: row.try_get("client")?,
                        detail,
                    })
                })
                .collect()
        })
        .await
    }

    /// Walks the whole chain in pages, stopping at the first break.
    async fn check_audit_chain(&self) -> StoreResult<AuditVerification> {
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&self.read).await?;
        let (head_seq, head_hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
        let mut verifier = ChainVerifier::default();
        let mut after = 0_i64;
        loop {
            let rows = sqlx::query(
                "SELECT seq, at, actor_id, actor_role, patient_id, action, target, outcome, client, detail, prev_hash, hash \
                 FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000",
            )
            .bind(after)
            .fetch_all(&self.read)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let entry = chained_from_row(row)?;
                after = entry.seq;
                if let Err(broken) = verifier.push(&entry) {
                    return Ok(AuditVerification { verified: verifier.count(), head_hash, broken: Some(broken.to_string()) });
                }
            }
        }
        let count = verifier.count();
        let broken = verifier.finish(head_seq, &head_hash).err().map(|b| b.to_string());
        Ok(AuditVerification { verified: count, head_hash, broken })
    }

    /// Re-wraps every data key under `next`, in one transaction.
    async fn write_rewrap(&self, next: &MasterKey) -> StoreResult<u64> {
        let mut tx = self.write.begin().await?;
        let rows = sqlx::query("SELECT id, wrapped FROM data_keys ORDER BY id").fetch_all(&mut *tx).await?;
        for row in &rows {
            let key = WrappedKey { id: row.try_get("id")?, wrapped: row.try_get("wrapped")? };
            let rewrapped = self.keys.rewrap(&key, next)?;
            sqlx::query("UPDATE data_keys SET wrapped = $2 WHERE id = $1")
                .bind(rewrapped.id)
                .bind(&rewrapped.wrapped)
                .execute(&mut *tx)
                .await?;
        }
        let audit = AuditEvent::new(carethread_core::audit::AuditAction::KeyRotation, None, Utc::now())
            .detail(format!("re-wrapped {} data keys under a new master key", rows.len()));
        append_audit(&mut tx, &self.keys, &[audit]).await?;
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    /// Adds a data key, makes it the active one, and re-encrypts every sealed
    /// value (and any plaintext left from before encryption) under it, a
    /// batch at a time. Servers keep running: they read any key by id.
    async fn write_rotation(&self) -> StoreResult<RotationReport> {
        let mut tx = self.write.begin().await?;
        let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM data_keys").fetch_one(&mut *tx).await?;
        let key = self.keys.new_wrapped_key(next);
        sqlx::query("UPDATE data_keys SET active = FALSE").execute(&mut *tx).await?;
        sqlx::query("INSERT INTO data_keys (id, wrapped, active, created_at) VALUES ($1, $2, TRUE, $3)")
            .bind(key.id)
            .bind(&key.wrapped)
            .bind(ms(Utc::now()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.keys.add(&key, true)?;
        let mut resealed = 0;
        for (table, id_col, key_col, columns) in SEALED {
            resealed += self.reseal_table(table, id_col, key_col, columns, next).await?;
        }
        // Every row now carries a key id: a row without one can only be planted.
        sqlx::query("UPDATE encryption_state SET legacy_plaintext = FALSE WHERE id = 1").execute(&self.write).await?;
        self.keys.set_legacy_plaintext(false);
        let audit = AuditEvent::new(carethread_core::audit::AuditAction::KeyRotation, None, Utc::now())
            .target("data_key", next)
            .detail(format!("re-encrypted {resealed} rows"));
        let mut tx = self.write.begin().await?;
        append_audit(&mut tx, &self.keys, &[audit]).await?;
        tx.commit().await?;
        self.compact().await?;
        Ok(RotationReport { new_key_id: next, rows_resealed: resealed, keys_rewrapped: 0 })
    }

    async fn reseal_table(
        &self,
        table: &'static str,
        id_col: &str,
        key_col: &str,
        columns: &[(&'static str, bool)],
        target: i64,
    ) -> StoreResult<u64> {
        let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
        let select = format!(
            "SELECT {id_col} AS row_id, {key_col} AS row_key, {} FROM {table} \
             WHERE ({key_col} IS NULL OR {key_col} <> $1) AND {} IS NOT NULL ORDER BY {id_col} LIMIT {RESEAL_BATCH}",
            names.join(", "),
            names[0]
        );
        let sets: Vec<String> = names.iter().enumerate().map(|(i, n)| format!("{n} = ${}", i + 3)).collect();
        let update = format!(
            "UPDATE {table} SET {key_col} = $2, {} WHERE {id_col} = $1 AND {key_col} IS NOT DISTINCT FROM ${}",
            sets.join(", "),
            names.len() + 3
        );
        let mut total = 0;
        loop {
            let rows = sqlx::query(&select).bind(target).fetch_all(&self.write).await?;
            if rows.is_empty() {
                return Ok(total);
            }
            let mut tx = self.write.begin().await?;
            let mut changed = 0;
            for row in &rows {
                let row_id: String = row.try_get("row_id")?;
                let old_key: Option<i64> = row.try_get("row_key")?;
                let mut q = sqlx::query(&update).bind(&row_id).bind(target);
                for (column, bytes) in columns {
                    let slot = Slot { table, column, row: &row_id };
                    let plain = if *bytes {
                        let stored: Vec<u8> = row.try_get(*column)?;
                        self.decode(|keys| keys.open(old_key, slot, stored.clone())).await?
                    } else {
                        let stored: String = row.try_get(*column)?;
                        self.decode(|keys| keys.open_text(old_key, slot, stored.clone())).await?.into_bytes()
                    };
                    let sealed = self.keys.seal_bytes_with(target, slot, &plain)?;
                    q = if *bytes {
                        q.bind(sealed)
                    } else {
                        use base64::Engine as _;
                        q.bind(base64::engine::general_purpose::STANDARD_NO_PAD.encode(sealed))
                    };
                }
                changed += q.bind(old_key).execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            total += changed;
            if changed == 0 {
                // Every row in the batch changed under us; read again.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }

    async fn read_login_state(&self, user: UserId) -> StoreResult<Option<LoginState>> {
        let row = sqlx::query("SELECT failed_logins, locked_until, mfa_enabled FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.map(|row| {
            Ok(LoginState {
                failed_logins: row.try_get("failed_logins")?,
                locked_until: row.try_get::<Option<i64>, _>("locked_until")?.map(at).transpose()?,
                mfa_enabled: row.try_get("mfa_enabled")?,
            })
        })
        .transpose()
    }

    async fn write_login_failure(
        &self,
        user: UserId,
        lock: &(dyn Fn(i64) -> Option<DateTime<Utc>> + Sync),
        audit: &AuditEvent,
    ) -> StoreResult<LoginState> {
        let mut tx = self.write.begin().await?;
        let failed: i64 =
            sqlx::query_scalar("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins")
                .bind(user.to_string())
                .fetch_one(&mut *tx)
                .await?;
        let locked_until = lock(failed);
        if let Some(until) = locked_until {
            sqlx::query("UPDATE users SET locked_until = $2 WHERE id = $1")
                .bind(user.to_string())
                .bind(ms(until))
                .execute(&mut *tx)
                .await?;
        }
        append_audit(&mut tx, &self.keys, std::slice::from_ref(audit)).await?;
        let mfa_enabled: bool = sqlx::query_scalar("SELECT mfa_enabled FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(LoginState { failed_logins: failed, locked_until, mfa_enabled })
    }

    /// Clears failed attempts and starts the session, unless the account was
    /// locked in the meantime (checked in the same statement): then `false`.
    async fn write_login_success(&self, session: &SessionRecord, audit: &AuditEvent) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let cleared = sqlx::query(
            "UPDATE users SET failed_logins = 0, locked_until = NULL \
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)",
        )
        .bind(session.user_id.to_string())
        .bind(ms(session.created_at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if cleared == 0 {
            return Ok(false);
        }
        insert_session(&mut tx, session).await?;
        append_audit(&mut tx, &self.keys, std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn write_end_sessions(&self, user: UserId, only: Option<&str>, audit: &AuditEvent) -> StoreResult<u64> {
        let mut tx = self.write.begin().await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 = '' OR token_hash = $2)")
            .bind(user.to_string())
            .bind(only.unwrap_or(""))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        append_audit(&mut tx, &self.keys, std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn read_mfa(&self, user: UserId) -> StoreResult<Option<MfaRecord>> {
        let row = sqlx::query("SELECT id, mfa_secret, mfa_key_id, mfa_enabled, mfa_last_step FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let Some(stored) = row.try_get::<Option<String>, _>("mfa_secret")? else { return Ok(None) };
        let id: String = row.try_get("id")?;
        let key: Option<i64> = row.try_get("mfa_key_id")?;
        let secret = self
            .decode(|keys| {
                use base64::Engine as _;
                let text = keys.open_text(key, Slot { table: "users", column: "mfa_secret", row: &id }, stored.clone())?;
                base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(text.as_bytes())
                    .map_err(|_| StoreError::Corrupt("mfa secret".into()))
            })
            .await?;
        Ok(Some(MfaRecord {
            secret,
            enabled: row.try_get("mfa_enabled")?,
            last_step: row.try_get("mfa_last_step")?,
        }))
    }

    async fn write_mfa_secret(&self, user: UserId, secret: &[u8], audit: &AuditEvent) -> StoreResult<()> {
        use base64::Engine as _;
        let id = user.to_string();
        let key_id = self.keys.active();
        let text = base64::engine::general_purpose::STANDARD_NO_PAD.encode(secret);
        let sealed = self.keys.seal_text_with(key_id, Slot { table: "users", column: "mfa_secret", row: &id }, &text)?;
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "UPDATE users SET mfa_secret = $2, mfa_key_id = $3, mfa_enabled = FALSE, mfa_last_step = NULL WHERE id = $1",
        )
        .bind(&id)
        .bind(sealed)
        .bind(key_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(&id).execute(&mut *tx).await?;
        append_audit(&mut tx, &self.keys, std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn write_mfa_enabled(
        &self,
        user: UserId,
        enabled: bool,
        recovery_hashes: &[String],
        keep_session: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let id = user.to_string();
        let mut tx = self.write.begin().await?;
        // Turning the second factor on or off ends every other session: one
        // opened with the password alone must not gain (or keep) access.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(&id)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE sessions SET mfa_passed = $2 WHERE token_hash = $1")
            .bind(keep_session)
            .bind(enabled)
            .execute(&mut *tx)
            .await?;
        if enabled {
            sqlx::query("UPDATE users SET mfa_enabled = TRUE WHERE id = $1").bind(&id).execute(&mut *tx).await?;
        } else {
            sqlx::query(
                "UPDATE users SET mfa_enabled = FALSE, mfa_secret = NULL, mfa_key_id = NULL, mfa_last_step = NULL WHERE id = $1",
            )
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(&id).execute(&mut *tx).await?;
        for hash in recovery_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(&id)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        append_audit(&mut tx, &self.keys, std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn write_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE users SET mfa_last_step = $2 WHERE id = $1 AND (mfa_last_step IS NULL OR mfa_last_step < $2)",
        )
        .bind(user.to_string())
        .bind(step)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    async fn write_use_recovery_code(&self, user: UserId, hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user.to_string())
        .bind(hash)
        .bind(ms(now))
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    async fn write_emergency_access(
        &self,
        user: UserId,
        patient: UserId,
        reason: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let id = new_id().to_string();
        let key_id = self.keys.active();
        let sealed = self.keys.seal_text_with(key_id, Slot { table: "emergency_access", column: "reason", row: &id }, reason)?;
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO emergency_access (id, user_id, patient_id, reason, key_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(user.to_string())
        .bind(patient.to_string())
        .bind(sealed)
        .bind(key_id)
        .bind(ms(now))
        .bind(ms(expires_at))
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, &self.keys, std::slice::from_ref(audit)).await?;
        let event = ThreadEvent {
            kind: EventKind::BreakGlass,
            thread_id: audit
                .target
                .as_deref()
                .and_then(|t| t.strip_prefix("thread:"))
                .and_then(|t| t.parse().ok())
                .unwrap_or_else(|| ThreadId::from_uuid(Uuid::nil())),
            message_id: None,
            internal: true,
            alert: true,
            at: now,
        };
        self.notify_in_tx(&mut tx, &event).await?;
        tx.commit().await?;
        self.publish(event);
        Ok(())
    }
}
