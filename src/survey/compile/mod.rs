//! From YAML to a checked [`Survey`]: every problem is collected with its file, line and
//! column, and a survey with any error is not compiled.
//!
//! Steps: read the built-in lists (`lists`) → for each `surveys/*.yaml`: parse (with limits
//! against hostile YAML) → survey fields → lists → sections and questions (`survey`, with
//! pass 1 in `env` and pass 2 in `questions`) → expressions (parsed, then type-checked once
//! every id is known) → dependency cycles and always-hidden questions (`expressions`) →
//! unused lists → `tests:` scenarios run through the same evaluator the collector uses
//! (`scenarios`) → the content hash every response pins.

mod context;
mod env;
mod expressions;
mod lists;
mod questions;
mod scenarios;
mod survey;

use std::collections::BTreeMap;
use std::path::Path;

use self::context::Ctx;
use super::model::*;
use crate::config::Config;
use crate::data::ProjectData;
pub use crate::data::lists::LISTS_DIR;
use crate::data::lists::Lists;
use crate::diagnostics::{Diagnostic, display_path};
use crate::yaml;

pub const SURVEYS_DIR: &str = "surveys";
/// Larger survey files are refused before parsing.
const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

/// A compiled survey with where it came from and its scenario tests.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub survey: Survey,
    /// `surveys/<id>.yaml`
    pub file: String,
    /// Content hash of the compiled definition (hex), pinned by every response.
    pub hash: String,
}

impl Compiled {
    /// `schema.json` of the form in `lang`: the compiled survey and its hash, every translated
    /// text in that language only. The form's script fetches it on every survey page, so it
    /// carries one language, not all of them.
    pub fn schema_json(&self, lang: &str) -> String {
        let mut survey = serde_json::to_value(&self.survey).unwrap_or_default();
        keep_language(&mut survey, lang, &self.survey.languages);
        serde_json::to_string(&serde_json::json!({"hash": self.hash, "survey": survey}))
            .unwrap_or_default()
    }

    /// `logic.json` of the form in `lang`: the part of `schema.json` the form's script reads
    /// (the survey's id, its sections and lists) without the texts the page already shows —
    /// list labels, hints and section introductions. A phone loads it with every survey
    /// page; `schema.json` stays the complete published definition.
    pub fn logic_json(&self, lang: &str) -> String {
        let mut survey = serde_json::to_value(&self.survey).unwrap_or_default();
        keep_language(&mut survey, lang, &self.survey.languages);
        if let serde_json::Value::Object(map) = &mut survey {
            map.retain(|k, _| matches!(k.as_str(), "id" | "sections" | "lists"));
            if let Some(serde_json::Value::Object(lists)) = map.get_mut("lists") {
                for choice in lists
                    .values_mut()
                    .filter_map(|l| l.as_array_mut())
                    .flatten()
                {
                    if let Some(c) = choice.as_object_mut() {
                        c.remove("label");
                    }
                }
            }
            for section in map
                .get_mut("sections")
                .and_then(|s| s.as_array_mut())
                .into_iter()
                .flatten()
            {
                if let Some(sec) = section.as_object_mut() {
                    sec.remove("intro");
                }
                drop_hints(section);
            }
        }
        serde_json::to_string(&serde_json::json!({"hash": self.hash, "survey": survey}))
            .unwrap_or_default()
    }
}

/// Removes every question's `hint`, inner questions' too.
fn drop_hints(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("hint");
            map.values_mut().for_each(drop_hints);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_hints),
        _ => {}
    }
}

/// Reduces every translated text (an object keyed by the survey's languages) to `lang`.
fn keep_language(value: &mut serde_json::Value, lang: &str, languages: &[String]) {
    match value {
        serde_json::Value::Object(map) => {
            let translated = !map.is_empty()
                && map
                    .iter()
                    .all(|(k, v)| v.is_string() && languages.contains(k));
            if translated {
                map.retain(|k, _| k == lang);
            } else {
                map.values_mut()
                    .for_each(|v| keep_language(v, lang, languages));
            }
        }
        serde_json::Value::Array(items) => items
            .iter_mut()
            .for_each(|v| keep_language(v, lang, languages)),
        _ => {}
    }
}

