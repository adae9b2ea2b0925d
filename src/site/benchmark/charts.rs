//! The benchmark's inline SVG charts, made at build time. Each carries a text alternative, or
//! is hidden from assistive technology when the text beside it says the same.

use std::fmt::Write as _;

use crate::aggregate::Stats;

/// A horizontal bar from the national minimum to maximum: the P25–P75 band, the median and
/// the cluster's own value. Text alternative in `label`.
pub(super) fn position_svg(s: &Stats, x: f64, label: &str) -> String {
    let (lo, hi) = (s.min.min(x), s.max.max(x));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let px = |v: f64| 4.0 + (v - lo) / span * 152.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"position\" viewBox=\"0 0 160 20\" width=\"160\" height=\"20\" role=\"img\" aria-label=\"{}\">\
<line x1=\"4\" y1=\"10\" x2=\"156\" y2=\"10\" class=\"axis\"/>\
<rect x=\"{:.1}\" y=\"4\" width=\"{:.1}\" height=\"12\" class=\"iqr\"/>\
<line x1=\"{:.1}\" y1=\"2\" x2=\"{:.1}\" y2=\"18\" class=\"median\"/>\
<circle cx=\"{:.1}\" cy=\"10\" r=\"4.5\" class=\"own\"/></svg>",
        html_escape(label),
        px(s.p25),
        (px(s.p75) - px(s.p25)).max(1.0),
        px(s.median),
        px(s.median),
        px(x)
    );
    svg
}

/// Every cluster's value as a dot on one axis, the P25–P75 band shaded and the median marked.
pub(super) fn distribution_svg(values: &[f64], s: &Stats, label: &str) -> String {
    let (lo, hi) = (s.min, s.max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let px = |v: f64| 10.0 + (v - lo) / span * 580.0;
    let mut svg = format!(
        "<svg class=\"distribution\" viewBox=\"0 0 600 60\" role=\"img\" aria-label=\"{}\"><rect x=\"{:.1}\" y=\"10\" width=\"{:.1}\" height=\"30\" class=\"iqr\"/><line x1=\"10\" y1=\"25\" x2=\"590\" y2=\"25\" class=\"axis\"/>",
        html_escape(label),
        px(s.p25),
        (px(s.p75) - px(s.p25)).max(1.0)
    );
    for v in values {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"25\" r=\"5\" class=\"dot\"/>",
            px(*v)
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{0:.1}\" y1=\"5\" x2=\"{0:.1}\" y2=\"45\" class=\"median\"/></svg>",
        px(s.median)
    );
    svg
}

/// A small line of the cluster's value over the waves, scaled to its own range. Hidden from
/// assistive technology: the text beside it carries the same numbers.
pub(super) fn trend_svg(series: &[(i64, f64)]) -> String {
    if series.len() < 2 {
        return String::new();
    }
    let lo = series.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = series.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let step = 72.0 / (series.len() - 1) as f64;
    let points: Vec<(f64, f64)> = series
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            (
                4.0 + i as f64 * step,
                if hi > lo {
                    16.0 - (v - lo) / span * 12.0
                } else {
                    10.0
                },
            )
        })
        .collect();
    let mut svg = String::from(
        "<svg class=\"trend\" viewBox=\"0 0 80 20\" width=\"80\" height=\"20\" aria-hidden=\"true\"><polyline class=\"line\" points=\"",
    );
    let coords: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    svg.push_str(&coords.join(" "));
    svg.push_str("\"/>");
    if let Some((x, y)) = points.last() {
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" class=\"own\"/>"
        );
    }
    svg.push_str("</svg>");
    svg
}

pub(in crate::site) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
