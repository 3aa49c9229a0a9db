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
use carethread_core::audit::AuditEvent;
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
use crate::shared::{
    ADVANCE_THREAD, Audited, Deferred, MessageRow, MessageRows, Sql, TriageRow, at, bind_advance, message_event, ms, naming_conflict, new_id, opt_id, parse_id, person, with_target,
};
use crate::sql::{Bind, THREAD_COLS, USER_COLS, summary_select, visible_threads};
use crate::{
    AttachmentView, EventKind, Idempotency, MessageView, NewMessage, NewThread, PersonRef, PoolRef,
    SessionRecord, Store, StoreError, StoreResult, ThreadEvent, ThreadFilter, ThreadSummary,
    TriageOverride, TriageRecord, TriageSettings, TriageStats, Written,
};

type Conn = <Db as sqlx::Database>::Connection;

/// Shared SQL on this backend, for calls by path (`Shared::append_audit(…)`).
type Shared = Sql<Db>;

