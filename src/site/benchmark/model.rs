//! What the benchmark pages are made from: the registry, indicators and reference values (from
//! the project's data), the snapshot to show, and which pages there are.

use std::collections::BTreeMap;
use std::path::Path;

use crate::aggregate::{self, Snapshot};
use crate::config::Config;
use crate::data::ProjectData;
use crate::data::registry::Data;
use crate::diagnostics::Diagnostic;
use crate::survey::compile::Compiled;
use crate::survey::model::Choice;

/// The registry, indicators, references and (when given) the snapshot.
#[derive(Debug, Default)]
pub struct Bench {
    pub data: Data,
    pub snapshot: Option<Snapshot>,
    pub(super) lists: BTreeMap<String, Vec<Choice>>,
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

    pub(super) fn label(&self, list: &str, code: &str, lang: &str) -> String {
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

/// The ways the directory can be narrowed down, each a set of pages that work without JS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Province,
    Region,
    Sector,
    Maturity,
    Priority,
}

pub(super) const FACETS: [Facet; 5] = [
    Facet::Province,
    Facet::Region,
    Facet::Sector,
    Facet::Maturity,
    Facet::Priority,
];

impl crate::site::facets::Facet for Facet {
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
