//! Internal links: resolving what authors write and checking that every target exists.
//!
//! Authors link to the Markdown *source* (`../kume-yonetimi/_index.md#hedefler`), which also
//! works in a git web view, or to a site URL (`/rehber/`) or static file (`/css/kume.css`).
//! Source links resolve to the page in the linking page's language. Anchors are checked once
//! every page's headings are known, and links to generated files once every generated area is
//! loaded: neither changes the rendered HTML, so the Markdown renders while the areas load.

use std::cell::RefCell;
use std::collections::HashSet;

use crate::content::{Content, DocId};
use crate::diagnostics::Diagnostic;
use crate::markdown::{LinkResolver, LinkTarget, Rendered};
use crate::text::{did_you_mean, percent_decode, slugify};

/// A link with a `#fragment` to a page, checked after all pages are rendered.
#[derive(Debug, Clone)]
pub struct AnchorRef {
    pub target: DocId,
    pub anchor: String,
    pub written: String,
    pub line: usize,
    pub column: usize,
}

/// A link to a URL that is no page, checked against the static and generated files by
/// [`check_file_links`].
#[derive(Debug, Clone)]
pub struct FileLink {
    /// `/css/kume.css`, `/sektor-analizi`.
    as_file: String,
    written: String,
    line: usize,
    column: usize,
}

/// Resolves the links of one document.
pub struct DocLinks<'a> {
    pub content: &'a Content,
    pub doc: DocId,
    pub anchors: RefCell<Vec<AnchorRef>>,
    pub file_links: RefCell<Vec<FileLink>>,
}

impl<'a> DocLinks<'a> {
    pub fn new(content: &'a Content, doc: DocId) -> DocLinks<'a> {
        DocLinks {
            content,
            doc,
            anchors: RefCell::new(Vec::new()),
            file_links: RefCell::new(Vec::new()),
        }
    }

    fn file(&self) -> &str {
        &self.content.docs[self.doc].file
    }

    /// The anchor of a chapter on its book's print page, e.g. `rehber-kume-analizi`.
    fn chapter_anchor(&self, id: DocId) -> Option<String> {
        let doc = &self.content.docs[id];
        let book = doc.book?;
        (self.content.docs[self.doc].book == Some(book)).then(|| slugify(&doc.url))
    }

    /// Records the anchor to check later and rewrites the link to `id`'s URL. `keep_written`
    /// keeps the author's href on the normal page (it is already a URL); only the print page
    /// differs.
    fn target(&self, id: DocId, link: &Written<'_>, keep_written: bool) -> LinkTarget {
        let url = &self.content.docs[id].url;
        if let Some(f) = link.fragment {
            self.anchors.borrow_mut().push(AnchorRef {
                target: id,
                anchor: f.to_string(),
                written: link.text.to_string(),
                line: link.line,
                column: link.column,
            });
        }
        let href = match (keep_written, link.fragment) {
            (true, _) => link.text.to_string(),
            (false, Some(f)) => format!("{url}#{f}"),
            (false, None) => url.clone(),
        };
        let print = self.chapter_anchor(id).map(|ch| match link.fragment {
            Some(f) => format!("#{ch}--{f}"),
            None => format!("#{ch}"),
        });
        LinkTarget::Rewritten { href, print }
    }

    fn error(&self, link: &Written<'_>, message: String) -> Diagnostic {
        link_error(self.file(), link.text, link.line, link.column, message)
    }

    fn resolve_source(&self, path: &str, link: &Written<'_>) -> Result<LinkTarget, Diagnostic> {
        let doc = &self.content.docs[self.doc];
        let folder = doc.rel.rsplit_once('/').map_or("", |(f, _)| f);
        let rel = join(if path.starts_with('/') { "" } else { folder }, path)
            .ok_or_else(|| self.error(link, "it points outside site/content/".into()))?;
        if self.content.failed.contains(&rel) {
            // That file's own error is reported; a second one here would only be noise.
            return Ok(LinkTarget::Unchanged);
        }
        let direct = self.content.by_rel.get(&rel).copied();
        // `x.md` from an English page means the English `x.en.md`; `x.en.md` is taken as written.
        let found = match direct.map(|id| &self.content.docs[id]) {
            Some(target) if target.lang != doc.lang && target.rel == target.key => self
                .content
                .translation(&target.key, &doc.lang)
                .ok_or_else(|| {
                    let msg = format!(
                        "`{rel}` has no translation in this page's language ({})",
                        doc.lang
                    );
                    self.error(link, msg).help(format!(
                        "add the translation next to it, or link to the page's URL `{}` explicitly",
                        target.url
                    ))
                })?,
            Some(_) => direct.unwrap_or_default(),
            None => {
                let d = self.error(link, format!("the file site/content/{rel} does not exist"));
                let keys = self.content.by_rel.keys().map(String::as_str);
                return Err(match did_you_mean(&rel, keys) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => {
                        d.help("link to a Markdown file under site/content/, relative to this file")
                    }
                });
            }
        };
        Ok(self.target(found, link, false))
    }

