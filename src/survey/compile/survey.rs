//! One survey assembled from its raw YAML, step by step: id and languages → the survey's own
//! fields (audience, access, layout, dates, time zone, wave, version, texts) → its lists →
//! pass 1 (ids and types) → pass 2 (sections and questions) → unused lists → dependency cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_saphyr::Spanned;

use super::context::Ctx;
use super::env::Env;
use super::expressions::check_cycles;
use super::is_snake;
use super::lists::compile_list;
use super::questions::Builder;
use crate::config::Config;
use crate::survey::expr;
use crate::survey::model::*;
use crate::text::{Date, did_you_mean, is_slug};

/// Compiles a parsed survey; `None` when anything in it is an error.
pub(super) fn build(
    config: &Config,
    path: &Path,
    raw: &RawSurvey,
    builtins: &BTreeMap<String, Vec<Choice>>,
    ctx: &mut Ctx<'_>,
) -> Option<Survey> {
    check_id(ctx, path, &raw.id);
    check_languages(ctx, config, &raw.languages);
    ctx.langs = raw.languages.value.clone();
    let fields = fields(ctx, raw);

    let mut lists: BTreeMap<String, Vec<Choice>> = BTreeMap::new();
    for (name, items) in &raw.lists {
        lists.insert(name.clone(), compile_list(ctx, name, items));
    }
    let env = declare(ctx, raw);
    let mut b = Builder {
        env: &env,
        lists: &lists,
        builtins,
        used: BTreeSet::new(),
        deps: BTreeMap::new(),
        unknown_lists: false,
    };
    let sections = sections(ctx, raw, &mut b);
    let Builder {
        used,
        deps,
        unknown_lists,
        ..
    } = b;
    // After a misspelled `list:`, "unused" would only repeat the same mistake.
    if !unknown_lists {
        check_unused_lists(ctx, raw, &used);
    }
    // The built-in lists a survey uses travel with it, so a compiled survey is complete.
    for name in &used {
        if let (false, Some(list)) = (lists.contains_key(name), builtins.get(name)) {
            lists.insert(name.clone(), list.clone());
        }
    }
    check_cycles(ctx, &deps, &env);
    let survey = Survey {
        id: raw.id.value.clone(),
        version: raw.version.value.clone(),
        wave: raw.wave.value,
        languages: raw.languages.value.clone(),
        title: fields.title,
        description: fields.description,
        audience: fields.audience,
        access: fields.access,
        opens: fields.dates?.0,
        closes: fields.dates?.1,
        timezone: fields.timezone,
        layout: fields.layout,
        privacy: fields.privacy,
        thanks: fields.thanks,
        lists,
        sections,
    };
    (ctx.errors == 0).then_some(survey)
}

/// The id is a URL slug and the file's name.
fn check_id(ctx: &mut Ctx<'_>, path: &Path, id: &Spanned<String>) {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !is_slug(&id.value) {
        ctx.error(
            &id.referenced,
            format!("survey id `{}` is not a URL slug", id.value),
            "use lower-case ASCII letters, digits and `-`, e.g. `uye-firma`",
        );
    } else if id.value != stem {
        ctx.error(
            &id.referenced,
            format!(
                "survey id `{}` differs from the file name `{stem}`",
                id.value
            ),
            format!("rename the file to {}.yaml or the id to `{stem}`", id.value),
        );
    }
}

/// Every language is one of the site's, and there is at least one.
fn check_languages(ctx: &mut Ctx<'_>, config: &Config, languages: &Spanned<Vec<String>>) {
    for lang in &languages.value {
        if config.language(lang).is_none() {
            let known: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
            ctx.error(
                &languages.referenced,
                format!("language `{lang}` is not a language of the site"),
                format!("use languages from site/config.yaml: {}", known.join(", ")),
            );
        }
    }
    if languages.value.is_empty() {
        ctx.error(
            &languages.referenced,
            "`languages` is empty",
            "list the survey's languages, e.g. `[tr, en]`",
        );
    }
}

/// The survey's own fields, checked, with the defaults of those left out.
struct Fields {
    audience: Audience,
    dates: Option<(Date, Date)>,
    access: Access,
    layout: Layout,
    timezone: String,
    title: Text,
    description: Option<Text>,
    thanks: Text,
    privacy: Option<Privacy>,
}

fn fields(ctx: &mut Ctx<'_>, raw: &RawSurvey) -> Fields {
    let audience =
        one_value(ctx, "audience", &raw.audience, &Audience::ALL).unwrap_or(Audience::Public);
    let access = one_value(ctx, "access", &raw.access, &Access::ALL).unwrap_or(Access::Open);
    let layout = raw
        .layout
        .as_ref()
        .and_then(|l| one_value(ctx, "layout", l, &Layout::ALL))
        .unwrap_or(Layout::Single);
    let dates = dates(ctx, raw);
    let timezone = raw
        .timezone
        .as_ref()
        .map_or_else(|| DEFAULT_TIMEZONE.to_string(), |tz| time_zone(ctx, tz));
    if !(2000..=2100).contains(&raw.wave.value) {
        ctx.error(
            &raw.wave.referenced,
            format!("`wave: {}` is not a survey year", raw.wave.value),
            "write the year the answers describe, e.g. `wave: 2026`",
        );
    }
    if raw.version.value.trim().is_empty() {
        ctx.error(
            &raw.version.referenced,
            "`version` is empty",
            "write the questionnaire's version, e.g. `version: \"2026.1\"`",
        );
    }
    Fields {
        audience,
        dates,
        access,
        layout,
        timezone,
        title: ctx.text("title", &raw.title),
        description: ctx.opt_text("description", &raw.description),
        thanks: ctx.text("thanks", &raw.thanks),
        privacy: raw.privacy.as_ref().map(|p| Privacy {
            notice: ctx.text("privacy.notice", &p.notice),
            consent: ctx.text("privacy.consent", &p.consent),
            consent_required: p.consent_required,
        }),
    }
}

