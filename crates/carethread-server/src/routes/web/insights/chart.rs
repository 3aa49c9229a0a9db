//! Bar charts drawn on the server as SVG: no script, no third-party code.
//! Bars run across the page, one group per row under the row's label, so
//! labels stay whole and readable on a phone; the chart scales to the width
//! it is given (`viewBox`). Each series has its own colour and its own
//! outline pattern, so series are told apart without colour, and the legend
//! names them. The chart is an
//! image with a title; the table beside it carries the figures for screen
//! readers, so the chart's marks are hidden from them.

use std::fmt::Write as _;

use maud::{Markup, PreEscaped, html};

/// Width of the drawing, in its own units: narrow enough that its 13-unit
/// text stays readable when a phone shows the whole chart.
const WIDTH: f64 = 420.0;
/// Room for the value after the longest bar.
const VALUE_W: f64 = 40.0;
/// Each row's label sits on its own line above its bars.
const LABEL_H: f64 = 17.0;
const BAR_H: f64 = 14.0;
const GAP: f64 = 8.0;
const LEGEND_LINE: f64 = 22.0;

/// Fill colours with at least 3:1 contrast against white, and the matching
/// outline patterns (solid, dashed, dotted, …).
const FILLS: [&str; 6] = ["#1f5fa8", "#b04a00", "#2d7a3a", "#7b3294", "#a8123e", "#4d4d4d"];
const HATCH: [&str; 6] = ["", "4 2", "1 2", "6 2 1 2", "2 2", "8 3"];

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

#[expect(clippy::cast_precision_loss, reason = "a few dozen rows and series")]
fn units(n: usize) -> f64 {
    n as f64
}

/// The legend's entries, placed left to right and onto a new line when the
/// next would not fit: `(x, line)` per series, and the number of lines.
fn legend_places(series: &[Series<'_>]) -> (Vec<(f64, f64)>, f64) {
    let (mut x, mut line) = (0.0, 0.0);
    let mut places = Vec::new();
    for s in series {
        let width = 28.0 + 7.5 * units(s.name.chars().count());
        if x > 0.0 && x + width > WIDTH {
            x = 0.0;
            line += 1.0;
        }
        places.push((x, line));
        x += width + 10.0;
    }
    (places, line + 1.0)
}

/// A horizontal bar chart of `series` over `labels`, titled `title`
/// (with the element id `id`).
#[must_use]
pub fn bar_chart(id: &str, title: &str, labels: &[String], series: &[Series<'_>]) -> Markup {
    let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0_f64, f64::max);
    let span = WIDTH - VALUE_W;
    let (places, lines) = legend_places(series);
    let legend_h = LEGEND_LINE * lines + 4.0;
    let per_row = LABEL_H + BAR_H * units(series.len()) + GAP;
    let height = legend_h + per_row * units(labels.len());
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="{id}-t" class="chart"><title id="{id}-t">{}</title><g aria-hidden="true">"#,
        escape(title)
    );
    for (i, (s, (x, line))) in series.iter().zip(&places).enumerate() {
        let k = i % FILLS.len();
        let y = line * LEGEND_LINE;
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="{}" width="14" height="14" fill="{}" stroke="black" stroke-width="1" stroke-dasharray="{}"/><text x="{}" y="{}" font-size="13">{}</text>"#,
            y + 3.0,
            FILLS[k],
            HATCH[k],
            x + 20.0,
            y + 15.0,
            escape(s.name)
        );
    }
    for (row, label) in labels.iter().enumerate() {
        let top = legend_h + per_row * units(row);
        let _ = write!(svg, r#"<text x="0" y="{}" font-size="13">{}</text>"#, top + 13.0, escape(label));
        for (i, s) in series.iter().enumerate() {
            let value = s.values.get(row).copied().unwrap_or(0.0);
            let w = if max > 0.0 { span * value / max } else { 0.0 };
            let y = top + LABEL_H + BAR_H * units(i);
            let k = i % FILLS.len();
            let _ = write!(
                svg,
                r#"<rect x="0" y="{y}" width="{w:.1}" height="{}" fill="{}" stroke="black" stroke-width="1" stroke-dasharray="{}"/><text x="{:.1}" y="{}" font-size="12">{}</text>"#,
                BAR_H - 2.0,
                FILLS[k],
                HATCH[k],
                w + 4.0,
                y + BAR_H - 3.0,
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
        assert!(svg.contains(r#"width="380.0""#), "the largest bar spans the drawing: {svg}");
        assert!(svg.contains(r#"width="190.0""#), "half the value, half the bar: {svg}");
        assert!(!svg.contains("<script"), "{svg}");
    }
}
