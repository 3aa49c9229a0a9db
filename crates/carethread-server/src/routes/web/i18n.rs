//! Interface text in English and Spanish: the Fluent catalogues
//! `i18n/en.ftl` and `i18n/es.ftl` (message ids such as `inbox-unread`,
//! variables such as `{ $count }`), formatted by `fluent-bundle`. Tests keep
//! the two catalogues in step and every message id the code names present,
//! so no page shows an id or falls back silently.

use std::collections::HashMap;
use std::sync::LazyLock;

use carethread_core::user::Language;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use fluent_syntax::ast;
use unic_langid::LanguageIdentifier;

/// One language's messages: the Fluent bundle, and every message formatted
/// once with its variables shown as `{name}` (the form the page scripts and
/// the clinic's disclosure line fill in themselves), which `Text::get` lends.
struct Catalogue {
    bundle: FluentBundle<FluentResource>,
    plain: HashMap<String, String>,
}

impl Catalogue {
    fn load(language: &str, source: &str) -> Self {
        // A syntax error leaves the other messages usable; a test keeps both files free of them.
        let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, _)| partial);
        let ids: Vec<String> = message_ids(&resource).map(str::to_owned).collect();
        let locale: LanguageIdentifier = language.parse().unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![locale]);
        // Pages and their tests read the text exactly as written, without Unicode isolation marks.
        bundle.set_use_isolating(false);
        bundle.add_resource_overriding(resource);
        let plain = ids
            .into_iter()
            .filter_map(|id| {
                let pattern = bundle.get_message(&id)?.value()?;
                let mut args = FluentArgs::new();
                for name in variables(pattern) {
                    args.set(name, format!("{{{name}}}"));
                }
                let text = bundle.format_pattern(pattern, Some(&args), &mut Vec::new()).into_owned();
                Some((id, text))
            })
            .collect();
        Self { bundle, plain }
    }

    /// `id` formatted with `values`; `None` if there is no such message.
    fn format(&self, id: &str, values: &[(&str, &str)]) -> Option<String> {
        let pattern = self.bundle.get_message(id)?.value()?;
        let mut args = FluentArgs::with_capacity(values.len());
        for (name, value) in values {
            args.set(*name, *value);
        }
        Some(self.bundle.format_pattern(pattern, Some(&args), &mut Vec::new()).into_owned())
    }
}

/// The ids of the messages in `resource`, in file order.
fn message_ids(resource: &FluentResource) -> impl Iterator<Item = &str> {
    resource.entries().filter_map(|entry| match entry {
        ast::Entry::Message(message) => Some(message.id.name),
        _ => None,
    })
}

/// The variables a message's text refers to (`{ $name }`).
fn variables<'a>(pattern: &'a ast::Pattern<&'a str>) -> impl Iterator<Item = &'a str> {
    pattern.elements.iter().filter_map(|element| match element {
        ast::PatternElement::Placeable {
            expression: ast::Expression::Inline(ast::InlineExpression::VariableReference { id }),
        } => Some(id.name),
        _ => None,
    })
}

mod triage_text;

static EN: LazyLock<Catalogue> = LazyLock::new(|| Catalogue::load("en", include_str!("../../../i18n/en.ftl")));
static ES: LazyLock<Catalogue> = LazyLock::new(|| Catalogue::load("es", include_str!("../../../i18n/es.ftl")));

/// The interface text for one language.
#[derive(Debug, Clone, Copy)]
pub struct Text(pub Language);

