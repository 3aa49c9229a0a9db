//! Checking a message against a lexicon: red flags found, then kept or
//! suppressed by their scopes.

use super::findings::{RedFlag, SafetyCheck};
use super::lexicon::Lexicon;
use super::matcher::Matcher;
use super::scopes::Scopes;
use super::shorthand::expand_shorthand;
use crate::text::{Token, tokenize};

impl Lexicon {
    /// Checks a message (subject and body together) for red flags, with
    /// clinical shorthand ("c/o CP", "SOB") read as its words.
    #[must_use]
    pub fn check(&self, text: &str) -> SafetyCheck {
        self.check_tokens(&expand_shorthand(text, &tokenize(text)))
    }

    /// Checks a message's subject and body. A red flag in the subject alone
    /// counts unless the body mentions the same family only to rule it out
    /// (subject "chest pain", body "no chest pain anymore").
    #[must_use]
    pub fn check_message(&self, subject: &str, body: &str) -> SafetyCheck {
        let (subject_tokens, body_tokens) = (tokenize(subject), tokenize(body));
        self.check_message_tokens(&expand_shorthand(subject, &subject_tokens), &expand_shorthand(body, &body_tokens))
    }

    /// [`Lexicon::check_message`] on already tokenised subject and body.
    #[must_use]
    pub fn check_message_tokens(&self, subject: &[Token], body: &[Token]) -> SafetyCheck {
        let mut check = self.check_tokens(body);
        let topic = self.check_tokens(subject);
        for flag in topic.flags {
            let ruled_out = check.suppressed.iter().any(|(family, _)| *family == flag.family);
            if !ruled_out && !check.flags.iter().any(|f| f.family == flag.family) {
                check.flags.push(flag);
            }
        }
        for (family, why) in topic.suppressed {
            if !check.flags.iter().any(|f| f.family == family) && !check.suppressed.iter().any(|(f, _)| *f == family) {
                check.suppressed.push((family, why));
            }
        }
        check
    }

    /// Checks already tokenised text for red flags.
    #[must_use]
    pub fn check_tokens(&self, tokens: &[Token]) -> SafetyCheck {
        if tokens.is_empty() {
            // An empty subject: nothing to find.
            return SafetyCheck::default();
        }
        let matcher = Matcher::new(tokens, &self.vocabulary, &self.starts);
        let masked: Vec<(usize, usize)> = matcher.find_all(&self.pseudo);
        let unmasked = |found: Vec<(usize, usize)>| -> Vec<(usize, usize)> {
            found.into_iter().filter(|&(s, e)| !masked.iter().any(|&(ms, me)| s < me && ms < e)).collect()
        };
        let scopes = Scopes {
            negation: unmasked(matcher.find_all(&self.negation)),
            negation_after: matcher.find_all(&self.negation_after),
            history: unmasked(matcher.find_all(&self.history)),
            family: unmasked(matcher.find_all(&self.family)),
            hypothetical: unmasked(matcher.find_all(&self.hypothetical)),
            benign: matcher.find_all(&self.benign),
            current_sentences: matcher.find_all(&self.current).iter().map(|(s, _)| tokens[*s].sentence).collect(),
            terminators: matcher.find_all(&self.terminators).iter().map(|(s, _)| *s).collect(),
        };
        let mut check = SafetyCheck::default();
        'rules: for rule in &self.flags {
            if check.flags.iter().any(|f| f.family == rule.family) {
                continue;
            }
            let mut phrase = None;
            let mut why = None;
            let mut all_parts = true;
            for part in &rule.parts {
                let mut live = None;
                let occurrences = matcher.find(part);
                if occurrences.is_empty() {
                    // A part that is not there settles the rule: no flag, nothing suppressed.
                    continue 'rules;
                }
                for found in occurrences {
                    match scopes.why(tokens, found) {
                        None => {
                            live = Some(found);
                            break;
                        }
                        Some(reason) => why = why.or(Some(reason)),
                    }
                }
                match live {
                    Some(found) => {
                        phrase.get_or_insert(found);
                    }
                    None => all_parts = false,
                }
            }
            match (all_parts, phrase) {
                (true, Some((start, end))) => {
                    check.suppressed.retain(|(family, _)| *family != rule.family);
                    check.flags.push(RedFlag { family: rule.family, phrase: words(tokens, start, end) });
                }
                _ => {
                    if let Some(reason) = why
                        && !check.suppressed.iter().any(|(f, _)| *f == rule.family)
                    {
                        check.suppressed.push((rule.family, reason));
                    }
                }
            }
        }
        check
    }
}

fn words(tokens: &[Token], start: usize, end: usize) -> String {
    tokens[start..end].iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ")
}
