//! The safety rules: a versioned red-flag lexicon (English and Spanish) and
//! NegEx-style scope rules that keep negated ("no chest pain"), resolved
//! ("the chest pain from last year"), family ("my father had a stroke") and
//! hypothetical ("what are stroke symptoms?") mentions from firing.
//!
//! The lexicon and its pattern syntax are described at the top of
//! `data/red_flags.txt`.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::text::{PrefixIndex, Token, tokenize};

/// The lexicon shipped with CareThread.
const BUILTIN: &str = include_str!("../data/red_flags.txt");

/// Words this long or longer also match misspellings one edit away.
const FUZZY_MIN_LEN: usize = 7;
/// Words a negation trigger may sit before its red flag.
const NEGATION_REACH: usize = 3;
/// Words a trailing negation ("… is gone") may sit after its red flag.
const NEGATION_AFTER_REACH: usize = 4;

/// Why a red-flag mention was not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppression {
    Negated,
    History,
    Family,
    Hypothetical,
    Benign,
}

impl Suppression {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Negated => "negated",
            Self::History => "past history",
            Self::Family => "family history",
            Self::Hypothetical => "hypothetical or a question",
            Self::Benign => "a harmless use of the words",
        }
    }
}

/// A red flag that fired, with the words that fired it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedFlag {
    pub family: &'static str,
    pub phrase: String,
}

/// What the safety rules found in one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafetyCheck {
    /// Red flags that fired: any one makes the message an emergency.
    pub flags: Vec<RedFlag>,
    /// Red-flag families mentioned only in a suppressing scope.
    pub suppressed: Vec<(&'static str, Suppression)>,
}

impl SafetyCheck {
    #[must_use]
    pub fn is_emergency(&self) -> bool {
        !self.flags.is_empty()
    }
}

#[derive(Debug, Clone)]
enum Atom {
    Word { id: u32, fuzzy: bool },
    Prefix(String),
    Number { lo: f64, hi: f64 },
}

#[derive(Debug, Clone)]
enum Elem {
    Any(Vec<Atom>),
    Group(Vec<Seq>),
    Gap(usize),
}

#[derive(Debug, Clone, Default)]
struct Seq(Vec<Elem>);

/// A whole pattern from one lexicon line (or one side of its `&&`), with
/// the number the start index knows it by.
#[derive(Debug)]
struct Pattern {
    id: u32,
    seq: Seq,
}

#[derive(Debug)]
struct Rule {
    family: &'static str,
    parts: Vec<Pattern>,
}

/// Which patterns can begin at a token, by what that token is: a lexicon
/// word, a word with a lexicon prefix, or a number. A message then tries
/// only the patterns whose first word it contains, where it contains it,
/// so checking costs what the message matches rather than the size of the
/// lexicon.
#[derive(Debug, Default)]
struct StartIndex {
    /// By word id: (pattern, whether a misspelling of the word may start it).
    words: Vec<Vec<(u32, bool)>>,
    /// Patterns that begin with a word prefix.
    prefixes: PrefixIndex<u32>,
    /// (lowest, highest, pattern) for patterns that begin with a number.
    numbers: Vec<(f64, f64, u32)>,
    /// How many patterns there are.
    patterns: u32,
}

