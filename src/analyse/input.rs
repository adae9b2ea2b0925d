//! Reading the employment tables (`site/data/employment/*.csv`) and the analysis settings
//! (`site/data/employment/analysis.yaml`), with every problem reported at its file, line and
//! column. The format is described in docs/sectors.md.
//!
//! A table gives its geography either as `ibbs3` (provinces) or as `region` (the country `TR`,
//! or an İBBS-1, İBBS-2 or İBBS-3 code), and its activity either as `nace2` (divisions) or as
//! `activity` (`TOTAL`, a NACE section, one of Eurostat's section groups, or a division).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, display_path};
use crate::survey::model::Choice;
use crate::text::{did_you_mean, slugify};

pub const EMPLOYMENT_DIR: &str = "site/data/employment";
pub const SETTINGS_FILE: &str = "site/data/employment/analysis.yaml";
/// The source written in every row of a made-up table.
pub const SAMPLE_SOURCE: &str = "sample";
const COLUMNS: [&str; 12] = [
    "year",
    "ibbs3",
    "region",
    "nace2",
    "activity",
    "employees",
    "flags",
    "workplaces",
    "source",
    "source_table",
    "retrieved_on",
    "note",
];
/// Written in `employees` or `workplaces` for a cell the publisher withheld.
const CONFIDENTIAL: &str = "C";
/// The code of the whole country, as a region.
pub const COUNTRY: &str = "TR";
/// The code of all activities together, as an activity.
pub const TOTAL: &str = "TOTAL";
/// Eurostat's groups of NACE sections in its regional labour-force tables.
pub const SECTION_GROUPS: [&str; 5] = ["B-E", "G-I", "M_N", "O-Q", "R-U"];
/// Eurostat's flags, as they may follow a figure (`b` break in series, `c` confidential,
/// `d` definition differs, `e` estimated, `f` forecast, `n` not significant, `p` provisional,
/// `r` revised, `s` Eurostat estimate, `u` low reliability, `z` not applicable).
pub const FLAGS: &str = "bcdefnprsuz";

/// How fine a table's geography is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    Country,
    Ibbs1,
    Ibbs2,
    Ibbs3,
}

impl AreaLevel {
    /// The level of a Turkish region code by its length (`TR`, `TR4`, `TR41`, `TR411`).
    pub fn of(code: &str) -> AreaLevel {
        match code.len() {
            0..=2 => AreaLevel::Country,
            3 => AreaLevel::Ibbs1,
            4 => AreaLevel::Ibbs2,
            _ => AreaLevel::Ibbs3,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            AreaLevel::Country => "country",
            AreaLevel::Ibbs1 => "ibbs1",
            AreaLevel::Ibbs2 => "ibbs2",
            AreaLevel::Ibbs3 => "ibbs3",
        }
    }
}

/// How fine a table's activities are: NACE divisions, or sections and groups of sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityLevel {
    Total,
    Section,
    Division,
}

impl ActivityLevel {
    pub fn of(code: &str) -> ActivityLevel {
        if code == TOTAL {
            ActivityLevel::Total
        } else if code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit()) {
            ActivityLevel::Division
        } else {
            ActivityLevel::Section
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ActivityLevel::Total => "total",
            ActivityLevel::Section => "section",
            ActivityLevel::Division => "division",
        }
    }
}

/// A count as published: a number, or withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Known(u64),
    Confidential,
}

impl Count {
    pub fn known(self) -> Option<u64> {
        match self {
            Count::Known(n) => Some(n),
            Count::Confidential => None,
        }
    }
}

/// One row: employment in one activity of one area in one year.
#[derive(Debug, Clone)]
pub struct Record {
    pub year: i32,
    /// The area: an İBBS-3 province code (`TR510`), or any region code (`TR`, `TR5`, `TR51`).
    pub province: String,
    /// The activity: a two-digit NACE Rev. 2 division (`10`), a section (`C`), a group of
    /// sections (`B-E`) or `TOTAL`.
    pub sector: String,
    pub employees: Count,
    pub workplaces: Option<Count>,
    /// The publisher's flags on the figure (`b`, `u`, …), in its order.
    pub flags: String,
    pub source: Source,
}

