//! The safety rules: a versioned red-flag lexicon (English and Spanish) and
//! NegEx-style scope rules that keep negated ("no chest pain"), resolved
//! ("the chest pain from last year"), family ("my father had a stroke") and
//! hypothetical ("what are stroke symptoms?") mentions from firing.
//!
//! The lexicon and its pattern syntax are described at the top of
//! `data/red_flags.txt`.

mod check;
mod findings;
mod lexicon;
mod matcher;
mod pattern;
mod scopes;
mod shorthand;
mod start_index;
mod vocabulary;

pub use findings::{RedFlag, SafetyCheck, Suppression};
pub use lexicon::Lexicon;
pub use shorthand::expand_shorthand;

#[cfg(test)]
mod tests;
