//! The working state while compiling one survey file: its text, its languages and the
//! diagnostics found so far, with the helpers that place an error at a YAML location.

use serde_saphyr::{Location, Spanned};

use crate::diagnostics::Diagnostic;
use crate::survey::expr;
use crate::survey::model::Text;

/// Working state while compiling one file.
pub(super) struct Ctx<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
    pub(super) langs: Vec<String>,
    pub(super) diags: &'a mut Vec<Diagnostic>,
    pub(super) errors: usize,
}

impl Ctx<'_> {
    pub(super) fn error(
        &mut self,
        loc: &Location,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let help = help.into();
        let mut d =
            Diagnostic::error(self.file, message).at(loc.line() as usize, loc.column() as usize);
        if !help.is_empty() {
            d = d.help(help);
        }
        self.diags.push(d);
        self.errors += 1;
    }

    /// Every language of the survey has a non-empty text.
    pub(super) fn text(&mut self, field: &str, t: &Spanned<Text>) -> Text {
        for lang in self.langs.clone() {
            if t.value.get(&lang).is_none_or(|s| s.trim().is_empty()) {
                self.error(
                    &t.referenced,
                    format!("`{field}` has no `{lang}` text"),
                    format!("add `{lang}: …`; a missing translation fails the build"),
                );
            }
        }
        t.value.clone()
    }

    pub(super) fn opt_text(&mut self, field: &str, t: &Option<Spanned<Text>>) -> Option<Text> {
        t.as_ref().map(|t| self.text(field, t))
    }

    /// Column of the first character inside a scalar (after an opening quote).
    fn inner_column(&self, loc: &Location) -> usize {
        let line = self
            .text
            .lines()
            .nth((loc.line() as usize).saturating_sub(1))
            .unwrap_or_default();
        let col = loc.column() as usize;
        let quoted = line
            .chars()
            .nth(col.saturating_sub(1))
            .is_some_and(|c| c == '"' || c == '\'');
        col + usize::from(quoted)
    }

    pub(super) fn expr_error(
        &mut self,
        loc: &Location,
        src: &str,
        e: &expr::ExprError,
        what: &str,
    ) {
        let before = &src[..e.span.start.min(src.len())];
        let col = self.inner_column(loc) + before.chars().count();
        let mut d = Diagnostic::error(self.file, format!("{what}: {}", e.message))
            .at(loc.line() as usize, col);
        if let Some(h) = &e.help {
            d = d.help(h.clone());
        }
        self.diags.push(d);
        self.errors += 1;
    }
}
