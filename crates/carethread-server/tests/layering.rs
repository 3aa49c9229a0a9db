//! The portal and the JSON API call the application layer for the
//! operations it holds; neither reaches into another route module's JSON
//! handler for them. Read from the source, so a new import is caught.

use std::path::{Path, PathBuf};

/// JSON handlers (and their helpers) of operations the application layer
/// now performs: `(route module, function)`.
const MOVED: &[(&str, &str)] = &[
    ("threads", "create_thread"),
    ("threads", "get_thread"),
    ("threads", "list_threads"),
    ("threads", "update_thread"),
    ("threads", "list_audited"),
    ("threads", "set_confidential"),
    ("triage", "retriage"),
    ("drafts", "create_draft"),
    ("wording", "check_wording"),
    ("wording", "crisis_of"),
    ("messages", "post_message"),
];

/// Each use, in `source`, of a moved handler through `routes::<module>`.
fn offences(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    // Whitespace is squeezed, so a `use` spread over lines reads like one line.
    let flat: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
    for (module, function) in MOVED {
        let prefix = format!("routes::{module}::");
        let mut rest = flat.as_str();
        while let Some(at) = rest.find(&prefix) {
            let after = &rest[at + prefix.len()..];
            let named = if let Some(group) = after.strip_prefix('{') {
                let group = group.split('}').next().unwrap_or_default();
                group.split(',').any(|item| item.trim().split(" as ").next() == Some(function))
            } else {
                after.split(|c: char| !(c.is_alphanumeric() || c == '_')).next() == Some(function)
            };
            if named {
                found.push(format!("routes::{module}::{function}"));
            }
            rest = after;
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source directory").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_checker_sees_a_portal_calling_a_json_handler() {
    let old = "use crate::routes::threads::{NewThreadIn, create_thread};\n\
               let d = crate::routes::threads::get_thread(State(s), a, Path(id)).await;\n\
               use crate::routes::threads::{\n    ThreadPatchIn,\n    update_thread as change,\n};";
    assert_eq!(
        offences(old),
        ["routes::threads::create_thread", "routes::threads::get_thread", "routes::threads::update_thread"]
    );
    assert!(offences("use crate::routes::threads::{ThreadPatchIn, list_threads_page};").is_empty());
}

#[test]
fn no_route_module_calls_a_json_handler_of_an_operation_the_application_layer_performs() {
    let routes = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let mut files = Vec::new();
    rust_files(&routes, &mut files);
    assert!(files.len() > 10, "the route modules are where they were");
    let mut bad = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("readable source");
        for offence in offences(&source) {
            bad.push(format!("{} uses {offence}", file.strip_prefix(&routes).unwrap_or(&file).display()));
        }
    }
    assert!(bad.is_empty(), "call carethread_app instead:\n{}", bad.join("\n"));
}
