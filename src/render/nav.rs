//! The main navigation, rendered once per language and per set of menu entries that hold the
//! current page instead of once per page: its loops over every menu entry, run for each of
//! 10,000 pages, took a tenth of a large build's time.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use minijinja::value::Value;
use minijinja::{Error, ErrorKind, State, context};

/// What `nav(page.url)` renders. It receives `site`, `lang` and `current`: a menu entry's URL
/// → `"page"` when it is the current page, `"true"` when the current page is under it.
const NAV_TEMPLATE: &str = "nav.html";

/// The rendered navigation of each language, by the menu entries that hold the page.
#[derive(Default)]
pub struct NavCache {
    langs: Mutex<HashMap<String, LangNav>>,
}

struct LangNav {
    /// Every menu entry's URL, in the order of the menus.
    urls: Vec<String>,
    /// (index in `urls`, whether it is the page itself) → the HTML.
    html: HashMap<Vec<(usize, bool)>, Value>,
}

impl NavCache {
    /// The navigation for a page at `url`, rendered on the first page that needs this variant.
    pub fn render(&self, state: &State, url: &str) -> Result<Value, Error> {
        let lang = super::current_lang(state).to_string();
        let site = state.lookup("site").ok_or_else(|| {
            Error::new(
                ErrorKind::UndefinedError,
                "nav() needs `site` in the context",
            )
        })?;
        let (key, current) = {
            let mut langs = self.langs.lock().unwrap_or_else(|e| e.into_inner());
            let nav = match langs.entry(lang.clone()) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(LangNav {
                    urls: menu_urls(&site)?,
                    html: HashMap::new(),
                }),
            };
            let key: Vec<(usize, bool)> = (nav.urls.iter().enumerate())
                .filter(|(_, u)| url.starts_with(u.as_str()))
                .map(|(i, u)| (i, u == url))
                .collect();
            if let Some(html) = nav.html.get(&key) {
                return Ok(html.clone());
            }
            let current: BTreeMap<String, &str> = (key.iter())
                .map(|&(i, exact)| (nav.urls[i].clone(), if exact { "page" } else { "true" }))
                .collect();
            (key, current)
        };
        // Rendered without the lock: a variant rendered twice by two threads is the same HTML.
        let html = state
            .env()
            .get_template(NAV_TEMPLATE)?
            .render(context! { site => site, lang => &lang, current => current })?;
        let html = Value::from_safe_string(html);
        let mut langs = self.langs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(nav) = langs.get_mut(&lang) {
            nav.html.insert(key, html.clone());
        }
        Ok(html)
    }
}

/// The URLs that `nav.html` marks as current: the entries of `site.menu`, `site.ims_menu` and
/// `site.data_menu`, and `site.surveys_url`.
fn menu_urls(site: &Value) -> Result<Vec<String>, Error> {
    let mut urls = Vec::new();
    for menu in ["menu", "ims_menu", "data_menu"] {
        let entries = site.get_attr(menu)?;
        if entries.is_undefined() || entries.is_none() {
            continue;
        }
        for entry in entries.try_iter()? {
            urls.extend(entry.get_attr("url")?.as_str().map(str::to_string));
        }
    }
    urls.extend(site.get_attr("surveys_url")?.as_str().map(str::to_string));
    Ok(urls)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use minijinja::{Environment, context};

    use super::NavCache;

    fn env() -> Environment<'static> {
        let mut env = Environment::new();
        // Plain text: the assertions read URLs, not escaped HTML.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        let nav = Arc::new(NavCache::default());
        env.add_function("nav", move |state: &minijinja::State, url: &str| {
            nav.render(state, url)
        });
        env.add_template(
            "nav.html",
            "{% for item in site.menu %}[{{ item.url }}{% if current[item.url] %} {{ current[item.url] }}{% endif %}]{% endfor %}",
        )
        .unwrap();
        env.add_template("page.html", "{{ nav(url) }}").unwrap();
        env
    }

    #[test]
    fn each_page_gets_the_variant_of_its_place_in_the_menu() {
        let env = env();
        let site = context! { menu => vec![context! { url => "/a/" }, context! { url => "/b/" }] };
        let page = env.get_template("page.html").unwrap();
        let render = |url: &str| {
            page.render(context! { site => site.clone(), lang => "tr", url => url })
                .unwrap()
        };
        assert_eq!(render("/a/"), "[/a/ page][/b/]");
        assert_eq!(render("/a/x/"), "[/a/ true][/b/]");
        assert_eq!(render("/a/y/"), "[/a/ true][/b/]", "served from the cache");
        assert_eq!(render("/a/"), "[/a/ page][/b/]", "served from the cache");
        assert_eq!(render("/c/"), "[/a/][/b/]");
    }

    #[test]
    fn a_context_without_site_is_a_clear_error() {
        let env = env();
        let err = (env.get_template("page.html").unwrap())
            .render(context! { lang => "tr", url => "/a/" })
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("nav() needs `site` in the context"),
            "{err}"
        );
        assert_eq!(err.line(), Some(1));
    }
}
