//! The guidebook's templates in forms that a spreadsheet opens right.
//!
//! Every template in `site/static/rehber/sablonlar/` gets an `.xlsx` beside it, made at build
//! time, and every Markdown checklist (`.txt`) gets a `.csv` too. Template CSVs are UTF-8 with a
//! byte-order mark and `;` between fields: Excel in a Turkish locale puts a comma file in one
//! column and garbles ş and ğ without the mark, so `kume check` refuses a template CSV written
//! any other way.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};

use crate::config::Config;
use crate::content::template_links::TEMPLATES_URL;
use crate::diagnostics::{Diagnostic, display_path};

const BOM: &str = "\u{feff}";

/// What a row of a template is, for the spreadsheet's formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowKind {
    Title,
    Heading,
    Header,
    Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    kind: RowKind,
    cells: Vec<String>,
}

impl Row {
    fn new(kind: RowKind, cells: Vec<String>) -> Row {
        Row { kind, cells }
    }
}

/// A generated download: its URL path and its bytes.
pub type Generated = (String, Vec<u8>);

/// A template's text, kept for the check of the page addresses it names
/// (`content::template_links`): its display path and its text.
pub type TemplateText = (String, String);

/// What the templates give the build: the spreadsheet forms, and the templates' texts.
#[derive(Default)]
pub struct Made {
    pub files: Vec<Generated>,
    pub texts: Vec<TemplateText>,
}

/// The URL paths `generate` will produce, for link checking before anything is rendered.
pub fn urls(statics: &[(PathBuf, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (_, url) in templates(statics) {
        if let Some(stem) = url.strip_suffix(".csv") {
            out.push(format!("{stem}.xlsx"));
        } else if let Some(stem) = url.strip_suffix(".txt") {
            out.push(format!("{stem}.xlsx"));
            out.push(format!("{stem}.csv"));
        }
    }
    out
}

/// Reads every template once and makes the spreadsheet forms of the CSVs and checklists; an
/// error for every one that cannot be read or is not written as the guidebook's CSVs must be.
/// The templates are made side by side: each workbook compresses its parts, about half a
/// millisecond apiece, and the repository's 64 made one after the other were the longest
/// chain of the loading.
pub fn generate(config: &Config, statics: &[(PathBuf, String)]) -> (Made, Vec<Diagnostic>) {
    let published: HashSet<&str> = statics.iter().map(|(_, u)| u.as_str()).collect();
    let made: Vec<(Made, Option<Diagnostic>)> = templates(statics)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(path, url)| generate_one(config, &published, path, url))
        .collect();
    let mut out = Made::default();
    let mut diags = Vec::new();
    for (one, problem) in made {
        out.files.extend(one.files);
        out.texts.extend(one.texts);
        diags.extend(problem);
    }
    (out, diags)
}

/// The workbook of one template and the CSV of a checklist, with the template's text (also
/// when its spreadsheet cannot be made: the pages it names are checked all the same).
fn generate_one(
    config: &Config,
    published: &HashSet<&str>,
    path: &Path,
    url: &str,
) -> (Made, Option<Diagnostic>) {
    let file = display_path(&config.root, path);
    let spreadsheet = url.ends_with(".csv") || url.ends_with(".txt");
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if spreadsheet => {
            let problem = Diagnostic::error(&file, format!("cannot read the template: {e}"));
            return (Made::default(), Some(problem));
        }
        // A workbook or a picture among the templates is published as it is and names no page.
        Err(_) => return (Made::default(), None),
    };
    let (files, problem) = match spreadsheets(config, published, url, &file, &text) {
        Ok(files) => (files, None),
        Err(d) => (Vec::new(), Some(d)),
    };
    let texts = vec![(file, text)];
    (Made { files, texts }, problem)
}

/// The workbook of a template CSV or checklist (`.txt`), and the CSV of a checklist; nothing
/// for other templates.
fn spreadsheets(
    config: &Config,
    published: &HashSet<&str>,
    url: &str,
    file: &str,
    text: &str,
) -> Result<Vec<Generated>, Diagnostic> {
    let lang = language_of(config, url);
    let (stem, rows, from_text) = if let Some(stem) = url.strip_suffix(".csv") {
        (stem, csv_rows(text, file)?, false)
    } else if let Some(stem) = url.strip_suffix(".txt") {
        let csv_url = format!("{stem}.csv");
        if published.contains(csv_url.as_str()) {
            return Err(Diagnostic::error(
                file,
                format!("both this checklist and `{csv_url}` exist; the build makes `{csv_url}` from the checklist"),
            )
            .help("keep one of the two files"));
        }
        (stem, text_rows(text), true)
    } else {
        return Ok(Vec::new());
    };
    let bytes = xlsx(&rows, lang, !from_text)
        .map_err(|e| Diagnostic::error(file, format!("cannot make the spreadsheet: {e}")))?;
    let mut files = vec![(format!("{stem}.xlsx"), bytes)];
    if from_text {
        files.push((format!("{stem}.csv"), csv_bytes(&rows)));
    }
    Ok(files)
}

