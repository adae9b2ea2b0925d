//! The Information Management System (Bilgi Yönetim Sistemi): the support-programme
//! catalogue, the actors directory and the "what do I need?" entry pages.
//!
//! Load: programmes (`site/data/programmes/`) → stale-content warnings → actors
//! (`site/data/actors/`) → audiences (`site/data/audiences.yaml`) → the needs' programme links
//! (`programmes:` in `site/data/needs.yaml`). Render: the pages of [`Page`], in every language,
//! through `templates/ims/` (see `render.rs`).

mod audiences;
pub mod render;

use super::facets::{self, Facet as _};
use super::routes::{Route, RouteContext, pages_in};
use crate::config::{Config, Strings};
use crate::content::Content;
use crate::data::ProjectData;
use crate::data::actors::ProvinceActors;
use crate::data::programmes;
use crate::data::programmes::Programme;
use crate::data::registry::NeedsSpec;
use crate::diagnostics::Diagnostic;
use crate::survey::model::Choice;
use crate::text::{Date, did_you_mean, slugify};
use audiences::Audiences;

/// Everything the IMS pages show.
#[derive(Debug, Default)]
pub struct Ims {
    pub programmes: Vec<Programme>,
    pub actors: Vec<ProvinceActors>,
    audiences: Option<Audiences>,
    /// The built-in province list, for names and slugs.
    provinces: Vec<Choice>,
}

impl Ims {
    pub fn load(
        config: &Config,
        data: &ProjectData,
        content: &Content,
        survey_ids: &[&str],
    ) -> (Ims, Vec<Diagnostic>) {
        let mut diags = programmes::stale_warnings(
            &data.programmes,
            Date::today(),
            config.programmes_stale_after_days,
        );
        let audiences = audiences::load(config, content, survey_ids, &mut diags);
        if let Some(spec) = &data.registry.needs {
            diags.extend(check_need_programmes(spec, &data.programmes));
        }
        let ims = Ims {
            programmes: data.programmes.clone(),
            actors: data.actors.clone(),
            audiences,
            provinces: data.lists.get("iller").cloned().unwrap_or_default(),
        };
        (ims, diags)
    }

    fn province_label(&self, code: &str, lang: &str) -> String {
        self.provinces
            .iter()
            .find(|p| p.code == code)
            .and_then(|p| p.label.get(lang).cloned())
            .unwrap_or_else(|| code.to_string())
    }
}

/// Every programme id named under `programmes:` in `site/data/needs.yaml` exists.
fn check_need_programmes(spec: &NeedsSpec, programmes: &[Programme]) -> Vec<Diagnostic> {
    let ids: Vec<&str> = programmes.iter().map(|p| p.id.as_str()).collect();
    let mut diags = Vec::new();
    for (question, codes) in &spec.programmes {
        for (code, list) in codes {
            for id in list.iter().filter(|id| !ids.contains(&id.value.as_str())) {
                let help = match did_you_mean(&id.value, ids.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "name a file of site/data/programmes/ without `.yaml`".into(),
                };
                diags.push(
                    Diagnostic::error(
                        crate::data::registry::NEEDS_FILE,
                        format!(
                            "programmes.{question}.{code}: there is no programme `{}`",
                            id.value
                        ),
                    )
                    .at(
                        id.referenced.line() as usize,
                        id.referenced.column() as usize,
                    )
                    .help(help),
                );
            }
        }
    }
    diags
}

/// The ways the catalogue narrows down. Audience, topic and provider also have pages of
/// their own that work without JavaScript; status is only in the instant filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Audience,
    Topic,
    Provider,
    Status,
}

const FACETS: [Facet; 4] = [
    Facet::Audience,
    Facet::Topic,
    Facet::Provider,
    Facet::Status,
];

impl facets::Facet for Facet {
    fn key(self) -> &'static str {
        match self {
            Facet::Audience => "audience",
            Facet::Topic => "topic",
            Facet::Provider => "provider",
            Facet::Status => "status",
        }
    }
}

impl Facet {
    fn has_pages(self) -> bool {
        self != Facet::Status
    }
}

/// The codes of `facet` a programme has. A provider's code is the slug of its name in the
/// default language, the same in every language.
fn facet_codes(p: &Programme, facet: Facet, default_lang: &str) -> Vec<String> {
    match facet {
        Facet::Audience => p.audience.clone(),
        Facet::Topic => p.topics.clone(),
        Facet::Provider => vec![slugify(
            p.provider.get(default_lang).map_or("", String::as_str),
        )],
        Facet::Status => vec![p.status.clone()],
    }
}

