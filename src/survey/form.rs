//! The form a respondent fills in, as a view for the `survey/*.html` templates.
//!
//! Rendering is a function of (survey, language, values, outcome): the build renders blank
//! forms; the collector renders the same form again with the submitted values and the errors
//! found, so a failed submission without JavaScript shows exactly what to correct.

use std::collections::BTreeMap;

use serde::Serialize;

use super::compile::Compiled;
use super::evaluate::{Outcome, Problem};
use super::expr::{self, Value};
use super::model::{Access, Choice, Layout, QType, Question, Rule, Survey, Text};
use crate::config::Strings;
use crate::locale::format_number;

/// Where the form is shown and where it posts.
pub struct FormContext<'a> {
    pub lang: &'a str,
    pub strings: &'a Strings,
    /// The collector endpoint the form posts to.
    pub action: String,
    /// Where the script fetches the survey's logic (`logic.json`).
    pub logic_url: String,
    /// Submitted values as the respondent typed them (empty for a blank form).
    pub values: &'a BTreeMap<String, Vec<String>>,
    /// Errors and warnings of a failed submission.
    pub outcome: Option<&'a Outcome>,
    /// The invitation token the form posts back (forms rendered by the collector).
    pub token: Option<&'a str>,
    /// A message above the form.
    pub notice: Option<String>,
    /// A final answer is stored: no "save as draft" any more.
    pub final_saved: bool,
    /// The printable questionnaire: every entry of a repeat is printed, blank.
    pub paper: bool,
}

#[derive(Debug, Serialize)]
pub struct FormView {
    pub id: String,
    pub version: String,
    pub hash: String,
    pub title: String,
    pub description: String,
    pub action: String,
    pub paged: bool,
    pub opens: String,
    pub closes: String,
    pub invitation: bool,
    pub token: Option<String>,
    pub notice: Option<String>,
    pub final_saved: bool,
    pub privacy: Option<PrivacyView>,
    pub sections: Vec<SectionView>,
    /// Links to every field with an error, for the summary at the top.
    pub error_summary: Vec<SummaryItem>,
    /// Where the enhancing script fetches the compiled survey.
    pub logic_url: String,
    /// The script's messages in the page's language, as JSON.
    pub messages_json: String,
}

