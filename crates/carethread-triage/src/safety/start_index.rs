//! Where each pattern can begin, so a message tries only the patterns whose
//! first word it contains.

use super::pattern::{Atom, Elem, Pattern, Seq};
use crate::text::PrefixIndex;

/// Which patterns can begin at a token, by what that token is: a lexicon
/// word, a word with a lexicon prefix, or a number. A message then tries
/// only the patterns whose first word it contains, where it contains it,
/// so checking costs what the message matches rather than the size of the
/// lexicon.
#[derive(Debug, Default)]
pub(super) struct StartIndex {
    /// By word id: (pattern, whether a misspelling of the word may start it).
    pub(super) words: Vec<Vec<(u32, bool)>>,
    /// Patterns that begin with a word prefix.
    pub(super) prefixes: PrefixIndex<u32>,
    /// (lowest, highest, pattern) for patterns that begin with a number.
    pub(super) numbers: Vec<(f64, f64, u32)>,
    /// How many patterns there are.
    pub(super) patterns: u32,
}

impl StartIndex {
    /// Numbers `seq` as the next pattern and records where it can begin.
    pub(super) fn add(&mut self, seq: Seq) -> Pattern {
        let id = self.patterns;
        self.patterns += 1;
        self.add_starts(&seq.0, id);
        Pattern { id, seq }
    }

    fn add_starts(&mut self, elems: &[Elem], pattern: u32) {
        match elems.first() {
            Some(Elem::Any(atoms)) => {
                for atom in atoms {
                    match atom {
                        Atom::Word { id, fuzzy } => {
                            let id = *id as usize;
                            if self.words.len() <= id {
                                self.words.resize_with(id + 1, Vec::new);
                            }
                            self.words[id].push((pattern, *fuzzy));
                        }
                        Atom::Prefix(prefix) => self.prefixes.add(prefix, pattern),
                        Atom::Number { lo, hi } => self.numbers.push((*lo, *hi, pattern)),
                    }
                }
            }
            Some(Elem::Group(seqs)) => {
                for seq in seqs {
                    self.add_starts(&seq.0, pattern);
                }
            }
            // `parse_seq` refuses empty patterns and patterns that open with a gap.
            Some(Elem::Gap(_)) | None => {}
        }
    }
}
