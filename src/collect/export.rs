//! `kume export`: the final responses of a survey for analysts, as CSV (with a codebook, an
//! SPSS syntax file and an R script beside it), XLSX (responses and codebook sheets) or JSON.
//!
//! Every file is created readable by its owner only: exports hold personal data.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::admin::{AdminError, find_survey};
use super::store::{FinalResponse, StoreAddress};
use super::syntax;
use crate::survey::compile::Compiled;
use crate::survey::model::{QType, Question, Text, Unit};

/// The file formats of `kume export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// UTF-8 with BOM, with a codebook, an SPSS syntax file and an R script beside it.
    Csv,
    /// An Excel workbook: a responses sheet and a codebook sheet.
    Xlsx,
    /// Every response with its answers as stored and the hash of its survey definition.
    Json,
}

/// Excel's limit on the characters in one cell.
pub const XLSX_CELL_MAX: usize = 32_767;

/// What an export wrote.
#[derive(Debug)]
pub struct Exported {
    pub responses: usize,
    /// The files written (none when the export went to standard output).
    pub files: Vec<PathBuf>,
    /// What the person at the terminal should know about the files.
    pub warnings: Vec<String>,
}

/// How `kume export` runs.
pub struct ExportOptions<'a> {
    pub format: ExportFormat,
    /// `;` between columns and decimal commas, for Excel in Turkish.
    pub semicolon: bool,
    /// The language of the labels in the SPSS and R files (default: the survey's first).
    pub lang: Option<&'a str>,
    /// The file to write, or `-` for standard output.
    pub out: &'a Path,
}

/// One column of the export: its heading, what it means, and how to read it from a response.
pub struct Column {
    pub name: String,
    /// The question type (`select_one`, `integer`, …) or what a response field is.
    pub kind: &'static str,
    pub unit: Option<String>,
    pub label: Text,
    /// Every value with a meaning of its own, with its label.
    pub codes: Vec<Code>,
    /// Whether the column holds numbers (when no response says otherwise).
    pub numeric: bool,
    source: Source,
}

/// A coded value and its label in each language.
pub struct Code {
    pub value: String,
    pub label: Text,
}

enum Source {
    Meta(Meta),
    Answer(String),
    /// A multi-select code as 0/1.
    Pick(String, String),
}

#[derive(Clone, Copy)]
enum Meta {
    Id,
    Wave,
    Lang,
    ReceivedAt,
    Cluster,
    Firm,
}

fn text(tr: &str, en: &str) -> Text {
    Text::from([
        ("tr".to_string(), tr.to_string()),
        ("en".to_string(), en.to_string()),
    ])
}

/// `a: b` in every language `a` has.
fn joined(a: &Text, b: &Text, sep: &str) -> Text {
    a.iter()
        .map(|(lang, x)| {
            let y = b.get(lang).map(String::as_str).unwrap_or_default();
            (lang.clone(), format!("{x}{sep}{y}"))
        })
        .collect()
}

fn language_name(code: &str) -> Text {
    match code {
        "tr" => text("Türkçe", "Turkish"),
        "en" => text("İngilizce", "English"),
        other => text(other, other),
    }
}

/// The response fields every export starts with.
fn meta_columns(survey: &Compiled) -> Vec<Column> {
    let meta = |name: &str, kind, label: Text, meta, numeric| Column {
        name: name.into(),
        kind,
        unit: None,
        label,
        codes: Vec::new(),
        numeric,
        source: Source::Meta(meta),
    };
    let mut lang = meta(
        "lang",
        "language",
        text("Yanıt dili", "Language of the answers"),
        Meta::Lang,
        false,
    );
    lang.codes = survey
        .survey
        .languages
        .iter()
        .map(|l| Code {
            value: l.clone(),
            label: language_name(l),
        })
        .collect();
    vec![
        meta(
            "response_id",
            "id",
            text("Yanıt kimliği", "Response id"),
            Meta::Id,
            false,
        ),
        meta(
            "wave",
            "year",
            text(
                "Dalga (yanıtların anlattığı yıl)",
                "Wave (the year the answers describe)",
            ),
            Meta::Wave,
            true,
        ),
        lang,
        meta(
            "received_at",
            "timestamp",
            text(
                "Alınma zamanı (UTC, ISO 8601)",
                "Received at (UTC, ISO 8601)",
            ),
            Meta::ReceivedAt,
            false,
        ),
        meta(
            "cluster",
            "text",
            text("Küme (davetten)", "Cluster (from the invitation)"),
            Meta::Cluster,
            false,
        ),
        meta(
            "firm",
            "text",
            text("Firma (davetten)", "Firm (from the invitation)"),
            Meta::Firm,
            false,
        ),
    ]
}

