//! Answers against a compiled survey: which questions are shown, the calculated values, and
//! every error and warning. The same function serves `kume check` (the `tests:` blocks), the
//! collector (validating a submission) and the server-rendered form (showing errors).
//!
//! Blank semantics are those of the expression language: a hidden or unanswered question is
//! blank, and the values of hidden questions are cleared.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::expr::{self, Value};
use super::model::{Check, Choice, Level, QType, Question, Rule, Survey};

/// One problem with an answer: a code the form translates (`required`, `min`, …), its
/// parameters, or the author's own message for a failed check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub code: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<super::model::Text>,
}

impl Problem {
    fn new(code: &str) -> Problem {
        Problem {
            code: code.to_string(),
            params: BTreeMap::new(),
            message: None,
        }
    }

    fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Problem {
        self.params.insert(key.to_string(), value.into());
        self
    }
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Outcome {
    /// Ids of hidden questions (and sections' questions hidden with their section).
    pub hidden: BTreeSet<String>,
    /// The answers that count: hidden ones cleared, calculated ones computed.
    pub values: BTreeMap<String, Value>,
    pub errors: BTreeMap<String, Vec<Problem>>,
    pub warnings: BTreeMap<String, Vec<Problem>>,
    /// Per repeat question, per entry: the inner questions that entry hides (their answers
    /// are not kept).
    pub item_hidden: BTreeMap<String, Vec<BTreeSet<String>>>,
}

impl Outcome {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// JSON answer → expression value; empty text and empty lists are blank.
pub fn to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Blank,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => n.as_f64().map_or(Value::Blank, Value::Number),
        serde_json::Value::String(s) if s.trim().is_empty() => Value::Blank,
        serde_json::Value::String(s) => Value::Text(s.clone()),
        serde_json::Value::Array(items) if items.is_empty() => Value::Blank,
        // A repeat's items are objects: as a value, the list counts them.
        serde_json::Value::Array(items) => Value::List(
            items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect(),
        ),
        serde_json::Value::Object(_) => Value::Blank,
    }
}

pub fn is_blank(v: &Value) -> bool {
    matches!(v, Value::Blank)
}

/// Equality for test expectations: numbers within 1e-9.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

/// The part of an id before its first dot: `ilgi.egitim` → `ilgi`.
fn base(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

pub fn evaluate(survey: &Survey, answers: &BTreeMap<String, serde_json::Value>) -> Outcome {
    let mut out = Outcome::default();
    let given: BTreeMap<String, Value> = answers
        .iter()
        .map(|(k, v)| (k.clone(), to_value(v)))
        .collect();
    let questions = survey.questions();
    // Visibility and calculated values depend on each other; without cycles (checked at
    // compile time) they settle within one pass per question.
    let mut values = given.clone();
    for _ in 0..=questions.len() {
        let (hidden, calculated) = settle(survey, &values, &out.hidden);
        let mut next = given.clone();
        next.extend(calculated);
        let changed = hidden != out.hidden || next != values;
        out.hidden = hidden;
        values = next;
        if !changed {
            break;
        }
    }
    values.retain(|k, _| !out.hidden.contains(base(k)));
    out.values = values;
    let mut findings = Findings::default();
    let scope = Scope {
        values: &out.values,
        hidden: &out.hidden,
        item: None,
    };
    // Inner questions of a repeat are validated per item, not as questions of their own.
    for q in survey.sections.iter().flat_map(|s| &s.questions) {
        if out.hidden.contains(&q.id) {
            continue;
        }
        validate(survey, q, &scope, &mut findings);
        if q.kind == QType::Repeat {
            let hidden = validate_items(survey, q, answers.get(&q.id), &scope, &mut findings);
            out.item_hidden.insert(q.id.clone(), hidden);
        }
    }
    out.errors = findings.errors;
    out.warnings = findings.warnings;
    out
}

/// Errors and warnings found so far, by field.
#[derive(Default)]
struct Findings {
    errors: BTreeMap<String, Vec<Problem>>,
    warnings: BTreeMap<String, Vec<Problem>>,
}

impl Findings {
    fn error(&mut self, id: &str, p: Problem) {
        self.errors.entry(id.to_string()).or_default().push(p);
    }

    fn warning(&mut self, id: &str, p: Problem) {
        self.warnings.entry(id.to_string()).or_default().push(p);
    }
}

/// What an expression sees while validating: the form's values, and inside a repeat entry
/// that entry's own answers first. Borrowed, so an entry costs its own size, never a copy of
/// the whole form.
struct Scope<'a> {
    values: &'a BTreeMap<String, Value>,
    hidden: &'a BTreeSet<String>,
    item: Option<(&'a BTreeMap<String, Value>, &'a BTreeSet<String>)>,
}

