//! What every aggregate's SQL starts from: the core types it reads and
//! writes, the dialect's query methods, and the shared conversions.

#![allow(unused_imports, reason = "a prelude: each aggregate uses part of it")]

pub(crate) use std::collections::HashMap;
pub(crate) use std::str::FromStr;

pub(crate) use carethread_core::attachment::{Attachment, FileName, MediaType};
pub(crate) use carethread_core::audit::{AuditEvent, ChainedEntry};
pub(crate) use carethread_core::ids::{
    AttachmentId, DraftId, GrantId, MessageId, PoolId, QuickReplyId, ThreadId, UserId,
};
pub(crate) use carethread_core::message::{Message, MessageBody};
pub(crate) use carethread_core::policy::{Actor, PatientFacts, ProxyGrant, ProxyScope, ThreadFacts};
pub(crate) use carethread_core::role::Role;
pub(crate) use carethread_core::thread::{Category, Subject, Thread, ThreadPatch, ThreadStatus, Urgency};
pub(crate) use carethread_core::user::{DisplayName, Language, NewUser, User, Username};
pub(crate) use chrono::{DateTime, NaiveDate, Utc};
pub(crate) use sha2::{Digest, Sha256};
pub(crate) use uuid::Uuid;

pub(crate) use super::audit::with_target;
pub(crate) use super::batch::*;
pub(crate) use super::drafting::draft_from_row;
pub(crate) use super::grants::grant_from_row;
pub(crate) use super::in_basket::{IN_BASKET_ORDER, Params, page_ids};
pub(crate) use super::people::{pool_from_row, user_from_row};
pub(crate) use super::staff_roles;
pub(crate) use super::threads::{summary_from_row, thread_from_row};
pub(crate) use super::triage::triage_from_row;
pub(crate) use super::write_jobs::{JobOutcome, Ran, WriteJob};
pub(crate) use super::{Audited, Sql, at, ms, naming_conflict, new_id, opt_id, parse_id, person, placeholders};
pub(crate) use crate::crypto::{Keyring, Slot};
pub(crate) use crate::dialect::{Dialect, DialectRow, Q, QueryExt, from_columns};
pub(crate) use crate::sql::{Bind, THREAD_COLS, USER_COLS, summary_select, visible_threads};
pub(crate) use crate::{
    AttachmentView, EventKind, Idempotency, MessageView, NewMessage, NewThread, PersonRef, PoolRef, SessionRecord,
    StoreError, StoreResult, ThreadEvent, ThreadFilter, ThreadSummary, TriageOverride, TriageRecord, TriageSettings,
    TriageStats, Written,
};
