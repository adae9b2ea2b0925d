//! The shared validation vectors (`tests/validation-vectors.json`): survey fragments, answers
//! and the problems they must give. This test runs them through [`evaluate`] (and, for answers
//! typed into a form, through the collector's form reading first); `node
//! tests/tools/validation-vectors.mjs` runs the same file through the browser's
//! `site/static/js/kume-rules.js`, so the form and the collector agree case by case.
//!
//! A vector:
//!
//! ```json
//! {"name": "…",
//!  "answers": {"q": 5},                   // answers as the JSON API posts them, or
//!  "lang": "tr", "fields": {"q": ["5"]},  // form fields as typed on a page in `lang`
//!  "errors": [["q", "min", {"min": 10}]], // field, problem code, optionally the parameters
//!  "warnings": [],                        // optional, default none
//!  "hidden": ["r"],                       // optional: exactly these questions are hidden
//!  "questions": […] or "sections": […],   // the survey fragment, as compiled (schema.json)
//!  "lists": {"yn": […]}}                  // optional
//! ```
//!
//! Problems are compared field by field, in order within a field. Questions, choices and rows
//! may leave out `label` (and questions `required`, which is then `never`, and checks `level`
//! and `message`). Expressions are syntax trees as compiled; to write a new one, give its
//! source text (`"show_if": "a > 1"`) and run `KUME_BLESS_VECTORS=1 cargo test --lib
//! validation_vectors`, which replaces every source text with its tree.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value as Json, json};

use super::{Outcome, Problem, evaluate};
use crate::collect::{form_data, shape};
use crate::survey::expr;
use crate::survey::model::{Access, Layout, Section, Survey};

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/validation-vectors.json")
}

/// The elements of the list under `key`, if there is one.
fn items_mut<'a>(v: &'a mut Json, key: &str) -> impl Iterator<Item = &'a mut Json> {
    v.get_mut(key)
        .and_then(Json::as_array_mut)
        .into_iter()
        .flatten()
}

/// Fills in what a vector may leave out, so that it reads as the compiled model.
fn complete_question(q: &mut Json) {
    let Some(o) = q.as_object_mut() else { return };
    o.entry("label").or_insert_with(|| json!({}));
    o.entry("required").or_insert_with(|| json!("never"));
    for key in ["rows", "columns"] {
        for r in items_mut(q, key).filter_map(Json::as_object_mut) {
            r.entry("label").or_insert_with(|| json!({}));
        }
    }
    for c in items_mut(q, "checks").filter_map(Json::as_object_mut) {
        c.entry("level").or_insert_with(|| json!("error"));
        c.entry("message").or_insert_with(|| json!({}));
    }
    for inner in items_mut(q, "questions") {
        complete_question(inner);
    }
}

/// The survey a vector describes: its sections, or its questions in one section.
fn survey_of(v: &Json) -> Result<Survey, String> {
    let mut sections = match (v.get("sections"), v.get("questions")) {
        (Some(s), _) => s.clone(),
        (None, Some(q)) => json!([{"id": "s", "questions": q}]),
        (None, None) => return Err("neither `sections` nor `questions`".into()),
    };
    for s in sections.as_array_mut().into_iter().flatten() {
        if let Some(o) = s.as_object_mut() {
            o.entry("title").or_insert_with(|| json!({}));
        }
        for q in items_mut(s, "questions") {
            complete_question(q);
        }
    }
    let mut lists = v.get("lists").cloned().unwrap_or_else(|| json!({}));
    for list in lists.as_object_mut().into_iter().flatten().map(|(_, l)| l) {
        for c in list.as_array_mut().into_iter().flatten() {
            if let Some(c) = c.as_object_mut() {
                c.entry("label").or_insert_with(|| json!({}));
            }
        }
    }
    let sections: Vec<Section> =
        serde_json::from_value(sections).map_err(|e| format!("sections: {e}"))?;
    let lists = serde_json::from_value(lists).map_err(|e| format!("lists: {e}"))?;
    Ok(Survey {
        id: "vector".into(),
        version: "1".into(),
        wave: 2026,
        languages: vec!["tr".into(), "en".into()],
        title: BTreeMap::new(),
        description: None,
        audience: crate::survey::model::Audience::Public,
        access: Access::Open,
        opens: crate::text::Date::parse("2026-01-01").unwrap(),
        closes: crate::text::Date::parse("2026-12-31").unwrap(),
        timezone: crate::survey::model::DEFAULT_TIMEZONE.into(),
        layout: Layout::Single,
        privacy: None,
        thanks: BTreeMap::new(),
        lists,
        sections,
    })
}

