//! Survey pages in the site: which pages the surveys get (rendered by
//! [`crate::survey::pages`]), their addresses for link checking, and each survey's
//! `schema.json` and `logic.json`.

use super::Site;
use super::routes::{Route, RouteContext, pages_in};
pub use crate::survey::catalogue::{
    base_url, form_url, logic_url, print_url, schema_url, thanks_url,
};
use crate::survey::compile::Compiled;
pub use crate::survey::pages::SurveyPage;

/// Every survey page, `schema.json` and `logic.json`: the index, and per survey its form, thank-you page
/// and printable questionnaire in each of its languages.
pub fn routes(ctx: &RouteContext<'_>, surveys: &[Compiled]) -> Vec<Route<SurveyPage>> {
    let (config, strings) = (ctx.config, ctx.strings);
    let mut out = Vec::new();
    if surveys.is_empty() {
        return out;
    }
    out.extend(pages_in(ctx, &[SurveyPage::Index], |_, l| {
        base_url(config, strings, l)
    }));
    for (i, s) in surveys.iter().enumerate() {
        let id = &s.survey.id;
        let in_survey: Vec<String> = ctx
            .langs
            .iter()
            .filter(|l| s.survey.languages.contains(l))
            .cloned()
            .collect();
        let ctx = RouteContext {
            langs: &in_survey,
            ..*ctx
        };
        out.extend(pages_in(&ctx, &[SurveyPage::Form(i)], |_, l| {
            form_url(config, strings, l, id)
        }));
        let unlisted = [
            (SurveyPage::Thanks(i), thanks_url as fn(&_, &_, &_, &_) -> _),
            (SurveyPage::Print(i), print_url),
        ];
        for (page, url_of) in unlisted {
            out.extend(
                pages_in(&ctx, &[page], |_, l| url_of(config, strings, l, id))
                    .into_iter()
                    .map(Route::unlisted),
            );
        }
        for l in &in_survey {
            for url_of in [schema_url, logic_url] {
                if let Some(u) = url_of(config, strings, l, id) {
                    out.push(Route::file(u, l));
                }
            }
        }
    }
    out
}

/// The published definition files of every survey, `schema.json` (all of it) and `logic.json`
/// (what the form's script needs), in every language folder (in that language),
/// as (URL path, body).
pub fn definition_files(site: &Site) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in &site.surveys {
        for lang in &s.survey.languages {
            let (config, strings, id) = (&site.config, &site.strings, &s.survey.id);
            if let Some(u) = schema_url(config, strings, lang, id) {
                out.push((u, s.schema_json(lang)));
            }
            if let Some(u) = logic_url(config, strings, lang, id) {
                out.push((u, s.logic_json(lang)));
            }
        }
    }
    out
}