impl StartIndex {
    /// Numbers `seq` as the next pattern and records where it can begin.
    fn add(&mut self, seq: Seq) -> Pattern {
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

#[derive(Debug, Default)]
struct Vocabulary {
    ids: HashMap<String, u32>,
    /// Each fuzzy word and its one-letter deletions → the words they come from.
    deletions: HashMap<String, Vec<u32>>,
    words: Vec<String>,
}

impl Vocabulary {
    fn id(&mut self, word: &str, fuzzy: bool) -> u32 {
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
    fn lookup(&self, token: &str) -> Vec<(u32, bool)> {
        let mut found: Vec<(u32, bool)> = self.ids.get(token).map(|id| vec![(*id, true)]).unwrap_or_default();
        if token.chars().count() + 1 < FUZZY_MIN_LEN {
            return found;
        }
        let mut near = |variant: &str| {
            for id in self.deletions.get(variant).into_iter().flatten() {
                if found.iter().all(|(f, _)| f != id) && within_one_edit(token, &self.words[*id as usize]) {
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
        found
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
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
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

/// A parsed red-flag lexicon.
#[derive(Debug)]
pub struct Lexicon {
    version: String,
    vocabulary: Vocabulary,
    starts: StartIndex,
    flags: Vec<Rule>,
    negation: Vec<Pattern>,
    negation_after: Vec<Pattern>,
    history: Vec<Pattern>,
    family: Vec<Pattern>,
    hypothetical: Vec<Pattern>,
    benign: Vec<Pattern>,
    current: Vec<Pattern>,
    pseudo: Vec<Pattern>,
    terminators: Vec<Pattern>,
}

/// Per-message view of the tokens: which lexicon words each one matches,
/// and where each pattern can begin.
struct Matcher<'a> {
    tokens: &'a [Token],
    words: Vec<Vec<(u32, bool)>>,
    numbers: Vec<Option<f64>>,
    /// Token positions where patterns can begin, grouped by pattern and in
    /// token order within a pattern: pattern `p`'s are
    /// `begins[offsets[p]..offsets[p + 1]]`.
    begins: Vec<usize>,
    offsets: Vec<usize>,
}

impl<'a> Matcher<'a> {
    fn atom(&self, atom: &Atom, at: usize) -> bool {
        match atom {
            Atom::Word { id, fuzzy } => self.words[at].iter().any(|(w, exact)| w == id && (*exact || *fuzzy)),
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

    fn new(tokens: &'a [Token], vocabulary: &Vocabulary, index: &StartIndex) -> Self {
        let words: Vec<Vec<(u32, bool)>> = tokens.iter().map(|t| vocabulary.lookup(&t.text)).collect();
        let numbers: Vec<Option<f64>> = tokens.iter().map(Token::number).collect();
        // (pattern, position), in token order.
        let mut hits: Vec<(u32, usize)> = Vec::new();
        for (at, token) in tokens.iter().enumerate() {
            for &(id, exact) in &words[at] {
                let patterns = index.words.get(id as usize).map_or(&[][..], Vec::as_slice);
                hits.extend(patterns.iter().filter(|(_, fuzzy)| exact || *fuzzy).map(|&(p, _)| (p, at)));
            }
            hits.extend(index.prefixes.matching(&token.text).map(|p| (p, at)));
            if let Some(n) = numbers[at] {
                hits.extend(index.numbers.iter().filter(|(lo, hi, _)| n >= *lo && n <= *hi).map(|&(_, _, p)| (p, at)));
            }
        }
        // A counting sort by pattern keeps each pattern's positions in token order.
        let mut offsets = vec![0_usize; index.patterns as usize + 1];
        for &(p, _) in &hits {
            offsets[p as usize + 1] += 1;
        }
        for p in 1..offsets.len() {
            offsets[p] += offsets[p - 1];
        }
        let mut next = offsets.clone();
        let mut begins = vec![0_usize; hits.len()];
        for (p, at) in hits {
            begins[next[p as usize]] = at;
            next[p as usize] += 1;
        }
        Self { tokens, words, numbers, begins, offsets }
    }

    /// Every place `pattern` matches, as token ranges, in order.
    fn find(&self, pattern: &Pattern) -> Vec<(usize, usize)> {
        let id = pattern.id as usize;
        let begins = &self.begins[self.offsets[id]..self.offsets[id + 1]];
        let mut found = Vec::new();
        for (i, &start) in begins.iter().enumerate() {
            // A pattern whose first element names a word twice begins there twice.
            if i > 0 && begins[i - 1] == start {
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

    fn find_all(&self, patterns: &[Pattern]) -> Vec<(usize, usize)> {
        patterns.iter().flat_map(|p| self.find(p)).collect()
    }
}

/// Triggers found in one message, ready to test red-flag mentions against.
struct Scopes {
    negation: Vec<(usize, usize)>,
    negation_after: Vec<(usize, usize)>,
    history: Vec<(usize, usize)>,
    family: Vec<(usize, usize)>,
    hypothetical: Vec<(usize, usize)>,
    benign: Vec<(usize, usize)>,
    current_sentences: Vec<usize>,
    terminators: Vec<usize>,
}

impl Scopes {
    fn terminated(&self, from: usize, to: usize) -> bool {
        self.terminators.iter().any(|t| *t >= from && *t < to)
    }

    fn why(&self, tokens: &[Token], (start, end): (usize, usize)) -> Option<Suppression> {
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

    /// Checks a message (subject and body together) for red flags.
    #[must_use]
    pub fn check(&self, text: &str) -> SafetyCheck {
        self.check_tokens(&tokenize(text))
    }

    /// Checks a message's subject and body. A red flag in the subject alone
    /// counts unless the body mentions the same family only to rule it out
    /// (subject "chest pain", body "no chest pain anymore").
    #[must_use]
    pub fn check_message(&self, subject: &str, body: &str) -> SafetyCheck {
        self.check_message_tokens(&tokenize(subject), &tokenize(body))
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

fn parse_seq(text: &str, vocabulary: &mut Vocabulary) -> Result<Seq, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fires(text: &str) -> Vec<&'static str> {
        Lexicon::builtin().check(text).flags.iter().map(|f| f.family).collect()
    }

    fn emergency(text: &str) -> bool {
        Lexicon::builtin().check(text).is_emergency()
    }

    fn assert_fires(family: &str, texts: &[&str]) {
        for text in texts {
            let found = fires(text);
            assert!(found.contains(&family), "expected {family:?} in {text:?}, found {found:?}");
        }
    }

    fn assert_quiet(texts: &[&str]) {
        for text in texts {
            let check = Lexicon::builtin().check(text);
            assert!(!check.is_emergency(), "expected no red flag in {text:?}, found {:?}", check.flags);
        }
    }

    #[test]
    fn the_builtin_lexicon_parses_and_covers_every_family() {
        let lexicon = Lexicon::builtin();
        assert_eq!(lexicon.version(), "1.5.0");
        for family in [
            "chest pain",
            "trouble breathing",
            "stroke signs",
            "fainting",
            "severe bleeding",
            "anaphylaxis",
            "suicidal or self-harm thoughts",
            "overdose or poisoning",
            "seizure",
            "pregnancy with bleeding or pain",
            "fever in an infant under 3 months",
            "very low blood sugar",
            "sudden vision loss",
            "worst headache",
        ] {
            assert!(lexicon.families().contains(&family), "missing {family}");
        }
    }

    #[test]
    fn malformed_lexicons_are_refused_with_the_line() {
        assert!(Lexicon::parse("[flag: x]\nchest pain").unwrap_err().contains("version"));
        assert!(Lexicon::parse("version 1\n[flag: x]\n(chest pain").unwrap_err().contains("line 3"));
        assert!(Lexicon::parse("version 1\n[flag: x]\nchest (pain").unwrap_err().contains("unbalanced"));
        assert!(Lexicon::parse("version 1\n[flag: x]\n~ pain").unwrap_err().contains("gap"));
        assert!(Lexicon::parse("version 1\n[nonsense]\npain").unwrap_err().contains("unknown section"));
        assert!(Lexicon::parse("version 1\n[negation]\nno && not").unwrap_err().contains("&&"));
    }

    #[test]
    fn one_edit_distance() {
        assert!(within_one_edit("seizure", "siezure"));
        assert!(within_one_edit("breathe", "breath"));
        assert!(within_one_edit("bleeding", "bleading"));
        assert!(within_one_edit("fainted", "fainted"));
        assert!(!within_one_edit("breathe", "bread"));
        assert!(!within_one_edit("seizure", "leisure"));
    }

    #[test]
    fn chest_pain_in_lay_words_both_languages() {
        assert_fires(
            "chest pain",
            &[
                "my chest feels tight since this morning",
                "Chest pian and sweating",
                "feels like an elephant sitting on my chest",
                "pressure in my chest when I walk",
                "i think im having a heart attack",
                "me duele el pecho desde anoche",
                "tengo dolor en el pecho y sudor",
                "siento el pecho apretado",
                "creo que es un infarto",
            ],
        );
    }

    #[test]
    fn trouble_breathing_both_languages() {
        assert_fires(
            "trouble breathing",
            &[
                "I can't breathe",
                "cant catch my breath even sitting",
                "my son is wheezing and the inhaler isnt helping",
                "her lips are turning blue",
                "short of breath at rest",
                "no puedo respirar bien",
                "mi hijo se ahoga",
                "me falta el aire",
            ],
        );
    }

    #[test]
    fn stroke_signs_both_languages() {
        assert_fires(
            "stroke signs",
            &[
                "my mom's face is drooping on one side",
                "his speech is slurred and weird",
                "left arm went numb suddenly and my face feels off",
                "cant find my words",
                "a mi papá se le ve la cara caida",
                "habla raro y arrastrado",
                "tiene el lado izquierdo dormido",
            ],
        );
    }

    #[test]
    fn fainting_bleeding_anaphylaxis() {
        assert_fires("fainting", &["I passed out at work", "she fainted twice", "me desmayé en la cocina"]);
        assert_fires(
            "severe bleeding",
            &[
                "cut my hand and it won't stop bleeding",
                "soaking through pads every hour",
                "vomiting blood",
                "black tarry stool",
                "está sangrando mucho y no para",
                "vomitando sangre",
            ],
        );
        assert_fires(
            "anaphylaxis",
            &[
                "my throat is closing after the shrimp",
                "lips swelling after bee sting",
                "se le hinchó la lengua",
                "siento la garganta cerrando",
            ],
        );
    }

    #[test]
    fn suicide_overdose_seizure() {
        assert_fires(
            "suicidal or self-harm thoughts",
            &[
                "i dont want to be alive anymore",
                "thinking about ending my life",
                "been cutting myself again",
                "everyone would be better off without me",
                "ya no quiero vivir",
                "quiero quitarme la vida",
                "pienso en suicidarme",
            ],
        );
        assert_fires(
            "overdose or poisoning",
            &[
                "I took too many of my sleeping pills",
                "my toddler swallowed a button battery",
                "he drank bleach",
                "se tomó todas las pastillas",
                "creo que es una sobredosis",
            ],
        );
        assert_fires(
            "seizure",
            &[
                "my son had a seizure",
                "she is having a siezure",
                "eyes rolled back and shaking",
                "tuvo una convulsión",
                "le dio un ataque epileptico",
            ],
        );
    }

    #[test]
    fn pregnancy_infant_sugar_vision_headache() {
        assert_fires(
            "pregnancy with bleeding or pain",
            &["I'm 10 weeks pregnant and bleeding", "estoy embarazada y tengo sangrado"],
        );
        assert_fires(
            "fever in an infant under 3 months",
            &[
                "my 6 week old has a temp of 100.8",
                "mi bebé de 5 semanas tiene fiebre de 38.2",
                "newborn feels hot, fever 100.5",
            ],
        );
        assert_fires(
            "very low blood sugar",
            &["sugar is 45 and he's confused", "my sugar dropped and I'm confused", "el azúcar está en 40"],
        );
        assert_fires(
            "sudden vision loss",
            &[
                "suddenly can't see out of my left eye",
                "like a curtain coming down over my eye",
                "perdí la vista de un ojo",
            ],
        );
        assert_fires(
            "worst headache",
            &["worst headache of my life", "el peor dolor de cabeza de mi vida", "thunderclap headache"],
        );
    }

    #[test]
    fn indirect_lay_descriptions_fire() {
        assert_fires("chest pain", &["dad is clutching his chest and sweating", "mi esposo está agarrándose el pecho"]);
        assert_fires("chest pain", &["se me cierra el pecho", "le pesa como una piedra en el pecho"]);
        assert_fires("trouble breathing", &["I can only get a few words out", "no me entra el aire"]);
        assert_fires("trouble breathing", &["her nostrils are flaring", "se le hunden las costillas al respirar"]);
        assert_fires(
            "stroke signs",
            &["he doesn't know where he is, he was fine at lunch", "no encuentra las palabras"],
        );
        assert_fires("fainting", &["Dad just keeled over in the kitchen", "le dio un soponcio en la iglesia"]);
        assert_fires("severe bleeding", &["puked up blood twice", "no deja de sangrar la herida"]);
        assert_fires("anaphylaxis", &["covered in welts and breathing funny after the egg"]);
        assert_fires("suicidal or self-harm thoughts", &["I bought a rope and picked the spot", "me voy a matar"]);
        assert_fires("suicidal or self-harm thoughts", &["he keeps talking about shooting himself"]);
        assert_fires("overdose or poisoning", &["my toddler swallowed a coin battery", "took like 15 of them tonight"]);
        assert_fires("seizure", &["the baby went rigid and started twitching on one side"]);
        assert_fires("pregnancy with bleeding or pain", &["tengo 35 semanas y el bebé no se ha movido"]);
        assert_fires("fever in an infant under 3 months", &["mi nene de 3 semanitas tiene 38.2"]);
        assert_fires("very low blood sugar", &["dexcom says 38 arrow down and he's sweating"]);
        assert_fires("sudden vision loss", &["my right eye went totally dark"]);
        assert_fires("worst headache", &["me explotó la cabeza de dolor"]);
        assert_fires("severe abdominal pain", &["tengo la panza dura como tabla y me duele horrible"]);
        assert_fires("other emergencies", &["on chemo and my fever is 101.8"]);
    }

    #[test]
    fn similes_medicine_names_and_passing_scares_are_not_triggers_or_flags() {
        // "como si" is a simile, not a hypothetical.
        assert_fires("chest pain", &["me duele el pecho como si me apretaran"]);
        assert_quiet(&["can you refill my seizure meds", "the school needs a seizure action plan signed"]);
        assert_quiet(&["me dio un soponcio cuando vi la cuenta del hospital jaja"]);
    }

    #[test]
    fn misspellings_one_edit_away_fire() {
        assert_fires("seizure", &["he had a seizur"]);
        assert_fires("trouble breathing", &["cant breath"]);
        assert_fires("suicidal or self-harm thoughts", &["feeling suicidle"]);
        assert_fires("fainting", &["i fanted"]);
    }

    #[test]
    fn negation_traps() {
        assert_quiet(&[
            "no chest pain, just a cough",
            "I don't have chest pain or trouble breathing",
            "denies shortness of breath",
            "no tengo dolor de pecho ni fiebre",
            "sin dolor en el pecho",
            "the chest pain went away",
            "el dolor de pecho ya se me quitó",
        ]);
        assert!(emergency("no fever but my chest hurts"));
        assert!(emergency("no puedo dormir porque me duele el pecho"));
    }

    #[test]
    fn history_traps() {
        assert_quiet(&[
            "the chest pain from last year hasn't come back",
            "I had a seizure 2 years ago, need a refill of keppra",
            "history of stroke in 2019, doing well",
            "hace dos años tuve una convulsión",
            "el año pasado me desmayé",
        ]);
        assert!(emergency("I had chest pain last year and now it is back today"));
        assert!(emergency("chest pain since last week, getting worse"));
        assert!(emergency("chest pain started an hour ago"));
    }

    #[test]
    fn family_traps() {
        assert_quiet(&[
            "my father had a heart attack at 50",
            "my mom had a stroke, should I be screened?",
            "mi papá tuvo un infarto",
            "en mi familia hay derrames",
        ]);
        assert!(emergency("my dad is having chest pain right now"));
        assert!(emergency("my father had a stroke but now I have slurred speech"));
    }

    #[test]
    fn hypothetical_traps() {
        assert_quiet(&[
            "what are the signs of a stroke?",
            "what should I do if my sugar drops below 50",
            "should I go to the ER if I get chest pain?",
            "¿cuáles son las señales de un derrame?",
            "¿qué hago si me falta el aire?",
        ]);
        assert!(emergency("What are the signs of a stroke? My face is drooping right now."));
    }

    #[test]
    fn figurative_speech_is_not_an_emergency() {
        assert_quiet(&[
            "this bill is killing me",
            "I'm dying to know my results",
            "heartburn after tacos",
            "esta factura me va a matar",
        ]);
    }

    #[test]
    fn a_subject_flag_counts_unless_the_body_rules_it_out() {
        assert!(Lexicon::builtin().check_message("dolor de pecho", "").is_emergency());
        assert!(Lexicon::builtin().check_message("chest pain", "started an hour ago").is_emergency());
        let check = Lexicon::builtin().check_message("shortness of breath", "No shortness of breath anymore, thanks!");
        assert!(!check.is_emergency());
        assert_eq!(check.suppressed, vec![("trouble breathing", Suppression::Negated)]);
    }

    #[test]
    fn hidden_red_flag_in_a_routine_request() {
        assert_fires("chest pain", &["Refill please. Also my chest feels tight since this morning."]);
        let check = Lexicon::builtin().check("necesito resurtir la metformina y tambien siento el pecho apretado");
        assert!(check.is_emergency());
        assert_eq!(check.flags[0].phrase, "pecho apretado");
    }

    #[test]
    fn suppressed_mentions_are_reported_with_their_scope() {
        let check = Lexicon::builtin().check("no chest pain");
        assert_eq!(check.suppressed, vec![("chest pain", Suppression::Negated)]);
        let check = Lexicon::builtin().check("my father had a stroke");
        assert_eq!(check.suppressed, vec![("stroke signs", Suppression::Family)]);
    }

    #[test]
    fn lexicon_1_2_phrasings_fire_in_both_languages() {
        assert_fires(
            "trouble breathing",
            &[
                "my 2 month old is breathing about 80 times a minute",
                "she makes a squeaky noise every time she breathes in",
                "the finger oxygen thing says 84",
                "a mi mama no le jala el aire",
            ],
        );
        assert_fires(
            "stroke signs",
            &[
                "he keeps trying to talk but the wrong words come out",
                "mi esposo esta diciendo palabras que no son y tiene la sonrisa torcida",
                "my left hand wont grip anything since I woke up, the leg on that side too",
            ],
        );
        assert_fires("fainting", &["she crumpled to the floor at the store", "mi tia se desplomo en la cocina"]);
        assert_fires(
            "overdose or poisoning",
            &[
                "all four of us have headaches and feel dizzy since we turned on the furnace",
                "desde que prendimos el calentador a todos nos duele la cabeza",
            ],
        );
        assert_fires(
            "suicidal or self-harm thoughts",
            &[
                "how many of my sleeping pills would be too many",
                "mi hermano escribio que ya no va a ser una carga para nadie",
            ],
        );
        assert_fires(
            "pregnancy with bleeding or pain",
            &["36 weeks pregnant and I have been dripping clear fluid since noon"],
        );
        assert_fires("severe bleeding", &["threw up something that looked like coffee grounds"]);
    }

    #[test]
    fn lexicon_1_2_stays_quiet_on_lookalikes() {
        assert_quiet(&[
            "my iron saturation was 62 on the last labs, what does it mean",
            "my husband snores and sometimes stops breathing for a few seconds at night, sleep study?",
            "two weeks after my c-section the incision is leaking a little fluid",
            "a little blood on the toilet paper, I have hemorrhoids",
        ]);
    }

    #[test]
    fn lexicon_1_3_phrasings_fire_in_both_languages() {
        assert_fires(
            "chest pain",
            &[
                "my jaw and left arm ache and it came on while I was sitting down",
                "thought it was indigestion, took tums twice and it wont go away, now sweating buckets",
                "tengo una puntada en el pecho desde hace media hora",
            ],
        );
        assert_fires(
            "trouble breathing",
            &[
                "my peak flow is 140 tonight",
                "used my albuterol 6 times since lunch and my chest is still tight",
                "al bebe se le hunde el huequito del cuello cuando respira",
            ],
        );
        assert_fires(
            "stroke signs",
            &[
                "my dad is dragging his right foot and slurring",
                "mi abuelo arrastra la pierna izquierda desde la comida",
            ],
        );
        assert_fires(
            "suicidal or self-harm thoughts",
            &[
                "I am tired of being a burden to everyone",
                "I wrote goodbye letters to my kids last night",
                "I keep having thoughts of hurting the baby",
                "oigo una voz que me dice que me haga dano",
                "ando pensando en aventarme del puente",
            ],
        );
        assert_fires(
            "overdose or poisoning",
            &[
                "my 4 year old swallowed two little magnets from the fridge",
                "el nino se trago una pilita de reloj",
                "mi hijo tomo gasolina de una botella",
                "drank a bunch tonight and took two xanax, feel really slow and weird",
                "me puse 30 unidades de humalog en vez de la lantus",
            ],
        );
        assert_fires(
            "seizure",
            &[
                "his arms were jerking and he wasnt responding for two minutes",
                "tiene los brazos sacudiendose y no responde",
            ],
        );
        assert_fires(
            "pregnancy with bleeding or pain",
            &[
                "34 weeks pregnant with a headache and seeing flashing spots",
                "estoy de 37 semanas y el bebe no se ha movido desde anoche",
            ],
        );
        assert_fires("fever in an infant under 3 months", &["mi bebe nacio hace 20 dias y tiene 38.4"]);
        assert_fires("very low blood sugar", &["my sugar is 45 and I am shaking, juice is not bringing it up"]);
        assert_fires(
            "very high blood sugar with vomiting or confusion",
            &["ran out of insulin 3 days ago and now throwing up and breathing fast"],
        );
        assert_fires("sudden vision loss", &["a dark curtain is coming down over the top part of my right eye"]);
        assert_fires("severe abdominal pain", &["her belly is hard as a board and she screams when touched"]);
        assert_fires(
            "other emergencies",
            &[
                "my calf has been swollen and tight since the flight and now I am short of breath",
                "purple spots on his legs that dont fade when I press a glass, and a fever",
                "she is 5 months, throwing up all day, soft spot looks sunken",
                "her hand is white and leathery after the grease fire",
                "my son got a sudden pain in his left testicle an hour ago",
            ],
        );
    }

    #[test]
    fn lexicon_1_3_scope_rules() {
        // A negation far from the end of a phrase, in the same clause, negates something else.
        assert!(emergency("36 weeks, a headache that tylenol isnt touching and I keep seeing sparkly spots"));
        // Near the end it still negates it, and so does one in a later clause.
        assert_quiet(&[
            "36 weeks, headache but no spots",
            "tiene ronchas de las fresas, pero nunca se le hincharon los labios",
        ]);
        // A negation reaches across a list joined by "or".
        assert_quiet(&["I'm not having chest pain or shortness of breath, just a sore back"]);
        // A pet is family-history only when something happened to it.
        assert!(emergency("she tripped over the dog, hit her head, and she is on warfarin"));
        assert_quiet(&["my dog had a seizure last night, can a dog get epilepsy?"]);
        // Figures of speech and passing scares.
        assert_quiet(&[
            "estoy muerta de cansancio, necesito una carta para el trabajo",
            "I was so nervous I almost passed out before the scan, thank the nurse for me",
            "my grandson says warfarin is rat poison, is that true?",
            "I get a little short of breath going up three flights of stairs, normal at 50?",
            "pense que me iba a desmayar cuando vi la cuenta",
            "my lamotrigine seizure med level came back at 4.1",
            "la presion me sale 150/95 toda la semana aunque me tomo las pastillas",
        ]);
    }

    #[test]
    fn lexicon_1_4_phrasings_fire_in_both_languages() {
        assert_fires("chest pain", &["a mi papa le duele el chest y el brazo izquierdo"]);
        assert_fires(
            "trouble breathing",
            &["I have to sit on the edge of the bed to get air and I'm wheezing", "her lips are turning blue"],
        );
        assert_fires("anaphylaxis", &["ate shrimp and now his face is swelling and he makes a whistle noise"]);
        assert_fires(
            "stroke signs",
            &["my left hand went clumsy at lunch", "his speech is thick and slurred since noon"],
        );
        assert_fires(
            "severe bleeding",
            &[
                "my tooth was pulled this morning and it won't stop bleeding, I take warfarin",
                "vomito como medio litro de sangre",
            ],
        );
        assert_fires(
            "suicidal or self-harm thoughts",
            &[
                "he texted goodbye and is not picking up, he has rifles at home",
                "I have been saving up my pills",
                "esta noche me las voy a tomar todas",
                "sitting in the garage with the engine running, thinking it would be easier",
            ],
        );
        assert_fires(
            "overdose or poisoning",
            &[
                "grandpa took his whole week of pills this morning",
                "le di el metotrexato todos los dias en vez de una vez por semana",
            ],
        );
        assert_fires("seizure", &["she is shaking all over and it has been 4 minutes"]);
        assert_fires("sudden vision loss", &["I could see nothing out of my left eye when I woke"]);
        assert_fires("very low blood sugar", &["el sensor dice 42 y estoy temblando"]);
        assert_fires(
            "very high blood sugar with vomiting or confusion",
            &["my dexcom says HIGH and I keep throwing up", "mi hija esta vomitando y el aparato dice 450"],
        );
        assert_fires("worst headache", &["el dolor de cabeza mas fuerte que he sentido, me vino de sopeton"]);
        assert_fires(
            "head injury on blood thinners",
            &[
                "he took a helmet to helmet hit and threw up twice",
                "she fell off the counter onto the tile and vomited",
            ],
        );
        assert_fires(
            "other emergencies",
            &[
                "my inner thighs and bum are numb and I wet myself",
                "last chemo infusion was a week ago and now I have chills and 101",
            ],
        );
    }

    #[test]
    fn lexicon_1_4_stays_quiet_on_lookalikes() {
        assert_quiet(&[
            "diarrhea for 3 days, now some streaks of blood, low fever",
            "my husband snores and sometimes pauses in his breathing, sleep apnea test?",
            "my dog had a seizure last night, the vet says epilepsy",
            "la presion me sale 160/95 toda la semana aunque me tomo las pastillas",
            "I was in the ER last week for chest pain, they said reflux, can I get a follow-up?",
            "es cierto que si a alguien le da un derrame hay que darle aspirina?",
            "my dad is home from the stroke unit and doing well",
            "this bill is killing me",
        ]);
    }

    #[test]
    fn lexicon_1_5_phrasings_fire_in_both_languages() {
        assert_fires(
            "chest pain",
            &[
                "there's a heavy pressure right in the center of my chest",
                "my jaw and left shoulder ache every time I climb the stairs",
                "me duele la quijada y el brazo cuando camino",
                "nauseous and clammy with an ache between my shoulders",
            ],
        );
        assert_fires(
            "trouble breathing",
            &[
                "al niño se le hunde el pecho cuando respira",
                "she can barely talk between breaths even after the inhaler",
                "siento que no me entra el aire",
                "he is coughing up pink frothy spit",
            ],
        );
        assert_fires(
            "stroke signs",
            &[
                "la pierna y el brazo derecho no le responden",
                "he is drooling out of one side of his mouth",
                "a mi abuela se le tuerce la boca cuando habla",
                "cuando habla no se le entiende nada desde la comida",
                "hoy mi mamá no supo cómo usar el celular que usa todos los días",
            ],
        );
        assert_fires("fainting", &["I stood up and everything went black and I woke up on the floor"]);
        assert_fires(
            "suicidal or self-harm thoughts",
            &[
                "my roommate made arrangements for her cat and says she won't be needing her appointments",
                "ya no voy a ser una carga por mucho tiempo",
                "he's been giving away his things and said goodbye like he wasn't coming back",
                "she said the kids would be better off without her",
            ],
        );
        assert_fires(
            "overdose or poisoning",
            &[
                "he took all of his sleeping pills an hour ago",
                "se tomó una caja entera de paracetamol",
                "a mi hijo lo mordió una víbora en el tobillo",
                "a scorpion stung my toddler and he's drooling and his eyes are jerking",
                "everyone in the family has a headache and is dizzy since we started using the generator indoors",
            ],
        );
        assert_fires(
            "fever in an infant under 3 months",
            &["my son turns 3 months on Friday and has a fever of 100.9"],
        );
        assert_fires(
            "very high blood sugar with vomiting or confusion",
            &[
                "se me acabó la insulina ayer y ahora estoy vomitando y respiro agitado",
                "I'm type 1, throwing up all night and breathing really deep and fast",
            ],
        );
        assert_fires("sudden vision loss", &["my eye hurts terribly and I see halos around lights and I threw up"]);
        assert_fires(
            "severe abdominal pain",
            &[
                "sudden severe pain in my right side and I've thrown up three times",
                "mi hernia no se mete, está dura y morada",
                "my dad has an aneurysm they're watching and he suddenly has terrible back pain and is pale",
            ],
        );
        assert_fires(
            "other emergencies",
            &[
                "my daughter is on chemo and has a fever of 38.5",
                "kidney transplant last year and today I have chills and 101",
                "grandpa has a fever and is confused and his heart is racing",
                "tengo fiebre y escalofríos y la presión me da 82/50",
                "he was working outside in the heat and now he's confused and his skin is hot and dry",
                "quit drinking 3 days ago, shaking badly and seeing bugs on the wall",
                "on dialysis and missed Friday, now my heart is skipping and my legs feel weak and heavy",
                "calf swollen and hot and now breathing fast",
                "we pulled him out of the pool, he was under water, now coughing and sleepy",
                "fell off the bed and hit her head and now she's very sleepy",
                "got an electric shock from the outlet and my heart feels weird",
                "la mollera del bebé está abultada",
                "I gave birth 10 days ago and now have a fever and the bleeding smells bad",
                "numb in the saddle area and can't pee",
                "no siento nada cuando me limpio y no puedo orinar",
                "se me sale la orina y tengo las piernas débiles",
                "my mom can't move her legs since she woke up this morning",
            ],
        );
    }

    #[test]
    fn a_negation_running_on_past_the_phrase_does_not_deny_it() {
        // "nada de" starts on the phrase's last word and negates what follows it.
        assert_fires("sudden vision loss", &["hoy no veo casi nada de este ojo"]);
        assert!(!emergency("no tengo nada de dolor de pecho"));
    }

    #[test]
    fn lexicon_1_5_stays_quiet_on_lookalikes() {
        assert_quiet(&[
            "the pain in my jaw and shoulder from the dentist visit is much better, thanks",
            "can I get the form for my chemo schedule? no fever, feeling ok",
            "my transplant clinic wants my labs sent over, no fever no chills",
            "what are the signs of heat stroke? we're going hiking",
            "I quit drinking 2 years ago and I'm doing great, need a refill of my naltrexone",
            "my mother is on dialysis, can you send the dialysis center her med list?",
            "everyone in my family gets headaches when the weather changes",
            "my baby turns 3 months next week, when is her next vaccine?",
            "I'm type 1, can I get more test strips? sugars have been fine",
            "my fingers turn white and blue in the cold, is that Raynaud's?",
            "it's been 5 years since my last seizure, can I stop the keppra?",
            "my son is giving away his old video games to his cousins",
            "the kids are better off without sugar in the house",
            "what should I do if the scorpion in my garage stings me?",
        ]);
    }
}
