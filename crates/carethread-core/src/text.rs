//! The one rule for text that people type into CareThread, applied the same
//! way whichever database stores it.
//!
//! - **Multi-line text** (message bodies, internal notes, quick replies,
//!   reply-library texts, disclosure lines, override notes): tab and line
//!   feed are the only control characters allowed. A carriage return is not
//!   refused but normalised: browsers post form text with CRLF line ends
//!   (HTML's form encoding requires it), and an old Mac-style lone CR is a
//!   line end too, so both become LF and what is stored is the same whether
//!   the text came from the portal or the API. NUL, every other C0 control,
//!   DEL and the C1 controls (U+0080–U+009F) are refused: they are never
//!   typed on purpose, PostgreSQL cannot store NUL at all, and the others
//!   corrupt displays, logs and exports.
//!   Invisible formatting characters (bidirectional marks and isolates,
//!   zero-width characters) are allowed here: right-to-left writers use them
//!   inside sentences, and a paragraph is read as a whole.
//! - **Single-line text** (subjects, names of people and pools, slugs): the
//!   multi-line rule without tab or any line break, and without invisible
//!   formatting characters either. A single line is shown in lists next to
//!   other labels, where a right-to-left override makes `\u{202e}gnp.exe`
//!   read "exe.png" and a zero-width space makes two names look the same.
//!   They are refused, not silently removed, so the person who typed them
//!   learns why; only file names, which a device chose rather than a person,
//!   are cleaned instead ([`strip_invisible`]).
//!
//! Errors name the field and never repeat the text (it may be PHI).

use crate::DomainError;

/// Why multi-line text was refused.
pub const CONTROL_REASON: &str = "must not contain control characters (only tabs and line breaks are allowed)";
/// Why single-line text with a control character or line break was refused.
pub const SINGLE_LINE_REASON: &str = "must be a single line of text without control characters";
/// Why single-line text with an invisible formatting character was refused.
pub const INVISIBLE_REASON: &str =
    "must not contain invisible formatting characters (such as right-to-left overrides or zero-width spaces)";

/// Checks multi-line text and returns it with every CRLF and lone CR turned
/// into LF. Nothing else changes (no trimming: callers decide that).
pub fn multi_line(field: &'static str, raw: &str) -> Result<String, DomainError> {
    if raw.chars().any(|c| is_refused_control(c) && c != '\r') {
        return Err(DomainError::invalid(field, CONTROL_REASON));
    }
    if raw.contains('\r') { Ok(raw.replace("\r\n", "\n").replace('\r', "\n")) } else { Ok(raw.to_owned()) }
}

/// Checks single-line text: no control character (tab and line breaks
/// included), no Unicode line or paragraph separator, and no invisible
/// formatting character.
pub fn single_line(field: &'static str, raw: &str) -> Result<(), DomainError> {
    if raw.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')) {
        return Err(DomainError::invalid(field, SINGLE_LINE_REASON));
    }
    if raw.chars().any(is_invisible_format) {
        return Err(DomainError::invalid(field, INVISIBLE_REASON));
    }
    Ok(())
}

/// Checks that trimmed text is not empty and at most `max_chars` characters.
pub fn within_length(field: &'static str, trimmed: &str, max_chars: usize) -> Result<(), DomainError> {
    if trimmed.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(DomainError::invalid(field, format!("must be at most {max_chars} characters")));
    }
    Ok(())
}

