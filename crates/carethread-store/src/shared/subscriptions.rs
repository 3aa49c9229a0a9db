//! FHIR subscriptions: their rows, the events of each topic after a cursor
//! (messages by sending time, conversation changes by time), and moving a
//! cursor with the notifications it causes in one transaction.

use async_trait::async_trait;
use carethread_core::ids::SubscriptionId;

use super::backend::Backend;
use super::prelude::*;

use crate::{CursorMove, EventWindow, NewJob, StatusChange, Subscription, SubscriptionStatus, Topic, TopicEvent};

const SUBSCRIPTION_COLS: &str = "id, owner_id, topic, patient_id, endpoint, fhir_base, headers, status, error, cursor_at, cursor_id, events, created_at";

fn subscription_from_row<R: DialectRow>(row: &R) -> StoreResult<Subscription> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("a subscription's {what}"));
    let status = match row.get_v::<&str, _>("status")? {
        "requested" => SubscriptionStatus::Requested,
        "active" => SubscriptionStatus::Active,
        "error" => SubscriptionStatus::Error,
        "off" => SubscriptionStatus::Off,
        _ => return Err(corrupt("status")),
    };
    let headers: Vec<String> =
        serde_json::from_str(row.get_v::<&str, _>("headers")?).map_err(|_| corrupt("headers"))?;
    Ok(Subscription {
        id: parse_id(row.get_v::<&str, _>("id")?)?,
        owner: parse_id(row.get_v::<&str, _>("owner_id")?)?,
        topic: Topic::parse(row.get_v::<&str, _>("topic")?).ok_or_else(|| corrupt("topic"))?,
        patient: opt_id(row.get_v::<Option<&str>, _>("patient_id")?)?,
        endpoint: row.get_v("endpoint")?,
        fhir_base: row.get_v("fhir_base")?,
        headers,
        status,
        error: row.get_v("error")?,
        cursor: (at(row.get_v("cursor_at")?)?, row.get_v("cursor_id")?),
        events: u64::try_from(row.get_v::<i64, _>("events")?).map_err(|_| corrupt("count"))?,
        created_at: at(row.get_v("created_at")?)?,
    })
}

impl<D: Dialect> Sql<D> {
    async fn read_subscriptions(&self, filter: &str, value: &str) -> StoreResult<Vec<Subscription>> {
        let statement =
            format!("SELECT {SUBSCRIPTION_COLS} FROM subscriptions WHERE {filter} ORDER BY created_at DESC, id");
        let rows = sqlx::query::<D>(&statement).bind_v(value).fetch_all_with(&self.read).await?;
        rows.iter().map(subscription_from_row).collect()
    }
}

#[async_trait]
impl<B: Backend> crate::Subscriptions for B {
    async fn create_subscription(&self, s: &Subscription, handshake: NewJob) -> StoreResult<()> {
        let headers = serde_json::to_string(&s.headers).map_err(|_| StoreError::Corrupt("headers".into()))?;
        self.sql()
            .audited(async |conn| {
                sqlx::query::<B::D>(&format!(
                    "INSERT INTO subscriptions ({SUBSCRIPTION_COLS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, 0, $11)"
                ))
                .bind_v(s.id.to_string())
                .bind_v(s.owner.to_string())
                .bind_v(s.topic.as_str())
                .bind_v(s.patient.map(|p| p.to_string()))
                .bind_v(s.endpoint.as_str())
                .bind_v(s.fhir_base.as_str())
                .bind_v(&headers)
                .bind_v(s.status.as_str())
                .bind_v(ms(s.cursor.0))
                .bind_v(s.cursor.1.as_str())
                .bind_v(ms(s.created_at))
                .execute_with(&mut *conn)
                .await?;
                Ok(Audited::unchanged(()).with_jobs(vec![handshake]))
            })
            .await
    }

    async fn subscription(&self, id: SubscriptionId) -> StoreResult<Option<Subscription>> {
        Ok(self.sql().read_subscriptions("id = $1", &id.to_string()).await?.into_iter().next())
    }

