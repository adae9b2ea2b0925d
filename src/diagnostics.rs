//! Problems found in a site, collected during a run and reported together.
//!
//! Every problem names where it is (file, and line:column when there is one), what is wrong,
//! and what to do about it. `kume check` prints them all instead of stopping at the first.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

/// How serious a problem is: errors fail `check` and `build`, warnings are only shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, with its location and a suggested fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the site root, with `/` separators.
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, message)
        }
    }

    pub fn at(mut self, line: usize, column: usize) -> Diagnostic {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub fn at_line(mut self, line: usize) -> Diagnostic {
        self.line = Some(line);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// `file:line:column`, as far as it is known.
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", self.file),
            (Some(l), None) => format!("{}:{l}", self.file),
            _ => self.file.clone(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {label}: {}", self.location(), self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// A thread-safe collection of diagnostics; parallel stages push into it.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Mutex<Vec<Diagnostic>>,
}

impl Diagnostics {
    pub fn push(&self, d: Diagnostic) {
        self.items.lock().unwrap_or_else(|e| e.into_inner()).push(d);
    }

    pub fn extend(&self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(ds);
    }

    pub fn has_errors(&self) -> bool {
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// All diagnostics sorted by file, line and column, duplicates removed.
    pub fn into_sorted(self) -> Vec<Diagnostic> {
        let mut items = self.items.into_inner().unwrap_or_else(|e| e.into_inner());
        items.sort_by(|a, b| {
            (&a.file, a.line, a.column, a.severity, &a.message)
                .cmp(&(&b.file, b.line, b.column, b.severity, &b.message))
        });
        // The same template mistake shows up once per page that uses the template.
        items.dedup_by(|a, b| {
            a.file == b.file && a.line == b.line && a.column == b.column && a.message == b.message
        });
        items
    }

    pub fn take(&self) -> Vec<Diagnostic> {
        std::mem::take(&mut *self.items.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A path relative to `root`, `/`-separated, for messages that are the same on every machine.
pub fn display_path(root: &Path, path: &Path) -> String {
    let rel: PathBuf = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    rel.to_string_lossy().replace('\\', "/")
}

/// A problem met while listing a source folder (`folder`, as shown), at the file or link it
/// names when there is one: a link that points nowhere, a link that loops, a folder that
/// cannot be read.
pub fn walk_error(root: &Path, folder: &str, e: &walkdir::Error) -> Diagnostic {
    let what = e
        .io_error()
        .map_or_else(|| e.to_string(), ToString::to_string);
    match e.path() {
        Some(path) if e.loop_ancestor().is_some() => Diagnostic::error(
            display_path(root, path),
            "this link leads back into its own folder",
        )
        .help("point the link somewhere outside the folder that holds it"),
        Some(path) if path.is_symlink() => Diagnostic::error(
            display_path(root, path),
            format!("cannot follow this link: {what}"),
        )
        .help("point the link at a file that exists, or remove it"),
        Some(path) => Diagnostic::error(display_path(root, path), format!("cannot read: {what}")),
        None => Diagnostic::error(folder, format!("cannot read the folder: {what}")),
    }
}

/// 1-based line and column of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |nl| before.len() - nl - 1);
    (line, before[before.len() - col..].chars().count() + 1)
}

/// `kume` exits 1 when the project has errors, 3 when it could not run at all.
pub const EXIT_SITE_ERRORS: u8 = 1;
pub const EXIT_FAILURE: u8 = 3;

/// Prints diagnostics to standard error, then how many errors and warnings there were.
pub fn print_diagnostics(diags: &[Diagnostic]) {
    for d in diags {
        eprintln!("{d}");
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    if errors > 0 {
        eprintln!(
            "{errors} error{}{}",
            plural_s(errors),
            if warnings > 0 {
                format!(", {warnings} warning{}", plural_s(warnings))
            } else {
                String::new()
            }
        );
    }
}

fn plural_s(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_location_and_help() {
        let d = Diagnostic::error("site/content/a.md", "link target does not exist")
            .at(3, 7)
            .help("fix it");
        assert_eq!(
            d.to_string(),
            "site/content/a.md:3:7: error: link target does not exist\n  help: fix it"
        );
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\nçd", 5), (2, 2));
        assert_eq!(line_col("abc", 0), (1, 1));
    }
}
