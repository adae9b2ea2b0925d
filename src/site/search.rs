//! Full-text search that works on a static host.
//!
//! While the site renders, the main text of every searchable page is cut into words and folded
//! (language-aware lower case, then Turkish and other accented letters to plain ASCII), so that
//! "kumelenme", "Kümelenme" and "KÜMELENME" are one word. Each language gets one inverted index
//! (`<search page>/index.json`, its words split into one file per first letter when it is
//! large); `site/static/js/kume-search.js` loads it on the search page and matches every query
//! word as a prefix of the indexed words, which also covers Turkish suffixes ("kümelenmenin" is
//! found by "kümelenme").

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use memchr::{memchr, memmem};

use minijinja::context;
use rayon::prelude::*;
use serde::Serialize;

use super::Site;
use super::routes::{Route, RouteContext};
use crate::config::{Config, Strings};
use crate::diagnostics::Diagnostic;
use crate::render::views::{PageView, to_value};
use crate::text::{PLAIN_LETTERS, plain_letter};

/// FxHash for the word maps: words are short, and SipHash's protection against chosen keys
/// is not needed for a site's own text.
type WordMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

/// Index entries longer than this are cut: an excerpt, not the page.
const EXCERPT_CHARS: usize = 180;
/// A word counts at most this often per page, so that long tables do not drown prose.
const MAX_COUNT: u32 = 20;
/// A word in the page's title weighs as much as this many in its text.
const TITLE_WEIGHT: u32 = 10;

/// One page as the index holds it: what the browser shows, and the page's folded words
/// (each once, `\n`-separated) with their weights, in the same order. Made while the pages
/// render, in parallel, so that only the merge is left for the end.
#[derive(Debug, Clone)]
pub struct IndexedPage {
    pub url: String,
    title: String,
    excerpt: String,
    words: String,
    weights: Vec<u32>,
}

impl IndexedPage {
    fn words(&self) -> impl Iterator<Item = (&str, u32)> {
        self.words
            .split('\n')
            .filter(|w| !w.is_empty())
            .zip(self.weights.iter().copied())
    }
}

/// A page rendered by our templates, read for the index in one pass over its HTML: the title,
/// a short excerpt and the words of its main text (see [`walk_main`]) with their weights. Each
/// word counts at most `MAX_COUNT` times in the text, and `TITLE_WEIGHT` more for every time
/// it is in the title.
pub fn index_html(url: &str, html: &str, lang: &str) -> Option<IndexedPage> {
    let mut counts: WordMap<Cow<'_, str>, u32> =
        WordMap::with_capacity_and_hasher(html.len() / 64, Default::default());
    let mut scratch = String::new();
    let text_count = |n: u32| (n + 1).min(MAX_COUNT);
    let (title, excerpt) = walk_main(html, |chunk| match chunk {
        Cow::Borrowed(text) => for_each_word(text, |w, plain| {
            count_word(
                &mut counts,
                w,
                Some(w),
                plain,
                lang,
                &mut scratch,
                text_count,
            );
        }),
        Cow::Owned(text) => for_each_word(&text, |w, plain| {
            count_word(&mut counts, w, None, plain, lang, &mut scratch, text_count);
        }),
    })?;
    for_each_word(&title, |w, plain| {
        count_word(&mut counts, w, Some(w), plain, lang, &mut scratch, |n| {
            n + TITLE_WEIGHT
        });
    });
    let mut words = String::with_capacity(counts.keys().map(|w| w.len() + 1).sum());
    let mut weights = Vec::with_capacity(counts.len());
    for (w, n) in counts {
        words.push_str(&w);
        words.push('\n');
        weights.push(n);
    }
    Some(IndexedPage {
        url: url.to_string(),
        title,
        excerpt,
        words,
        weights,
    })
}

/// Counts one occurrence of `word`, folded (`plain` when it already is: ASCII without capitals).
/// The folded form is built in `scratch` and copied only the first time the page has it: most
/// words of a page repeat, and a fresh string per occurrence was a good part of a large
/// build's time. `lasting` is the same word when it outlives the count (not a decoded copy):
/// a plain word is then borrowed, not copied.
fn count_word<'a>(
    counts: &mut WordMap<Cow<'a, str>, u32>,
    word: &str,
    lasting: Option<&'a str>,
    plain: bool,
    lang: &str,
    scratch: &mut String,
    add: impl Fn(u32) -> u32,
) {
    let key = if plain {
        word
    } else {
        scratch.clear();
        fold_into(word, lang, scratch);
        scratch.as_str()
    };
    if let Some(n) = counts.get_mut(key) {
        *n = add(*n);
        return;
    }
    let owned = match lasting {
        Some(w) if plain => Cow::Borrowed(w),
        _ => Cow::Owned(key.to_string()),
    };
    counts.insert(owned, add(0));
}