/// Declares a checked text type: a `String` newtype with a private field,
/// serialised as the bare string, read with `as_str`, and rebuilt from the
/// database with `from_trusted` (what is stored was checked when it was
/// written). The type's own `parse` or constructor applies its rule.
macro_rules! checked_text {
    ($(#[$meta:meta])* pub struct $name:ident;) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Rebuilds a value that was checked before it was stored.
            #[must_use]
            pub fn from_trusted(stored: String) -> Self {
                Self(stored)
            }

            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}
pub(crate) use checked_text;

/// `raw` without control characters and invisible formatting characters:
/// for names a device chose (file names), which are cleaned, not refused.
#[must_use]
pub fn strip_invisible(raw: &str) -> String {
    raw.chars()
        .filter(|&c| !c.is_control() && !is_invisible_format(c) && !matches!(c, '\u{2028}' | '\u{2029}'))
        .collect()
}

/// A control character multi-line text may not carry: C0 except tab and
/// line feed (carriage return is reported too; [`multi_line`] normalises it),
/// DEL and C1.
#[must_use]
pub fn is_refused_control(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

/// An invisible character that changes how the text around it is shown or
/// compared: the bidirectional embeddings, overrides, isolates and marks
/// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), zero-width and
/// other format characters (Unicode category Cf: U+200B, U+2060–U+2064,
/// U+FEFF, the soft hyphen, the Mongolian vowel separator, interlinear
/// annotation and tag characters, …), and the Hangul fillers that render as
/// nothing.
///
/// The zero-width joiner and non-joiner (U+200C, U+200D) are not counted:
/// emoji sequences and Persian and Indic spelling need them, and they cannot
/// reorder or hide text.
#[must_use]
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{0600}'..='\u{0605}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{115F}'..='\u{1160}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn multi_line_text_refuses_nul_and_controls_and_normalises_line_ends() {
        assert_eq!(multi_line("body", "a\u{0}b").map_err(|e| e.field()), Err("body"));
        for bad in ["\u{1}", "\u{7}", "\u{8}", "\u{b}", "\u{c}", "\u{1b}[2J", "\u{7f}", "\u{85}", "\u{9f}"] {
            assert!(multi_line("body", bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(multi_line("body", "one\r\ntwo\rthree\n\tfour").as_deref(), Ok("one\ntwo\nthree\n\tfour"));
        assert_eq!(multi_line("body", "مرحبا \u{200F}(12)").as_deref(), Ok("مرحبا \u{200F}(12)"));
    }

    #[test]
    fn single_line_text_refuses_line_breaks_and_invisible_formatting() {
        assert!(single_line("subject", "Refill: lisinopril 10 mg").is_ok());
        assert!(single_line("subject", "Family 👨\u{200D}👩\u{200D}👧 visit").is_ok());
        for bad in ["a\nb", "a\r\nb", "a\tb", "a\u{0}", "a\u{2028}b", "a\u{85}b"] {
            let err = single_line("subject", bad).expect_err(bad);
            assert_eq!(err, DomainError::invalid("subject", SINGLE_LINE_REASON));
        }
        for bad in [
            "\u{202E}gnp.exe",
            "a\u{202A}b",
            "\u{2066}x\u{2069}",
            "\u{200E}",
            "\u{200F}",
            "\u{061C}",
            "a\u{200B}b",
            "\u{FEFF}x",
        ] {
            let err = single_line("subject", bad).expect_err(bad);
            assert_eq!(err, DomainError::invalid("subject", INVISIBLE_REASON));
        }
    }

    #[test]
    fn stripping_leaves_only_visible_characters() {
        assert_eq!(strip_invisible("\u{202E}gnp.exe"), "gnp.exe");
        assert_eq!(strip_invisible("rash\u{200B}\u{0}\u{7f}.jpg"), "rash.jpg");
        assert_eq!(strip_invisible("\u{2066}\u{2069}"), "");
    }

    proptest! {
        #[test]
        fn accepted_multi_line_text_has_no_refused_control_and_no_carriage_return(raw in any::<String>()) {
            match multi_line("body", &raw) {
                Ok(clean) => {
                    prop_assert!(!clean.contains('\r'));
                    prop_assert!(clean.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'));
                    prop_assert_eq!(clean.replace('\n', ""), raw.replace("\r\n", "").replace(['\r', '\n'], ""));
                    let again = multi_line("body", &clean);
                    prop_assert_eq!(again.as_deref(), Ok(clean.as_str()));
                }
                Err(err) => {
                    prop_assert_eq!(err.field(), "body");
                    prop_assert!(raw.chars().any(|c| is_refused_control(c) && c != '\r'));
                }
            }
        }

        #[test]
        fn nul_is_refused_wherever_it_is(before in ".{0,20}", after in ".{0,20}") {
            let raw = format!("{before}\u{0}{after}");
            prop_assert!(multi_line("body", &raw).is_err());
            prop_assert!(single_line("name", &raw).is_err());
            prop_assert!(!strip_invisible(&raw).contains('\0'), "NUL kept");
        }

        #[test]
        fn accepted_single_line_text_shows_every_character(raw in any::<String>()) {
            if single_line("subject", &raw).is_ok() {
                prop_assert!(raw.chars().all(|c| !c.is_control() && !is_invisible_format(c)));
                prop_assert_eq!(strip_invisible(&raw), raw);
            }
        }

        #[test]
        fn stripped_text_is_accepted_as_a_single_line(raw in any::<String>()) {
            prop_assert!(single_line("file", &strip_invisible(&raw)).is_ok());
        }
    }
}
