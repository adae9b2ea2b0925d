//! Site configuration (`site/config.yaml`) and the UI string tables (`site/i18n/<lang>.yaml`).
//!
//! Read in two phases, as the rest of Kume does: a raw serde shape that rejects unknown keys,
//! then a validated `Config` whose invariants the build relies on (the default language comes
//! first, every human text exists in every language, slugs are valid, the base URL is absolute).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diagnostics::Diagnostic;
use crate::text::{is_slug, slugify};
use crate::yaml;

pub const CONFIG_FILE: &str = "site/config.yaml";
pub const I18N_DIR: &str = "site/i18n";
pub const CONTENT_DIR: &str = "site/content";
pub const STATIC_DIR: &str = "site/static";
pub const TEMPLATES_DIR: &str = "templates";

/// A text in every language of the site: `{tr: …, en: …}`.
pub type Localized = BTreeMap<String, String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Spanned<Localized>,
    description: Spanned<Localized>,
    base_url: Spanned<String>,
    languages: Vec<RawLanguage>,
    #[serde(default)]
    taxonomies: Vec<RawTaxonomy>,
    #[serde(default)]
    collector_url: Option<String>,
    #[serde(default)]
    sample_aggregates: Option<String>,

    #[serde(default = "default_stale_days")]
    programmes_stale_after_days: u32,
}

/// Programme amounts and deadlines change about twice a year.
fn default_stale_days() -> u32 {
    180
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLanguage {
    code: Spanned<String>,
    name: String,
    #[serde(default)]
    locale: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxonomy {
    name: Spanned<String>,
    title: Spanned<Localized>,
    #[serde(default)]
    slug: Option<Spanned<Localized>>,
}

/// One language of the site. The first one is the default and lives at `/`.
#[derive(Debug, Clone)]
pub struct Language {
    pub code: String,
    pub name: String,
    /// OpenGraph locale, e.g. `tr_TR`.
    pub locale: String,
}

/// A classification of pages declared in the config (sector, province, audience, …).
#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub name: String,
    pub title: Localized,
    pub slug: Localized,
}

/// The validated site configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    pub title: Localized,
    pub description: Localized,
    /// Absolute, without a trailing slash.
    pub base_url: String,
    pub languages: Vec<Language>,
    pub taxonomies: Vec<Taxonomy>,
    pub collector_url: Option<String>,
    /// A snapshot of invented answers (under `site/`) shown, labelled as sample data, when no
    /// real snapshot is given and no answers are stored.
    pub sample_aggregates: Option<String>,

    /// `kume check` warns about programme entries not checked for longer than this.
    pub programmes_stale_after_days: u32,
}

impl Config {
    pub fn default_language(&self) -> &str {
        &self.languages[0].code
    }

    pub fn language(&self, code: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.code == code)
    }

    /// URL prefix of a language: `/` for the default, `/en/` for the others.
    pub fn language_prefix(&self, code: &str) -> String {
        if code == self.default_language() {
            "/".to_string()
        } else {
            format!("/{code}/")
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Reads and validates `site/config.yaml` under `root`.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            vec![
                Diagnostic::error(
                    CONFIG_FILE,
                    format!("cannot read the site configuration: {e}"),
                )
                .help("run kume in the folder that holds site/config.yaml, or pass --root DIR"),
            ]
        })?;
        let raw: RawConfig = yaml::parse(&text, CONFIG_FILE, 0).map_err(|d| vec![d])?;
        validate(root, raw)
    }
}

/// Checks the raw configuration, reporting every problem at once.
fn validate(root: &Path, raw: RawConfig) -> Result<Config, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let languages = languages(&raw.languages, &mut errors);
    let codes: Vec<&str> = languages.iter().map(|l| l.code.as_str()).collect();
    check_localized(&mut errors, &codes, "title", &raw.title);
    check_localized(&mut errors, &codes, "description", &raw.description);
    for tax in &raw.taxonomies {
        check_localized(
            &mut errors,
            &codes,
            &format!("taxonomies.{}.title", tax.name.value),
            &tax.title,
        );
    }

    let base_url = raw.base_url.value.trim_end_matches('/').to_string();
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        errors.push(
            error_at(
                &raw.base_url.referenced,
                format!(
                    "`base_url` must be an absolute http(s) URL, not `{}`",
                    raw.base_url.value
                ),
            )
            .help("write the address the site is published at, e.g. `https://kume.example.org`"),
        );
    }
    let taxonomies = taxonomies(raw.taxonomies, &codes, &mut errors);

    if errors.is_empty() {
        Ok(Config {
            root: root.to_path_buf(),
            title: raw.title.value,
            description: raw.description.value,
            base_url,
            languages,
            taxonomies,
            collector_url: raw.collector_url,
            sample_aggregates: raw.sample_aggregates,

            programmes_stale_after_days: raw.programmes_stale_after_days,
        })
    } else {
        Err(errors)
    }
}

