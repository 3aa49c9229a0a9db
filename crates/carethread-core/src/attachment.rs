//! Attachments: photos and documents a patient or clinician adds to a message.
//! The type is decided from the bytes themselves, never from what the client claims.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{AttachmentId, MessageId, ThreadId, UserId};
use crate::{DomainError, text};

/// The kinds of file CareThread accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MediaType {
    Jpeg,
    Png,
    Heic,
    Pdf,
}

impl MediaType {
    #[must_use]
    pub const fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Heic => "image/heic",
            MediaType::Pdf => "application/pdf",
        }
    }

    /// Parses a stored MIME type.
    pub fn from_mime(mime: &str) -> Result<Self, DomainError> {
        match mime {
            "image/jpeg" => Ok(MediaType::Jpeg),
            "image/png" => Ok(MediaType::Png),
            "image/heic" => Ok(MediaType::Heic),
            "application/pdf" => Ok(MediaType::Pdf),
            _ => Err(DomainError::invalid("file", "unsupported file type")),
        }
    }

    /// Recognises a file from its first bytes (its "magic number").
    #[must_use]
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        const HEIC_BRANDS: [&[u8; 4]; 8] = [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"];
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some(MediaType::Jpeg);
        }
        if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            return Some(MediaType::Png);
        }
        if bytes.starts_with(b"%PDF-") {
            return Some(MediaType::Pdf);
        }
        if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && HEIC_BRANDS.iter().any(|b| &bytes[8..12] == *b) {
            return Some(MediaType::Heic);
        }
        None
    }
}

text::checked_text! {
    /// A file name safe to show and to send back in `Content-Disposition`:
    /// the last path component, without control characters or invisible
    /// formatting characters ([`text::strip_invisible`]: a right-to-left override
    /// would make `\u{202e}gnp.exe` read "exe.png"), at most 120 characters.
    pub struct FileName;
}

impl FileName {
    /// Never fails: an unusable name becomes `attachment`.
    #[must_use]
    pub fn sanitise(raw: Option<&str>) -> Self {
        let base = raw.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
        let cleaned: String =
            text::strip_invisible(base).chars().filter(|c| !matches!(c, '"' | ';')).take(120).collect();
        let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
        if cleaned.is_empty() { Self("attachment".to_owned()) } else { Self(cleaned) }
    }
}

/// An attachment's description (its bytes are fetched separately).
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: AttachmentId,
    pub message_id: MessageId,
    pub thread_id: ThreadId,
    pub uploader_id: UserId,
    pub media_type: MediaType,
    pub file_name: FileName,
    pub size_bytes: u64,
    pub created_at: DateTime<Utc>,
}

/// Checks one file against the clinic's limits and decides its type.
pub fn check_upload(bytes: &[u8], max_bytes: usize) -> Result<MediaType, UploadRefused> {
    if bytes.is_empty() {
        return Err(UploadRefused::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(UploadRefused::TooLarge { max_bytes });
    }
    MediaType::sniff(bytes).ok_or(UploadRefused::UnsupportedType)
}

/// Why an uploaded file was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UploadRefused {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {max_bytes} bytes")]
    TooLarge { max_bytes: usize },
    #[error("only JPEG, PNG, HEIC images and PDF documents can be attached")]
    UnsupportedType,
    #[error("a message can carry at most {max} attachments")]
    TooMany { max: usize },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(MediaType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Some(MediaType::Jpeg));
        assert_eq!(MediaType::sniff(b"\x89PNG\r\n\x1a\n...."), Some(MediaType::Png));
        assert_eq!(MediaType::sniff(b"%PDF-1.7\n"), Some(MediaType::Pdf));
        assert_eq!(MediaType::sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Some(MediaType::Heic));
        assert_eq!(MediaType::sniff(b"\0\0\0\x18ftypisom\0\0\0\0"), None);
        assert_eq!(MediaType::sniff(b"<html><script>"), None);
        assert_eq!(MediaType::sniff(b"MZ\x90\0"), None);
    }

    #[test]
    fn uploads_are_checked_against_limits() {
        assert_eq!(check_upload(b"", 10), Err(UploadRefused::Empty));
        assert_eq!(check_upload(b"%PDF-1.7 and more", 5), Err(UploadRefused::TooLarge { max_bytes: 5 }));
        assert_eq!(check_upload(b"GIF89a", 100), Err(UploadRefused::UnsupportedType));
        assert_eq!(check_upload(b"%PDF-1.7", 100), Ok(MediaType::Pdf));
    }

    #[test]
    fn file_names_lose_paths_and_header_breaking_characters() {
        assert_eq!(FileName::sanitise(Some("../../etc/passwd")).as_str(), "passwd");
        assert_eq!(FileName::sanitise(Some("C:\\photos\\rash.jpg")).as_str(), "rash.jpg");
        assert_eq!(FileName::sanitise(Some("a\"b;c\r\n.pdf")).as_str(), "abc.pdf");
        assert_eq!(FileName::sanitise(Some("..")).as_str(), "attachment");
        assert_eq!(FileName::sanitise(None).as_str(), "attachment");
    }

    #[test]
    fn file_names_lose_invisible_characters_that_disguise_them() {
        assert_eq!(FileName::sanitise(Some("\u{202e}gnp.exe")).as_str(), "gnp.exe");
        assert_eq!(FileName::sanitise(Some("rash\u{200b}\u{2066}.jpg\u{2069}")).as_str(), "rash.jpg");
        assert_eq!(FileName::sanitise(Some("\u{202e}\u{200f}")).as_str(), "attachment");
        assert_eq!(FileName::sanitise(Some("nul\u{0}.pdf")).as_str(), "nul.pdf");
    }
}
