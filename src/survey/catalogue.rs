//! The survey catalogue: everything needed to show a survey's pages and take its answers —
//! the compiled surveys, the templates, the UI strings and the site's frame (title, menus,
//! language switch) per language.
//!
//! The site generator builds one from the site it loaded (full menus); the collector alone
//! (`kume serve --api-only`) loads one without building any site: its pages then carry the
//! site's title, the survey list and the language switch, but not the content's menus.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use minijinja::Value;

use super::compile::{self, Compiled};
use crate::config::{Config, Strings};
use crate::data::ProjectData;
use crate::diagnostics::Diagnostic;
use crate::render::views::{Link, SiteView, to_value};
use crate::render::{Templates, assets};

#[derive(Clone)]
pub struct Catalogue {
    pub config: Config,
    pub strings: Strings,
    pub templates: Arc<Templates>,
    /// Compiled surveys, in file order.
    pub surveys: Vec<Compiled>,
    /// The languages the site publishes (those with a home page), in the configured order.
    pub languages: Vec<String>,
    /// Per language: the site-wide template values every page gets as `site`.
    pub frames: HashMap<String, Value>,
    /// The project's data: what the collector aggregates answers with.
    pub data: Arc<ProjectData>,
}

/// The result of loading: a catalogue when pages can be rendered, and every problem found.
pub struct Loaded {
    pub catalogue: Option<Catalogue>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Catalogue {
    /// Loads the catalogue of the project at `root` without the site's content.
    pub fn load(root: &Path) -> Loaded {
        let fail = |diagnostics| Loaded {
            catalogue: None,
            diagnostics,
        };
        let config = match Config::load(root) {
            Ok(c) => c,
            Err(ds) => return fail(ds),
        };
        let mut diags = Vec::new();
        let strings = match Strings::load(&config) {
            Ok(s) => s,
            Err(ds) => return fail(ds),
        };
        let (statics, ds) = assets::list_static(&config);
        diags.extend(ds);
        let templates =
            match Templates::load(&config, &strings, assets::AssetUrls::new(&config, &statics)) {
                Ok(t) => t,
                Err(ds) => {
                    diags.extend(ds);
                    return fail(diags);
                }
            };
        let (data, surveys, ds) = compile::load_project(&config);
        diags.extend(ds);
        let languages = crate::content::home_languages(&config);
        let frames = languages
            .iter()
            .map(|l| {
                (
                    l.clone(),
                    to_value(&frame(&config, &strings, &surveys, &languages, l)),
                )
            })
            .collect();
        Loaded {
            catalogue: Some(Catalogue {
                config,
                strings,
                templates: Arc::new(templates),
                surveys,
                languages,
                frames,
                data: Arc::new(data),
            }),
            diagnostics: diags,
        }
    }

    /// The survey with this id, by its index in file order.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.surveys.iter().position(|c| c.survey.id == id)
    }

    pub fn frame(&self, lang: &str) -> Value {
        self.frames.get(lang).cloned().unwrap_or_default()
    }
}

/// The site's frame without its content: title, languages, the survey list and search.
fn frame(
    config: &Config,
    strings: &Strings,
    surveys: &[Compiled],
    languages: &[String],
    lang: &str,
) -> SiteView {
    SiteView {
        title: config.title.get(lang).cloned().unwrap_or_default(),
        description: config.description.get(lang).cloned().unwrap_or_default(),
        base_url: config.base_url.clone(),
        lang: lang.to_string(),
        locale: config
            .language(lang)
            .map(|l| l.locale.clone())
            .unwrap_or_default(),
        home_url: config.language_prefix(lang),
        default_lang: config.default_language().to_string(),
        languages: config
            .languages
            .iter()
            .filter(|l| languages.contains(&l.code))
            .map(|l| Link {
                title: l.name.clone(),
                url: config.language_prefix(&l.code),
            })
            .collect(),
        menu: Vec::new(),
        taxonomies: Vec::new(),
        dev: false,
        surveys_url: (!surveys.is_empty())
            .then(|| base_url(config, strings, lang))
            .flatten(),
        search_url: search_url(config, strings, lang),
        ims_menu: Vec::new(),
        data_menu: Vec::new(),
        collector_url: config.collector_url.clone(),
        generator: format!("Kume {}", env!("CARGO_PKG_VERSION")),
    }
}

/// `/ara/` or `/en/search/`: the site's search page, when the UI strings name one.
pub fn search_url(config: &Config, strings: &Strings, lang: &str) -> Option<String> {
    Some(format!(
        "{}{}/",
        config.language_prefix(lang),
        strings.get(lang, "search_slug")?
    ))
}

/// `/anket/` or `/en/survey/`.
pub fn base_url(config: &Config, strings: &Strings, lang: &str) -> Option<String> {
    let slug = strings.get(lang, "survey_slug")?;
    Some(format!("{}{slug}/", config.language_prefix(lang)))
}

pub fn form_url(config: &Config, strings: &Strings, lang: &str, id: &str) -> Option<String> {
    Some(format!("{}{id}/", base_url(config, strings, lang)?))
}

/// The compiled survey, published beside the form.
pub fn schema_url(config: &Config, strings: &Strings, lang: &str, id: &str) -> Option<String> {
    Some(format!(
        "{}schema.json",
        form_url(config, strings, lang, id)?
    ))
}

/// What the form's script reads of the compiled survey, beside the form (cacheable, not inline).
pub fn logic_url(config: &Config, strings: &Strings, lang: &str, id: &str) -> Option<String> {
    Some(format!(
        "{}logic.json",
        form_url(config, strings, lang, id)?
    ))
}

pub fn thanks_url(config: &Config, strings: &Strings, lang: &str, id: &str) -> Option<String> {
    Some(format!(
        "{}{}/",
        form_url(config, strings, lang, id)?,
        strings.get(lang, "thanks_slug")?
    ))
}

pub fn print_url(config: &Config, strings: &Strings, lang: &str, id: &str) -> Option<String> {
    Some(format!(
        "{}{}/",
        form_url(config, strings, lang, id)?,
        strings.get(lang, "book_print_slug")?
    ))
}

/// Where forms post: the configured collector, or the same origin.
pub fn action(config: &Config, id: &str) -> String {
    let base = config
        .collector_url
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/');
    format!("{base}/api/v1/surveys/{id}/responses")
}