fn error_at(span: &serde_saphyr::Location, msg: String) -> Diagnostic {
    Diagnostic::error(CONFIG_FILE, msg).at(span.line() as usize, span.column() as usize)
}

/// The site's languages, in the configured order; the first one is the default.
fn languages(raw: &[RawLanguage], errors: &mut Vec<Diagnostic>) -> Vec<Language> {
    if raw.is_empty() {
        errors.push(
            Diagnostic::error(CONFIG_FILE, "`languages` is empty")
                .help("list at least one language; the first one is the default, e.g. `- {code: tr, name: Türkçe}`"),
        );
    }
    let mut languages: Vec<Language> = Vec::new();
    for lang in raw {
        let code = lang.code.value.clone();
        if !is_slug(&code) || code.contains('-') {
            errors.push(error_at(
                &lang.code.referenced,
                format!("language code `{code}` is not a lower-case code like `tr` or `en`"),
            ));
        }
        if languages.iter().any(|l| l.code == code) {
            errors.push(error_at(
                &lang.code.referenced,
                format!("language `{code}` is listed twice"),
            ));
        }
        let locale = lang.locale.clone().unwrap_or_else(|| default_locale(&code));
        languages.push(Language {
            code,
            name: lang.name.clone(),
            locale,
        });
    }
    languages
}

/// A human text has a non-empty value in every language.
fn check_localized(
    errors: &mut Vec<Diagnostic>,
    codes: &[&str],
    field: &str,
    value: &Spanned<Localized>,
) {
    for code in codes {
        if value.value.get(*code).is_none_or(|s| s.trim().is_empty()) {
            errors.push(
                error_at(
                    &value.referenced,
                    format!("`{field}` has no text for language `{code}`"),
                )
                .help(format!(
                    "add `{code}: …` to `{field}`; every human text exists in every language"
                )),
            );
        }
    }
}

/// The taxonomies, each with a URL slug per language (its name unless given).
fn taxonomies(
    raw: Vec<RawTaxonomy>,
    codes: &[&str],
    errors: &mut Vec<Diagnostic>,
) -> Vec<Taxonomy> {
    let mut taxonomies = Vec::new();
    for tax in raw {
        let name = tax.name.value.clone();
        if !is_slug(&name) {
            errors.push(error_at(
                &tax.name.referenced,
                format!(
                    "taxonomy name `{name}` must be a slug like `{}`",
                    slugify(&name)
                ),
            ));
        }
        if taxonomies.iter().any(|t: &Taxonomy| t.name == name) {
            errors.push(error_at(
                &tax.name.referenced,
                format!("taxonomy `{name}` is declared twice"),
            ));
        }
        let mut slug = Localized::new();
        for code in codes {
            let s = tax
                .slug
                .as_ref()
                .and_then(|s| s.value.get(*code).cloned())
                .unwrap_or_else(|| name.clone());
            if !is_slug(&s) {
                let at = tax
                    .slug
                    .as_ref()
                    .map_or(&tax.name.referenced, |s| &s.referenced);
                errors.push(error_at(
                    at,
                    format!(
                        "taxonomy slug `{s}` is not a valid URL slug; use `{}`",
                        slugify(&s)
                    ),
                ));
            }
            slug.insert((*code).to_string(), s);
        }
        taxonomies.push(Taxonomy {
            name,
            title: tax.title.value,
            slug,
        });
    }
    taxonomies
}

