//! Text normalisation shared by the safety rules and the classifier:
//! lower case, accents folded, split into tokens that remember which
//! sentence and clause they belong to.

/// One word or number of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Lower case, accents folded ("convulsión" → "convulsion"), apostrophes dropped ("can't" → "cant").
    pub text: String,
    /// Index of the sentence (split at `.`, `!`, `?`, `;`, new lines).
    pub sentence: usize,
    /// Index of the clause (sentences split further at commas, colons and dashes).
    pub clause: usize,
    /// Byte range of the token in the original text.
    pub span: (usize, usize),
}

impl Token {
    /// The token read as a number ("38.5", "100,4"), if it is one.
    #[must_use]
    pub fn number(&self) -> Option<f64> {
        let first = self.text.chars().next()?;
        if !first.is_ascii_digit() {
            return None;
        }
        self.text.replace(',', ".").parse().ok()
    }
}

/// Folds one lower-case character: accents off, `ñ` kept apart as `n`.
fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'ä' | 'â' | 'ã' => 'a',
        'é' | 'è' | 'ë' | 'ê' => 'e',
        'í' | 'ì' | 'ï' | 'î' => 'i',
        'ó' | 'ò' | 'ö' | 'ô' | 'õ' => 'o',
        'ú' | 'ù' | 'ü' | 'û' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        other => other,
    }
}

/// Lower-cases and folds a whole string the way tokens are folded.
#[must_use]
pub fn normalise(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).map(fold).filter(|c| !is_apostrophe(*c)).collect()
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '`' | '´')
}

fn ends_sentence(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ';' | '\n' | '¡' | '¿' | '…')
}

fn ends_clause(c: char) -> bool {
    matches!(c, ',' | ':' | '(' | ')' | '—' | '–' | '"' | '“' | '”')
}

/// Splits `text` into tokens. Words are runs of letters and digits; a `.` or
/// `,` between digits stays inside a number ("38.5"); a `-` between letters
/// stays inside a word ("short-of-breath" stays one token only if written so).
#[must_use]
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let (mut sentence, mut clause) = (0usize, 0usize);
    let mut current = String::new();
    let mut start = 0usize;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let push = |tokens: &mut Vec<Token>, current: &mut String, start: usize, end: usize, sentence, clause| {
        if !current.is_empty() {
            tokens.push(Token { text: std::mem::take(current), sentence, clause, span: (start, end) });
        }
    };
    for (i, &(at, c)) in chars.iter().enumerate() {
        let next = chars.get(i + 1).map(|&(_, n)| n);
        let prev_digit = current.chars().last().is_some_and(|p| p.is_ascii_digit());
        if c.is_alphanumeric() {
            if current.is_empty() {
                start = at;
            }
            current.extend(c.to_lowercase().map(fold));
            continue;
        }
        if is_apostrophe(c) && !current.is_empty() && next.is_some_and(char::is_alphabetic) {
            continue;
        }
        if matches!(c, '.' | ',') && prev_digit && next.is_some_and(|n| n.is_ascii_digit()) {
            current.push(c);
            continue;
        }
        push(&mut tokens, &mut current, start, at, sentence, clause);
        if c == '-' && next.is_some_and(|n| n == ' ') && at > 0 && text[..at].ends_with(' ') {
            clause += 1;
        } else if ends_sentence(c) {
            if tokens.last().is_some_and(|t| t.sentence == sentence) {
                sentence += 1;
                clause += 1;
            }
        } else if ends_clause(c) {
            clause += 1;
        }
    }
    push(&mut tokens, &mut current, start, text.len(), sentence, clause);
    tokens
}

/// Word prefixes and what each stands for, grouped by first byte, so that a
/// word is compared only with the prefixes that begin as it does.
#[derive(Debug)]
pub(crate) struct PrefixIndex<T> {
    by_first_byte: Vec<Vec<(String, T)>>,
}

impl<T> Default for PrefixIndex<T> {
    fn default() -> Self {
        Self { by_first_byte: Vec::new() }
    }
}

impl<T: Copy> PrefixIndex<T> {
    pub(crate) fn add(&mut self, prefix: &str, value: T) {
        let first = usize::from(prefix.as_bytes().first().copied().unwrap_or_default());
        if self.by_first_byte.len() <= first {
            self.by_first_byte.resize_with(first + 1, Vec::new);
        }
        self.by_first_byte[first].push((prefix.to_owned(), value));
    }

    /// What the prefixes `word` starts with stand for, in the order they were added.
    pub(crate) fn matching<'a>(&'a self, word: &'a str) -> impl Iterator<Item = T> + 'a {
        let group = word.as_bytes().first().and_then(|b| self.by_first_byte.get(usize::from(*b)));
        group.into_iter().flatten().filter(move |(prefix, _)| word.starts_with(prefix.as_str())).map(|(_, v)| *v)
    }
}

/// FNV-1a as a [`std::hash::Hasher`], for the maps of words triage looks
/// every token up in. Their keys come from the lists shipped with
/// CareThread, never from a message, so they need no defence against chosen
/// collisions, and a short word hashes several times faster than with `std`'s
/// default.
#[derive(Debug, Clone, Copy)]
pub struct WordHasher(u64);

impl Default for WordHasher {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// A map keyed by words, hashed with [`WordHasher`].
pub type WordMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<WordHasher>>;
/// A set of words, hashed with [`WordHasher`].
pub type WordSet<K> = std::collections::HashSet<K, std::hash::BuildHasherDefault<WordHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn folds_case_accents_and_apostrophes() {
        assert_eq!(words("I CAN'T breathe, convulsión"), ["i", "cant", "breathe", "convulsion"]);
        assert_eq!(normalise("Mañana Está"), "manana esta");
    }

    #[test]
    fn prefixes_match_the_words_they_begin() {
        let mut index = PrefixIndex::default();
        index.add("breath", 1);
        index.add("bre", 2);
        index.add("sangr", 3);
        assert_eq!(index.matching("breathing").collect::<Vec<_>>(), [1, 2]);
        assert_eq!(index.matching("bread").collect::<Vec<_>>(), [2]);
        assert_eq!(index.matching("sangrado").collect::<Vec<_>>(), [3]);
        assert_eq!(index.matching("").count() + index.matching("cough").count(), 0);
    }

    #[test]
    fn keeps_decimal_numbers_whole() {
        let tokens = tokenize("temp 38.5 today. 100,4 F");
        assert_eq!(tokens.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(), ["temp", "38.5", "today", "100,4", "f"]);
        assert_eq!(tokens[1].number(), Some(38.5));
        assert_eq!(tokens[3].number(), Some(100.4));
        assert_eq!(tokens[0].number(), None);
    }

    #[test]
    fn numbers_sentences_and_clauses() {
        let tokens = tokenize("No fever, but chest hurts. Help!");
        let at = |w: &str| tokens.iter().find(|t| t.text == w).map(|t| (t.sentence, t.clause));
        assert_eq!(at("no"), Some((0, 0)));
        assert_eq!(at("but"), Some((0, 1)));
        assert_eq!(at("help"), Some((1, 2)));
        assert_eq!(&"No fever"[tokens[1].span.0..tokens[1].span.1], "fever");
    }
}
