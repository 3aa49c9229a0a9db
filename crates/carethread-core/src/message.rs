//! Messages, internal notes and read receipts.

use chrono::{DateTime, Utc};

use crate::ids::{MessageId, ThreadId, UserId};
use crate::{DomainError, text};

text::checked_text! {
    /// A message's text, within the clinic's length limit.
    pub struct MessageBody;
}

impl MessageBody {
    /// Applies the multi-line text rule ([`text::multi_line`]: control
    /// characters other than tab and newline refused, CRLF and CR become LF),
    /// trims surrounding whitespace, and refuses empty text and text longer
    /// than `max_chars` characters.
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, DomainError> {
        let clean = text::multi_line("body", raw)?;
        let s = clean.trim();
        text::within_length("body", s, max_chars)?;
        Ok(Self(s.to_owned()))
    }
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: MessageId,
    pub thread_id: ThreadId,
    pub author_id: UserId,
    pub body: MessageBody,
    /// Internal notes are seen by staff only.
    pub internal: bool,
    pub sent_at: DateTime<Utc>,
}

/// Who read a message, and when they first opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadReceipt {
    pub message_id: MessageId,
    pub reader_id: UserId,
    pub read_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bodies_respect_the_clinic_limit() {
        assert!(MessageBody::parse("hello", 5).is_ok());
        assert!(MessageBody::parse("hello!", 5).is_err());
        assert!(MessageBody::parse(" \n ", 5).is_err());
        assert!(MessageBody::parse("bell\u{7}", 50).is_err());
        assert_eq!(MessageBody::parse("a\r\nb", 50).map(|b| b.0), Ok("a\nb".to_owned()));
    }

    proptest! {
        #[test]
        fn a_parsed_body_is_never_empty_nor_over_the_limit(raw in ".{0,80}", max in 1usize..60) {
            if let Ok(body) = MessageBody::parse(&raw, max) {
                prop_assert!(!body.as_str().is_empty());
                prop_assert!(body.as_str().chars().count() <= max);
            }
        }
    }
}
