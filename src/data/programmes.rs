//! The support-programme catalogue: one YAML file per programme in `site/data/programmes/`,
//! read raw (unknown keys rejected), then validated against the closed lists of audiences,
//! topics, statuses and funding types, with every problem located at its line and column.

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use crate::config::{Config, Localized};
use crate::content::sources;
use crate::data::registry::{read, yaml_files};
use crate::diagnostics::{Diagnostic, display_path};
use crate::text::{Date, did_you_mean};

pub const PROGRAMMES_DIR: &str = "site/data/programmes";

/// Who a programme is for; also the three "what do I need?" audiences.
pub const AUDIENCES: [&str; 3] = ["sme", "cluster_organisation", "support_institution"];
pub const TOPICS: [&str; 6] = [
    "cluster_development",
    "cooperation",
    "internationalisation",
    "rd_innovation",
    "university_industry",
    "regional_development",
];
pub const STATUSES: [&str; 4] = ["open", "closed", "continuous", "unknown"];
pub const FUNDING_TYPES: [&str; 4] = ["grant", "grant_and_repayable", "repayable", "unknown"];

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgramme {
    id: Spanned<String>,
    name: Spanned<Localized>,
    provider: Spanned<Localized>,
    audience: Spanned<Vec<Spanned<String>>>,
    topics: Spanned<Vec<Spanned<String>>>,
    summary: Spanned<Localized>,
    #[serde(default)]
    funding: Option<RawFunding>,
    #[serde(default)]
    eligibility: Option<Spanned<Localized>>,
    #[serde(default)]
    duration: Option<Spanned<Localized>>,
    status: Spanned<String>,
    #[serde(default)]
    opens: Option<Spanned<String>>,
    #[serde(default)]
    closes: Option<Spanned<String>>,
    #[serde(default)]
    url: Option<String>,
    sources: Spanned<Vec<Source>>,
    /// Only when someone compared the entry with the official page that day; an entry never
    /// compared has none, and its page says so rather than showing a date nobody earned.
    #[serde(default)]
    last_checked: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFunding {
    #[serde(rename = "type")]
    kind: Spanned<String>,
    #[serde(default)]
    terms: Vec<RawTerm>,
}

/// One dated fact about the money: a rate, a ceiling, a call budget.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    text: Spanned<Localized>,
    as_of: Spanned<String>,
    source: String,
}

/// A dated funding term, valid as of `as_of` (a year or a day).
#[derive(Debug, Clone)]
pub struct Term {
    pub text: Localized,
    pub as_of: String,
    pub source: String,
}

/// A validated programme.
#[derive(Debug, Clone)]
pub struct Programme {
    pub id: String,
    pub file: String,
    pub name: Localized,
    pub provider: Localized,
    pub audience: Vec<String>,
    pub topics: Vec<String>,
    pub summary: Localized,
    pub funding_type: String,
    pub terms: Vec<Term>,
    pub eligibility: Option<Localized>,
    pub duration: Option<Localized>,
    pub status: String,
    pub opens: Option<Date>,
    pub closes: Option<Date>,
    pub url: Option<String>,
    pub sources: Vec<Source>,
    /// `None` when the entry has not been compared with its official page yet.
    pub last_checked: Option<Date>,
    /// Where `last_checked` is written (or the `id`, when it is missing), for the warnings.
    pub last_checked_at: (usize, usize),
}

/// Collects the problems of one file, each at its line and column.
struct Check<'a> {
    file: &'a str,
    langs: Vec<String>,
    diags: &'a mut Vec<Diagnostic>,
    errors: usize,
}

impl Check<'_> {
    fn error(&mut self, loc: &Location, message: String, help: String) {
        self.diags.push(
            Diagnostic::error(self.file, message)
                .at(loc.line() as usize, loc.column() as usize)
                .help(help),
        );
        self.errors += 1;
    }

    /// Every language of the site has a non-empty text.
    fn localized(&mut self, field: &str, t: &Spanned<Localized>) -> Localized {
        for lang in self.langs.clone() {
            if t.value.get(&lang).is_none_or(|s| s.trim().is_empty()) {
                self.error(
                    &t.referenced,
                    format!("`{field}` has no text in `{lang}`"),
                    format!("add `{lang}: …`; every text is written in every language of the site"),
                );
            }
        }
        t.value.clone()
    }

    fn one_of(&mut self, field: &str, v: &Spanned<String>, allowed: &[&str]) -> String {
        if !allowed.contains(&v.value.as_str()) {
            let help = match did_you_mean(&v.value, allowed.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? Allowed: {}", allowed.join(", ")),
                None => format!("allowed: {}", allowed.join(", ")),
            };
            self.error(
                &v.referenced,
                format!("`{field}: {}` is not allowed", v.value),
                help,
            );
        }
        v.value.clone()
    }

    fn date(&mut self, field: &str, v: &Spanned<String>) -> Option<Date> {
        let d = Date::parse(&v.value);
        if d.is_none() {
            self.error(
                &v.referenced,
                format!("`{field}: {}` is not a date", v.value),
                "write dates as YYYY-MM-DD".into(),
            );
        }
        d
    }

    /// `as_of` is a year (`2023`) when the source dates the figure only by year.
    fn as_of(&mut self, v: &Spanned<String>) -> String {
        let year = v.value.len() == 4 && v.value.chars().all(|c| c.is_ascii_digit());
        if !year && Date::parse(&v.value).is_none() {
            self.error(
                &v.referenced,
                format!("`as_of: {}` is neither a year nor a date", v.value),
                "write the year (2023) or the day (2023-10-18) the figure was valid".into(),
            );
        }
        v.value.clone()
    }
}

