//! Markdown to HTML, with the site's rules applied to the parsed tree.
//!
//! One parse per document, then:
//! 1. heading ids are assigned (transliterated slugs, made unique within the page) and the
//!    on-page table of contents is collected;
//! 2. every link and image is resolved by the caller's [`LinkResolver`] (source-file links
//!    such as `../kume-analizi/_index.md` become page URLs; broken ones become diagnostics);
//! 3. the tree is formatted to HTML;
//! 4. for a chapter of a book, the *same tree* is then re-labelled for the book's print page
//!    (ids prefixed with the chapter anchor, links into the book turned into in-page anchors)
//!    and formatted a second time.

use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;

use comrak::adapters::{HeadingAdapter, HeadingMeta};
use comrak::nodes::{NodeValue, Sourcepos};
use comrak::options::Plugins;
use comrak::{Arena, Options, format_html_with_plugins, parse_document};
use serde::Serialize;

use crate::diagnostics::Diagnostic;
use crate::text::slugify;

/// A heading of a page, for the on-page table of contents and anchor checking.
#[derive(Debug, Clone, Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// What a link resolver decided for one link destination.
pub enum LinkTarget {
    /// Leave the destination as written (external links, mail, in-page `#top`…).
    Unchanged,
    /// Use this href; `print` is the href to use on the book's print page.
    Rewritten { href: String, print: Option<String> },
}

/// Resolves link destinations found in a document. Implemented by the site, which knows
/// every page and static file.
pub trait LinkResolver {
    /// `line` and `column` are 1-based positions in the Markdown file, for diagnostics.
    fn resolve(
        &self,
        destination: &str,
        is_image: bool,
        line: usize,
        column: usize,
    ) -> Result<LinkTarget, Diagnostic>;
    /// In-page anchor (`#id`) used on the book's print page for a heading of this chapter.
    fn print_anchor(&self, id: &str) -> Option<String>;
}

/// The rendered document.
#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    /// The chapter as it appears on the book's print page, when the document is in a book.
    pub print_html: Option<String>,
    pub headings: Vec<Heading>,
    /// Plain text of the first paragraph, for feeds and listings.
    pub summary: String,
    pub word_count: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl Rendered {
    pub fn anchors(&self) -> HashSet<&str> {
        self.headings.iter().map(|h| h.id.as_str()).collect()
    }
}

fn options() -> Options<'static> {
    let mut o = Options::default();
    o.extension.table = true;
    o.extension.footnotes = true;
    o.extension.strikethrough = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    o.parse.smart = false;
    // Content is written by the site's maintainers in git; raw HTML (e.g. <details>) is theirs.
    o.render.r#unsafe = true;
    o.render.tasklist_classes = true;
    o
}

/// Gives headings the ids decided before formatting, in document order.
struct HeadingIds {
    ids: Mutex<std::vec::IntoIter<String>>,
    /// Levels to add: the print page nests every chapter's headings under the chapter title.
    shift: u8,
}

impl HeadingIds {
    fn level(&self, heading: &HeadingMeta) -> u8 {
        (heading.level + self.shift).min(6)
    }
}

impl HeadingAdapter for HeadingIds {
    fn enter(
        &self,
        out: &mut dyn fmt::Write,
        heading: &HeadingMeta,
        _: Option<Sourcepos>,
    ) -> fmt::Result {
        let id = self
            .ids
            .lock()
            .map_err(|_| fmt::Error)?
            .next()
            .unwrap_or_default();
        write!(out, "<h{} id=\"{}\">", self.level(heading), id)
    }

    fn exit(&self, out: &mut dyn fmt::Write, heading: &HeadingMeta) -> fmt::Result {
        write!(out, "</h{}>", self.level(heading))
    }
}

