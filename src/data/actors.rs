//! The actors directory: one YAML file per province in `site/data/actors/`, naming the
//! organisations that take part in cluster work there, each with its type and sources.

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::config::{Config, Localized};
use crate::data::programmes::Source;
use crate::data::registry::{read, yaml_files};
use crate::diagnostics::{Diagnostic, display_path};
use crate::survey::model::Choice;
use crate::text::did_you_mean;

pub const ACTORS_DIR: &str = "site/data/actors";

/// The kinds of organisation; each has a generic role text in the UI strings
/// (`actor_role_<type>`), used when an actor's file gives no role of its own.
pub const ACTOR_TYPES: [&str; 7] = [
    "cluster_centre",
    "development_agency",
    "university",
    "chamber",
    "exporters_association",
    "osb",
    "local_advisory_committee",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvince {
    province: Spanned<String>,
    actors: Vec<RawActor>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActor {
    name: Spanned<Localized>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    #[serde(default)]
    role: Option<Spanned<Localized>>,
    #[serde(default)]
    url: Option<String>,
    sources: Spanned<Vec<Source>>,
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub name: Localized,
    pub kind: String,
    pub role: Option<Localized>,
    pub url: Option<String>,
    pub sources: Vec<Source>,
}

/// The actors of one province (`province` is a code of the built-in `iller` list).
#[derive(Debug, Clone)]
pub struct ProvinceActors {
    pub province: String,
    pub actors: Vec<Actor>,
}

pub fn load(
    config: &Config,
    provinces: &[Choice],
    diags: &mut Vec<Diagnostic>,
) -> Vec<ProvinceActors> {
    let mut out = Vec::new();
    let langs: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
    for path in yaml_files(&config.path(ACTORS_DIR)) {
        let file = display_path(&config.root, &path);
        let Some(raw) = read::<RawProvince>(config, &path, diags) else {
            continue;
        };
        let before = diags.len();
        if !provinces.is_empty() && !provinces.iter().any(|p| p.code == raw.province.value) {
            let hint = did_you_mean(
                &raw.province.value,
                provinces.iter().map(|p| p.code.as_str()),
            );
            diags.push(at(
                &file,
                &raw.province,
                format!("`province: {}` is not a province code", raw.province.value),
                hint.map_or(
                    "use a code of surveys/lists/iller.yaml, e.g. TR831".into(),
                    |h| format!("did you mean `{h}`? Codes are in surveys/lists/iller.yaml"),
                ),
            ));
        }
        let actors = raw
            .actors
            .into_iter()
            .map(|a| validate_actor(&file, &langs, a, diags))
            .collect();
        if diags.len() == before {
            out.push(ProvinceActors {
                province: raw.province.value,
                actors,
            });
        }
    }
    out
}

fn at<T>(file: &str, v: &Spanned<T>, message: String, help: String) -> Diagnostic {
    Diagnostic::error(file, message)
        .at(v.referenced.line() as usize, v.referenced.column() as usize)
        .help(help)
}

fn validate_actor(file: &str, langs: &[&str], a: RawActor, diags: &mut Vec<Diagnostic>) -> Actor {
    if !ACTOR_TYPES.contains(&a.kind.value.as_str()) {
        let help = match did_you_mean(&a.kind.value, ACTOR_TYPES) {
            Some(s) => format!("did you mean `{s}`? Allowed: {}", ACTOR_TYPES.join(", ")),
            None => format!("allowed: {}", ACTOR_TYPES.join(", ")),
        };
        diags.push(at(
            file,
            &a.kind,
            format!("`type: {}` is not allowed", a.kind.value),
            help,
        ));
    }
    let texts = std::iter::once(("name", &a.name)).chain(a.role.iter().map(|r| ("role", r)));
    for (field, t) in texts {
        for lang in langs {
            if t.value.get(*lang).is_none_or(|s| s.trim().is_empty()) {
                diags.push(at(
                    file,
                    t,
                    format!("`{field}` has no text in `{lang}`"),
                    format!("add `{lang}: …`; every text is written in every language of the site"),
                ));
            }
        }
    }
    if a.sources.value.is_empty() {
        diags.push(at(
            file,
            &a.sources,
            "`sources` is empty".into(),
            "name the page that documents this organisation's part in cluster work".into(),
        ));
    }
    Actor {
        name: a.name.value,
        kind: a.kind.value,
        role: a.role.map(|r| r.value),
        url: a.url,
        sources: a.sources.value,
    }
}
