//! What the classifier sees of a message: hashed word and character n-grams,
//! subject words, drug names, word concepts and the pairs of them in a
//! sentence, red flags and their scopes, and the shape of the text.

use std::hash::Hasher as _;

use crate::text::{WordHasher, WordMap, WordSet};
use std::sync::OnceLock;

use crate::safety::SafetyCheck;
use crate::text::{PrefixIndex, Token};

/// Character n-gram lengths taken from each word (with `<` and `>` marking
/// its ends): they let the classifier read misspellings and word forms.
const CHAR_GRAMS: [usize; 2] = [4, 5];

/// Hash buckets (a power of two).
pub const BUCKETS: usize = 1 << 18;

/// The drug-name lexicon shipped with CareThread (see `data/extract_drugs.py`).
const DRUGS: &str = include_str!("../data/drugs.txt");

fn drugs() -> &'static WordSet<&'static str> {
    static SET: OnceLock<WordSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| DRUGS.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect())
}

/// The word concepts shipped with CareThread (see `data/concepts.txt`).
const CONCEPTS: &str = include_str!("../data/concepts.txt");

/// Word concepts ("body", "severity", "onset", …) and the words that name them.
#[derive(Debug, Default)]
struct Concepts {
    version: &'static str,
    names: Vec<&'static str>,
    /// Folded word → the concepts it names.
    words: WordMap<&'static str, Vec<usize>>,
    /// Word prefix → the concept a word starting with it names.
    prefixes: PrefixIndex<usize>,
}

impl Concepts {
    fn parse(text: &'static str) -> Self {
        let mut concepts = Concepts::default();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(version) = line.strip_prefix("version ") {
                concepts.version = version.trim();
                continue;
            }
            let Some((name, words)) = line.split_once(':') else { continue };
            let id = concepts.names.len();
            concepts.names.push(name.trim());
            for word in words.split_whitespace() {
                match word.strip_suffix('*') {
                    Some(prefix) => concepts.prefixes.add(prefix, id),
                    None => concepts.words.entry(word).or_default().push(id),
                }
            }
        }
        concepts
    }

    /// The concepts `word` (folded) names, added to `found`.
    fn of(&self, word: &str, found: &mut Vec<usize>) {
        found.extend(self.words.get(word).into_iter().flatten());
        found.extend(self.prefixes.matching(word));
    }
}

fn concepts() -> &'static Concepts {
    static CONCEPTS_PARSED: OnceLock<Concepts> = OnceLock::new();
    CONCEPTS_PARSED.get_or_init(|| Concepts::parse(CONCEPTS))
}

/// Version of the word-concept list the features are built with.
#[must_use]
pub fn concepts_version() -> &'static str {
    concepts().version
}

/// Whether `word` (folded) is a known drug name.
#[must_use]
pub fn is_drug(word: &str) -> bool {
    drugs().contains(word)
}

/// FNV-1a, 64 bits: stable across platforms and releases, unlike `std`'s hasher.
#[must_use]
pub fn hash(feature: &str) -> u64 {
    let mut h = WordHasher::default();
    h.write(feature.as_bytes());
    h.finish()
}

/// One message's features: the readable ones by name (for explanations),
/// and every feature's bucket.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// Every feature but the character n-grams, sorted: the ones a reason may name.
    pub names: Vec<String>,
    /// The bucket of each of `names`, in the same order, then of each character n-gram.
    pub buckets: Vec<u32>,
    /// Each feature's value: one over the square root of the feature count.
    pub value: f64,
    /// The character n-grams' hashes (of `c:<gram>`), sorted: they are many,
    /// never named in a reason, and so never spelt out.
    grams: Vec<u64>,
}

impl Features {
    /// Whether the message has the feature `name` (`w:pain`, `c:<inh`).
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        if name.starts_with("c:") {
            self.grams.binary_search(&hash(name)).is_ok()
        } else {
            self.names.binary_search_by(|n| n.as_str().cmp(name)).is_ok()
        }
    }
}

/// The hash of the character n-gram `gram` as the feature `c:<gram>`, without spelling it out.
fn gram_hash(gram: &[char]) -> u64 {
    let mut h = WordHasher::default();
    h.write(b"c:");
    let mut utf8 = [0u8; 4];
    for c in gram {
        h.write(c.encode_utf8(&mut utf8).as_bytes());
    }
    h.finish()
}

fn number_class(n: f64) -> &'static str {
    match n {
        n if n < 10.0 => "n:small",
        n if n < 55.0 => "n:low",
        n if n < 95.0 => "n:mid",
        n if n < 108.0 => "n:temp",
        n if n < 250.0 => "n:high",
        _ => "n:large",
    }
}

