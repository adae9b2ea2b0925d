//! The route registry. Each generated area (surveys, benchmark, information pages, sector
//! analysis, search) lists its pages and files once, as [`Route`]s; the render jobs, the
//! link-check set, the sitemap and the search input are all derived from that one list, so
//! they cannot drift apart.

use crate::config::{Config, Strings};

/// What an area needs to list its routes.
pub struct RouteContext<'a> {
    pub config: &'a Config,
    pub strings: &'a Strings,
    /// The languages with a home page, in the configured order.
    pub langs: &'a [String],
}

/// One address an area produces: a page it renders (`page`) or a file it writes itself.
#[derive(Debug, Clone)]
pub struct Route<P> {
    /// As linked: `/kumeler/` for a page, `/veri/sektorler/sectors.csv` for a file.
    pub url: String,
    pub lang: String,
    pub page: Option<P>,
    /// The page's text goes into the search index.
    pub searchable: bool,
    pub in_sitemap: bool,
}

impl<P> Route<P> {
    /// A page that is searchable and in the sitemap.
    pub fn page(url: String, lang: &str, page: P) -> Route<P> {
        Route {
            url,
            lang: lang.to_string(),
            page: Some(page),
            searchable: true,
            in_sitemap: true,
        }
    }

    /// A data file.
    pub fn file(url: String, lang: &str) -> Route<P> {
        Route {
            url,
            lang: lang.to_string(),
            page: None,
            searchable: false,
            in_sitemap: false,
        }
    }

    /// Kept out of the sitemap and the search index (thank-you, print and search pages).
    pub fn unlisted(self) -> Route<P> {
        Route {
            searchable: false,
            in_sitemap: false,
            ..self
        }
    }

    /// The output file's URL path, as link checking knows it: `…/index.html` for a page;
    /// None for a page without an address.
    pub fn file_path(&self) -> Option<String> {
        if self.url.is_empty() {
            return None;
        }
        Some(if self.url.ends_with('/') {
            format!("{}index.html", self.url)
        } else {
            self.url.clone()
        })
    }

    pub fn map<Q>(self, f: impl FnOnce(P) -> Q) -> Route<Q> {
        Route {
            url: self.url,
            lang: self.lang,
            page: self.page.map(f),
            searchable: self.searchable,
            in_sitemap: self.in_sitemap,
        }
    }
}

/// `pages` in every language, at `url_of`'s address. A page whose address cannot be made (a
/// slug missing from the UI strings) keeps an empty address: its render reports why.
pub fn pages_in<P: Clone>(
    ctx: &RouteContext<'_>,
    pages: &[P],
    url_of: impl Fn(&P, &str) -> Option<String>,
) -> Vec<Route<P>> {
    ctx.langs
        .iter()
        .flat_map(|lang| {
            pages.iter().map(|p| match url_of(p, lang) {
                Some(url) => Route::page(url, lang, p.clone()),
                None => Route::page(String::new(), lang, p.clone()).unlisted(),
            })
        })
        .collect()
}
