//! The lexicon's words, and the misspellings one edit away that also match them.

use crate::text::WordMap;

/// Words this long or longer also match misspellings one edit away.
const FUZZY_MIN_LEN: usize = 7;

#[derive(Debug, Default)]
pub(super) struct Vocabulary {
    ids: WordMap<String, u32>,
    /// Each fuzzy word and its one-letter deletions → the words they come from.
    deletions: WordMap<String, Vec<u32>>,
    words: Vec<String>,
}

impl Vocabulary {
    pub(super) fn id(&mut self, word: &str, fuzzy: bool) -> u32 {
        let id = if let Some(id) = self.ids.get(word) {
            *id
        } else {
            let id = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
            self.ids.insert(word.to_owned(), id);
            self.words.push(word.to_owned());
            id
        };
        if fuzzy && word.chars().count() >= FUZZY_MIN_LEN {
            for variant in std::iter::once(word.to_owned()).chain(deletions(word)) {
                let ids = self.deletions.entry(variant).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        id
    }

    /// The word ids `token` matches: exactly (`true`) or one edit away (`false`).
    pub(super) fn lookup_into(&self, token: &str, found: &mut Vec<(u32, bool)>) {
        let first = found.len();
        if let Some(id) = self.ids.get(token) {
            found.push((*id, true));
        }
        if token.chars().count() + 1 < FUZZY_MIN_LEN {
            return;
        }
        let mut near = |variant: &str| {
            for id in self.deletions.get(variant).into_iter().flatten() {
                if found[first..].iter().all(|(f, _)| f != id) && within_one_edit(token, &self.words[*id as usize]) {
                    found.push((*id, false));
                }
            }
        };
        near(token);
        let mut variant = String::with_capacity(token.len());
        for (i, c) in token.char_indices() {
            variant.clear();
            variant.push_str(&token[..i]);
            variant.push_str(&token[i + c.len_utf8()..]);
            near(&variant);
        }
    }
}

fn deletions(word: &str) -> impl Iterator<Item = String> + '_ {
    word.char_indices().map(move |(i, c)| {
        let mut s = String::with_capacity(word.len());
        s.push_str(&word[..i]);
        s.push_str(&word[i + c.len_utf8()..]);
        s
    })
}

/// Optimal-string-alignment distance ≤ 1 (one insertion, deletion, substitution or swap).
fn within_one_edit(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return within_one_edit_of(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    within_one_edit_of(&a, &b)
}

fn within_one_edit_of<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b.iter()).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    match (ra.len(), rb.len()) {
        (0 | 1, 0) | (0, 1) => true,
        (la, lb) if la == lb => {
            ra[1..] == rb[1..] || (la >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        (la, lb) if la > lb => ra[1..] == *rb,
        _ => *ra == rb[1..],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_distance() {
        assert!(within_one_edit("seizure", "siezure"));
        assert!(within_one_edit("breathe", "breath"));
        assert!(within_one_edit("bleeding", "bleading"));
        assert!(within_one_edit("fainted", "fainted"));
        assert!(!within_one_edit("breathe", "bread"));
        assert!(!within_one_edit("seizure", "leisure"));
    }
}
