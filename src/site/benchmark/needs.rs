//! The needs-assessment results: for the latest wave, each need's share among all
//! respondents and each group, with the guidebook page and the programmes that answer it.

use std::collections::HashMap;

use minijinja::context;
use serde::Serialize;

use super::frame::{Frame, Rendered, number, pick};
use super::urls::needs_url;
use crate::aggregate::{NeedShare, NeedsGroup};
use crate::diagnostics::Diagnostic;
use crate::render::views::to_value;
use crate::site::Site;
use crate::survey::model::{Question, Survey};

/// `/ihtiyaclar/`: the needs-assessment results.
pub(super) fn needs_page(f: &Frame<'_>) -> Result<Rendered, Diagnostic> {
    let (site, lang) = (f.site, f.lang);
    let (config, strings, bench) = (&site.config, &site.strings, &site.bench);
    let url = needs_url(config, strings, lang).ok_or_else(|| f.missing())?;
    let view = f.view("needs", &site.strings.t(lang, "needs_title"), &url, &|l| {
        needs_url(config, strings, l)
    });
    let guides = guide_links(site, lang)?;
    let groups = needs_view(site, lang, &guides);
    let k = bench.snapshot.as_ref().map_or(5, |s| s.k);
    let with_programmes = bench
        .data
        .needs
        .as_ref()
        .is_some_and(|n| !n.programmes.is_empty());
    Ok((
        "benchmark/needs.html",
        url,
        context! { site => f.site_value.clone(), page => view, groups => to_value(&groups), k => k, with_programmes => with_programmes, data => f.data.clone(), data_sample => f.data_sample, lang => lang },
    ))
}

#[derive(Serialize)]
struct NeedRow {
    label: String,
    share: String,
    count: usize,
    guide: Option<GuideLink>,
    programmes: Vec<GuideLink>,
}

#[derive(Serialize, Clone)]
struct GuideLink {
    title: String,
    url: String,
}

/// The guidebook page answering each need (`answered_by` in `site/data/needs.yaml`), in
/// `lang`. A path that names no page is an error, so a moved chapter cannot leave dead links.
fn guide_links(
    site: &Site,
    lang: &str,
) -> Result<HashMap<(String, String), GuideLink>, Diagnostic> {
    let Some(spec) = &site.bench.data.needs else {
        return Ok(HashMap::new());
    };
    let content = &site.content;
    let mut links = HashMap::new();
    for (question, codes) in &spec.answered_by {
        for (code, path) in codes {
            let key = path.trim_start_matches('/');
            let id = content
                .translation(key, lang)
                .or_else(|| content.translation(key, site.config.default_language()))
                .ok_or_else(|| {
                    Diagnostic::error(
                        "site/data/needs.yaml",
                        format!(
                            "answered_by.{question}.{code}: the file site/content/{key} does not exist"
                        ),
                    )
                    .help("name a Markdown file under site/content/, e.g. `rehber/kume-analizi/_index.md`")
                })?;
            let doc = &content.docs[id];
            let link = GuideLink {
                title: doc.front.title.clone(),
                url: doc.url.clone(),
            };
            links.insert((question.clone(), code.clone()), link);
        }
    }
    Ok(links)
}

#[derive(Serialize)]
struct NeedQuestion {
    title: String,
    rows: Vec<NeedRow>,
}

#[derive(Serialize)]
struct NeedsGroupView {
    title: String,
    n: usize,
    withheld: bool,
    questions: Vec<NeedQuestion>,
}

/// The latest wave's needs-assessment results: all respondents first, then each group.
fn needs_view(
    site: &Site,
    lang: &str,
    guides: &HashMap<(String, String), GuideLink>,
) -> Vec<NeedsGroupView> {
    let bench = &site.bench;
    let (Some(spec), Some(snapshot)) = (&bench.data.needs, &bench.snapshot) else {
        return Vec::new();
    };
    let Some(survey) = site
        .surveys
        .iter()
        .find(|s| s.survey.id == spec.survey)
        .map(|c| &c.survey)
    else {
        return Vec::new();
    };
    let Some(wave) = snapshot.needs.iter().map(|g| g.wave).max() else {
        return Vec::new();
    };
    let words = NeedsWords {
        site,
        lang,
        survey,
        questions: survey.questions(),
        guides,
    };
    snapshot
        .needs
        .iter()
        .filter(|g| g.wave == wave)
        .map(|g| NeedsGroupView {
            title: words.group_title(&g.group),
            n: g.n,
            withheld: g.shares.is_empty() && g.n < snapshot.k,
            questions: spec
                .questions
                .iter()
                .map(|qid| words.need_question(g, qid))
                .filter(|q| !q.rows.is_empty())
                .collect(),
        })
        .collect()
}

/// The needs survey's questions and options in one language, with the guidebook and programme
/// links that answer each need.
struct NeedsWords<'a> {
    site: &'a Site,
    lang: &'a str,
    survey: &'a Survey,
    questions: Vec<&'a Question>,
    guides: &'a HashMap<(String, String), GuideLink>,
}

impl NeedsWords<'_> {
    fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id).copied()
    }

    fn question_label(&self, id: &str) -> String {
        self.question(id)
            .map(|q| pick(&q.label, self.lang))
            .unwrap_or_default()
    }

    /// An option's label (its code when the list has no such option).
    fn option(&self, qid: &str, code: &str) -> String {
        self.question(qid)
            .and_then(|q| self.survey.lists.get(q.list.as_ref()?))
            .and_then(|l| l.iter().find(|c| c.code == code))
            .map_or_else(|| code.to_string(), |c| pick(&c.label, self.lang))
    }

    /// `question:code` names a group of respondents; no colon means all of them.
    fn group_title(&self, group: &str) -> String {
        match group.split_once(':') {
            Some((qid, code)) => {
                format!("{}: {}", self.question_label(qid), self.option(qid, code))
            }
            None => self.site.strings.t(self.lang, "needs_all"),
        }
    }

    /// One question's needs in one group, the most named first.
    fn need_question(&self, g: &NeedsGroup, qid: &str) -> NeedQuestion {
        let mut rows: Vec<(f64, NeedRow)> = g
            .shares
            .iter()
            .filter(|s| s.question == qid)
            .map(|s| (s.share, self.need_row(qid, s)))
            .collect();
        rows.sort_by(|a, b| b.0.total_cmp(&a.0));
        NeedQuestion {
            title: self.question_label(qid),
            rows: rows.into_iter().map(|(_, r)| r).collect(),
        }
    }

    fn need_row(&self, qid: &str, s: &NeedShare) -> NeedRow {
        let lang = self.lang;
        // Turkish writes the percent sign first: %12,5.
        let share = if lang == "tr" {
            format!("%{}", number(s.share, 1, lang))
        } else {
            format!("{}%", number(s.share, 1, lang))
        };
        NeedRow {
            label: self.option(qid, &s.code),
            share,
            count: s.count,
            guide: self.guides.get(&(qid.to_string(), s.code.clone())).cloned(),
            programmes: crate::site::ims::render::programme_links(self.site, qid, &s.code, lang)
                .into_iter()
                .map(|(title, url)| GuideLink { title, url })
                .collect(),
        }
    }
}
