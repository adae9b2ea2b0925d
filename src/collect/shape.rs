//! Answers in the survey's shape, whichever way they arrived.
//!
//! A form post ([`super::form_data`]) and a JSON body both become the same answer map: keys the
//! survey's expressions know (`q`, `q.other`, `q.row`, `q.row.col`), single answers as scalars,
//! multi-selects as lists of distinct codes, repeats as lists of objects. Everything that does
//! not fit — an unknown key, a list for a single choice, a number where a code is expected, a
//! repeat entry that is not an object, a code picked twice — is a problem named after the
//! field, found before any expression runs. Lists are bounded here too, so the cost of
//! evaluating a submission is bounded before it starts.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::survey::evaluate::{Outcome, Problem};
use crate::survey::model::{QType, Question, Survey};

/// Answers keyed as the survey's expressions see them.
pub type Answers = BTreeMap<String, Json>;
/// Problems by field name (`q`, `q.row`, `repeat[2].inner`).
pub type Problems = BTreeMap<String, Vec<Problem>>;

/// Most entries of a repeat (or picks of a list without choices) when the survey sets none.
pub const DEFAULT_MAX_ITEMS: usize = 50;

/// Most entries a list answer to `q` may have: a repeat's `max_count`, a multi-select's
/// number of choices (each code once), otherwise [`DEFAULT_MAX_ITEMS`].
pub fn max_items(survey: &Survey, q: &Question) -> usize {
    match q.kind {
        QType::Repeat => q.max_count.map_or(DEFAULT_MAX_ITEMS, |m| m as usize),
        _ => q
            .list
            .as_ref()
            .and_then(|l| survey.lists.get(l))
            .map_or(DEFAULT_MAX_ITEMS, Vec::len),
    }
}

/// Adds the problem `code` to `field`.
pub(crate) fn problem(problems: &mut Problems, field: &str, code: &str) {
    problems
        .entry(field.to_string())
        .or_default()
        .push(Problem {
            code: code.to_string(),
            params: BTreeMap::new(),
            message: None,
        });
}

/// A JSON `answers` object → answers in the survey's shape, or every problem with its shape.
/// `_consent` is not an answer: the caller reads it before.
pub fn from_json(
    survey: &Survey,
    given: &serde_json::Map<String, Json>,
) -> Result<Answers, Problems> {
    let mut problems = Problems::new();
    let top: Vec<&Question> = survey.sections.iter().flat_map(|s| &s.questions).collect();
    let answers = shape_object(survey, &top, given, "", &mut problems);
    if problems.is_empty() {
        Ok(answers)
    } else {
        Err(problems)
    }
}

/// One object of answers (the whole form, or one repeat entry) against `questions`.
fn shape_object(
    survey: &Survey,
    questions: &[&Question],
    given: &serde_json::Map<String, Json>,
    prefix: &str,
    problems: &mut Problems,
) -> Answers {
    let mut answers = Answers::new();
    for (key, value) in given {
        if key == "_consent" && prefix.is_empty() {
            continue;
        }
        let field = format!("{prefix}{key}");
        let Some((q, part)) = resolve(survey, questions, key) else {
            problem(problems, &field, "unknown");
            continue;
        };
        if value.is_null() {
            continue;
        }
        let shaped = match part {
            Part::Answer => shape_answer(survey, q, value, &field, problems),
            Part::Other => value.as_str().map(Json::from).ok_or("text"),
            Part::Cell if q.kind == QType::Likert => code(value),
            Part::Cell => number_or_text(value),
        };
        match shaped {
            Ok(v) => {
                answers.insert(key.clone(), v);
            }
            Err(code) => problem(problems, &field, code),
        }
    }
    answers
}

/// Which part of a question a key names.
enum Part {
    /// The question's own answer (`q`).
    Answer,
    /// The text of its "other" choice (`q.other`).
    Other,
    /// A likert row (`q.row`) or a grid cell (`q.row.col`).
    Cell,
}

fn resolve<'q>(
    survey: &Survey,
    questions: &[&'q Question],
    key: &str,
) -> Option<(&'q Question, Part)> {
    let (id, rest) = key.split_once('.').unwrap_or((key, ""));
    let q = *questions.iter().find(|q| q.id == id)?;
    let part = match (q.kind, rest) {
        (QType::Note | QType::Calculated, _) => return None,
        (QType::Likert | QType::Grid, "") => return None,
        (QType::Likert, row) => q.rows.iter().any(|r| r.id == row).then_some(Part::Cell)?,
        (QType::Grid, cell) => {
            let (row, col) = cell.split_once('.')?;
            let known = q.rows.iter().any(|r| r.id == row) && q.columns.iter().any(|c| c.id == col);
            known.then_some(Part::Cell)?
        }
        (_, "") => Part::Answer,
        (QType::SelectOne | QType::SelectMany, "other") if has_other(survey, q) => Part::Other,
        _ => return None,
    };
    Some((q, part))
}

/// Whether the question's list has an "other, please specify" choice.
fn has_other(survey: &Survey, q: &Question) -> bool {
    q.list
        .as_ref()
        .and_then(|l| survey.lists.get(l))
        .is_some_and(|choices| choices.iter().any(|c| c.other))
}

fn code(value: &Json) -> Result<Json, &'static str> {
    match value {
        Json::String(_) => Ok(value.clone()),
        Json::Array(_) => Err("single"),
        _ => Err("code"),
    }
}