/// `opens` and `closes` are dates, in that order.
/// `opens` and `closes`, when both are dates and in order.
fn dates(ctx: &mut Ctx<'_>, raw: &RawSurvey) -> Option<(Date, Date)> {
    let opens = date(ctx, "opens", &raw.opens);
    let closes = date(ctx, "closes", &raw.closes);
    if let (Some(o), Some(c)) = (opens, closes)
        && o > c
    {
        ctx.error(
            &raw.closes.referenced,
            format!(
                "`closes: {}` is before `opens: {}`",
                raw.closes.value, raw.opens.value
            ),
            "the survey must close on or after the day it opens",
        );
        return None;
    }
    opens.zip(closes)
}

/// Pass 1: the section ids, and every question id with its type, so that expressions can refer
/// to later questions too.
fn declare(ctx: &mut Ctx<'_>, raw: &RawSurvey) -> Env {
    let mut env = Env::default();
    let mut section_ids = BTreeSet::new();
    for s in &raw.sections {
        if !is_snake(&s.id.value) {
            ctx.error(
                &s.id.referenced,
                format!("section id `{}` is not snake_case", s.id.value),
                "use lower-case ASCII letters, digits and `_`",
            );
        }
        if !section_ids.insert(s.id.value.clone()) {
            ctx.error(
                &s.id.referenced,
                format!("section id `{}` is used twice", s.id.value),
                "give every section its own id",
            );
        }
        for q in &s.questions {
            env.collect(ctx, q);
        }
    }
    if raw.sections.is_empty() {
        ctx.error(
            &raw.id.referenced,
            "the survey has no sections",
            "add `sections:` with at least one question",
        );
    }
    env
}

/// Pass 2: the sections and their questions.
fn sections(ctx: &mut Ctx<'_>, raw: &RawSurvey, b: &mut Builder<'_>) -> Vec<Section> {
    raw.sections
        .iter()
        .map(|s| {
            let show_if = s
                .show_if
                .as_ref()
                .and_then(|c| b.condition(ctx, c, "show_if", None));
            let section_refs: Vec<String> = show_if.as_ref().map(expr::refs).unwrap_or_default();
            let questions = s
                .questions
                .iter()
                .map(|q| b.question(ctx, q, &section_refs))
                .collect();
            Section {
                id: s.id.value.clone(),
                title: ctx.text("title", &s.title),
                intro: ctx.opt_text("intro", &s.intro),
                show_if,
                questions,
            }
        })
        .collect()
}

/// A list declared under `lists:` that no question uses is an error.
fn check_unused_lists(ctx: &mut Ctx<'_>, raw: &RawSurvey, used: &BTreeSet<String>) {
    for (name, items) in &raw.lists {
        if !used.contains(name) {
            ctx.error(
                &items.referenced,
                format!("list `{name}` is not used by any question"),
                "remove it, or use it with `list:`",
            );
        }
    }
}

fn one_of(ctx: &mut Ctx<'_>, field: &str, v: &Spanned<String>, allowed: &[&str]) {
    if !allowed.contains(&v.value.as_str()) {
        let help = match did_you_mean(&v.value, allowed.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? Allowed: {}", allowed.join(", ")),
            None => format!("allowed: {}", allowed.join(", ")),
        };
        ctx.error(
            &v.referenced,
            format!("`{field}: {}` is not allowed", v.value),
            help,
        );
    }
}

/// The value of a field with a fixed set of values; an unknown one is an error with a
/// suggestion.
pub(super) fn one_value<T: Copy>(
    ctx: &mut Ctx<'_>,
    field: &str,
    v: &Spanned<String>,
    all: &[(&str, T)],
) -> Option<T> {
    let names: Vec<&str> = all.iter().map(|(name, _)| *name).collect();
    one_of(ctx, field, v, &names);
    all.iter()
        .find(|(name, _)| *name == v.value)
        .map(|(_, value)| *value)
}

fn date(ctx: &mut Ctx<'_>, field: &str, v: &Spanned<String>) -> Option<Date> {
    let d = Date::parse(&v.value);
    if d.is_none() {
        ctx.error(
            &v.referenced,
            format!("`{field}: {}` is not a date", v.value),
            "write dates as YYYY-MM-DD",
        );
    }
    d
}

/// The IANA name of `timezone:`, checked against the time zone database Kume carries.
fn time_zone(ctx: &mut Ctx<'_>, v: &Spanned<String>) -> String {
    let name = v.value.trim();
    if jiff::tz::db().get(name).is_err() {
        let names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_string())
            .collect();
        let help = match did_you_mean(name, names.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("use an IANA time zone name, e.g. `{DEFAULT_TIMEZONE}`"),
        };
        ctx.error(
            &v.referenced,
            format!("`timezone: {}` is not a known time zone", v.value),
            help,
        );
    }
    name.to_string()
}