/// Renders `body` (which starts at line `first_line` of its file) to HTML.
/// `print_shift` is set for chapters of a book: their print version is rendered too, with
/// headings moved down that many levels. `table_label` names the scroll regions of tables for
/// assistive technology ("Tablo").
pub fn render(
    body: &str,
    first_line: usize,
    resolver: &dyn LinkResolver,
    print_shift: Option<u8>,
    table_label: &str,
) -> Rendered {
    let arena = Arena::new();
    let options = options();
    let root = parse_document(&arena, body, &options);
    let mut out = Rendered::default();

    let mut seen = HashSet::new();
    let mut print_ids = Vec::new();
    let mut links = Vec::new();
    for node in root.descendants() {
        let data = node.data();
        match &data.value {
            NodeValue::Heading(h) => {
                let title = node.collect_text();
                let base = match slugify(&title) {
                    s if s.is_empty() => "bolum".to_string(),
                    s => s,
                };
                let mut id = base.clone();
                let mut n = 1;
                while !seen.insert(id.clone()) {
                    id = format!("{base}-{n}");
                    n += 1;
                }
                print_ids.push(resolver.print_anchor(&id).unwrap_or_else(|| id.clone()));
                out.headings.push(Heading {
                    level: h.level,
                    id,
                    title,
                });
            }
            NodeValue::Link(_) | NodeValue::Image(_) => links.push(node),
            NodeValue::Paragraph if out.summary.is_empty() && !in_blockquote_or_list(node) => {
                out.summary = node.collect_text();
            }
            NodeValue::Text(t) => out.word_count += count_words(t),
            _ => {}
        }
    }

    let mut print_hrefs = Vec::new();
    let lines = LineStarts::new(body, !links.is_empty());
    for node in &links {
        let mut data = node.data_mut();
        let pos = data.sourcepos.start;
        let (line, column) = (
            pos.line + first_line - 1,
            lines.char_column(pos.line, pos.column),
        );
        let is_image = matches!(data.value, NodeValue::Image(_));
        let link = match &mut data.value {
            NodeValue::Link(l) | NodeValue::Image(l) => l,
            _ => continue,
        };
        match resolver.resolve(&link.url, is_image, line, column) {
            Ok(LinkTarget::Unchanged) => print_hrefs.push(None),
            Ok(LinkTarget::Rewritten { href, print }) => {
                link.url = href;
                print_hrefs.push(print);
            }
            Err(d) => {
                out.diagnostics.push(d);
                print_hrefs.push(None);
            }
        }
    }

    let ids: Vec<String> = out.headings.iter().map(|h| h.id.clone()).collect();
    out.html = bare_links(focusable_code(scrollable_tables(
        format(root, &options, ids, 0),
        table_label,
    )));

    if let Some(shift) = print_shift {
        relabel_for_print(root, &links, print_hrefs, resolver);
        out.print_html = Some(bare_links(focusable_code(scrollable_tables(
            format(root, &options, print_ids, shift),
            table_label,
        ))));
    }
    out
}

/// The words of a text as `split_whitespace` counts them: the starts of runs of bytes that
/// are not white space. Written as plain loops over byte slices, which the compiler turns into
/// vector code: a byte-by-byte count with a branch per byte took a few percent of a large
/// build. Text holding white space outside ASCII takes the slow path.
fn count_words(text: &str) -> usize {
    let bytes = text.as_bytes();
    if has_wide_space(bytes) {
        return text.split_whitespace().count();
    }
    let space = |b: u8| b == b' ' || (b'\t'..=b'\r').contains(&b);
    let mut words = usize::from(bytes.first().is_some_and(|&b| !space(b)));
    let (before, after) = (bytes, bytes.get(1..).unwrap_or_default());
    // Counted in runs of 255 so that the count per run fits in a byte (wider vectors).
    for (before, after) in before.chunks(255).zip(after.chunks(255)) {
        let mut starts: u8 = 0;
        for (&b, &a) in before.iter().zip(after) {
            starts += u8::from(space(b) & !space(a));
        }
        words += usize::from(starts);
    }
    words
}

