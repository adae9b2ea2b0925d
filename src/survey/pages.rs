//! Survey pages: the index of surveys, each survey's form, thank-you page and printable
//! questionnaire, and the notice a respondent gets when answers are not taken. Rendered by
//! the site generator and by the collector (a form shown again with its errors) from the same
//! [`Catalogue`].

use std::collections::BTreeMap;

use minijinja::{Value, context};
use serde::Serialize;

use super::catalogue::{Catalogue, action, base_url, form_url, logic_url, print_url, thanks_url};
use super::evaluate::Outcome;
use super::form::{FormContext, form_view};
use super::model::Access;
use crate::diagnostics::Diagnostic;
use crate::render::views::{PageView, to_value};

/// Which survey page.
#[derive(Debug, Clone, Copy)]
pub enum SurveyPage {
    Index,
    Form(usize),
    Thanks(usize),
    Print(usize),
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
    cat: &Catalogue,
    page: SurveyPage,
    lang: &str,
    submitted: Option<&Submitted<'_>>,
) -> Result<(String, String), Diagnostic> {
    let config = &cat.config;
    let strings = &cat.strings;
    let missing = || {
        Diagnostic::error(
            "site/i18n",
            format!("UI strings for survey URLs are missing in `{lang}`"),
        )
        .help("add `survey_slug`, `thanks_slug` and `book_print_slug`")
    };
    let site_value = cat.frame(lang);
    let no_values = BTreeMap::new();
    let form_ctx = |id: &str| FormContext {
        lang,
        strings,
        action: action(config, id),
        logic_url: logic_url(config, strings, lang, id).unwrap_or_default(),
        values: submitted.map_or(&no_values, |s| s.values),
        outcome: submitted.and_then(|s| s.outcome),
        token: submitted.and_then(|s| s.token),
        notice: submitted.and_then(|s| s.notice.clone()),
        final_saved: submitted.is_some_and(|s| s.final_saved),
        paper: matches!(page, SurveyPage::Print(_)),
    };
    let alternates =
        |url_for: &dyn Fn(&str) -> Option<String>, langs: &[String]| -> Vec<(String, String)> {
            langs
                .iter()
                .filter(|l| cat.languages.contains(*l))
                .filter_map(|l| Some((l.clone(), url_for(l)?)))
                .collect()
        };
    let (template, url, ctx, file) = match page {
        SurveyPage::Index => {
            let url = base_url(config, strings, lang).ok_or_else(missing)?;
            let alt = alternates(&|l| base_url(config, strings, l), &cat.languages);
            let title = strings.get(lang, "surveys_title").unwrap_or("Surveys");
            let view = PageView::special(config, "surveys", title, &url, lang, alt);
            let items: Vec<IndexItem> = cat
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
                        opens: s.survey.opens.iso(),
                        closes: s.survey.closes.iso(),
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
            let c = &cat.surveys[i];
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
            let view = PageView::special(config, kind, &title, &url, lang, alt);
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
    let html = cat.templates.render(template, ctx, file)?;
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
    cat: &Catalogue,
    lang: &str,
    title: &str,
    message: &str,
    next: Option<&str>,
) -> Result<String, Diagnostic> {
    let site_value = cat.frame(lang);
    let url = base_url(&cat.config, &cat.strings, lang).unwrap_or_else(|| "/".into());
    let view = PageView::special(&cat.config, "notice", title, &url, lang, Vec::new());
    let ctx = context! {
        site => site_value, page => to_value(&view), message => message, lang => lang, next => next
    };
    cat.templates.render("survey/notice.html", ctx, None)
}
