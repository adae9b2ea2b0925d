//! Where the benchmark pages live: the URL of each page in each language, the list of pages
//! to render, the paths for link checking and the open-data files.

use super::facets::{facet_label_in, facet_values};
use super::model::Facet;
use super::model::{Bench, Page};
use crate::aggregate;
use crate::config::{Config, Strings};
use crate::data::registry::{Cluster, Indicator};
use crate::diagnostics::Diagnostic;
use crate::site::Site;
use crate::site::facets::Facet as _;
use crate::site::routes::{Route, RouteContext, pages_in};
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

/// Every benchmark page in every language, and the snapshot's open-data files.
pub fn routes(ctx: &RouteContext<'_>, bench: &Bench) -> Vec<Route<Page>> {
    let data = &bench.data;
    if data.clusters.is_empty() && data.indicators.is_empty() {
        return Vec::new();
    }
    let mut pages = vec![Page::Directory];
    pages.extend(
        facet_values(bench)
            .into_iter()
            .map(|(f, c)| Page::Facet(f, c)),
    );
    pages.extend((0..data.clusters.len()).map(Page::Profile));
    if data.needs.is_some() {
        pages.push(Page::Needs);
    }
    if !data.indicators.is_empty() {
        pages.push(Page::Overview);
        pages.extend((0..data.indicators.len()).map(Page::Indicator));
    }
    let mut out = pages_in(ctx, &pages, |p, lang| page_url(ctx, bench, p, lang));
    if let Some(s) = &bench.snapshot {
        let lang = ctx.config.default_language();
        out.push(Route::file(format!("{}aggregates.json", data_url()), lang));
        let mut ids: Vec<&String> = s.values.iter().map(|v| &v.indicator).collect();
        ids.dedup();
        out.extend(
            ids.into_iter()
                .map(|id| Route::file(format!("{}indicators/{id}.csv", data_url()), lang)),
        );
    }
    out
}

fn page_url(ctx: &RouteContext<'_>, bench: &Bench, page: &Page, lang: &str) -> Option<String> {
    let (config, strings) = (ctx.config, ctx.strings);
    match page {
        Page::Directory => directory_url(config, strings, lang),
        Page::Facet(f, code) => facet_url_in(config, strings, bench, *f, code, lang),
        Page::Profile(i) => profile_url(config, strings, lang, &bench.data.clusters[*i]),
        Page::Needs => needs_url(config, strings, lang),
        Page::Overview => overview_url(config, strings, lang),
        Page::Indicator(i) => indicator_url(config, strings, lang, &bench.data.indicators[*i]),
    }
}

/// The snapshot's files for the open-data folder, as (URL path, body).
pub fn open_data(site: &Site) -> Result<Vec<(String, String)>, Diagnostic> {
    let Some(snapshot) = &site.bench.snapshot else {
        return Ok(Vec::new());
    };
    let mut out = vec![(
        format!("{}aggregates.json", data_url()),
        aggregate::snapshot_json(snapshot),
    )];
    let csvs = aggregate::indicator_csvs(snapshot).map_err(|e| {
        Diagnostic::error(
            format!("{}indicators/", data_url()),
            format!("cannot make the indicator CSVs: {e}"),
        )
    })?;
    out.extend(
        csvs.into_iter()
            .map(|(id, body)| (format!("{}indicators/{id}.csv", data_url()), body)),
    );
    Ok(out)
}
