//! AI-assisted replies and the texts clinicians reply with: drafts, the
//! clinic's AI switches, reply templates, quick replies and the AI report.

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::{DraftId, MessageId, QuickReplyId, ThreadId, UserId};

use crate::{
    AiReport, AiSettings, DraftRecord, NewDraft, NewQuickReply, QuickReply, ReplyTemplate, SetReplyTemplate,
    SettingChange, StoreResult,
};

/// Drafting and reply texts. Every change is written with its audit entries in one transaction.
#[async_trait]
pub trait Drafting: Send + Sync {
    /// Keeps a draft (pending, seen by staff only), audited.
    async fn create_draft(&self, new: &NewDraft) -> StoreResult<DraftId>;
    /// A draft of the thread.
    async fn draft(&self, thread: ThreadId, id: DraftId) -> StoreResult<Option<DraftRecord>>;
    /// The model and version of the draft a sent message started from, if any.
    async fn draft_model_for_message(&self, message: MessageId) -> StoreResult<Option<(String, String)>>;
    /// The clinic's AI switches (defaults until an admin sets them).
    async fn ai_settings(&self) -> StoreResult<AiSettings>;
    async fn update_ai_settings(&self, change: &SettingChange<AiSettings>, audit: &AuditEvent) -> StoreResult<()>;
    /// The clinic's own reply-library texts.
    async fn reply_templates(&self) -> StoreResult<Vec<ReplyTemplate>>;
    /// Sets (or with `None`, removes) the clinic's text for a situation and language.
    async fn set_reply_template(&self, change: &SetReplyTemplate, audit: &AuditEvent) -> StoreResult<()>;
    /// The clinic's quick replies and `user`'s own.
    async fn quick_replies(&self, user: UserId) -> StoreResult<Vec<QuickReply>>;
    async fn create_quick_reply(&self, new: &NewQuickReply, audit: &AuditEvent) -> StoreResult<QuickReply>;
    /// Deletes `owner`'s quick reply (or with `None`, a clinic-wide one).
    async fn delete_quick_reply(
        &self,
        id: QuickReplyId,
        owner: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Drafting and reply figures per clinician.
    async fn ai_report(&self) -> StoreResult<AiReport>;
}
