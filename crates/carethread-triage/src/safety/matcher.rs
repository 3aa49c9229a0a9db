//! Finding patterns in one message's tokens.

use super::pattern::{Atom, Elem, Pattern};
use super::start_index::StartIndex;
use super::vocabulary::Vocabulary;
use crate::text::Token;

/// Per-message view of the tokens: which lexicon words each one matches,
/// and where each pattern can begin.
pub(super) struct Matcher<'a> {
    tokens: &'a [Token],
    /// The lexicon words each token matches: token `t`'s are
    /// `words[word_offsets[t]..word_offsets[t + 1]]`, each with whether it is
    /// the word itself (not a misspelling of it).
    words: Vec<(u32, bool)>,
    word_offsets: Vec<usize>,
    numbers: Vec<Option<f64>>,
    /// (pattern, token position) for each place a pattern can begin, sorted:
    /// by pattern, then in token order.
    starts: Vec<(u32, usize)>,
    /// One bit per pattern of the lexicon: whether it can begin anywhere in
    /// the message (most cannot, and are passed over without a search).
    begins_somewhere: Vec<u64>,
}

impl<'a> Matcher<'a> {
    fn atom(&self, atom: &Atom, at: usize) -> bool {
        match atom {
            Atom::Word { id, fuzzy } => self.words[self.word_offsets[at]..self.word_offsets[at + 1]]
                .iter()
                .any(|(w, exact)| w == id && (*exact || *fuzzy)),
            Atom::Prefix(prefix) => self.tokens[at].text.starts_with(prefix.as_str()),
            Atom::Number { lo, hi } => self.numbers[at].is_some_and(|n| n >= *lo && n <= *hi),
        }
    }

    /// Where `elems` matched from `at` ends (exclusive), staying in `sentence`.
    fn elems(&self, elems: &[Elem], at: usize, sentence: usize) -> Option<usize> {
        let Some((first, rest)) = elems.split_first() else {
            return Some(at);
        };
        let in_sentence = |i: usize| self.tokens.get(i).is_some_and(|t| t.sentence == sentence);
        match first {
            Elem::Any(atoms) => {
                if in_sentence(at) && atoms.iter().any(|a| self.atom(a, at)) {
                    self.elems(rest, at + 1, sentence)
                } else {
                    None
                }
            }
            Elem::Group(seqs) => seqs.iter().find_map(|seq| {
                let end = self.elems(&seq.0, at, sentence)?;
                if end == at { None } else { self.elems(rest, end, sentence) }
            }),
            Elem::Gap(max) => (0..=*max).take_while(|skip| *skip == 0 || in_sentence(at + skip - 1)).find_map(|skip| {
                if skip > 0 && rest.is_empty() {
                    return None;
                }
                self.elems(rest, at + skip, sentence)
            }),
        }
    }

    pub(super) fn new(tokens: &'a [Token], vocabulary: &Vocabulary, index: &StartIndex) -> Self {
        let mut words: Vec<(u32, bool)> = Vec::with_capacity(tokens.len());
        let mut word_offsets = Vec::with_capacity(tokens.len() + 1);
        word_offsets.push(0);
        for token in tokens {
            vocabulary.lookup_into(&token.text, &mut words);
            word_offsets.push(words.len());
        }
        let numbers: Vec<Option<f64>> = tokens.iter().map(Token::number).collect();
        // (pattern, position), in token order.
        let mut hits: Vec<(u32, usize)> = Vec::new();
        for (at, token) in tokens.iter().enumerate() {
            for &(id, exact) in &words[word_offsets[at]..word_offsets[at + 1]] {
                let patterns = index.words.get(id as usize).map_or(&[][..], Vec::as_slice);
                hits.extend(patterns.iter().filter(|(_, fuzzy)| exact || *fuzzy).map(|&(p, _)| (p, at)));
            }
            hits.extend(index.prefixes.matching(&token.text).map(|p| (p, at)));
            if let Some(n) = numbers[at] {
                hits.extend(index.numbers.iter().filter(|(lo, hi, _)| n >= *lo && n <= *hi).map(|&(_, _, p)| (p, at)));
            }
        }
        // Sorted, each pattern's positions are together and in token order. A
        // message has a few dozen; the lexicon has thousands of patterns.
        hits.sort_unstable();
        let mut begins_somewhere = vec![0_u64; (index.patterns as usize).div_ceil(64)];
        for &(p, _) in &hits {
            begins_somewhere[p as usize / 64] |= 1 << (p % 64);
        }
        Self { tokens, words, word_offsets, numbers, starts: hits, begins_somewhere }
    }

    /// Every place `pattern` matches, as token ranges, in order.
    pub(super) fn find(&self, pattern: &Pattern) -> Vec<(usize, usize)> {
        let id = pattern.id;
        let mut found = Vec::new();
        if self.begins_somewhere.get(id as usize / 64).is_none_or(|bits| bits & (1 << (id % 64)) == 0) {
            return found;
        }
        let from = self.starts.partition_point(|&(p, _)| p < id);
        let begins = &self.starts[from..from + self.starts[from..].partition_point(|&(p, _)| p == id)];
        for (i, &(_, start)) in begins.iter().enumerate() {
            // A pattern whose first element names a word twice begins there twice.
            if i > 0 && begins[i - 1].1 == start {
                continue;
            }
            if let Some(end) = self.elems(&pattern.seq.0, start, self.tokens[start].sentence)
                && end > start
            {
                found.push((start, end));
            }
        }
        found
    }

    pub(super) fn find_all(&self, patterns: &[Pattern]) -> Vec<(usize, usize)> {
        patterns.iter().flat_map(|p| self.find(p)).collect()
    }
}
