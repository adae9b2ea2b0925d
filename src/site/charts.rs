//! Every inline SVG chart of the site, made at build time, no script: the benchmark's position,
//! distribution and trend charts, and the sector analysis' province map (a choropleth whose
//! classes are also told in words in a legend and whose values are in a table beside it) and
//! bar chart of location quotients. Each carries a text alternative, or is hidden from
//! assistive technology when the text beside it says the same.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

use crate::aggregate::Stats;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::render::assets::cache_busting_url;
use crate::text::escape_markup;

pub const GEO_FILE: &str = "site/data/geo/turkey-provinces.json";
/// Where the site publishes the province outlines that every map draws by reference.
pub const OUTLINES_PATH: &str = "/veri/harita/iller.svg";

/// Sequential classes, light to dark; readable with the hatch for missing values.
pub const CLASS_FILLS: [&str; 5] = ["#eef4f8", "#bcd6e6", "#73a9cc", "#34799f", "#0b4463"];
/// A dark outline, so that the lightest class still stands apart from the page.
const STROKE: &str = "#4a5560";

/// Province outlines keyed by licence-plate number ("01"…"81").
#[derive(Debug, Deserialize)]
pub struct Geo {
    view_box: String,
    provinces: BTreeMap<String, String>,
    #[serde(default)]
    package: String,
    #[serde(default)]
    copyright: String,
    #[serde(default)]
    licence: String,
    /// The centre of each province's outline, where a map marks it: found once, not on each
    /// of the 176 maps that may mark it.
    #[serde(skip)]
    centres: BTreeMap<String, (f64, f64)>,
    /// The outlines as one SVG file, and its cache-busting URL.
    #[serde(skip)]
    outlines: String,
    #[serde(skip)]
    outlines_url: String,
}

impl Geo {
    /// None when the project has no geometry (the pages then have no map).
    pub fn load(config: &Config) -> (Option<Geo>, Vec<Diagnostic>) {
        let path = config.path(GEO_FILE);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return (None, Vec::new());
        };
        match Geo::parse(&text) {
            Ok(g) => (Some(g), Vec::new()),
            Err(e) => (
                None,
                vec![
                    Diagnostic::error(GEO_FILE, format!("the map geometry is not valid: {e}"))
                        .at(e.line(), e.column())
                        .help("restore the file from the repository"),
                ],
            ),
        }
    }

    fn parse(text: &str) -> serde_json::Result<Geo> {
        let mut g = serde_json::from_str::<Geo>(text)?;
        g.centres = (g.provinces.iter())
            .filter_map(|(plate, path)| Some((plate.clone(), centre(path)?)))
            .collect();
        g.outlines = outlines_svg(&g);
        g.outlines_url = cache_busting_url(OUTLINES_PATH, g.outlines.as_bytes());
        Ok(g)
    }

    /// The file at [`OUTLINES_PATH`]: every province's outline, once.
    pub fn outlines(&self) -> &str {
        &self.outlines
    }

    /// A reference to the outline of the province with this licence-plate number, for `<use>`;
    /// None when the geometry has no such province.
    pub fn outline_ref(&self, plate: &str) -> Option<String> {
        self.provinces
            .contains_key(plate)
            .then(|| format!("{}#p{plate}", self.outlines_url))
    }
}

/// The outlines as SVG path elements with ids (`p34`), with the geometry's credit. Maps draw
/// them by reference, so that a browser fetches the outlines once, not with every map page.
fn outlines_svg(geo: &Geo) -> String {
    let mut svg = String::from("<svg xmlns=\"http://www.w3.org/2000/svg\">");
    if !geo.package.is_empty() {
        let credit = format!(
            "Province outlines from {} ({}); {} licence.",
            geo.package, geo.copyright, geo.licence
        );
        let _ = write!(svg, "<!-- {} -->", credit.replace("--", "- -"));
    }
    svg.push_str("<defs>");
    for (plate, path) in &geo.provinces {
        let _ = write!(
            svg,
            "<path id=\"p{}\" d=\"{}\"/>",
            escape_markup(plate),
            escape_markup(path)
        );
    }
    svg.push_str("</defs></svg>\n");
    svg
}

