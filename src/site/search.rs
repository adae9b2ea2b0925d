//! Full-text search that works on a static host.
//!
//! While the site renders, the main text of every searchable page is cut into words and folded
//! (language-aware lower case, then Turkish and other accented letters to plain ASCII), so that
//! "kumelenme", "Kümelenme" and "KÜMELENME" are one word. Each language gets one inverted index
//! (`<search page>/index.json`); `site/static/js/kume-search.js` loads it on the search page and
//! matches every query word as a prefix of the indexed words, which also covers Turkish suffixes
//! ("kümelenmenin" is found by "kümelenme").

use std::collections::BTreeMap;

use minijinja::context;
use serde::Serialize;

use super::Site;
use super::routes::{Route, RouteContext};
use crate::config::{Config, Strings};
use crate::diagnostics::Diagnostic;
use crate::render::views::{PageView, to_value};

/// Index entries longer than this are cut: an excerpt, not the page.
const EXCERPT_CHARS: usize = 180;
/// A word counts at most this often per page, so that long tables do not drown prose.
const MAX_COUNT: u32 = 20;
/// A word in the page's title weighs as much as this many in its text.
const TITLE_WEIGHT: u32 = 10;

/// The searchable text of one rendered page.
#[derive(Debug, Clone)]
pub struct PageText {
    pub url: String,
    pub title: String,
    pub excerpt: String,
    pub text: String,
}

/// `/ara/` (Turkish) or `/en/search/`.
pub fn url(config: &Config, strings: &Strings, lang: &str) -> Option<String> {
    Some(format!(
        "{}{}/",
        config.language_prefix(lang),
        strings.get(lang, "search_slug")?
    ))
}

pub fn index_url(config: &Config, strings: &Strings, lang: &str) -> Option<String> {
    url(config, strings, lang).map(|u| format!("{u}index.json"))
}

/// The search page and its index, per language; neither is searched nor in the sitemap.
pub fn routes(ctx: &RouteContext<'_>) -> Vec<Route<()>> {
    ctx.langs
        .iter()
        .filter_map(|l| {
            let u = url(ctx.config, ctx.strings, l)?;
            Some([
                Route::page(u.clone(), l, ()).unlisted(),
                Route::file(format!("{u}index.json"), l),
            ])
        })
        .flatten()
        .collect()
}

/// The search page of one language.
pub fn render(site: &Site, lang: &str) -> Result<(String, String), Diagnostic> {
    let (config, strings) = (&site.config, &site.strings);
    let missing =
        || Diagnostic::error("site/i18n", format!("`search_slug` is missing in `{lang}`"));
    let page_url = url(config, strings, lang).ok_or_else(missing)?;
    let alternates = config
        .languages
        .iter()
        .filter(|l| site.content.homes.contains_key(&l.code))
        .filter_map(|l| Some((l.code.clone(), url(config, strings, &l.code)?)))
        .collect();
    let title = strings.get(lang, "search_title").unwrap_or("Search");
    let view = PageView::special(&site.config, "search", title, &page_url, lang, alternates);
    let ctx = context! {
        site => site.site_values.get(lang).cloned().unwrap_or_default(),
        page => to_value(&view),
        index => index_url(config, strings, lang),
        lang => lang,
    };
    let html = site.templates.render("search.html", ctx, None)?;
    Ok((page_url, html))
}

/// Pulls the title, a short excerpt and the words out of a page rendered by our templates:
/// only what is inside `<main>`, without scripts, styles, charts' drawing, navigation, table
/// headings, the option lists of form fields (81 provinces on every survey page are not its
/// subject) and elements a template marks `data-nosearch` because many pages repeat them.
pub fn extract(url: &str, html: &str) -> Option<PageText> {
    let start = html.find("<main")?;
    let end = html[start..].find("</main>")? + start;
    let main = &html[start..end];
    let mut text = String::with_capacity(main.len() / 2);
    let mut title = String::new();
    let mut excerpt = String::new();
    let mut skip_depth: Option<(String, usize)> = None;
    let mut in_h1 = false;
    let mut in_p = false;
    let mut rest = main;
    while let Some(lt) = rest.find('<') {
        let chunk = decode_entities(&rest[..lt]);
        if skip_depth.is_none() {
            text.push_str(&chunk);
            if in_h1 {
                title.push_str(&chunk);
            }
            if in_p && excerpt.chars().count() < EXCERPT_CHARS {
                excerpt.push_str(&chunk);
            }
        }
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        rest = &rest[lt + gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some((skip, depth)) = &mut skip_depth {
            if *skip == name {
                if closing {
                    *depth -= 1;
                } else if !tag.ends_with('/') {
                    *depth += 1;
                }
                if *depth == 0 {
                    skip_depth = None;
                }
            }
            continue;
        }
        match (name.as_str(), closing) {
            (
                "script" | "style" | "svg" | "nav" | "select" | "datalist" | "template" | "thead",
                false,
            ) => {
                skip_depth = Some((name, 1));
            }
            // Text a template repeats on many pages (method notes, how-to-read boxes).
            (_, false) if tag.contains(" data-nosearch") => {
                skip_depth = Some((name, 1));
            }
            ("h1", c) => in_h1 = !c,
            ("p", c) => in_p = !c && excerpt.is_empty(),
            _ => {}
        }
        // Tags separate words: `<td>a</td><td>b</td>` is "a b", not "ab".
        text.push(' ');
    }
    Some(PageText {
        url: url.to_string(),
        title: squash(&title),
        excerpt: cut(&squash(&excerpt), EXCERPT_CHARS),
        text,
    })
}

/// Lower-cases with the language's rules, then folds accented letters to ASCII, so that a
/// query typed without Turkish letters matches text written with them.
pub fn fold(word: &str, lang: &str) -> String {
    crate::text::to_lower(word, lang)
        .chars()
        .filter_map(|c| match c {
            'ç' => Some('c'),
            'ğ' => Some('g'),
            'ı' | 'î' | 'í' | 'ì' | 'ï' => Some('i'),
            'ö' | 'ô' | 'ó' | 'ò' => Some('o'),
            'ş' => Some('s'),
            'ü' | 'û' | 'ú' | 'ù' => Some('u'),
            'â' | 'á' | 'à' | 'ä' => Some('a'),
            'é' | 'è' | 'ê' | 'ë' => Some('e'),
            // Combining marks left by decomposed input ("i̇" from a plain to_lowercase of İ).
            '\u{0300}'..='\u{036f}' => None,
            c => Some(c),
        })
        .collect()
}

/// The words of a text, folded; one-letter words are dropped.
pub fn words<'a>(text: &'a str, lang: &'a str) -> impl Iterator<Item = String> + 'a {
    text.split(|c: char| !c.is_alphanumeric() && c != '\u{0307}')
        .filter(|w| w.chars().count() > 1)
        .map(move |w| fold(w, lang))
}

#[derive(Serialize)]
struct IndexDoc<'a> {
    /// URL, title, excerpt: short keys keep the file small on a phone.
    u: &'a str,
    t: &'a str,
    e: &'a str,
}

