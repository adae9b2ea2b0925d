//! The survey model: the YAML shape as written (`Raw*`, with source locations) and the
//! checked, compiled shape (`Survey`) that becomes `schema.json`, the form pages and, later,
//! what the collector validates against.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::expr::Expr;

/// A human text in every language of the survey.
pub type Text = BTreeMap<String, String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSurvey {
    pub id: Spanned<String>,
    pub version: Spanned<String>,
    pub wave: Spanned<i64>,
    pub languages: Spanned<Vec<String>>,
    pub title: Spanned<Text>,
    #[serde(default)]
    pub description: Option<Spanned<Text>>,
    pub audience: Spanned<String>,
    pub access: Spanned<String>,
    pub opens: Spanned<String>,
    pub closes: Spanned<String>,
    #[serde(default)]
    pub layout: Option<Spanned<String>>,
    #[serde(default)]
    pub privacy: Option<RawPrivacy>,
    pub thanks: Spanned<Text>,
    #[serde(default)]
    pub lists: BTreeMap<String, Spanned<Vec<RawChoice>>>,
    pub sections: Vec<RawSection>,
    #[serde(default)]
    pub tests: Vec<RawTest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrivacy {
    pub notice: Spanned<Text>,
    pub consent: Spanned<Text>,
    #[serde(default = "yes")]
    pub consent_required: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChoice {
    pub code: Spanned<String>,
    pub label: Spanned<Text>,
    #[serde(default)]
    pub exclusive: bool,
    #[serde(default)]
    pub other: bool,
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
}

/// A built-in list file in `surveys/lists/`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawListFile {
    pub name: String,
    pub title: Text,
    #[serde(default)]
    pub source: Vec<serde_json::Value>,
    pub choices: Vec<RawChoice>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    pub id: Spanned<String>,
    pub title: Spanned<Text>,
    #[serde(default)]
    pub intro: Option<Spanned<Text>>,
    #[serde(default)]
    pub show_if: Option<Spanned<serde_json::Value>>,
    pub questions: Vec<RawQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRow {
    pub id: Spanned<String>,
    pub label: Spanned<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub assert: Spanned<serde_json::Value>,
    #[serde(default)]
    pub level: Option<Spanned<String>>,
    pub message: Spanned<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    #[serde(default)]
    pub label: Option<Spanned<Text>>,
    #[serde(default)]
    pub hint: Option<Spanned<Text>>,
    #[serde(default)]
    pub required: Option<Spanned<serde_json::Value>>,
    #[serde(default)]
    pub soft_required: bool,
    #[serde(default)]
    pub show_if: Option<Spanned<serde_json::Value>>,
    #[serde(default)]
    pub min: Option<Spanned<serde_json::Value>>,
    #[serde(default)]
    pub max: Option<Spanned<serde_json::Value>>,
    #[serde(default)]
    pub step: Option<f64>,
    #[serde(default)]
    pub min_length: Option<u32>,
    #[serde(default)]
    pub max_length: Option<Spanned<u32>>,
    #[serde(default)]
    pub pattern: Option<Spanned<String>>,
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub unit: Option<Spanned<String>>,
    #[serde(default)]
    pub list: Option<Spanned<String>>,
    #[serde(default)]
    pub filter: Option<Spanned<String>>,
    #[serde(default)]
    pub appearance: Option<Spanned<String>>,
    #[serde(default)]
    pub min_picks: Option<u32>,
    #[serde(default)]
    pub max_picks: Option<Spanned<u32>>,
    #[serde(default)]
    pub rows: Vec<RawRow>,
    #[serde(default)]
    pub columns: Vec<RawRow>,
    #[serde(default)]
    pub totals: bool,
    #[serde(default)]
    pub questions: Vec<RawQuestion>,
    #[serde(default)]
    pub min_count: Option<u32>,
    #[serde(default)]
    pub max_count: Option<Spanned<u32>>,
    #[serde(default)]
    pub calc: Option<Spanned<String>>,
    #[serde(default)]
    pub checks: Vec<RawCheck>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTest {
    pub name: Spanned<String>,
    #[serde(default)]
    pub answers: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub hidden: Vec<String>,
    #[serde(default)]
    pub visible: Vec<String>,
    #[serde(default)]
    pub errors: Vec<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub values: BTreeMap<String, serde_json::Value>,
}

// ---------------------------------------------------------------------------------------
// The compiled survey (schema.json).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QType {
    Text,
    Textarea,
    Integer,
    Decimal,
    Percent,
    Year,
    Date,
    Email,
    Phone,
    Url,
    SelectOne,
    SelectMany,
    Likert,
    Grid,
    Repeat,
    Note,
    Consent,
    Calculated,
}

impl QType {
    pub const ALL: [(&'static str, QType); 18] = [
        ("text", QType::Text),
        ("textarea", QType::Textarea),
        ("integer", QType::Integer),
        ("decimal", QType::Decimal),
        ("percent", QType::Percent),
        ("year", QType::Year),
        ("date", QType::Date),
        ("email", QType::Email),
        ("phone", QType::Phone),
        ("url", QType::Url),
        ("select_one", QType::SelectOne),
        ("select_many", QType::SelectMany),
        ("likert", QType::Likert),
        ("grid", QType::Grid),
        ("repeat", QType::Repeat),
        ("note", QType::Note),
        ("consent", QType::Consent),
        ("calculated", QType::Calculated),
    ];

    pub fn parse(name: &str) -> Option<QType> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("?", |(n, _)| n)
    }

    pub fn is_number(self) -> bool {
        matches!(
            self,
            QType::Integer | QType::Decimal | QType::Percent | QType::Year
        )
    }

    pub fn is_text(self) -> bool {
        matches!(
            self,
            QType::Text | QType::Textarea | QType::Email | QType::Phone | QType::Url
        )
    }

    /// Whether the question holds an answer of its own (not a note, not only cells).
    pub fn has_answer(self) -> bool {
        !matches!(self, QType::Note | QType::Likert | QType::Grid)
    }
}

/// `required:` as compiled.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Always,
    Never,
    When(Expr),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Choice {
    pub code: String,
    pub label: Text,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclusive: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub other: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub id: String,
    pub label: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Error,
    Warning,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Check {
    pub assert: Expr,
    pub level: Level,
    pub message: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Question {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: QType,
    pub label: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    pub required: Rule,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub soft_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appearance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_picks: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_picks: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<Row>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Row>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub totals: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<Question>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calc: Option<Expr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Section {
    pub id: String,
    pub title: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intro: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Expr>,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Privacy {
    pub notice: Text,
    pub consent: Text,
    pub consent_required: bool,
}

/// A checked survey, ready to render and to validate answers against.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Survey {
    pub id: String,
    pub version: String,
    pub wave: i64,
    pub languages: Vec<String>,
    pub title: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    pub audience: String,
    pub access: String,
    pub opens: String,
    pub closes: String,
    pub layout: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy: Option<Privacy>,
    pub thanks: Text,
    /// The choice lists the questions use, built-in ones included.
    pub lists: BTreeMap<String, Vec<Choice>>,
    pub sections: Vec<Section>,
}

impl Survey {
    /// Every question in form order, repeats' inner questions after their repeat.
    pub fn questions(&self) -> Vec<&Question> {
        fn walk<'a>(qs: &'a [Question], out: &mut Vec<&'a Question>) {
            for q in qs {
                out.push(q);
                walk(&q.questions, out);
            }
        }
        let mut out = Vec::new();
        for s in &self.sections {
            walk(&s.questions, &mut out);
        }
        out
    }
}