/// One province on a map.
pub struct Area<'a> {
    pub plate: &'a str,
    /// Index into [`CLASS_FILLS`]; None is drawn hatched (no data or withheld).
    pub class: Option<usize>,
    /// The province's name and value, shown as a tooltip.
    pub title: String,
    /// A dot on the province (for example: the sector is strong there).
    pub marked: bool,
}

/// The opening of a map of the province outlines as an image with the text alternative
/// `label`, with the hatch that marks provinces without a value.
pub fn map_start(geo: &Geo, label: &str) -> String {
    format!(
        "<svg class=\"province-map\" viewBox=\"{}\" role=\"img\" aria-label=\"{}\">\
<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
<rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#8a949c\" stroke-width=\"2\"/></pattern></defs>",
        escape_markup(&geo.view_box),
        escape_markup(label)
    )
}

/// The fill of a class of [`CLASS_FILLS`]; no class is hatched.
pub fn area_fill(class: Option<usize>) -> &'static str {
    class
        .and_then(|c| CLASS_FILLS.get(c).copied())
        .unwrap_or("url(#hatch)")
}

/// The map as an image with the text alternative `label`.
pub fn map_svg(geo: &Geo, areas: &[Area<'_>], label: &str) -> String {
    let mut svg = map_start(geo, label);
    let _ = write!(svg, "<g stroke=\"{STROKE}\" stroke-width=\"0.6\">");
    let mut marks = String::new();
    for a in areas {
        let Some(outline) = geo.outline_ref(a.plate) else {
            continue;
        };
        let fill = area_fill(a.class);
        let _ = write!(
            svg,
            "<use href=\"{}\" fill=\"{fill}\"><title>{}</title></use>",
            escape_markup(&outline),
            escape_markup(&a.title)
        );
        if a.marked
            && let Some((x, y)) = geo.centres.get(a.plate)
        {
            let _ = write!(
                marks,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\" fill=\"#ffffff\" stroke=\"#1d2327\" stroke-width=\"2\"/>"
            );
        }
    }
    svg.push_str("</g>");
    svg.push_str(&marks);
    svg.push_str("</svg>");
    svg
}

/// The centre of a path's bounding box, from its coordinate pairs.
fn centre(path: &str) -> Option<(f64, f64)> {
    let numbers: Vec<f64> = path
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter_map(|s| s.parse().ok())
        .collect();
    let (xs, ys): (Vec<f64>, Vec<f64>) = numbers.chunks_exact(2).map(|p| (p[0], p[1])).unzip();
    let span = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo.is_finite() && hi.is_finite()).then_some((lo + hi) / 2.0)
    };
    Some((span(&xs)?, span(&ys)?))
}

/// Equal-width classes from `lo` to `hi`: the class of `x`.
pub fn class_of(x: f64, lo: f64, hi: f64) -> usize {
    let n = CLASS_FILLS.len();
    if hi <= lo {
        return 0;
    }
    (((x - lo) / (hi - lo) * n as f64).floor() as usize).min(n - 1)
}

/// One bar: a short label (the division code) and the location quotient.
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// The value as the page writes it (`1,85`).
    pub text: String,
}

