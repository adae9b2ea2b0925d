//! Views of the IMS pages for `templates/ims/`: plain serialisable rows, no model types.

use minijinja::{Value, context};
use serde::Serialize;

use super::{FACETS, Facet, Page, facet_codes, facet_label, pick, url};
use crate::data::programmes::{AUDIENCES, Programme, Source};
use crate::diagnostics::Diagnostic;
use crate::render::views::{PageView, to_value};
use crate::site::Site;
use crate::site::facets::{self, Facet as _, FacetGroup, Naming, filter_words};
use crate::text::{Collation, Date};

#[derive(Serialize)]
struct Link {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct ProgrammeRow {
    /// For the instant filter: `audience:sme topic:cooperation provider:kosgeb status:unknown`.
    facets: String,
    url: String,
    name: String,
    provider: String,
    audience: Vec<String>,
    topics: Vec<String>,
    status: String,
}

fn programme_row(site: &Site, p: &Programme, i: usize, lang: &str) -> ProgrammeRow {
    let (ims, strings) = (&site.ims, &site.strings);
    let default = site.config.default_language();
    ProgrammeRow {
        facets: filter_words(&FACETS, |f| facet_codes(p, f, default)),
        url: url(ims, &site.config, strings, &Page::Programme(i), lang).unwrap_or_default(),
        name: pick(&p.name, lang),
        provider: pick(&p.provider, lang),
        audience: p
            .audience
            .iter()
            .map(|a| strings.t(lang, &format!("audience_{a}")))
            .collect(),
        topics: p
            .topics
            .iter()
            .map(|x| strings.t(lang, &format!("topic_{x}")))
            .collect(),
        status: strings.t(lang, &format!("status_{}", p.status)),
    }
}

/// The programmes for which `keep` holds, in the language's alphabetical order.
fn programme_rows(site: &Site, lang: &str, keep: impl Fn(&Programme) -> bool) -> Vec<ProgrammeRow> {
    let collation = Collation::for_language(lang);
    let mut rows: Vec<ProgrammeRow> = site
        .ims
        .programmes
        .iter()
        .enumerate()
        .filter(|(_, p)| keep(p))
        .map(|(i, p)| programme_row(site, p, i, lang))
        .collect();
    rows.sort_by(|a, b| collation.compare(&a.name, &b.name));
    rows
}

fn facet_groups(site: &Site, lang: &str) -> Vec<FacetGroup> {
    let (ims, config, strings) = (&site.ims, &site.config, &site.strings);
    let default = config.default_language();
    let naming = Naming {
        strings,
        lang,
        title: &|f, code| facet_label(ims, strings, f, code, lang, config),
        url: &|f: Facet, code| {
            f.has_pages()
                .then(|| {
                    url(
                        ims,
                        config,
                        strings,
                        &Page::Facet(f, code.to_string()),
                        lang,
                    )
                })
                .flatten()
        },
    };
    facets::groups(
        &FACETS,
        &ims.programmes,
        |p, f| facet_codes(p, f, default),
        &naming,
    )
}

#[derive(Serialize)]
struct TermView {
    text: String,
    as_of: String,
    source: String,
}

#[derive(Serialize)]
struct ProgrammeView {
    name: String,
    provider: String,
    provider_url: Option<String>,
    summary: String,
    audience: Vec<Link>,
    topics: Vec<Link>,
    funding_type: String,
    terms: Vec<TermView>,
    eligibility: Option<String>,
    duration: Option<String>,
    status: String,
    opens: Option<String>,
    closes: Option<String>,
    official: Option<String>,
    sources: Vec<Source>,
    /// Empty when the entry has not been compared with its official page yet.
    last_checked: String,
    last_checked_iso: String,
}

fn facet_link(site: &Site, f: Facet, code: &str, lang: &str) -> Link {
    let (ims, config, strings) = (&site.ims, &site.config, &site.strings);
    Link {
        title: facet_label(ims, strings, f, code, lang, config),
        url: url(
            ims,
            config,
            strings,
            &Page::Facet(f, code.to_string()),
            lang,
        )
        .unwrap_or_default(),
    }
}

fn as_of_text(as_of: &str, lang: &str) -> String {
    Date::parse(as_of).map_or_else(|| as_of.to_string(), |d| d.long(lang))
}

fn programme_view(site: &Site, p: &Programme, lang: &str) -> ProgrammeView {
    let strings = &site.strings;
    let provider_code = &facet_codes(p, Facet::Provider, site.config.default_language())[0];
    ProgrammeView {
        name: pick(&p.name, lang),
        provider: pick(&p.provider, lang),
        provider_url: url(
            &site.ims,
            &site.config,
            strings,
            &Page::Facet(Facet::Provider, provider_code.clone()),
            lang,
        ),
        summary: pick(&p.summary, lang),
        audience: p
            .audience
            .iter()
            .map(|a| facet_link(site, Facet::Audience, a, lang))
            .collect(),
        topics: p
            .topics
            .iter()
            .map(|x| facet_link(site, Facet::Topic, x, lang))
            .collect(),
        funding_type: strings.t(lang, &format!("funding_{}", p.funding_type)),
        terms: p
            .terms
            .iter()
            .map(|x| TermView {
                text: pick(&x.text, lang),
                as_of: as_of_text(&x.as_of, lang),
                source: x.source.clone(),
            })
            .collect(),
        eligibility: p.eligibility.as_ref().map(|e| pick(e, lang)),
        duration: p.duration.as_ref().map(|e| pick(e, lang)),
        status: strings.t(lang, &format!("status_{}", p.status)),
        opens: p.opens.map(|d| d.long(lang)),
        closes: p.closes.map(|d| d.long(lang)),
        official: p.url.clone(),
        sources: p.sources.clone(),
        last_checked: p.last_checked.map(|d| d.long(lang)).unwrap_or_default(),
        last_checked_iso: p.last_checked.map(|d| d.iso()).unwrap_or_default(),
    }
}

#[derive(Serialize)]
struct ActorView {
    name: String,
    kind: String,
    role: String,
    url: Option<String>,
    sources: Vec<Source>,
}

#[derive(Serialize)]
struct ProvinceView {
    name: String,
    url: String,
    /// The province's page of the cluster directory, when it has clusters.
    clusters_url: Option<String>,
    clusters: usize,
    actors: Vec<ActorView>,
}

fn province_view(site: &Site, i: usize, lang: &str) -> ProvinceView {
    let (ims, strings) = (&site.ims, &site.strings);
    let pa = &ims.actors[i];
    let clusters = site
        .bench
        .data
        .clusters
        .iter()
        .filter(|c| c.province == pa.province)
        .count();
    ProvinceView {
        name: ims.province_label(&pa.province, lang),
        url: url(ims, &site.config, strings, &Page::Province(i), lang).unwrap_or_default(),
        clusters_url: (clusters > 0)
            .then(|| super::super::benchmark::urls::province_url(site, &pa.province, lang))
            .flatten(),
        clusters,
        actors: pa
            .actors
            .iter()
            .map(|a| ActorView {
                name: pick(&a.name, lang),
                kind: strings.t(lang, &format!("actor_type_{}", a.kind)),
                role: a.role.as_ref().map_or_else(
                    || strings.t(lang, &format!("actor_role_{}", a.kind)),
                    |r| pick(r, lang),
                ),
                url: a.url.clone(),
                sources: a.sources.clone(),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct EntryView {
    title: String,
    intro: String,
    programmes: Vec<ProgrammeRow>,
    /// The catalogue's page for this audience (all its programmes, with the filter).
    programmes_url: Option<String>,
    guide: Vec<Link>,
    surveys: Vec<Link>,
    pages: Vec<Link>,
}

fn entry_view(site: &Site, i: usize, lang: &str) -> Result<EntryView, Diagnostic> {
    let (ims, config, strings) = (&site.ims, &site.config, &site.strings);
    let code = AUDIENCES[i];
    let Some(audiences) = &ims.audiences else {
        return Err(Diagnostic::error(
            super::audiences::AUDIENCES_FILE,
            "missing",
        ));
    };
    let aud = audiences.get(code);
    let content = &site.content;
    let guide = aud
        .guide
        .iter()
        .filter_map(|g| {
            let id = content
                .translation(&g.value, lang)
                .or_else(|| content.translation(&g.value, config.default_language()))?;
            let d = &content.docs[id];
            Some(Link {
                title: d.front.title.clone(),
                url: d.url.clone(),
            })
        })
        .collect();
    let surveys = aud
        .surveys
        .iter()
        .filter_map(|s| {
            let c = site.surveys.iter().find(|c| c.survey.id == s.value)?;
            Some(Link {
                title: c.survey.title.get(lang).cloned().unwrap_or_default(),
                url: super::super::surveys::form_url(config, strings, lang, &s.value)?,
            })
        })
        .collect();
    let pages = aud
        .pages
        .iter()
        .filter_map(|p| site_page_link(site, &p.value, lang))
        .collect();
    Ok(EntryView {
        title: strings.t(lang, &format!("entry_{code}_title")),
        intro: strings.t(lang, &format!("entry_{code}_intro")),
        programmes: programme_rows(site, lang, |p| p.audience.iter().any(|a| a == code)),
        programmes_url: url(
            ims,
            config,
            strings,
            &Page::Facet(Facet::Audience, code.into()),
            lang,
        ),
        guide,
        surveys,
        pages,
    })
}

/// A link to one of the site's generated sections, when the site has it.
fn site_page_link(site: &Site, page: &str, lang: &str) -> Option<Link> {
    use super::super::benchmark::urls as b;
    let (config, strings) = (&site.config, &site.strings);
    let bench = &site.bench.data;
    let (key, url) = match page {
        "clusters" if !bench.clusters.is_empty() => {
            ("clusters_title", b::directory_url(config, strings, lang))
        }
        "benchmark" if !bench.indicators.is_empty() => {
            ("benchmark_title", b::overview_url(config, strings, lang))
        }
        "needs" if bench.needs.is_some() => ("needs_title", b::needs_url(config, strings, lang)),
        "actors" if !site.ims.actors.is_empty() => (
            "actors_title",
            url(&site.ims, config, strings, &Page::Actors, lang),
        ),
        "programmes" if !site.ims.programmes.is_empty() => (
            "programmes_title",
            url(&site.ims, config, strings, &Page::Catalogue, lang),
        ),
        _ => return None,
    };
    Some(Link {
        title: strings.t(lang, key),
        url: url?,
    })
}

/// The programmes a need points to (`programmes:` in `site/data/needs.yaml`), as links.
pub fn programme_links(
    site: &Site,
    question: &str,
    code: &str,
    lang: &str,
) -> Vec<(String, String)> {
    let Some(spec) = &site.bench.data.needs else {
        return Vec::new();
    };
    let ims = &site.ims;
    spec.programmes
        .get(question)
        .and_then(|m| m.get(code))
        .into_iter()
        .flatten()
        .filter_map(|id| {
            let i = ims.programmes.iter().position(|p| p.id == id.value)?;
            Some((
                pick(&ims.programmes[i].name, lang),
                url(ims, &site.config, &site.strings, &Page::Programme(i), lang)?,
            ))
        })
        .collect()
}

/// Renders one IMS page: (URL path, HTML).
pub fn render(site: &Site, page: &Page, lang: &str) -> Result<(String, String), Diagnostic> {
    let (ims, config, strings) = (&site.ims, &site.config, &site.strings);
    let page_url = |p: &Page, l: &str| url(ims, config, strings, p, l);
    let this = page_url(page, lang).ok_or_else(|| {
        Diagnostic::error(
            "site/i18n",
            format!("a slug of the information pages (`programmes_slug`, `actors_slug`, `entry_slug`, `facet_…_slug`, `entry_…_slug`) is missing in `{lang}`"),
        )
    })?;
    let alternates: Vec<(String, String)> = site
        .content
        .homes
        .keys()
        .filter_map(|l| Some((l.clone(), page_url(page, l)?)))
        .collect();
    let site_value = site.site_values.get(lang).cloned().unwrap_or_default();
    let catalogue = page_url(&Page::Catalogue, lang);
    let view = |kind: &'static str, title: &str| {
        to_value(&PageView::special(
            &site.config,
            kind,
            title,
            &this,
            lang,
            alternates.clone(),
        ))
    };
    let (template, ctx): (&str, Value) = match page {
        Page::Catalogue => (
            "ims/catalogue.html",
            context! { site => site_value, page => view("programmes", &strings.t(lang, "programmes_title")),
            programmes => to_value(&programme_rows(site, lang, |_| true)),
            facets => to_value(&facet_groups(site, lang)), lang => lang },
        ),
        Page::Programme(i) => {
            let p = &ims.programmes[*i];
            (
                "ims/programme.html",
                context! { site => site_value, page => view("programme", &pick(&p.name, lang)),
                programme => to_value(&programme_view(site, p, lang)), catalogue => catalogue, lang => lang },
            )
        }
        Page::Facet(f, code) => {
            let title = format!(
                "{}: {}",
                strings.t(lang, &format!("facet_{}", f.key())),
                facet_label(ims, strings, *f, code, lang, config)
            );
            let default = config.default_language();
            let rows = programme_rows(site, lang, |p| facet_codes(p, *f, default).contains(code));
            (
                "ims/facet.html",
                context! { site => site_value, page => view("programmes", &title),
                programmes => to_value(&rows), catalogue => catalogue, lang => lang },
            )
        }
        Page::Actors => {
            let collation = Collation::for_language(lang);
            let mut provinces: Vec<ProvinceView> = (0..ims.actors.len())
                .map(|i| province_view(site, i, lang))
                .collect();
            provinces.sort_by(|a, b| collation.compare(&a.name, &b.name));
            (
                "ims/actors.html",
                context! { site => site_value, page => view("actors", &strings.t(lang, "actors_title")),
                provinces => to_value(&provinces), lang => lang },
            )
        }
        Page::Province(i) => {
            let p = province_view(site, *i, lang);
            let title = format!("{}: {}", strings.t(lang, "actors_title"), p.name);
            (
                "ims/province.html",
                context! { site => site_value, page => view("actors", &title), province => to_value(&p),
                actors_url => page_url(&Page::Actors, lang), lang => lang },
            )
        }
        Page::EntryIndex => {
            let entries: Vec<Link> = (0..AUDIENCES.len())
                .filter_map(|i| {
                    Some(Link {
                        title: strings.t(lang, &format!("entry_{}_title", AUDIENCES[i])),
                        url: page_url(&Page::Entry(i), lang)?,
                    })
                })
                .collect();
            (
                "ims/entry_index.html",
                context! { site => site_value, page => view("entry", &strings.t(lang, "entry_title")),
                entries => to_value(&entries), lang => lang },
            )
        }
        Page::Entry(i) => {
            let e = entry_view(site, *i, lang)?;
            (
                "ims/entry.html",
                context! { site => site_value, page => view("entry", &e.title), entry => to_value(&e),
                index_url => page_url(&Page::EntryIndex, lang), lang => lang },
            )
        }
    };
    let html = site.templates.render(template, ctx, None)?;
    Ok((this, html))
}
