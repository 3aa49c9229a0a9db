//! Loading a red-flag lexicon: the built-in one, or any text in the format of
//! `data/red_flags.txt`.

use std::sync::OnceLock;

use super::pattern::{Pattern, Rule, parse_seq};
use super::start_index::StartIndex;
use super::vocabulary::Vocabulary;

/// The lexicon shipped with CareThread.
const BUILTIN: &str = include_str!("../../data/red_flags.txt");

/// A parsed red-flag lexicon.
#[derive(Debug)]
pub struct Lexicon {
    pub(super) version: String,
    pub(super) vocabulary: Vocabulary,
    pub(super) starts: StartIndex,
    pub(super) flags: Vec<Rule>,
    pub(super) negation: Vec<Pattern>,
    pub(super) negation_after: Vec<Pattern>,
    pub(super) history: Vec<Pattern>,
    pub(super) family: Vec<Pattern>,
    pub(super) hypothetical: Vec<Pattern>,
    pub(super) benign: Vec<Pattern>,
    pub(super) current: Vec<Pattern>,
    pub(super) pseudo: Vec<Pattern>,
    pub(super) terminators: Vec<Pattern>,
}

impl Lexicon {
    /// The lexicon shipped with CareThread, parsed once.
    #[must_use]
    pub fn builtin() -> &'static Lexicon {
        static LEXICON: OnceLock<Lexicon> = OnceLock::new();
        LEXICON.get_or_init(|| match Lexicon::parse(BUILTIN) {
            Ok(lexicon) => lexicon,
            Err(e) => panic!("the built-in red-flag lexicon is invalid: {e}"),
        })
    }

    /// The lexicon's version line.
    #[must_use]
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The red-flag families, in lexicon order.
    #[must_use]
    pub fn families(&self) -> Vec<&'static str> {
        let mut families: Vec<&'static str> = Vec::new();
        for rule in &self.flags {
            if !families.contains(&rule.family) {
                families.push(rule.family);
            }
        }
        families
    }

    /// Parses a lexicon in the format of `data/red_flags.txt`.
    pub fn parse(text: &str) -> Result<Lexicon, String> {
        let mut lexicon = Lexicon {
            version: String::new(),
            vocabulary: Vocabulary::default(),
            starts: StartIndex::default(),
            flags: Vec::new(),
            negation: Vec::new(),
            negation_after: Vec::new(),
            history: Vec::new(),
            family: Vec::new(),
            hypothetical: Vec::new(),
            benign: Vec::new(),
            current: Vec::new(),
            pseudo: Vec::new(),
            terminators: Vec::new(),
        };
        let mut section = String::new();
        for (number, raw) in text.lines().enumerate() {
            let line = raw.trim();
            let at = |e: String| format!("line {}: {e}", number + 1);
            if line.is_empty() || line == "#" || line.starts_with("# ") {
                continue;
            }
            if let Some(version) = line.strip_prefix("version ") {
                version.trim().clone_into(&mut lexicon.version);
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                name.trim().clone_into(&mut section);
                continue;
            }
            let mut parts = Vec::new();
            for part in line.split("&&") {
                let seq = parse_seq(part, &mut lexicon.vocabulary).map_err(at)?;
                parts.push(lexicon.starts.add(seq));
            }
            if let Some(family) = section.strip_prefix("flag:") {
                let family: &'static str = Box::leak(family.trim().to_owned().into_boxed_str());
                lexicon.flags.push(Rule { family, parts });
                continue;
            }
            let [seq] = <[Pattern; 1]>::try_from(parts).map_err(|_| at("`&&` is only for red flags".to_owned()))?;
            let list = match section.as_str() {
                "negation" => &mut lexicon.negation,
                "negation-after" => &mut lexicon.negation_after,
                "history" => &mut lexicon.history,
                "family" => &mut lexicon.family,
                "hypothetical" => &mut lexicon.hypothetical,
                "benign" => &mut lexicon.benign,
                "current" => &mut lexicon.current,
                "pseudo" => &mut lexicon.pseudo,
                "terminator" => &mut lexicon.terminators,
                other => return Err(at(format!("unknown section [{other}]"))),
            };
            list.push(seq);
        }
        if lexicon.version.is_empty() {
            return Err("the lexicon has no version line".to_owned());
        }
        if lexicon.flags.is_empty() {
            return Err("the lexicon has no red flags".to_owned());
        }
        Ok(lexicon)
    }
}