/// The choices of a question's list, as codes.
fn list_codes(survey: &Compiled, q: &Question) -> Vec<Code> {
    q.list
        .as_ref()
        .and_then(|l| survey.survey.lists.get(l))
        .into_iter()
        .flatten()
        .map(|c| Code {
            value: c.code.clone(),
            label: c.label.clone(),
        })
        .collect()
}

/// The free-text column of a list's "other" choice, when the list has one.
fn other_column(survey: &Compiled, q: &Question) -> Option<Column> {
    let other = q
        .list
        .as_ref()
        .and_then(|l| survey.survey.lists.get(l))?
        .iter()
        .find(|c| c.other)?;
    let name = format!("{}.other", q.id);
    Some(Column {
        kind: "text",
        unit: None,
        label: joined(&q.label, &other.label, ": "),
        codes: Vec::new(),
        numeric: false,
        source: Source::Answer(name.clone()),
        name,
    })
}

fn question_columns(survey: &Compiled, q: &Question, cols: &mut Vec<Column>) {
    let answer = |name: String, label: Text, codes: Vec<Code>| Column {
        kind: q.kind.name(),
        unit: q
            .unit
            .or((q.kind == QType::Percent).then_some(Unit::Percent))
            .map(|u| u.as_str().to_string()),
        label,
        codes,
        numeric: q.kind.is_number() || matches!(q.kind, QType::Calculated | QType::Grid),
        source: Source::Answer(name.clone()),
        name,
    };
    match q.kind {
        QType::Note => {}
        QType::SelectMany => {
            for c in list_codes(survey, q) {
                let name = format!("{}.{}", q.id, c.value);
                cols.push(Column {
                    kind: "select_many",
                    unit: None,
                    label: joined(&q.label, &c.label, ": "),
                    codes: vec![
                        Code {
                            value: "0".into(),
                            label: text("Seçilmedi", "Not chosen"),
                        },
                        Code {
                            value: "1".into(),
                            label: text("Seçildi", "Chosen"),
                        },
                    ],
                    numeric: true,
                    source: Source::Pick(q.id.clone(), c.value.clone()),
                    name,
                });
            }
            cols.extend(other_column(survey, q));
        }
        QType::Likert => {
            for r in &q.rows {
                let label = joined(&q.label, &r.label, ": ");
                cols.push(answer(
                    format!("{}.{}", q.id, r.id),
                    label,
                    list_codes(survey, q),
                ));
            }
        }
        QType::Grid => {
            for r in &q.rows {
                for c in &q.columns {
                    let cell = joined(&r.label, &c.label, " — ");
                    let label = joined(&q.label, &cell, ": ");
                    cols.push(answer(
                        format!("{}.{}.{}", q.id, r.id, c.id),
                        label,
                        Vec::new(),
                    ));
                }
            }
        }
        QType::SelectOne => {
            cols.push(answer(q.id.clone(), q.label.clone(), list_codes(survey, q)));
            cols.extend(other_column(survey, q));
        }
        QType::Consent => {
            let given = Code {
                value: "true".into(),
                label: text("Onay verildi", "Consent given"),
            };
            cols.push(answer(q.id.clone(), q.label.clone(), vec![given]));
        }
        _ => cols.push(answer(q.id.clone(), q.label.clone(), Vec::new())),
    }
}

/// Every column of the export, the response fields first, then the questions in form order.
pub fn columns(survey: &Compiled) -> Vec<Column> {
    let mut cols = meta_columns(survey);
    for q in survey.survey.sections.iter().flat_map(|s| &s.questions) {
        question_columns(survey, q, &mut cols);
    }
    cols
}

