//! Pass 2: each question compiled once every id is known — its type, label, list, conditions,
//! checks and limits, rows and columns, and the nested questions of a `repeat`.

use std::collections::{BTreeMap, BTreeSet};

use serde_saphyr::Spanned;

use super::context::Ctx;
use super::env::Env;
use super::is_snake;
use crate::survey::expr::{self, Expr};
use crate::survey::model::*;
use crate::text::did_you_mean;

/// Pass 2: compiles questions once every id is known.
pub(super) struct Builder<'a> {
    pub(super) env: &'a Env,
    pub(super) lists: &'a BTreeMap<String, Vec<Choice>>,
    pub(super) builtins: &'a BTreeMap<String, Vec<Choice>>,
    pub(super) used: BTreeSet<String>,
    /// Question id → ids its visibility or value depends on (show_if, section show_if, calc).
    pub(super) deps: BTreeMap<String, Vec<String>>,
    /// Some `list:` named no list.
    pub(super) unknown_lists: bool,
}

impl Builder<'_> {
    pub(super) fn list(&self, name: &str) -> Option<&Vec<Choice>> {
        self.lists.get(name).or_else(|| self.builtins.get(name))
    }

    /// Compiles one question, reporting each problem in the order of its fields.
    pub(super) fn question(
        &mut self,
        ctx: &mut Ctx<'_>,
        q: &RawQuestion,
        section_refs: &[String],
    ) -> Question {
        let id = q.id.value.clone();
        let kind = question_kind(ctx, q);
        let label = question_label(ctx, q);
        let hint = ctx.opt_text("hint", &q.hint);
        let list = self.question_list(ctx, q, kind);
        let attrs: Option<BTreeSet<String>> = list
            .as_ref()
            .and_then(|l| self.list(l))
            .map(|cs| cs.iter().flat_map(|c| c.attrs.keys().cloned()).collect());
        let show_if = self.show_if(ctx, q);
        let required = self.required(ctx, q);
        let filter = self.filter(ctx, q, attrs.as_ref());
        let calc = self.calc(ctx, q, kind);
        let checks = self.checks(ctx, q);
        self.record_deps(&id, section_refs, show_if.as_ref(), calc.as_ref());

        self.check_limits(ctx, q, kind);
        let rows = self.rows(ctx, &q.rows, "rows");
        let columns = self.rows(ctx, &q.columns, "columns");
        check_parts(ctx, q, kind, &rows, &columns);
        let questions = q
            .questions
            .iter()
            .map(|inner| self.question(ctx, inner, section_refs))
            .collect();
        check_appearance(ctx, q, kind);
        Question {
            id,
            kind,
            label,
            hint,
            required,
            soft_required: q.soft_required,
            show_if,
            min: q.min.as_ref().map(|m| m.value.clone()),
            max: q.max.as_ref().map(|m| m.value.clone()),
            step: q.step,
            min_length: q.min_length,
            max_length: q.max_length.as_ref().map(|m| m.value),
            pattern: q.pattern.as_ref().map(|p| p.value.clone()),
            default: q.default.clone(),
            unit: unit(ctx, q),
            list,
            filter,
            appearance: q.appearance.as_ref().map(|a| a.value.clone()),
            min_picks: q.min_picks,
            max_picks: q.max_picks.as_ref().map(|m| m.value),
            rows,
            columns,
            totals: q.totals,
            questions,
            min_count: q.min_count,
            max_count: q.max_count.as_ref().map(|m| m.value),
            calc,
            checks,
        }
    }

    /// `show_if:`, which must be able to be true.
    fn show_if(&self, ctx: &mut Ctx<'_>, q: &RawQuestion) -> Option<Expr> {
        let show_if = q
            .show_if
            .as_ref()
            .and_then(|c| self.condition(ctx, c, "show_if", None));
        if let (Some(e), Some(c)) = (&show_if, &q.show_if) {
            // A condition that reads no answer is decided now; false means never asked.
            if expr::refs(e).is_empty() && !expr::is_truthy(&expr::eval(e, &|_| expr::Value::Blank))
            {
                ctx.error(
                    &c.referenced,
                    format!(
                        "question `{}` is always hidden: its show_if is never true",
                        q.id.value
                    ),
                    "remove the question, or give show_if a condition on other answers",
                );
            }
        }
        show_if
    }

    /// `required:` — absent or `false`, `true`, or a condition.
    fn required(&self, ctx: &mut Ctx<'_>, q: &RawQuestion) -> Rule {
        match &q.required {
            None => Rule::Never,
            Some(Spanned {
                value: serde_json::Value::Bool(true),
                ..
            }) => Rule::Always,
            Some(Spanned {
                value: serde_json::Value::Bool(false),
                ..
            }) => Rule::Never,
            Some(c) => self
                .condition(ctx, c, "required", None)
                .map_or(Rule::Never, Rule::When),
        }
    }

    /// `filter:` — which choices of the list are offered, reading `choice.code` and the list's
    /// attributes.
    fn filter(
        &self,
        ctx: &mut Ctx<'_>,
        q: &RawQuestion,
        attrs: Option<&BTreeSet<String>>,
    ) -> Option<Expr> {
        q.filter.as_ref().and_then(|f| {
            self.expression(
                ctx,
                &f.value,
                &f.referenced,
                "filter",
                Some(attrs.unwrap_or(&BTreeSet::new())),
            )
            .map(|(e, _)| e)
        })
    }

    /// `calc:` — required by, and only allowed on, `type: calculated`.
    fn calc(&self, ctx: &mut Ctx<'_>, q: &RawQuestion, kind: QType) -> Option<Expr> {
        match (&q.calc, kind) {
            (Some(c), QType::Calculated) => self
                .expression(ctx, &c.value, &c.referenced, "calc", None)
                .map(|(e, _)| e),
            (None, QType::Calculated) => {
                ctx.error(
                    &q.id.referenced,
                    format!("calculated question `{}` has no `calc`", q.id.value),
                    "add `calc: \"…\"` with the expression to compute",
                );
                None
            }
            (Some(c), _) => {
                ctx.error(
                    &c.referenced,
                    "`calc` is only for `type: calculated`",
                    "remove it, or change the type",
                );
                None
            }
            (None, _) => None,
        }
    }

    /// `checks:` — each an `assert` with a level and a message.
    fn checks(&self, ctx: &mut Ctx<'_>, q: &RawQuestion) -> Vec<Check> {
        q.checks
            .iter()
            .filter_map(|c| {
                let assert = self.condition(ctx, &c.assert, "assert", None)?;
                let level = match c.level.as_ref().map(|l| l.value.as_str()) {
                    None | Some("error") => Level::Error,
                    Some("warning") => Level::Warning,
                    Some(other) => {
                        let at = &c.level.as_ref()?.referenced;
                        ctx.error(
                            at,
                            format!("`level: {other}` is not allowed"),
                            "use `error` or `warning`",
                        );
                        Level::Error
                    }
                };
                Some(Check {
                    assert,
                    level,
                    message: ctx.text("message", &c.message),
                })
            })
            .collect()
    }

    /// The ids the question's visibility or value reads, for the cycle check.
    fn record_deps(
        &mut self,
        id: &str,
        section_refs: &[String],
        show_if: Option<&Expr>,
        calc: Option<&Expr>,
    ) {
        let mut deps: Vec<String> = section_refs.to_vec();
        deps.extend(show_if.map(expr::refs).unwrap_or_default());
        deps.extend(calc.map(expr::refs).unwrap_or_default());
        self.deps.insert(id.to_string(), deps);
    }

    fn question_list(&mut self, ctx: &mut Ctx<'_>, q: &RawQuestion, kind: QType) -> Option<String> {
        let needs = matches!(kind, QType::SelectOne | QType::SelectMany | QType::Likert);
        match (&q.list, needs) {
            (Some(l), true) => {
                if self.list(&l.value).is_none() {
                    let names: Vec<&str> = self
                        .lists
                        .keys()
                        .chain(self.builtins.keys())
                        .map(String::as_str)
                        .collect();
                    let help = match did_you_mean(&l.value, names.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "declare it under `lists:` or use a built-in list: {}",
                            self.builtins.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    };
                    ctx.error(
                        &l.referenced,
                        format!("unknown choice list `{}`", l.value),
                        help,
                    );
                    self.unknown_lists = true;
                    return None;
                }
                self.used.insert(l.value.clone());
                Some(l.value.clone())
            }
            (None, true) => {
                ctx.error(
                    &q.kind.referenced,
                    format!("`{}` question `{}` needs a `list`", kind.name(), q.id.value),
                    "add `list: <name>` naming a list under `lists:` or a built-in list",
                );
                None
            }
            (Some(l), false) => {
                ctx.error(
                    &l.referenced,
                    format!("`list` does not apply to `{}` questions", kind.name()),
                    "remove it, or change the type to select_one or select_many",
                );
                None
            }
            (None, false) => None,
        }
    }

    fn rows(&self, ctx: &mut Ctx<'_>, rows: &[RawRow], what: &str) -> Vec<Row> {
        let mut seen = BTreeSet::new();
        rows.iter()
            .map(|r| {
                if !is_snake(&r.id.value) {
                    ctx.error(
                        &r.id.referenced,
                        format!("{what} id `{}` is not snake_case", r.id.value),
                        "use lower-case ASCII letters, digits and `_`",
                    );
                }
                if !seen.insert(r.id.value.clone()) {
                    ctx.error(
                        &r.id.referenced,
                        format!("{what} id `{}` is used twice", r.id.value),
                        "give every row its own id",
                    );
                }
                Row {
                    id: r.id.value.clone(),
                    label: ctx.text("label", &r.label),
                }
            })
            .collect()
    }

    fn check_limits(&self, ctx: &mut Ctx<'_>, q: &RawQuestion, kind: QType) {
        if let (Some(min), Some(max)) = (&q.min, &q.max) {
            let bigger = match (&min.value, &max.value) {
                (serde_json::Value::Number(a), serde_json::Value::Number(b)) => {
                    a.as_f64() > b.as_f64()
                }
                (serde_json::Value::String(a), serde_json::Value::String(b)) => a > b,
                _ => false,
            };
            if bigger {
                ctx.error(
                    &min.referenced,
                    format!("`min: {}` is greater than `max: {}`", min.value, max.value),
                    "swap them, or correct one of them",
                );
            }
        }
        let bounds = [
            ("length", q.min_length, &q.max_length),
            ("picks", q.min_picks, &q.max_picks),
            ("count", q.min_count, &q.max_count),
        ];
        for (what, min, max) in bounds {
            if let (Some(min), Some(max)) = (min, max)
                && min > max.value
            {
                ctx.error(
                    &max.referenced,
                    format!(
                        "`max_{what}: {}` is less than `min_{what}: {min}`",
                        max.value
                    ),
                    "correct one of them",
                );
            }
        }
        if let Some(p) = &q.pattern {
            // The same subset as `matches()`, so the browser and the server agree.
            if let Err(e) = expr::regex_subset::compile(&p.value) {
                ctx.error(
                    &p.referenced,
                    format!("`pattern` is not a valid regular expression: {}", e.message),
                    "check the brackets and escapes; the pattern must match the whole answer",
                );
            }
            if !kind.is_text() {
                ctx.error(
                    &p.referenced,
                    format!("`pattern` does not apply to `{}` questions", kind.name()),
                    "use it on text questions",
                );
            }
        }
    }
}

