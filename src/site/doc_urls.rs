//! The addresses a document gives rise to besides its own: its book's print page and its
//! section's Atom feed.

use crate::config::Strings;
use crate::content::{Content, DocId};

/// The URL of a book's print page, e.g. `/rehber/yazdir/`.
pub fn print_url(content: &Content, strings: &Strings, root: DocId) -> Option<String> {
    let d = &content.docs[root];
    let slug = strings.get(&d.lang, "book_print_slug")?;
    Some(format!("{}{slug}/", d.url))
}

/// `/haberler/` → `/haberler/atom.xml`.
pub fn feed_url(section_url: &str) -> String {
    format!("{section_url}atom.xml")
}