/// One exported value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
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
            Some(serde_json::Value::Array(items))
                if items.iter().all(|i| !i.is_object() && !i.is_array()) =>
            {
                Cell::Text(
                    items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            }
            Some(other) => Cell::Text(other.to_string()),
        }
    }

    /// The CSV text: decimal commas for Turkish Excel, and text that a spreadsheet would run
    /// as a formula (`= + - @`) made inert.
    pub fn csv(&self, decimal_comma: bool) -> String {
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

/// The final responses of a survey: the columns and one row of cells per response.
pub struct Table {
    pub cols: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(survey: &Compiled, responses: &[FinalResponse]) -> Table {
        let cols = columns(survey);
        let rows = responses
            .iter()
            .map(|r| cols.iter().map(|c| cell(c, r)).collect())
            .collect();
        Table { cols, rows }
    }

    pub fn head(&self) -> Vec<&str> {
        self.cols.iter().map(|c| c.name.as_str()).collect()
    }
}

fn cell(col: &Column, r: &FinalResponse) -> Cell {
    let text = |t: &Option<String>| Cell::Text(t.clone().unwrap_or_default());
    match &col.source {
        Source::Meta(Meta::Id) => Cell::Text(r.id.clone()),
        Source::Meta(Meta::Wave) => Cell::Number(r.wave as f64),
        Source::Meta(Meta::Lang) => Cell::Text(r.lang.clone()),
        Source::Meta(Meta::ReceivedAt) => Cell::Text(r.received_at.clone()),
        Source::Meta(Meta::Cluster) => text(&r.cluster),
        Source::Meta(Meta::Firm) => text(&r.firm),
        Source::Answer(name) => Cell::of(r.answers.get(name)),
        // A code repeated in stored data still counts once.
        Source::Pick(q, code) => match r.answers.get(q) {
            Some(serde_json::Value::Array(items)) => {
                Cell::Number(f64::from(u8::from(items.iter().any(|i| i == code))))
            }
            _ => Cell::Empty,
        },
    }
}

/// A CSV file as bytes: UTF-8 with a BOM, so that Excel reads Turkish letters right.
fn csv_bytes<'a>(
    head: &[&str],
    rows: impl Iterator<Item = Vec<String>> + 'a,
    semicolon: bool,
) -> std::io::Result<Vec<u8>> {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(if semicolon { b';' } else { b',' })
            .from_writer(&mut bytes);
        w.write_record(head)?;
        for row in rows {
            w.write_record(row)?;
        }
        w.flush()?;
    }
    Ok(bytes)
}

fn responses_csv(table: &Table, semicolon: bool) -> std::io::Result<Vec<u8>> {
    let rows = table
        .rows
        .iter()
        .map(|row| row.iter().map(|c| c.csv(semicolon)).collect());
    csv_bytes(&table.head(), rows, semicolon)
}

const CODEBOOK_HEAD: [&str; 8] = [
    "column",
    "label_tr",
    "label_en",
    "type",
    "unit",
    "code",
    "code_label_tr",
    "code_label_en",
];

/// The codebook: a row per column, or a row per code of a coded column (the column repeated,
/// so that a filter on the column shows all its codes).
fn codebook_rows(cols: &[Column]) -> Vec<Vec<String>> {
    let label = |t: &Text, lang: &str| t.get(lang).cloned().unwrap_or_default();
    let mut rows = Vec::new();
    for c in cols {
        let base = vec![
            c.name.clone(),
            label(&c.label, "tr"),
            label(&c.label, "en"),
            c.kind.to_string(),
            c.unit.clone().unwrap_or_default(),
        ];
        if c.codes.is_empty() {
            let mut row = base.clone();
            row.extend([String::new(), String::new(), String::new()]);
            rows.push(row);
        }
        for code in &c.codes {
            let mut row = base.clone();
            row.extend([
                code.value.clone(),
                label(&code.label, "tr"),
                label(&code.label, "en"),
            ]);
            rows.push(row);
        }
    }
    rows
}

/// Text that fits an Excel cell: longer text is cut, and says so in the cell itself.
pub fn xlsx_text(t: &str) -> Cow<'_, str> {
    if t.encode_utf16().count() <= XLSX_CELL_MAX {
        return Cow::Borrowed(t);
    }
    let total = t.chars().count();
    let marker = format!(
        " … [kesildi: metnin tamamı ({total} karakter) CSV ve JSON dışa aktarımında / cut: the whole text ({total} characters) is in the CSV and JSON exports]"
    );
    let room = XLSX_CELL_MAX - marker.encode_utf16().count();
    let mut used = 0;
    let end = t
        .char_indices()
        .find(|(_, c)| {
            used += c.len_utf16();
            used > room
        })
        .map_or(t.len(), |(i, _)| i);
    Cow::Owned(format!("{}{marker}", &t[..end]))
}

fn xlsx_bytes(table: &Table) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("responses")?;
    for (c, h) in table.head().iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match cell {
                Cell::Empty => {}
                // Strings are never formulas in an .xlsx file: no neutralising needed.
                Cell::Text(t) => {
                    sheet.write_string(r, c, xlsx_text(t))?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n)?;
                }
            }
        }
    }
    let codebook = book.add_worksheet();
    codebook.set_name("codebook")?;
    for (c, h) in CODEBOOK_HEAD.iter().enumerate() {
        codebook.write_string(0, c as u16, *h)?;
    }
    for (r, row) in codebook_rows(&table.cols).iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            codebook.write_string(r as u32 + 1, c as u16, xlsx_text(value))?;
        }
    }
    book.save_to_buffer()
}

