//! Search results as a `searchset` `Bundle`.

use serde_json::{Map, Value, json};

/// One match of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchEntry {
    /// The resource's absolute address (`…/fhir/r4/Communication/{id}`).
    pub full_url: String,
    pub resource: Value,
}

/// A `searchset` bundle: how many matched in all (when known), this page's
/// matches, and the `self` and (unless this is the last page) `next` links.
#[must_use]
pub fn searchset(total: Option<u64>, self_url: &str, next_url: Option<&str>, entries: Vec<SearchEntry>) -> Value {
    let mut links = vec![json!({ "relation": "self", "url": self_url })];
    if let Some(next) = next_url {
        links.push(json!({ "relation": "next", "url": next }));
    }
    let mut out = Map::new();
    out.insert("resourceType".into(), json!("Bundle"));
    out.insert("type".into(), json!("searchset"));
    if let Some(total) = total {
        out.insert("total".into(), json!(total));
    }
    out.insert("link".into(), Value::Array(links));
    if !entries.is_empty() {
        let entries = entries
            .into_iter()
            .map(|e| json!({ "fullUrl": e.full_url, "resource": e.resource, "search": { "mode": "match" } }))
            .collect();
        out.insert("entry".into(), Value::Array(entries));
    }
    Value::Object(out)
}

/// Adds resources a search included (`_include`) to its bundle, marked
/// `search.mode` `include`; they do not count in `total`.
pub fn add_included(bundle: &mut Value, included: Vec<SearchEntry>) {
    if included.is_empty() {
        return;
    }
    let extra = included
        .into_iter()
        .map(|e| json!({ "fullUrl": e.full_url, "resource": e.resource, "search": { "mode": "include" } }));
    match bundle.get_mut("entry").and_then(Value::as_array_mut) {
        Some(entries) => entries.extend(extra),
        None => bundle["entry"] = Value::Array(extra.collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_with_more_after_it_links_to_the_next() {
        let entry = SearchEntry {
            full_url: "https://x/fhir/r4/Patient/1".into(),
            resource: json!({"resourceType": "Patient"}),
        };
        let b = searchset(Some(3), "https://x/a", Some("https://x/b"), vec![entry]);
        assert_eq!(b["type"], "searchset");
        assert_eq!(b["total"], 3);
        assert_eq!(b["link"][0]["relation"], "self");
        assert_eq!(b["link"][1]["relation"], "next");
        assert_eq!(b["link"][1]["url"], "https://x/b");
        assert_eq!(b["entry"][0]["search"]["mode"], "match");
    }

    #[test]
    fn the_last_page_has_no_next_link_and_an_empty_search_no_entries() {
        let b = searchset(None, "https://x/a", None, vec![]);
        assert_eq!(b["link"].as_array().map(Vec::len), Some(1));
        assert!(b.get("entry").is_none());
        assert!(b.get("total").is_none(), "a total not known is left out");
    }
}
