//! Interface text in English and Spanish, from `i18n/en.ftl` and
//! `i18n/es.ftl` (`key = text`, `{name}` filled in). A test keeps the two
//! catalogues in step, so no page shows a key or falls back silently.

use std::collections::HashMap;
use std::sync::LazyLock;

use carethread_core::user::Language;

fn parse(text: &'static str) -> HashMap<&'static str, &'static str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

static EN: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(include_str!("../../../i18n/en.ftl")));
static ES: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(include_str!("../../../i18n/es.ftl")));

/// The interface text for one language.
#[derive(Debug, Clone, Copy)]
pub struct Text(pub Language);

impl Text {
    /// The text for `key` (the English text if a Spanish one were missing, which a test forbids).
    #[must_use]
    pub fn get(self, key: &str) -> &'static str {
        let catalogue = match self.0 {
            Language::En => &EN,
            Language::Es => &ES,
        };
        catalogue.get(key).or_else(|| EN.get(key)).copied().unwrap_or("")
    }

    /// The text for `key` with `{name}` placeholders filled.
    #[must_use]
    pub fn fill(self, key: &str, values: &[(&str, &str)]) -> String {
        values.iter().fold(self.get(key).to_owned(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
    }

    /// The `lang` attribute value.
    #[must_use]
    pub const fn code(self) -> &'static str {
        self.0.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key_and_no_empty_text() {
        let mut en: Vec<_> = EN.keys().collect();
        let mut es: Vec<_> = ES.keys().collect();
        en.sort();
        es.sort();
        assert_eq!(en, es, "the catalogues differ");
        assert!(EN.values().chain(ES.values()).all(|v| !v.is_empty()));
        assert!(EN.len() > 80);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(Text(Language::Es).fill("inbox.unread", &[("count", "3")]), "3 sin leer");
    }
}
