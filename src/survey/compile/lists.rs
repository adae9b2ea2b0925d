//! The choice lists a survey declares under `lists:` (the built-in ones are project data:
//! [`crate::data::lists`]).

use std::collections::BTreeSet;

use serde_saphyr::Spanned;

use super::context::Ctx;
use super::is_snake;
use crate::survey::model::{Choice, RawChoice};

pub(super) fn compile_list(
    ctx: &mut Ctx<'_>,
    name: &str,
    items: &Spanned<Vec<RawChoice>>,
) -> Vec<Choice> {
    if !is_snake(name) {
        ctx.error(
            &items.referenced,
            format!("list name `{name}` is not snake_case"),
            "use lower-case ASCII letters, digits and `_`",
        );
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for c in &items.value {
        let code = &c.code.value;
        if code.is_empty()
            || !code
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'))
        {
            ctx.error(
                &c.code.referenced,
                format!("choice code `{code}` must be ASCII letters, digits, `_`, `-` or `.`"),
                "codes are stored with the answers and never translated",
            );
        }
        if !seen.insert(code.clone()) {
            ctx.error(
                &c.code.referenced,
                format!("choice code `{code}` is used twice in list `{name}`"),
                "every choice needs its own code",
            );
        }
        ctx.text("label", &c.label);
        out.push(Choice {
            code: code.clone(),
            label: c.label.value.clone(),
            exclusive: c.exclusive,
            other: c.other,
            attrs: c.attrs.clone(),
        });
    }
    if items.value.is_empty() {
        ctx.error(
            &items.referenced,
            format!("list `{name}` has no choices"),
            "add at least one `- {code: …, label: {…}}`",
        );
    }
    out
}