/// Reads every programme file; problems are collected, valid programmes returned.
pub fn load(config: &Config, diags: &mut Vec<Diagnostic>) -> Vec<Programme> {
    let mut out = Vec::new();
    for path in yaml_files(&config.path(PROGRAMMES_DIR)) {
        let file = display_path(&config.root, &path);
        let Some(raw) = read::<RawProgramme>(config, &path, diags) else {
            continue;
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(p) = validate(config, &file, &stem, raw, diags) {
            out.push(p);
        }
    }
    out
}

fn validate(
    config: &Config,
    file: &str,
    stem: &str,
    raw: RawProgramme,
    diags: &mut Vec<Diagnostic>,
) -> Option<Programme> {
    let mut c = Check {
        file,
        langs: config.languages.iter().map(|l| l.code.clone()).collect(),
        diags,
        errors: 0,
    };
    if raw.id.value != stem {
        c.error(
            &raw.id.referenced,
            format!(
                "programme id `{}` differs from the file name `{stem}`",
                raw.id.value
            ),
            format!(
                "rename the file to {}.yaml or the id to `{stem}`",
                raw.id.value
            ),
        );
    }
    let name = c.localized("name", &raw.name);
    let provider = c.localized("provider", &raw.provider);
    let summary = c.localized("summary", &raw.summary);
    let audience: Vec<String> = raw
        .audience
        .value
        .iter()
        .map(|a| c.one_of("audience", a, &AUDIENCES))
        .collect();
    if audience.is_empty() {
        c.error(
            &raw.audience.referenced,
            "`audience` is empty".into(),
            format!("name at least one of: {}", AUDIENCES.join(", ")),
        );
    }
    let topics = raw
        .topics
        .value
        .iter()
        .map(|t| c.one_of("topics", t, &TOPICS))
        .collect();
    let (funding_type, terms) = match &raw.funding {
        Some(f) => (
            c.one_of("funding.type", &f.kind, &FUNDING_TYPES),
            f.terms
                .iter()
                .map(|t| Term {
                    text: c.localized("funding.terms.text", &t.text),
                    as_of: c.as_of(&t.as_of),
                    source: t.source.clone(),
                })
                .collect(),
        ),
        None => ("unknown".to_string(), Vec::new()),
    };
    let eligibility = raw
        .eligibility
        .as_ref()
        .map(|t| c.localized("eligibility", t));
    let duration = raw.duration.as_ref().map(|t| c.localized("duration", t));
    let status = c.one_of("status", &raw.status, &STATUSES);
    let opens = raw.opens.as_ref().and_then(|d| c.date("opens", d));
    let closes = raw.closes.as_ref().and_then(|d| c.date("closes", d));
    if raw.sources.value.is_empty() {
        c.error(
            &raw.sources.referenced,
            "`sources` is empty".into(),
            "name the page every fact of this entry comes from: `- {title: …, url: …}`".into(),
        );
    }
    check_sources(&mut c, &raw);
    let last_checked = raw.last_checked.as_ref().map(|d| c.date("last_checked", d));
    let checked_at = raw
        .last_checked
        .as_ref()
        .map_or(&raw.id.referenced, |d| &d.referenced);
    let last_checked_at = (checked_at.line() as usize, checked_at.column() as usize);
    if c.errors > 0 {
        return None;
    }
    Some(Programme {
        id: raw.id.value,
        file: file.to_string(),
        name,
        provider,
        audience,
        topics,
        summary,
        funding_type,
        terms,
        eligibility,
        duration,
        status,
        opens,
        closes,
        url: raw.url,
        sources: raw.sources.value,
        last_checked: last_checked.flatten(),
        last_checked_at,
    })
}

/// A warning for every source, term source and official address that is a site's front page
/// or on a staging host (see [`crate::content::sources`]). Only the list of sources has a
/// position; the others are reported at it too.
fn check_sources(c: &mut Check<'_>, raw: &RawProgramme) {
    let at = (
        raw.sources.referenced.line() as usize,
        raw.sources.referenced.column() as usize,
    );
    let terms = raw
        .funding
        .iter()
        .flat_map(|f| f.terms.iter().map(|t| &t.source));
    let urls = raw
        .sources
        .value
        .iter()
        .map(|s| &s.url)
        .chain(terms)
        .chain(raw.url.iter());
    for url in urls {
        c.diags.extend(sources::warning(c.file, url, at));
    }
}

/// Days since 1970-01-01, to compare dates.
fn days(d: Date) -> i64 {
    let (y, m) = if d.month <= 2 {
        (i64::from(d.year) - 1, i64::from(d.month) + 9)
    } else {
        (i64::from(d.year), i64::from(d.month) - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + i64::from(d.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A warning for every programme not checked against its official page for `max_age` days:
/// amounts, rates and deadlines change, and a stale entry misleads.
pub fn stale_warnings(programmes: &[Programme], today: Date, max_age: u32) -> Vec<Diagnostic> {
    programmes
        .iter()
        .filter_map(|p| {
            let age = days(today) - days(p.last_checked?);
            (age > i64::from(max_age)).then(|| {
                Diagnostic::warning(
                    &p.file,
                    format!(
                        "`{}` was last checked {age} days ago (more than {max_age})",
                        p.id
                    ),
                )
                .at(p.last_checked_at.0, p.last_checked_at.1)
                .help(
                    "compare the entry with its official page and sources, correct what changed, \
                     then set `last_checked` to today's date",
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_counts_from_the_epoch() {
        assert_eq!(days(Date::from_days(0)), 0);
        assert_eq!(days(Date::from_days(20_000)), 20_000);
        assert_eq!(
            days(Date::parse("2024-03-01").unwrap()) - days(Date::parse("2024-02-28").unwrap()),
            2
        );
    }
}