/// What the collector makes of the vector's answers: typed form fields are read as a form
/// post is (a problem of their shape stops there), JSON answers go to the evaluator as they are.
fn outcome_of(survey: &Survey, v: &Json) -> Result<Outcome, String> {
    if let Some(fields) = v.get("fields") {
        let fields: form_data::Fields =
            serde_json::from_value(fields.clone()).map_err(|e| format!("fields: {e}"))?;
        let lang = v.get("lang").and_then(Json::as_str).unwrap_or("tr");
        let (mut answers, problems) = form_data::to_answers(survey, &fields, lang);
        if !problems.is_empty() {
            return Ok(Outcome {
                errors: problems,
                ..Outcome::default()
            });
        }
        shape::drop_unchosen_other(survey, &mut answers);
        return Ok(evaluate(survey, &answers));
    }
    let answers: BTreeMap<String, Json> =
        serde_json::from_value(v.get("answers").cloned().unwrap_or_else(|| json!({})))
            .map_err(|e| format!("answers: {e}"))?;
    Ok(evaluate(survey, &answers))
}

/// Numbers compare by value (`10` and `10.0` are the same limit).
fn same_json(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Differences between the problems found and the ones a vector expects.
fn compare(what: &str, got: &BTreeMap<String, Vec<Problem>>, want: Option<&Json>) -> Vec<String> {
    let mut expected: BTreeMap<String, Vec<(String, Option<Json>)>> = BTreeMap::new();
    for p in want.and_then(Json::as_array).into_iter().flatten() {
        let field = p[0].as_str().unwrap_or_default().to_string();
        let code = p[1].as_str().unwrap_or_default().to_string();
        expected
            .entry(field)
            .or_default()
            .push((code, p.get(2).cloned()));
    }
    let mut out = Vec::new();
    let fields: std::collections::BTreeSet<&String> = got.keys().chain(expected.keys()).collect();
    for field in fields {
        let found: Vec<&Problem> = got.get(field).into_iter().flatten().collect();
        let wanted = expected.get(field).map(Vec::as_slice).unwrap_or(&[]);
        let codes_match = found.len() == wanted.len()
            && found.iter().zip(wanted).all(|(p, (code, params))| {
                p.code == *code
                    && params.as_ref().is_none_or(|params| {
                        same_json(&serde_json::to_value(&p.params).unwrap_or_default(), params)
                    })
            });
        if !codes_match {
            let found: Vec<String> = found
                .iter()
                .map(|p| {
                    format!(
                        "{} {}",
                        p.code,
                        serde_json::to_string(&p.params).unwrap_or_default()
                    )
                })
                .collect();
            let wanted: Vec<String> = wanted
                .iter()
                .map(|(c, p)| format!("{c} {}", p.as_ref().map_or(String::new(), Json::to_string)))
                .collect();
            out.push(format!(
                "{what} of `{field}`: expected {wanted:?}, got {found:?}"
            ));
        }
    }
    out
}

fn check_vector(v: &Json) -> Vec<String> {
    let survey = match survey_of(v) {
        Ok(s) => s,
        Err(e) => return vec![e],
    };
    let outcome = match outcome_of(&survey, v) {
        Ok(o) => o,
        Err(e) => return vec![e],
    };
    let mut out = compare("errors", &outcome.errors, v.get("errors"));
    out.extend(compare("warnings", &outcome.warnings, v.get("warnings")));
    if let Some(hidden) = v.get("hidden") {
        let want: std::collections::BTreeSet<&str> = hidden
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .collect();
        let got: std::collections::BTreeSet<&str> =
            outcome.hidden.iter().map(String::as_str).collect();
        if want != got {
            out.push(format!("hidden: expected {want:?}, got {got:?}"));
        }
    }
    out
}

/// Replaces every expression written as source text by its syntax tree.
fn bless_expressions(v: &mut Json) -> Result<(), String> {
    fn tree(e: &mut Json) -> Result<(), String> {
        if let Json::String(src) = e {
            let parsed = expr::parse(src).map_err(|err| format!("`{src}`: {err:?}"))?;
            *e = parsed.to_json();
        }
        Ok(())
    }
    fn question(q: &mut Json) -> Result<(), String> {
        for key in ["show_if", "calc", "filter"] {
            if let Some(e) = q.get_mut(key) {
                tree(e)?;
            }
        }
        match q.get_mut("required") {
            Some(Json::String(s)) if s != "always" && s != "never" => {
                let src = std::mem::take(s);
                let mut e = Json::String(src);
                tree(&mut e)?;
                q["required"] = json!({ "when": e });
            }
            Some(Json::Object(o)) => {
                if let Some(e) = o.get_mut("when") {
                    tree(e)?;
                }
            }
            _ => {}
        }
        for c in items_mut(q, "checks") {
            if let Some(e) = c.get_mut("assert") {
                tree(e)?;
            }
        }
        for inner in items_mut(q, "questions") {
            question(inner)?;
        }
        Ok(())
    }
    for q in items_mut(v, "questions") {
        question(q)?;
    }
    for s in items_mut(v, "sections") {
        if let Some(e) = s.get_mut("show_if") {
            tree(e)?;
        }
        for q in items_mut(s, "questions") {
            question(q)?;
        }
    }
    Ok(())
}

/// One vector per line, its keys in a fixed order, so that diffs stay readable.
fn write_vectors(vectors: &[Json]) -> String {
    const ORDER: [&str; 10] = [
        "name",
        "lang",
        "fields",
        "answers",
        "errors",
        "warnings",
        "hidden",
        "questions",
        "sections",
        "lists",
    ];
    let lines: Vec<String> = vectors
        .iter()
        .map(|v| {
            let parts: Vec<String> = ORDER
                .iter()
                .filter_map(|k| {
                    v.get(*k).map(|x| {
                        format!("\"{k}\": {}", serde_json::to_string(x).unwrap_or_default())
                    })
                })
                .collect();
            format!("  {{{}}}", parts.join(", "))
        })
        .collect();
    // Invisible characters (odd spaces, U+FEFF, combining accents) are written as escapes.
    let text = format!("[\n{}\n]\n", lines.join(",\n"));
    text.chars()
        .map(|c| {
            let invisible = c != ' '
                && c != '\n'
                && (c.is_whitespace() || c == '\u{FEFF}' || ('\u{300}'..='\u{36F}').contains(&c));
            if invisible {
                format!("\\u{:04x}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[test]
fn validation_vectors() {
    let path = vectors_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut vectors: Vec<Json> = serde_json::from_str(&text).unwrap();
    assert!(vectors.len() >= 100, "only {} vectors", vectors.len());
    let bless = std::env::var_os("KUME_BLESS_VECTORS").is_some();
    let mut failures = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for v in &mut vectors {
        let name = v["name"].as_str().unwrap_or("(no name)").to_string();
        if !names.insert(name.clone()) {
            failures.push(format!("{name}: the name is used twice"));
        }
        if bless && let Err(e) = bless_expressions(v) {
            failures.push(format!("{name}: {e}"));
            continue;
        }
        for f in check_vector(v) {
            failures.push(format!("{name}: {f}"));
        }
    }
    crate::survey::expr::tests::finish_vectors(&path, || write_vectors(&vectors), &failures);
}
