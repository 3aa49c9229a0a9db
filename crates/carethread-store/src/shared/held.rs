//! Held and scheduled replies: the body sealed like a message's, released
//! into a message (and deleted) in one transaction.

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;
use crate::held::{HeldReply, HeldReplyId, NewHeldReply, ReleaseHeld};

const SELECT: &str = "SELECT h.id, h.thread_id, h.author_id, h.body, h.key_id, h.release_at, h.created_at, \
     u.display_name, u.role FROM held_replies h JOIN users u ON u.id = h.author_id";

/// Takes the held reply `id` off the hold: `false` when it was not held
/// (already released or cancelled).
async fn taken<D: Dialect>(conn: &mut D::Connection, id: &str) -> StoreResult<bool> {
    let deleted =
        sqlx::query::<D>("DELETE FROM held_replies WHERE id = $1").bind_v(id).execute_with(&mut *conn).await?;
    Ok(deleted.rows_affected() > 0)
}

fn held_from_row<R: DialectRow>(row: &R, keys: &Keyring) -> StoreResult<HeldReply> {
    let id: &str = row.get_v("id")?;
    let slot = Slot { table: "held_replies", column: "body", row: id };
    let body = keys.open_text(row.get_v("key_id")?, slot, row.get_v("body")?)?;
    let author_id: UserId = parse_id(row.get_v::<&str, _>("author_id")?)?;
    Ok(HeldReply {
        id: parse_id(id)?,
        thread_id: parse_id(row.get_v::<&str, _>("thread_id")?)?,
        author: person(author_id, row.get_v("display_name")?, row.get_v("role")?)?,
        body: MessageBody::from_trusted(body),
        release_at: row.get_v::<Option<i64>, _>("release_at")?.map(at).transpose()?,
        created_at: at(row.get_v("created_at")?)?,
    })
}

#[async_trait]
impl<B: Backend> crate::HeldReplies for B {
    async fn hold_reply(&self, new: NewHeldReply) -> StoreResult<HeldReplyId> {
        let sql = self.sql();
        let id = new.id.to_string();
        let (key_id, body) =
            sql.keys.seal_text(Slot { table: "held_replies", column: "body", row: &id }, new.body.as_str())?;
        sql.audited(async |conn| {
            sqlx::query::<B::D>(
                "INSERT INTO held_replies (id, thread_id, author_id, body, key_id, release_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind_v(&id)
            .bind_v(new.thread_id.to_string())
            .bind_v(new.author_id.to_string())
            .bind_v(&body)
            .bind_v(key_id)
            .bind_v(new.release_at.map(ms))
            .bind_v(ms(new.now))
            .execute_with(&mut *conn)
            .await?;
            Sql::<B::D>::add_jobs(conn, &new.jobs, new.now).await?;
            Ok(Audited::new(new.id, with_target(&new.audit, "held_reply", &id)))
        })
        .await
    }

    async fn held_replies(&self, thread: ThreadId) -> StoreResult<Vec<HeldReply>> {
        let sql = self.sql();
        let rows = sqlx::query::<B::D>(&format!("{SELECT} WHERE h.thread_id = $1 ORDER BY h.created_at, h.id"))
            .bind_v(thread.to_string())
            .fetch_all_with(&sql.read)
            .await?;
        sql.decode(|keys| rows.iter().map(|row| held_from_row(row, keys)).collect()).await
    }

    async fn held_reply(&self, id: HeldReplyId) -> StoreResult<Option<HeldReply>> {
        self.sql().decoded_one(&format!("{SELECT} WHERE h.id = $1"), id.to_string(), held_from_row).await
    }

    async fn release_held(&self, release: ReleaseHeld) -> StoreResult<Option<Written>> {
        let sql = self.sql();
        let id = release.id.to_string();
        sql.audited(async |conn| {
            if !taken::<B::D>(conn, &id).await? {
                return Ok(Audited::unchanged(None));
            }
            let outcome = Sql::<B::D>::write_message(conn, &sql.keys, &release.message, None).await?;
            cancel_pending::<B::D>(conn, &release.release_job, release.message.now).await?;
            let target = outcome.written.message_id.to_string();
            let done = Audited::new(Some(outcome.written), with_target(&release.audit, "message", &target));
            Ok(match outcome.event {
                Some(event) => done.publishing(event),
                None => done,
            })
        })
        .await
    }

    async fn cancel_held(&self, id: HeldReplyId, release_job: &str, audit: AuditEvent) -> StoreResult<bool> {
        let now = audit.at;
        let sql = self.sql();
        let id = id.to_string();
        sql.audited(async |conn| {
            if !taken::<B::D>(conn, &id).await? {
                return Ok(Audited::unchanged(false));
            }
            cancel_pending::<B::D>(conn, release_job, now).await?;
            Ok(Audited::new(true, with_target(std::slice::from_ref(&audit), "held_reply", &id)))
        })
        .await
    }
}

/// Cancels the pending job with `dedupe_key`, inside the caller's transaction.
async fn cancel_pending<D: Dialect>(conn: &mut D::Connection, dedupe_key: &str, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query::<D>(
        "UPDATE jobs SET state = 'cancelled', finished_at = $2 WHERE dedupe_key = $1 AND state = 'pending'",
    )
    .bind_v(dedupe_key)
    .bind_v(ms(now))
    .execute_with(&mut *conn)
    .await?;
    Ok(())
}
