//! One insights table as RFC 4180 CSV, for a spreadsheet.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::InsightsOut;
use crate::error::ApiError;

/// A CSV cell: quoted when it must be, and guarded with a leading
/// apostrophe when a spreadsheet would run it as a formula.
pub(crate) fn cell(value: &Value) -> String {
    let raw = match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        // A number is written as it is: a negative one is no formula.
        Value::Number(n) => return n.to_string(),
        other => other.to_string(),
    };
    let guarded = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{raw}") } else { raw };
    if guarded.contains([',', '"', '\n', '\r']) { format!("\"{}\"", guarded.replace('"', "\"\"")) } else { guarded }
}

/// One table as RFC 4180 CSV, downloaded as `carethread-<section>-<table>.csv`.
/// Cells are slugs, dates, names and numbers; a cell a spreadsheet would run
/// as a formula is guarded with a leading apostrophe.
pub fn csv(out: &InsightsOut, name: Option<&str>) -> Result<Response, ApiError> {
    let Some(table) = out.tables.iter().find(|t| Some(t.name.as_str()) == name) else {
        let names: Vec<&str> = out.tables.iter().map(|t| t.name.as_str()).collect();
        return Err(ApiError::invalid("table", format!("must be one of {}", names.join(", "))));
    };
    let mut body = table.columns.join(",");
    body.push_str("\r\n");
    for row in &table.rows {
        body.push_str(&row.iter().map(cell).collect::<Vec<_>>().join(","));
        body.push_str("\r\n");
    }
    let disposition = format!("attachment; filename=\"carethread-{}-{}.csv\"", out.section, table.name);
    let disposition = HeaderValue::from_str(&disposition).map_err(|_| ApiError::invalid("table", "is not a table"))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
