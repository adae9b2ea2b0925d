//! The benchmarking pages: cluster directory, cluster profiles, the benchmark overview and one
//! page per indicator, plus the open-data copy of the snapshot. Charts are inline SVG made at
//! build time, each with a text alternative and its numbers in a table beside it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use minijinja::context;
use serde::Serialize;

use super::Site;
use crate::aggregate::model::{self, Cluster, Data, Direction, Indicator};
use crate::aggregate::{self, Snapshot, Stats};
use crate::config::{Config, Strings};
use crate::diagnostics::Diagnostic;
use crate::render::views::to_value;
use crate::survey::compile::Compiled;
use crate::survey::model::{Choice, Text};
use crate::text::{Collation, format_number, slugify};

/// The registry, indicators, references and (when given) the snapshot.
#[derive(Debug, Default)]
pub struct Bench {
    pub data: Data,
    pub snapshot: Option<Snapshot>,
    lists: std::collections::BTreeMap<String, Vec<Choice>>,
}

impl Bench {
    pub fn load(
        config: &Config,
        surveys: &[Compiled],
        snapshot: Option<&Path>,
    ) -> (Bench, Vec<Diagnostic>) {
        let (data, mut diags) = model::load(config);
        // `check` reads the files again: keep only what it adds (the formula checks).
        let extra: Vec<Diagnostic> = aggregate::check(config, surveys)
            .into_iter()
            .filter(|d| !diags_contains(&diags, d))
            .collect();
        diags.extend(extra);
        let mut lists_diags = Vec::new();
        let lists = crate::survey::compile::load_builtin_lists(config, &mut lists_diags);
        let sample = config
            .sample_aggregates
            .as_ref()
            .map(|p| config.path("site").join(p));
        let snapshot = snapshot.or(sample.as_deref());
        let snap = snapshot.and_then(|p| {
            match std::fs::read_to_string(p).map(|t| serde_json::from_str::<Snapshot>(&t)) {
                Ok(Ok(s)) => Some(s),
                Ok(Err(e)) => {
                    diags.push(
                        Diagnostic::error(
                            p.display().to_string(),
                            format!("the snapshot is not valid: {e}"),
                        )
                        .help("make it again with `kume aggregate`"),
                    );
                    None
                }
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            p.display().to_string(),
                            format!("cannot read the snapshot: {e}"),
                        )
                        .help("pass the aggregates.json written by `kume aggregate`"),
                    );
                    None
                }
            }
        });
        // A snapshot made before snapshots carried the flag, or by hand, is labelled here:
        // the registry knows which clusters are samples.
        let snap = snap.map(|mut s| {
            s.mark_sample(|id| data.clusters.iter().any(|c| c.id == id && c.sample));
            s
        });
        (
            Bench {
                data,
                snapshot: snap,
                lists,
            },
            diags,
        )
    }

    fn label(&self, list: &str, code: &str, lang: &str) -> String {
        self.lists
            .get(list)
            .and_then(|l| l.iter().find(|c| c.code == code))
            .and_then(|c| c.label.get(lang).cloned())
            .unwrap_or_else(|| code.to_string())
    }
}

fn diags_contains(list: &[Diagnostic], d: &Diagnostic) -> bool {
    list.iter()
        .any(|x| x.file == d.file && x.message == d.message)
}

/// One benchmark page.
#[derive(Debug, Clone)]
pub enum Page {
    Directory,
    Profile(usize),
    Overview,
    Indicator(usize),
    /// The clusters of one province, region, sector, maturity stage, or the priority ones.
    Facet(Facet, String),
    /// The needs-assessment results.
    Needs,
}

/// The ways the directory can be narrowed down, each a set of pages that work without JS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Province,
    Region,
    Sector,
    Maturity,
    Priority,
}

const FACETS: [Facet; 5] = [
    Facet::Province,
    Facet::Region,
    Facet::Sector,
    Facet::Maturity,
    Facet::Priority,
];

impl Facet {
    fn key(self) -> &'static str {
        match self {
            Facet::Province => "province",
            Facet::Region => "region",
            Facet::Sector => "sector",
            Facet::Maturity => "maturity",
            Facet::Priority => "priority",
        }
    }
}

/// The codes of `facet` a cluster belongs to (a province code, a NACE section…).
fn facet_codes(bench: &Bench, c: &Cluster, facet: Facet) -> Vec<String> {
    let attr = |list: &str, code: &str, key: &str| -> Option<String> {
        bench
            .lists
            .get(list)?
            .iter()
            .find(|x| x.code == code)?
            .attrs
            .get(key)
            .cloned()
    };
    match facet {
        Facet::Province => vec![c.province.clone()],
        Facet::Region => attr("iller", &c.province, "ibbs1").into_iter().collect(),
        Facet::Sector => {
            let mut s: Vec<String> = c
                .nace
                .iter()
                .filter_map(|d| attr("nace_bolumleri", d, "section"))
                .collect();
            s.dedup();
            s
        }
        Facet::Maturity => c.maturity.iter().cloned().collect(),
        Facet::Priority => {
            if c.priority {
                vec!["yes".into()]
            } else {
                Vec::new()
            }
        }
    }
}