/// `/ara/` or `/en/search/`: the one address rule, shared with the collector's pages.
pub use crate::survey::catalogue::search_url as url;

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

/// The attribute that keeps an element out of the index, searched for in every tag that has
/// attributes. The text between tags and the tags themselves are found with `memchr` (SIMD):
/// the standard library's byte search is a word at a time.
static NOSEARCH: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(" data-nosearch"));

/// Reads a page rendered by our templates: hands every run of text inside `<main>` to `text`
/// (entities decoded) and returns the page's title and a short excerpt. Skipped: scripts,
/// styles, charts' drawing, navigation, table headings, the option lists of form fields (81
/// provinces on every survey page are not its subject) and elements a template marks
/// `data-nosearch` because many pages repeat them. Tags separate words: `<td>a</td><td>b</td>`
/// is "a" and "b", not "ab".
fn walk_main<'h>(html: &'h str, mut text: impl FnMut(Cow<'h, str>)) -> Option<(String, String)> {
    let start = memmem::find(html.as_bytes(), b"<main")?;
    // From the end: only the footer follows the main text, and a page can be long.
    let end = memmem::rfind(html.as_bytes(), b"</main>")?;
    let main = html.get(start..end)?;
    let mut title = String::new();
    let mut excerpt = String::new();
    let mut excerpt_chars = 0;
    let mut skip_depth: Option<(Cow<'_, str>, usize)> = None;
    let mut in_h1 = false;
    let mut in_p = false;
    let mut rest = main;
    while let Some(lt) = memchr(b'<', rest.as_bytes()) {
        if skip_depth.is_none() && lt > 0 {
            let chunk = decode_entities(&rest[..lt]);
            if in_h1 {
                title.push_str(&chunk);
            }
            if in_p && excerpt_chars < EXCERPT_CHARS {
                excerpt.push_str(&chunk);
                excerpt_chars += chunk.chars().count();
            }
            text(chunk);
        }
        let Some(gt) = memchr(b'>', &rest.as_bytes()[lt..]) else {
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        rest = &rest[lt + gt + 1..];
        let closing = tag.starts_with('/');
        let bare = tag.trim_start_matches('/');
        let name_end = (bare.bytes())
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(bare.len());
        let name = &bare[..name_end];
        let name: Cow<'_, str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
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
        match (name.as_ref(), closing) {
            (
                "script" | "style" | "svg" | "nav" | "select" | "datalist" | "template" | "thead",
                false,
            ) => {
                skip_depth = Some((name, 1));
            }
            // Text a template repeats on many pages (method notes, how-to-read boxes). Most
            // tags have no attributes: the cheap test first.
            (_, false) if name_end < bare.len() && NOSEARCH.find(tag.as_bytes()).is_some() => {
                skip_depth = Some((name, 1));
            }
            ("h1", c) => in_h1 = !c,
            ("p", c) => in_p = !c && excerpt.is_empty(),
            _ => {}
        }
    }
    Some((squash(&title), cut(&squash(&excerpt), EXCERPT_CHARS)))
}

/// Lower-cases `word` with the language's rules into `folded`, folding accented letters to
/// ASCII, so that a query typed without Turkish letters matches text written with them.
/// ASCII folds alike in every language: the Turkish `I` lower-cases to `ı`, which folds back
/// to `i`.
fn fold_into(word: &str, lang: &str, folded: &mut String) {
    if word.is_ascii() {
        // Most words folded are ASCII with a capital: lower-cased in place, in one pass.
        let start = folded.len();
        folded.push_str(word);
        folded[start..].make_ascii_lowercase();
        return;
    }
    let mut push = |c: char| {
        if let Some(f) = fold_letter(c) {
            folded.push(f);
        }
    };
    if lang == "tr" {
        // Turkish lower case: `I` is `ı` (folded to `i`), `İ` is `i`.
        for c in word.chars() {
            match c {
                'I' | 'İ' => push('i'),
                c if c.is_ascii() => push(c.to_ascii_lowercase()),
                // The Turkish capitals, without a trip through the Unicode tables.
                'Ç' => push('c'),
                'Ğ' => push('g'),
                'Ö' => push('o'),
                'Ş' => push('s'),
                'Ü' => push('u'),
                // Lower-case letters with marks (ç, ğ, ı, ö, ş, ü…) straight to their plain form.
                c => match plain_letter(c) {
                    Some(p) => push(p),
                    None => c.to_lowercase().for_each(&mut push),
                },
            }
        }
    } else {
        word.to_lowercase().chars().for_each(push);
    }
}

/// A lower-case letter made plain by the one transliteration table ([`PLAIN_LETTERS`]); None
/// for the combining marks that decomposed input leaves ("i̇" from a plain lower case of `İ`).
fn fold_letter(c: char) -> Option<char> {
    match c {
        '\u{0300}'..='\u{036f}' => None,
        c if c.is_ascii() => Some(c),
        c => Some(plain_letter(c).unwrap_or(c)),
    }
}

/// Calls `f` with every word of a text as written and whether it is plain (ASCII without
/// capitals, so already folded); one-letter words are dropped. A word is a run of letters and
/// digits (and the combining dot of a decomposed `İ`). The text is read byte by byte, and only
/// bytes outside ASCII are decoded: a large build reads a few million words.
fn for_each_word<'a>(text: &'a str, mut f: impl FnMut(&'a str, bool)) {
    let bytes = text.as_bytes();
    let (mut i, mut start, mut chars, mut plain) = (0, None, 0, true);
    while i < bytes.len() {
        let b = bytes[i];
        let (in_word, len, ascii_lower) = if b.is_ascii() {
            (b.is_ascii_alphanumeric(), 1, !b.is_ascii_uppercase())
        } else {
            match text.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) => (word_char(c), c.len_utf8(), false),
                None => (false, 1, false),
            }
        };
        if in_word {
            if start.is_none() {
                (start, chars, plain) = (Some(i), 0, true);
            }
            chars += 1;
            plain &= ascii_lower;
        } else if let Some(s) = start.take()
            && chars > 1
        {
            f(&text[s..i], plain);
        }
        i += len;
    }
    if let Some(s) = start
        && chars > 1
    {
        f(&text[s..], plain);
    }
}