fn default_locale(code: &str) -> String {
    match code {
        "tr" => "tr_TR".into(),
        "en" => "en_GB".into(),
        other => other.to_string(),
    }
}

/// The UI strings of every language, keyed by language code then string key.
#[derive(Debug, Clone, Default)]
pub struct Strings {
    pub tables: BTreeMap<String, BTreeMap<String, String>>,
    /// (language, key) asked for through [`Strings::t`] and not found.
    missing: Arc<Mutex<BTreeSet<(String, String)>>>,
}

impl Strings {
    /// Reads `site/i18n/<code>.yaml` for every language; a key present in one language and
    /// missing in another is an error at the line that defines it.
    pub fn load(config: &Config) -> Result<Strings, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut spanned: BTreeMap<String, BTreeMap<String, Spanned<String>>> = BTreeMap::new();
        for lang in &config.languages {
            let file = format!("{I18N_DIR}/{}.yaml", lang.code);
            match std::fs::read_to_string(config.path(&file)) {
                Ok(text) => match yaml::parse::<BTreeMap<String, Spanned<String>>>(&text, &file, 0)
                {
                    Ok(table) => {
                        spanned.insert(lang.code.clone(), table);
                    }
                    Err(d) => errors.push(d),
                },
                Err(e) => errors.push(
                    Diagnostic::error(
                        &file,
                        format!(
                            "cannot read the UI strings of language `{}`: {e}",
                            lang.code
                        ),
                    )
                    .help("every language in site/config.yaml needs its table of UI strings"),
                ),
            }
        }
        for (code, table) in &spanned {
            for (key, value) in table {
                for other in config.languages.iter().filter(|l| &l.code != code) {
                    if spanned
                        .get(&other.code)
                        .is_some_and(|t| !t.contains_key(key))
                    {
                        errors.push(
                            Diagnostic::error(
                                format!("{I18N_DIR}/{code}.yaml"),
                                format!(
                                    "UI string `{key}` has no translation in `{I18N_DIR}/{}.yaml`",
                                    other.code
                                ),
                            )
                            .at(value.referenced.line() as usize, 1)
                            .help(format!("add `{key}: …` to {I18N_DIR}/{}.yaml", other.code)),
                        );
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let tables = spanned
            .into_iter()
            .map(|(code, t)| (code, t.into_iter().map(|(k, v)| (k, v.value)).collect()))
            .collect();
        Ok(Strings {
            tables,
            missing: Arc::default(),
        })
    }

    pub fn get(&self, lang: &str, key: &str) -> Option<&str> {
        self.tables.get(lang)?.get(key).map(String::as_str)
    }

    /// The UI string `key` in `lang`. A missing one shows as its key and is remembered, so
    /// that the build reports it ([`Strings::missing`]) instead of publishing the key quietly.
    pub fn t(&self, lang: &str, key: &str) -> String {
        match self.get(lang, key) {
            Some(s) => s.to_string(),
            None => {
                self.missing
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert((lang.to_string(), key.to_string()));
                key.to_string()
            }
        }
    }

    /// Every UI string asked for and not found so far, as warnings at its language's table.
    pub fn missing(&self) -> Vec<Diagnostic> {
        let missing = self.missing.lock().unwrap_or_else(|e| e.into_inner());
        missing
            .iter()
            .map(|(lang, key)| {
                Diagnostic::warning(
                    format!("{I18N_DIR}/{lang}.yaml"),
                    format!("UI string `{key}` is missing; pages show the key instead"),
                )
                .help(format!("add `{key}:` to every site/i18n/*.yaml"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_ui_string_shows_its_key_and_is_reported_once() {
        let strings = Strings {
            tables: BTreeMap::from([(
                "tr".to_string(),
                BTreeMap::from([("evet".to_string(), "Evet".to_string())]),
            )]),
            ..Strings::default()
        };
        assert_eq!(strings.t("tr", "evet"), "Evet");
        assert!(strings.missing().is_empty());
        assert_eq!(strings.t("tr", "hayir"), "hayir");
        assert_eq!(strings.clone().t("tr", "hayir"), "hayir");
        let missing = strings.missing();
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert_eq!(missing[0].file, "site/i18n/tr.yaml");
        assert!(missing[0].message.contains("`hayir`"));
    }
}