/// Whether UTF-8 `bytes` hold white space outside ASCII: U+0085, U+00A0, U+1680,
/// U+2000–U+200A, U+2028, U+2029, U+202F, U+205F or U+3000. Each byte is tested with the two
/// after it, without a branch, so that the loop is vector code.
fn has_wide_space(bytes: &[u8]) -> bool {
    let Some(n) = bytes.len().checked_sub(2) else {
        return false;
    };
    if matches!(bytes[n..], [0xc2, 0x85 | 0xa0]) {
        return true;
    }
    let (first, second, third) = (&bytes[..n], &bytes[1..=n], &bytes[2..]);
    let mut found = false;
    for i in 0..n {
        let (p, q, r) = (first[i], second[i], third[i]);
        found |= (p == 0xc2) & ((q == 0x85) | (q == 0xa0))
            | (p == 0xe1) & (q == 0x9a) & (r == 0x80)
            | (p == 0xe2)
                & (((q == 0x80) & ((r <= 0x8a) | (r == 0xa8) | (r == 0xa9) | (r == 0xaf)))
                    | ((q == 0x81) & (r == 0x9f)))
            | (p == 0xe3) & (q == 0x80) & (r == 0x80);
    }
    found
}

/// Byte columns (what the parser reports) turned into character columns for messages.
/// Counting characters in the parser itself (comrak's `sourcepos_chars`) took a fifth of a
/// large build's time, for columns needed only by the few links in a page.
struct LineStarts<'a> {
    body: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineStarts<'a> {
    fn new(body: &'a str, needed: bool) -> Self {
        let starts = if needed {
            std::iter::once(0)
                .chain(body.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        } else {
            Vec::new()
        };
        LineStarts { body, starts }
    }

    /// The 1-based character column of 1-based `line` and byte `column`.
    fn char_column(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.starts.get(line.wrapping_sub(1)) else {
            return column;
        };
        let end = (start + column.saturating_sub(1)).min(self.body.len());
        match self.body.get(start..end) {
            Some(before) => before.chars().count() + 1,
            None => column,
        }
    }
}

/// Wide tables scroll sideways on a phone instead of squeezing words apart; a scroll region
/// must be reachable by keyboard and named (WCAG 2.1.1, axe `scrollable-region-focusable`).
/// A code block can be wider than the column and scroll sideways; keyboard users must be
/// able to reach it to scroll it (WCAG 2.1.1).
fn focusable_code(html: String) -> String {
    if html.contains("<pre") {
        html.replace("<pre>", "<pre tabindex=\"0\">")
            .replace("<pre lang=", "<pre tabindex=\"0\" lang=")
    } else {
        html
    }
}

fn scrollable_tables(html: String, label: &str) -> String {
    if !html.contains("<table>") {
        return html;
    }
    let mut n = 0;
    let mut out = String::with_capacity(html.len() + 128);
    let mut rest = html.as_str();
    while let Some(pos) = rest.find("<table>") {
        n += 1;
        out.push_str(&rest[..pos]);
        out.push_str(&format!(
            "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{label} {n}\">\n<table>"
        ));
        rest = &rest[pos + "<table>".len()..];
        if let Some(end) = rest.find("</table>") {
            out.push_str(&rest[..end]);
            out.push_str("</table>\n</div>");
            rest = &rest[end + "</table>".len()..];
        }
    }
    out.push_str(rest);
    out
}

/// A link whose text is its own address gets `class="url"`, so that print does not repeat the
/// address after it in brackets.
fn bare_links(html: String) -> String {
    static LINK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"<a href="(https?://[^"]+)">([^<]+)</a>"#).expect("a valid pattern")
    });
    fn bare(address: &str) -> &str {
        let a = address
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        a.trim_start_matches("www.").trim_end_matches('/')
    }
    if !html.contains("://") {
        return html;
    }
    LINK.replace_all(&html, |c: &regex::Captures<'_>| {
        if bare(&c[1]) == bare(&c[2]) {
            format!("<a href=\"{}\" class=\"url\">{}</a>", &c[1], &c[2])
        } else {
            c[0].to_string()
        }
    })
    .into_owned()
}