/// A letter or digit outside ASCII, or the combining dot above.
fn word_char(c: char) -> bool {
    if ('\u{c0}'..='\u{17f}').contains(&c) {
        // Latin-1 and Latin Extended-A, where Turkish letters are: letters but for × and ÷,
        // without a trip through the Unicode tables.
        c != '×' && c != '÷'
    } else {
        c.is_alphanumeric() || c == '\u{0307}'
    }
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
    /// The transliteration table the browser folds queries with, so that they meet the words
    /// as this build folded them.
    fold: BTreeMap<char, char>,
    docs: Vec<IndexDoc<'a>>,
    /// Sorted by word, so the browser finds every word with a prefix by binary search;
    /// each posting list is flat `[doc, weight, doc, weight…]`. Empty when the words are in
    /// `parts`.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    words: &'a [Posting<'a>],
    /// A large index keeps its words in one file per first letter (letter → file name beside
    /// this one): a query loads only the files of its words' first letters.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    parts: BTreeMap<char, String>,
}

/// A word and its flat posting list `[doc, weight, doc, weight…]`.
type Posting<'a> = (&'a str, Vec<u32>);

/// One part of a split index: the words that start with one letter, as in [`IndexFile`].
#[derive(Serialize)]
struct IndexPart<'a> {
    v: u32,
    words: &'a [Posting<'a>],
}

/// Above this many bytes of words (about) an index is split by first letter. The 10,000-page
/// benchmark's Turkish index was 14 MB in one file, too much for a phone to load for one query.
const SPLIT_ABOVE: usize = 256 * 1024;
/// Pages per run of the parallel merge.
const MERGE_RUN: usize = 1024;

/// The inverted index of one language as JSON files with their URLs: the index at `url` first,
/// then its parts when it is split. Documents are numbered in the order given.
pub fn build_index(pages: &[IndexedPage], lang: &str, url: &str) -> Vec<(String, String)> {
    build_index_split_above(pages, lang, url, SPLIT_ABOVE)
}

