//! Submitted form fields → typed answers for the evaluator.
//!
//! A plain form posts text: numbers as the respondent typed them (`1.234,5` on Turkish pages),
//! several values under one name for a multi-select, `q.row` for likert cells, `q.row.col` for
//! grid cells and `q[2].inner` for the entries of a repeat.

use std::collections::BTreeMap;

use super::shape::{self, Answers, Problems};
use crate::survey::model::{QType, Question, Survey};

/// Field name → every value posted under it, in order.
pub type Fields = BTreeMap<String, Vec<String>>;

/// Parses an `application/x-www-form-urlencoded` body; None when it is not UTF-8.
pub fn parse_urlencoded(body: &[u8]) -> Option<Fields> {
    // form_urlencoded replaces invalid sequences with U+FFFD; a body that is not UTF-8 (before
    // or after percent-decoding) is refused instead of being silently altered.
    if std::str::from_utf8(body).is_err() || percent_decodes_to_invalid(body) {
        return None;
    }
    let mut fields = Fields::new();
    for (k, v) in form_urlencoded::parse(body) {
        fields
            .entry(k.into_owned())
            .or_default()
            .push(v.into_owned());
    }
    Some(fields)
}

fn percent_decodes_to_invalid(body: &[u8]) -> bool {
    body.split(|b| *b == b'&').any(|pair| {
        pair.split(|b| *b == b'=').any(|part| {
            let plus: Vec<u8> = part
                .iter()
                .map(|b| if *b == b'+' { b' ' } else { *b })
                .collect();
            let decoded: Vec<u8> = percent_bytes(&plus);
            std::str::from_utf8(&decoded).is_err()
        })
    })
}

fn percent_bytes(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%'
            && i + 2 < input.len()
            && let (Some(h), Some(l)) = (
                input.get(i + 1).and_then(hex),
                input.get(i + 2).and_then(hex),
            )
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

fn hex(b: &u8) -> Option<u8> {
    (*b as char).to_digit(16).map(|d| d as u8)
}

/// A number as stored: whole numbers as JSON integers (`4`, not `4.0`), so that exports and
/// comparisons see what the respondent typed.
pub fn number_json(n: f64) -> serde_json::Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: every integer below is exact
    if n.fract() == 0.0 && n.abs() < EXACT {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Value::from(n)
    }
}

/// Typed answers keyed like the survey's expressions see them, and the problems of their shape
/// (a code picked twice, more picks than the list has).
pub fn to_answers(survey: &Survey, fields: &Fields, lang: &str) -> (Answers, Problems) {
    let mut answers = Answers::new();
    let mut problems = Problems::new();
    let mut form = Form {
        survey,
        fields,
        lang,
        problems: &mut problems,
    };
    for q in survey.sections.iter().flat_map(|s| &s.questions) {
        form.add_answer(q, &q.id, &mut answers);
    }
    (answers, problems)
}

/// What reading one form needs: the survey, the posted fields, the page's language, and where
/// shape problems go.
struct Form<'a> {
    survey: &'a Survey,
    fields: &'a Fields,
    lang: &'a str,
    problems: &'a mut Problems,
}

