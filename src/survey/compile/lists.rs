//! Choice lists: the built-in lists under `surveys/lists/` (with the cluster registry as the
//! list `kumeler`) and the lists a survey declares under `lists:`.

use std::collections::{BTreeMap, BTreeSet};

use serde_saphyr::Spanned;

use super::context::Ctx;
use super::{LISTS_DIR, is_snake};
use crate::config::Config;
use crate::diagnostics::{Diagnostic, display_path};
use crate::survey::model::{Choice, RawChoice, RawListFile};
use crate::yaml;

/// The built-in choice lists by name: every `surveys/lists/*.yaml` and the cluster registry.
pub fn load_builtin_lists(
    config: &Config,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Vec<Choice>> {
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
    if let Some(registry) = cluster_list(config) {
        lists.insert("kumeler".to_string(), registry);
    }
    lists
}

/// The cluster registry as the built-in list `kumeler` (code: the cluster id), so surveys can
/// ask which cluster a respondent belongs to.
fn cluster_list(config: &Config) -> Option<Vec<Choice>> {
    let (data, _) = crate::aggregate::model::load(config);
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

fn choice(c: RawChoice) -> Choice {
    Choice {
        code: c.code.value,
        label: c.label.value,
        exclusive: c.exclusive,
        other: c.other,
        attrs: c.attrs,
    }
}

pub(super) fn compile_list(
    ctx: &mut Ctx<'_>,
    name: &str,
    items: &Spanned<Vec<RawChoice>>,
) -> Vec<Choice> {
    if !is_snake(name) {
        ctx.error(
            &items.referenced,
            format!("list name `{name}` is not snake_case"),
            "use lower-case ASCII letters, digits and `_`",
        );
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for c in &items.value {
        let code = &c.code.value;
        if code.is_empty()
            || !code
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'))
        {
            ctx.error(
                &c.code.referenced,
                format!("choice code `{code}` must be ASCII letters, digits, `_`, `-` or `.`"),
                "codes are stored with the answers and never translated",
            );
        }
        if !seen.insert(code.clone()) {
            ctx.error(
                &c.code.referenced,
                format!("choice code `{code}` is used twice in list `{name}`"),
                "every choice needs its own code",
            );
        }
        ctx.text("label", &c.label);
        out.push(Choice {
            code: code.clone(),
            label: c.label.value.clone(),
            exclusive: c.exclusive,
            other: c.other,
            attrs: c.attrs.clone(),
        });
    }
    if items.value.is_empty() {
        ctx.error(
            &items.referenced,
            format!("list `{name}` has no choices"),
            "add at least one `- {code: …, label: {…}}`",
        );
    }
    out
}