/// Loads, checks and compiles every survey under `surveys/`, with the project's built-in lists.
pub fn load_all(config: &Config, builtins: &Lists) -> (Vec<Compiled>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let dir = config.path(SURVEYS_DIR);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml") && p.is_file());
    files.sort();
    let mut out: Vec<Compiled> = Vec::new();
    for path in files {
        let file = display_path(&config.root, &path);
        let before = diags.len();
        if let Some(c) = compile_file(config, &path, &file, builtins, &mut diags) {
            if let Some(other) = out.iter().find(|o| o.survey.id == c.survey.id) {
                diags.push(Diagnostic::error(
                    &file,
                    format!("survey id `{}` is also used by {}", c.survey.id, other.file),
                ));
            } else if diags.len() == before {
                out.push(c);
            }
        }
    }
    (out, diags)
}

/// The project's data and its compiled surveys, for the commands that need both.
pub fn load_project(config: &Config) -> (ProjectData, Vec<Compiled>, Vec<Diagnostic>) {
    let (data, mut diags) = ProjectData::load(config);
    let (surveys, ds) = load_all(config, &data.lists);
    diags.extend(ds);
    (data, surveys, diags)
}

/// Compiles one survey file with the project's built-in lists.
pub fn compile_one(
    config: &Config,
    builtins: &Lists,
    path: &Path,
) -> Result<Compiled, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let file = display_path(&config.root, path);
    match compile_file(config, path, &file, builtins, &mut diags) {
        Some(c) if diags.is_empty() => Ok(c),
        _ => Err(diags),
    }
}

fn compile_file(
    config: &Config,
    path: &Path,
    file: &str,
    builtins: &BTreeMap<String, Vec<Choice>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Compiled> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) if t.len() > MAX_FILE_BYTES => {
            diags.push(
                Diagnostic::error(
                    file,
                    format!(
                        "the file is {} bytes; surveys are limited to {MAX_FILE_BYTES}",
                        t.len()
                    ),
                )
                .help("split it into smaller surveys"),
            );
            return None;
        }
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::error(
                file,
                format!("cannot read the survey: {e}"),
            ));
            return None;
        }
    };
    compile_source(config, path, file, &text, builtins, diags)
}

/// Compiles survey text as if read from `path` (whose stem must be the survey id): the part of
/// compiling that needs no file system, so fuzz targets can drive it.
pub fn compile_text(
    config: &Config,
    path: &Path,
    text: &str,
    builtins: &BTreeMap<String, Vec<Choice>>,
) -> Result<Compiled, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let file = display_path(&config.root, path);
    match compile_source(config, path, &file, text, builtins, &mut diags) {
        Some(c) if diags.is_empty() => Ok(c),
        _ => Err(diags),
    }
}

fn compile_source(
    config: &Config,
    path: &Path,
    file: &str,
    text: &str,
    builtins: &BTreeMap<String, Vec<Choice>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Compiled> {
    let raw: RawSurvey = match yaml::parse(text, file, 0) {
        Ok(r) => r,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let mut ctx = Ctx {
        file,
        text,
        langs: Vec::new(),
        diags,
        errors: 0,
    };
    let survey = survey::build(config, path, &raw, builtins, &mut ctx)?;
    scenarios::run_tests(&survey, &raw.tests, &mut ctx);
    if ctx.errors > 0 {
        return None;
    }
    let json = serde_json::to_vec(&survey).unwrap_or_default();
    let hash = format!("{:016x}", crate::text::stable_hash(&json));
    Some(Compiled {
        survey,
        file: file.to_string(),
        hash,
    })
}

/// An id in `snake_case`: a lower-case ASCII letter, then lower-case letters, digits and `_`.
pub fn is_snake(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