    fn resolve_url(&self, path: &str, link: &Written<'_>) -> Result<LinkTarget, Diagnostic> {
        let base = &self.content.docs[self.doc].url;
        let joined = if path.starts_with('/') {
            join("", path)
        } else {
            join(base.trim_matches('/'), path)
        };
        let Some(joined) = joined else {
            return Err(self.error(link, "it points above the site root".into()));
        };
        let as_file = format!("/{joined}");
        if let Some(&id) = self.content.by_url.get(&page_url(&as_file)) {
            return Ok(self.target(id, link, true));
        }
        self.file_links.borrow_mut().push(FileLink {
            as_file,
            written: link.text.to_string(),
            line: link.line,
            column: link.column,
        });
        Ok(LinkTarget::Unchanged)
    }
}

/// Checks the links of document `doc` to URLs that are no page against `files`, the URL paths
/// of the static and generated files (`/css/kume.css`, `/sitemap.xml`).
pub fn check_file_links(
    content: &Content,
    doc: DocId,
    links: &[FileLink],
    files: &HashSet<String>,
) -> Vec<Diagnostic> {
    let error = |link: &FileLink, message: String| {
        let file = &content.docs[doc].file;
        link_error(file, &link.written, link.line, link.column, message)
    };
    links
        .iter()
        .map(|link| (link, page_url(&link.as_file)))
        .filter(|(l, as_page)| {
            !files.contains(&l.as_file) && !files.contains(&format!("{as_page}index.html"))
        })
        .map(|(link, as_page)| {
            let looks_like_file = (link.as_file.rsplit('/').next())
                .is_some_and(|last| last.contains('.'));
            if looks_like_file {
                return error(link, format!("no page or file has the URL `{}`", link.as_file))
                    .help(format!(
                        "put the file at site/static{}, or correct the path",
                        link.as_file
                    ));
            }
            let d = error(link, format!("no page or file has the URL `{as_page}`"));
            match did_you_mean(&as_page, content.by_url.keys().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(
                    "link to the Markdown source (e.g. `../page.md`) so the link follows the page when its URL changes",
                ),
            }
        })
        .collect()
}

/// The page address of a URL path: `/rehber` → `/rehber/`, `/` → `/`.
fn page_url(path: &str) -> String {
    if path == "/" {
        path.to_string()
    } else {
        format!("{path}/")
    }
}

fn link_error(
    file: &str,
    written: &str,
    line: usize,
    column: usize,
    message: String,
) -> Diagnostic {
    Diagnostic::error(file, format!("link `{written}`: {message}")).at(line, column)
}

/// A link as the author wrote it, with where it is.
struct Written<'a> {
    text: &'a str,
    fragment: Option<&'a str>,
    line: usize,
    column: usize,
}

impl LinkResolver for DocLinks<'_> {
    fn resolve(
        &self,
        destination: &str,
        _is_image: bool,
        line: usize,
        column: usize,
    ) -> Result<LinkTarget, Diagnostic> {
        if is_external(destination) || destination.is_empty() {
            return Ok(LinkTarget::Unchanged);
        }
        let (path, fragment) = match destination.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (destination, None),
        };
        let link = Written {
            text: destination,
            fragment,
            line,
            column,
        };
        let path = percent_decode(path.split('?').next().unwrap_or(path));
        if path.is_empty() {
            Ok(self.target(self.doc, &link, true))
        } else if path.ends_with(".md") {
            self.resolve_source(&path, &link)
        } else {
            self.resolve_url(&path, &link)
        }
    }

    fn print_anchor(&self, id: &str) -> Option<String> {
        self.chapter_anchor(self.doc)
            .map(|ch| format!("{ch}--{id}"))
    }
}

fn is_external(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    match dest.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
                && !scheme.contains('/')
        }
        None => false,
    }
}

/// Joins a relative path onto a folder (both `/`-separated, without leading slash) and
/// resolves `.` and `..`. None when the path climbs above the root.
fn join(folder: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Checks every `#anchor` link against the headings of its target page.
pub fn check_anchors(
    content: &Content,
    rendered: &[Rendered],
    refs: &[Vec<AnchorRef>],
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for (source, list) in refs.iter().enumerate() {
        for r in list {
            let target = &rendered[r.target];
            let known = target.headings.iter().any(|h| h.id == r.anchor)
                || r.anchor.starts_with("fn-")
                || r.anchor.starts_with("fnref-")
                || r.anchor == "main";
            if known {
                continue;
            }
            let ids: Vec<&str> = target.headings.iter().map(|h| h.id.as_str()).collect();
            let help = match did_you_mean(&r.anchor, ids.iter().copied()) {
                Some(s) => format!("did you mean `#{s}`?"),
                None if ids.is_empty() => "that page has no headings".to_string(),
                None => format!(
                    "headings on that page: {}",
                    ids.iter()
                        .take(12)
                        .map(|i| format!("#{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            diags.push(
                Diagnostic::error(
                    &content.docs[source].file,
                    format!(
                        "link `{}`: {} has no heading with the id `{}`",
                        r.written, content.docs[r.target].file, r.anchor
                    ),
                )
                .at(r.line, r.column)
                .help(help),
            );
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths() {
        assert_eq!(
            join("rehber/a", "../b/_index.md").as_deref(),
            Some("rehber/b/_index.md")
        );
        assert_eq!(join("", "/x.md").as_deref(), Some("x.md"));
        assert_eq!(join("", "../x.md"), None);
    }

    #[test]
    fn recognises_external_links() {
        assert!(is_external("https://example.org"));
        assert!(is_external("mailto:a@b.c"));
        assert!(is_external("//cdn.example.org/x"));
        assert!(!is_external("../a.md"));
        assert!(!is_external("/rehber/"));
    }
}
