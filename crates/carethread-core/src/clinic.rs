//! Clinic-wide settings that shape what users may send.

use serde::{Deserialize, Serialize};

/// Limits and timings a clinic administrator can change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClinicSettings {
    /// The clinic's name, shown to patients.
    pub name: String,
    /// Longest message body, in characters.
    pub message_max_chars: usize,
    /// Largest attachment, in bytes.
    pub attachment_max_bytes: usize,
    /// Most attachments on one message.
    pub attachments_per_message: usize,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: u32,
    /// A session ends this many hours after sign-in, however active.
    pub session_max_hours: u32,
}

impl Default for ClinicSettings {
    fn default() -> Self {
        Self {
            name: "CareThread Clinic".to_owned(),
            message_max_chars: 5_000,
            attachment_max_bytes: 10 * 1024 * 1024,
            attachments_per_message: 4,
            session_idle_minutes: 15,
            session_max_hours: 12,
        }
    }
}
