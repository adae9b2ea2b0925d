//! What templates receive. Plain serializable structs, turned into `minijinja::Value`s once;
//! shared parts (the site, listings, a book's table of contents) are built once per language
//! or per book and cloned by reference into every page, never copied deeply.

use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use crate::config::Config;
use crate::markdown::Heading;

/// Converts a view to a template value.
pub fn to_value<T: Serialize>(view: &T) -> Value {
    Value::from(Serde(view))
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// One language of the site, with where the current page is in it.
#[derive(Debug, Clone, Serialize)]
pub struct Alternate {
    pub code: String,
    pub name: String,
    pub url: String,
    /// False when the page has no translation and `url` is that language's home page.
    pub translated: bool,
    pub current: bool,
}

/// Site-wide values, built once per language.
#[derive(Debug, Serialize)]
pub struct SiteView {
    pub title: String,
    pub description: String,
    pub base_url: String,
    pub lang: String,
    pub locale: String,
    pub home_url: String,
    pub default_lang: String,
    pub languages: Vec<Link>,
    /// The home section's children: the main navigation.
    pub menu: Vec<Link>,
    pub taxonomies: Vec<Link>,
    /// `kume serve` only: pages load the live-reload script.
    pub dev: bool,
    /// The list of surveys, when the site has any.
    pub surveys_url: Option<String>,
    /// The search page, when the UI strings name one.
    pub search_url: Option<String>,

    /// The information pages in the main navigation: "what do I need?", programmes, actors.
    pub ims_menu: Vec<Link>,
    /// The data pages in the main navigation: clusters, benchmark, sector analysis.
    pub data_menu: Vec<Link>,
    pub collector_url: Option<String>,
    pub generator: String,
}

/// A document as it appears in lists (sections, taxonomy terms, feeds).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub title: String,
    pub url: String,
    pub kind: &'static str,
    pub description: Option<String>,
    pub summary: String,
    pub date: Option<String>,
    pub number: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TermGroup {
    pub name: String,
    pub title: String,
    pub terms: Vec<Link>,
}

#[derive(Debug, Serialize)]
pub struct BookNav {
    pub title: String,
    pub url: String,
    pub print_url: String,
    /// Shared nested table of contents: `[{title, url, number, children}]`.
    pub toc: Value,
    pub number: Option<String>,
    pub prev: Option<Link>,
    pub next: Option<Link>,
}

#[derive(Debug, Serialize)]
pub struct TocEntry {
    pub title: String,
    pub url: String,
    pub number: Option<String>,
    pub children: Vec<TocEntry>,
}

/// Everything a page template gets as `page`.
#[derive(Debug, Serialize)]
pub struct PageView {
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    pub date: Option<String>,
    pub url: String,
    pub permalink: String,
    pub lang: String,
    pub source: String,
    pub content: Value,
    /// Headings of levels 2 and 3, for the on-page table of contents.
    pub toc: Vec<Heading>,
    pub word_count: usize,
    pub reading_minutes: usize,
    pub alternates: Vec<Alternate>,
    pub taxonomies: Vec<TermGroup>,
    pub extra: Value,
    pub breadcrumbs: Vec<Link>,
    pub children: Value,
    pub book: Option<BookNav>,
    /// Sections with `feed: true`: the URL of their Atom feed.
    pub feed_url: Option<String>,
}

impl PageView {
    /// This page under `parent` in the breadcrumbs, unless it is that page itself (an
    /// overview and its detail pages share one renderer).
    pub fn under(mut self, parent: Link) -> PageView {
        if parent.url != self.url {
            self.breadcrumbs = vec![parent];
        }
        self
    }

    /// A page that is not a document (a survey, print page, taxonomy, 404, redirect). The
    /// language switch lists `alternates` (language code, URL) in the configured order.
    pub fn special(
        config: &Config,
        kind: &'static str,
        title: &str,
        url: &str,
        lang: &str,
        mut alternates: Vec<(String, String)>,
    ) -> PageView {
        alternates.sort_by_key(|(code, _)| config.languages.iter().position(|l| &l.code == code));
        let alternates = alternates
            .into_iter()
            .map(|(code, u)| Alternate {
                name: config
                    .language(&code)
                    .map(|l| l.name.clone())
                    .unwrap_or_default(),
                current: code == lang,
                code,
                url: u,
                translated: true,
            })
            .collect();
        PageView {
            kind,
            title: title.to_string(),
            description: config.description.get(lang).cloned().unwrap_or_default(),
            date: None,
            url: url.to_string(),
            permalink: format!("{}{url}", config.base_url),
            lang: lang.to_string(),
            source: String::new(),
            content: Value::from_safe_string(String::new()),
            toc: Vec::new(),
            word_count: 0,
            reading_minutes: 0,
            alternates,
            taxonomies: Vec::new(),
            extra: Value::UNDEFINED,
            breadcrumbs: Vec::new(),
            children: Value::from(Vec::<Value>::new()),
            book: None,
            feed_url: None,
        }
    }
}
