//! The guidebook's downloadable templates (`site/static/rehber/sablonlar/`) name the page
//! they belong to (`/en/guide/cluster-analysis/…/`). A reader who follows that address must
//! land on a page, so every page address written in a template must exist.

use crate::diagnostics::Diagnostic;

/// The URL folder of the templates.
pub const TEMPLATES_URL: &str = "/rehber/sablonlar/";

/// Page addresses in `text`: tokens that start and end with `/` and hold only lower-case
/// letters, digits, `-` and `/` (`/en/guide/x/`), with their line and column.
fn page_addresses(text: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut offset = 0;
        for token in line.split(|c: char| c.is_whitespace() || "\"'();,<>[]".contains(c)) {
            let at = offset;
            offset += token.len() + 1;
            let is_address = token.len() > 1
                && token.starts_with('/')
                && token.ends_with('/')
                && token
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '/');
            if is_address {
                out.push((token.to_string(), i + 1, line[..at].chars().count() + 1));
            }
        }
    }
    out
}

/// An error for every page address in a template that `exists` does not know. `templates`
/// are the templates' display paths and texts (see `site::guide_templates`).
pub fn check(templates: &[(String, String)], exists: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for (file, text) in templates {
        for (address, line, column) in page_addresses(text) {
            if !exists(&address) {
                diags.push(
                    Diagnostic::error(file, format!("the template names the page `{address}`, which does not exist"))
                        .at(line, column)
                        .help("write the address of the page as it is built (the translated slugs of an English page), e.g. `/en/guide/…/`"),
                );
            }
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_page_addresses_but_not_other_slashes() {
        let found = page_addresses("Page: /en/guide/x-y/\nmember/joint a/n; (/rehber/) /css/k.css");
        let addrs: Vec<_> = found.iter().map(|(a, l, c)| (a.as_str(), *l, *c)).collect();
        assert_eq!(addrs, vec![("/en/guide/x-y/", 1, 7), ("/rehber/", 2, 20)]);
    }
}
