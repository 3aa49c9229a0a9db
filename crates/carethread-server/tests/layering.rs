//! The portal and the JSON API call the application layer for the
//! operations it holds; neither reaches into another route module's JSON
//! handler for them, and no route module reaches into another route module
//! at all (what two need is in the application layer or a module outside
//! `routes`). Read from the source, so a new import is caught.

use std::path::{Path, PathBuf};

/// JSON handlers (and their helpers) of operations the application layer
/// now performs: `(route module, function)`.
const MOVED: &[(&str, &str)] = &[
    ("admin", "list_users"),
    ("admin", "create_user"),
    ("admin", "update_user"),
    ("admin", "care_teams"),
    ("admin", "add_to_care_team"),
    ("admin", "remove_from_care_team"),
    ("admin", "pools_with_members"),
    ("admin", "create_pool"),
    ("admin", "add_pool_member"),
    ("admin", "remove_pool_member"),
    ("ai_settings", "ai_admin"),
    ("ai_settings", "update_ai"),
    ("ai_settings", "reply_library"),
    ("ai_settings", "set_reply"),
    ("ai_settings", "reset_reply"),
    ("clinic", "clinic"),
    ("clinic", "update_clinic"),
    ("triage", "triage_settings"),
    ("triage", "update_triage_settings"),
    ("drafts", "list_quick_replies"),
    ("drafts", "create_quick_reply"),
    ("drafts", "delete_quick_reply"),
    ("drafts", "expand_quick_reply"),
    ("messages", "send_from_portal"),
    ("messages", "check_files"),
    ("messages", "patient_language"),
    ("people", "me"),
    ("people", "pools"),
    ("privacy", "audit_log"),
    ("privacy", "list_grants"),
    ("privacy", "create_grant"),
    ("privacy", "revoke_grant"),
    ("privacy", "break_glass"),
    ("people", "update_me"),
    ("session", "sign_in"),
    ("session", "end_session"),
    ("session", "sign_out_everywhere"),
    ("mfa", "mfa_enrol"),
    ("mfa", "mfa_confirm"),
    ("mfa", "mfa_disable"),
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

/// A route file's module path under `routes` (`web/admin/users.rs` is
/// `["web", "admin", "users"]`, `web/mod.rs` is `["web"]`, `mod.rs` is `[]`).
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if stem != "mod" {
            parts.push(stem.to_owned());
        }
    }
    parts
}

/// Every `routes::…` and `super::…` path in `source`, as written (a group
/// `routes::{a, b::c}` reads as one path per item).
fn paths_in(source: &str) -> Vec<String> {
    let flat: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut found = Vec::new();
    for start in ["routes::", "super::"] {
        let mut rest = flat.as_str();
        while let Some(at) = rest.find(start) {
            let before = rest[..at].chars().next_back();
            let after = &rest[at..];
            rest = &rest[at + start.len()..];
            // `routes` or `super` inside a longer name is not where a path starts.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let len = after.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(after.len());
            let head = &after[..len];
            if let Some(group) = after[len..].strip_prefix('{') {
                let group = group.split('}').next().unwrap_or_default();
                found.extend(group.split(',').map(|item| format!("{head}{}", item.trim())));
            } else {
                found.push(head.trim_end_matches(':').to_owned());
            }
        }
    }
    found
}

/// The uses, in the file of module `module` under `routes`, of another route
/// module (a child of `routes`: `admin`, `threads`, …, `web` for the whole
/// portal): through `routes::<other>`, or `super::` reaching a sibling. The
/// portal's own files share the portal's helpers; `routes/mod.rs` declares
/// every route module and builds the router. `known` names the route modules.
fn crossings(source: &str, module: &[String], known: &[String]) -> Vec<String> {
    let Some(own) = module.first() else { return Vec::new() };
    let mut bad = Vec::new();
    for written in paths_in(source) {
        let mut segments: Vec<&str> = written.split("::").filter(|s| !s.is_empty()).collect();
        let mut resolved: Vec<String> = Vec::new();
        if segments.first() == Some(&"routes") {
            segments.remove(0);
        } else {
            // `super` is the parent of the file's module (a test module's `super::*` is its own file).
            resolved = module.to_vec();
            while segments.first() == Some(&"super") {
                segments.remove(0);
                resolved.pop();
            }
            if segments == ["*"] {
                continue;
            }
        }
        resolved.extend(segments.iter().map(|s| (*s).to_owned()));
        if let Some(other) = resolved.first().filter(|first| known.contains(first) && *first != own) {
            bad.push(format!("{written} (route module {other})"));
        }
    }
    bad
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

fn route_files() -> (PathBuf, Vec<(PathBuf, Vec<String>)>) {
    let routes = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let mut files = Vec::new();
    rust_files(&routes, &mut files);
    let modules = files
        .into_iter()
        .map(|f| {
            let module = module_of(f.strip_prefix(&routes).unwrap_or(&f));
            (f, module)
        })
        .collect();
    (routes, modules)
}

#[test]
fn the_checker_sees_a_route_module_reaching_into_another() {
    let known: Vec<String> = ["threads", "privacy", "after_hours", "web"].iter().map(|m| (*m).to_owned()).collect();
    let module = |path: &[&str]| path.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let offending = "use crate::routes::privacy::{GrantOut, create_grant};\n\
                     let d = crate::routes::threads::thread_detail(&s, &a, id).await;\n\
                     use crate::routes::{after_hours, threads::ThreadPatchIn};";
    assert_eq!(
        crossings(offending, &module(&["web", "admin", "grants"]), &known),
        [
            "routes::privacy::GrantOut (route module privacy)",
            "routes::privacy::create_grant (route module privacy)",
            "routes::threads::thread_detail (route module threads)",
            "routes::after_hours (route module after_hours)",
            "routes::threads::ThreadPatchIn (route module threads)",
        ]
    );
    assert_eq!(
        crossings("use super::web::{Text, WebSession};", &module(&["after_hours"]), &known),
        ["super::web::Text (route module web)", "super::web::WebSession (route module web)"]
    );
    // The portal's own helpers, one's own module, and a test module's `super::*` are fine.
    let fine = "use super::{AdminSession, Saved};\nuse crate::routes::web::pages::api_error;\nuse super::*;\n\
                use super::super::form_error::FormError;";
    assert!(crossings(fine, &module(&["web", "admin", "users"]), &known).is_empty());
    assert!(crossings("use super::threads::list;", &[], &known).is_empty(), "routes/mod.rs declares them all");
}

#[test]
fn no_route_module_uses_another_route_module() {
    let (routes, files) = route_files();
    let mut known: Vec<String> = files.iter().filter_map(|(_, m)| m.first().cloned()).collect();
    known.dedup();
    let mut bad = Vec::new();
    for (file, module) in &files {
        let source = std::fs::read_to_string(file).expect("readable source");
        for crossing in crossings(&source, module, &known) {
            bad.push(format!("{} uses {crossing}", file.strip_prefix(&routes).unwrap_or(file).display()));
        }
    }
    assert!(bad.is_empty(), "move what both need into carethread_app or a module outside routes:\n{}", bad.join("\n"));
}
