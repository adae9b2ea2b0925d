//! From YAML to a checked [`Survey`]: every problem is collected with its file, line and
//! column, and a survey with any error is not compiled.
//!
//! Steps: read the built-in lists → for each `surveys/*.yaml`: parse (with limits against
//! hostile YAML) → survey fields → lists → sections and questions → expressions (parsed, then
//! type-checked once every id is known) → dependency cycles and always-hidden questions →
//! unused lists → `tests:` scenarios run through the same evaluator the collector uses.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde_saphyr::{Location, Spanned};

use super::evaluate;
use super::expr::{self, Expr, Type};
use super::model::*;
use crate::config::Config;
use crate::diagnostics::{Diagnostic, display_path};
use crate::text::{Date, did_you_mean, is_slug};
use crate::yaml;

pub const SURVEYS_DIR: &str = "surveys";
pub const LISTS_DIR: &str = "surveys/lists";
/// Larger survey files are refused before parsing.
const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;
const UNITS: [&str; 8] = ["TRY", "USD", "EUR", "persons", "FTE", "%", "days", "hours"];
const AUDIENCES: [&str; 4] = ["cluster_manager", "member_firm", "stakeholder", "public"];

/// A compiled survey with where it came from and its scenario tests.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub survey: Survey,
    /// `surveys/<id>.yaml`
    pub file: String,
    /// Content hash of the compiled definition (hex), pinned by every response.
    pub hash: String,
}

/// Loads, checks and compiles every survey under `surveys/`.
pub fn load_all(config: &Config) -> (Vec<Compiled>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let builtins = load_builtin_lists(config, &mut diags);
    let dir = config.path(SURVEYS_DIR);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml") && p.is_file());
    files.sort();
    let mut out: Vec<Compiled> = Vec::new();
    for path in files {
        let file = display_path(&config.root, &path);
        let before = diags.len();
        if let Some(c) = compile_file(config, &path, &file, &builtins, &mut diags) {
            if let Some(other) = out.iter().find(|o| o.survey.id == c.survey.id) {
                diags.push(Diagnostic::error(
                    &file,
                    format!("survey id `{}` is also used by {}", c.survey.id, other.file),
                ));
            } else if diags.len() == before {
                out.push(c);
            }
        }
    }
    (out, diags)
}

pub fn load_builtin_lists(
    config: &Config,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Vec<Choice>> {
    let mut lists = BTreeMap::new();
    let dir = config.path(LISTS_DIR);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    for path in paths {
        let file = display_path(&config.root, &path);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::error(
                    &file,
                    format!("cannot read the list: {e}"),
                ));
                continue;
            }
        };
        match yaml::parse::<RawListFile>(&text, &file, 0) {
            Ok(raw) => {
                let choices = raw.choices.into_iter().map(choice).collect();
                lists.insert(raw.name, choices);
            }
            Err(d) => diags.push(d),
        }
    }
    if let Some(registry) = cluster_list(config) {
        lists.insert("kumeler".to_string(), registry);
    }
    lists
}

/// The cluster registry as the built-in list `kumeler` (code: the cluster id), so surveys can
/// ask which cluster a respondent belongs to.
fn cluster_list(config: &Config) -> Option<Vec<Choice>> {
    let (data, _) = crate::aggregate::model::load(config);
    if data.clusters.is_empty() {
        return None;
    }
    let mut choices: Vec<Choice> = data
        .clusters
        .iter()
        .map(|c| Choice {
            code: c.id.clone(),
            label: c.name.clone(),
            exclusive: false,
            other: false,
            attrs: [("il".to_string(), c.province.clone())]
                .into_iter()
                .chain(c.maturity.clone().map(|m| ("olgunluk".to_string(), m)))
                .collect(),
        })
        .collect();
    let collation = crate::text::Collation::for_language("tr");
    choices.sort_by(|a, b| {
        collation.compare(
            a.label.get("tr").map_or("", String::as_str),
            b.label.get("tr").map_or("", String::as_str),
        )
    });
    Some(choices)
}

