//! YAML reading with errors that point at the file, line and column, and suggest a fix.

use serde::de::DeserializeOwned;
use serde_saphyr::{RenderOptions, SnippetMode};

use crate::diagnostics::Diagnostic;
use crate::text::did_you_mean;

/// Parses `text` (which starts at line `line_offset + 1` of `file`) into `T`.
pub fn parse<T: DeserializeOwned>(
    text: &str,
    file: &str,
    line_offset: usize,
) -> Result<T, Diagnostic> {
    serde_saphyr::from_str::<T>(text).map_err(|err| to_diagnostic(&err, file, line_offset))
}

fn to_diagnostic(err: &serde_saphyr::Error, file: &str, line_offset: usize) -> Diagnostic {
    let mut options = RenderOptions::default();
    options.snippets = SnippetMode::Off;
    let rendered = err.render_with_options(options);
    let message = strip_location_prefix(rendered.lines().next().unwrap_or_default());
    let help = unknown_field_help(&message);
    // The allowed keys go in the help, not twice.
    let short = match (&help, message.split_once(", expected")) {
        (Some(_), Some((head, _))) => head.to_string(),
        _ => message.clone(),
    };
    let (short, limit_help) = explain_limits(short);
    let mut diag = Diagnostic::error(file, short);
    if let Some(loc) = err.location() {
        diag = diag.at(line_offset + loc.line() as usize, loc.column() as usize);
    }
    if let Some(help) = limit_help {
        diag = diag.help(help);
    } else if let Some(help) = help {
        diag = diag.help(help);
    } else if message.contains("missing field") {
        diag = diag.help("add the field; see docs/site.md for every key and its meaning");
    }
    diag
}

/// The parser's limits against hostile input (alias bombs, deep nesting, huge scalars) say
/// what they counted; a maintainer needs to know what to change.
fn explain_limits(message: String) -> (String, Option<String>) {
    if message.contains("budget breached") {
        (
            "the YAML expands to too much data (anchors and aliases repeating large blocks, or a huge file)".into(),
            Some("write the values out without chains of aliases; Kume refuses such files to stay fast and safe".into()),
        )
    } else if message.contains("recursion limit") {
        (
            "the YAML is nested too deeply".into(),
            Some("flatten the structure; survey files need only a few levels".into()),
        )
    } else {
        (message, None)
    }
}

/// `error: line 2 column 1: unknown field` → `unknown field`
fn strip_location_prefix(line: &str) -> String {
    let mut line = line.trim().trim_start_matches("error:").trim();
    if let Some(idx) = line.rfind(" at line ") {
        line = &line[..idx];
    }
    if let Some(rest) = line.strip_prefix("line ")
        && let Some((_, msg)) = rest.split_once(": ")
    {
        return msg.trim().to_string();
    }
    line.to_string()
}

/// serde's "unknown field `x`, expected one of a, b" becomes "did you mean `b`?".
fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, tail) = rest.split_once('`')?;
    let expected: Vec<&str> = tail
        .split_once("expected one of ")
        .or_else(|| tail.split_once("expected "))
        .map(|(_, list)| {
            list.split(',')
                .map(|s| s.trim().trim_matches('`'))
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Some(match did_you_mean(field, expected.iter().copied()) {
        Some(best) => format!(
            "did you mean `{best}`? Allowed keys: {}",
            expected.join(", ")
        ),
        None => format!("remove it; allowed keys: {}", expected.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        title: String,
        weight: Option<i64>,
    }

    #[test]
    fn unknown_key_has_location_and_suggestion() {
        let d = parse::<Sample>("title: a\nwieght: 3\n", "x.md", 1).unwrap_err();
        assert_eq!(d.line, Some(3));
        assert_eq!(d.column, Some(1));
        assert_eq!(d.message, "unknown field `wieght`");
        let help = d.help.unwrap();
        assert!(help.starts_with("did you mean `weight`?"), "{help}");
    }

    #[test]
    fn wrong_type_points_at_value() {
        let d = parse::<Sample>("title: a\nweight: ten\n", "x.md", 0).unwrap_err();
        assert_eq!((d.line, d.column), (Some(2), Some(9)));
    }
}