/// The label of a facet value in `lang`.
fn facet_label_in(
    bench: &Bench,
    strings: &Strings,
    facet: Facet,
    code: &str,
    lang: &str,
) -> String {
    let ui = |key: String| strings.get(lang, &key).unwrap_or(&key).to_string();
    match facet {
        Facet::Province => bench.label("iller", code, lang),
        Facet::Region => bench.label("ibbs_bolgeler", code, lang),
        Facet::Sector => bench.label("nace_bolumler", code, lang),
        Facet::Maturity => ui(format!("maturity_{code}")),
        Facet::Priority => ui("facet_priority".into()),
    }
}

fn facet_label(site: &Site, facet: Facet, code: &str, lang: &str) -> String {
    facet_label_in(&site.bench, &site.strings, facet, code, lang)
}

/// `/kumeler/il/samsun/`: readable, from the value's name in the page's language.
fn facet_url_in(
    config: &Config,
    strings: &Strings,
    bench: &Bench,
    facet: Facet,
    code: &str,
    lang: &str,
) -> Option<String> {
    let base = directory_url(config, strings, lang)?;
    let slug = strings.get(lang, &format!("facet_{}_slug", facet.key()))?;
    Some(format!(
        "{base}{slug}/{}/",
        slugify(&facet_label_in(bench, strings, facet, code, lang))
    ))
}

/// The directory's page of one province (`/kumeler/il/samsun/`).
pub fn province_url(site: &Site, code: &str, lang: &str) -> Option<String> {
    facet_url(site, Facet::Province, code, lang)
}

fn facet_url(site: &Site, facet: Facet, code: &str, lang: &str) -> Option<String> {
    facet_url_in(&site.config, &site.strings, &site.bench, facet, code, lang)
}

/// Every (facet, code) that has at least one cluster.
fn facet_values(bench: &Bench) -> Vec<(Facet, String)> {
    let mut out: Vec<(Facet, String)> = Vec::new();
    for f in FACETS {
        let mut codes: Vec<String> = bench
            .data
            .clusters
            .iter()
            .flat_map(|c| facet_codes(bench, c, f))
            .collect();
        codes.sort();
        codes.dedup();
        out.extend(codes.into_iter().map(|c| (f, c)));
    }
    out
}

pub fn directory_url(config: &Config, strings: &Strings, lang: &str) -> Option<String> {
    Some(format!(
        "{}{}/",
        config.language_prefix(lang),
        strings.get(lang, "clusters_slug")?
    ))
}

pub fn overview_url(config: &Config, strings: &Strings, lang: &str) -> Option<String> {
    Some(format!(
        "{}{}/",
        config.language_prefix(lang),
        strings.get(lang, "benchmark_slug")?
    ))
}

fn indicator_url(
    config: &Config,
    strings: &Strings,
    lang: &str,
    ind: &Indicator,
) -> Option<String> {
    Some(format!(
        "{}{}/",
        overview_url(config, strings, lang)?,
        slugify(&ind.id)
    ))
}

pub(super) fn profile_url(
    config: &Config,
    strings: &Strings,
    lang: &str,
    c: &Cluster,
) -> Option<String> {
    Some(format!(
        "{}{}/",
        directory_url(config, strings, lang)?,
        c.id
    ))
}

/// Open data: where the snapshot is published.
pub fn needs_url(config: &Config, strings: &Strings, lang: &str) -> Option<String> {
    Some(format!(
        "{}{}/",
        config.language_prefix(lang),
        strings.get(lang, "needs_slug")?
    ))
}

pub fn data_url() -> &'static str {
    "/veri/"
}

/// Every benchmark page in every language.
pub fn pages(site: &Site) -> Vec<(Page, String)> {
    let bench = &site.bench;
    if bench.data.clusters.is_empty() && bench.data.indicators.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for lang in site.content.homes.keys() {
        out.push((Page::Directory, lang.clone()));
        out.extend(
            facet_values(bench)
                .into_iter()
                .map(|(f, c)| (Page::Facet(f, c), lang.clone())),
        );
        out.extend((0..bench.data.clusters.len()).map(|i| (Page::Profile(i), lang.clone())));
        if bench.data.needs.is_some() {
            out.push((Page::Needs, lang.clone()));
        }
        if !bench.data.indicators.is_empty() {
            out.push((Page::Overview, lang.clone()));
            out.extend(
                (0..bench.data.indicators.len()).map(|i| (Page::Indicator(i), lang.clone())),
            );
        }
    }
    out
}

