//! What the benchmark pages are made from: the registry, indicators and reference values (from
//! the project's data), the snapshot to show, and which pages there are.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::aggregate::{self, ClusterValue, Distribution, Snapshot};
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
    /// Whether any published value comes from a sample cluster: every benchmark page says so.
    pub(super) sample_results: bool,
    lookup: Lookup,
}

/// Where the snapshot's values and distributions are, by key. A profile page looks up each of
/// its indicators in every wave: a scan of all values per lookup made the benchmark pages grow
/// with the square of the clusters.
#[derive(Debug, Default)]
struct Lookup {
    /// Cluster → indicator → positions in `values`, one per wave, in file order.
    values: HashMap<String, HashMap<String, Vec<usize>>>,
    /// Indicator → positions in `distributions`, one per wave and group, in file order.
    distributions: HashMap<String, Vec<usize>>,
}

impl Lookup {
    fn of(snapshot: &Snapshot) -> Lookup {
        let mut lookup = Lookup::default();
        for (i, v) in snapshot.values.iter().enumerate() {
            (lookup.values.entry(v.cluster.clone()).or_default())
                .entry(v.indicator.clone())
                .or_default()
                .push(i);
        }
        for (i, d) in snapshot.distributions.iter().enumerate() {
            (lookup.distributions.entry(d.indicator.clone()).or_default()).push(i);
        }
        lookup
    }
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
        let samples = data.sample_ids();
        let snap = snap.map(|mut s| {
            s.mark_sample(|id| samples.contains(id));
            s
        });
        let sample_results = snap.as_ref().is_some_and(|s| {
            (s.values.iter()).any(|v| v.value.is_some() && samples.contains(v.cluster.as_str()))
        });
        (
            Bench {
                data,
                lookup: snap.as_ref().map(Lookup::of).unwrap_or_default(),
                snapshot: snap,
                lists,
                sample_results,
            },
            diags,
        )
    }

    /// A cluster's value of an indicator in a wave.
    pub(super) fn value(&self, cluster: &str, indicator: &str, wave: i64) -> Option<&ClusterValue> {
        let values = &self.snapshot.as_ref()?.values;
        let at = self.lookup.values.get(cluster)?.get(indicator)?;
        at.iter().map(|&i| &values[i]).find(|v| v.wave == wave)
    }

    /// The distribution of an indicator in a wave over a peer group (`all`, `maturity:…`).
    pub(super) fn distribution(
        &self,
        indicator: &str,
        wave: i64,
        group: &str,
    ) -> Option<&Distribution> {
        let distributions = &self.snapshot.as_ref()?.distributions;
        let at = self.lookup.distributions.get(indicator)?;
        (at.iter().map(|&i| &distributions[i])).find(|d| d.wave == wave && d.group == group)
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