/// The template files: static files under the templates folder.
fn templates(statics: &[(PathBuf, String)]) -> impl Iterator<Item = (&Path, &str)> {
    statics
        .iter()
        .filter(|(_, url)| url.starts_with(TEMPLATES_URL))
        .map(|(p, u)| (p.as_path(), u.as_str()))
}

/// `name.en.csv` is English; a name with no language code is in the default language.
fn language_of<'a>(config: &'a Config, url: &str) -> &'a str {
    config
        .languages
        .iter()
        .map(|l| l.code.as_str())
        .find(|code| {
            url.rsplit_once('.')
                .is_some_and(|(stem, _)| stem.ends_with(&format!(".{code}")))
        })
        .unwrap_or_else(|| config.default_language())
}

/// Reads a template CSV: UTF-8 with a byte-order mark, `;` between fields, a header line.
fn csv_rows(text: &str, file: &str) -> Result<Vec<Row>, Diagnostic> {
    let Some(body) = text.strip_prefix(BOM) else {
        return Err(Diagnostic::error(file, "the template CSV has no UTF-8 byte-order mark")
            .at(1, 1)
            .help("save it as “CSV UTF-8” (Excel) or add the mark (EF BB BF) at the start: Turkish Excel garbles ş, ğ and ı without it"));
    };
    let header = body.lines().next().unwrap_or_default();
    if !header.contains(';') {
        return Err(
            Diagnostic::error(file, "the template CSV does not separate its fields with `;`")
                .at(1, 2)
                .help("write `;` between fields: Excel in a Turkish locale reads a comma file into one column"),
        );
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(body.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(i + 1, |p| p.line() as usize);
            Diagnostic::error(file, format!("cannot read the template CSV: {e}"))
                .at_line(line)
                .help("every line needs as many `;`-separated fields as the header; quote a field that holds `;`")
        })?;
        let kind = if i == 0 {
            RowKind::Header
        } else {
            RowKind::Body
        };
        rows.push(Row::new(kind, record.iter().map(str::to_string).collect()));
    }
    Ok(rows)
}

/// Reads a Markdown checklist into rows: `#` headings, table lines (the line above a `|---|`
/// line is a header), `- [ ]` items as a box and the item, other lines as one cell.
fn text_rows(text: &str) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for line in text.lines().map(str::trim_end) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(title) = trimmed.strip_prefix("# ") {
            rows.push(Row::new(RowKind::Title, vec![title.trim().to_string()]));
        } else if trimmed.starts_with('#') {
            if !rows.is_empty() {
                rows.push(Row::new(RowKind::Body, Vec::new()));
            }
            let heading = trimmed.trim_start_matches('#').trim();
            rows.push(Row::new(RowKind::Heading, vec![heading.to_string()]));
        } else if trimmed.starts_with('|') {
            let cells = table_cells(trimmed);
            let is_rule = cells
                .iter()
                .all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':'));
            if is_rule {
                if let Some(last) = rows.last_mut() {
                    last.kind = RowKind::Header;
                }
            } else {
                rows.push(Row::new(RowKind::Body, cells));
            }
        } else if let Some(item) = checklist_item(trimmed) {
            rows.push(Row::new(RowKind::Body, vec!["☐".to_string(), item]));
        } else {
            let plain = trimmed.strip_prefix("- ").unwrap_or(trimmed);
            rows.push(Row::new(RowKind::Body, vec![plain.to_string()]));
        }
    }
    rows
}

fn table_cells(line: &str) -> Vec<String> {
    let inner = line.trim_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

/// `- [ ] item` or `- [x] item` → the item.
fn checklist_item(line: &str) -> Option<String> {
    let rest = line.strip_prefix("- [")?;
    let (mark, item) = rest.split_once(']')?;
    (mark.trim().is_empty() || mark.eq_ignore_ascii_case("x")).then(|| item.trim().to_string())
}

/// The rows as a CSV that Excel opens right in a Turkish locale.
fn csv_bytes(rows: &[Row]) -> Vec<u8> {
    let mut bytes = BOM.as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut bytes);
        for row in rows {
            // A record with no fields is not written at all: an empty line needs one empty field.
            let cells: &[String] = if row.cells.is_empty() {
                &[String::new()]
            } else {
                &row.cells
            };
            // Writing to a Vec cannot fail.
            let _ = w.write_record(cells);
        }
        let _ = w.flush();
    }
    bytes
}