fn choice(c: RawChoice) -> Choice {
    Choice {
        code: c.code.value,
        label: c.label.value,
        exclusive: c.exclusive,
        other: c.other,
        attrs: c.attrs,
    }
}

/// Working state while compiling one file.
struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    langs: Vec<String>,
    diags: &'a mut Vec<Diagnostic>,
    errors: usize,
}

impl Ctx<'_> {
    fn error(&mut self, loc: &Location, message: impl Into<String>, help: impl Into<String>) {
        let help = help.into();
        let mut d =
            Diagnostic::error(self.file, message).at(loc.line() as usize, loc.column() as usize);
        if !help.is_empty() {
            d = d.help(help);
        }
        self.diags.push(d);
        self.errors += 1;
    }

    /// Every language of the survey has a non-empty text.
    fn text(&mut self, field: &str, t: &Spanned<Text>) -> Text {
        for lang in self.langs.clone() {
            if t.value.get(&lang).is_none_or(|s| s.trim().is_empty()) {
                self.error(
                    &t.referenced,
                    format!("`{field}` has no `{lang}` text"),
                    format!("add `{lang}: …`; a missing translation fails the build"),
                );
            }
        }
        t.value.clone()
    }

    fn opt_text(&mut self, field: &str, t: &Option<Spanned<Text>>) -> Option<Text> {
        t.as_ref().map(|t| self.text(field, t))
    }

    /// Column of the first character inside a scalar (after an opening quote).
    fn inner_column(&self, loc: &Location) -> usize {
        let line = self
            .text
            .lines()
            .nth((loc.line() as usize).saturating_sub(1))
            .unwrap_or_default();
        let col = loc.column() as usize;
        let quoted = line
            .chars()
            .nth(col.saturating_sub(1))
            .is_some_and(|c| c == '"' || c == '\'');
        col + usize::from(quoted)
    }

    fn expr_error(&mut self, loc: &Location, src: &str, e: &expr::ExprError, what: &str) {
        let before = &src[..e.span.start.min(src.len())];
        let col = self.inner_column(loc) + before.chars().count();
        let mut d = Diagnostic::error(self.file, format!("{what}: {}", e.message))
            .at(loc.line() as usize, col);
        if let Some(h) = &e.help {
            d = d.help(h.clone());
        }
        self.diags.push(d);
        self.errors += 1;
    }
}

/// Compiles one survey file (with the built-in lists of `config`'s project).
pub fn compile_one(config: &Config, path: &Path) -> Result<Compiled, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let builtins = load_builtin_lists(config, &mut diags);
    let file = display_path(&config.root, path);
    match compile_file(config, path, &file, &builtins, &mut diags) {
        Some(c) if diags.is_empty() => Ok(c),
        _ => Err(diags),
    }
}

fn compile_file(
    config: &Config,
    path: &Path,
    file: &str,
    builtins: &BTreeMap<String, Vec<Choice>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Compiled> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) if t.len() > MAX_FILE_BYTES => {
            diags.push(
                Diagnostic::error(
                    file,
                    format!(
                        "the file is {} bytes; surveys are limited to {MAX_FILE_BYTES}",
                        t.len()
                    ),
                )
                .help("split it into smaller surveys"),
            );
            return None;
        }
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::error(
                file,
                format!("cannot read the survey: {e}"),
            ));
            return None;
        }
    };
    compile_source(config, path, file, &text, builtins, diags)
}

/// Compiles survey text as if read from `path` (whose stem must be the survey id): the part of
/// compiling that needs no file system, so fuzz targets can drive it.
pub fn compile_text(
    config: &Config,
    path: &Path,
    text: &str,
    builtins: &BTreeMap<String, Vec<Choice>>,
) -> Result<Compiled, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let file = display_path(&config.root, path);
    match compile_source(config, path, &file, text, builtins, &mut diags) {
        Some(c) if diags.is_empty() => Ok(c),
        _ => Err(diags),
    }
}

