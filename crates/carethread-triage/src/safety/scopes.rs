//! NegEx-style scopes: whether a red-flag mention is negated, past history,
//! family history, hypothetical or a harmless use of the words.

use super::findings::Suppression;
use crate::text::Token;

/// Words a negation trigger may sit before its red flag.
const NEGATION_REACH: usize = 3;
/// Words a trailing negation ("… is gone") may sit after its red flag.
const NEGATION_AFTER_REACH: usize = 4;
/// Words a negation may sit before a red flag that is an item of the list
/// it opens ("denies CP, SOB, palpitations, syncope").
const NEGATION_LIST_REACH: usize = 12;
/// Words an item of such a list may have.
const LIST_ITEM_WORDS: usize = 4;
/// The negations that govern a list, as a note denies findings: "no fever,
/// chest pain" may say the chest pain is there; "denies fever, chest pain"
/// does not.
const LIST_NEGATIONS: [&str; 5] = ["denies", "denied", "deny", "niega", "negaba"];

/// Triggers found in one message, ready to test red-flag mentions against.
pub(super) struct Scopes {
    pub(super) negation: Vec<(usize, usize)>,
    pub(super) negation_after: Vec<(usize, usize)>,
    pub(super) history: Vec<(usize, usize)>,
    pub(super) family: Vec<(usize, usize)>,
    pub(super) hypothetical: Vec<(usize, usize)>,
    pub(super) benign: Vec<(usize, usize)>,
    pub(super) current_sentences: Vec<usize>,
    pub(super) terminators: Vec<usize>,
}

impl Scopes {
    fn terminated(&self, from: usize, to: usize) -> bool {
        self.terminators.iter().any(|t| *t >= from && *t < to)
    }

    pub(super) fn why(&self, tokens: &[Token], (start, end): (usize, usize)) -> Option<Suppression> {
        let clause = tokens[start].clause;
        let sentence = tokens[start].sentence;
        let before = self.negation.iter().any(|&(ts, te)| {
            te <= start && start - te <= NEGATION_REACH && tokens[ts].clause == clause && !self.terminated(te, start)
        });
        let after = self.negation_after.iter().any(|&(ts, _)| {
            ts >= end && ts - end <= NEGATION_AFTER_REACH && tokens[ts].clause == clause && !self.terminated(end, ts)
        });
        // "face isn't drooping", "lips not blue": a negation inside the phrase,
        // near its end or in a later clause of it. Further from the end in the
        // same clause it negates something else ("a headache tylenol isn't
        // touching and I'm seeing spots"), and so does one that runs on past
        // the phrase ("no veo casi nada de este ojo": "nada de" is not a denial
        // of "casi nada").
        let inside = self.negation.iter().any(|&(ts, te)| {
            ts > start && ts < end && ((te <= end && end - te <= NEGATION_REACH) || tokens[ts].clause != clause)
        });
        let listed = self.negation.iter().any(|&(ts, te)| {
            te <= start
                && LIST_NEGATIONS.contains(&tokens[ts].text.as_str())
                && start - te <= NEGATION_LIST_REACH
                && tokens[ts].sentence == sentence
                && tokens[ts].clause != clause
                && !self.terminated(te, start)
                && list_items(tokens, te, start)
        });
        if before || after || inside || listed {
            return Some(Suppression::Negated);
        }
        // A harmless phrase holds the red flag's words or touches them ("this bill is killing
        // me", "chest pain when I cough", "ketones small (15 mg/dL)"); a red flag elsewhere in
        // its clause stands ("the bill is killing me and I want to kill myself").
        let benign = self
            .benign
            .iter()
            .any(|&(ts, te)| ts <= end && te >= start && !self.terminated(te.min(end), ts.max(start)));
        if benign {
            return Some(Suppression::Benign);
        }
        if self.current_sentences.contains(&sentence) {
            return None;
        }
        // A trigger before or after the red flag, or one that holds it
        // ("seizure free", "stroke signs").
        let scoped = |triggers: &[(usize, usize)]| {
            triggers.iter().any(|&(ts, te)| {
                tokens[ts].sentence == sentence
                    && (te <= start || ts >= end || (ts <= start && te >= end))
                    && !self.terminated(te.min(end), ts.max(start))
            })
        };
        if scoped(&self.family) {
            Some(Suppression::Family)
        } else if scoped(&self.hypothetical) {
            Some(Suppression::Hypothetical)
        } else if scoped(&self.history) {
            Some(Suppression::History)
        } else {
            None
        }
    }
}

/// Whether the tokens from `from` to the red flag at `flag` are short items
/// of a list, the flag opening the last: "denies | chest pain, | short of
/// breath, | syncope".
fn list_items(tokens: &[Token], from: usize, flag: usize) -> bool {
    let clause = tokens[flag].clause;
    let opens_its_item = flag == 0 || tokens[flag - 1].clause != clause;
    // The red flag's own item is short too: "chest pain started 1h ago radiating to L arm" is no item.
    let own = tokens[flag..].iter().take_while(|t| t.clause == clause).count();
    if own > LIST_ITEM_WORDS {
        return false;
    }
    let mut item = 0;
    for k in from..flag {
        item = if k > from && tokens[k].clause != tokens[k - 1].clause { 1 } else { item + 1 };
        if item > LIST_ITEM_WORDS {
            return false;
        }
    }
    opens_its_item
}
