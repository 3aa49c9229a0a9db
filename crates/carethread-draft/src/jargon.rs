//! Medical jargon and its plain alternatives, from the committed lexicon
//! `data/jargon.tsv` (English and Spanish).

use std::sync::LazyLock;

use carethread_core::user::Language;
use serde::Serialize;

/// A jargon term found in a text, with what to say instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JargonHit {
    pub term: String,
    pub plain: String,
}

struct Entry {
    language: Language,
    /// Lowercase words of the term.
    words: Vec<String>,
    term: String,
    plain: String,
}

static LEXICON: LazyLock<Vec<Entry>> = LazyLock::new(|| parse(include_str!("../data/jargon.tsv")));

fn parse(text: &str) -> Vec<Entry> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let language = match cols.next()? {
                "en" => Language::En,
                "es" => Language::Es,
                _ => return None,
            };
            let term = cols.next()?.trim().to_lowercase();
            let plain = cols.next()?.trim().to_owned();
            let words = normalise_words(&term);
            (!words.is_empty() && !plain.is_empty()).then_some(Entry { language, words, term, plain })
        })
        .collect()
}

fn normalise_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .map(|w| w.trim_matches(|c: char| c == '-' || c == '\'').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Entries in the lexicon for `language`.
#[must_use]
pub fn size(language: Language) -> usize {
    LEXICON.iter().filter(|e| e.language == language).count()
}

/// Whether `word` is `base` or a simple inflection of it (plural, past, -ing).
fn inflects(word: &str, base: &str) -> bool {
    if word == base {
        return true;
    }
    word.strip_prefix(base).is_some_and(|rest| matches!(rest, "s" | "es" | "ed" | "d" | "ing" | "ly"))
}

/// Jargon terms in `text`, each once, in the order they first appear;
/// longer phrases win over the words inside them.
#[must_use]
pub fn find(text: &str, language: Language) -> Vec<JargonHit> {
    let words = normalise_words(text);
    let mut hits: Vec<(usize, usize, &Entry)> = Vec::new();
    for entry in LEXICON.iter().filter(|e| e.language == language) {
        let n = entry.words.len();
        if n == 0 || n > words.len() {
            continue;
        }
        for start in 0..=words.len() - n {
            let matched = entry
                .words
                .iter()
                .enumerate()
                .all(|(i, w)| if i + 1 == n { inflects(&words[start + i], w) } else { words[start + i] == *w });
            if matched {
                hits.push((start, n, entry));
                break;
            }
        }
    }
    // Longest first, so "blood pressure cuff" beats "blood pressure"; drop overlaps.
    hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut kept = Vec::new();
    for (start, n, entry) in hits {
        if taken.iter().all(|(s, m)| start + n <= *s || *s + *m <= start) {
            taken.push((start, n));
            kept.push((start, JargonHit { term: entry.term.clone(), plain: entry.plain.clone() }));
        }
    }
    kept.sort_by_key(|(start, _)| *start);
    kept.into_iter().map(|(_, hit)| hit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lexicon_is_large_enough_in_both_languages() {
        assert!(size(Language::En) >= 300, "{}", size(Language::En));
        assert!(size(Language::Es) >= 100, "{}", size(Language::Es));
    }

    #[test]
    fn jargon_is_found_with_its_plain_alternative_including_inflections() {
        let hits = find("We will titrate your dose. Your hypertension is stable; take it PRN.", Language::En);
        let terms: Vec<&str> = hits.iter().map(|h| h.term.as_str()).collect();
        assert!(terms.contains(&"titrate") && terms.contains(&"hypertension") && terms.contains(&"prn"), "{terms:?}");
        let hypertension = hits.iter().find(|h| h.term == "hypertension").expect("hit");
        assert_eq!(hypertension.plain, "high blood pressure");
        assert!(find("The results were unremarkable.", Language::En).iter().any(|h| h.term == "unremarkable"));
        assert!(find("Dosis titrated", Language::En).iter().any(|h| h.term == "titrate" || h.term == "titrated"));
    }

    #[test]
    fn plain_text_has_no_jargon_and_spanish_is_matched_in_spanish() {
        assert!(find("Your refill is ready. See you soon.", Language::En).is_empty());
        assert!(find("Su hipertensión está controlada.", Language::Es).iter().any(|h| h.term == "hipertensión"));
    }
}
