//! The benchmarking pages: cluster directory, cluster profiles, the benchmark overview and one
//! page per indicator, plus the open-data copy of the snapshot. Charts are inline SVG made at
//! build time, each with a text alternative and its numbers in a table beside it.
//!
//! Steps: load the registry, indicators, references and snapshot ([`Bench::load`]) → list the
//! pages and their addresses ([`urls`]) → render one page: the directory and its facet pages
//! ([`directory`], [`facets`]), a cluster's profile ([`profile`]), the overview and the
//! indicator pages ([`indicators`]), the needs-assessment results ([`needs`]), with the charts
//! of [`charts`].

mod directory;
mod facets;
mod frame;
mod indicators;
mod model;
mod needs;
mod profile;
pub(in crate::site) mod urls;

use self::frame::Frame;
pub use self::model::{Bench, Page};
use crate::diagnostics::Diagnostic;
use crate::site::Site;

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
