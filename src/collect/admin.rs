//! The collector's commands for the people who run a survey: invitations, who has answered,
//! exports for analysts, and erasing one respondent's data.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use super::store::{self, FinalResponse, Invitation, ResponseStore, SqliteStore, StoreError};
use crate::config::Config;
use crate::survey::compile::{self, Compiled};
use crate::survey::model::{QType, Question};
use crate::text::did_you_mean;

/// An error for the person at the terminal: what is wrong and what to do.
#[derive(Debug)]
pub struct AdminError {
    pub message: String,
    pub help: Option<String>,
}

impl AdminError {
    pub(crate) fn new(message: impl Into<String>) -> AdminError {
        AdminError {
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> AdminError {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> AdminError {
        AdminError::new(format!("database: {e}"))
    }
}

impl From<rusqlite::Error> for AdminError {
    fn from(e: rusqlite::Error) -> AdminError {
        AdminError::new(format!("database: {e}"))
    }
}

/// The compiled survey `id` of the project at `root`.
pub fn find_survey(root: &Path, id: &str) -> Result<Compiled, AdminError> {
    let config = Config::load(root).map_err(|ds| {
        AdminError::new(
            ds.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let (surveys, diags) = compile::load_all(&config);
    if let Some(s) = surveys.into_iter().find(|s| s.survey.id == id) {
        return Ok(s);
    }
    if let Some(d) = diags
        .iter()
        .find(|d| d.file.ends_with(&format!("{id}.yaml")))
    {
        return Err(AdminError::new(format!("survey `{id}` has errors: {d}"))
            .help("run `kume check` and fix them first"));
    }
    let ids: Vec<String> = std::fs::read_dir(config.path(compile::SURVEYS_DIR))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    e.path()
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let help = match did_you_mean(id, ids.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("surveys: {}", ids.join(", ")),
    };
    Err(AdminError::new(format!("there is no survey `{id}`")).help(help))
}

/// A random, URL-safe invitation token of 128 bits.
fn new_token() -> String {
    store::new_id()
}

/// One roster row: who is invited and what the form starts with.
struct RosterRow {
    cluster: Option<String>,
    firm: Option<String>,
    email: Option<String>,
    prefill: serde_json::Map<String, serde_json::Value>,
}

/// Reads a roster CSV: columns `firm`, `cluster`, `email`, and any question id to prefill.
fn read_roster(path: &Path, survey: &Compiled) -> Result<Vec<RosterRow>, AdminError> {
    let file = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| AdminError::new(format!("{file}: cannot read the roster: {e}")))?;
    let headers = reader
        .headers()
        .map_err(|e| AdminError::new(format!("{file}:1: {e}")))?
        .clone();
    let questions: BTreeMap<String, &Question> = survey
        .survey
        .questions()
        .into_iter()
        .map(|q| (q.id.clone(), q))
        .collect();
    for h in headers.iter() {
        if !["firm", "cluster", "email"].contains(&h) && !questions.contains_key(h) {
            let known = questions
                .keys()
                .map(String::as_str)
                .chain(["firm", "cluster", "email"]);
            let help = match did_you_mean(h, known) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "columns are firm, cluster, email and question ids to prefill".into(),
            };
            return Err(AdminError::new(format!("{file}:1: unknown column `{h}`")).help(help));
        }
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| AdminError::new(format!("{file}:{}: {e}", n + 2)))?;
        let mut row = RosterRow {
            cluster: None,
            firm: None,
            email: None,
            prefill: serde_json::Map::new(),
        };
        for (h, v) in headers.iter().zip(record.iter()) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match h {
                "firm" => row.firm = Some(v.into()),
                "cluster" => row.cluster = Some(v.into()),
                "email" => row.email = Some(v.into()),
                id => {
                    let q = questions[id];
                    let value = if q.kind.is_number() {
                        super::form_data::parse_number(v, "en")
                            .map(serde_json::Value::from)
                            .ok_or_else(|| {
                                AdminError::new(format!(
                                    "{file}:{}: `{v}` in column `{id}` is not a number",
                                    n + 2
                                ))
                            })?
                    } else {
                        v.into()
                    };
                    row.prefill.insert(id.to_string(), value);
                }
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

/// `kume invite`: creates tokens and writes the personal links as CSV.
pub fn invite(
    root: &Path,
    db: &Path,
    survey_id: &str,
    cluster: Option<&str>,
    roster: Option<&Path>,
    base: &str,
    out: &mut dyn Write,
) -> Result<usize, AdminError> {
    let survey = find_survey(root, survey_id)?;
    let rows = match (cluster, roster) {
        (Some(c), None) => vec![RosterRow {
            cluster: Some(c.into()),
            firm: None,
            email: None,
            prefill: serde_json::Map::new(),
        }],
        (None, Some(path)) => read_roster(path, &survey)?,
        _ => {
            return Err(AdminError::new(
                "give either --cluster ID or --roster FILE.csv",
            ));
        }
    };
    let store =
        SqliteStore::start(db).map_err(|e| AdminError::new(format!("{}: {e}", db.display())))?;
    let lang = &survey.survey.languages[0];
    let invitations: Vec<(String, Invitation)> = rows
        .iter()
        .map(|row| {
            let invitation = Invitation {
                survey: survey.survey.id.clone(),
                wave: survey.survey.wave,
                cluster: row.cluster.clone(),
                firm: row.firm.clone(),
                email: row.email.clone(),
                prefill: serde_json::Value::Object(row.prefill.clone()),
            };
            (new_token(), invitation)
        })
        .collect();
    // Links are written only after every token is stored: each printed link works.
    store.add_invitations(&invitations)?;
    let mut writer = csv::Writer::from_writer(out);
    let _ = writer.write_record(["firm", "cluster", "email", "link"]);
    for (token, inv) in &invitations {
        let link = format!(
            "{}/api/v1/surveys/{}/form?t={token}&lang={lang}",
            base.trim_end_matches('/'),
            inv.survey
        );
        let _ = writer.write_record([
            inv.firm.as_deref().unwrap_or(""),
            inv.cluster.as_deref().unwrap_or(""),
            inv.email.as_deref().unwrap_or(""),
            link.as_str(),
        ]);
    }
    let _ = writer.flush();
    Ok(rows.len())
}

/// `kume status`: every invitation of the survey's wave and whether it has been answered.
pub fn status(
    root: &Path,
    db: &Path,
    survey_id: &str,
    out: &mut dyn Write,
) -> Result<(usize, usize), AdminError> {
    let survey = find_survey(root, survey_id)?;
    let store = SqliteStore::start(db)?;
    let rows: Vec<[String; 5]> = store
        .invitation_status(&survey.survey.id, survey.survey.wave)?
        .into_iter()
        .map(|i| {
            [
                i.firm.unwrap_or_default(),
                i.cluster.unwrap_or_default(),
                i.email.unwrap_or_default(),
                i.status,
                i.received_at.unwrap_or_default(),
            ]
        })
        .collect();
    let mut writer = csv::Writer::from_writer(out);
    let _ = writer.write_record(["firm", "cluster", "email", "status", "received_at"]);
    for r in &rows {
        let _ = writer.write_record(r);
    }
    let _ = writer.flush();
    let answered = rows.iter().filter(|r| r[3] == "final").count();
    Ok((answered, rows.len()))
}

/// `kume erase --token`: deletes one respondent's responses, their history and invitation.
pub fn erase(db: &Path, token: &str) -> Result<usize, AdminError> {
    let store = SqliteStore::start(db)?;
    let (responses, invitations) = store.erase(token)?;
    if responses + invitations == 0 {
        return Err(AdminError::new("no invitation or response has this token")
            .help("copy the token from the personal link (the value after `t=`)"));
    }
    Ok(responses)
}

/// One column of the export: a heading and how to read it from a response.
struct Column {
    name: String,
    label_tr: String,
    label_en: String,
    source: Source,
}

enum Source {
    Answer(String),
    /// A multi-select code as 0/1.
    Pick(String, String),
}

fn columns(survey: &Compiled) -> Vec<Column> {
    let mut cols = Vec::new();
    let label =
        |t: &crate::survey::model::Text, lang: &str| t.get(lang).cloned().unwrap_or_default();
    for q in survey.survey.sections.iter().flat_map(|s| &s.questions) {
        match q.kind {
            QType::Note => {}
            QType::SelectMany => {
                for c in q
                    .list
                    .as_ref()
                    .and_then(|l| survey.survey.lists.get(l))
                    .into_iter()
                    .flatten()
                {
                    cols.push(Column {
                        name: format!("{}.{}", q.id, c.code),
                        label_tr: format!("{}: {}", label(&q.label, "tr"), label(&c.label, "tr")),
                        label_en: format!("{}: {}", label(&q.label, "en"), label(&c.label, "en")),
                        source: Source::Pick(q.id.clone(), c.code.clone()),
                    });
                }
            }
            QType::Likert | QType::Grid => {
                for r in &q.rows {
                    let cells: Vec<(String, String, String)> = if q.kind == QType::Likert {
                        vec![(
                            format!("{}.{}", q.id, r.id),
                            label(&r.label, "tr"),
                            label(&r.label, "en"),
                        )]
                    } else {
                        q.columns
                            .iter()
                            .map(|c| {
                                (
                                    format!("{}.{}.{}", q.id, r.id, c.id),
                                    format!(
                                        "{} — {}",
                                        label(&r.label, "tr"),
                                        label(&c.label, "tr")
                                    ),
                                    format!(
                                        "{} — {}",
                                        label(&r.label, "en"),
                                        label(&c.label, "en")
                                    ),
                                )
                            })
                            .collect()
                    };
                    for (name, tr, en) in cells {
                        cols.push(Column {
                            label_tr: format!("{}: {tr}", label(&q.label, "tr")),
                            label_en: format!("{}: {en}", label(&q.label, "en")),
                            source: Source::Answer(name.clone()),
                            name,
                        });
                    }
                }
            }
            _ => cols.push(Column {
                name: q.id.clone(),
                label_tr: label(&q.label, "tr"),
                label_en: label(&q.label, "en"),
                source: Source::Answer(q.id.clone()),
            }),
        }
    }
    cols
}

/// One exported value.
enum Cell {
    Empty,
    Text(String),
    Number(f64),
}

impl Cell {
    fn of(value: Option<&serde_json::Value>) -> Cell {
        match value {
            None | Some(serde_json::Value::Null) => Cell::Empty,
            Some(serde_json::Value::String(s)) => Cell::Text(s.clone()),
            Some(serde_json::Value::Number(n)) => n.as_f64().map_or(Cell::Empty, Cell::Number),
            Some(serde_json::Value::Array(items)) => Cell::Text(
                items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Some(other) => Cell::Text(other.to_string()),
        }
    }

    /// The CSV text: decimal commas for Turkish Excel, and text that a spreadsheet would run
    /// as a formula (`= + - @`) made inert.
    fn csv(&self, decimal_comma: bool) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Number(n) => {
                let s = n.to_string();
                if decimal_comma {
                    s.replace('.', ",")
                } else {
                    s
                }
            }
            Cell::Text(t) if t.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{t}"),
            Cell::Text(t) => t.clone(),
        }
    }
}

/// The final responses of a survey: the columns, their headings and one row per response.
struct Table {
    cols: Vec<Column>,
    head: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

/// The final responses of a survey as a table.
fn table(survey: &Compiled, responses: &[FinalResponse]) -> Table {
    let cols = columns(survey);
    let mut head = vec![
        "response_id".to_string(),
        "wave".into(),
        "lang".into(),
        "received_at".into(),
        "cluster".into(),
        "firm".into(),
    ];
    head.extend(cols.iter().map(|c| c.name.clone()));
    let rows = responses
        .iter()
        .map(|r| {
            let mut row = vec![
                Cell::Text(r.id.clone()),
                Cell::Number(r.wave as f64),
                Cell::Text(r.lang.clone()),
                Cell::Text(r.received_at.clone()),
                Cell::Text(r.cluster.clone().unwrap_or_default()),
                Cell::Text(r.firm.clone().unwrap_or_default()),
            ];
            for c in &cols {
                row.push(match &c.source {
                    Source::Answer(name) => Cell::of(r.answers.get(name)),
                    Source::Pick(q, code) => match r.answers.get(q) {
                        Some(serde_json::Value::Array(items)) => {
                            Cell::Number(f64::from(u8::from(items.iter().any(|i| i == code))))
                        }
                        _ => Cell::Empty,
                    },
                });
            }
            row
        })
        .collect();
    Table { cols, head, rows }
}

fn write_csv(
    head: &[String],
    rows: &[Vec<Cell>],
    semicolon: bool,
    out: &Path,
) -> Result<(), AdminError> {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(if semicolon { b';' } else { b',' })
            .from_writer(&mut bytes);
        let _ = w.write_record(head);
        for row in rows {
            let _ = w.write_record(row.iter().map(|c| c.csv(semicolon)));
        }
        let _ = w.flush();
    }
    std::fs::write(out, bytes).map_err(|e| AdminError::new(format!("{}: {e}", out.display())))
}

fn write_xlsx(
    cols: &[Column],
    head: &[String],
    rows: &[Vec<Cell>],
    out: &Path,
) -> Result<(), AdminError> {
    let err = |e: rust_xlsxwriter::XlsxError| AdminError::new(format!("{}: {e}", out.display()));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("responses").map_err(err)?;
    for (c, h) in head.iter().enumerate() {
        sheet.write_string(0, c as u16, h).map_err(err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match cell {
                Cell::Empty => {}
                // Strings are never formulas in an .xlsx file: no neutralising needed.
                Cell::Text(t) => {
                    sheet.write_string(r, c, t).map_err(err)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n).map_err(err)?;
                }
            }
        }
    }
    let codebook = book.add_worksheet();
    codebook.set_name("codebook").map_err(err)?;
    for (c, h) in ["column", "label_tr", "label_en"].iter().enumerate() {
        codebook.write_string(0, c as u16, *h).map_err(err)?;
    }
    for (r, col) in cols.iter().enumerate() {
        let r = r as u32 + 1;
        codebook.write_string(r, 0, &col.name).map_err(err)?;
        codebook.write_string(r, 1, &col.label_tr).map_err(err)?;
        codebook.write_string(r, 2, &col.label_en).map_err(err)?;
    }
    book.save(out).map_err(err)
}

fn write_codebook(cols: &[Column], semicolon: bool, out: &Path) -> Result<(), AdminError> {
    let mut book = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(if semicolon { b';' } else { b',' })
            .from_writer(&mut book);
        let _ = w.write_record(["column", "label_tr", "label_en"]);
        for c in cols {
            let _ = w.write_record([&c.name, &c.label_tr, &c.label_en]);
        }
        let _ = w.flush();
    }
    let path = out.with_extension("codebook.csv");
    std::fs::write(&path, book).map_err(|e| AdminError::new(format!("{}: {e}", path.display())))
}

/// `kume export`: final responses as CSV (UTF-8 with BOM; `;` and decimal commas for Turkish
/// Excel, with a bilingual codebook beside it), XLSX (responses and codebook sheets) or JSON.
pub fn export(
    root: &Path,
    db: &Path,
    survey_id: &str,
    format: &str,
    semicolon: bool,
    out: &Path,
) -> Result<usize, AdminError> {
    let survey = find_survey(root, survey_id)?;
    let store = SqliteStore::read_only(db).map_err(|e| {
        AdminError::new(format!("{}: {e}", db.display()))
            .help("pass the collector's database with --db PATH")
    })?;
    let responses = store.final_responses(survey_id)?;
    if format == "json" {
        let list: Vec<serde_json::Value> = responses
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id, "wave": r.wave, "lang": r.lang, "received_at": r.received_at,
                    "cluster": r.cluster, "firm": r.firm, "answers": r.answers, "hash": survey.hash,
                })
            })
            .collect();
        std::fs::write(out, serde_json::to_string_pretty(&list).unwrap_or_default())
            .map_err(|e| AdminError::new(format!("{}: {e}", out.display())))?;
        return Ok(list.len());
    }
    let Table { cols, head, rows } = table(&survey, &responses);
    match format {
        "csv" => {
            write_csv(&head, &rows, semicolon, out)?;
            write_codebook(&cols, semicolon, out)?;
        }
        "xlsx" => write_xlsx(&cols, &head, &rows, out)?,
        other => {
            return Err(AdminError::new(format!("unknown format `{other}`"))
                .help("use --format csv, xlsx or json"));
        }
    }
    Ok(rows.len())
}