/// Extracts the features of a message from its subject and body tokens and
/// the safety check of the whole text.
#[must_use]
pub fn extract(subject: &[Token], body: &[Token], safety: &SafetyCheck) -> Features {
    let mut names: Vec<String> = vec!["bias".to_owned()];
    let mut grams: Vec<u64> = Vec::new();
    let all: Vec<&Token> = subject.iter().chain(body).collect();
    // Each token as the classifier reads it: a number as its class, a medicine as "drug".
    let words: Vec<&str> = all
        .iter()
        .map(|t| match t.number() {
            Some(n) => number_class(n),
            None if is_drug(&t.text) => "drug",
            None => t.text.as_str(),
        })
        .collect();
    for w in &words[..subject.len()] {
        names.push(format!("s:{w}"));
    }
    let mut drug_seen = false;
    for (i, token) in all.iter().enumerate() {
        let w = words[i];
        drug_seen |= w == "drug";
        if all.get(i + 1).is_some_and(|next| next.sentence == token.sentence) {
            names.push(format!("b:{w} {}", words[i + 1]));
        }
        // Character n-grams of words (a number's class is not a word).
        if !w.starts_with("n:") && token.text.chars().count() >= 3 {
            let chars: Vec<char> = std::iter::once('<').chain(token.text.chars()).chain(std::iter::once('>')).collect();
            for n in CHAR_GRAMS {
                grams.extend(chars.windows(n).map(gram_hash));
            }
        }
        names.push(format!("w:{w}"));
    }
    if drug_seen {
        names.push("drug-name".to_owned());
    }
    concept_features(&all, &mut names);
    for flag in &safety.flags {
        names.push(format!("rf:{}", flag.family));
    }
    if safety.is_emergency() {
        names.push("rf:any".to_owned());
    }
    for (family, why) in &safety.suppressed {
        names.push(format!("rf-suppressed:{}", why.as_str()));
        names.push(format!("rf-suppressed:{family}"));
    }
    let length = match body.len() {
        0..=3 => "len:tiny",
        4..=12 => "len:short",
        13..=60 => "len:medium",
        _ => "len:long",
    };
    names.push(length.to_owned());
    names.sort_unstable();
    names.dedup();
    grams.sort_unstable();
    grams.dedup();
    let buckets = names.iter().map(|n| hash(n)).chain(grams.iter().copied()).map(bucket_of).collect();
    let value = 1.0 / ((names.len() + grams.len()) as f64).sqrt();
    Features { names, buckets, value, grams }
}

/// `k:<concept>` for every concept the message names, and `kk:<a>+<b>` for
/// every two concepts named in one sentence (in the order of the concept list).
fn concept_features(tokens: &[&Token], names: &mut Vec<String>) {
    let concepts = concepts();
    let mut seen = vec![false; concepts.names.len()];
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.number().is_none() {
            concepts.of(&token.text, &mut found);
        }
        let last_of_sentence = tokens.get(i + 1).is_none_or(|next| next.sentence != token.sentence);
        if !last_of_sentence {
            continue;
        }
        found.sort_unstable();
        found.dedup();
        for (n, &a) in found.iter().enumerate() {
            seen[a] = true;
            for &b in &found[n + 1..] {
                names.push(format!("kk:{}+{}", concepts.names[a], concepts.names[b]));
            }
        }
        found.clear();
    }
    for (id, seen) in seen.iter().enumerate() {
        if *seen {
            names.push(format!("k:{}", concepts.names[id]));
        }
    }
}

/// The hash bucket of a feature.
#[must_use]
pub fn bucket(name: &str) -> u32 {
    bucket_of(hash(name))
}

fn bucket_of(hash: u64) -> u32 {
    u32::try_from(hash % BUCKETS as u64).unwrap_or(0)
}