impl Text {
    fn catalogue(self) -> &'static Catalogue {
        match self.0 {
            Language::En => &EN,
            Language::Es => &ES,
        }
    }

    /// The text of message `id`, variables shown as `{name}` (the English
    /// text if a Spanish one were missing, which a test forbids).
    #[must_use]
    pub fn get(self, id: &str) -> &'static str {
        self.catalogue().plain.get(id).or_else(|| EN.plain.get(id)).map_or("", String::as_str)
    }

    /// The text of message `id` with its variables filled from `values`.
    #[must_use]
    pub fn fill(self, id: &str, values: &[(&str, &str)]) -> String {
        self.catalogue().format(id, values).or_else(|| EN.format(id, values)).unwrap_or_default()
    }

    /// Message `id` with its variables filled from `values` (the English
    /// text if this language lacks it); `None` when neither has it, for the
    /// messages looked up by a slug with a fallback of their own.
    #[must_use]
    pub fn lookup(self, id: &str, values: &[(&str, &str)]) -> Option<String> {
        self.catalogue().format(id, values).or_else(|| EN.format(id, values))
    }

    /// The `lang` attribute value.
    #[must_use]
    pub const fn code(self) -> &'static str {
        self.0.as_str()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use super::*;

    const SOURCES: [(&str, &str); 2] =
        [("en", include_str!("../../../i18n/en.ftl")), ("es", include_str!("../../../i18n/es.ftl"))];

    /// Each message id with the variables its text uses.
    fn messages(language: &str, source: &str) -> BTreeMap<String, BTreeSet<String>> {
        let resource = FluentResource::try_new(source.to_owned())
            .unwrap_or_else(|(_, errors)| panic!("{language}.ftl is not valid Fluent: {errors:?}"));
        let mut out = BTreeMap::new();
        for entry in resource.entries() {
            let ast::Entry::Message(message) = entry else { continue };
            let pattern =
                message.value.as_ref().unwrap_or_else(|| panic!("{language}: {} has no text", message.id.name));
            let vars = variables(pattern).map(str::to_owned).collect();
            assert!(out.insert(message.id.name.to_owned(), vars).is_none(), "{language}: {} twice", message.id.name);
        }
        out
    }

    #[test]
    fn both_catalogues_are_valid_fluent_with_the_same_messages_and_variables() {
        let [en, es] = SOURCES.map(|(language, source)| messages(language, source));
        assert_eq!(en.keys().collect::<Vec<_>>(), es.keys().collect::<Vec<_>>(), "the catalogues differ");
        for (id, vars) in &en {
            assert_eq!(Some(vars), es.get(id), "{id}: the languages fill in different values");
        }
        assert!(en.len() > 300, "{} messages", en.len());
        for text in [Text(Language::En), Text(Language::Es)] {
            assert!(en.keys().all(|id| !text.get(id).trim().is_empty()), "an empty text in {}", text.code());
        }
    }

    /// The Rust sources of this crate, each with its path.
    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("read the source directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((path.display().to_string(), std::fs::read_to_string(&path).expect("read a source file")));
            }
        }
    }

    /// The string literals in `code` that follow `before` (a plain prefix).
    fn literals_after<'a>(code: &'a str, before: &'a str) -> impl Iterator<Item = &'a str> {
        code.match_indices(before).filter_map(move |(at, _)| {
            let rest = &code[at + before.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
    }

    #[test]
    fn every_message_id_the_code_names_is_in_the_catalogues() {
        let ids: BTreeSet<&str> = EN.plain.keys().map(String::as_str).collect();
        let sections: BTreeSet<&str> = ids.iter().filter_map(|id| id.split('-').next()).collect();
        let mut files = Vec::new();
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        // Names of HTML elements (`id=`, `for=`, `class=`), which may look like message ids.
        let elements: BTreeSet<&str> = files
            .iter()
            .flat_map(|(_, code)| ["id=\"", "for=\"", "class=\""].map(|attribute| literals_after(code, attribute)))
            .flatten()
            .collect();
        let (mut named, mut missing) = (0, Vec::new());
        for (path, code) in &files {
            // Looked up directly, by `get` or `fill` with a literal id.
            for id in ["text.get(\"", "text.fill(\""].iter().flat_map(|call| literals_after(code, call)) {
                named += 1;
                if !ids.contains(id) {
                    missing.push(format!("{path}: {id}"));
                }
            }
            // Built from a literal prefix and a value, as the role names are.
            for prefix in literals_after(code, "text.get(&format!(\"") {
                let prefix = prefix.split('{').next().unwrap_or_default();
                if !ids.iter().any(|id| id.starts_with(prefix)) {
                    missing.push(format!("{path}: {prefix}…"));
                }
            }
            // Kept in tables and choices: any literal shaped like a message id of a
            // known section, unless it names an HTML element.
            for literal in code.split('"').skip(1).step_by(2) {
                let shaped = literal.contains('-')
                    && literal.split('-').all(|part| {
                        !part.is_empty()
                            && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    });
                let section = literal.split('-').next().unwrap_or_default();
                if shaped && sections.contains(section) && !elements.contains(literal) {
                    named += 1;
                    if !ids.contains(literal) {
                        missing.push(format!("{path}: {literal}"));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "message ids missing from the catalogues: {missing:#?}");
        assert!(named > 300, "only {named} message ids found in the code");
    }

    #[test]
    fn variables_are_filled_and_shown_as_names_when_not() {
        assert_eq!(Text(Language::Es).fill("inbox-unread", &[("count", "3")]), "3 sin leer");
        assert_eq!(Text(Language::En).get("inbox-unread"), "{count} unread");
        assert_eq!(Text(Language::En).get("compose-chars_count"), "{count} of {max} characters");
        assert_eq!(Text(Language::En).get("no-such-message"), "");
    }
}
