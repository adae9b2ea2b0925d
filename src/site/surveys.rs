//! Survey pages in the site: the index of surveys, each survey's form, thank-you page and
//! printable questionnaire per language, and its `schema.json`.

use std::collections::BTreeMap;

use minijinja::{Value, context};
use serde::Serialize;

use super::Site;
use crate::config::{Config, Strings};
use crate::diagnostics::Diagnostic;
use crate::render::views::to_value;
use crate::survey::compile::Compiled;
use crate::survey::evaluate::Outcome;
use crate::survey::form::{FormContext, form_view};
use crate::survey::model::Access;

/// Which survey page.
#[derive(Debug, Clone, Copy)]
pub enum SurveyPage {
    Index,
    Form(usize),
    Thanks(usize),
    Print(usize),
}

/// `/anket/` or `/en/survey/`.
pub fn base_url(config: &Config, strings: &Strings, lang: &str) -> Option<String> {
    let slug = strings.get(lang, "survey_slug")?;
    Some(format!("{}{slug}/", config.language_prefix(lang)))
}

pub fn form_url(config: &Config, strings: &Strings, lang: &str, id: &str) -> Option<String> {
    Some(format!("{}{id}/", base_url(config, strings, lang)?))
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

#[derive(Serialize)]
struct IndexItem {
    title: String,
    summary: String,
    url: String,
    opens: String,
    closes: String,
    access: Access,
}

/// A form shown by the collector: the answers to fill in, what was wrong with them, and the
/// invitation token that the form must post back.
pub struct Submitted<'a> {
    pub values: &'a BTreeMap<String, Vec<String>>,
    pub outcome: Option<&'a Outcome>,
    pub token: Option<&'a str>,
    /// A message above the form, e.g. "your draft was saved".
    pub notice: Option<String>,
    /// A final answer is stored: the form edits it, and offers no "save as draft".
    pub final_saved: bool,
}

/// Renders one survey page; returns its URL path and HTML. With `submitted`, the form shows
/// the posted answers and their errors (the collector's answer to a failed submission).
pub fn render(
    site: &Site,
    page: SurveyPage,
    lang: &str,
    submitted: Option<&Submitted<'_>>,
) -> Result<(String, String), Diagnostic> {
    let config = &site.config;
    let strings = &site.strings;
    let missing = || {
        Diagnostic::error(
            "site/i18n",
            format!("UI strings for survey URLs are missing in `{lang}`"),
        )
        .help("add `survey_slug`, `thanks_slug` and `book_print_slug`")
    };
    let site_value = site.site_values.get(lang).cloned().unwrap_or_default();
    let no_values = BTreeMap::new();
    let form_ctx = |id: &str| FormContext {
        lang,
        strings,
        action: action(config, id),
        values: submitted.map_or(&no_values, |s| s.values),
        outcome: submitted.and_then(|s| s.outcome),
        token: submitted.and_then(|s| s.token),
        notice: submitted.and_then(|s| s.notice.clone()),
        final_saved: submitted.is_some_and(|s| s.final_saved),
    };
    let alternates =
        |url_for: &dyn Fn(&str) -> Option<String>, langs: &[String]| -> Vec<(String, String)> {
            langs
                .iter()
                .filter(|l| site.content.homes.contains_key(*l))
                .filter_map(|l| Some((l.clone(), url_for(l)?)))
                .collect()
        };
    let (template, url, ctx, file) = match page {
        SurveyPage::Index => {
            let url = base_url(config, strings, lang).ok_or_else(missing)?;
            let langs: Vec<String> = site.content.homes.keys().cloned().collect();
            let alt = alternates(&|l| base_url(config, strings, l), &langs);
            let title = strings.get(lang, "surveys_title").unwrap_or("Surveys");
            let view = super::pages::special_view(site, "surveys", title, &url, lang, alt);
            let items: Vec<IndexItem> = site
                .surveys
                .iter()
                .filter(|s| s.survey.languages.iter().any(|l| l == lang))
                .filter_map(|s| {
                    Some(IndexItem {
                        title: s.survey.title.get(lang).cloned().unwrap_or_default(),
                        summary: s
                            .survey
                            .description
                            .as_ref()
                            .and_then(|d| d.get(lang))
                            .map(|d| first_sentence(d))
                            .unwrap_or_default(),
                        url: form_url(config, strings, lang, &s.survey.id)?,
                        opens: s.survey.opens.clone(),
                        closes: s.survey.closes.clone(),
                        access: s.survey.access,
                    })
                })
                .collect();
            (
                "survey/index.html",
                url,
                context! { site => site_value, page => to_value(&view), surveys => to_value(&items), lang => lang },
                None,
            )
        }
        SurveyPage::Form(i) | SurveyPage::Thanks(i) | SurveyPage::Print(i) => {
            let c = &site.surveys[i];
            let id = &c.survey.id;
            let url_for = |l: &str| match page {
                SurveyPage::Thanks(_) => thanks_url(config, strings, l, id),
                SurveyPage::Print(_) => print_url(config, strings, l, id),
                _ => form_url(config, strings, l, id),
            };
            let url = url_for(lang).ok_or_else(missing)?;
            let alt = alternates(&url_for, &c.survey.languages);
            let form = form_view(c, &form_ctx(id));
            let (template, title, kind) = match page {
                SurveyPage::Thanks(_) => (
                    "survey/thanks.html",
                    strings
                        .get(lang, "survey_thanks_title")
                        .unwrap_or("")
                        .to_string(),
                    "survey-thanks",
                ),
                SurveyPage::Print(_) => ("survey/print.html", form.title.clone(), "survey-print"),
                _ => ("survey/form.html", form.title.clone(), "survey"),
            };
            let view = super::pages::special_view(site, kind, &title, &url, lang, alt);
            let thanks = markdown(
                c.survey
                    .thanks
                    .get(lang)
                    .map(String::as_str)
                    .unwrap_or_default(),
            );
            let ctx = context! { site => site_value, page => to_value(&view), form => to_value(&form), thanks => Value::from_safe_string(thanks), lang => lang };
            (template, url, ctx, Some(c.file.as_str()))
        }
    };
    let html = site.templates.render(template, ctx, file)?;
    Ok((url, html))
}

fn markdown(text: &str) -> String {
    comrak::markdown_to_html(text, &comrak::Options::default())
}

fn first_sentence(text: &str) -> String {
    let plain = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim();
    match plain.find(". ") {
        Some(i) => plain[..=i].to_string(),
        None => plain.to_string(),
    }
}

/// A short page that tells a respondent why their answers were not taken (closed survey,
/// missing invitation, …) and what to do; rendered by the collector.
pub fn render_notice(
    site: &Site,
    lang: &str,
    title: &str,
    message: &str,
    next: Option<&str>,
) -> Result<String, Diagnostic> {
    let site_value = site.site_values.get(lang).cloned().unwrap_or_default();
    let url = base_url(&site.config, &site.strings, lang).unwrap_or_else(|| "/".into());
    let view = super::pages::special_view(site, "notice", title, &url, lang, Vec::new());
    let ctx = context! {
        site => site_value, page => to_value(&view), message => message, lang => lang, next => next
    };
    site.templates.render("survey/notice.html", ctx, None)
}