impl Scope<'_> {
    fn get(&self, name: &str) -> Value {
        if let Some((values, hidden)) = self.item {
            if hidden.contains(base(name)) {
                return Value::Blank;
            }
            if let Some(v) = values.get(name) {
                return v.clone();
            }
        }
        lookup(name, self.values, self.hidden)
    }

    fn truth(&self, e: &expr::Expr) -> bool {
        expr::is_truthy(&expr::eval(e, &|name: &str| self.get(name)))
    }
}

/// Each item of a repeat is checked like a small form of its own, seeing the item's answers
/// and every other answer; problems are reported as `<repeat>[<n>].<question>`. Returns, per
/// item, the inner questions it hides.
fn validate_items(
    survey: &Survey,
    repeat: &Question,
    items: Option<&serde_json::Value>,
    scope: &Scope<'_>,
    findings: &mut Findings,
) -> Vec<BTreeSet<String>> {
    let Some(serde_json::Value::Array(items)) = items else {
        return Vec::new();
    };
    let mut hidden_per_item = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let values: BTreeMap<String, Value> = item
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), to_value(v)))
            .collect();
        let mut hidden = BTreeSet::new();
        for inner in &repeat.questions {
            let item_scope = Scope {
                item: Some((&values, &hidden)),
                ..*scope
            };
            if !inner.show_if.as_ref().is_none_or(|e| item_scope.truth(e)) {
                hidden.insert(inner.id.clone());
            }
        }
        let item_scope = Scope {
            item: Some((&values, &hidden)),
            ..*scope
        };
        let mut sub = Findings::default();
        for inner in repeat.questions.iter().filter(|q| !hidden.contains(&q.id)) {
            validate(survey, inner, &item_scope, &mut sub);
        }
        let key = |id: &str| format!("{}[{i}].{id}", repeat.id);
        for (found, into) in [
            (sub.errors, &mut findings.errors),
            (sub.warnings, &mut findings.warnings),
        ] {
            for (id, problems) in found {
                into.entry(key(&id)).or_default().extend(problems);
            }
        }
        hidden_per_item.push(hidden);
    }
    hidden_per_item
}

/// One pass: hidden ids and calculated values given the current values. A condition on a
/// question that comes later sees it as the last pass left it (hidden, hence blank), so a
/// question shown only after a hidden one is hidden too, whatever the order of the form.
fn settle(
    survey: &Survey,
    values: &BTreeMap<String, Value>,
    previous: &BTreeSet<String>,
) -> (BTreeSet<String>, BTreeMap<String, Value>) {
    let mut hidden = previous.clone();
    let mut calculated = BTreeMap::new();
    for section in &survey.sections {
        let shown = section
            .show_if
            .as_ref()
            .is_none_or(|e| truth(e, values, &hidden));
        for q in &section.questions {
            settle_question(q, shown, values, &mut hidden, &mut calculated);
        }
    }
    (hidden, calculated)
}

fn settle_question(
    q: &Question,
    parent_shown: bool,
    values: &BTreeMap<String, Value>,
    hidden: &mut BTreeSet<String>,
    calculated: &mut BTreeMap<String, Value>,
) {
    let shown = parent_shown && q.show_if.as_ref().is_none_or(|e| truth(e, values, hidden));
    if !shown {
        hidden.insert(q.id.clone());
    } else {
        hidden.remove(&q.id);
        if let Some(calc) = &q.calc {
            let v = expr::eval(calc, &|name: &str| lookup(name, values, hidden));
            calculated.insert(q.id.clone(), v);
        }
    }
    for inner in &q.questions {
        settle_question(inner, shown, values, hidden, calculated);
    }
}

fn lookup(name: &str, values: &BTreeMap<String, Value>, hidden: &BTreeSet<String>) -> Value {
    if hidden.contains(base(name)) {
        return Value::Blank;
    }
    values.get(name).cloned().unwrap_or(Value::Blank)
}

fn truth(e: &expr::Expr, values: &BTreeMap<String, Value>, hidden: &BTreeSet<String>) -> bool {
    expr::is_truthy(&expr::eval(e, &|name: &str| lookup(name, values, hidden)))
}

