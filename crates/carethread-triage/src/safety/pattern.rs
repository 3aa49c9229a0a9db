//! Red-flag and scope patterns: their parsed form and the parser for the
//! pattern syntax of `data/red_flags.txt`.

use super::vocabulary::Vocabulary;

#[derive(Debug, Clone)]
pub(super) enum Atom {
    Word { id: u32, fuzzy: bool },
    Prefix(String),
    Number { lo: f64, hi: f64 },
}

#[derive(Debug, Clone)]
pub(super) enum Elem {
    Any(Vec<Atom>),
    Group(Vec<Seq>),
    Gap(usize),
}

#[derive(Debug, Clone, Default)]
pub(super) struct Seq(pub(super) Vec<Elem>);

/// A whole pattern from one lexicon line (or one side of its `&&`), with
/// the number the start index knows it by.
#[derive(Debug)]
pub(super) struct Pattern {
    pub(super) id: u32,
    pub(super) seq: Seq,
}

#[derive(Debug)]
pub(super) struct Rule {
    pub(super) family: &'static str,
    pub(super) parts: Vec<Pattern>,
}

pub(super) fn parse_seq(text: &str, vocabulary: &mut Vocabulary) -> Result<Seq, String> {
    let mut elems = Vec::new();
    for element in split_top_level(text, char::is_whitespace).into_iter().filter(|e| !e.is_empty()) {
        if let Some(reach) = element.strip_prefix('~') {
            let max = if reach.is_empty() { 3 } else { reach.parse().map_err(|_| format!("bad gap `{element}`"))? };
            elems.push(Elem::Gap(max));
            continue;
        }
        let alternatives = split_top_level(element, |c| c == '|');
        if alternatives.iter().all(|a| !a.starts_with('(')) {
            let atoms = alternatives.into_iter().map(|a| parse_atom(a, vocabulary)).collect::<Result<_, _>>()?;
            elems.push(Elem::Any(atoms));
            continue;
        }
        let mut seqs = Vec::new();
        for alternative in alternatives {
            match alternative.strip_prefix('(').and_then(|a| a.strip_suffix(')')) {
                Some(group) => {
                    for inner in split_top_level(group, |c| c == '|') {
                        seqs.push(parse_seq(inner, vocabulary)?);
                    }
                }
                None if alternative.contains(['(', ')']) => return Err(format!("unbalanced `(` in `{text}`")),
                None => seqs.push(Seq(vec![Elem::Any(vec![parse_atom(alternative, vocabulary)?])])),
            }
        }
        elems.push(Elem::Group(seqs));
    }
    if elems.is_empty() {
        return Err(format!("empty pattern in `{text}`"));
    }
    if matches!(elems.first(), Some(Elem::Gap(_))) || matches!(elems.last(), Some(Elem::Gap(_))) {
        return Err(format!("a pattern may not start or end with a gap: `{text}`"));
    }
    Ok(Seq(elems))
}

fn parse_atom(word: &str, vocabulary: &mut Vocabulary) -> Result<Atom, String> {
    if let Some(range) = word.strip_prefix('#') {
        let (lo, hi) = range.split_once('-').ok_or_else(|| format!("bad number range `{word}`"))?;
        let lo: f64 = lo.parse().map_err(|_| format!("bad number range `{word}`"))?;
        let hi: f64 = hi.parse().map_err(|_| format!("bad number range `{word}`"))?;
        return Ok(Atom::Number { lo, hi });
    }
    if let Some(exact) = word.strip_prefix('=') {
        return Ok(Atom::Word { id: vocabulary.id(&check_word(exact)?, false), fuzzy: false });
    }
    if let Some(prefix) = word.strip_suffix('*') {
        return Ok(Atom::Prefix(check_word(prefix)?));
    }
    Ok(Atom::Word { id: vocabulary.id(&check_word(word)?, true), fuzzy: true })
}

fn check_word(word: &str) -> Result<String, String> {
    let folded = crate::text::normalise(word);
    if folded.is_empty() || !folded.chars().all(|c| c.is_alphanumeric() || c == '.') {
        return Err(format!("`{word}` is not a word"));
    }
    Ok(folded)
}

/// Splits `text` at `sep` characters outside parentheses.
fn split_top_level(text: &str, sep: impl Fn(char) -> bool) -> Vec<&str> {
    let (mut parts, mut depth, mut from) = (Vec::new(), 0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 && sep(c) => {
                parts.push(&text[from..i]);
                from = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[from..]);
    parts
}
