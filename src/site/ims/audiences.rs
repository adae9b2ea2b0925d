//! What each audience of the "what do I need?" pages is pointed to (`site/data/audiences.yaml`):
//! guidebook parts, surveys and the benchmark pages. Its programmes come from the catalogue.

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::config::Config;
use crate::content::Content;
use crate::data::registry::read;
use crate::diagnostics::Diagnostic;
use crate::text::did_you_mean;

pub const AUDIENCES_FILE: &str = "site/data/audiences.yaml";

/// The site's own pages an audience can be pointed to.
pub const PAGES: [&str; 5] = ["clusters", "benchmark", "needs", "actors", "programmes"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audiences {
    pub sme: Audience,
    pub cluster_organisation: Audience,
    pub support_institution: Audience,
}

impl Audiences {
    pub fn get(&self, code: &str) -> &Audience {
        match code {
            "sme" => &self.sme,
            "cluster_organisation" => &self.cluster_organisation,
            _ => &self.support_institution,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    /// Markdown sources under `site/content/` (the guidebook parts).
    #[serde(default)]
    pub guide: Vec<Spanned<String>>,
    /// Survey ids.
    #[serde(default)]
    pub surveys: Vec<Spanned<String>>,
    #[serde(default)]
    pub pages: Vec<Spanned<String>>,
}

pub fn load(
    config: &Config,
    content: &Content,
    survey_ids: &[&str],
    diags: &mut Vec<Diagnostic>,
) -> Option<Audiences> {
    let path = config.path(AUDIENCES_FILE);
    if !path.exists() {
        return None;
    }
    let file = AUDIENCES_FILE;
    let a: Audiences = read(config, &path, diags)?;
    let before = diags.len();
    let err = |v: &Spanned<String>, message: String, help: String| {
        Diagnostic::error(file, message)
            .at(v.referenced.line() as usize, v.referenced.column() as usize)
            .help(help)
    };
    for aud in [&a.sme, &a.cluster_organisation, &a.support_institution] {
        for g in aud
            .guide
            .iter()
            .filter(|g| !content.by_rel.contains_key(&g.value))
        {
            diags.push(err(
                g,
                format!("the file site/content/{} does not exist", g.value),
                "name a Markdown file under site/content/, e.g. `rehber/kume-analizi/_index.md`"
                    .into(),
            ));
        }
        for s in aud
            .surveys
            .iter()
            .filter(|s| !survey_ids.contains(&s.value.as_str()))
        {
            let help = did_you_mean(&s.value, survey_ids.iter().copied())
                .map_or("name the id of a survey in surveys/".into(), |h| {
                    format!("did you mean `{h}`?")
                });
            diags.push(err(s, format!("there is no survey `{}`", s.value), help));
        }
        for p in aud
            .pages
            .iter()
            .filter(|p| !PAGES.contains(&p.value.as_str()))
        {
            let help = did_you_mean(&p.value, PAGES).map_or_else(
                || format!("allowed: {}", PAGES.join(", ")),
                |h| format!("did you mean `{h}`? Allowed: {}", PAGES.join(", ")),
            );
            diags.push(err(
                p,
                format!("`{}` is not a page Kume knows", p.value),
                help,
            ));
        }
    }
    (diags.len() == before).then_some(a)
}