/// A cell's number, when it is one: `2000`, `0,25` or `0.25`. Codes with a leading zero
/// (`01`) stay text, so they keep their zero.
fn number(cell: &str) -> Option<f64> {
    let digits_ok = cell
        .chars()
        .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        && cell.chars().filter(|c| *c == ',' || *c == '.').count() <= 1
        && cell.len() <= 15
        && cell.starts_with(|c: char| c.is_ascii_digit())
        && cell.ends_with(|c: char| c.is_ascii_digit());
    let leading_zero =
        cell.len() > 1 && cell.starts_with('0') && !cell[1..].starts_with([',', '.']);
    if !digits_ok || leading_zero {
        return None;
    }
    cell.replace(',', ".").parse().ok()
}

/// The rows as an Excel workbook of one sheet.
fn xlsx(rows: &[Row], lang: &str, freeze_header: bool) -> Result<Vec<u8>, XlsxError> {
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let title = Format::new().set_bold().set_font_size(14);
    let heading = Format::new().set_bold().set_font_size(12);
    let header = wrap
        .clone()
        .set_bold()
        .set_background_color(0xE7EEF5)
        .set_border_bottom(FormatBorder::Thin);
    let mut book = Workbook::new();
    // A fixed date keeps builds reproducible; the workbook's content carries no date anyway.
    let created = ExcelDateTime::from_ymd(2026, 1, 1)?;
    let sheet_title = rows
        .iter()
        .find(|r| r.kind == RowKind::Title)
        .and_then(|r| r.cells.first())
        .cloned()
        .unwrap_or_default();
    book.set_properties(
        &DocProperties::new()
            .set_title(sheet_title)
            .set_author("Kume")
            .set_creation_datetime(&created),
    );
    let sheet = book.add_worksheet();
    sheet.set_name(if lang == "tr" { "Şablon" } else { "Template" })?;
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r).unwrap_or(u32::MAX);
        for (c, cell) in row.cells.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            let format = match row.kind {
                RowKind::Title => &title,
                RowKind::Heading => &heading,
                RowKind::Header => &header,
                RowKind::Body => &wrap,
            };
            match number(cell).filter(|_| row.kind == RowKind::Body) {
                Some(n) => sheet.write_number_with_format(r, c, n, format)?,
                None if cell.is_empty() => continue,
                None => sheet.write_string_with_format(r, c, cell, format)?,
            };
        }
    }
    // Wide enough to read, narrow enough to print: longer text wraps within its cell.
    sheet.set_autofit_max_width(320);
    sheet.autofit();
    if freeze_header {
        sheet.set_freeze_panes(1, 0)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checklist_becomes_headings_tables_and_boxes() {
        let rows = text_rows(
            "# Title\n\nPage: /x/\n\n## Part\n| A | B |\n|---|---|\n| 1 | |\n- [ ] Do it.\n- Note\n",
        );
        let kinds: Vec<_> = rows.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                RowKind::Title,
                RowKind::Body,
                RowKind::Body,
                RowKind::Heading,
                RowKind::Header,
                RowKind::Body,
                RowKind::Body,
                RowKind::Body
            ]
        );
        assert_eq!(rows[4].cells, ["A", "B"]);
        assert_eq!(rows[5].cells, ["1", ""]);
        assert_eq!(rows[6].cells, ["☐", "Do it."]);
        assert_eq!(rows[7].cells, ["Note"]);
        let csv = String::from_utf8(csv_bytes(&rows)).unwrap();
        assert!(csv.starts_with("\u{feff}Title\r\nPage: /x/\r\n\"\"\r\nPart\r\nA;B\r\n1;\r\n"));
    }

    #[test]
    fn numbers_keep_codes_as_text() {
        assert_eq!(number("2000"), Some(2000.0));
        assert_eq!(number("0,25"), Some(0.25));
        assert_eq!(number("0.25"), Some(0.25));
        assert_eq!(number("01"), None);
        assert_eq!(number("1-4"), None);
        assert_eq!(number("TR100"), None);
        assert_eq!(number("1.000.000"), None);
    }

    #[test]
    fn a_comma_csv_or_one_without_the_mark_is_refused() {
        let no_bom = csv_rows("a;b\n1;2\n", "t.csv").unwrap_err();
        assert!(
            no_bom.message.contains("byte-order mark"),
            "{}",
            no_bom.message
        );
        let commas = csv_rows("\u{feff}a,b\n1,2\n", "t.csv").unwrap_err();
        assert!(commas.message.contains("`;`"), "{}", commas.message);
        let ragged = csv_rows("\u{feff}a;b\n1;2;3\n", "t.csv").unwrap_err();
        assert!(ragged.message.contains("cannot read"), "{}", ragged.message);
        let rows = csv_rows("\u{feff}a;b\n\"x; y\";2\n", "t.csv").unwrap();
        assert_eq!(rows[1].cells, ["x; y", "2"]);
    }
}
