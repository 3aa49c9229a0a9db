//! NegEx-style scopes: whether a red-flag mention is negated, past history,
//! family history, hypothetical or a harmless use of the words.

use super::findings::Suppression;
use crate::text::Token;

/// Words a negation trigger may sit before its red flag.
const NEGATION_REACH: usize = 3;
/// Words a trailing negation ("… is gone") may sit after its red flag.
const NEGATION_AFTER_REACH: usize = 4;

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
        if before || after || inside {
            return Some(Suppression::Negated);
        }
        let benign = self
            .benign
            .iter()
            .any(|&(ts, te)| tokens[ts].clause == clause && !self.terminated(te.min(end), ts.max(start)));
        if benign {
            return Some(Suppression::Benign);
        }
        if self.current_sentences.contains(&sentence) {
            return None;
        }
        let scoped = |triggers: &[(usize, usize)]| {
            triggers.iter().any(|&(ts, te)| {
                tokens[ts].sentence == sentence
                    && (te <= start || ts >= end)
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
