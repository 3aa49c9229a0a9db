//! Words, sentences and syllables, in English and Spanish: the counts the
//! readability formulas need.

use carethread_core::user::Language;

/// Sentences, words and syllables of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub sentences: usize,
    pub words: usize,
    pub syllables: usize,
}

/// The words of `text`: runs of letters, digits, apostrophes and inner hyphens.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
        .map(|w| w.trim_matches(|c: char| c == '\'' || c == '’' || c == '-'))
        .filter(|w| w.chars().any(char::is_alphanumeric))
}

/// Sentences: ended by `.`, `!`, `?`, `…` or a line break; a closing run
/// without punctuation counts as one more. Decimal points and common
/// abbreviations ("Dr.", "e.g.") do not end a sentence.
#[must_use]
pub fn sentences(text: &str) -> usize {
    let mut count = 0;
    let mut open = false;
    let chars: Vec<char> = text.chars().collect();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            open = true;
            word.push(c);
            continue;
        }
        let next = chars.get(i + 1).copied();
        let ends = match c {
            '!' | '?' | '…' | '\n' => true,
            '.' => {
                let decimal = next.is_some_and(char::is_numeric) && word.chars().last().is_some_and(char::is_numeric);
                !decimal && !is_abbreviation(&word) && next.is_none_or(char::is_whitespace)
            }
            _ => false,
        };
        if ends && open {
            count += 1;
            open = false;
        }
        word.clear();
    }
    if open {
        count += 1;
    }
    count.max(1)
}

fn is_abbreviation(word: &str) -> bool {
    const ABBREVIATIONS: [&str; 14] =
        ["dr", "dra", "mr", "mrs", "ms", "sr", "sra", "st", "e.g", "i.e", "etc", "vs", "no", "approx"];
    let lower = word.to_lowercase();
    lower.len() == 1 || ABBREVIATIONS.contains(&lower.as_str())
}

/// Syllables of one word.
#[must_use]
pub fn syllables(word: &str, language: Language) -> usize {
    let lower: String = word.to_lowercase().chars().filter(|c| c.is_alphabetic()).collect();
    if lower.is_empty() {
        // Numbers are read as one word of a couple of syllables.
        return if word.chars().any(char::is_numeric) { 2 } else { 0 };
    }
    match language {
        Language::En => english_syllables(&lower),
        Language::Es => spanish_syllables(&lower),
    }
}

fn english_syllables(word: &str) -> usize {
    let chars: Vec<char> = word.chars().collect();
    let is_vowel = |c: char| "aeiouy".contains(c);
    let mut count = 0;
    let mut previous_vowel = false;
    for &c in &chars {
        let vowel = is_vowel(c);
        if vowel && !previous_vowel {
            count += 1;
        }
        previous_vowel = vowel;
    }
    let n = chars.len();
    // A silent final "e" ("make"), but not "-le" after a consonant ("table") or "-ee".
    let consonant_le = n > 2 && chars[n - 2] == 'l' && !is_vowel(chars[n - 3]);
    if n > 2 && chars[n - 1] == 'e' && !is_vowel(chars[n - 2]) && !consonant_le {
        count -= 1;
    }
    // "-es" and "-ed" endings are silent after most consonants ("takes", "asked").
    if n > 3 && chars[n - 1] == 'd' && chars[n - 2] == 'e' && !"td".contains(chars[n - 3]) && !is_vowel(chars[n - 3]) {
        count -= 1;
    }
    if n > 3
        && chars[n - 1] == 's'
        && chars[n - 2] == 'e'
        && !"scxzgh".contains(chars[n - 3])
        && !is_vowel(chars[n - 3])
    {
        count -= 1;
    }
    count.max(1)
}

fn spanish_syllables(word: &str) -> usize {
    let chars: Vec<char> = word.chars().collect();
    let strong = |c: char| "aeoáéóíú".contains(c);
    let weak = |c: char| "iuü".contains(c);
    let mut count = 0;
    let mut previous: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        // The u of "que", "qui", "gue", "gui" is silent.
        let silent_u = c == 'u'
            && i > 0
            && (chars[i - 1] == 'q' || chars[i - 1] == 'g')
            && chars.get(i + 1).is_some_and(|n| "eéií".contains(*n));
        let vowel = (strong(c) || weak(c)) && !silent_u;
        match (previous, vowel) {
            (_, false) => previous = None,
            (None, true) => {
                count += 1;
                previous = Some(c);
            }
            (Some(p), true) => {
                // Two strong vowels (or an accented weak one) are a hiatus: a new syllable.
                if strong(p) && strong(c) {
                    count += 1;
                }
                previous = Some(c);
            }
        }
    }
    count.max(1)
}

/// Sentences, words and syllables of `text`.
#[must_use]
pub fn counts(text: &str, language: Language) -> Counts {
    let mut c = Counts { sentences: sentences(text), ..Counts::default() };
    for w in words(text) {
        c.words += 1;
        c.syllables += syllables(w, language);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_syllables_match_a_dictionary_for_common_words() {
        for (word, n) in [
            ("the", 1),
            ("make", 1),
            ("table", 2),
            ("asked", 1),
            ("wanted", 2),
            ("takes", 1),
            ("boxes", 2),
            ("medicine", 3),
            ("pressure", 2),
            ("appointment", 3),
            ("you", 1),
            ("doctor", 2),
            ("pharmacy", 3),
            ("tomorrow", 3),
            ("blood", 1),
            ("every", 3),
            ("happy", 2),
        ] {
            assert_eq!(syllables(word, Language::En), n, "{word}");
        }
    }

    #[test]
    fn spanish_syllables_follow_diphthongs_and_hiatus() {
        for (word, n) in [
            ("casa", 2),
            ("médico", 3),
            ("farmacia", 3),
            ("día", 2),
            ("cuidado", 3),
            ("que", 1),
            ("guitarra", 3),
            ("leer", 2),
            ("poema", 3),
            ("ciudad", 2),
            ("presión", 2),
            ("mañana", 3),
            ("receta", 3),
            ("aire", 2),
        ] {
            assert_eq!(syllables(word, Language::Es), n, "{word}");
        }
    }

    #[test]
    fn sentences_end_at_stops_and_lines_but_not_at_decimals_or_titles() {
        assert_eq!(sentences("Hi Alice. Your refill is ready! Any questions?"), 3);
        assert_eq!(sentences("Dr. Lee saw 2.5 mg on the list. Thanks"), 2);
        assert_eq!(sentences("Hi Alice,\nThe refill is at CVS."), 2);
        assert_eq!(sentences(""), 1);
    }

    #[test]
    fn words_keep_contractions_and_numbers() {
        assert_eq!(
            words("I'm sure it's 10 am — see you.").collect::<Vec<_>>(),
            ["I'm", "sure", "it's", "10", "am", "see", "you"]
        );
    }
}