/// A readable description of a feature for a triage reason, or `None` for
/// features that mean little to a person (character n-grams, the bias, and
/// words and phrases made of function words, numbers or one or two letters:
/// see [`evidence::is_uninformative`](crate::evidence::is_uninformative)).
#[must_use]
pub fn describe(name: &str) -> Option<String> {
    use crate::evidence::is_uninformative;
    let (kind, rest) = name.split_once(':')?;
    let says_something = |phrase: &str| phrase.split(' ').all(|w| w == "drug" || !is_uninformative(w));
    match kind {
        "w" if rest == "drug" => Some("names a medicine".to_owned()),
        "w" if !rest.starts_with("n:") && !is_uninformative(rest) => Some(format!("word \"{rest}\"")),
        "s" if !is_uninformative(rest) => Some(format!("subject word \"{rest}\"")),
        "b" if !rest.contains("n:") && says_something(rest) => {
            Some(format!("phrase \"{}\"", rest.replace("drug", "<medicine>")))
        }
        "k" => Some(format!("concept \"{rest}\"")),
        "kk" => Some(format!("concepts \"{}\"", rest.replace('+', "\" and \""))),
        "rf" => Some(format!("red flag {rest}")),
        "rf-suppressed" => Some(format!("red-flag words {rest}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::Lexicon;
    use crate::text::tokenize;

    fn features(subject: &str, body: &str) -> Vec<String> {
        let check = Lexicon::builtin().check(&format!("{subject}\n{body}"));
        extract(&tokenize(subject), &tokenize(body), &check).names
    }

    #[test]
    fn words_bigrams_subject_and_char_grams() {
        let check = Lexicon::builtin().check("Refill\nneed my inhaler");
        let f = extract(&tokenize("Refill"), &tokenize("need my inhaler"), &check);
        for name in
            ["bias", "s:refill", "w:refill", "w:need", "b:need my", "b:my inhaler", "c:<inh", "c:<inha", "len:tiny"]
        {
            assert!(f.contains(name), "missing {name} in {f:?}");
        }
        for absent in ["c:<inh>", "c:zzzz", "w:inhalers"] {
            assert!(!f.contains(absent), "{absent} in {f:?}");
        }
        // "<refill>", "<need>", "<inhaler>" ("my" is too short): 5 + 3 + 6 four-grams, 4 + 2 + 5 five-grams.
        assert_eq!(f.buckets.len(), f.names.len() + 25, "{f:?}");
        assert!((f.value - 1.0 / (f.buckets.len() as f64).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn drug_names_and_numbers_generalise() {
        let f = features("", "metformin 500 and sugar 45");
        assert!(f.contains(&"w:drug".to_owned()) && f.contains(&"drug-name".to_owned()));
        assert!(f.contains(&"w:n:low".to_owned()) && f.contains(&"w:n:large".to_owned()));
        assert!(is_drug("lisinopril") && is_drug("ozempic") && !is_drug("refill"));
    }

    #[test]
    fn red_flags_and_their_scopes_are_features() {
        let f = features("", "my chest feels tight");
        assert!(f.contains(&"rf:chest pain".to_owned()) && f.contains(&"rf:any".to_owned()));
        let f = features("", "no chest pain");
        assert!(f.contains(&"rf-suppressed:negated".to_owned()));
    }

    #[test]
    fn concepts_and_their_pairs_in_a_sentence_are_features() {
        assert_eq!(concepts_version(), "1.0.0");
        let f = features("", "My jaw feels heavy and it started suddenly. Baby has a fever");
        for name in ["k:body", "k:onset", "k:vulnerable", "k:fever", "kk:body+onset", "kk:vulnerable+fever"] {
            assert!(f.contains(&name.to_owned()), "missing {name} in {f:?}");
        }
        // Pairs stay within a sentence.
        assert!(!f.iter().any(|n| n == "kk:body+fever" || n == "kk:onset+vulnerable"), "{f:?}");
        // Prefixes and Spanish words name concepts too.
        let f = features("", "se desmayo y le sangra la cabeza");
        for name in ["kk:body+bleeding", "kk:consciousness+bleeding", "kk:body+consciousness"] {
            assert!(f.contains(&name.to_owned()), "missing {name} in {f:?}");
        }
        let f = features("Refill", "same pharmacy as always, thanks");
        assert!(!f.iter().any(|n| n.starts_with("k:") || n.starts_with("kk:")), "{f:?}");
    }

    #[test]
    fn hashing_is_stable() {
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert!((bucket("w:refill") as usize) < BUCKETS);
    }

    #[test]
    fn descriptions_are_readable() {
        assert_eq!(describe("w:refill").as_deref(), Some("word \"refill\""));
        assert_eq!(describe("b:my drug"), None, "a function word and a medicine say no more than the medicine");
        assert_eq!(describe("c:<ref"), None);
        assert_eq!(describe("bias"), None);
        assert_eq!(describe("b:refill drug").as_deref(), Some("phrase \"refill <medicine>\""));
        for empty in ["w:and", "w:on", "w:y", "w:de", "s:the", "b:and my", "b:can i", "b:de la", "w:12"] {
            assert_eq!(describe(empty), None, "{empty}");
        }
        // Prepositions and adverbs are function words too: "around 100", "una hora después".
        for empty in ["w:around", "w:despues", "w:without", "b:hora despues", "s:around", "w:todavia"] {
            assert_eq!(describe(empty), None, "{empty}");
        }
    }
}