fn build_index_split_above(
    pages: &[IndexedPage],
    lang: &str,
    url: &str,
    split_above: usize,
) -> Vec<(String, String)> {
    // Runs of pages are merged side by side, then joined in order: a run's documents all
    // come after the previous run's, so joining appends their posting lists.
    let postings = pages
        .par_chunks(MERGE_RUN)
        .enumerate()
        .map(|(run, pages)| {
            let mut postings: WordMap<&str, Vec<u32>> = WordMap::default();
            for (i, page) in pages.iter().enumerate() {
                let doc = (run * MERGE_RUN + i) as u32;
                for (w, n) in page.words() {
                    postings.entry(w).or_default().extend([doc, n]);
                }
            }
            postings
        })
        .reduce(WordMap::default, |mut joined, next| {
            for (w, list) in next {
                joined.entry(w).or_default().extend(list);
            }
            joined
        });
    let docs: Vec<IndexDoc<'_>> = (pages.iter())
        .map(|p| IndexDoc {
            u: &p.url,
            t: &p.title,
            e: &p.excerpt,
        })
        .collect();
    let mut words: Vec<Posting<'_>> = postings.into_iter().collect();
    words.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
    let words_size = words.iter().map(json_size).sum::<usize>();
    let split = words_size > split_above;
    // `/ara/index.json` → `/ara/` and `index`; a part is `/ara/index-k.json`.
    let (folder, stem) = url
        .strip_suffix(".json")
        .and_then(|u| u.rsplit_once('/'))
        .unwrap_or(("", "index"));
    let groups: Vec<(char, String, &[Posting<'_>])> = if split {
        words
            .chunk_by(|a, b| first_char(a.0) == first_char(b.0))
            .map(|group| {
                let letter = first_char(group[0].0);
                (letter, format!("{stem}-{}.json", part_name(letter)), group)
            })
            .collect()
    } else {
        Vec::new()
    };
    let docs_size = (docs.iter())
        .map(|d| d.u.len() + d.t.len() + d.e.len() + 24)
        .sum::<usize>();
    let file = IndexFile {
        v: 1,
        lang,
        fold: PLAIN_LETTERS.into_iter().collect(),
        docs,
        words: if split { &[] } else { &words },
        parts: (groups.iter())
            .map(|(letter, name, _)| (*letter, name.clone()))
            .collect(),
    };
    let size = docs_size + if split { 0 } else { words_size };
    // The index and its parts side by side: the end of a large build waits for them.
    let (index, parts) = rayon::join(
        || (url.to_string(), to_json(&file, size)),
        || {
            (groups.par_iter())
                .map(|(_, name, group)| {
                    let part = IndexPart { v: 1, words: group };
                    let size = group.iter().map(json_size).sum();
                    (format!("{folder}/{name}"), to_json(&part, size))
                })
                .collect::<Vec<_>>()
        },
    );
    std::iter::once(index).chain(parts).collect()
}

/// About the bytes of a word's JSON: 4 per number ("123,"), the word, brackets and quotes.
fn json_size((word, list): &Posting<'_>) -> usize {
    word.len() + 8 + 4 * list.len()
}

fn first_char(word: &str) -> char {
    word.chars().next().unwrap_or_default()
}

/// A part's file name for its letter: the letter itself when it is an ASCII letter or digit,
/// else its code point (`u11f`), so that names stay plain ASCII.
fn part_name(letter: char) -> String {
    if letter.is_ascii_alphanumeric() {
        letter.to_string()
    } else {
        format!("u{:x}", u32::from(letter))
    }
}

/// JSON written into a buffer sized beforehand, which keeps the end of a large build from
/// raising its peak memory.
fn to_json(value: &impl Serialize, size: usize) -> String {
    let mut json = Vec::with_capacity(size + 64);
    match serde_json::to_writer(&mut json, value) {
        Ok(()) => String::from_utf8(json).unwrap_or_default(),
        Err(_) => String::new(),
    }
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
fn decode_entities(s: &str) -> Cow<'_, str> {
    if memchr(b'&', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&#x2f;", "/")
            .replace("&nbsp;", " ")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        let text = "İstanbul'da 3D×4 a ÇĞ-öz i\u{0307}l x÷y naïve ₺20 ΑΒΓ e-posta KOBİ a1";
        let mut got = Vec::new();
        for_each_word(text, |w, plain| got.push((w, plain)));
        assert_eq!(
            got,
            [
                ("İstanbul", false),
                ("da", true),
                ("3D", false),
                ("ÇĞ", false),
                ("öz", false),
                ("i\u{0307}l", false),
                ("naïve", false),
                ("20", true),
                ("ΑΒΓ", false),
                ("posta", true),
                ("KOBİ", false),
                ("a1", true),
            ]
        );
    }

    fn fold(word: &str, lang: &str) -> String {
        let mut folded = String::new();
        fold_into(word, lang, &mut folded);
        folded
    }

    #[test]
    fn folding_makes_turkish_letters_optional() {
        assert_eq!(fold("Kümelenme", "tr"), "kumelenme");
        assert_eq!(fold("KÜMELENME", "tr"), "kumelenme");
        assert_eq!(fold("IĞDIR", "tr"), "igdir");
        assert_eq!(fold("İstanbul", "tr"), "istanbul");
        // English rules: a plain I is i, and the dotted İ loses its dot.
        assert_eq!(fold("İstanbul", "en"), "istanbul");
        assert_eq!(fold("Işık", "en"), "isik");
        // ASCII words fold by bytes in both languages (the Turkish I ends as i too).
        assert_eq!(fold("ISPARTA", "tr"), "isparta");
        assert_eq!(fold("Kent", "en"), "kent");
        // Turkish capitals next to other letters.
        assert_eq!(fold("ÇĞÖŞÜ Ñ", "tr"), "cgosu ñ");
    }

    /// The words of a page's index entry with their weights, sorted.
    fn indexed_words(page: &IndexedPage) -> Vec<(String, u32)> {
        let mut w: Vec<(String, u32)> = page.words().map(|(w, n)| (w.to_string(), n)).collect();
        w.sort();
        w
    }

    #[test]
    fn the_index_reads_main_only_and_skips_noise() {
        let html = r#"<html><head><title>x</title></head><body><nav>Menü</nav>
<main id="main"><h1>Kümelenme &amp; Destek</h1><p>İlk <em>paragraf</em> burada.</p>
<svg><text>çizim</text></svg><select><option>Adana</option></select><script>var a;</script>
<section data-nosearch><p>Yöntem <b>notu</b></p><section>iç</section></section>
<table><thead><tr><th>Başlık</th></tr></thead><tr><td>a1</td><td>b2</td></tr></table></main><footer>alt</footer></body></html>"#;
        let p = index_html("/x/", html, "tr").unwrap();
        assert_eq!(p.title, "Kümelenme & Destek");
        assert_eq!(p.excerpt, "İlk paragraf burada.");
        let words: Vec<String> = indexed_words(&p).into_iter().map(|(w, _)| w).collect();
        assert_eq!(
            words,
            [
                "a1",
                "b2",
                "burada",
                "destek",
                "ilk",
                "kumelenme",
                "paragraf"
            ]
        );
    }

    fn page(url: &str, title: &str, text: &str) -> IndexedPage {
        let html = format!("<main><h1>{title}</h1><p>{text}</p></main>");
        index_html(url, &html, "tr").unwrap()
    }

    #[test]
    fn a_large_index_is_split_by_first_letter() {
        let pages = vec![
            page("/a/", "Çiçek", "destek 1505 kümelenme"),
            page("/b/", "Başka", "destek dağ"),
        ];
        let files = build_index_split_above(&pages, "tr", "/ara/index.json", 0);
        let urls: Vec<&str> = files.iter().map(|(u, _)| u.as_str()).collect();
        assert_eq!(
            urls,
            [
                "/ara/index.json",
                "/ara/index-1.json",
                "/ara/index-b.json",
                "/ara/index-c.json",
                "/ara/index-d.json",
                "/ara/index-k.json"
            ]
        );
        let index: serde_json::Value = serde_json::from_str(&files[0].1).unwrap();
        assert!(index.get("words").is_none(), "the words are in the parts");
        assert_eq!(index["parts"]["d"], "index-d.json");
        assert_eq!(index["docs"][1]["u"], "/b/");
        let d: serde_json::Value = serde_json::from_str(&files[4].1).unwrap();
        assert_eq!(
            d["words"],
            serde_json::json!([["dag", [1, 1]], ["destek", [0, 1, 1, 1]]])
        );
        assert_eq!(part_name('δ'), "u3b4");
    }

    #[test]
    fn index_weights_titles_and_caps_repeats() {
        let a = page("/a/", "Destek", &"destek ".repeat(50));
        // The title is text too: 20 at most from the text, and 10 for the title.
        assert_eq!(indexed_words(&a), [("destek".to_string(), 30)]);
        let b = page("/b/", "Başka", "Destek &amp; programı");
        let files = build_index(&[a, b], "tr", "/ara/index.json");
        assert_eq!(files.len(), 1, "a small index is one file");
        let json: serde_json::Value = serde_json::from_str(&files[0].1).unwrap();
        let words = json["words"].as_array().unwrap();
        let destek = words.iter().find(|w| w[0] == "destek").unwrap();
        assert_eq!(destek[1], serde_json::json!([0, 30, 1, 1]));
        let keys: Vec<&str> = words.iter().map(|w| w[0].as_str().unwrap()).collect();
        assert_eq!(keys, ["baska", "destek", "programi"]);
    }
}