fn validate(survey: &Survey, q: &Question, scope: &Scope<'_>, out: &mut Findings) {
    let required = match &q.required {
        Rule::Always => true,
        Rule::Never => false,
        Rule::When(e) => scope.truth(e),
    };
    let cells = cell_ids(q);
    let answered = if cells.is_empty() {
        !is_blank(&scope.get(&q.id))
    } else {
        cells.iter().all(|c| !is_blank(&scope.get(c)))
    };
    if !answered && q.kind != QType::Note && q.kind != QType::Calculated {
        if required {
            out.error(&q.id, Problem::new("required"));
        } else if q.soft_required {
            out.warning(&q.id, Problem::new("recommended"));
        }
    }
    let v = scope.get(&q.id);
    match q.kind {
        k if k.is_number() => check_number(q, &v, out),
        k if k.is_text() => check_text(q, &v, out),
        QType::Date => check_date(q, &v, out),
        QType::SelectOne | QType::SelectMany => check_choices(survey, q, &v, scope, out),
        QType::Likert => {
            for c in &cells {
                let cell = scope.get(c);
                check_choice_codes(survey, q, &q.id, &cell, scope, out);
            }
        }
        QType::Grid => {
            for c in &cells {
                if !matches!(scope.get(c), Value::Blank | Value::Number(_)) {
                    out.error(&q.id, Problem::new("number").with("cell", c.as_str()));
                }
            }
        }
        QType::Consent if !is_blank(&v) && v != Value::Bool(true) => {
            out.error(&q.id, Problem::new("consent"));
        }
        QType::Repeat => check_repeat(q, scope, out),
        _ => {}
    }
    for check in &q.checks {
        run_check(q, check, scope, out);
    }
}

fn cell_ids(q: &Question) -> Vec<String> {
    match q.kind {
        QType::Likert => q
            .rows
            .iter()
            .map(|r| format!("{}.{}", q.id, r.id))
            .collect(),
        QType::Grid => q
            .rows
            .iter()
            .flat_map(|r| {
                q.columns
                    .iter()
                    .map(move |c| format!("{}.{}.{}", q.id, r.id, c.id))
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn number_limit(v: &Option<serde_json::Value>) -> Option<f64> {
    v.as_ref().and_then(serde_json::Value::as_f64)
}

fn check_number(q: &Question, v: &Value, out: &mut Findings) {
    let n = match v {
        Value::Blank => return,
        Value::Number(n) => *n,
        _ => return out.error(&q.id, Problem::new("number")),
    };
    if matches!(q.kind, QType::Integer | QType::Year) && n.fract() != 0.0 {
        out.error(&q.id, Problem::new("integer"));
    }
    let (min, max) = match q.kind {
        QType::Percent => (
            number_limit(&q.min).or(Some(0.0)),
            number_limit(&q.max).or(Some(100.0)),
        ),
        _ => (number_limit(&q.min), number_limit(&q.max)),
    };
    if let Some(m) = min.filter(|m| n < *m) {
        out.error(&q.id, Problem::new("min").with("min", m));
    }
    if let Some(m) = max.filter(|m| n > *m) {
        out.error(&q.id, Problem::new("max").with("max", m));
    }
}

fn check_text(q: &Question, v: &Value, out: &mut Findings) {
    let s = match v {
        Value::Blank => return,
        Value::Text(s) => s.as_str(),
        _ => return out.error(&q.id, Problem::new("text")),
    };
    let len = s.chars().count() as u32;
    if let Some(m) = q.min_length.filter(|m| len < *m) {
        out.error(&q.id, Problem::new("min_length").with("min", m));
    }
    if let Some(m) = q.max_length.filter(|m| len > *m) {
        out.error(&q.id, Problem::new("max_length").with("max", m));
    }
    if let Some(p) = &q.pattern
        && super::expr::regex_subset::compile(p).is_ok_and(|re| !re.is_match(s))
    {
        out.error(&q.id, Problem::new("pattern"));
    }
    let well_formed = match q.kind {
        QType::Email => is_email(s),
        QType::Url => s.starts_with("https://") || s.starts_with("http://"),
        QType::Phone => is_phone(s),
        _ => true,
    };
    if !well_formed {
        out.error(&q.id, Problem::new(q.kind.name()));
    }
}

/// `local@domain.tld`: one `@`, a dot inside the domain, no white space (nor the invisible
/// U+FEFF). `kume-rules.js` has the same rule.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(|c: char| c.is_whitespace() || c == '\u{FEFF}')
}

fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits) && s.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

fn check_date(q: &Question, v: &Value, out: &mut Findings) {
    let s = match v {
        Value::Blank => return,
        Value::Text(s) => s,
        _ => return out.error(&q.id, Problem::new("date")),
    };
    if !is_iso_date(s) {
        return out.error(&q.id, Problem::new("date"));
    }
    if let Some(min) = q
        .min
        .as_ref()
        .and_then(|m| m.as_str())
        .filter(|m| s.as_str() < *m)
    {
        out.error(&q.id, Problem::new("min").with("min", min));
    }
    if let Some(max) = q
        .max
        .as_ref()
        .and_then(|m| m.as_str())
        .filter(|m| s.as_str() > *m)
    {
        out.error(&q.id, Problem::new("max").with("max", max));
    }
}

/// A day as `YYYY-MM-DD`, the only form a date answer takes (what `<input type="date">`
/// sends): `min` and `max` are compared as text, which orders such days correctly and no
/// other spelling (`2026-9-1`, a time after the day).
fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && crate::text::Date::parse(s).is_some()
}

/// The choices a question offers given the answers so far (its `filter`).
pub fn offered<'s>(
    survey: &'s Survey,
    q: &Question,
    values: &BTreeMap<String, Value>,
    hidden: &BTreeSet<String>,
) -> Vec<&'s Choice> {
    offered_by(survey, q, &|name: &str| lookup(name, values, hidden))
}

