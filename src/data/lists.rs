//! The built-in choice lists: every `surveys/lists/*.yaml`, and the cluster registry as the
//! list `kumeler`, so that surveys can ask which cluster a respondent belongs to.

use std::collections::BTreeMap;

use super::registry::Data;
use crate::config::Config;
use crate::diagnostics::{Diagnostic, display_path};
use crate::survey::model::{Choice, RawChoice, RawListFile};
use crate::yaml;

pub const LISTS_DIR: &str = "surveys/lists";
/// The cluster registry's list name.
pub const CLUSTER_LIST: &str = "kumeler";

/// Choice lists by name.
pub type Lists = BTreeMap<String, Vec<Choice>>;

/// The built-in choice lists by name: every `surveys/lists/*.yaml` and the cluster registry.
pub fn load(config: &Config, registry: &Data, diags: &mut Vec<Diagnostic>) -> Lists {
    let mut lists = BTreeMap::new();
    let dir = config.path(LISTS_DIR);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    for path in paths {
        let file = display_path(&config.root, &path);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::error(
                    &file,
                    format!("cannot read the list: {e}"),
                ));
                continue;
            }
        };
        match yaml::parse::<RawListFile>(&text, &file, 0) {
            Ok(raw) => {
                let choices = raw.choices.into_iter().map(choice).collect();
                lists.insert(raw.name, choices);
            }
            Err(d) => diags.push(d),
        }
    }
    if let Some(clusters) = cluster_list(registry) {
        lists.insert(CLUSTER_LIST.to_string(), clusters);
    }
    lists
}

/// The cluster registry as the built-in list `kumeler` (code: the cluster id), so surveys can
/// ask which cluster a respondent belongs to.
fn cluster_list(data: &Data) -> Option<Vec<Choice>> {
    if data.clusters.is_empty() {
        return None;
    }
    let mut choices: Vec<Choice> = data
        .clusters
        .iter()
        .map(|c| Choice {
            code: c.id.clone(),
            label: c.name.clone(),
            exclusive: false,
            other: false,
            attrs: [("il".to_string(), c.province.clone())]
                .into_iter()
                .chain(c.maturity.clone().map(|m| ("olgunluk".to_string(), m)))
                .collect(),
        })
        .collect();
    let collation = crate::text::Collation::for_language("tr");
    choices.sort_by(|a, b| {
        collation.compare(
            a.label.get("tr").map_or("", String::as_str),
            b.label.get("tr").map_or("", String::as_str),
        )
    });
    Some(choices)
}

pub(crate) fn choice(c: RawChoice) -> Choice {
    Choice {
        code: c.code.value,
        label: c.label.value,
        exclusive: c.exclusive,
        other: c.other,
        attrs: c.attrs,
    }
}
