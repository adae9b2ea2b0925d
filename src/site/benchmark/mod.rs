//! The benchmarking pages: cluster directory, cluster profiles, the benchmark overview and one
//! page per indicator, plus the open-data copy of the snapshot. Charts are inline SVG made at
//! build time, each with a text alternative and its numbers in a table beside it.
//!
//! Steps: load the registry, indicators, references and snapshot ([`Bench::load`]) → list the
//! pages and their addresses ([`urls`]) → render one page: the directory and its facet pages
//! ([`directory`], [`facets`]), a cluster's profile ([`profile`]), the overview and the
//! indicator pages ([`indicators`]), the needs-assessment results ([`needs`]), with the charts
//! of [`charts`].

mod charts;
mod directory;
mod facets;
mod indicators;
mod needs;
mod profile;
mod urls;

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::Value;

pub(in crate::site) use self::charts::html_escape;
pub use self::facets::Facet;
pub(in crate::site) use self::urls::profile_url;
pub use self::urls::{
    data_url, directory_url, needs_url, open_data, overview_url, pages, province_url, urls,
};
use crate::aggregate::{self, Snapshot, Stats};
use crate::config::Config;
use crate::data::ProjectData;
use crate::data::registry::Data;
use crate::diagnostics::Diagnostic;
use crate::render::views::to_value;
use crate::site::Site;
use crate::survey::compile::Compiled;
use crate::survey::model::{Choice, Text};
use crate::text::format_number;

/// The registry, indicators, references and (when given) the snapshot.
#[derive(Debug, Default)]
pub struct Bench {
    pub data: Data,
    pub snapshot: Option<Snapshot>,
    lists: BTreeMap<String, Vec<Choice>>,
}

impl Bench {
    pub fn load(
        config: &Config,
        project: &ProjectData,
        surveys: &[Compiled],
        snapshot: Option<&Path>,
    ) -> (Bench, Vec<Diagnostic>) {
        let data = project.registry.clone();
        let lists = project.lists.clone();
        let mut diags = aggregate::check(&data, surveys);
        let sample = config
            .sample_aggregates
            .as_ref()
            .map(|p| config.path("site").join(p));
        let snapshot = snapshot.or(sample.as_deref());
        let snap = snapshot.and_then(|p| read_snapshot(p, &mut diags));
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

/// Reads the snapshot written by `kume aggregate`; a missing or broken one is an error.
fn read_snapshot(p: &Path, diags: &mut Vec<Diagnostic>) -> Option<Snapshot> {
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
}

/// Renders one benchmark page; returns its URL path and HTML.
pub fn render(site: &Site, page: &Page, lang: &str) -> Result<(String, String), Diagnostic> {
    let frame = Frame::new(site, lang);
    let (template, url, ctx) = match page {
        Page::Directory => directory::directory_page(&frame)?,
        Page::Facet(facet, code) => directory::facet_page(&frame, *facet, code)?,
        Page::Profile(i) => profile::profile_page(&frame, &site.bench.data.clusters[*i])?,
        Page::Overview => indicators::overview_page(&frame)?,
        Page::Indicator(i) => indicators::indicator_page(&frame, &site.bench.data.indicators[*i])?,
        Page::Needs => needs::needs_page(&frame)?,
    };
    let html = site.templates.render(template, ctx, None)?;
    Ok((url, html))
}

/// A page ready for its template: the template's name, the page's URL path and the context.
type Rendered = (&'static str, String, Value);

/// What every benchmark page in one language hands its template besides its own content.
struct Frame<'a> {
    site: &'a Site,
    lang: &'a str,
    site_value: Value,
    /// The open-data folder, when there is a snapshot.
    data: Option<String>,
    /// The open data is labelled by the snapshot's own flag, the one its files carry.
    data_sample: bool,
    /// Whether any published value comes from a sample cluster.
    sample_results: bool,
}

impl<'a> Frame<'a> {
    fn new(site: &'a Site, lang: &'a str) -> Self {
        let bench = &site.bench;
        Frame {
            site,
            lang,
            site_value: site.site_values.get(lang).cloned().unwrap_or_default(),
            data: bench.snapshot.as_ref().map(|_| data_url().to_string()),
            data_sample: bench.snapshot.as_ref().is_some_and(|s| s.sample),
            sample_results: sample_in_results(bench),
        }
    }

    /// The page's address cannot be made: a slug is missing from the UI strings.
    fn missing(&self) -> Diagnostic {
        Diagnostic::error(
            "site/i18n",
            format!(
                "`clusters_slug` or `benchmark_slug` is missing in `{}`",
                self.lang
            ),
        )
    }

    /// The page's view for its template, with its address in every language (`url_in`).
    fn view(
        &self,
        kind: &'static str,
        title: &str,
        url: &str,
        url_in: &dyn Fn(&str) -> Option<String>,
    ) -> Value {
        let alternates = self
            .site
            .content
            .homes
            .keys()
            .filter_map(|l| Some((l.clone(), url_in(l)?)))
            .collect();
        to_value(&crate::site::pages::special_view(
            self.site, kind, title, url, self.lang, alternates,
        ))
    }
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

fn pick(t: &Text, lang: &str) -> String {
    t.get(lang).cloned().unwrap_or_default()
}

fn t(site: &Site, lang: &str, key: &str) -> String {
    site.strings.get(lang, key).unwrap_or(key).to_string()
}

fn number(x: f64, decimals: u8, lang: &str) -> String {
    format_number(x, usize::from(decimals), lang)
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

const AREAS: [&str; 6] = [
    "structure",
    "governance",
    "financing",
    "services",
    "interaction",
    "achievements",
];