/// Every (facet, code) with at least one programme, for the facet pages.
fn facet_values(ims: &Ims, default_lang: &str) -> Vec<(Facet, String)> {
    let with_pages: Vec<Facet> = FACETS.into_iter().filter(|f| f.has_pages()).collect();
    facets::values(&with_pages, &ims.programmes, |p, f| {
        facet_codes(p, f, default_lang)
    })
}

pub(super) fn pick(map: &crate::config::Localized, lang: &str) -> String {
    map.get(lang).cloned().unwrap_or_default()
}

/// The name of a facet value in `lang`.
pub(super) fn facet_label(
    ims: &Ims,
    strings: &Strings,
    facet: Facet,
    code: &str,
    lang: &str,
    config: &Config,
) -> String {
    match facet {
        Facet::Provider => ims
            .programmes
            .iter()
            .find(|p| facet_codes(p, Facet::Provider, config.default_language())[0] == code)
            .map(|p| pick(&p.provider, lang))
            .unwrap_or_else(|| code.to_string()),
        f => strings.t(lang, &format!("{}_{code}", f.key())),
    }
}

/// One IMS page.
#[derive(Debug, Clone)]
pub enum Page {
    Catalogue,
    Programme(usize),
    Facet(Facet, String),
    Actors,
    Province(usize),
    /// The "what do I need?" index and one page per audience (an index into `AUDIENCES`).
    EntryIndex,
    Entry(usize),
}

/// Every IMS page in every language.
pub fn routes(ctx: &RouteContext<'_>, ims: &Ims) -> Vec<Route<Page>> {
    let mut pages = Vec::new();
    if !ims.programmes.is_empty() {
        pages.push(Page::Catalogue);
        pages.extend((0..ims.programmes.len()).map(Page::Programme));
        pages.extend(
            facet_values(ims, ctx.config.default_language())
                .into_iter()
                .map(|(f, c)| Page::Facet(f, c)),
        );
    }
    if !ims.actors.is_empty() {
        pages.push(Page::Actors);
        pages.extend((0..ims.actors.len()).map(Page::Province));
    }
    if ims.audiences.is_some() {
        pages.push(Page::EntryIndex);
        pages.extend((0..programmes::AUDIENCES.len()).map(Page::Entry));
    }
    pages_in(ctx, &pages, |p, lang| {
        url(ims, ctx.config, ctx.strings, p, lang)
    })
}

/// The URL of an IMS page in `lang`; None when a slug is missing from the UI strings.
pub fn url(
    ims: &Ims,
    config: &Config,
    strings: &Strings,
    page: &Page,
    lang: &str,
) -> Option<String> {
    let slug = |key: &str| strings.get(lang, key);
    let prefix = config.language_prefix(lang);
    let catalogue = || Some(format!("{prefix}{}/", slug("programmes_slug")?));
    let actors = || Some(format!("{prefix}{}/", slug("actors_slug")?));
    let entry = || Some(format!("{prefix}{}/", slug("entry_slug")?));
    match page {
        Page::Catalogue => catalogue(),
        Page::Programme(i) => Some(format!("{}{}/", catalogue()?, ims.programmes[*i].id)),
        Page::Facet(f, code) => Some(format!(
            "{}{}/{}/",
            catalogue()?,
            slug(&format!("facet_{}_slug", f.key()))?,
            slugify(&facet_label(ims, strings, *f, code, lang, config))
        )),
        Page::Actors => actors(),
        Page::Province(i) => Some(format!(
            "{}{}/",
            actors()?,
            slugify(&ims.province_label(&ims.actors[*i].province, lang))
        )),
        Page::EntryIndex => entry(),
        Page::Entry(i) => Some(format!(
            "{}{}/",
            entry()?,
            slug(&format!("entry_{}_slug", programmes::AUDIENCES[*i]))?
        )),
    }
}

/// The IMS pages of the main navigation that the site has, in `lang`.
pub fn menu(
    ims: &Ims,
    config: &Config,
    strings: &Strings,
    lang: &str,
) -> Vec<crate::render::views::Link> {
    let entries = [
        (ims.audiences.is_some(), Page::EntryIndex, "entry_title"),
        (
            !ims.programmes.is_empty(),
            Page::Catalogue,
            "programmes_title",
        ),
        (!ims.actors.is_empty(), Page::Actors, "actors_title"),
    ];
    entries
        .into_iter()
        .filter(|(has, ..)| *has)
        .filter_map(|(_, page, key)| {
            Some(crate::render::views::Link {
                title: strings.get(lang, key)?.to_string(),
                url: url(ims, config, strings, &page, lang)?,
            })
        })
        .collect()
}