/// URL paths of the benchmark pages, for link checking.
pub fn urls(config: &Config, strings: &Strings, bench: &Bench) -> Vec<String> {
    let mut out = Vec::new();
    for l in &config.languages {
        let lang = &l.code;
        for (f, code) in facet_values(bench) {
            out.extend(
                facet_url_in(config, strings, bench, f, &code, lang)
                    .map(|u| format!("{u}index.html")),
            );
        }
        out.extend(directory_url(config, strings, lang).map(|u| format!("{u}index.html")));
        if bench.data.needs.is_some() {
            out.extend(needs_url(config, strings, lang).map(|u| format!("{u}index.html")));
        }
        out.extend(overview_url(config, strings, lang).map(|u| format!("{u}index.html")));
        for c in &bench.data.clusters {
            out.extend(profile_url(config, strings, lang, c).map(|u| format!("{u}index.html")));
        }
        for i in &bench.data.indicators {
            out.extend(indicator_url(config, strings, lang, i).map(|u| format!("{u}index.html")));
        }
    }
    if let Some(s) = &bench.snapshot {
        out.push(format!("{}aggregates.json", data_url()));
        let mut ids: Vec<&String> = s.values.iter().map(|v| &v.indicator).collect();
        ids.dedup();
        out.extend(
            ids.into_iter()
                .map(|id| format!("{}indicators/{id}.csv", data_url())),
        );
    }
    out
}

/// The snapshot's files for the open-data folder, as (URL path, body).
pub fn open_data(site: &Site) -> Vec<(String, String)> {
    let Some(snapshot) = &site.bench.snapshot else {
        return Vec::new();
    };
    let mut out = vec![(
        format!("{}aggregates.json", data_url()),
        aggregate::snapshot_json(snapshot),
    )];
    out.extend(
        aggregate::indicator_csvs(snapshot)
            .into_iter()
            .map(|(id, body)| (format!("{}indicators/{id}.csv", data_url()), body)),
    );
    out
}

fn pick(t: &Text, lang: &str) -> String {
    t.get(lang).cloned().unwrap_or_default()
}

fn t(site: &Site, lang: &str, key: &str) -> String {
    site.strings.get(lang, key).unwrap_or(key).to_string()
}

fn number(x: f64, decimals: u8, lang: &str) -> String {
    format_number(x, usize::from(decimals), lang)
}

#[derive(Serialize)]
struct ClusterRow {
    /// For the script's instant filter: `province:TR310 region:TR3 sector:C …`.
    facets: String,
    url: String,
    name: String,
    short_name: String,
    province: String,
    sectors: Vec<String>,
    maturity: String,
    sample: bool,
    priority: bool,
    /// The latest wave's traffic lights, in words: "3 yeşil, 5 sarı, 2 kırmızı".
    lights: String,
}

fn cluster_row(site: &Site, c: &Cluster, lang: &str) -> ClusterRow {
    let bench = &site.bench;
    ClusterRow {
        facets: FACETS
            .iter()
            .flat_map(|&f| {
                facet_codes(bench, c, f)
                    .into_iter()
                    .map(move |code| format!("{}:{code}", f.key()))
            })
            .collect::<Vec<_>>()
            .join(" "),
        url: profile_url(&site.config, &site.strings, lang, c).unwrap_or_default(),
        name: pick(&c.name, lang),
        short_name: c.short_name.clone().unwrap_or_else(|| pick(&c.name, lang)),
        province: bench.label("iller", &c.province, lang),
        sectors: c
            .nace
            .iter()
            .map(|d| bench.label("nace_bolumleri", d, lang))
            .collect(),
        maturity: c
            .maturity
            .as_ref()
            .map(|m| t(site, lang, &format!("maturity_{m}")))
            .unwrap_or_else(|| t(site, lang, "unknown")),
        sample: c.sample,
        priority: c.priority,
        lights: light_counts(site, c, lang),
    }
}