fn number_or_text(value: &Json) -> Result<Json, &'static str> {
    match value {
        // Text that is not a number reaches the evaluator, which says "enter a number".
        Json::Number(_) | Json::String(_) => Ok(value.clone()),
        Json::Array(_) => Err("single"),
        _ => Err("number"),
    }
}

fn shape_answer(
    survey: &Survey,
    q: &Question,
    value: &Json,
    field: &str,
    problems: &mut Problems,
) -> Result<Json, &'static str> {
    match q.kind {
        QType::SelectOne => code(value),
        QType::SelectMany => {
            let Json::Array(items) = value else {
                return Err("list");
            };
            if items.len() > max_items(survey, q) {
                return Err("too_many");
            }
            let mut codes: Vec<&str> = Vec::with_capacity(items.len());
            for item in items {
                let Json::String(c) = item else {
                    return Err("code");
                };
                if codes.contains(&c.as_str()) {
                    return Err("duplicate");
                }
                codes.push(c);
            }
            Ok(value.clone())
        }
        QType::Repeat => {
            let Json::Array(items) = value else {
                return Err("list");
            };
            if items.len() > max_items(survey, q) {
                return Err("too_many");
            }
            let inner: Vec<&Question> = q.questions.iter().collect();
            let mut entries = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let Json::Object(fields) = item else {
                    return Err("item");
                };
                let prefix = format!("{field}[{i}].");
                let entry = shape_object(survey, &inner, fields, &prefix, problems);
                entries.push(Json::Object(entry.into_iter().collect()));
            }
            Ok(Json::Array(entries))
        }
        QType::Consent => match value {
            Json::Bool(_) => Ok(value.clone()),
            Json::String(s) if s == "yes" => Ok(Json::Bool(true)),
            _ => Err("consent"),
        },
        k if k.is_number() => number_or_text(value),
        _ => match value {
            Json::String(_) => Ok(value.clone()),
            Json::Array(_) => Err("single"),
            _ => Err("text"),
        },
    }
}

/// Removes the text of "other" where "other" was not chosen, at every depth: a respondent who
/// typed it and then picked something else did not mean it.
pub fn drop_unchosen_other(survey: &Survey, answers: &mut Answers) {
    let top: Vec<&Question> = survey.sections.iter().flat_map(|s| &s.questions).collect();
    drop_other_in(survey, &top, answers);
}

fn drop_other_in(survey: &Survey, questions: &[&Question], answers: &mut Answers) {
    for q in questions {
        match q.kind {
            QType::SelectOne | QType::SelectMany => {
                let other_key = format!("{}.other", q.id);
                if answers.contains_key(&other_key) && !chose_other(survey, q, answers.get(&q.id)) {
                    answers.remove(&other_key);
                }
            }
            QType::Repeat => {
                let inner: Vec<&Question> = q.questions.iter().collect();
                if let Some(Json::Array(items)) = answers.get_mut(&q.id) {
                    for item in items.iter_mut() {
                        if let Json::Object(fields) = item {
                            let mut entry: Answers = std::mem::take(fields).into_iter().collect();
                            drop_other_in(survey, &inner, &mut entry);
                            *fields = entry.into_iter().collect();
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn chose_other(survey: &Survey, q: &Question, answer: Option<&Json>) -> bool {
    let others: Vec<&str> = q
        .list
        .as_ref()
        .and_then(|l| survey.lists.get(l))
        .into_iter()
        .flatten()
        .filter(|c| c.other)
        .map(|c| c.code.as_str())
        .collect();
    match answer {
        Some(Json::String(c)) => others.contains(&c.as_str()),
        Some(Json::Array(items)) => items
            .iter()
            .any(|i| i.as_str().is_some_and(|c| others.contains(&c))),
        _ => false,
    }
}

/// The answers to keep after a valid evaluation: only what is shown, at every depth, with
/// calculated values as computed. Repeat entries stay objects.
pub fn kept(survey: &Survey, answers: &Answers, outcome: &Outcome) -> Answers {
    let mut kept = Answers::new();
    for (key, value) in answers {
        let id = key.split('.').next().unwrap_or(key);
        if outcome.hidden.contains(id) {
            continue;
        }
        let value = match (value, outcome.item_hidden.get(id)) {
            (Json::Array(items), Some(hidden)) => Json::Array(
                items
                    .iter()
                    .zip(hidden)
                    .map(|(item, hidden)| match item {
                        Json::Object(fields) => Json::Object(
                            fields
                                .iter()
                                .filter(|(k, v)| {
                                    !hidden.contains(k.split('.').next().unwrap_or(k))
                                        && !is_empty(v)
                                })
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect(),
                        ),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            (value, _) => value.clone(),
        };
        if !is_empty(&value) {
            kept.insert(key.clone(), value);
        }
    }
    for q in survey.sections.iter().flat_map(|s| &s.questions) {
        if q.kind == QType::Calculated
            && !outcome.hidden.contains(&q.id)
            && let Some(v) = outcome
                .values
                .get(&q.id)
                .filter(|v| !crate::survey::evaluate::is_blank(v))
        {
            kept.insert(q.id.clone(), serde_json::to_value(v).unwrap_or(Json::Null));
        }
    }
    kept
}

fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => s.trim().is_empty(),
        Json::Array(items) => items.is_empty(),
        _ => false,
    }
}
