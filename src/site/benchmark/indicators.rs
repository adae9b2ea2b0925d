//! The benchmark overview (the indicators by area) and one page per indicator: its
//! definition, its distribution in every wave and group, a chart of the latest wave and its
//! published references.

use minijinja::context;
use serde::Serialize;

use super::frame::{AREAS, Frame, Rendered, number, pick};
use super::urls::{indicator_url, overview_url};
use crate::aggregate::{self, Snapshot};
use crate::data::registry::{Direction, Indicator};
use crate::diagnostics::Diagnostic;
use crate::render::views::to_value;
use crate::site::Site;
use crate::site::charts::distribution_svg;

/// `/kiyaslama/`: the indicators of each area, with the direction that counts as better.
pub(super) fn overview_page(f: &Frame<'_>) -> Result<Rendered, Diagnostic> {
    let (site, lang) = (f.site, f.lang);
    let (config, strings, bench) = (&site.config, &site.strings, &site.bench);
    let url = overview_url(config, strings, lang).ok_or_else(|| f.missing())?;
    let view = f.view(
        "benchmark",
        &site.strings.t(lang, "benchmark_title"),
        &url,
        &|l| overview_url(config, strings, l),
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
                    direction: site
                        .strings
                        .t(lang, &format!("direction_{}", direction_key(i.direction))),
                })
                .collect();
            (site.strings.t(lang, &format!("area_{a}")), items)
        })
        .filter(|(_, items): &(String, Vec<Item>)| !items.is_empty())
        .collect();
    let k = bench.snapshot.as_ref().map_or(5, |s| s.k);
    Ok((
        "benchmark/overview.html",
        url,
        context! { site => f.site_value.clone(), page => view, areas => to_value(&areas), k => k, peers => aggregate::MIN_PEERS, data => f.data.clone(), data_sample => f.data_sample, lang => lang },
    ))
}

/// `/kiyaslama/<indicator>/`: one indicator across clusters, waves and groups.
pub(super) fn indicator_page(f: &Frame<'_>, ind: &Indicator) -> Result<Rendered, Diagnostic> {
    let (site, lang) = (f.site, f.lang);
    let (config, strings, bench) = (&site.config, &site.strings, &site.bench);
    let url = indicator_url(config, strings, lang, ind).ok_or_else(|| f.missing())?;
    let view = f.view(
        "indicator",
        &format!("{} · {}", ind.id, pick(&ind.name, lang)),
        &url,
        &|l| indicator_url(config, strings, l, ind),
    );
    let (rows, chart) = match &bench.snapshot {
        Some(s) => (
            distribution_rows(site, s, ind, lang),
            distribution_chart(site, s, ind, lang),
        ),
        None => (Vec::new(), String::new()),
    };
    let refs = reference_views(site, ind, lang);
    let ctx = context! {
        site => f.site_value.clone(), page => view, indicator => to_value(ind),
        name => pick(&ind.name, lang), definition => pick(&ind.definition, lang), unit => pick(&ind.unit, lang),
        area => site.strings.t(lang, &format!("area_{}", ind.area)),
        direction => site.strings.t(lang, &format!("direction_{}", direction_key(ind.direction))),
        rows => to_value(&rows), chart => minijinja::Value::from_safe_string(chart), references => to_value(&refs),
        overview => overview_url(config, strings, lang), data => f.data.clone(), data_sample => f.data_sample, sample_results => f.sample_results, lang => lang,
    };
    Ok(("benchmark/indicator.html", url, ctx))
}

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

/// The indicator's statistics in every wave and group of the snapshot.
fn distribution_rows(site: &Site, s: &Snapshot, ind: &Indicator, lang: &str) -> Vec<DistRow> {
    let f = |x: f64| number(x, ind.decimals, lang);
    s.distributions
        .iter()
        .filter(|d| d.indicator == ind.id)
        .map(|d| DistRow {
            wave: d.wave,
            group: group_label(site, &d.group, lang),
            n: d.n,
            withheld: d.stats.is_none(),
            min: d.stats.as_ref().map(|s| f(s.min)).unwrap_or_default(),
            p25: d.stats.as_ref().map(|s| f(s.p25)).unwrap_or_default(),
            median: d.stats.as_ref().map(|s| f(s.median)).unwrap_or_default(),
            p75: d.stats.as_ref().map(|s| f(s.p75)).unwrap_or_default(),
            max: d.stats.as_ref().map(|s| f(s.max)).unwrap_or_default(),
        })
        .collect()
}

/// Every cluster's value in the latest wave on one axis; empty when the national statistics
/// are withheld.
fn distribution_chart(site: &Site, s: &Snapshot, ind: &Indicator, lang: &str) -> String {
    let Some(w) = s.latest_wave() else {
        return String::new();
    };
    let Some(st) = (site.bench)
        .distribution(&ind.id, w, "all")
        .and_then(|d| d.stats.as_ref())
    else {
        return String::new();
    };
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
        site.strings.t(lang, "clusters_word"),
        number(st.p25, ind.decimals, lang),
        site.strings.t(lang, "national_median"),
        number(st.median, ind.decimals, lang),
        number(st.p75, ind.decimals, lang)
    );
    distribution_svg(&values, st, &label, &|v| number(v, ind.decimals, lang))
}

/// The indicator's references (verified or not), for the template.
fn reference_views(site: &Site, ind: &Indicator, lang: &str) -> Vec<serde_json::Value> {
    site.bench
        .data
        .references
        .iter()
        .filter(|r| r.value.indicator == ind.id)
        .map(|r| {
            serde_json::json!({
                "value": r.value.value.map(|v| number(v, ind.decimals.max(1), lang)),
                "kind": site.strings.t(lang, &format!("reference_{}", r.value.kind)),
                "year": r.value.year, "verified": r.value.verified,
                "note": r.value.note.as_ref().map(|n| pick(n, lang)),
                "title": r.source.title, "url": r.source.url,
            })
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
        None => site.strings.t(lang, "group_all"),
        Some(("maturity", m)) => format!(
            "{}: {}",
            site.strings.t(lang, "group_maturity"),
            site.strings.t(lang, &format!("maturity_{m}"))
        ),
        Some(("section", s)) => format!(
            "{}: {}",
            site.strings.t(lang, "group_section"),
            site.bench.label("nace_bolumler", s, lang)
        ),
        Some(("region", r)) => format!(
            "{}: {}",
            site.strings.t(lang, "group_region"),
            site.bench.label("ibbs_bolgeler", r, lang)
        ),
        Some((_, other)) => other.to_string(),
    }
}