fn offered_by<'s>(
    survey: &'s Survey,
    q: &Question,
    answer: &dyn Fn(&str) -> Value,
) -> Vec<&'s Choice> {
    let Some(list) = q.list.as_ref().and_then(|l| survey.lists.get(l)) else {
        return Vec::new();
    };
    list.iter()
        .filter(|c| {
            q.filter.as_ref().is_none_or(|f| {
                let v = expr::eval(f, &|name: &str| match name.strip_prefix("choice.") {
                    Some("code") => Value::Text(c.code.clone()),
                    Some(attr) => c
                        .attrs
                        .get(attr)
                        .map_or(Value::Blank, |a| Value::Text(a.clone())),
                    None => answer(name),
                });
                expr::is_truthy(&v)
            })
        })
        .collect()
}

fn check_choice_codes(
    survey: &Survey,
    q: &Question,
    id: &str,
    v: &Value,
    scope: &Scope<'_>,
    out: &mut Findings,
) {
    let codes: Vec<String> = match v {
        Value::Blank => return,
        Value::Text(s) => vec![s.clone()],
        Value::List(items) => items.clone(),
        _ => return out.error(id, Problem::new("choice")),
    };
    let offered = offered_by(survey, q, &|name: &str| scope.get(name));
    for code in codes {
        if !offered.iter().any(|c| c.code == code) {
            out.error(id, Problem::new("choice").with("code", code));
        }
    }
}

fn check_choices(survey: &Survey, q: &Question, v: &Value, scope: &Scope<'_>, out: &mut Findings) {
    check_choice_codes(survey, q, &q.id, v, scope, out);
    let picks: Vec<String> = match v {
        Value::List(items) => items.clone(),
        Value::Text(s) => vec![s.clone()],
        _ => return,
    };
    if q.kind == QType::SelectMany {
        let n = picks.len() as u32;
        if let Some(m) = q.min_picks.filter(|m| n < *m) {
            out.error(&q.id, Problem::new("min_picks").with("min", m));
        }
        if let Some(m) = q.max_picks.filter(|m| n > *m) {
            out.error(&q.id, Problem::new("max_picks").with("max", m));
        }
    }
    let list = q.list.as_ref().and_then(|l| survey.lists.get(l));
    for c in list.into_iter().flatten() {
        if c.exclusive && picks.len() > 1 && picks.contains(&c.code) {
            out.error(
                &q.id,
                Problem::new("exclusive").with("code", c.code.as_str()),
            );
        }
        let other_id = format!("{}.other", q.id);
        if c.other && picks.contains(&c.code) && is_blank(&scope.get(&other_id)) {
            out.error(&q.id, Problem::new("other_required"));
        }
    }
}

fn check_repeat(q: &Question, scope: &Scope<'_>, out: &mut Findings) {
    let n = match scope.get(&q.id) {
        Value::List(items) => items.len() as u32,
        _ => 0,
    };
    if let Some(m) = q.min_count.filter(|m| n < *m) {
        out.error(&q.id, Problem::new("min_count").with("min", m));
    }
    if let Some(m) = q.max_count.filter(|m| n > *m) {
        out.error(&q.id, Problem::new("max_count").with("max", m));
    }
}

/// A check runs once every question it refers to is answered; an unanswered question is the
/// business of `required`, not of a cross-field rule.
fn run_check(q: &Question, check: &Check, scope: &Scope<'_>, out: &mut Findings) {
    let refs = expr::refs(&check.assert);
    if refs.iter().any(|r| is_blank(&scope.get(r))) {
        return;
    }
    if scope.truth(&check.assert) {
        return;
    }
    let problem = Problem {
        code: "check".into(),
        params: BTreeMap::new(),
        message: Some(check.message.clone()),
    };
    match check.level {
        Level::Error => out.error(&q.id, problem),
        Level::Warning => out.warning(&q.id, problem),
    }
}

#[cfg(test)]
mod vectors;