fn first<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .get(name)
        .and_then(|v| v.first())
        .map(String::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn scalar(kind: QType, text: &str, lang: &str) -> serde_json::Value {
    if kind.is_number() {
        // Unreadable numbers stay text, so the evaluator reports "enter a number".
        return crate::locale::parse_number(text, lang).map_or_else(|| text.into(), number_json);
    }
    match kind {
        QType::Consent => serde_json::Value::Bool(text == "yes"),
        _ => text.trim().into(),
    }
}

impl Form<'_> {
    fn add_answer(&mut self, q: &Question, name: &str, out: &mut Answers) {
        let (fields, lang) = (self.fields, self.lang);
        match q.kind {
            QType::Note | QType::Calculated => {}
            QType::SelectMany => {
                let picks: Vec<&String> = fields
                    .get(name)
                    .into_iter()
                    .flatten()
                    .filter(|v| !v.is_empty())
                    .collect();
                let distinct: std::collections::BTreeSet<&String> = picks.iter().copied().collect();
                if distinct.len() < picks.len() {
                    self.problem(name, "duplicate");
                } else if picks.len() > shape::max_items(self.survey, q) {
                    self.problem(name, "too_many");
                } else if !picks.is_empty() {
                    let picks: Vec<serde_json::Value> =
                        picks.into_iter().map(|v| v.clone().into()).collect();
                    out.insert(q.id.clone(), picks.into());
                }
                if let Some(o) = first(fields, &format!("{name}.other")) {
                    out.insert(format!("{}.other", q.id), o.into());
                }
            }
            QType::Likert => {
                for r in &q.rows {
                    if let Some(v) = first(fields, &format!("{name}.{}", r.id)) {
                        out.insert(format!("{}.{}", q.id, r.id), v.into());
                    }
                }
            }
            QType::Grid => {
                for r in &q.rows {
                    for c in &q.columns {
                        if let Some(v) = first(fields, &format!("{name}.{}.{}", r.id, c.id)) {
                            out.insert(
                                format!("{}.{}.{}", q.id, r.id, c.id),
                                scalar(QType::Decimal, v, lang),
                            );
                        }
                    }
                }
            }
            QType::Repeat => {
                let slots = shape::max_items(self.survey, q);
                let mut items = Vec::new();
                for i in 0..slots {
                    let mut item = Answers::new();
                    for inner in &q.questions {
                        self.add_answer(inner, &format!("{name}[{i}].{}", inner.id), &mut item);
                    }
                    if !item.is_empty() {
                        items.push(serde_json::Value::Object(item.into_iter().collect()));
                    }
                }
                if !items.is_empty() {
                    out.insert(q.id.clone(), items.into());
                }
            }
            kind => {
                if let Some(v) = first(fields, name) {
                    out.insert(q.id.clone(), scalar(kind, v, lang));
                }
                if let Some(o) = first(fields, &format!("{name}.other")) {
                    out.insert(format!("{}.other", q.id), o.into());
                }
            }
        }
    }

    fn problem(&mut self, field: &str, code: &str) {
        shape::problem(self.problems, field, code);
    }
}

/// Stored answers → the form fields that show them (the inverse of [`to_answers`]), with
/// numbers written the way the page's language writes them.
pub fn to_fields(
    survey: &Survey,
    answers: &serde_json::Map<String, serde_json::Value>,
    lang: &str,
) -> Fields {
    let mut fields = Fields::new();
    for (name, value) in answers {
        let numeric = survey.questions().iter().any(|q| {
            (q.kind.is_number() && q.id == *name)
                || (q.kind == QType::Grid && name.starts_with(&format!("{}.", q.id)))
        });
        let texts: Vec<String> = match value {
            serde_json::Value::Array(items) if items.iter().all(|i| i.is_string()) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            serde_json::Value::Array(items) => {
                // A repeat: its entries become `name[i].inner`.
                for (i, item) in items.iter().enumerate() {
                    for (inner, v) in item.as_object().into_iter().flatten() {
                        fields
                            .entry(format!("{name}[{i}].{inner}"))
                            .or_default()
                            .push(text_of(v, false, lang));
                    }
                }
                continue;
            }
            serde_json::Value::Bool(true) => vec!["yes".into()],
            other => vec![text_of(other, numeric, lang)],
        };
        fields.insert(name.clone(), texts);
    }
    fields
}

fn text_of(v: &serde_json::Value, numeric: bool, lang: &str) -> String {
    match v {
        serde_json::Value::Number(n) if numeric => {
            let f = n.as_f64().unwrap_or_default();
            let decimals = if f.fract() == 0.0 {
                0
            } else {
                format!("{f}").split('.').nth(1).map_or(0, str::len).min(6)
            };
            crate::locale::format_number(f, decimals, lang)
        }
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_refused() {
        assert!(parse_urlencoded(b"a=%C3%BCye&b=2").is_some());
        assert!(parse_urlencoded(b"a=%FF%FE").is_none());
        assert_eq!(parse_urlencoded(b"a=1&a=2").unwrap()["a"], ["1", "2"]);
    }
}
