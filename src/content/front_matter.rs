//! Front matter: the YAML block between `---` lines at the top of a Markdown file.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diagnostics::Diagnostic;
use crate::text::Date;
use crate::yaml;

/// The front matter keys, as written. Unknown keys are an error (with a suggestion).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub date: Option<Spanned<String>>,
    #[serde(default)]
    pub weight: Option<i64>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub slug: Option<Spanned<String>>,
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    #[serde(default)]
    pub template: Option<Spanned<String>>,
    #[serde(default)]
    pub taxonomies: BTreeMap<String, Spanned<Vec<String>>>,
    #[serde(default)]
    pub extra: Option<serde_json::Value>,
    /// Sections only: render this section and everything under it as a book.
    #[serde(default)]
    pub book: bool,
    /// Sections only: publish an Atom feed of this section's pages (newest first).
    #[serde(default)]
    pub feed: bool,
}

/// A Markdown file split into its parsed front matter and its body.
#[derive(Debug, Clone)]
pub struct Split {
    pub front: FrontMatter,
    pub date: Option<Date>,
    pub body: String,
    /// 1-based line of the file where the body starts.
    pub body_line: usize,
    /// The raw front matter text, to tell cheaply whether it changed between two reads.
    pub raw_front: String,
}

/// Splits and parses a Markdown file. `file` is the display path used in diagnostics.
pub fn split(text: &str, file: &str) -> Result<Split, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let no_front = || {
        Diagnostic::error(file, "the file has no front matter")
            .at(1, 1)
            .help("start the file with a YAML block: a line `---`, then `title: …`, then a line `---`")
    };
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or_else(no_front)?;
    let (yaml_text, body, yaml_lines) = find_closing_fence(rest).ok_or_else(|| {
        Diagnostic::error(file, "the front matter is not closed")
            .at(1, 1)
            .help("end the YAML block with a line that holds only `---`")
    })?;
    let front: FrontMatter = yaml::parse(yaml_text, file, 1)?;
    let date = match &front.date {
        Some(d) => Some(Date::parse(&d.value).ok_or_else(|| {
            Diagnostic::error(file, format!("`date: {}` is not a date", d.value))
                .at(
                    d.referenced.line() as usize + 1,
                    d.referenced.column() as usize,
                )
                .help("write dates as YYYY-MM-DD, e.g. `date: 2026-11-26`")
        })?),
        None => None,
    };
    Ok(Split {
        front,
        date,
        body: body.to_string(),
        body_line: yaml_lines + 3,
        raw_front: yaml_text.to_string(),
    })
}

/// Returns (yaml, body, number of yaml lines).
fn find_closing_fence(rest: &str) -> Option<(&str, &str, usize)> {
    let mut offset = 0;
    for (n, line) in rest.split_inclusive('\n').enumerate() {
        if line.trim_end() == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..], n));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_counts_lines() {
        let s = split("---\ntitle: Giriş\nweight: 2\n---\n# Body\n", "a.md").unwrap();
        assert_eq!(s.front.title, "Giriş");
        assert_eq!(s.front.weight, Some(2));
        assert_eq!(s.body, "# Body\n");
        assert_eq!(s.body_line, 5);
    }

    #[test]
    fn unknown_key_points_at_its_line() {
        let d = split("---\ntitle: x\ntemplat: a.html\n---\n", "a.md").unwrap_err();
        assert_eq!(d.location(), "a.md:3:1");
        assert!(d.help.unwrap().starts_with("did you mean `template`?"));
    }

    #[test]
    fn bad_date_is_explained() {
        let d = split("---\ntitle: x\ndate: 26.11.2026\n---\n", "a.md").unwrap_err();
        assert_eq!(d.location(), "a.md:3:7");
        assert!(d.message.contains("is not a date"));
    }

    #[test]
    fn missing_or_unclosed_front_matter() {
        assert!(
            split("# no front matter\n", "a.md")
                .unwrap_err()
                .message
                .contains("no front matter")
        );
        assert!(
            split("---\ntitle: x\n", "a.md")
                .unwrap_err()
                .message
                .contains("not closed")
        );
    }
}
