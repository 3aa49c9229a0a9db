//! Bar charts drawn on the server as SVG: no script, no third-party code.
//! Bars run across the page, one group per row, so labels stay readable on
//! a phone; the chart scales to the width it is given (`viewBox`). Each
//! series has its own colour and its own pattern of lines, so series are
//! told apart without colour, and the legend names them. The chart is an
//! image with a title; the table beside it carries the figures for screen
//! readers, so the chart's marks are hidden from them.

use std::fmt::Write as _;

use maud::{Markup, PreEscaped, html};

/// Width of the drawing, in its own units.
const WIDTH: f64 = 640.0;
/// Room for the row labels on the left.
const LABEL_W: f64 = 150.0;
/// Room for the value after each bar.
const VALUE_W: f64 = 56.0;
const BAR_H: f64 = 14.0;
const GAP: f64 = 10.0;
const LEGEND_H: f64 = 26.0;

/// Fill colours with at least 3:1 contrast against white, and the matching
/// stroke patterns (solid, dashed, dotted).
const FILLS: [&str; 3] = ["#1f5fa8", "#b04a00", "#2d7a3a"];
const HATCH: [&str; 3] = ["", "4 2", "1 2"];

/// One series of a chart: its name and a value per row.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<f64>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn number(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 { format!("{x:.0}") } else { format!("{x:.1}") }
}

/// A horizontal bar chart of `series` over `labels`, titled `title`
/// (with the element id `id`).
#[must_use]
pub fn bar_chart(id: &str, title: &str, labels: &[String], series: &[Series<'_>]) -> Markup {
    let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0_f64, f64::max);
    let span = WIDTH - LABEL_W - VALUE_W;
    let per_row = BAR_H * series.len().max(1) as f64 + GAP;
    let height = LEGEND_H + per_row * labels.len().max(1) as f64 + GAP;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="{id}-t" class="chart"><title id="{id}-t">{}</title>"#,
        escape(title)
    );
    svg.push_str(r#"<g aria-hidden="true">"#);
    // The legend.
    let mut x = 0.0;
    for (i, s) in series.iter().enumerate() {
        let k = i % FILLS.len();
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="4" width="14" height="14" fill="{}" stroke="black" stroke-width="1" stroke-dasharray="{}"/><text x="{}" y="16" font-size="13">{}</text>"#,
            FILLS[k],
            HATCH[k],
            x + 20.0,
            escape(s.name)
        );
        x += 30.0 + 8.0 * s.name.chars().count() as f64;
    }
    for (row, label) in labels.iter().enumerate() {
        let top = LEGEND_H + per_row * row as f64;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" font-size="13" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            top + BAR_H * series.len() as f64 / 2.0 + 4.0,
            escape(label)
        );
        for (i, s) in series.iter().enumerate() {
            let value = s.values.get(row).copied().unwrap_or(0.0);
            let w = if max > 0.0 { span * value / max } else { 0.0 };
            let y = top + BAR_H * i as f64;
            let k = i % FILLS.len();
            let _ = write!(
                svg,
                r#"<rect x="{LABEL_W}" y="{y}" width="{w:.1}" height="{}" fill="{}" stroke="black" stroke-width="1" stroke-dasharray="{}"/><text x="{:.1}" y="{}" font-size="12">{}</text>"#,
                BAR_H - 2.0,
                FILLS[k],
                HATCH[k],
                LABEL_W + w + 4.0,
                y + BAR_H - 4.0,
                number(value)
            );
        }
    }
    svg.push_str("</g></svg>");
    html! { (PreEscaped(svg)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_titled_image_whose_bars_scale_to_the_largest_value() {
        let labels = vec!["Mon".to_owned(), "Tue <b>".to_owned()];
        let series = [Series { name: "Messages", values: vec![2.0, 4.0] }];
        let svg = bar_chart("c1", "Messages per day", &labels, &series).into_string();
        assert!(svg.contains(r#"role="img" aria-labelledby="c1-t""#), "{svg}");
        assert!(svg.contains(r#"<title id="c1-t">Messages per day</title>"#), "{svg}");
        assert!(svg.contains("Tue &lt;b&gt;"), "labels are escaped: {svg}");
        assert!(svg.contains(r#"width="434.0""#), "the largest bar spans the drawing: {svg}");
        assert!(svg.contains(r#"width="217.0""#), "half the value, half the bar: {svg}");
        assert!(!svg.contains("<script"), "{svg}");
    }
}
