//! What every benchmark page hands its template besides its own content, and the small
//! formatting helpers the pages share.

use minijinja::Value;

use super::urls::data_url;
use crate::aggregate::Stats;
use crate::diagnostics::Diagnostic;
use crate::locale::format_number;
use crate::render::views::{PageView, to_value};
use crate::site::Site;
use crate::survey::model::Text;

/// A page ready for its template: the template's name, the page's URL path and the context.
pub(super) type Rendered = (&'static str, String, Value);

/// What every benchmark page in one language hands its template besides its own content.
pub(super) struct Frame<'a> {
    pub(super) site: &'a Site,
    pub(super) lang: &'a str,
    pub(super) site_value: Value,
    /// The open-data folder, when there is a snapshot.
    pub(super) data: Option<String>,
    /// The open data is labelled by the snapshot's own flag, the one its files carry.
    pub(super) data_sample: bool,
    /// Whether any published value comes from a sample cluster.
    pub(super) sample_results: bool,
}

impl<'a> Frame<'a> {
    pub(super) fn new(site: &'a Site, lang: &'a str) -> Self {
        let bench = &site.bench;
        Frame {
            site,
            lang,
            site_value: site.site_values.get(lang).cloned().unwrap_or_default(),
            data: bench.snapshot.as_ref().map(|_| data_url().to_string()),
            data_sample: bench.snapshot.as_ref().is_some_and(|s| s.sample),
            sample_results: bench.sample_results,
        }
    }

    /// The page's address cannot be made: a slug is missing from the UI strings.
    pub(super) fn missing(&self) -> Diagnostic {
        Diagnostic::error(
            "site/i18n",
            format!(
                "`clusters_slug` or `benchmark_slug` is missing in `{}`",
                self.lang
            ),
        )
    }

    /// The page's view for its template, with its address in every language (`url_in`).
    pub(super) fn view(
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
        to_value(&PageView::special(
            &self.site.config,
            kind,
            title,
            url,
            self.lang,
            alternates,
        ))
    }
}

pub(super) fn pick(t: &Text, lang: &str) -> String {
    t.get(lang).cloned().unwrap_or_default()
}

pub(super) fn number(x: f64, decimals: u8, lang: &str) -> String {
    format_number(x, usize::from(decimals), lang)
}

pub(super) fn stats_range(s: Option<&Stats>, decimals: u8, lang: &str) -> Option<String> {
    s.map(|s| {
        format!(
            "{} – {}",
            number(s.p25, decimals, lang),
            number(s.p75, decimals, lang)
        )
    })
}

pub(super) const AREAS: [&str; 6] = [
    "structure",
    "governance",
    "financing",
    "services",
    "interaction",
    "achievements",
];