fn compile_source(
    config: &Config,
    path: &Path,
    file: &str,
    text: &str,
    builtins: &BTreeMap<String, Vec<Choice>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Compiled> {
    let raw: RawSurvey = match yaml::parse(text, file, 0) {
        Ok(r) => r,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let mut ctx = Ctx {
        file,
        text,
        langs: Vec::new(),
        diags,
        errors: 0,
    };
    let survey = build(config, path, &raw, builtins, &mut ctx)?;
    run_tests(&survey, &raw.tests, &mut ctx);
    if ctx.errors > 0 {
        return None;
    }
    let json = serde_json::to_vec(&survey).unwrap_or_default();
    let hash = format!("{:016x}", crate::text::stable_hash(&json));
    Some(Compiled {
        survey,
        file: file.to_string(),
        hash,
    })
}

fn build(
    config: &Config,
    path: &Path,
    raw: &RawSurvey,
    builtins: &BTreeMap<String, Vec<Choice>>,
    ctx: &mut Ctx<'_>,
) -> Option<Survey> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !is_slug(&raw.id.value) {
        ctx.error(
            &raw.id.referenced,
            format!("survey id `{}` is not a URL slug", raw.id.value),
            "use lower-case ASCII letters, digits and `-`, e.g. `uye-firma`",
        );
    } else if raw.id.value != stem {
        ctx.error(
            &raw.id.referenced,
            format!(
                "survey id `{}` differs from the file name `{stem}`",
                raw.id.value
            ),
            format!(
                "rename the file to {}.yaml or the id to `{stem}`",
                raw.id.value
            ),
        );
    }
    for lang in &raw.languages.value {
        if config.language(lang).is_none() {
            let known: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
            ctx.error(
                &raw.languages.referenced,
                format!("language `{lang}` is not a language of the site"),
                format!("use languages from site/config.yaml: {}", known.join(", ")),
            );
        }
    }
    if raw.languages.value.is_empty() {
        ctx.error(
            &raw.languages.referenced,
            "`languages` is empty",
            "list the survey's languages, e.g. `[tr, en]`",
        );
    }
    ctx.langs = raw.languages.value.clone();
    one_of(ctx, "audience", &raw.audience, &AUDIENCES);
    let access = one_value(ctx, "access", &raw.access, &Access::ALL).unwrap_or(Access::Open);
    let layout = raw
        .layout
        .as_ref()
        .and_then(|l| one_value(ctx, "layout", l, &Layout::ALL))
        .unwrap_or(Layout::Single);
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
    }
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

    let title = ctx.text("title", &raw.title);
    let description = ctx.opt_text("description", &raw.description);
    let thanks = ctx.text("thanks", &raw.thanks);
    let privacy = raw.privacy.as_ref().map(|p| Privacy {
        notice: ctx.text("privacy.notice", &p.notice),
        consent: ctx.text("privacy.consent", &p.consent),
        consent_required: p.consent_required,
    });

    let mut lists: BTreeMap<String, Vec<Choice>> = BTreeMap::new();
    for (name, items) in &raw.lists {
        lists.insert(name.clone(), compile_list(ctx, name, items));
    }
    // Pass 1: every id and its type, so that expressions can refer to later questions too.
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

    // Pass 2: the questions themselves.
    let mut b = Builder {
        env: &env,
        lists: &lists,
        builtins,
        used: BTreeSet::new(),
        deps: BTreeMap::new(),
        unknown_lists: false,
    };
    let sections: Vec<Section> = raw
        .sections
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
        .collect();

    let Builder {
        used,
        deps,
        unknown_lists,
        ..
    } = b;
    for (name, items) in &raw.lists {
        // After a misspelled `list:`, "unused" would only repeat the same mistake.
        if !used.contains(name) && !unknown_lists {
            ctx.error(
                &items.referenced,
                format!("list `{name}` is not used by any question"),
                "remove it, or use it with `list:`",
            );
        }
    }
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
        title,
        description,
        audience: raw.audience.value.clone(),
        access,
        opens: raw.opens.value.clone(),
        closes: raw.closes.value.clone(),
        timezone,
        layout,
        privacy,
        thanks,
        lists,
        sections,
    };
    (ctx.errors == 0).then_some(survey)
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
fn one_value<T: Copy>(
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

pub fn is_snake(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn compile_list(ctx: &mut Ctx<'_>, name: &str, items: &Spanned<Vec<RawChoice>>) -> Vec<Choice> {
    if !is_snake(name) {
        ctx.error(
            &items.referenced,
            format!("list name `{name}` is not snake_case"),
            "use lower-case ASCII letters, digits and `_`",
        );
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for c in &items.value {
        let code = &c.code.value;
        if code.is_empty()
            || !code
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'))
        {
            ctx.error(
                &c.code.referenced,
                format!("choice code `{code}` must be ASCII letters, digits, `_`, `-` or `.`"),
                "codes are stored with the answers and never translated",
            );
        }
        if !seen.insert(code.clone()) {
            ctx.error(
                &c.code.referenced,
                format!("choice code `{code}` is used twice in list `{name}`"),
                "every choice needs its own code",
            );
        }
        ctx.text("label", &c.label);
        out.push(Choice {
            code: code.clone(),
            label: c.label.value.clone(),
            exclusive: c.exclusive,
            other: c.other,
            attrs: c.attrs.clone(),
        });
    }
    if items.value.is_empty() {
        ctx.error(
            &items.referenced,
            format!("list `{name}` has no choices"),
            "add at least one `- {code: …, label: {…}}`",
        );
    }
    out
}

/// Every question id with its type and where it is declared (pass 1).
#[derive(Default)]
struct Env {
    types: BTreeMap<String, Type>,
    declared: HashMap<String, Location>,
    /// Choice question (or likert cell) id → its list, to check codes in expressions.
    lists: HashMap<String, String>,
}

impl Env {
    fn collect(&mut self, ctx: &mut Ctx<'_>, q: &RawQuestion) {
        let id = &q.id.value;
        if !is_snake(id) {
            ctx.error(&q.id.referenced, format!("question id `{id}` is not snake_case"), "use lower-case ASCII letters, digits and `_`, starting with a letter; ids are never translated");
        }
        if let Some(first) = self.declared.get(id) {
            let line = first.line();
            ctx.error(
                &q.id.referenced,
                format!("question id `{id}` is already used on line {line}"),
                "give every question its own id",
            );
            return;
        }
        self.declared.insert(id.clone(), q.id.referenced);
        if let Some(list) = &q.list {
            self.lists.insert(id.clone(), list.value.clone());
            for r in &q.rows {
                self.lists
                    .insert(format!("{id}.{}", r.id.value), list.value.clone());
            }
        }
        let Some(kind) = QType::parse(&q.kind.value) else {
            // Reported in pass 2; known here so that references to it are not errors too.
            self.types.insert(id.clone(), Type::Any);
            return;
        };
        match kind {
            QType::Likert => {
                for r in &q.rows {
                    self.types
                        .insert(format!("{id}.{}", r.id.value), Type::Choice);
                }
            }
            QType::Grid => {
                for r in &q.rows {
                    for c in &q.columns {
                        self.types
                            .insert(format!("{id}.{}.{}", r.id.value, c.id.value), Type::Number);
                    }
                }
            }
            QType::Repeat => {
                self.types.insert(id.clone(), Type::Any);
                for inner in &q.questions {
                    self.collect(ctx, inner);
                }
            }
            QType::Note => {}
            QType::Calculated => {
                // Its type is the type of its expression; checked in pass 2.
                self.types.insert(id.clone(), Type::Any);
            }
            k => {
                self.types.insert(id.clone(), question_type(k));
            }
        }
    }

    fn known(&self) -> Vec<&str> {
        self.types.keys().map(String::as_str).collect()
    }
}

fn question_type(k: QType) -> Type {
    match k {
        k if k.is_number() => Type::Number,
        k if k.is_text() => Type::Text,
        QType::Date => Type::Date,
        QType::SelectOne => Type::Choice,
        QType::SelectMany => Type::Choices,
        QType::Consent => Type::Bool,
        _ => Type::Any,
    }
}

/// Pass 2: compiles questions once every id is known.
struct Builder<'a> {
    env: &'a Env,
    lists: &'a BTreeMap<String, Vec<Choice>>,
    builtins: &'a BTreeMap<String, Vec<Choice>>,
    used: BTreeSet<String>,
    /// Question id → ids its visibility or value depends on (show_if, section show_if, calc).
    deps: BTreeMap<String, Vec<String>>,
    /// Some `list:` named no list.
    unknown_lists: bool,
}

impl Builder<'_> {
    fn list(&self, name: &str) -> Option<&Vec<Choice>> {
        self.lists.get(name).or_else(|| self.builtins.get(name))
    }

    /// Parses and type-checks one expression written as a YAML string.
    fn expression(
        &self,
        ctx: &mut Ctx<'_>,
        src: &str,
        loc: &Location,
        what: &str,
        choice_attrs: Option<&BTreeSet<String>>,
    ) -> Option<(Expr, Type)> {
        let parsed = match expr::parse(src) {
            Ok(e) => e,
            Err(e) => {
                ctx.expr_error(loc, src, &e, what);
                return None;
            }
        };
        let lookup = |name: &str| -> Option<Type> {
            if let (Some(attrs), Some(attr)) = (choice_attrs, name.strip_prefix("choice.")) {
                return (attr == "code" || attrs.contains(attr)).then_some(Type::Text);
            }
            self.env.types.get(name).copied()
        };
        let mut known = self.env.known();
        if let Some(attrs) = choice_attrs {
            known.push("choice.code");
            known.extend(attrs.iter().map(String::as_str));
        }
        match expr::check(&parsed, &lookup, &known) {
            Ok(t) => {
                self.check_codes(ctx, &parsed, src, loc, what);
                Some((parsed, t))
            }
            Err(e) => {
                ctx.expr_error(loc, src, &e, what);
                None
            }
        }
    }

    /// `sector = 'manufacturng'` can never be true: every text compared with a choice question
    /// must be a code of its list.
    fn check_codes(&self, ctx: &mut Ctx<'_>, e: &Expr, src: &str, loc: &Location, what: &str) {
        use expr::{BinOp, Kind, Literal};
        match &e.kind {
            Kind::Bin(op @ (BinOp::Eq | BinOp::Ne | BinOp::In | BinOp::Has), l, r) => {
                let (reference, other) = match (&l.kind, &r.kind) {
                    (Kind::Ref(id), _) => (id, r),
                    (_, Kind::Ref(id)) if matches!(op, BinOp::Eq | BinOp::Ne) => (id, l),
                    _ => return,
                };
                let Some(list_name) = self.env.lists.get(reference) else {
                    return;
                };
                let Some(list) = self.list(list_name) else {
                    return;
                };
                let codes: Vec<&str> = match &other.kind {
                    Kind::Str(s) => vec![s.as_str()],
                    Kind::List(items) => items
                        .iter()
                        .filter_map(|i| match i {
                            Literal::Str(s) => Some(s.as_str()),
                            Literal::Num(_) => None,
                        })
                        .collect(),
                    _ => return,
                };
                for code in codes {
                    if !list.iter().any(|c| c.code == code) {
                        let known = list.iter().map(|c| c.code.as_str());
                        let help = match did_you_mean(code, known) {
                            Some(s) => format!("did you mean `'{s}'`?"),
                            None => format!(
                                "codes of `{list_name}`: {}",
                                list.iter()
                                    .map(|c| c.code.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        };
                        let err = expr::ExprError {
                            span: other.span,
                            message: format!(
                                "`{code}` is not a code of list `{list_name}` (question `{reference}`), so this is never true"
                            ),
                            help: Some(help),
                        };
                        ctx.expr_error(loc, src, &err, what);
                    }
                }
            }
            Kind::Bin(_, l, r) => {
                self.check_codes(ctx, l, src, loc, what);
                self.check_codes(ctx, r, src, loc, what);
            }
            Kind::Not(x) | Kind::Neg(x) => self.check_codes(ctx, x, src, loc, what),
            Kind::Call(_, args) => {
                for a in args {
                    self.check_codes(ctx, a, src, loc, what);
                }
            }
            _ => {}
        }
    }

    /// `show_if`, `required` or `assert`: an expression, `true`/`false`, or a map shorthand.
    fn condition(
        &self,
        ctx: &mut Ctx<'_>,
        c: &Spanned<serde_json::Value>,
        what: &str,
        _attrs: Option<&BTreeSet<String>>,
    ) -> Option<Expr> {
        let expr = match &c.value {
            serde_json::Value::String(src) => self
                .expression(ctx, src, &c.referenced, what, None)
                .map(|(e, t)| (e, Some(t))),
            serde_json::Value::Bool(b) => expr::parse(if *b { "true" } else { "false" })
                .ok()
                .map(|e| (e, Some(Type::Bool))),
            serde_json::Value::Object(map) => {
                let pairs: Vec<(String, serde_json::Value)> =
                    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                match expr::from_map(&pairs) {
                    Ok(e) => {
                        let known = self.env.known();
                        match expr::check(&e, &|n: &str| self.env.types.get(n).copied(), &known) {
                            Ok(t) => Some((e, Some(t))),
                            Err(err) => {
                                ctx.error(
                                    &c.referenced,
                                    format!("{what}: {}", err.message),
                                    err.help.unwrap_or_default(),
                                );
                                None
                            }
                        }
                    }
                    Err(msg) => {
                        ctx.error(
                            &c.referenced,
                            format!("{what}: {msg}"),
                            "write `{question: value}` or an expression in quotes",
                        );
                        None
                    }
                }
            }
            _ => {
                ctx.error(
                    &c.referenced,
                    format!("{what} must be an expression, true/false or a map"),
                    "e.g. `show_if: \"uye_sayisi > 0\"` or `show_if: {uye_mi: evet}`",
                );
                None
            }
        }?;
        match expr.1 {
            Some(Type::Bool) | Some(Type::Any) | None => Some(expr.0),
            Some(t) => {
                ctx.error(
                    &c.referenced,
                    format!("{what} must be true or false, but this expression gives {t:?}"),
                    "compare it, e.g. `x > 0` or `not blank(x)`",
                );
                None
            }
        }
    }

    fn question(
        &mut self,
        ctx: &mut Ctx<'_>,
        q: &RawQuestion,
        section_refs: &[String],
    ) -> Question {
        let id = q.id.value.clone();
        let kind = QType::parse(&q.kind.value).unwrap_or_else(|| {
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
        });
        let label = match &q.label {
            Some(l) => ctx.text("label", l),
            None => {
                ctx.error(
                    &q.id.referenced,
                    format!("question `{id}` has no label"),
                    "add `label: {tr: …, en: …}`",
                );
                Text::new()
            }
        };
        let hint = ctx.opt_text("hint", &q.hint);
        let list = self.question_list(ctx, q, kind);
        let attrs: Option<BTreeSet<String>> = list
            .as_ref()
            .and_then(|l| self.list(l))
            .map(|cs| cs.iter().flat_map(|c| c.attrs.keys().cloned()).collect());
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
                    format!("question `{id}` is always hidden: its show_if is never true"),
                    "remove the question, or give show_if a condition on other answers",
                );
            }
        }
        let required = match &q.required {
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
        };
        let filter = q.filter.as_ref().and_then(|f| {
            self.expression(
                ctx,
                &f.value,
                &f.referenced,
                "filter",
                Some(attrs.as_ref().unwrap_or(&BTreeSet::new())),
            )
            .map(|(e, _)| e)
        });
        let calc = match (&q.calc, kind) {
            (Some(c), QType::Calculated) => self
                .expression(ctx, &c.value, &c.referenced, "calc", None)
                .map(|(e, _)| e),
            (None, QType::Calculated) => {
                ctx.error(
                    &q.id.referenced,
                    format!("calculated question `{id}` has no `calc`"),
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
        };
        let checks = q
            .checks
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
            .collect();

        let mut deps: Vec<String> = section_refs.to_vec();
        deps.extend(show_if.as_ref().map(expr::refs).unwrap_or_default());
        deps.extend(calc.as_ref().map(expr::refs).unwrap_or_default());
        self.deps.insert(id.clone(), deps);

        self.check_limits(ctx, q, kind);
        let rows = self.rows(ctx, &q.rows, "rows");
        let columns = self.rows(ctx, &q.columns, "columns");
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
        let questions = q
            .questions
            .iter()
            .map(|inner| self.question(ctx, inner, section_refs))
            .collect();
        if let Some(u) = &q.unit
            && !UNITS.contains(&u.value.as_str())
        {
            ctx.error(
                &u.referenced,
                format!("unknown unit `{}`", u.value),
                format!("units: {}", UNITS.join(", ")),
            );
        }
        if let Some(a) = &q.appearance
            && (kind != QType::SelectOne || !["radio", "dropdown"].contains(&a.value.as_str()))
        {
            ctx.error(
                &a.referenced,
                format!("`appearance: {}` is not allowed here", a.value),
                "select_one questions take `radio` or `dropdown`",
            );
        }
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
            unit: q.unit.as_ref().map(|u| u.value.clone()),
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
        if let (Some(min), Some(max)) = (q.min_length, &q.max_length)
            && min > max.value
        {
            ctx.error(
                &max.referenced,
                format!(
                    "`max_length: {}` is less than `min_length: {min}`",
                    max.value
                ),
                "correct one of them",
            );
        }
        if let (Some(min), Some(max)) = (q.min_picks, &q.max_picks)
            && min > max.value
        {
            ctx.error(
                &max.referenced,
                format!("`max_picks: {}` is less than `min_picks: {min}`", max.value),
                "correct one of them",
            );
        }
        if let (Some(min), Some(max)) = (q.min_count, &q.max_count)
            && min > max.value
        {
            ctx.error(
                &max.referenced,
                format!("`max_count: {}` is less than `min_count: {min}`", max.value),
                "correct one of them",
            );
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

/// A question whose visibility or value depends on itself, directly or through others, can
/// never be decided: report the cycle at the first question in it.
fn check_cycles(ctx: &mut Ctx<'_>, deps: &BTreeMap<String, Vec<String>>, env: &Env) {
    let base = |r: &str| r.split('.').next().unwrap_or(r).to_string();
    let mut state: HashMap<String, u8> = HashMap::new();
    fn visit(
        node: &str,
        deps: &BTreeMap<String, Vec<String>>,
        base: &dyn Fn(&str) -> String,
        state: &mut HashMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(node) {
            Some(1) => {
                let start = stack.iter().position(|n| n == node).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(node.to_string());
                return Some(cycle);
            }
            Some(2) => return None,
            _ => {}
        }
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for d in deps.get(node).into_iter().flatten() {
            if let Some(c) = visit(&base(d), deps, base, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    // One cycle is reported: the search state means nothing after the first, and fixing it
    // often removes the others.
    for id in deps.keys() {
        let mut stack = Vec::new();
        if let Some(cycle) = visit(id, deps, &base, &mut state, &mut stack) {
            let first = cycle[0].clone();
            if let Some(loc) = env.declared.get(&first) {
                let path = cycle.join(" → ");
                ctx.error(
                    loc,
                    format!("question `{first}` depends on itself: {path}"),
                    "a show_if or calc cannot refer back to the question it decides",
                );
            }
            break;
        }
    }
}

/// Runs the survey's `tests:` through the evaluator and reports the first mismatch of each.
fn run_tests(survey: &Survey, tests: &[RawTest], ctx: &mut Ctx<'_>) {
    if ctx.errors > 0 {
        return;
    }
    let known: BTreeSet<String> = survey
        .questions()
        .iter()
        .flat_map(|q| {
            let mut ids = vec![q.id.clone()];
            for r in &q.rows {
                if q.columns.is_empty() {
                    ids.push(format!("{}.{}", q.id, r.id));
                }
                for c in &q.columns {
                    ids.push(format!("{}.{}.{}", q.id, r.id, c.id));
                }
            }
            ids
        })
        .collect();
    for t in tests {
        let names = t
            .answers
            .keys()
            .chain(&t.hidden)
            .chain(&t.visible)
            .chain(&t.errors)
            .chain(&t.warnings)
            .chain(t.values.keys());
        let unknown: Vec<&String> = names.filter(|n| !known.contains(*n)).collect();
        if let Some(u) = unknown.first() {
            let help = match did_you_mean(u, known.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "use the ids of the survey's questions".to_string(),
            };
            ctx.error(
                &t.name.referenced,
                format!("test `{}` names an unknown question `{u}`", t.name.value),
                help,
            );
            continue;
        }
        let outcome = evaluate::evaluate(survey, &t.answers);
        if let Some(problem) = first_mismatch(t, &outcome) {
            ctx.error(
                &t.name.referenced,
                format!("test `{}` failed: {problem}", t.name.value),
                "fix the survey or the test's expectation",
            );
        }
    }
}

fn first_mismatch(t: &RawTest, o: &evaluate::Outcome) -> Option<String> {
    for id in &t.hidden {
        if !o.hidden.contains(id) {
            return Some(format!("expected `{id}` to be hidden, but it is shown"));
        }
    }
    for id in &t.visible {
        if o.hidden.contains(id) {
            return Some(format!("expected `{id}` to be shown, but it is hidden"));
        }
    }
    for id in &t.errors {
        let inside = |k: &String| k == id || k.starts_with(&format!("{id}["));
        if !o.errors.keys().any(inside) {
            return Some(format!("expected an error on `{id}`, but there is none"));
        }
    }
    for (id, problems) in &o.errors {
        // `repeat[2].name` counts as an error of `repeat`.
        let owner = id.split('[').next().unwrap_or(id);
        if !t.errors.contains(id) && !t.errors.iter().any(|e| e == owner) {
            let what = problems.first().map(|p| p.code.as_str()).unwrap_or("error");
            return Some(format!("unexpected error on `{id}` ({what})"));
        }
    }
    for id in &t.warnings {
        if !o.warnings.contains_key(id) {
            return Some(format!("expected a warning on `{id}`, but there is none"));
        }
    }
    for (id, expected) in &t.values {
        let got = o.values.get(id).cloned().unwrap_or(expr::Value::Blank);
        let want: expr::Value =
            serde_json::from_value(expected.clone()).unwrap_or(expr::Value::Blank);
        if !evaluate::same_value(&got, &want) {
            return Some(format!(
                "expected `{id}` = {}, got {}",
                serde_json::to_string(&want).unwrap_or_default(),
                serde_json::to_string(&got).unwrap_or_default()
            ));
        }
    }
    None
}