#[derive(Debug, Serialize)]
pub struct PrivacyView {
    pub notice: String,
    pub consent: String,
    pub consent_required: bool,
    pub consent_checked: bool,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SummaryItem {
    pub field: String,
    pub label: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct SectionView {
    pub id: String,
    pub number: usize,
    pub title: String,
    pub intro: String,
    pub condition: Option<String>,
    pub questions: Vec<QuestionView>,
}

#[derive(Debug, Serialize)]
pub struct ChoiceView {
    pub code: String,
    pub label: String,
    pub checked: bool,
    pub exclusive: bool,
    pub other: bool,
    pub field: String,
}

#[derive(Debug, Serialize)]
pub struct CellView {
    pub name: String,
    pub field: String,
    pub label: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct RowView {
    pub id: String,
    pub label: String,
    /// Likert: the scale, checked where answered. Grid: the cells.
    pub choices: Vec<ChoiceView>,
    pub cells: Vec<CellView>,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct QuestionView {
    pub id: String,
    pub kind: &'static str,
    /// `name` of the input(s); `field` the id of the input the label points to.
    pub name: String,
    pub field: String,
    pub label: String,
    pub hint: String,
    /// "required", "conditional" or "" (optional).
    pub required: &'static str,
    /// Text explaining when a conditional question applies (shown without JavaScript).
    pub condition: Option<String>,
    pub input_type: &'static str,
    pub inputmode: &'static str,
    pub pattern: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub step: Option<String>,
    pub maxlength: Option<u32>,
    pub minlength: Option<u32>,
    pub unit: Option<String>,
    pub value: String,
    pub choices: Vec<ChoiceView>,
    pub other_value: String,
    pub dropdown: bool,
    pub rows: Vec<RowView>,
    pub columns: Vec<String>,
    pub totals: bool,
    pub items: Vec<Vec<QuestionView>>,
    /// A repeat's most entries: "add another" is offered while fewer are shown.
    pub max_items: usize,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub calculated: String,
}

fn pick(text: &Text, lang: &str) -> String {
    text.get(lang).cloned().unwrap_or_default()
}

/// Problem → sentence in the page's language, from the `survey_error_*` UI strings.
pub fn problem_message(ctx: &FormContext<'_>, p: &Problem) -> String {
    if let Some(m) = &p.message {
        return pick(m, ctx.lang);
    }
    let mut s = ctx.strings.t(ctx.lang, &format!("survey_error_{}", p.code));
    for (k, v) in &p.params {
        let shown = match v {
            serde_json::Value::Number(n) => n.as_f64().map_or_else(
                || n.to_string(),
                |f| format_number(f, if f.fract() == 0.0 { 0 } else { 2 }, ctx.lang),
            ),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        s = s.replace(&format!("{{{k}}}"), &shown);
    }
    s
}

/// The form view of `compiled` in `ctx.lang`.
pub fn form_view(compiled: &Compiled, ctx: &FormContext<'_>) -> FormView {
    let survey = &compiled.survey;
    let labels = label_index(survey, ctx.lang);
    let mut summary = Vec::new();
    let sections = survey
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| SectionView {
            id: s.id.clone(),
            number: i + 1,
            title: pick(&s.title, ctx.lang),
            intro: s
                .intro
                .as_ref()
                .map(|x| markdown(&pick(x, ctx.lang)))
                .unwrap_or_default(),
            condition: s.show_if.as_ref().map(|e| condition_text(ctx, e, &labels)),
            questions: s
                .questions
                .iter()
                .map(|q| question_view(survey, q, ctx, &labels, "", &mut summary))
                .collect(),
        })
        .collect();
    let privacy = survey.privacy.as_ref().map(|p| {
        let error = ctx
            .outcome
            .and_then(|o| o.errors.get("_consent"))
            .and_then(|ps| ps.first())
            .map(|p| problem_message(ctx, p));
        if let Some(e) = &error {
            summary.insert(
                0,
                SummaryItem {
                    field: "f-_consent".into(),
                    label: ctx.strings.t(ctx.lang, "survey_consent_title"),
                    message: e.clone(),
                },
            );
        }
        PrivacyView {
            notice: markdown(&pick(&p.notice, ctx.lang)),
            consent: inline_markdown(&pick(&p.consent, ctx.lang)),
            consent_required: p.consent_required,
            consent_checked: ctx
                .values
                .get("_consent")
                .is_some_and(|v| v.iter().any(|x| x == "yes")),
            error,
        }
    });
    FormView {
        id: survey.id.clone(),
        version: survey.version.clone(),
        hash: compiled.hash.clone(),
        title: pick(&survey.title, ctx.lang),
        description: survey
            .description
            .as_ref()
            .map(|d| markdown(&pick(d, ctx.lang)))
            .unwrap_or_default(),
        action: ctx.action.clone(),
        paged: survey.layout == Layout::Paged,
        opens: survey.opens.iso(),
        closes: survey.closes.iso(),
        invitation: survey.access == Access::Invitation,
        token: ctx.token.map(str::to_string),
        notice: ctx.notice.clone(),
        final_saved: ctx.final_saved,
        privacy,
        sections,
        error_summary: summary,
        logic_url: ctx.logic_url.clone(),
        messages_json: messages_json(ctx),
    }
}

/// Problem codes the browser can report (`kume-rules.js` finds what the collector finds).
const SCRIPT_CODES: [&str; 23] = [
    "required",
    "number",
    "integer",
    "min",
    "max",
    "text",
    "min_length",
    "max_length",
    "pattern",
    "email",
    "url",
    "phone",
    "date",
    "choice",
    "min_picks",
    "max_picks",
    "exclusive",
    "other_required",
    "consent",
    "min_count",
    "max_count",
    "duplicate",
    "too_many",
];

fn messages_json(ctx: &FormContext<'_>) -> String {
    let mut m: BTreeMap<String, String> = SCRIPT_CODES
        .iter()
        .map(|c| {
            (
                (*c).to_string(),
                ctx.strings.t(ctx.lang, &format!("survey_error_{c}")),
            )
        })
        .collect();
    for (key, ui) in [
        ("errors_title", "survey_errors_title"),
        ("consent_title", "survey_consent_title"),
        ("draft_restored", "survey_draft_restored"),
        ("previous", "previous"),
        ("next", "next"),
        ("progress", "survey_progress"),
        ("review_title", "survey_review_title"),
        ("review_intro", "survey_review_intro"),
        ("no_answer", "survey_no_answer"),
        ("add_item", "survey_add_item"),
    ] {
        m.insert(key.to_string(), ctx.strings.t(ctx.lang, ui));
    }
    serde_json::to_string(&m)
        .unwrap_or_default()
        .replace("</", "<\\/")
}

/// Markdown for text that sits inside a label: one paragraph, without its `<p>`.
fn inline_markdown(text: &str) -> String {
    let html = markdown(text);
    let trimmed = html.trim();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => trimmed.replace("<p>", "").replace("</p>", " "),
    }
}

fn markdown(text: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.autolink = true;
    comrak::markdown_to_html(text, &options)
}

/// Question id → its label in the page's language, for condition texts and summaries.
fn label_index(survey: &Survey, lang: &str) -> BTreeMap<String, String> {
    survey
        .questions()
        .iter()
        .map(|q| (q.id.clone(), pick(&q.label, lang)))
        .collect()
}

/// "Answer this only if it applies given your answers to: «…», «…»".
fn condition_text(
    ctx: &FormContext<'_>,
    e: &expr::Expr,
    labels: &BTreeMap<String, String>,
) -> String {
    let mut names: Vec<String> = Vec::new();
    for r in expr::refs(e) {
        let base = r.split('.').next().unwrap_or(&r).to_string();
        if let Some(l) = labels.get(&base) {
            let quoted = format!("«{l}»");
            if !names.contains(&quoted) {
                names.push(quoted);
            }
        }
    }
    format!(
        "{} {}",
        ctx.strings.t(ctx.lang, "survey_condition"),
        names.join(", ")
    )
}

fn values_of<'a>(ctx: &'a FormContext<'_>, name: &str) -> &'a [String] {
    ctx.values.get(name).map(Vec::as_slice).unwrap_or(&[])
}

fn first_value(ctx: &FormContext<'_>, name: &str) -> String {
    values_of(ctx, name).first().cloned().unwrap_or_default()
}

fn messages(ctx: &FormContext<'_>, id: &str, warnings: bool) -> Vec<String> {
    let Some(o) = ctx.outcome else {
        return Vec::new();
    };
    let map = if warnings { &o.warnings } else { &o.errors };
    map.get(id)
        .map(|ps| ps.iter().map(|p| problem_message(ctx, p)).collect())
        .unwrap_or_default()
}

fn limit_text(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref().map(|x| match x {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// The choices of a list. Each choice is labelled by the `<label>` around it, so only two carry
/// an id: the first, with the group's own id (`anchor`, where the error summary links), and an
/// "other" choice, which its "please specify" field names.
fn choice_views(
    survey: &Survey,
    q: &Question,
    anchor: &str,
    checked: &[String],
    lang: &str,
) -> Vec<ChoiceView> {
    let list: &[Choice] = q
        .list
        .as_ref()
        .and_then(|l| survey.lists.get(l))
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    list.iter()
        .enumerate()
        .map(|(i, c)| ChoiceView {
            code: c.code.clone(),
            label: pick(&c.label, lang),
            checked: checked.contains(&c.code),
            exclusive: c.exclusive,
            other: c.other,
            field: match (i, c.other) {
                (0, _) => anchor.to_string(),
                (_, true) => format!("{anchor}-{}", c.code.replace('.', "_")),
                _ => String::new(),
            },
        })
        .collect()
}

fn question_view(
    survey: &Survey,
    q: &Question,
    ctx: &FormContext<'_>,
    labels: &BTreeMap<String, String>,
    prefix: &str,
    summary: &mut Vec<SummaryItem>,
) -> QuestionView {
    let name = format!("{prefix}{}", q.id);
    let field = format!("f-{}", name.replace(['.', '[', ']'], "-"));
    let lang = ctx.lang;
    let label = pick(&q.label, lang);
    let errors = if prefix.is_empty() {
        messages(ctx, &q.id, false)
    } else {
        Vec::new()
    };
    for e in &errors {
        summary.push(SummaryItem {
            field: field.clone(),
            label: label.clone(),
            message: e.clone(),
        });
    }
    let (input_type, inputmode, pattern) = input_attrs(q, lang);
    // A blank form starts from the question's `default`.
    let defaults = if ctx.values.is_empty() {
        default_values(&q.default)
    } else {
        Vec::new()
    };
    let checked = if ctx.values.is_empty() {
        defaults.clone()
    } else {
        values_of(ctx, &name).to_vec()
    };
    let rows = row_views(survey, q, ctx, &name, &field);
    let items = if q.kind == QType::Repeat {
        repeat_items(survey, q, ctx, labels, &name, summary)
    } else {
        Vec::new()
    };
    let calculated = match (&q.calc, ctx.outcome) {
        (Some(_), Some(o)) => display_value(o.values.get(&q.id), lang),
        _ => String::new(),
    };
    QuestionView {
        id: q.id.clone(),
        kind: q.kind.name(),
        field: field.clone(),
        label,
        hint: q.hint.as_ref().map(|h| pick(h, lang)).unwrap_or_default(),
        required: match (&q.required, q.kind) {
            (Rule::Always, _) | (_, QType::Consent) => "required",
            (Rule::When(_), _) => "conditional",
            (Rule::Never, _) => "",
        },
        condition: q.show_if.as_ref().map(|e| condition_text(ctx, e, labels)),
        input_type,
        inputmode,
        pattern,
        min: limit_text(&q.min).or_else(|| (q.kind == QType::Percent).then(|| "0".into())),
        max: limit_text(&q.max).or_else(|| (q.kind == QType::Percent).then(|| "100".into())),
        step: q.step.map(|s| s.to_string()),
        maxlength: q.max_length,
        minlength: q.min_length,
        unit: q
            .unit
            .map(|u| ctx.strings.t(ctx.lang, &format!("survey_unit_{}", u.key()))),
        value: if ctx.values.is_empty() {
            defaults.first().cloned().unwrap_or_default()
        } else {
            first_value(ctx, &name)
        },
        choices: if matches!(q.kind, QType::SelectOne | QType::SelectMany) {
            choice_views(survey, q, &field, &checked, lang)
        } else {
            Vec::new()
        },
        other_value: first_value(ctx, &format!("{name}.other")),
        dropdown: q.appearance.as_deref() == Some("dropdown"),
        rows,
        columns: q.columns.iter().map(|c| pick(&c.label, lang)).collect(),
        totals: q.totals,
        items,
        max_items: if q.kind == QType::Repeat {
            repeat_max(q)
        } else {
            0
        },
        errors,
        warnings: if prefix.is_empty() {
            messages(ctx, &q.id, true)
        } else {
            Vec::new()
        },
        calculated,
        name,
    }
}

/// The input's `type`, `inputmode` and `pattern` for a question's kind.
fn input_attrs(q: &Question, lang: &str) -> (&'static str, &'static str, Option<String>) {
    let attrs = match q.kind {
        QType::Integer => (
            "text",
            "numeric",
            Some(crate::locale::number_pattern(lang, true)),
        ),
        QType::Decimal | QType::Percent => (
            "text",
            "decimal",
            Some(crate::locale::number_pattern(lang, false)),
        ),
        QType::Year => ("number", "numeric", None),
        QType::Date => ("date", "", None),
        QType::Email => ("email", "email", None),
        QType::Phone => ("tel", "tel", None),
        QType::Url => ("url", "url", None),
        _ => ("text", "", q.pattern.clone()),
    };
    // A text question's own `pattern` is the one it is checked with.
    if q.kind.is_text() {
        (attrs.0, attrs.1, q.pattern.clone())
    } else {
        attrs
    }
}

/// The rows of a likert (each with its scale) or of a grid (each with its cells).
fn row_views(
    survey: &Survey,
    q: &Question,
    ctx: &FormContext<'_>,
    name: &str,
    field: &str,
) -> Vec<RowView> {
    let lang = ctx.lang;
    q.rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let row_name = format!("{name}.{}", r.id);
            let row_field = format!("{field}-{}", r.id);
            // The first row's first choice is the question's anchor for the error summary.
            let anchor = if i == 0 { field } else { &row_field };
            RowView {
                id: r.id.clone(),
                label: pick(&r.label, lang),
                choices: if q.kind == QType::Likert {
                    choice_views(survey, q, anchor, values_of(ctx, &row_name), lang)
                } else {
                    Vec::new()
                },
                cells: q
                    .columns
                    .iter()
                    .map(|c| {
                        let cell = format!("{row_name}.{}", c.id);
                        CellView {
                            field: format!("{row_field}-{}", c.id),
                            label: format!("{} — {}", pick(&r.label, lang), pick(&c.label, lang)),
                            value: first_value(ctx, &cell),
                            name: cell,
                        }
                    })
                    .collect(),
                name: row_name,
            }
        })
        .collect()
}

/// A repeat's slots, each with the repeated questions named `name[i].…`.
fn repeat_items(
    survey: &Survey,
    q: &Question,
    ctx: &FormContext<'_>,
    labels: &BTreeMap<String, String>,
    name: &str,
    summary: &mut Vec<SummaryItem>,
) -> Vec<Vec<QuestionView>> {
    (0..repeat_slots(q, ctx, name))
        .map(|i| {
            q.questions
                .iter()
                .map(|inner| {
                    question_view(
                        survey,
                        inner,
                        ctx,
                        labels,
                        &format!("{name}[{i}]."),
                        summary,
                    )
                })
                .collect()
        })
        .collect()
}

/// The most entries a repeat can hold in the form (its `max_count`).
fn repeat_max(q: &Question) -> usize {
    q.max_count.map_or(20, |m| m as usize).max(1)
}

/// How many entries of a repeat the form shows: those in use, those shown before the form was
/// sent (`_slots.<name>`), at least `min_count` and one, and one more when "add another" was
/// pressed without JavaScript (`_action=add:<name>`) — never more than the repeat can hold. A
/// blank form shows one entry (or `min_count`), not every possible one; paper has room for up
/// to ten.
fn repeat_slots(q: &Question, ctx: &FormContext<'_>, name: &str) -> usize {
    if ctx.paper {
        return repeat_max(q).min(10);
    }
    let prefix = format!("{name}[");
    let used = ctx
        .values
        .iter()
        .filter(|(_, v)| v.iter().any(|x| !x.is_empty()))
        .filter_map(|(k, _)| {
            k.strip_prefix(&prefix)?
                .split(']')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .map(|i| i + 1)
        .max()
        .unwrap_or(0);
    let shown = values_of(ctx, &format!("_slots.{name}"))
        .first()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let least = q.min_count.map_or(1, |m| m as usize).max(1);
    let added = values_of(ctx, "_action")
        .iter()
        .any(|a| a.strip_prefix("add:") == Some(name));
    (used.max(shown).max(least) + usize::from(added)).min(repeat_max(q))
}

/// A `default:` as the text values of its inputs.
fn default_values(default: &Option<serde_json::Value>) -> Vec<String> {
    match default {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect(),
        Some(serde_json::Value::Bool(true)) => vec!["yes".to_string()],
        Some(other) => vec![other.to_string()],
    }
}

fn display_value(v: Option<&Value>, lang: &str) -> String {
    match v {
        Some(Value::Number(n)) => format_number(*n, if n.fract() == 0.0 { 0 } else { 2 }, lang),
        Some(Value::Text(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::List(items)) => items.join(", "),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;
    use crate::config::Config;
    use crate::survey::compile::compile_one;
    use crate::survey::evaluate::evaluate;

    /// The collector's case: a submission with a failed check is shown again with the
    /// answers kept and the error beside the field and in the summary.
    #[test]
    fn form_renders_again_with_values_and_errors() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = Config::load(root).unwrap();
        let strings = Strings::load(&config).unwrap();
        let (data, _) = crate::data::ProjectData::load(&config);
        let fixture = root.join("tests/fixtures/surveys/deneme.yaml");
        let compiled = compile_one(&config, &data.lists, &fixture).unwrap();
        let answers: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(r#"{"uye_mi": "evet", "uye_sayisi": 2, "aktif_uye": 3}"#).unwrap();
        let outcome = evaluate(&compiled.survey, &answers);
        let typed: BTreeMap<String, Vec<String>> =
            [("uye_mi", "evet"), ("uye_sayisi", "2"), ("aktif_uye", "3")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
                .collect();
        let ctx = FormContext {
            lang: "tr",
            strings: &strings,
            action: "/api".into(),
            logic_url: String::new(),
            values: &typed,
            outcome: Some(&outcome),
            token: None,
            notice: None,
            final_saved: false,
            paper: false,
        };
        let view = form_view(&compiled, &ctx);
        assert_eq!(view.error_summary.len(), 1);
        assert_eq!(view.error_summary[0].field, "f-aktif_uye");
        assert_eq!(
            view.error_summary[0].message,
            "Etkin üye sayısı toplamı aşamaz."
        );
        let questions = &view.sections[0].questions;
        assert_eq!(questions[2].value, "3");
        assert_eq!(questions[2].errors, ["Etkin üye sayısı toplamı aşamaz."]);
        assert!(
            questions[0]
                .choices
                .iter()
                .any(|c| c.code == "evet" && c.checked)
        );
    }
}
