//! A cluster's profile: its facts, and per area of the framework its indicators in the latest
//! wave beside the national median, its peers' range and the published references.

use minijinja::context;
use serde::Serialize;

use super::Bench;
use super::directory::cluster_row;
use super::frame::{AREAS, Frame, Rendered, number, pick, stats_range};
use super::urls::{directory_url, indicator_url, overview_url, profile_url};
use crate::aggregate::Snapshot;
use crate::data::registry::{Cluster, Indicator};
use crate::diagnostics::Diagnostic;
use crate::render::views::to_value;
use crate::site::Site;
use crate::site::charts::{position_svg, trend_svg};

/// `/kumeler/<id>/`: one cluster's profile.
pub(super) fn profile_page(f: &Frame<'_>, c: &Cluster) -> Result<Rendered, Diagnostic> {
    let (site, lang) = (f.site, f.lang);
    let (config, strings, bench) = (&site.config, &site.strings, &site.bench);
    let url = profile_url(config, strings, lang, c).ok_or_else(|| f.missing())?;
    let view = f.view("cluster", &pick(&c.name, lang), &url, &|l| {
        profile_url(config, strings, l, c)
    });
    let areas: Vec<AreaView> = AREAS
        .iter()
        .map(|a| AreaView {
            title: site.strings.t(lang, &format!("area_{a}")),
            rows: indicator_rows(site, c, lang, a),
        })
        .filter(|a| !a.rows.is_empty())
        .collect();
    let facts = cluster_row(site, c, lang);
    let ctx = context! {
        site => f.site_value.clone(), page => view, cluster => to_value(c), facts => to_value(&facts),
        host => c.host.as_ref().map(|h| pick(h, lang)), areas => to_value(&areas),
        wave => bench.snapshot.as_ref().and_then(Snapshot::latest_wave), data => f.data.clone(), data_sample => f.data_sample, sample_results => f.sample_results,
        directory => directory_url(config, strings, lang), overview => overview_url(config, strings, lang), lang => lang,
    };
    Ok(("benchmark/profile.html", url, ctx))
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

fn trend_text(series: &[(i64, f64)], decimals: u8, lang: &str) -> String {
    series
        .iter()
        .map(|(w, x)| format!("{w}: {}", number(*x, decimals, lang)))
        .collect::<Vec<_>>()
        .join(" · ")
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
                site.strings.t(lang, &format!("reference_{}", r.value.kind)),
                number(v, ind.decimals.max(1), lang),
                r.source.title
            ))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The cluster's row for each indicator of `area`, in the latest wave.
fn indicator_rows(site: &Site, c: &Cluster, lang: &str, area: &str) -> Vec<IndicatorRow> {
    site.bench
        .data
        .indicators
        .iter()
        .filter(|i| i.area == area)
        .map(|ind| indicator_row(site, c, ind, lang))
        .collect()
}

fn indicator_row(site: &Site, c: &Cluster, ind: &Indicator, lang: &str) -> IndicatorRow {
    let wave = site.bench.snapshot.as_ref().and_then(Snapshot::latest_wave);
    let bench = &site.bench;
    let v = wave.and_then(|w| bench.value(&c.id, &ind.id, w));
    let all = wave
        .and_then(|w| bench.distribution(&ind.id, w, "all"))
        .and_then(|d| d.stats.as_ref());
    let peers = c
        .maturity
        .as_ref()
        .and_then(|m| wave.and_then(|w| bench.distribution(&ind.id, w, &format!("maturity:{m}"))))
        .and_then(|d| d.stats.as_ref());
    let value = v.and_then(|v| v.value);
    let series = value_series(bench, c, ind);
    let value_text = match (v, value) {
        (_, Some(x)) => number(x, ind.decimals, lang),
        (Some(v), None) if v.suppressed => site.strings.t(lang, "not_enough_answers"),
        _ => "—".into(),
    };
    let light_text = v
        .and_then(|v| v.light.as_ref())
        .map(|l| site.strings.t(lang, &format!("light_{l}")))
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
            .unwrap_or_else(|| site.strings.t(lang, "not_enough_clusters")),
        peers: stats_range(peers, ind.decimals, lang)
            .unwrap_or_else(|| site.strings.t(lang, "not_enough_clusters")),
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
                    site.strings.t(lang, "national_median"),
                    number(s.median, ind.decimals, lang)
                ),
                &|v| number(v, ind.decimals, lang),
            ),
            _ => String::new(),
        },
        value: value_text,
        light_text,
    }
}

/// The cluster's value of `ind` in every wave that has one.
fn value_series(bench: &Bench, c: &Cluster, ind: &Indicator) -> Vec<(i64, f64)> {
    (bench.snapshot.iter())
        .flat_map(|s| &s.waves)
        .filter_map(|w| Some((*w, bench.value(&c.id, &ind.id, *w)?.value?)))
        .collect()
}