/// `type:`; an unknown one is reported and compiled as a note, so the rest is still checked.
fn question_kind(ctx: &mut Ctx<'_>, q: &RawQuestion) -> QType {
    QType::parse(&q.kind.value).unwrap_or_else(|| {
        let names: Vec<&str> = QType::ALL.iter().map(|(n, _)| *n).collect();
        let help = match did_you_mean(&q.kind.value, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("types: {}", names.join(", ")),
        };
        ctx.error(
            &q.kind.referenced,
            format!("unknown question type `{}`", q.kind.value),
            help,
        );
        QType::Note
    })
}

fn question_label(ctx: &mut Ctx<'_>, q: &RawQuestion) -> Text {
    match &q.label {
        Some(l) => ctx.text("label", l),
        None => {
            ctx.error(
                &q.id.referenced,
                format!("question `{}` has no label", q.id.value),
                "add `label: {tr: …, en: …}`",
            );
            Text::new()
        }
    }
}

/// A likert needs rows, a grid rows and columns, a repeat questions.
fn check_parts(ctx: &mut Ctx<'_>, q: &RawQuestion, kind: QType, rows: &[Row], columns: &[Row]) {
    let id = &q.id.value;
    match kind {
        QType::Likert if rows.is_empty() => ctx.error(
            &q.id.referenced,
            format!("likert `{id}` has no rows"),
            "add `rows: [{id: …, label: {…}}]`",
        ),
        QType::Grid if rows.is_empty() || columns.is_empty() => ctx.error(
            &q.id.referenced,
            format!("grid `{id}` needs rows and columns"),
            "add `rows:` and `columns:`",
        ),
        QType::Repeat if q.questions.is_empty() => ctx.error(
            &q.id.referenced,
            format!("repeat `{id}` has no questions"),
            "add `questions:` to repeat",
        ),
        _ => {}
    }
}

fn unit(ctx: &mut Ctx<'_>, q: &RawQuestion) -> Option<Unit> {
    q.unit
        .as_ref()
        .and_then(|u| super::survey::one_value(ctx, "unit", u, &Unit::ALL))
}

fn check_appearance(ctx: &mut Ctx<'_>, q: &RawQuestion, kind: QType) {
    if let Some(a) = &q.appearance
        && (kind != QType::SelectOne || !["radio", "dropdown"].contains(&a.value.as_str()))
    {
        ctx.error(
            &a.referenced,
            format!("`appearance: {}` is not allowed here", a.value),
            "select_one questions take `radio` or `dropdown`",
        );
    }
}