/// Horizontal bars of location quotients, with reference lines at 1 and 2.
pub fn lq_bars_svg(bars: &[Bar], label: &str) -> String {
    const LEFT: f64 = 40.0;
    const WIDTH: f64 = 480.0;
    const ROW: f64 = 22.0;
    let max = bars.iter().map(|b| b.value).fold(2.5, f64::max);
    let x = |v: f64| LEFT + v / max * WIDTH;
    let height = ROW * bars.len() as f64 + 30.0;
    let mut svg = format!(
        "<svg class=\"lq-bars\" viewBox=\"0 0 600 {height:.0}\" role=\"img\" aria-label=\"{}\">",
        escape_markup(label)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 8.0 + ROW * i as f64;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"13\" fill=\"#1d2327\">{}</text>\
<rect x=\"{LEFT}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"16\" fill=\"{}\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#1d2327\">{}</text>",
            LEFT - 6.0,
            y + 12.5,
            escape_markup(&b.label),
            (x(b.value) - LEFT).max(1.0),
            CLASS_FILLS[3],
            x(b.value) + 4.0,
            y + 12.5,
            escape_markup(&b.text)
        );
    }
    let bottom = 8.0 + ROW * bars.len() as f64;
    for reference in [1.0, 2.0] {
        let _ = write!(
            svg,
            "<line x1=\"{0:.1}\" y1=\"2\" x2=\"{0:.1}\" y2=\"{bottom:.1}\" stroke=\"#1d2327\" stroke-dasharray=\"4 3\"/>\
<text x=\"{0:.1}\" y=\"{1:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#1d2327\">LQ {2}</text>",
            x(reference),
            bottom + 16.0,
            reference
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A horizontal bar from the national minimum to maximum: the P25–P75 band, the median and
/// the cluster's own value, with the scale written on it (the ends below, the median above)
/// by `number`. Text alternative in `label`.
pub fn position_svg(s: &Stats, x: f64, label: &str, number: &dyn Fn(f64) -> String) -> String {
    let (lo, hi) = (s.min.min(x), s.max.max(x));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let px = |v: f64| 6.0 + (v - lo) / span * 188.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"position\" viewBox=\"0 0 200 46\" width=\"200\" height=\"46\" role=\"img\" aria-label=\"{}\">\
<line x1=\"6\" y1=\"23\" x2=\"194\" y2=\"23\" class=\"axis\"/>\
<rect x=\"{:.1}\" y=\"16\" width=\"{:.1}\" height=\"14\" class=\"iqr\"/>\
<line x1=\"{:.1}\" y1=\"13\" x2=\"{:.1}\" y2=\"33\" class=\"median\"/>\
<circle cx=\"{:.1}\" cy=\"23\" r=\"5\" class=\"own\"/>",
        escape_markup(label),
        px(s.p25),
        (px(s.p75) - px(s.p25)).max(1.0),
        px(s.median),
        px(s.median),
        px(x)
    );
    scale_text(
        &mut svg,
        200.0,
        (11.0, 44.0),
        px(s.median),
        [lo, s.median, hi],
        number,
    );
    svg.push_str("</svg>");
    svg
}

/// Every cluster's value as a dot on one axis, the P25–P75 band shaded and the median marked,
/// with the scale written on it by `number`.
pub fn distribution_svg(
    values: &[f64],
    s: &Stats,
    label: &str,
    number: &dyn Fn(f64) -> String,
) -> String {
    let (lo, hi) = (s.min, s.max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let px = |v: f64| 10.0 + (v - lo) / span * 380.0;
    let mut svg = format!(
        "<svg class=\"distribution\" viewBox=\"0 0 400 78\" role=\"img\" aria-label=\"{}\"><rect x=\"{:.1}\" y=\"22\" width=\"{:.1}\" height=\"28\" class=\"iqr\"/><line x1=\"10\" y1=\"36\" x2=\"390\" y2=\"36\" class=\"axis\"/>",
        escape_markup(label),
        px(s.p25),
        (px(s.p75) - px(s.p25)).max(1.0)
    );
    for v in values {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"36\" r=\"5\" class=\"dot\"/>",
            px(*v)
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{0:.1}\" y1=\"18\" x2=\"{0:.1}\" y2=\"54\" class=\"median\"/>",
        px(s.median)
    );
    scale_text(
        &mut svg,
        400.0,
        (14.0, 72.0),
        px(s.median),
        [lo, s.median, hi],
        number,
    );
    svg.push_str("</svg>");
    svg
}

/// The scale of a one-axis chart `width` wide: the lowest and highest values at the ends
/// (baseline `y.1`), the median above the axis at `median_x` (baseline `y.0`), kept inside the
/// chart. Hidden from assistive technology: the chart's label says the same.
fn scale_text(
    svg: &mut String,
    width: f64,
    y: (f64, f64),
    median_x: f64,
    [lo, median, hi]: [f64; 3],
    number: &dyn Fn(f64) -> String,
) {
    let size = if width > 300.0 { 14 } else { 11 };
    let median_x = median_x.clamp(width * 0.12, width * 0.88);
    let _ = write!(
        svg,
        "<g class=\"scale\" font-size=\"{size}\" aria-hidden=\"true\">\
<text x=\"{median_x:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>\
<text x=\"2\" y=\"{}\">{}</text>\
<text x=\"{:.1}\" y=\"{}\" text-anchor=\"end\">{}</text></g>",
        y.0,
        escape_markup(&number(median)),
        y.1,
        escape_markup(&number(lo)),
        width - 2.0,
        y.1,
        escape_markup(&number(hi)),
    );
}

/// A small line of the cluster's value over the waves, scaled to its own range. Hidden from
/// assistive technology: the text beside it carries the same numbers.
pub fn trend_svg(series: &[(i64, f64)]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_the_range() {
        assert_eq!(class_of(0.0, 0.0, 10.0), 0);
        assert_eq!(class_of(10.0, 0.0, 10.0), 4);
        assert_eq!(class_of(5.0, 0.0, 10.0), 2);
        assert_eq!(class_of(3.0, 3.0, 3.0), 0);
    }

    #[test]
    fn a_map_refers_to_the_outlines_and_hatches_what_has_no_class() {
        let geo = Geo::parse(
            r#"{"view_box":"0 0 20 20","provinces":{"01":"M0,0L10,0L10,10Z","06":"M10,10L20,10L20,20Z"}}"#,
        )
        .unwrap();
        let area = |plate, class, marked| Area {
            plate,
            class,
            title: format!("İl {plate} <&>"),
            marked,
        };
        let svg = map_svg(
            &geo,
            &[
                area("01", Some(4), false),
                area("06", None, true),
                area("99", Some(1), false),
            ],
            "Harita",
        );
        let url = &geo.outlines_url;
        assert!(url.starts_with("/veri/harita/iller.svg?h="));
        assert!(svg.contains(&format!(
            "<use href=\"{url}#p01\" fill=\"#0b4463\"><title>İl 01 &lt;&amp;&gt;</title></use>"
        )));
        assert!(svg.contains(&format!("<use href=\"{url}#p06\" fill=\"url(#hatch)\">")));
        assert!(
            !svg.contains("#p99"),
            "a province without an outline is left out"
        );
        assert!(
            svg.contains("<circle cx=\"15.0\" cy=\"15.0\""),
            "the marked province's dot"
        );
        assert!(!svg.contains("<path d="));
    }

    #[test]
    fn the_outlines_file_holds_each_province_once_by_id() {
        let geo = Geo::parse(
            r#"{"view_box":"0 0 1 1","package":"pkg","copyright":"(c) A -- B","licence":"MIT","provinces":{"01":"M0,0Z","81":"M1,1Z"}}"#,
        )
        .unwrap();
        assert_eq!(
            geo.outlines(),
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><!-- Province outlines from pkg ((c) A - - B); MIT licence. -->\
<defs><path id=\"p01\" d=\"M0,0Z\"/><path id=\"p81\" d=\"M1,1Z\"/></defs></svg>\n"
        );
    }

    #[test]
    fn centre_of_a_square() {
        assert_eq!(centre("M0,0L10,0L10,20L0,20Z"), Some((5.0, 10.0)));
    }
}
