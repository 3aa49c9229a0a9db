// What the SQL shared by both backends starts from: its imports and the
// small conversions every aggregate's SQL uses. The SQL lives in one file per
// aggregate (`sql_users.rs`, `sql_threads.rs`, `sql_messages.rs`,
// `sql_grants.rs`, …), mapped onto the store's traits in `sql_impls.rs`.
// These files are `include!`d by
// `sqlite.rs` and `postgres.rs`, each of which defines `Db`, `DbRow` and
// `Backend` (its store type, with `read` and `write` pools and
// `notify_in_tx`/`publish` for live events). The SQL is the same for both.

use std::collections::HashMap;
use std::str::FromStr;

use async_trait::async_trait;
use carethread_core::attachment::{Attachment, FileName, MediaType};
use carethread_core::audit::{AuditEvent, ChainedEntry};
use carethread_core::ids::{AttachmentId, DraftId, GrantId, MessageId, PoolId, QuickReplyId, ThreadId, UserId};
use carethread_core::message::{Message, MessageBody};
use carethread_core::policy::{Actor, PatientFacts, ProxyGrant, ProxyScope, ThreadFacts};
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, Thread, ThreadPatch, ThreadStatus, Urgency};
use carethread_core::user::{DisplayName, Language, NewUser, User, Username};
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use uuid::Uuid;

use crate::crypto::{Keyring, Slot};
use crate::shared::{Sql, at, ms, naming_conflict, new_id, opt_id, parse_id, person};
use crate::sql::{Bind, THREAD_COLS, USER_COLS, summary_select, visible_threads};
use crate::{
    AttachmentView, EventKind, Idempotency, MessageView, NewMessage, NewThread, PersonRef, PoolRef,
    SessionRecord, Store, StoreError, StoreResult, ThreadEvent, ThreadFilter, ThreadSummary,
    TriageOverride, TriageRecord, TriageSettings, TriageStats, Written,
};

type Conn = <Db as sqlx::Database>::Connection;

/// What an audited write did: its answer, the audit entries that record it
/// (none when it changed nothing, such as revoking a grant already revoked),
/// and the live events to publish once it commits.
struct Audited<T> {
    value: T,
    audit: Vec<AuditEvent>,
    events: Vec<ThreadEvent>,
}

impl<T> Audited<T> {
    fn new(value: T, audit: Vec<AuditEvent>) -> Self {
        Self { value, audit, events: Vec::new() }
    }

    /// Nothing was changed, so nothing is recorded.
    fn unchanged(value: T) -> Self {
        Self::new(value, Vec::new())
    }

    fn publishing(mut self, event: ThreadEvent) -> Self {
        self.events.push(event);
        self
    }
}

impl Backend {
    /// The one way a change is written with its audit entries: begins a
    /// write transaction, runs `body` in it, appends the audit entries the
    /// body returns, notifies other servers of its events, and commits; then
    /// publishes the events here. If the body, the audit log or the commit
    /// fails, the transaction is rolled back (dropped) and nothing is stored.
    async fn audited<T>(&self, body: impl AsyncFnOnce(&mut Conn) -> StoreResult<Audited<T>>) -> StoreResult<T> {
        let mut tx = self.write.begin().await?;
        let done = body(&mut tx).await?;
        append_audit(&mut tx, &self.keys, &done.audit).await?;
        for event in &done.events {
            self.notify_in_tx(&mut tx, event).await?;
        }
        tx.commit().await?;
        for event in done.events {
            self.publish(event);
        }
        Ok(done.value)
    }
}