fn in_blockquote_or_list<'a>(node: &'a comrak::nodes::AstNode<'a>) -> bool {
    node.ancestors().skip(1).any(|a| {
        matches!(
            a.data().value,
            NodeValue::BlockQuote
                | NodeValue::Item(_)
                | NodeValue::FootnoteDefinition(_)
                | NodeValue::TableCell
        )
    })
}

fn format<'a>(
    root: &'a comrak::nodes::AstNode<'a>,
    options: &Options,
    ids: Vec<String>,
    shift: u8,
) -> String {
    let adapter = HeadingIds {
        ids: Mutex::new(ids.into_iter()),
        shift,
    };
    let mut plugins = Plugins::default();
    plugins.render.heading_adapter = Some(&adapter);
    let mut html = String::with_capacity(4096);
    // Writing into a String cannot fail.
    let _ = format_html_with_plugins(root, options, &mut html, &plugins);
    printable_task_boxes(html)
}

/// comrak renders GFM task items as disabled checkboxes without a label, which assistive
/// technology announces as unlabelled form fields (axe `label`). A guidebook checklist is
/// something to print and tick, so it becomes a box glyph; a ticked item keeps its state as
/// text for screen readers.
fn printable_task_boxes(html: String) -> String {
    const UNCHECKED: &str =
        "<input type=\"checkbox\" class=\"task-list-item-checkbox\" disabled=\"\" /> ";
    const CHECKED: &str =
        "<input type=\"checkbox\" class=\"task-list-item-checkbox\" checked=\"\" disabled=\"\" /> ";
    if !html.contains("task-list-item-checkbox") {
        return html;
    }
    html.replace(UNCHECKED, "<span class=\"task-box\" aria-hidden=\"true\">☐</span> ")
        .replace(CHECKED, "<span class=\"task-box\" aria-hidden=\"true\">☑</span><span class=\"visually-hidden\">✓ </span>")
}

