//! What maintainers edit for the benchmarking system: the cluster registry
//! (`site/data/clusters/*.yaml`), the indicator set (`site/data/indicators.yaml`) and the
//! international reference values (`site/data/references/*.yaml`).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::diagnostics::{Diagnostic, display_path};
use crate::survey::model::Text;
use crate::yaml;

pub const CLUSTERS_DIR: &str = "site/data/clusters";
pub const INDICATORS_FILE: &str = "site/data/indicators.yaml";
pub const REFERENCES_DIR: &str = "site/data/references";
pub const NEEDS_FILE: &str = "site/data/needs.yaml";

/// Which needs-assessment answers are published, and grouped how.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NeedsSpec {
    pub survey: String,
    pub group_by: Vec<String>,
    pub questions: Vec<String>,
    /// Question → option code → the guidebook page (Markdown source under `site/content/`)
    /// that answers that need; the results page links to it in each language.
    #[serde(default)]
    pub answered_by: BTreeMap<String, BTreeMap<String, String>>,
    /// Question → option code → the support programmes (ids under `site/data/programmes/`)
    /// that can fund that need; shown beside the guidebook link.
    #[serde(default)]
    pub programmes: BTreeMap<String, BTreeMap<String, Vec<serde_saphyr::Spanned<String>>>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    #[serde(default)]
    pub esca: Option<String>,
    /// The year the ESCA label was awarded: labels are time-limited, so one is never shown
    /// without its year.
    #[serde(default)]
    pub esca_year: Option<i64>,
    #[serde(default)]
    pub eccp: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub title: String,
    pub url: String,
}

/// A cluster of the registry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub id: String,
    pub name: Text,
    #[serde(default)]
    pub short_name: Option<String>,
    pub province: String,
    #[serde(default)]
    pub nace: Vec<String>,
    #[serde(default)]
    pub founded: Option<i64>,
    #[serde(default)]
    pub legal_form: Option<String>,
    #[serde(default)]
    pub maturity: Option<String>,
    #[serde(default)]
    pub host: Option<Text>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub priority: bool,
    #[serde(default)]
    pub centre: Option<String>,
    #[serde(default = "no_labels")]
    pub labels: Labels,
    #[serde(default)]
    pub sample: bool,
    #[serde(default)]
    pub sources: Vec<Source>,
}

fn no_labels() -> Labels {
    Labels {
        esca: None,
        esca_year: None,
        eccp: false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
    Context,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stat {
    Sum,
    Mean,
    Median,
    Share,
    Nps,
}

/// One benchmark indicator.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub name: Text,
    pub definition: Text,
    pub area: String,
    pub unit: Text,
    #[serde(default)]
    pub decimals: u8,
    pub direction: Direction,
    pub survey: String,
    /// Per response of the cluster-manager survey.
    #[serde(default)]
    pub formula: Option<String>,
    /// Per member firm, then `stat` over the cluster's firms.
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub stat: Option<Stat>,
    /// Ratio of sums: Σvalue / Σdivide_by − 1, in %.
    #[serde(default)]
    pub divide_by: Option<String>,
    #[serde(default = "one")]
    pub min_responses: usize,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
}

fn one() -> usize {
    1
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorFile {
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSource {
    pub title: String,
    pub url: String,
    #[serde(default)]
    pub year: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceValue {
    pub indicator: String,
    pub value: Option<f64>,
    pub kind: String,
    #[serde(default)]
    pub year: Option<i64>,
    pub verified: bool,
    #[serde(default)]
    pub note: Option<Text>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceFile {
    pub source: ReferenceSource,
    pub values: Vec<ReferenceValue>,
}

/// A reference value with its source, as shown beside Kume's own figures.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub value: ReferenceValue,
    pub source: ReferenceSource,
}

/// Everything the benchmarking pages and `kume aggregate` read.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub clusters: Vec<Cluster>,
    pub indicators: Vec<Indicator>,
    pub references: Vec<Reference>,
    pub needs: Option<NeedsSpec>,
}

impl Data {
    /// The ids of the clusters marked `sample: true`.
    pub fn sample_ids(&self) -> HashSet<&str> {
        (self.clusters.iter())
            .filter(|c| c.sample)
            .map(|c| c.id.as_str())
            .collect()
    }
}

/// The `.yaml` files of a folder, sorted; none when it does not exist.
pub(crate) fn yaml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Reads one YAML file into `T`; a problem is pushed to `diags` with its location.
pub(crate) fn read<T: serde::de::DeserializeOwned>(
    config: &Config,
    path: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Option<T> {
    let file = display_path(&config.root, path);
    match std::fs::read_to_string(path) {
        Ok(text) => yaml::parse(&text, &file, 0).map_err(|d| diags.push(d)).ok(),
        Err(e) => {
            diags.push(Diagnostic::error(&file, format!("cannot read: {e}")));
            None
        }
    }
}

/// Reads the registry, indicators and references (all optional: a site may have none).
pub fn load(config: &Config) -> (Data, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut data = Data::default();
    for path in yaml_files(&config.path(CLUSTERS_DIR)) {
        if let Some(c) = read::<Cluster>(config, &path, &mut diags) {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if c.id != stem {
                diags.push(
                    Diagnostic::error(
                        display_path(&config.root, &path),
                        format!("cluster id `{}` differs from the file name `{stem}`", c.id),
                    )
                    .help(format!(
                        "rename the file to {}.yaml or the id to `{stem}`",
                        c.id
                    )),
                );
                continue;
            }
            if c.labels.esca.is_some() && c.labels.esca_year.is_none() {
                diags.push(
                    Diagnostic::error(
                        display_path(&config.root, &path),
                        "the ESCA label has no year",
                    )
                    .help("add `esca_year` to `labels` (the year the label was awarded, from the source): ESCA labels are time-limited"),
                );
            }
            data.clusters.push(c);
        }
    }
    let indicators = config.path(INDICATORS_FILE);
    if indicators.exists()
        && let Some(f) = read::<IndicatorFile>(config, &indicators, &mut diags)
    {
        data.indicators = f.indicators;
    }
    let needs = config.path(NEEDS_FILE);
    if needs.exists() {
        data.needs = read::<NeedsSpec>(config, &needs, &mut diags);
    }
    for path in yaml_files(&config.path(REFERENCES_DIR)) {
        if let Some(f) = read::<ReferenceFile>(config, &path, &mut diags) {
            data.references
                .extend(f.values.into_iter().map(|value| Reference {
                    value,
                    source: f.source.clone(),
                }));
        }
    }
    (data, diags)
}
