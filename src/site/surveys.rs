//! Survey pages in the site: which pages the surveys get (rendered by
//! [`crate::survey::pages`]), their addresses for link checking, and each survey's
//! `schema.json`.

use super::Site;
use crate::config::{Config, Strings};
pub use crate::survey::catalogue::{base_url, form_url, print_url, thanks_url};
use crate::survey::compile::Compiled;
pub use crate::survey::pages::SurveyPage;

/// Every survey page as (page, language), for the render jobs.
pub fn pages(site: &Site) -> Vec<(SurveyPage, String)> {
    let mut out = Vec::new();
    if site.surveys.is_empty() {
        return out;
    }
    for lang in site.content.homes.keys() {
        out.push((SurveyPage::Index, lang.clone()));
        for (i, s) in site.surveys.iter().enumerate() {
            if s.survey.languages.contains(lang) {
                out.extend(
                    [
                        SurveyPage::Form(i),
                        SurveyPage::Thanks(i),
                        SurveyPage::Print(i),
                    ]
                    .map(|p| (p, lang.clone())),
                );
            }
        }
    }
    out
}

/// URL paths of every survey page and schema, for link checking.
pub fn urls(config: &Config, strings: &Strings, surveys: &[Compiled]) -> Vec<String> {
    let mut out = Vec::new();
    for l in &config.languages {
        if let Some(base) = base_url(config, strings, &l.code) {
            out.push(format!("{base}index.html"));
        }
        for s in surveys
            .iter()
            .filter(|s| s.survey.languages.contains(&l.code))
        {
            let id = &s.survey.id;
            for url in [
                form_url(config, strings, &l.code, id),
                thanks_url(config, strings, &l.code, id),
                print_url(config, strings, &l.code, id),
            ]
            .into_iter()
            .flatten()
            {
                out.push(format!("{url}index.html"));
            }
            if let Some(u) = form_url(config, strings, &l.code, id) {
                out.push(format!("{u}schema.json"));
            }
        }
    }
    out
}

/// `schema.json` of every survey in every language folder, as (URL path, body).
pub fn schemas(site: &Site) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in &site.surveys {
        let body =
            serde_json::to_string_pretty(&serde_json::json!({"hash": s.hash, "survey": s.survey}))
                .unwrap_or_default();
        for lang in &s.survey.languages {
            if let Some(u) = form_url(&site.config, &site.strings, lang, &s.survey.id) {
                out.push((format!("{u}schema.json"), body.clone()));
            }
        }
    }
    out
}
