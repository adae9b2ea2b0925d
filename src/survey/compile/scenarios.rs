//! The survey's `tests:` scenarios, run through the same evaluator the collector uses: each
//! names answers and what should follow (hidden and shown questions, errors, warnings, values).

use std::collections::BTreeSet;

use super::context::Ctx;
use crate::survey::evaluate;
use crate::survey::expr;
use crate::survey::model::{RawTest, Survey};
use crate::text::did_you_mean;

/// Runs the survey's `tests:` through the evaluator and reports the first mismatch of each.
pub(super) fn run_tests(survey: &Survey, tests: &[RawTest], ctx: &mut Ctx<'_>) {
    if ctx.errors > 0 {
        return;
    }
    let known: BTreeSet<String> = survey
        .questions()
        .iter()
        .flat_map(|q| {
            let mut ids = vec![q.id.clone()];
            for r in &q.rows {
                if q.columns.is_empty() {
                    ids.push(format!("{}.{}", q.id, r.id));
                }
                for c in &q.columns {
                    ids.push(format!("{}.{}.{}", q.id, r.id, c.id));
                }
            }
            ids
        })
        .collect();
    for t in tests {
        let names = t
            .answers
            .keys()
            .chain(&t.hidden)
            .chain(&t.visible)
            .chain(&t.errors)
            .chain(&t.warnings)
            .chain(t.values.keys());
        let unknown: Vec<&String> = names.filter(|n| !known.contains(*n)).collect();
        if let Some(u) = unknown.first() {
            let help = match did_you_mean(u, known.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "use the ids of the survey's questions".to_string(),
            };
            ctx.error(
                &t.name.referenced,
                format!("test `{}` names an unknown question `{u}`", t.name.value),
                help,
            );
            continue;
        }
        let outcome = evaluate::evaluate(survey, &t.answers);
        if let Some(problem) = first_mismatch(t, &outcome) {
            ctx.error(
                &t.name.referenced,
                format!("test `{}` failed: {problem}", t.name.value),
                "fix the survey or the test's expectation",
            );
        }
    }
}

fn first_mismatch(t: &RawTest, o: &evaluate::Outcome) -> Option<String> {
    for id in &t.hidden {
        if !o.hidden.contains(id) {
            return Some(format!("expected `{id}` to be hidden, but it is shown"));
        }
    }
    for id in &t.visible {
        if o.hidden.contains(id) {
            return Some(format!("expected `{id}` to be shown, but it is hidden"));
        }
    }
    for id in &t.errors {
        let inside = |k: &String| k == id || k.starts_with(&format!("{id}["));
        if !o.errors.keys().any(inside) {
            return Some(format!("expected an error on `{id}`, but there is none"));
        }
    }
    for (id, problems) in &o.errors {
        // `repeat[2].name` counts as an error of `repeat`.
        let owner = id.split('[').next().unwrap_or(id);
        if !t.errors.contains(id) && !t.errors.iter().any(|e| e == owner) {
            let what = problems.first().map(|p| p.code.as_str()).unwrap_or("error");
            return Some(format!("unexpected error on `{id}` ({what})"));
        }
    }
    for id in &t.warnings {
        if !o.warnings.contains_key(id) {
            return Some(format!("expected a warning on `{id}`, but there is none"));
        }
    }
    for (id, expected) in &t.values {
        let got = o.values.get(id).cloned().unwrap_or(expr::Value::Blank);
        let want: expr::Value =
            serde_json::from_value(expected.clone()).unwrap_or(expr::Value::Blank);
        if !evaluate::same_value(&got, &want) {
            return Some(format!(
                "expected `{id}` = {}, got {}",
                serde_json::to_string(&want).unwrap_or_default(),
                serde_json::to_string(&got).unwrap_or_default()
            ));
        }
    }
    None
}
