//! Checks on the addresses given as sources: a reader must be able to follow a source to the
//! page that states the fact. A site's front page says nothing by itself, and a staging host
//! (a publisher's temporary preview copy) disappears; both get a warning.
//!
//! Sources are the `sources`, `source` and official `url` of the programme catalogue and the
//! footnote definitions (`[^1]: … <https://…>`) of every Markdown page.

use crate::diagnostics::Diagnostic;

/// Hosts that serve temporary preview copies of a publisher's site, never the publication.
const STAGING_HOSTS: [&str; 1] = ["hosted-temp.com"];

/// Why an address is not a usable source.
#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    /// The address is a whole site (`https://example.gov.tr/`), not the page with the fact.
    FrontPage,
    /// The host is a known staging host.
    Staging(String),
}

impl Problem {
    pub fn message(&self, url: &str) -> String {
        match self {
            Problem::FrontPage => format!("the source `{url}` is a site's front page"),
            Problem::Staging(host) => {
                format!("the source `{url}` is on `{host}`, a staging host that will disappear")
            }
        }
    }

    pub fn help(&self) -> &'static str {
        match self {
            Problem::FrontPage => {
                "link the publisher's own page that states the fact (a deep link), not its home page"
            }
            Problem::Staging(_) => {
                "link the same page on the publisher's own site, or an archived copy of it"
            }
        }
    }
}

/// The problem with `url` as a source, if any. Addresses that are not http(s) are not judged.
pub fn problem(url: &str) -> Option<Problem> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    if let Some(s) = STAGING_HOSTS
        .iter()
        .find(|s| host == **s || host.ends_with(&format!(".{s}")))
    {
        return Some(Problem::Staging((*s).to_string()));
    }
    let path = path.split('#').next().unwrap_or("");
    path.is_empty().then_some(Problem::FrontPage)
}

/// A warning for `url`, a source written in `file` at `line`:`column`, when it is one.
pub fn warning(file: &str, url: &str, at: (usize, usize)) -> Option<Diagnostic> {
    let p = problem(url)?;
    Some(
        Diagnostic::warning(file, p.message(url))
            .at(at.0, at.1)
            .help(p.help()),
    )
}

/// Warnings for the sources in the footnote definitions of a Markdown body that starts at
/// line `first_line` of `file`.
pub fn footnote_warnings(file: &str, body: &str, first_line: usize) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Most pages have no footnote: one SIMD search instead of a walk over every line.
    if memchr::memmem::find(body.as_bytes(), b"[^").is_none() {
        return out;
    }
    for (i, line) in body.lines().enumerate() {
        if !line.trim_start().starts_with("[^") {
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find("<http") {
            let after = &rest[start + 1..];
            let Some(end) = after.find('>') else { break };
            let url = &after[..end];
            // Columns count characters, as everywhere else in the diagnostics.
            let column = line[..line.len() - rest.len() + start].chars().count() + 2;
            out.extend(warning(file, url, (first_line + i, column)));
            rest = &after[end..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_pages_and_staging_hosts_are_problems() {
        assert_eq!(
            problem("https://www.mevzuat.gov.tr/"),
            Some(Problem::FrontPage)
        );
        assert_eq!(
            problem("http://www.kobigirisim.net"),
            Some(Problem::FrontPage)
        );
        assert_eq!(
            problem("https://orjinom.com/#top"),
            Some(Problem::FrontPage)
        );
        assert_eq!(
            problem("https://impr-0001-1260-partners.eccp.hosted-temp.com/register-your-profile"),
            Some(Problem::Staging("hosted-temp.com".into()))
        );
        assert_eq!(problem("https://tubitak.gov.tr/en/funds/1507"), None);
        assert_eq!(problem("https://ab.gov.tr/53346_en.html"), None);
        assert_eq!(problem("https://example.org/?id=3"), None);
        assert_eq!(problem("mailto:a@b.c"), None);
    }

    #[test]
    fn footnote_sources_are_found_with_their_position() {
        let body = "Text <https://a.org/> is not a footnote.\n\n[^1]: A, “B”. <https://a.org/x>; copy: <https://b.org>\n";
        let w = footnote_warnings("p.md", body, 5);
        assert_eq!(w.len(), 1);
        let text = w[0].to_string();
        assert!(text.contains("p.md:7:"), "{text}");
        assert!(
            text.contains("`https://b.org` is a site's front page"),
            "{text}"
        );
    }
}
