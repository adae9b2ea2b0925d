//! The survey model: the YAML shape as written (`Raw*`, with source locations) and the
//! checked, compiled shape (`Survey`) that becomes `schema.json`, the form pages and, later,
//! what the collector validates against.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::expr::Expr;
use crate::text::Date;

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
    /// The IANA time zone the opening and closing dates are days of (default Istanbul).
    #[serde(default)]
    pub timezone: Option<Spanned<String>>,
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

/// Who may answer: anyone (`open`) or holders of a personal link (`invitation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Open,
    Invitation,
}

impl Access {
    /// Every value as written in YAML.
    pub const ALL: [(&'static str, Access); 2] =
        [("open", Access::Open), ("invitation", Access::Invitation)];
}

/// The unit shown beside a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    #[serde(rename = "TRY")]
    Try,
    #[serde(rename = "USD")]
    Usd,
    #[serde(rename = "EUR")]
    Eur,
    #[serde(rename = "persons")]
    Persons,
    #[serde(rename = "FTE")]
    Fte,
    #[serde(rename = "%")]
    Percent,
    #[serde(rename = "days")]
    Days,
    #[serde(rename = "hours")]
    Hours,
}

impl Unit {
    /// Every value as written in YAML.
    pub const ALL: [(&'static str, Unit); 8] = [
        ("TRY", Unit::Try),
        ("USD", Unit::Usd),
        ("EUR", Unit::Eur),
        ("persons", Unit::Persons),
        ("FTE", Unit::Fte),
        ("%", Unit::Percent),
        ("days", Unit::Days),
        ("hours", Unit::Hours),
    ];

    /// As written in YAML and in exports (`TRY`, `%`).
    pub fn as_str(self) -> &'static str {
        Unit::ALL
            .iter()
            .find(|(_, u)| *u == self)
            .map_or("", |(name, _)| name)
    }

    /// The end of its UI string key, `survey_unit_<key>`.
    pub fn key(self) -> &'static str {
        match self {
            Unit::Percent => "percent",
            other => other.as_str(),
        }
    }
}

/// Who a survey is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    ClusterManager,
    MemberFirm,
    Stakeholder,
    Public,
}

impl Audience {
    /// Every value as written in YAML.
    pub const ALL: [(&'static str, Audience); 4] = [
        ("cluster_manager", Audience::ClusterManager),
        ("member_firm", Audience::MemberFirm),
        ("stakeholder", Audience::Stakeholder),
        ("public", Audience::Public),
    ];
}

/// How the form is shown: every section on one page, or one section per page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    Single,
    Paged,
}

impl Layout {
    /// Every value as written in YAML.
    pub const ALL: [(&'static str, Layout); 2] =
        [("single", Layout::Single), ("paged", Layout::Paged)];
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
    pub unit: Option<Unit>,
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
    pub audience: Audience,
    pub access: Access,
    pub opens: Date,
    pub closes: Date,
    /// Left out of schema.json when it is the default, so that the hash of a survey written
    /// before time zones existed stays the same.
    #[serde(
        default = "default_timezone",
        skip_serializing_if = "is_default_timezone"
    )]
    pub timezone: String,
    pub layout: Layout,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy: Option<Privacy>,
    pub thanks: Text,
    /// The choice lists the questions use, built-in ones included.
    pub lists: BTreeMap<String, Vec<Choice>>,
    pub sections: Vec<Section>,
}

/// The time zone of a survey that names none: Kume's surveys are answered in Türkiye.
pub const DEFAULT_TIMEZONE: &str = "Europe/Istanbul";

fn default_timezone() -> String {
    DEFAULT_TIMEZONE.to_string()
}

fn is_default_timezone(tz: &str) -> bool {
    tz == DEFAULT_TIMEZONE
}

/// Where a moment falls in a survey's answering period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    NotYetOpen,
    Open,
    Closed,
}

/// The current moment. Debug builds (the ones the integration tests run) take it from
/// `KUME_NOW` (an RFC 3339 timestamp) when set, so a test can stand at a day's boundary;
/// release builds always use the system clock.
pub fn now() -> jiff::Timestamp {
    if cfg!(debug_assertions)
        && let Some(t) = std::env::var("KUME_NOW")
            .ok()
            .and_then(|v| v.parse::<jiff::Timestamp>().ok())
    {
        return t;
    }
    jiff::Timestamp::now()
}

impl Survey {
    /// Whether the survey takes answers at `now`: `opens` and `closes` are whole days (both
    /// included) in the survey's time zone, not in UTC.
    pub fn period_at(&self, now: jiff::Timestamp) -> Period {
        let zone = jiff::tz::db()
            .get(&self.timezone)
            .or_else(|_| jiff::tz::db().get(DEFAULT_TIMEZONE))
            .unwrap_or(jiff::tz::TimeZone::UTC);
        let today = now.to_zoned_datetime(zone).date();
        if today < self.opens.civil() {
            Period::NotYetOpen
        } else if today > self.closes.civil() {
            Period::Closed
        } else {
            Period::Open
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn survey(opens: &str, closes: &str, timezone: &str) -> Survey {
        Survey {
            id: "deneme".into(),
            version: "1".into(),
            wave: 2026,
            languages: vec!["tr".into()],
            title: Text::new(),
            description: None,
            audience: Audience::Public,
            access: Access::Open,
            opens: Date::parse(opens).unwrap(),
            closes: Date::parse(closes).unwrap(),
            timezone: timezone.into(),
            layout: Layout::Single,
            privacy: None,
            thanks: Text::new(),
            lists: BTreeMap::new(),
            sections: Vec::new(),
        }
    }

    fn at(ts: &str) -> jiff::Timestamp {
        ts.parse().unwrap()
    }

    #[test]
    fn the_closing_day_lasts_until_midnight_in_the_survey_time_zone() {
        let s = survey("2026-06-01", "2026-06-30", DEFAULT_TIMEZONE);
        // 23:30 in Istanbul is 20:30 UTC: still the closing day.
        assert_eq!(s.period_at(at("2026-06-30T20:30:00Z")), Period::Open);
        // 00:30 on 1 July in Istanbul is still 30 June in UTC: closed all the same.
        assert_eq!(s.period_at(at("2026-06-30T21:30:00Z")), Period::Closed);
        // 00:30 on 1 June in Istanbul is 31 May in UTC: already open.
        assert_eq!(s.period_at(at("2026-05-31T21:30:00Z")), Period::Open);
        assert_eq!(s.period_at(at("2026-05-31T20:30:00Z")), Period::NotYetOpen);
    }

    #[test]
    fn another_time_zone_moves_the_boundary() {
        let s = survey("2026-06-01", "2026-06-30", "America/New_York");
        // 23:30 on 30 June in New York is 03:30 UTC on 1 July.
        assert_eq!(s.period_at(at("2026-07-01T03:30:00Z")), Period::Open);
        assert_eq!(s.period_at(at("2026-07-01T04:30:00Z")), Period::Closed);
    }

    #[test]
    fn the_default_time_zone_is_left_out_of_the_schema() {
        let json = serde_json::to_value(survey("2026-06-01", "2026-06-30", DEFAULT_TIMEZONE));
        assert!(
            json.unwrap().get("timezone").is_none(),
            "hashes stay stable"
        );
        let json = serde_json::to_value(survey("2026-06-01", "2026-06-30", "Europe/Berlin"));
        assert_eq!(json.unwrap()["timezone"], "Europe/Berlin");
    }
}
