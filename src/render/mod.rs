//! Templates: loading `templates/` into minijinja, the filters and functions Kume adds, and
//! turning template errors into diagnostics that name the template and line.
//!
//! The content model holds no template types; views for templates are built in
//! [`views`] and handed over as `minijinja::Value`s.

pub mod assets;
mod nav;
pub mod views;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use minijinja::value::{Kwargs, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior};
use walkdir::WalkDir;

use crate::config::{Config, Strings, TEMPLATES_DIR};
use crate::diagnostics::{Diagnostic, display_path, walk_error};
use crate::locale::format_number;
use crate::text::{Date, slugify, to_lower, to_upper};

/// The loaded template set.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Loads every file under `templates/`; syntax errors are reported for all of them.
    /// `assets` gives the cache-busting URLs of static files, for the `asset` function.
    pub fn load(
        config: &Config,
        strings: &Strings,
        assets: assets::AssetUrls,
    ) -> Result<Templates, Vec<Diagnostic>> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        // Only minijinja's debug mode says which value was undefined (`page.titel`); it is off
        // in release builds unless set. It costs nothing measurable on pages that render: the
        // 10,000-page benchmark and the repository's site built as fast with it as without.
        env.set_debug(true);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") || name.ends_with(".xml") || name.ends_with(".svg") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        register_helpers(&mut env, config, strings);
        env.add_function("asset", move |path: &str| -> Result<String, Error> {
            (assets.get(path)).map_err(|why| Error::new(ErrorKind::InvalidOperation, why))
        });
        env.set_formatter(html_formatter);
        let nav = Arc::new(nav::NavCache::default());
        env.add_function("nav", move |state: &State, url: &str| {
            nav.render(state, url)
        });

        let dir = config.path(TEMPLATES_DIR);
        let mut errors = Vec::new();
        if !dir.is_dir() {
            errors.push(Diagnostic::error(TEMPLATES_DIR, "the templates folder does not exist")
                .help("create templates/ with at least base.html, page.html, section.html and index.html"));
        }
        for entry in WalkDir::new(&dir).follow_links(true).sort_by_file_name() {
            let entry = match entry {
                Ok(entry) => entry,
                // A missing folder is reported above.
                Err(e) if e.depth() == 0 => continue,
                Err(e) => {
                    errors.push(walk_error(&config.root, TEMPLATES_DIR, &e));
                    continue;
                }
            };
            if !entry.file_type().is_file() || entry.file_name().to_string_lossy().starts_with('.')
            {
                continue;
            }
            let name = display_path(&dir, entry.path());
            let source = match std::fs::read_to_string(entry.path()) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(Diagnostic::error(
                        display_path(&config.root, entry.path()),
                        format!("cannot read the template: {e}"),
                    ));
                    continue;
                }
            };
            if let Err(e) = env.add_template_owned(name, source) {
                errors.push(template_error(&e, None));
            }
        }
        if errors.is_empty() {
            check_references(&env, &mut errors);
        }
        if errors.is_empty() {
            Ok(Templates { env })
        } else {
            Err(errors)
        }
    }

    pub fn exists(&self, name: &str) -> bool {
        self.env.get_template(name).is_ok()
    }

    /// Renders `name` with `ctx`. `page_file` is the content file being rendered, for the message.
    pub fn render(
        &self,
        name: &str,
        ctx: Value,
        page_file: Option<&str>,
    ) -> Result<String, Diagnostic> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| template_error(&e, page_file))
    }
}

/// Every `{% extends %}`, `{% include %}` and `{% import %}` must name a template that exists;
/// found at load time rather than on the first page that happens to use it.
fn check_references(env: &Environment<'static>, errors: &mut Vec<Diagnostic>) {
    for (name, template) in env.templates() {
        for (line_no, line) in template.source().lines().enumerate() {
            for target in referenced_templates(line) {
                if env.get_template(target).is_err() {
                    errors.push(
                        Diagnostic::error(
                            format!("{TEMPLATES_DIR}/{name}"),
                            format!("template `{target}` does not exist"),
                        )
                        .at_line(line_no + 1)
                        .help("check the name against the files in templates/"),
                    );
                }
            }
        }
    }
}

/// The literal template names in `{% extends/include/import/from "…" %}` tags of a line.
fn referenced_templates(line: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(pos) = rest.find("{%") {
        rest = rest[pos + 2..].trim_start_matches(['-', '+']).trim_start();
        let keyword_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let (keyword, after) = rest.split_at(keyword_len);
        if !matches!(keyword, "extends" | "include" | "import" | "from") {
            continue;
        }
        let after = after.trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        if let Some(end) = after[1..].find(quote) {
            found.push(&after[1..1 + end]);
        }
        rest = after;
    }
    found
}

/// A minijinja error as a diagnostic at the template's file and line.
pub fn template_error(err: &Error, page_file: Option<&str>) -> Diagnostic {
    // Errors from included or extended templates arrive as a chain; the innermost names the
    // template where the problem actually is.
    let mut innermost = err;
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(s) = source {
        if let Some(e) = s.downcast_ref::<Error>()
            && e.name().is_some()
        {
            innermost = e;
        }
        source = s.source();
    }
    let file = innermost.name().map_or_else(
        || TEMPLATES_DIR.to_string(),
        |n| format!("{TEMPLATES_DIR}/{n}"),
    );
    let message = match innermost.detail() {
        Some(detail) => format!("{}: {detail}", kind_text(innermost.kind())),
        None => kind_text(innermost.kind()).to_string(),
    };
    let mut d = Diagnostic::error(file, message);
    if let Some(line) = innermost.line() {
        d = d.at_line(line);
    }
    let help = match innermost.kind() {
        ErrorKind::SyntaxError => "fix the template syntax (minijinja follows Jinja2)".to_string(),
        ErrorKind::UndefinedError => {
            "check the variable name; see docs/templates.md for what each template receives"
                .to_string()
        }
        ErrorKind::TemplateNotFound => "check the name against the files in templates/".to_string(),
        _ => String::new(),
    };
    let help = match page_file {
        Some(p) if help.is_empty() => format!("while rendering {p}"),
        Some(p) => format!("{help}; while rendering {p}"),
        None => help,
    };
    if help.is_empty() { d } else { d.help(help) }
}