fn json_bytes(responses: &[FinalResponse]) -> Vec<u8> {
    let list: Vec<serde_json::Value> = responses
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id, "wave": r.wave, "lang": r.lang, "received_at": r.received_at,
                "cluster": r.cluster, "firm": r.firm, "answers": r.answers, "hash": r.hash,
            })
        })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&list).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Creates (or truncates) `path` readable and writable by its owner only (mode 0600 on Unix).
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    // The mode above applies to new files only; an existing file is narrowed as well.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Writes `bytes` to a new private file.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), AdminError> {
    create_private(path)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .map_err(|e| AdminError::new(format!("cannot write {}: {e}", path.display())))
}

fn write_stdout(bytes: &[u8]) -> Result<(), AdminError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| AdminError::new(format!("cannot write to standard output: {e}")))
}

/// `export.csv` → `export.<ext>`.
fn cannot_write_csv(e: std::io::Error) -> AdminError {
    AdminError::new(format!("cannot make the CSV: {e}"))
}

fn beside(out: &Path, ext: &str) -> PathBuf {
    out.with_extension(ext)
}

/// `kume export`: the final responses of a survey, written as `options` say.
pub fn export(
    root: &Path,
    db: &StoreAddress,
    survey_id: &str,
    options: &ExportOptions<'_>,
) -> Result<Exported, AdminError> {
    let survey = find_survey(root, survey_id)?;
    let lang = match options.lang {
        Some(l) if survey.survey.languages.iter().any(|s| s == l) => l.to_string(),
        Some(l) => {
            return Err(
                AdminError::new(format!("the survey `{survey_id}` has no language `{l}`")).help(
                    format!("use one of: {}", survey.survey.languages.join(", ")),
                ),
            );
        }
        None => survey.survey.languages[0].clone(),
    };
    let store = super::admin::open_existing(db)?;
    let responses = store.final_responses(survey_id)?;
    let to_stdout = options.out == Path::new("-");
    let table = Table::new(&survey, &responses);
    let main = match options.format {
        ExportFormat::Json => json_bytes(&responses),
        ExportFormat::Csv => responses_csv(&table, options.semicolon).map_err(cannot_write_csv)?,
        ExportFormat::Xlsx => xlsx_bytes(&table)
            .map_err(|e| AdminError::new(format!("cannot make the workbook: {e}")))?,
    };
    if to_stdout {
        write_stdout(&main)?;
        return Ok(Exported {
            responses: responses.len(),
            files: Vec::new(),
            warnings: Vec::new(),
        });
    }
    let out = options.out;
    let mut files = vec![out.to_path_buf()];
    let mut warnings = Vec::new();
    write_private(out, &main)?;
    if options.format == ExportFormat::Csv {
        let codebook = csv_bytes(
            &CODEBOOK_HEAD,
            codebook_rows(&table.cols).into_iter(),
            options.semicolon,
        )
        .map_err(cannot_write_csv)?;
        let data_file = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let spec = syntax::Spec {
            table: &table,
            data_file: &data_file,
            semicolon: options.semicolon,
            lang: &lang,
            title: survey.survey.title.get(&lang).cloned().unwrap_or_default(),
        };
        let breaks = syntax::line_breaks(&table);
        if breaks > 0 {
            warnings.push(format!(
                "{breaks} text answers hold line breaks: SPSS and PSPP read the CSV line by line and would split those responses; use the R script or the XLSX export for them"
            ));
        }
        for (ext, bytes) in [
            ("codebook.csv", codebook),
            ("sps", syntax::spss(&spec).into_bytes()),
            ("R", syntax::r_script(&spec).into_bytes()),
        ] {
            let path = beside(out, ext);
            write_private(&path, &bytes)?;
            files.push(path);
        }
    }
    Ok(Exported {
        responses: responses.len(),
        files,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_for_excel_with_a_marker_and_short_text_is_kept() {
        assert_eq!(xlsx_text("kısa"), "kısa");
        let exact = "ş".repeat(XLSX_CELL_MAX);
        assert_eq!(xlsx_text(&exact), exact.as_str());
        let long = "ğ".repeat(40_000);
        let cut = xlsx_text(&long);
        assert_eq!(cut.encode_utf16().count(), XLSX_CELL_MAX);
        assert!(cut.starts_with("ğğğ"));
        assert!(cut.ends_with("(40000 characters) is in the CSV and JSON exports]"));
        // Characters outside the basic plane count twice in Excel's limit.
        let emoji = "😀".repeat(20_000);
        assert!(xlsx_text(&emoji).encode_utf16().count() <= XLSX_CELL_MAX);
    }

    #[test]
    fn formulas_are_made_inert_in_csv_and_numbers_follow_the_decimal_mark() {
        assert_eq!(Cell::Text("=1+1".into()).csv(false), "'=1+1");
        assert_eq!(Cell::Number(-2.5).csv(true), "-2,5");
        assert_eq!(Cell::Number(2.5).csv(false), "2.5");
    }
}
