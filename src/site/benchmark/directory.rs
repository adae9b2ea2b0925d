//! The cluster directory and its facet pages (one province, region, sector, maturity stage,
//! or the priority clusters): a row per cluster, and on region and maturity pages the peer
//! group's statistics.

use minijinja::context;
use serde::Serialize;

use super::facets::{facet_codes, facet_label};
use super::frame::{Frame, Rendered, number, pick, stats_range};
use super::model::{FACETS, Facet};
use super::urls::{directory_url, facet_url, indicator_url, profile_url};
use crate::aggregate::{self, Snapshot};
use crate::data::registry::Cluster;
use crate::diagnostics::Diagnostic;
use crate::render::views::to_value;
use crate::site::Site;
use crate::site::facets::{self, Facet as _, FacetGroup, Naming, filter_words};
use crate::text::Collation;

/// `/kumeler/`: every cluster, with the facets to narrow the list down.
pub(super) fn directory_page(f: &Frame<'_>) -> Result<Rendered, Diagnostic> {
    let (site, lang) = (f.site, f.lang);
    let (config, strings, bench) = (&site.config, &site.strings, &site.bench);
    let url = directory_url(config, strings, lang).ok_or_else(|| f.missing())?;
    let view = f.view(
        "clusters",
        &site.strings.t(lang, "clusters_title"),
        &url,
        &|l| directory_url(config, strings, l),
    );
    let collation = Collation::for_language(lang);
    let mut rows: Vec<ClusterRow> = bench
        .data
        .clusters
        .iter()
        .map(|c| cluster_row(site, c, lang))
        .collect();
    rows.sort_by(|a, b| collation.compare(&a.name, &b.name));
    let facets = facet_links(site, lang);
    let sample_listed = rows.iter().any(|r| r.sample);
    Ok((
        "benchmark/directory.html",
        url,
        context! { site => f.site_value.clone(), page => view, clusters => to_value(&rows), facets => to_value(&facets), sample_listed => sample_listed, data => f.data.clone(), data_sample => f.data_sample, lang => lang },
    ))
}

/// `/kumeler/il/samsun/` and the like: the clusters with one value of a facet.
pub(super) fn facet_page(f: &Frame<'_>, facet: Facet, code: &str) -> Result<Rendered, Diagnostic> {
    let (site, lang) = (f.site, f.lang);
    let (config, strings, bench) = (&site.config, &site.strings, &site.bench);
    let url = facet_url(site, facet, code, lang).ok_or_else(|| f.missing())?;
    let title = format!(
        "{}: {}",
        site.strings.t(lang, &format!("facet_{}", facet.key())),
        facet_label(site, facet, code, lang)
    );
    let view = f.view("clusters", &title, &url, &|l| {
        facet_url(site, facet, code, l)
    });
    let collation = Collation::for_language(lang);
    let mut rows: Vec<ClusterRow> = bench
        .data
        .clusters
        .iter()
        .filter(|c| facet_codes(bench, c, facet).iter().any(|x| x == code))
        .map(|c| cluster_row(site, c, lang))
        .collect();
    rows.sort_by(|a, b| collation.compare(&a.name, &b.name));
    let wave = bench.snapshot.as_ref().and_then(Snapshot::latest_wave);
    let summary = group_summary(site, facet, code, lang);
    let sample_listed = rows.iter().any(|r| r.sample);
    let ctx = context! { site => f.site_value.clone(), page => view, clusters => to_value(&rows), summary => to_value(&summary), sample_listed => sample_listed, wave => wave, sample_results => f.sample_results, peers => aggregate::MIN_PEERS, directory => directory_url(config, strings, lang), data => f.data.clone(), data_sample => f.data_sample, lang => lang };
    Ok(("benchmark/facet.html", url, ctx))
}

#[derive(Serialize)]
pub(super) struct ClusterRow {
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

pub(super) fn cluster_row(site: &Site, c: &Cluster, lang: &str) -> ClusterRow {
    let bench = &site.bench;
    ClusterRow {
        facets: filter_words(&FACETS, |f| facet_codes(bench, c, f)),
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
            .map(|m| site.strings.t(lang, &format!("maturity_{m}")))
            .unwrap_or_else(|| site.strings.t(lang, "unknown")),
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
            format!("{n} {}", site.strings.t(lang, &format!("lights_{l}")))
        })
        .collect::<Vec<_>>()
        .join(", ")
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
    let Some(wave) = site.bench.snapshot.as_ref().and_then(Snapshot::latest_wave) else {
        return Vec::new();
    };
    site.bench
        .data
        .indicators
        .iter()
        .map(|ind| {
            let d = site.bench.distribution(&ind.id, wave, &group);
            let stats = d.and_then(|d| d.stats.as_ref());
            let national = (site.bench)
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

/// The directory's facets: for each, its values with their number of clusters.
fn facet_links(site: &Site, lang: &str) -> Vec<FacetGroup> {
    let bench = &site.bench;
    let naming = Naming {
        strings: &site.strings,
        lang,
        title: &|f, code| facet_label(site, f, code, lang),
        url: &|f, code| facet_url(site, f, code, lang),
    };
    facets::groups(
        &FACETS,
        &bench.data.clusters,
        |c, f| facet_codes(bench, c, f),
        &naming,
    )
}