fn kind_text(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::SyntaxError => "template syntax error",
        ErrorKind::UndefinedError => "undefined value",
        ErrorKind::TemplateNotFound => "template not found",
        ErrorKind::UnknownFilter => "unknown filter",
        ErrorKind::UnknownFunction => "unknown function",
        ErrorKind::UnknownTest => "unknown test",
        ErrorKind::UnknownMethod => "unknown method",
        ErrorKind::MissingArgument => "missing argument",
        ErrorKind::TooManyArguments => "too many arguments",
        ErrorKind::InvalidOperation => "invalid operation",
        ErrorKind::BadInclude => "bad include",
        _ => "template error",
    }
}

/// HTML escaping without minijinja's `/` → `&#x2f;`, which is valid but makes every URL in
/// the output unreadable for maintainers reading the HTML.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut State,
    value: &Value,
) -> Result<(), Error> {
    let plain_html = matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe();
    match value.as_str() {
        Some(s) if plain_html => {
            // Written in runs between the characters to escape: no copy of the value.
            let write_failed =
                |e| Error::new(ErrorKind::WriteFailure, "cannot write output").with_source(e);
            let mut from = 0;
            for (i, b) in s.bytes().enumerate() {
                let entity = match b {
                    b'&' => "&amp;",
                    b'<' => "&lt;",
                    b'>' => "&gt;",
                    b'"' => "&quot;",
                    b'\'' => "&#39;",
                    _ => continue,
                };
                out.write_str(&s[from..i]).map_err(write_failed)?;
                out.write_str(entity).map_err(write_failed)?;
                from = i + 1;
            }
            out.write_str(&s[from..]).map_err(write_failed)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// The language of the page being rendered: `lang` in the context, `tr` without one. It holds
/// the template value itself, so that the helpers, which read it on every page, copy nothing.
struct Lang(Value);

impl std::ops::Deref for Lang {
    type Target = str;

    fn deref(&self) -> &str {
        self.0.as_str().unwrap_or("tr")
    }
}

fn current_lang(state: &State) -> Lang {
    Lang(state.lookup("lang").unwrap_or_default())
}

fn register_helpers(env: &mut Environment<'static>, config: &Config, strings: &Strings) {
    // Made into template values once: `t` runs a few dozen times on every page, and a copy of
    // the string per call showed in a large build's profile.
    let tables: HashMap<String, HashMap<String, Value>> = (strings.tables.iter())
        .map(|(lang, table)| {
            let values = table
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())));
            (lang.clone(), values.collect())
        })
        .collect();
    env.add_function("t", move |state: &State, key: &str| -> Result<Value, Error> {
        let lang = current_lang(state);
        let lang = &*lang;
        tables.get(lang).and_then(|t| t.get(key)).cloned().ok_or_else(|| {
            Error::new(
                ErrorKind::UndefinedError,
                format!("UI string `{key}` is not in site/i18n/{lang}.yaml; add it to every language's table"),
            )
        })
    });
    let base_url = config.base_url.clone();
    env.add_filter("absolute", move |url: &str| format!("{base_url}{url}"));
    env.add_filter("upper", |state: &State, s: &str| {
        to_upper(s, &current_lang(state))
    });
    env.add_filter("lower", |state: &State, s: &str| {
        to_lower(s, &current_lang(state))
    });
    env.add_filter("slugify", |s: &str| slugify(s));
    env.add_filter(
        "number",
        |state: &State, v: f64, kwargs: Kwargs| -> Result<String, Error> {
            let decimals: Option<usize> = kwargs.get("decimals")?;
            kwargs.assert_all_used()?;
            Ok(format_number(
                v,
                decimals.unwrap_or(0),
                &current_lang(state),
            ))
        },
    );
    env.add_filter(
        "long_date",
        |state: &State, iso: &str| -> Result<String, Error> {
            let date = Date::parse(iso).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("`{iso}` is not a date (YYYY-MM-DD)"),
                )
            })?;
            Ok(date.long(&current_lang(state)))
        },
    );
}

/// True when `path` is inside the template folder (used by `serve` to decide what changed).
pub fn is_template_path(config: &Config, path: &Path) -> bool {
    path.starts_with(config.path(TEMPLATES_DIR))
}

#[cfg(test)]
mod tests {
    use super::referenced_templates;

    #[test]
    fn finds_template_references_in_tags() {
        assert_eq!(
            referenced_templates(r#"{% extends "base.html" %}"#),
            ["base.html"]
        );
        assert_eq!(
            referenced_templates(r#"{%- include 'a.html' -%} {% import "m.html" as m %}"#),
            ["a.html", "m.html"]
        );
        assert_eq!(
            referenced_templates(r#"{% include name %} {{ x }}"#),
            Vec::<&str>::new()
        );
        assert_eq!(
            referenced_templates(r#"{% from "m.html" import x %}"#),
            ["m.html"]
        );
    }
}