/// How many of the cluster's indicators are green, yellow and red in the latest wave.
fn light_counts(site: &Site, c: &Cluster, lang: &str) -> String {
    let Some(snapshot) = &site.bench.snapshot else {
        return String::new();
    };
    let Some(wave) = snapshot.latest_wave() else {
        return String::new();
    };
    ["green", "yellow", "red"]
        .iter()
        .map(|l| {
            let n = snapshot
                .values
                .iter()
                .filter(|v| v.cluster == c.id && v.wave == wave && v.light.as_deref() == Some(*l))
                .count();
            format!("{n} {}", t(site, lang, &format!("lights_{l}")))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Serialize)]
struct IndicatorRow {
    id: String,
    url: String,
    name: String,
    unit: String,
    value: String,
    n: usize,
    withheld: bool,
    median: String,
    peers: String,
    reference: String,
    light: Option<String>,
    light_text: String,
    change: String,
    /// The value in every wave: `2025: 8 · 2026: 10`.
    trend: String,
    /// The same as a line, when there are two waves or more.
    trend_chart: String,
    chart: String,
}

#[derive(Serialize)]
struct AreaView {
    title: String,
    rows: Vec<IndicatorRow>,
}

fn stats_range(s: Option<&Stats>, decimals: u8, lang: &str) -> Option<String> {
    s.map(|s| {
        format!(
            "{} – {}",
            number(s.p25, decimals, lang),
            number(s.p75, decimals, lang)
        )
    })
}

/// A horizontal bar from the national minimum to maximum: the P25–P75 band, the median and
/// the cluster's own value. Text alternative in `label`.
fn position_svg(s: &Stats, x: f64, label: &str) -> String {
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
fn distribution_svg(values: &[f64], s: &Stats, label: &str) -> String {
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

fn trend_text(series: &[(i64, f64)], decimals: u8, lang: &str) -> String {
    series
        .iter()
        .map(|(w, x)| format!("{w}: {}", number(*x, decimals, lang)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A small line of the cluster's value over the waves, scaled to its own range. Hidden from
/// assistive technology: the text beside it carries the same numbers.
fn trend_svg(series: &[(i64, f64)]) -> String {
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

pub(super) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn reference_text(site: &Site, ind: &Indicator, lang: &str) -> String {
    site.bench
        .data
        .references
        .iter()
        .filter(|r| r.value.indicator == ind.id && r.value.verified)
        .filter_map(|r| {
            let v = r.value.value?;
            Some(format!(
                "{} {} ({})",
                t(site, lang, &format!("reference_{}", r.value.kind)),
                number(v, ind.decimals.max(1), lang),
                r.source.title
            ))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn indicator_rows(site: &Site, c: &Cluster, lang: &str, area: &str) -> Vec<IndicatorRow> {
    let bench = &site.bench;
    let snapshot = bench.snapshot.as_ref();
    let wave = snapshot.and_then(Snapshot::latest_wave);
    bench
        .data
        .indicators
        .iter()
        .filter(|i| i.area == area)
        .map(|ind| {
            let v = snapshot
                .zip(wave)
                .and_then(|(s, w)| s.value(&c.id, &ind.id, w));
            let all = snapshot
                .zip(wave)
                .and_then(|(s, w)| s.distribution(&ind.id, w, "all"))
                .and_then(|d| d.stats.as_ref());
            let peers = c
                .maturity
                .as_ref()
                .and_then(|m| {
                    snapshot
                        .zip(wave)
                        .and_then(|(s, w)| s.distribution(&ind.id, w, &format!("maturity:{m}")))
                })
                .and_then(|d| d.stats.as_ref());
            let value = v.and_then(|v| v.value);
            let series: Vec<(i64, f64)> = snapshot
                .map(|s| {
                    s.waves
                        .iter()
                        .filter_map(|w| Some((*w, s.value(&c.id, &ind.id, *w)?.value?)))
                        .collect()
                })
                .unwrap_or_default();
            let value_text = match (v, value) {
                (_, Some(x)) => number(x, ind.decimals, lang),
                (Some(v), None) if v.suppressed => t(site, lang, "not_enough_answers"),
                _ => "—".into(),
            };
            let light_text = v
                .and_then(|v| v.light.as_ref())
                .map(|l| t(site, lang, &format!("light_{l}")))
                .unwrap_or_default();
            IndicatorRow {
                id: ind.id.clone(),
                url: indicator_url(&site.config, &site.strings, lang, ind).unwrap_or_default(),
                name: pick(&ind.name, lang),
                unit: pick(&ind.unit, lang),
                n: v.map_or(0, |v| v.n),
                withheld: v.is_some_and(|v| v.suppressed),
                median: all
                    .map(|s| number(s.median, ind.decimals, lang))
                    .unwrap_or_else(|| t(site, lang, "not_enough_clusters")),
                peers: stats_range(peers, ind.decimals, lang)
                    .unwrap_or_else(|| t(site, lang, "not_enough_clusters")),
                reference: reference_text(site, ind, lang),
                light: v.and_then(|v| v.light.clone()),
                trend: trend_text(&series, ind.decimals, lang),
                trend_chart: trend_svg(&series),
                change: v
                    .and_then(|v| v.change)
                    .map(|c| {
                        format!(
                            "{}{}",
                            if c > 0.0 { "+" } else { "" },
                            number(c, ind.decimals, lang)
                        )
                    })
                    .unwrap_or_default(),
                chart: match (all, value) {
                    (Some(s), Some(x)) => position_svg(
                        s,
                        x,
                        &format!(
                            "{}: {} {}, {} {}",
                            pick(&ind.name, lang),
                            value_text,
                            pick(&ind.unit, lang),
                            t(site, lang, "national_median"),
                            number(s.median, ind.decimals, lang)
                        ),
                    ),
                    _ => String::new(),
                },
                value: value_text,
                light_text,
            }
        })
        .collect()
}

const AREAS: [&str; 6] = [
    "structure",
    "governance",
    "financing",
    "services",
    "interaction",
    "achievements",
];

#[derive(Serialize)]
struct DistRow {
    wave: i64,
    group: String,
    n: usize,
    withheld: bool,
    min: String,
    p25: String,
    median: String,
    p75: String,
    max: String,
}

/// Renders one benchmark page; returns its URL path and HTML.
pub fn render(site: &Site, page: &Page, lang: &str) -> Result<(String, String), Diagnostic> {
    let (config, strings, bench) = (&site.config, &site.strings, &site.bench);
    let site_value = site.site_values.get(lang).cloned().unwrap_or_default();
    let missing = || {
        Diagnostic::error(
            "site/i18n",
            format!("`clusters_slug` or `benchmark_slug` is missing in `{lang}`"),
        )
    };
    let alternates = |f: &dyn Fn(&str) -> Option<String>| -> Vec<(String, String)> {
        site.content
            .homes
            .keys()
            .filter_map(|l| Some((l.clone(), f(l)?)))
            .collect()
    };
    let data_link = bench.snapshot.as_ref().map(|_| data_url().to_string());
    // The open data is labelled by the snapshot's own flag, the one its files carry.
    let data_sample = bench.snapshot.as_ref().is_some_and(|s| s.sample);
    let sample = sample_in_results(bench);
    let (template, url, ctx) = match page {
        Page::Directory => {
            let url = directory_url(config, strings, lang).ok_or_else(missing)?;
            let view = super::pages::special_view(
                site,
                "clusters",
                &t(site, lang, "clusters_title"),
                &url,
                lang,
                alternates(&|l| directory_url(config, strings, l)),
            );
            let collation = Collation::for_language(lang);
            let mut rows: Vec<ClusterRow> = bench
                .data
                .clusters
                .iter()
                .map(|c| cluster_row(site, c, lang))
                .collect();
            rows.sort_by(|a, b| collation.compare(&a.name, &b.name));
            let facets = facet_links(site, lang, &collation);
            let sample_listed = rows.iter().any(|r| r.sample);
            (
                "benchmark/directory.html",
                url,
                context! { site => site_value, page => to_value(&view), clusters => to_value(&rows), facets => to_value(&facets), sample_listed => sample_listed, data => data_link, data_sample => data_sample, lang => lang },
            )
        }
        Page::Needs => {
            let url = needs_url(config, strings, lang).ok_or_else(missing)?;
            let view = super::pages::special_view(
                site,
                "needs",
                &t(site, lang, "needs_title"),
                &url,
                lang,
                alternates(&|l| needs_url(config, strings, l)),
            );
            let guides = guide_links(site, lang)?;
            let groups = needs_view(site, lang, &guides);
            let k = bench.snapshot.as_ref().map_or(5, |s| s.k);
            let with_programmes = bench
                .data
                .needs
                .as_ref()
                .is_some_and(|n| !n.programmes.is_empty());
            (
                "benchmark/needs.html",
                url,
                context! { site => site_value, page => to_value(&view), groups => to_value(&groups), k => k, with_programmes => with_programmes, data => data_link, data_sample => data_sample, lang => lang },
            )
        }
        Page::Facet(facet, code) => {
            let url = facet_url(site, *facet, code, lang).ok_or_else(missing)?;
            let title = format!(
                "{}: {}",
                t(site, lang, &format!("facet_{}", facet.key())),
                facet_label(site, *facet, code, lang)
            );
            let view = super::pages::special_view(
                site,
                "clusters",
                &title,
                &url,
                lang,
                alternates(&|l| facet_url(site, *facet, code, l)),
            );
            let collation = Collation::for_language(lang);
            let mut rows: Vec<ClusterRow> = bench
                .data
                .clusters
                .iter()
                .filter(|c| facet_codes(bench, c, *facet).contains(code))
                .map(|c| cluster_row(site, c, lang))
                .collect();
            rows.sort_by(|a, b| collation.compare(&a.name, &b.name));
            let wave = bench.snapshot.as_ref().and_then(Snapshot::latest_wave);
            let summary = group_summary(site, *facet, code, lang);
            let sample_listed = rows.iter().any(|r| r.sample);
            let ctx = context! { site => site_value, page => to_value(&view), clusters => to_value(&rows), summary => to_value(&summary), sample_listed => sample_listed, wave => wave, sample_results => sample, peers => aggregate::MIN_PEERS, directory => directory_url(config, strings, lang), data => data_link, data_sample => data_sample, lang => lang };
            ("benchmark/facet.html", url, ctx)
        }
        Page::Profile(i) => {
            let c = &bench.data.clusters[*i];
            let url = profile_url(config, strings, lang, c).ok_or_else(missing)?;
            let view = super::pages::special_view(
                site,
                "cluster",
                &pick(&c.name, lang),
                &url,
                lang,
                alternates(&|l| profile_url(config, strings, l, c)),
            );
            let areas: Vec<AreaView> = AREAS
                .iter()
                .map(|a| AreaView {
                    title: t(site, lang, &format!("area_{a}")),
                    rows: indicator_rows(site, c, lang, a),
                })
                .filter(|a| !a.rows.is_empty())
                .collect();
            let facts = cluster_row(site, c, lang);
            let ctx = context! {
                site => site_value, page => to_value(&view), cluster => to_value(c), facts => to_value(&facts),
                host => c.host.as_ref().map(|h| pick(h, lang)), areas => to_value(&areas),
                wave => bench.snapshot.as_ref().and_then(Snapshot::latest_wave), data => data_link, data_sample => data_sample, sample_results => sample,
                directory => directory_url(config, strings, lang), overview => overview_url(config, strings, lang), lang => lang,
            };
            ("benchmark/profile.html", url, ctx)
        }
        Page::Overview => {
            let url = overview_url(config, strings, lang).ok_or_else(missing)?;
            let view = super::pages::special_view(
                site,
                "benchmark",
                &t(site, lang, "benchmark_title"),
                &url,
                lang,
                alternates(&|l| overview_url(config, strings, l)),
            );
            #[derive(Serialize)]
            struct Item {
                id: String,
                url: String,
                name: String,
                direction: String,
            }
            let areas: Vec<(String, Vec<Item>)> = AREAS
                .iter()
                .map(|a| {
                    let items = bench
                        .data
                        .indicators
                        .iter()
                        .filter(|i| i.area == *a)
                        .map(|i| Item {
                            id: i.id.clone(),
                            url: indicator_url(config, strings, lang, i).unwrap_or_default(),
                            name: pick(&i.name, lang),
                            direction: t(
                                site,
                                lang,
                                &format!("direction_{}", direction_key(i.direction)),
                            ),
                        })
                        .collect();
                    (t(site, lang, &format!("area_{a}")), items)
                })
                .filter(|(_, items): &(String, Vec<Item>)| !items.is_empty())
                .collect();
            let k = bench.snapshot.as_ref().map_or(5, |s| s.k);
            (
                "benchmark/overview.html",
                url,
                context! { site => site_value, page => to_value(&view), areas => to_value(&areas), k => k, peers => aggregate::MIN_PEERS, data => data_link, data_sample => data_sample, lang => lang },
            )
        }
        Page::Indicator(i) => {
            let ind = &bench.data.indicators[*i];
            let url = indicator_url(config, strings, lang, ind).ok_or_else(missing)?;
            let view = super::pages::special_view(
                site,
                "indicator",
                &format!("{} · {}", ind.id, pick(&ind.name, lang)),
                &url,
                lang,
                alternates(&|l| indicator_url(config, strings, l, ind)),
            );
            let mut rows = Vec::new();
            let mut chart = String::new();
            if let Some(s) = &bench.snapshot {
                for d in s.distributions.iter().filter(|d| d.indicator == ind.id) {
                    let f = |x: f64| number(x, ind.decimals, lang);
                    rows.push(DistRow {
                        wave: d.wave,
                        group: group_label(site, &d.group, lang),
                        n: d.n,
                        withheld: d.stats.is_none(),
                        min: d.stats.as_ref().map(|s| f(s.min)).unwrap_or_default(),
                        p25: d.stats.as_ref().map(|s| f(s.p25)).unwrap_or_default(),
                        median: d.stats.as_ref().map(|s| f(s.median)).unwrap_or_default(),
                        p75: d.stats.as_ref().map(|s| f(s.p75)).unwrap_or_default(),
                        max: d.stats.as_ref().map(|s| f(s.max)).unwrap_or_default(),
                    });
                }
                if let Some(w) = s.latest_wave()
                    && let Some(st) = s
                        .distribution(&ind.id, w, "all")
                        .and_then(|d| d.stats.as_ref())
                {
                    let values: Vec<f64> = s
                        .values
                        .iter()
                        .filter(|v| v.indicator == ind.id && v.wave == w)
                        .filter_map(|v| v.value)
                        .collect();
                    let label = format!(
                        "{} {w}: {} {}, P25 {}, {} {}, P75 {}",
                        pick(&ind.name, lang),
                        st.n,
                        t(site, lang, "clusters_word"),
                        number(st.p25, ind.decimals, lang),
                        t(site, lang, "national_median"),
                        number(st.median, ind.decimals, lang),
                        number(st.p75, ind.decimals, lang)
                    );
                    chart = distribution_svg(&values, st, &label);
                }
            }
            let refs: Vec<serde_json::Value> = bench
                .data
                .references
                .iter()
                .filter(|r| r.value.indicator == ind.id)
                .map(|r| {
                    serde_json::json!({
                        "value": r.value.value.map(|v| number(v, ind.decimals.max(1), lang)),
                        "kind": t(site, lang, &format!("reference_{}", r.value.kind)),
                        "year": r.value.year, "verified": r.value.verified,
                        "note": r.value.note.as_ref().map(|n| pick(n, lang)),
                        "title": r.source.title, "url": r.source.url,
                    })
                })
                .collect();
            let ctx = context! {
                site => site_value, page => to_value(&view), indicator => to_value(ind),
                name => pick(&ind.name, lang), definition => pick(&ind.definition, lang), unit => pick(&ind.unit, lang),
                area => t(site, lang, &format!("area_{}", ind.area)),
                direction => t(site, lang, &format!("direction_{}", direction_key(ind.direction))),
                rows => to_value(&rows), chart => minijinja::Value::from_safe_string(chart), references => to_value(&refs),
                overview => overview_url(config, strings, lang), data => data_link, data_sample => data_sample, sample_results => sample, lang => lang,
            };
            ("benchmark/indicator.html", url, ctx)
        }
    };
    let html = site.templates.render(template, ctx, None)?;
    Ok((url, html))
}

/// Whether any published value comes from a sample cluster: then every national or group
/// statistic mixes sample data in and says so.
fn sample_in_results(bench: &Bench) -> bool {
    bench.snapshot.as_ref().is_some_and(|s| {
        s.values.iter().any(|v| {
            v.value.is_some()
                && bench
                    .data
                    .clusters
                    .iter()
                    .any(|c| c.id == v.cluster && c.sample)
        })
    })
}

#[derive(Serialize)]
struct GroupRow {
    name: String,
    url: String,
    n: usize,
    median: Option<String>,
    range: Option<String>,
    national: Option<String>,
}

/// The peer-group statistics of a region or maturity page, latest wave, beside the national
/// median. Provinces, sectors and the priority flag are not peer groups of the aggregation (a
/// cluster's sector group is its first NACE section only), so their pages have none.
fn group_summary(site: &Site, facet: Facet, code: &str, lang: &str) -> Vec<GroupRow> {
    let group = match facet {
        Facet::Region => format!("region:{code}"),
        Facet::Maturity => format!("maturity:{code}"),
        _ => return Vec::new(),
    };
    let Some((snapshot, wave)) = site
        .bench
        .snapshot
        .as_ref()
        .and_then(|s| Some((s, s.latest_wave()?)))
    else {
        return Vec::new();
    };
    site.bench
        .data
        .indicators
        .iter()
        .map(|ind| {
            let d = snapshot.distribution(&ind.id, wave, &group);
            let stats = d.and_then(|d| d.stats.as_ref());
            let national = snapshot
                .distribution(&ind.id, wave, "all")
                .and_then(|d| d.stats.as_ref());
            GroupRow {
                name: pick(&ind.name, lang),
                url: indicator_url(&site.config, &site.strings, lang, ind).unwrap_or_default(),
                n: d.map_or(0, |d| d.n),
                median: stats.map(|s| number(s.median, ind.decimals, lang)),
                range: stats_range(stats, ind.decimals, lang),
                national: national.map(|s| number(s.median, ind.decimals, lang)),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct FacetLink {
    title: String,
    url: String,
    /// `province:TR310`, as in the rows' `data-facets`.
    value: String,
    count: usize,
}

#[derive(Serialize)]
struct FacetGroup {
    key: &'static str,
    title: String,
    links: Vec<FacetLink>,
}

/// The directory's facets: for each, its values with their number of clusters.
fn facet_links(site: &Site, lang: &str, collation: &Collation) -> Vec<FacetGroup> {
    let bench = &site.bench;
    FACETS
        .iter()
        .map(|&f| {
            let mut links: Vec<FacetLink> = facet_values(bench)
                .into_iter()
                .filter(|(ff, _)| *ff == f)
                .map(|(_, code)| FacetLink {
                    title: facet_label(site, f, &code, lang),
                    url: facet_url(site, f, &code, lang).unwrap_or_default(),
                    value: format!("{}:{code}", f.key()),
                    count: bench
                        .data
                        .clusters
                        .iter()
                        .filter(|c| facet_codes(bench, c, f).contains(&code))
                        .count(),
                })
                .collect();
            links.sort_by(|a, b| collation.compare(&a.title, &b.title));
            FacetGroup {
                key: f.key(),
                title: t(site, lang, &format!("facet_{}", f.key())),
                links,
            }
        })
        .filter(|g| !g.links.is_empty())
        .collect()
}

#[derive(Serialize)]
struct NeedRow {
    label: String,
    share: String,
    count: usize,
    guide: Option<GuideLink>,
    programmes: Vec<GuideLink>,
}

#[derive(Serialize, Clone)]
struct GuideLink {
    title: String,
    url: String,
}

/// The guidebook page answering each need (`answered_by` in `site/data/needs.yaml`), in
/// `lang`. A path that names no page is an error, so a moved chapter cannot leave dead links.
fn guide_links(
    site: &Site,
    lang: &str,
) -> Result<HashMap<(String, String), GuideLink>, Diagnostic> {
    let Some(spec) = &site.bench.data.needs else {
        return Ok(HashMap::new());
    };
    let content = &site.content;
    let mut links = HashMap::new();
    for (question, codes) in &spec.answered_by {
        for (code, path) in codes {
            let key = path.trim_start_matches('/');
            let id = content
                .translation(key, lang)
                .or_else(|| content.translation(key, site.config.default_language()))
                .ok_or_else(|| {
                    Diagnostic::error(
                        "site/data/needs.yaml",
                        format!(
                            "answered_by.{question}.{code}: the file site/content/{key} does not exist"
                        ),
                    )
                    .help("name a Markdown file under site/content/, e.g. `rehber/kume-analizi/_index.md`")
                })?;
            let doc = &content.docs[id];
            let link = GuideLink {
                title: doc.front.title.clone(),
                url: doc.url.clone(),
            };
            links.insert((question.clone(), code.clone()), link);
        }
    }
    Ok(links)
}

#[derive(Serialize)]
struct NeedQuestion {
    title: String,
    rows: Vec<NeedRow>,
}

#[derive(Serialize)]
struct NeedsGroupView {
    title: String,
    n: usize,
    withheld: bool,
    questions: Vec<NeedQuestion>,
}

/// The latest wave's needs-assessment results: all respondents first, then each group.
fn needs_view(
    site: &Site,
    lang: &str,
    guides: &HashMap<(String, String), GuideLink>,
) -> Vec<NeedsGroupView> {
    let bench = &site.bench;
    let (Some(spec), Some(snapshot)) = (&bench.data.needs, &bench.snapshot) else {
        return Vec::new();
    };
    let Some(survey) = site
        .surveys
        .iter()
        .find(|s| s.survey.id == spec.survey)
        .map(|c| &c.survey)
    else {
        return Vec::new();
    };
    let Some(wave) = snapshot.needs.iter().map(|g| g.wave).max() else {
        return Vec::new();
    };
    let questions = survey.questions();
    let question = |id: &str| questions.iter().find(|q| q.id == id).copied();
    let option = |qid: &str, code: &str| -> String {
        question(qid)
            .and_then(|q| survey.lists.get(q.list.as_ref()?))
            .and_then(|l| l.iter().find(|c| c.code == code))
            .map_or_else(|| code.to_string(), |c| pick(&c.label, lang))
    };
    let group_title = |group: &str| -> String {
        match group.split_once(':') {
            Some((qid, code)) => format!(
                "{}: {}",
                question(qid)
                    .map(|q| pick(&q.label, lang))
                    .unwrap_or_default(),
                option(qid, code)
            ),
            None => t(site, lang, "needs_all"),
        }
    };
    snapshot
        .needs
        .iter()
        .filter(|g| g.wave == wave)
        .map(|g| NeedsGroupView {
            title: group_title(&g.group),
            n: g.n,
            withheld: g.shares.is_empty() && g.n < snapshot.k,
            questions: spec
                .questions
                .iter()
                .map(|qid| {
                    let mut rows: Vec<(f64, NeedRow)> = g
                        .shares
                        .iter()
                        .filter(|s| &s.question == qid)
                        .map(|s| {
                            // Turkish writes the percent sign first: %12,5.
                            let share = if lang == "tr" {
                                format!("%{}", number(s.share, 1, lang))
                            } else {
                                format!("{}%", number(s.share, 1, lang))
                            };
                            (
                                s.share,
                                NeedRow {
                                    label: option(qid, &s.code),
                                    share,
                                    count: s.count,
                                    guide: guides.get(&(qid.clone(), s.code.clone())).cloned(),
                                    programmes: super::ims::programme_links(
                                        site, qid, &s.code, lang,
                                    )
                                    .into_iter()
                                    .map(|(title, url)| GuideLink { title, url })
                                    .collect(),
                                },
                            )
                        })
                        .collect();
                    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
                    NeedQuestion {
                        title: question(qid)
                            .map(|q| pick(&q.label, lang))
                            .unwrap_or_default(),
                        rows: rows.into_iter().map(|(_, r)| r).collect(),
                    }
                })
                .filter(|q| !q.rows.is_empty())
                .collect(),
        })
        .collect()
}

fn direction_key(d: Direction) -> &'static str {
    match d {
        Direction::Up => "up",
        Direction::Down => "down",
        Direction::Context => "context",
    }
}

fn group_label(site: &Site, group: &str, lang: &str) -> String {
    match group.split_once(':') {
        None => t(site, lang, "group_all"),
        Some(("maturity", m)) => format!(
            "{}: {}",
            t(site, lang, "group_maturity"),
            t(site, lang, &format!("maturity_{m}"))
        ),
        Some(("section", s)) => format!(
            "{}: {}",
            t(site, lang, "group_section"),
            site.bench.label("nace_bolumler", s, lang)
        ),
        Some(("region", r)) => format!(
            "{}: {}",
            t(site, lang, "group_region"),
            site.bench.label("ibbs_bolgeler", r, lang)
        ),
        Some((_, other)) => other.to_string(),
    }
}