    async fn subscriptions_of(&self, owner: UserId) -> StoreResult<Vec<Subscription>> {
        self.sql().read_subscriptions("owner_id = $1", &owner.to_string()).await
    }

    async fn active_subscriptions(&self) -> StoreResult<Vec<Subscription>> {
        self.sql().read_subscriptions("status = $1", "active").await
    }

    async fn set_subscription_status(&self, id: SubscriptionId, change: StatusChange<'_>) -> StoreResult<bool> {
        let StatusChange { only_if, to: status, why: error } = change;
        let changed = sqlx::query::<B::D>(
            "UPDATE subscriptions SET status = $2, error = $3 WHERE id = $1 AND ($4 = '' OR status = $4)",
        )
        .bind_v(id.to_string())
        .bind_v(status.as_str())
        .bind_v(error)
        .bind_v(only_if.map_or("", SubscriptionStatus::as_str))
        .execute_with(&self.sql().write)
        .await?
        .rows_affected();
        Ok(changed > 0)
    }

    async fn topic_events(&self, topic: Topic, window: EventWindow<'_>) -> StoreResult<Vec<TopicEvent>> {
        let EventWindow { after, until, limit } = window;
        let statement = match topic {
            Topic::CommunicationCreated => {
                "SELECT m.sent_at AS at, m.id AS event_key, m.thread_id, t.patient_id, m.id AS message_id, m.internal \
                 FROM messages m JOIN threads t ON t.id = m.thread_id \
                 WHERE (m.sent_at > $1 OR (m.sent_at = $1 AND m.id > $2)) AND m.sent_at <= $4 \
                 ORDER BY m.sent_at, m.id LIMIT $3"
            }
            Topic::TaskChanged => {
                "SELECT c.at, c.thread_id AS event_key, c.thread_id, t.patient_id, NULL AS message_id, FALSE AS internal \
                 FROM thread_changes c JOIN threads t ON t.id = c.thread_id \
                 WHERE (c.at > $1 OR (c.at = $1 AND c.thread_id > $2)) AND c.at <= $4 \
                 ORDER BY c.at, c.thread_id LIMIT $3"
            }
        };
        let rows = sqlx::query::<B::D>(statement)
            .bind_v(ms(after.0))
            .bind_v(after.1)
            .bind_v(i64::from(limit))
            .bind_v(ms(until))
            .fetch_all_with(&self.sql().read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TopicEvent {
                    at: at(r.get_v("at")?)?,
                    key: r.get_v("event_key")?,
                    thread: parse_id(r.get_v::<&str, _>("thread_id")?)?,
                    patient: parse_id(r.get_v::<&str, _>("patient_id")?)?,
                    message: opt_id(r.get_v::<Option<&str>, _>("message_id")?)?,
                    internal: r.get_v("internal")?,
                })
            })
            .collect()
    }

    async fn advance_subscription(
        &self,
        id: SubscriptionId,
        step: CursorMove<'_>,
        notifications: Vec<NewJob>,
    ) -> StoreResult<bool> {
        let CursorMove { from, to, told } = step;
        self.sql()
            .audited(async |conn| {
                let moved = sqlx::query::<B::D>(
                    "UPDATE subscriptions SET cursor_at = $4, cursor_id = $5, events = events + $6 \
                     WHERE id = $1 AND cursor_at = $2 AND cursor_id = $3",
                )
                .bind_v(id.to_string())
                .bind_v(ms(from.0))
                .bind_v(from.1)
                .bind_v(ms(to.0))
                .bind_v(to.1)
                .bind_v(i64::try_from(told).unwrap_or(i64::MAX))
                .execute_with(&mut *conn)
                .await?
                .rows_affected();
                if moved == 0 {
                    return Ok(Audited::unchanged(false));
                }
                Ok(Audited::unchanged(true).with_jobs(notifications))
            })
            .await
    }
}
