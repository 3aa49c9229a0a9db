//! Who has opened an after-hours emergency: read receipts, one indexed query.

use carethread_core::ids::{ThreadId, UserId};
use chrono::{DateTime, Utc};

use super::{Sql, at, ms, parse_id, person};
use crate::dialect::{Dialect, DialectRow as _, QueryExt as _};
use crate::{PersonRef, StoreResult};

impl<D: Dialect> Sql<D> {
    pub(crate) async fn read_first_among(
        &self,
        id: ThreadId,
        readers: &[UserId],
        since: DateTime<Utc>,
    ) -> StoreResult<Option<(PersonRef, DateTime<Utc>)>> {
        if readers.is_empty() {
            return Ok(None);
        }
        let placeholders: Vec<String> = (0..readers.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT u.id, u.display_name, u.role, r.read_at FROM message_reads r \
             JOIN messages m ON m.id = r.message_id JOIN users u ON u.id = r.reader_id \
             WHERE m.thread_id = $1 AND r.read_at >= $2 AND r.reader_id IN ({}) \
             ORDER BY r.read_at LIMIT 1",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind_v(id.to_string()).bind_v(ms(since));
        for reader in readers {
            query = query.bind_v(reader.to_string());
        }
        let Some(row) = query.fetch_optional_with(&self.read).await? else {
            return Ok(None);
        };
        let reader: UserId = parse_id(&row.get_v::<String, _>("id")?)?;
        let who = person(reader, row.get_v("display_name")?, &row.get_v::<String, _>("role")?)?;
        Ok(Some((who, at(row.get_v("read_at")?)?)))
    }
}