#[derive(Serialize)]
struct IndexFile<'a> {
    v: u32,
    lang: &'a str,
    docs: Vec<IndexDoc<'a>>,
    /// Sorted by word, so the browser finds every word with a prefix by binary search;
    /// each posting list is flat `[doc, weight, doc, weight…]`.
    words: Vec<(String, Vec<u32>)>,
}

/// The inverted index of one language as JSON.
pub fn build_index(pages: &[PageText], lang: &str) -> String {
    let mut postings: BTreeMap<String, BTreeMap<u32, u32>> = BTreeMap::new();
    for (doc, page) in pages.iter().enumerate() {
        let doc = doc as u32;
        for w in words(&page.text, lang) {
            let count = postings.entry(w).or_default().entry(doc).or_default();
            *count = (*count + 1).min(MAX_COUNT);
        }
        for w in words(&page.title, lang) {
            *postings.entry(w).or_default().entry(doc).or_default() += TITLE_WEIGHT;
        }
    }
    let file = IndexFile {
        v: 1,
        lang,
        docs: pages
            .iter()
            .map(|p| IndexDoc {
                u: &p.url,
                t: &p.title,
                e: &p.excerpt,
            })
            .collect(),
        words: postings
            .into_iter()
            .map(|(w, docs)| (w, docs.into_iter().flat_map(|(d, n)| [d, n]).collect()))
            .collect(),
    };
    serde_json::to_string(&file).unwrap_or_default()
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    if let Some(space) = out.rfind(' ') {
        out.truncate(space);
    }
    out.push('…');
    out
}

/// The entities our templates and comrak produce; anything else stays as written.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_makes_turkish_letters_optional() {
        assert_eq!(fold("Kümelenme", "tr"), "kumelenme");
        assert_eq!(fold("KÜMELENME", "tr"), "kumelenme");
        assert_eq!(fold("IĞDIR", "tr"), "igdir");
        assert_eq!(fold("İstanbul", "tr"), "istanbul");
        // English rules: a plain I is i, and the dotted İ loses its dot.
        assert_eq!(fold("İstanbul", "en"), "istanbul");
        assert_eq!(fold("Işık", "en"), "isik");
    }

    #[test]
    fn extract_reads_main_only_and_skips_noise() {
        let html = r#"<html><head><title>x</title></head><body><nav>Menü</nav>
<main id="main"><h1>Kümelenme &amp; Destek</h1><p>İlk <em>paragraf</em> burada.</p>
<svg><text>çizim</text></svg><select><option>Adana</option></select><script>var a;</script>
<section data-nosearch><p>Yöntem <b>notu</b></p><section>iç</section></section>
<table><thead><tr><th>Başlık</th></tr></thead><tr><td>a1</td><td>b2</td></tr></table></main><footer>alt</footer></body></html>"#;
        let p = extract("/x/", html).unwrap();
        assert_eq!(p.title, "Kümelenme & Destek");
        assert_eq!(p.excerpt, "İlk paragraf burada.");
        let w: Vec<String> = words(&p.text, "tr").collect();
        assert_eq!(
            w,
            [
                "kumelenme",
                "destek",
                "ilk",
                "paragraf",
                "burada",
                "a1",
                "b2"
            ]
        );
    }

    #[test]
    fn index_weights_titles_and_caps_repeats() {
        let pages = vec![
            PageText {
                url: "/a/".into(),
                title: "Destek".into(),
                excerpt: String::new(),
                text: "destek ".repeat(50),
            },
            PageText {
                url: "/b/".into(),
                title: "Başka".into(),
                excerpt: String::new(),
                text: "Destek programı".into(),
            },
        ];
        let json: serde_json::Value = serde_json::from_str(&build_index(&pages, "tr")).unwrap();
        let words = json["words"].as_array().unwrap();
        let destek = words.iter().find(|w| w[0] == "destek").unwrap();
        assert_eq!(destek[1], serde_json::json!([0, 30, 1, 1]));
        let keys: Vec<&str> = words.iter().map(|w| w[0].as_str().unwrap()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }
}
