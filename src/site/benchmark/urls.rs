//! Where the benchmark pages live: the URL of each page in each language, the list of pages
//! to render, the paths for link checking and the open-data files.

use super::facets::{facet_label_in, facet_values};
use super::model::Facet;
use super::model::{Bench, Page};
use crate::aggregate;
use crate::config::{Config, Strings};
use crate::data::registry::{Cluster, Indicator};
use crate::site::Site;
use crate::text::slugify;

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

pub(super) fn facet_url(site: &Site, facet: Facet, code: &str, lang: &str) -> Option<String> {
    facet_url_in(&site.config, &site.strings, &site.bench, facet, code, lang)
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

pub(super) fn indicator_url(
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

pub(in crate::site) fn profile_url(
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