/// Where a row's figures come from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Source {
    pub source: String,
    pub table: String,
    pub retrieved_on: String,
}

impl Source {
    pub fn is_sample(&self) -> bool {
        self.source.eq_ignore_ascii_case(SAMPLE_SOURCE)
    }
}

/// Floors under which a cell's figures are too noisy to publish.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default = "default_min_employees")]
    pub min_employees: u64,
    #[serde(default = "default_min_workplaces")]
    pub min_workplaces: u64,
}

fn default_min_employees() -> u64 {
    50
}

fn default_min_workplaces() -> u64 {
    3
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            min_employees: default_min_employees(),
            min_workplaces: default_min_workplaces(),
        }
    }
}

/// The codes the table may use, from the built-in lists `iller` and `nace_bolumleri`.
pub struct Codes {
    provinces: HashSet<String>,
    /// Province name slug → code, to suggest the code when a name was written.
    province_names: HashMap<String, String>,
    sectors: HashSet<String>,
    /// İBBS-1 and İBBS-2 codes (`ibbs_bolgeler`).
    regions: HashSet<String>,
    /// NACE sections (`nace_bolumler`).
    sections: HashSet<String>,
}

impl Codes {
    pub fn from_lists(lists: &BTreeMap<String, Vec<Choice>>) -> Codes {
        let list = |name: &str| lists.get(name).map(Vec::as_slice).unwrap_or_default();
        Codes {
            provinces: list("iller").iter().map(|c| c.code.clone()).collect(),
            province_names: list("iller")
                .iter()
                .flat_map(|c| c.label.values().map(|l| (slugify(l), c.code.clone())))
                .collect(),
            sectors: list("nace_bolumleri")
                .iter()
                .map(|c| c.code.clone())
                .collect(),
            regions: list("ibbs_bolgeler")
                .iter()
                .map(|c| c.code.clone())
                .collect(),
            sections: list("nace_bolumler")
                .iter()
                .map(|c| c.code.clone())
                .collect(),
        }
    }
}

/// Whether the project has employment tables at all.
pub fn present(config: &Config) -> bool {
    !table_files(config).is_empty()
}

fn table_files(config: &Config) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(config.path(EMPLOYMENT_DIR))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv") && p.is_file())
        .collect();
    files.sort();
    files
}

/// Reads `analysis.yaml`; the defaults when there is none.
pub fn load_settings(config: &Config) -> Result<Settings, Diagnostic> {
    let path = config.path(SETTINGS_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => crate::yaml::parse(&text, SETTINGS_FILE, 0),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
        Err(e) => Err(Diagnostic::error(
            SETTINGS_FILE,
            format!("cannot read the settings: {e}"),
        )),
    }
}

/// Reads every table under `site/data/employment/`: the rows, and every problem found.
pub fn load_tables(config: &Config, codes: &Codes) -> (Vec<Record>, Vec<Diagnostic>) {
    let mut table = Table {
        codes,
        records: Vec::new(),
        diags: Vec::new(),
        seen: HashMap::new(),
        files: Vec::new(),
    };
    for path in table_files(config) {
        let file = display_path(&config.root, &path);
        match std::fs::read_to_string(&path) {
            Ok(text) => table.parse(&text, &file),
            Err(e) => table.diags.push(Diagnostic::error(
                &file,
                format!("cannot read the table: {e}"),
            )),
        }
    }
    (table.records, table.diags)
}

/// The rows read so far, across files, so that duplicates between files are found too.
struct Table<'a> {
    codes: &'a Codes,
    records: Vec<Record>,
    diags: Vec<Diagnostic>,
    /// (year, province, division) → the file (an index into `files`) and line of its first row.
    seen: HashMap<(i32, String, String), (usize, usize)>,
    files: Vec<String>,
}

/// One field of a CSV line and the column it starts at (1-based, in characters).
struct Field<'a> {
    /// Borrowed from the line unless the field is quoted.
    text: Cow<'a, str>,
    column: usize,
}

/// Where each of `COLUMNS` is in a file's rows.
struct Positions([Option<usize>; COLUMNS.len()]);

impl Positions {
    fn of(header: &[String]) -> Positions {
        Positions(COLUMNS.map(|name| header.iter().position(|h| h == name)))
    }

