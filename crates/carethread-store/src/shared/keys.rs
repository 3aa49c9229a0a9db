//! Encryption keys: loading them, rewrapping them under a new master key, and
//! rotating the data key (re-sealing every sealed column).

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;

use crate::RotationReport;
use crate::crypto::{MasterKey, WrappedKey};

/// Columns that hold sealed values, for re-encryption: table, id column,
/// key column, and the sealed columns (text, or bytes for attachment content).
type SealedTable = (&'static str, &'static str, &'static str, &'static [(&'static str, bool)]);

const SEALED: [SealedTable; 9] = [
    ("threads", "id", "key_id", &[("subject", false)]),
    ("messages", "id", "key_id", &[("body", false)]),
    ("attachments", "id", "key_id", &[("file_name", false), ("content", true)]),
    ("triage_results", "id", "key_id", &[("reasons", false)]),
    ("emergency_access", "id", "key_id", &[("reason", false)]),
    ("users", "id", "mfa_key_id", &[("mfa_secret", false)]),
    ("drafts", "id", "key_id", &[("body", false)]),
    ("bulk_export_files", "id", "key_id", &[("body", true)]),
    ("signing_keys", "kid", "key_id", &[("private_key", true)]),
];

/// Rows re-encrypted per transaction, so rotation never holds the writer long.
const RESEAL_BATCH: i64 = 200;

impl<D: Dialect> Sql<D> {
    /// Runs `f` over rows just read; if a row names a data key this process
    /// has not loaded (another process rotated keys), loads keys and retries.
    pub(crate) async fn decode<T>(&self, f: impl Fn(&Keyring) -> StoreResult<T>) -> StoreResult<T> {
        match f(&self.keys) {
            Err(StoreError::UnknownKey(_)) => {
                self.load_keys().await?;
                f(&self.keys)
            }
            other => other,
        }
    }

    /// The one row `statement` finds with `id` bound as `$1` (if any),
    /// decrypted by `from_row`.
    pub(crate) async fn decoded_one<T>(
        &self,
        statement: &str,
        id: String,
        from_row: impl Fn(&D::Row, &Keyring) -> StoreResult<T>,
    ) -> StoreResult<Option<T>> {
        let row = sqlx::query::<D>(statement).bind_v(id).fetch_optional_with(&self.read).await?;
        match row {
            None => Ok(None),
            Some(row) => self.decode(|keys| from_row(&row, keys)).await.map(Some),
        }
    }

    /// Loads every data key, creating the first one in a new database, and
    /// notes whether rows from before encryption may exist.
    pub(crate) async fn init_keys(&self) -> StoreResult<()> {
        let count: i64 = sqlx::query::<D>("SELECT COUNT(*) FROM data_keys").fetch_scalar_with(&self.write).await?;
        let legacy = count == 0
            && sqlx::query::<D>(
                "SELECT EXISTS (SELECT 1 FROM threads) OR EXISTS (SELECT 1 FROM messages) \
                 OR EXISTS (SELECT 1 FROM triage_results)",
            )
            .fetch_scalar_with::<bool, _>(&self.write)
            .await?;
        sqlx::query::<D>("INSERT INTO encryption_state (id, legacy_plaintext) VALUES (1, $1) ON CONFLICT DO NOTHING")
            .bind_v(legacy)
            .execute_with(&self.write)
            .await?;
        let allowed: bool = sqlx::query::<D>("SELECT legacy_plaintext FROM encryption_state WHERE id = 1")
            .fetch_scalar_with(&self.write)
            .await?;
        self.keys.set_legacy_plaintext(allowed);
        if count == 0 {
            let key = self.keys.new_wrapped_key(1);
            sqlx::query::<D>(
                "INSERT INTO data_keys (id, wrapped, active, created_at) VALUES ($1, $2, TRUE, $3) ON CONFLICT DO NOTHING",
            )
            .bind_v(key.id)
            .bind_v(&key.wrapped)
            .bind_v(ms(Utc::now()))
            .execute_with(&self.write)
            .await?;
        }
        self.load_keys().await
    }

    /// Loads data keys this process does not hold yet and follows the active one.
    pub(crate) async fn load_keys(&self) -> StoreResult<()> {
        let rows = sqlx::query::<D>("SELECT id, wrapped, active FROM data_keys ORDER BY id")
            .fetch_all_with(&self.write)
            .await?;
        for row in &rows {
            let key = WrappedKey { id: row.get_v("id")?, wrapped: row.get_v("wrapped")? };
            let active: bool = row.get_v("active")?;
            if active || !self.keys.has(key.id) {
                self.keys.add(&key, active)?;
            }
        }
        Ok(())
    }

    pub(crate) async fn reseal_table(
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
            let rows = sqlx::query::<D>(&select).bind_v(target).fetch_all_with(&self.write).await?;
            if rows.is_empty() {
                return Ok(total);
            }
            let mut tx = self.write.begin().await?;
            let mut changed = 0;
            for row in &rows {
                let row_id: String = row.get_v("row_id")?;
                let old_key: Option<i64> = row.get_v("row_key")?;
                let mut q = sqlx::query::<D>(&update).bind_v(&row_id).bind_v(target);
                for (column, bytes) in columns {
                    let slot = Slot { table, column, row: &row_id };
                    let plain = if *bytes {
                        let stored: Vec<u8> = row.get_v(*column)?;
                        self.decode(|keys| keys.open(old_key, slot, stored.clone())).await?
                    } else {
                        let stored: String = row.get_v(*column)?;
                        self.decode(|keys| keys.open_text(old_key, slot, stored.clone())).await?.into_bytes()
                    };
                    let sealed = self.keys.seal_bytes_with(target, slot, &plain)?;
                    q = if *bytes {
                        q.bind_v(sealed)
                    } else {
                        use base64::Engine as _;
                        q.bind_v(base64::engine::general_purpose::STANDARD_NO_PAD.encode(sealed))
                    };
                }
                changed += q.bind_v(old_key).execute_with(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            total += changed;
            if changed == 0 {
                // Every row in the batch changed under us; read again.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
}

#[async_trait]
impl<B: Backend> crate::Keys for B {
    async fn rewrap_keys(&self, next: &MasterKey) -> StoreResult<u64> {
        let sql = self.sql();
        sql.audited(async |conn| {
            let rows =
                sqlx::query::<B::D>("SELECT id, wrapped FROM data_keys ORDER BY id").fetch_all_with(&mut *conn).await?;
            for row in &rows {
                let key = WrappedKey { id: row.get_v("id")?, wrapped: row.get_v("wrapped")? };
                let rewrapped = sql.keys.rewrap(&key, next)?;
                sqlx::query::<B::D>("UPDATE data_keys SET wrapped = $2 WHERE id = $1")
                    .bind_v(rewrapped.id)
                    .bind_v(&rewrapped.wrapped)
                    .execute_with(&mut *conn)
                    .await?;
            }
            let audit = AuditEvent::new(carethread_core::audit::AuditAction::KeyRotation, None, Utc::now())
                .detail(format!("re-wrapped {} data keys under a new master key", rows.len()));
            Ok(Audited::new(rows.len() as u64, vec![audit]))
        })
        .await
    }

    async fn rotate_data_key(&self) -> StoreResult<RotationReport> {
        let sql = self.sql();
        let mut tx = sql.write.begin().await?;
        let next: i64 =
            sqlx::query::<B::D>("SELECT COALESCE(MAX(id), 0) + 1 FROM data_keys").fetch_scalar_with(&mut *tx).await?;
        let key = sql.keys.new_wrapped_key(next);
        sqlx::query::<B::D>("UPDATE data_keys SET active = FALSE").execute_with(&mut *tx).await?;
        sqlx::query::<B::D>("INSERT INTO data_keys (id, wrapped, active, created_at) VALUES ($1, $2, TRUE, $3)")
            .bind_v(key.id)
            .bind_v(&key.wrapped)
            .bind_v(ms(Utc::now()))
            .execute_with(&mut *tx)
            .await?;
        tx.commit().await?;
        sql.keys.add(&key, true)?;
        let mut resealed = 0;
        for (table, id_col, key_col, columns) in SEALED {
            resealed += sql.reseal_table(table, id_col, key_col, columns, next).await?;
        }
        // Every row now carries a key id: a row without one can only be planted.
        sqlx::query::<B::D>("UPDATE encryption_state SET legacy_plaintext = FALSE WHERE id = 1")
            .execute_with(&sql.write)
            .await?;
        sql.keys.set_legacy_plaintext(false);
        let audit = AuditEvent::new(carethread_core::audit::AuditAction::KeyRotation, None, Utc::now())
            .target("data_key", next)
            .detail(format!("re-encrypted {resealed} rows"));
        sql.audited(async |_| Ok(Audited::new((), vec![audit]))).await?;
        sql.compact().await?;
        Ok(RotationReport { new_key_id: next, rows_resealed: resealed, keys_rewrapped: 0 })
    }
}