/// Prepares the already-rendered tree for the book's print page: links into the book become
/// in-page anchors and footnote names get the chapter's prefix so they stay unique.
fn relabel_for_print<'a>(
    root: &'a comrak::nodes::AstNode<'a>,
    links: &[&'a comrak::nodes::AstNode<'a>],
    print_hrefs: Vec<Option<String>>,
    resolver: &dyn LinkResolver,
) {
    for (node, print) in links.iter().zip(print_hrefs) {
        let mut data = node.data_mut();
        if let (NodeValue::Link(l) | NodeValue::Image(l), Some(print)) = (&mut data.value, print) {
            l.url = print;
        }
    }
    let prefix = resolver.print_anchor("").unwrap_or_default();
    for node in root.descendants() {
        match &mut node.data_mut().value {
            NodeValue::FootnoteDefinition(f) => f.name = format!("{prefix}{}", f.name),
            NodeValue::FootnoteReference(f) => f.name = format!("{prefix}{}", f.name),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_as_split_whitespace_counts_them() {
        for text in [
            "",
            "  ",
            "bir",
            " Kümelenme  destek\tprogramı\n",
            "a\u{a0}b\u{2003}c\u{b}d\u{c}e",
            "İğdır’da  çalıştay ",
            "a\u{85}b\u{1680}c\u{2028}d\u{202f}e\u{205f}f\u{3000}g",
            "a—b … c\u{200b}d €5 日本",
            "\u{a0}",
            "a\u{a0}",
            " x\u{2000}",
            "“Kümelenme” – İğdır’da\r\n\u{c}x",
            &"kelime ".repeat(300),
        ] {
            assert_eq!(
                count_words(text),
                text.split_whitespace().count(),
                "{text:?}"
            );
        }
    }

    struct Plain;
    impl LinkResolver for Plain {
        fn resolve(
            &self,
            d: &str,
            _: bool,
            line: usize,
            column: usize,
        ) -> Result<LinkTarget, Diagnostic> {
            match d {
                "missing.md" => Err(Diagnostic::error("x.md", "missing").at(line, column)),
                "other.md" => Ok(LinkTarget::Rewritten {
                    href: "/other/".into(),
                    print: Some("#other".into()),
                }),
                _ => Ok(LinkTarget::Unchanged),
            }
        }
        fn print_anchor(&self, id: &str) -> Option<String> {
            Some(format!("ch--{id}"))
        }
    }

    #[test]
    fn headings_get_transliterated_unique_ids() {
        let r = render(
            "## Küme Analizi\n\n## Küme Analizi\n\ntext\n",
            1,
            &Plain,
            None,
            "Tablo",
        );
        assert!(
            r.html.contains("<h2 id=\"kume-analizi\">Küme Analizi</h2>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<h2 id=\"kume-analizi-1\">"));
        assert_eq!(r.headings.len(), 2);
    }

    #[test]
    fn a_link_that_shows_its_address_is_marked_so_print_does_not_repeat_it() {
        let html = bare_links(
            "<a href=\"https://www.kosgeb.gov.tr/\">kosgeb.gov.tr</a> \
             <a href=\"https://example.org/a\">KOSGEB</a>"
                .into(),
        );
        assert!(html.contains("<a href=\"https://www.kosgeb.gov.tr/\" class=\"url\">"));
        assert!(html.contains("<a href=\"https://example.org/a\">KOSGEB</a>"));
    }

    #[test]
    fn gfm_extensions_are_on() {
        let md = "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ https://example.org\n\n- [x] done\n\nNote[^1].\n\n[^1]: Source.\n";
        let r = render(md, 1, &Plain, None, "Tablo");
        assert!(r.html.contains(
            "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Tablo 1\">\n<table>"
        ));
        assert!(r.html.contains("<del>old</del>"));
        assert!(
            r.html
                .contains("<a href=\"https://example.org\" class=\"url\">")
        );
        assert!(r.html.contains("<li class=\"task-list-item\"><span class=\"task-box\" aria-hidden=\"true\">☑</span>"), "{}", r.html);
        assert!(!r.html.contains("<input"));
        assert!(r.html.contains("class=\"footnotes\""));
    }

    #[test]
    fn links_are_resolved_and_broken_ones_located() {
        let r = render(
            "---\n\nSee [a](other.md) and\n[b](missing.md).\n",
            5,
            &Plain,
            None,
            "Tablo",
        );
        assert!(r.html.contains("href=\"/other/\""));
        let d = &r.diagnostics[0];
        assert_eq!((d.line, d.column), (Some(8), Some(1)));
    }

    #[test]
    fn a_broken_link_after_turkish_letters_is_located_by_character() {
        let r = render(
            "İlçe ığdır şöyle: [b](missing.md)
",
            1,
            &Plain,
            None,
            "Tablo",
        );
        let d = &r.diagnostics[0];
        assert_eq!((d.line, d.column), (Some(1), Some(19)));
    }

    #[test]
    fn print_version_prefixes_ids_and_rewrites_links() {
        let r = render(
            "## Giriş\n\n[o](other.md) x[^a]\n\n[^a]: n\n",
            1,
            &Plain,
            Some(1),
            "Tablo",
        );
        let print = r.print_html.unwrap();
        assert!(print.contains("<h3 id=\"ch--giris\">"), "{print}");
        assert!(print.contains("href=\"#other\""));
        assert!(print.contains("fn-ch--a"));
        assert!(r.html.contains("<h2 id=\"giris\">"));
        assert!(r.html.contains("href=\"/other/\""));
        assert_eq!(r.summary, "o x");
    }
}