    fn index(&self, name: &str) -> Option<usize> {
        let at = COLUMNS.iter().position(|c| *c == name)?;
        self.0[at]
    }
}

impl Table<'_> {
    fn parse(&mut self, text: &str, file: &str) {
        let mut lines = text.lines().enumerate();
        let Some((_, header)) = lines.next() else {
            self.diags.push(
                Diagnostic::error(file, "the table is empty")
                    .help(format!("start with the header line: {}", COLUMNS.join(","))),
            );
            return;
        };
        let Some(columns) = self.header(header.trim_start_matches('\u{feff}'), file) else {
            return;
        };
        let positions = Positions::of(&columns);
        self.files.push(file.to_string());
        for (i, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let at = i + 1;
            match split_line(line) {
                Ok(fields) if fields.len() == columns.len() => {
                    self.row(&positions, &fields, file, at);
                }
                Ok(fields) => self.diags.push(
                    Diagnostic::error(
                        file,
                        format!(
                            "this row has {} fields, the header has {}",
                            fields.len(),
                            columns.len()
                        ),
                    )
                    .at(at, 1)
                    .help("write one value per column, leaving optional ones empty (`,,`); quote values that contain a comma"),
                ),
                Err(column) => self.diags.push(
                    Diagnostic::error(file, "a quoted value is not closed")
                        .at(at, column)
                        .help("close the quote with `\"`; write a quote inside a value as `\"\"`"),
                ),
            }
        }
    }

    /// The column names in file order, or None after reporting what is wrong with them.
    fn header(&mut self, line: &str, file: &str) -> Option<Vec<String>> {
        let fields = split_line(line).unwrap_or_default();
        let mut ok = true;
        for f in &fields {
            if !COLUMNS.contains(&f.text.as_ref()) {
                ok = false;
                let mut d =
                    Diagnostic::error(file, format!("unknown column `{}`", f.text)).at(1, f.column);
                d = match did_you_mean(&f.text, COLUMNS.iter().copied()) {
                    Some(s) => d.help(format!("did you mean `{s}`? see docs/sectors.md")),
                    None => d.help(format!("the columns are: {}", COLUMNS.join(", "))),
                };
                self.diags.push(d);
            }
        }
        let has = |name: &str| fields.iter().any(|f| f.text == name);
        for (a, b) in [("ibbs3", "region"), ("nace2", "activity")] {
            if has(a) && has(b) {
                ok = false;
                self.diags.push(
                    Diagnostic::error(file, format!("the table has both `{a}` and `{b}`"))
                        .at(1, 1)
                        .help(format!("keep one of them: `{a}` for provinces or divisions only, `{b}` for any level (see docs/sectors.md)")),
                );
            }
        }
        for required in [
            "year",
            "ibbs3|region",
            "nace2|activity",
            "employees",
            "source",
        ] {
            if !required.split('|').any(has) {
                ok = false;
                self.diags.push(
                    Diagnostic::error(
                        file,
                        format!(
                            "the column `{}` is missing",
                            required.replace('|', "` or `")
                        ),
                    )
                    .at(1, 1)
                    .help(format!("the header line is: {}", COLUMNS.join(","))),
                );
            }
        }
        ok.then(|| fields.into_iter().map(|f| f.text.into_owned()).collect())
    }

    fn row(&mut self, positions: &Positions, fields: &[Field<'_>], file: &str, line: usize) {
        let empty = Field {
            text: Cow::Borrowed(""),
            column: 1,
        };
        let field = |name: &str| positions.index(name).map(|i| &fields[i]);
        let get = |name: &str| field(name).unwrap_or(&empty);
        let before = self.diags.len();
        let year = self.year(get("year"), file, line);
        let province = match field("region") {
            Some(f) => self.region(f, file, line),
            None => self.province(get("ibbs3"), file, line),
        };
        let sector = match field("activity") {
            Some(f) => self.activity(f, file, line),
            None => self.sector(get("nace2"), file, line),
        };
        let flags = self.flags(get("flags"), file, line);
        let employees = self.count(get("employees"), "employees", file, line);
        let workplaces = match get("workplaces").text.trim() {
            "" => None,
            _ => self.count(get("workplaces"), "workplaces", file, line),
        };
        let source = get("source").text.trim().to_string();
        if source.is_empty() {
            self.diags.push(
                Diagnostic::error(file, "the row has no source")
                    .at(line, get("source").column)
                    .help("name the publisher (SGK, TÜİK) or write `sample` for made-up figures"),
            );
        }
        if self.diags.len() > before {
            return;
        }
        let (Some(year), Some(employees)) = (year, employees) else {
            return;
        };
        let key = (year, province.clone(), sector.clone());
        if let Some(&(first_file, first_line)) = self.seen.get(&key) {
            let first = format!("{}:{first_line}", self.files[first_file]);
            self.diags.push(
                Diagnostic::error(
                    file,
                    format!(
                        "a second row for {year}, {province}, {} {sector}: the first is at {first}",
                        match ActivityLevel::of(&sector) {
                            ActivityLevel::Division => "division",
                            _ => "activity",
                        }
                    ),
                )
                .at(line, 1)
                .help("keep one row per year, area and activity; delete or correct one of them"),
            );
            return;
        }
        self.seen.insert(key, (self.files.len() - 1, line));
        self.records.push(Record {
            year,
            province,
            sector,
            employees,
            workplaces,
            flags,
            source: Source {
                source,
                table: get("source_table").text.trim().to_string(),
                retrieved_on: get("retrieved_on").text.trim().to_string(),
            },
        });
    }

    fn year(&mut self, f: &Field, file: &str, line: usize) -> Option<i32> {
        match f.text.trim().parse::<i32>() {
            Ok(y) if (1900..=2100).contains(&y) => Some(y),
            _ => {
                self.diags.push(
                    Diagnostic::error(file, format!("`{}` is not a year", f.text))
                        .at(line, f.column)
                        .help("write the year the figures refer to, with four digits (2024)"),
                );
                None
            }
        }
    }

    fn province(&mut self, f: &Field, file: &str, line: usize) -> String {
        let code = f.text.trim().to_string();
        if !self.codes.provinces.contains(&code) {
            let help = match self.codes.province_names.get(&slugify(&code)) {
                Some(c) => format!("write the province's İBBS-3 code: `{c}`"),
                None => "write the province's İBBS-3 code as in surveys/lists/iller.yaml (TR510 for Ankara)".to_string(),
            };
            self.diags.push(
                Diagnostic::error(file, format!("unknown province `{code}`"))
                    .at(line, f.column)
                    .help(help),
            );
        }
        code
    }

    fn sector(&mut self, f: &Field, file: &str, line: usize) -> String {
        let code = f.text.trim().to_string();
        if !self.codes.sectors.contains(&code) {
            let padded = format!("0{code}");
            let help = if self.codes.sectors.contains(&padded) {
                format!("write division codes with two digits: `{padded}`")
            } else {
                "write a two-digit NACE Rev. 2 division as in surveys/lists/nace_bolumleri.yaml (10 for food products)".to_string()
            };
            self.diags.push(
                Diagnostic::error(file, format!("unknown NACE Rev. 2 division `{code}`"))
                    .at(line, f.column)
                    .help(help),
            );
        }
        code
    }

    /// A code of the `region` column: the country, an İBBS-1, İBBS-2 or İBBS-3 code.
    fn region(&mut self, f: &Field, file: &str, line: usize) -> String {
        let code = f.text.trim().to_string();
        match AreaLevel::of(&code) {
            AreaLevel::Country if code == COUNTRY => code,
            AreaLevel::Ibbs3 => self.province(f, file, line),
            AreaLevel::Ibbs1 | AreaLevel::Ibbs2 if self.codes.regions.contains(&code) => code,
            _ => {
                self.diags.push(
                    Diagnostic::error(file, format!("unknown region `{code}`"))
                        .at(line, f.column)
                        .help("write `TR` for the country, or an İBBS code: TR4 (İBBS-1), TR41 (İBBS-2, as in surveys/lists/ibbs_bolgeler.yaml) or TR411 (İBBS-3, surveys/lists/iller.yaml)"),
                );
                code
            }
        }
    }

    /// A code of the `activity` column: `TOTAL`, a section, a group of sections or a division.
    fn activity(&mut self, f: &Field, file: &str, line: usize) -> String {
        let code = f.text.trim().to_string();
        let known = code == TOTAL
            || self.codes.sections.contains(&code)
            || SECTION_GROUPS.contains(&code.as_str());
        if known {
            return code;
        }
        if code.bytes().all(|b| b.is_ascii_digit()) {
            return self.sector(f, file, line);
        }
        self.diags.push(
            Diagnostic::error(file, format!("unknown activity `{code}`"))
                .at(line, f.column)
                .help(format!(
                    "write `{TOTAL}`, a NACE Rev. 2 section (A … U), one of Eurostat's groups ({}) or a two-digit division",
                    SECTION_GROUPS.join(", ")
                )),
        );
        code
    }

    fn flags(&mut self, f: &Field, file: &str, line: usize) -> String {
        let flags = f.text.trim().to_string();
        if let Some((i, c)) = flags.char_indices().find(|(_, c)| !FLAGS.contains(*c)) {
            self.diags.push(
                Diagnostic::error(file, format!("unknown flag `{c}` in `{flags}`"))
                    .at(line, f.column + i)
                    .help(format!(
                        "flags are Eurostat's letters, written together: {} (see docs/sectors.md)",
                        FLAGS
                            .chars()
                            .map(String::from)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
            );
        }
        flags
    }

    fn count(&mut self, f: &Field, column: &str, file: &str, line: usize) -> Option<Count> {
        let text = f.text.trim();
        if text == CONFIDENTIAL {
            return Some(Count::Confidential);
        }
        let problem = match text.parse::<i64>() {
            Ok(n) if n >= 0 => return Some(Count::Known(n as u64)),
            Ok(_) => format!("`{column}` is negative: `{text}`"),
            Err(_) => format!("`{column}` is not a whole number: `{text}`"),
        };
        self.diags.push(
            Diagnostic::error(file, problem)
                .at(line, f.column)
                .help(format!("write a count of zero or more without separators (1234), or `{CONFIDENTIAL}` for a cell the publisher withheld")),
        );
        None
    }
}

/// Splits one CSV line at commas, honouring double quotes. Err: the column of an unclosed
/// quote. A field without quotes is borrowed from the line.
fn split_line(line: &str) -> Result<Vec<Field<'_>>, usize> {
    let mut fields = Vec::new();
    let mut rest = line;
    let mut column = 1;
    loop {
        let start = column;
        let mut quoted = String::new();
        let is_quoted = rest.starts_with('"');
        if is_quoted {
            let mut chars = rest[1..].char_indices().peekable();
            column += 1;
            let end = loop {
                match chars.next() {
                    Some((_, '"')) if chars.peek().map(|&(_, c)| c) == Some('"') => {
                        chars.next();
                        column += 2;
                        quoted.push('"');
                    }
                    Some((i, '"')) => {
                        column += 1;
                        break i + 2;
                    }
                    Some((_, c)) => {
                        column += 1;
                        quoted.push(c);
                    }
                    None => return Err(start),
                }
            };
            rest = &rest[end..];
        }
        let plain_end = rest.find(',').unwrap_or(rest.len());
        let plain = &rest[..plain_end];
        column += plain.chars().count();
        let text = if is_quoted {
            quoted.push_str(plain);
            Cow::Owned(quoted)
        } else {
            Cow::Borrowed(plain)
        };
        fields.push(Field {
            text,
            column: start,
        });
        if plain_end == rest.len() {
            return Ok(fields);
        }
        rest = &rest[plain_end + 1..];
        column += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_line_reports_columns_and_quotes() {
        let f = split_line("2024,\"a, b\",,x\"\"").unwrap();
        let got: Vec<(&str, usize)> = f.iter().map(|f| (f.text.as_ref(), f.column)).collect();
        assert_eq!(got, [("2024", 1), ("a, b", 6), ("", 13), ("x\"\"", 14)]);
        assert_eq!(split_line("1,\"open").err(), Some(3));
        // Columns count characters, not bytes; text after a closing quote is kept.
        let f = split_line("\"İl\"x,ü,").unwrap();
        let got: Vec<(&str, usize)> = f.iter().map(|f| (f.text.as_ref(), f.column)).collect();
        assert_eq!(got, [("İlx", 1), ("ü", 7), ("", 9)]);
    }
}
