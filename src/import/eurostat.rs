//! Eurostat's tab-separated bulk format (`lfst_r_lfe2en2.tsv` and the other regional tables of
//! its shape) → Kume's employment table.
//!
//! The layout: a header whose first cell names the dimensions (`unit,nace_r2,age,geo\time`)
//! followed by one column per year; each row's first cell holds the dimension codes, each
//! other cell a figure or `:` (not available), optionally followed by a space and flags
//! (`1540.4 b`, `: c`). Figures in thousands (`THS`) become persons: the decimal is scaled
//! exactly, never through floating point.

use std::collections::{BTreeMap, BTreeSet};

use crate::analyse::input::FLAGS;
use crate::diagnostics::Diagnostic;

/// What to take from the table.
#[derive(Debug, Clone)]
pub struct Options {
    /// Country code; every region whose code starts with it is taken (`TR`, `TR4`, `TR41`).
    pub country: String,
    pub age: String,
    /// `THS` (thousands of persons, converted to persons) or `NR` (persons).
    pub unit: String,
    /// Used only when the table has a `sex` dimension.
    pub sex: String,
    /// The dataset code written in `source_table` (`lfst_r_lfe2en2`).
    pub table: String,
    /// The date the file was downloaded (YYYY-MM-DD), written in `retrieved_on`.
    pub retrieved_on: String,
}

/// What the conversion did, for the command's report.
#[derive(Debug, Default, PartialEq)]
pub struct Summary {
    pub rows: usize,
    pub confidential: usize,
    /// `:` cells without a confidentiality flag: left out of the table.
    pub missing: usize,
    /// `NRP` (no response) rows: not an activity, left out.
    pub no_response: usize,
    pub flagged: usize,
    pub years: BTreeSet<i32>,
    pub regions: BTreeSet<String>,
    pub activities: BTreeSet<String>,
}

const HEADER: &str = "year,region,activity,employees,flags,source,source_table,retrieved_on,note";
/// The dimensions Kume filters on. `freq` and `sex` come with Eurostat's current API download
/// (`freq,unit,nace_r2,age,sex,geo\TIME_PERIOD`); the older bulk files lack them.
const DIMENSIONS: [&str; 6] = ["freq", "unit", "nace_r2", "age", "sex", "geo"];

/// The scale of a unit to persons: the number of decimals a figure may have.
fn unit_decimals(unit: &str) -> Option<u32> {
    match unit {
        "THS" => Some(3),
        "NR" => Some(0),
        _ => None,
    }
}

/// One figure as published.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Persons(u64),
    Confidential,
    Missing,
}

/// Converts the table; every problem found, each at its `file:line:column`.
pub fn convert(
    text: &str,
    file: &str,
    opts: &Options,
) -> Result<(String, Summary), Vec<Diagnostic>> {
    let Some(decimals) = unit_decimals(&opts.unit) else {
        return Err(vec![
            Diagnostic::error(
                file,
                format!("the unit `{}` is not a count of persons", opts.unit),
            )
            .help("pass --unit THS (thousands of persons) or --unit NR (persons)"),
        ]);
    };
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(vec![Diagnostic::error(file, "the file is empty").help(
            "download the table again from Eurostat (bulk download, TSV)",
        )]);
    };
    let layout = Layout::read(header.trim_start_matches('\u{feff}'), file)?;
    let mut diags = Vec::new();
    let mut summary = Summary::default();
    let mut cells: BTreeMap<(i32, String, String), (Value, String, String)> = BTreeMap::new();
    let mut seen_lines: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut available: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (i, line) in lines {
        let at = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let keys: Vec<&str> = fields.next().unwrap_or_default().split(',').collect();
        if keys.len() != layout.dimensions.len() {
            diags.push(
                Diagnostic::error(
                    file,
                    format!(
                        "this row has {} dimension codes, the header names {}",
                        keys.len(),
                        layout.dimensions.len()
                    ),
                )
                .at(at, 1)
                .help(format!(
                    "the first cell holds the codes of {}, separated by commas",
                    layout.dimensions.join(", ")
                )),
            );
            continue;
        }
        let key = |name: &str| {
            layout
                .dimensions
                .iter()
                .position(|d| d == name)
                .map(|p| keys[p].trim())
        };
        for (d, k) in layout.dimensions.iter().zip(&keys) {
            available
                .entry(d.as_str())
                .or_default()
                .insert(k.trim().to_string());
        }
        let wanted = key("unit") == Some(opts.unit.as_str())
            && key("freq").is_none_or(|f| f == "A")
            && key("age").is_none_or(|a| a == opts.age)
            && key("sex").is_none_or(|s| s == opts.sex)
            && key("geo").is_some_and(|g| g.starts_with(&opts.country));
        if !wanted {
            continue;
        }
        let (geo, nace) = (
            key("geo").unwrap_or_default(),
            key("nace_r2").unwrap_or_default(),
        );
        if nace == "NRP" {
            summary.no_response += 1;
            continue;
        }
        if let Some(first) = seen_lines.insert((geo.to_string(), nace.to_string()), at) {
            diags.push(
                Diagnostic::error(
                    file,
                    format!("a second row for {geo}, {nace}: the first is at line {first}"),
                )
                .at(at, 1)
                .help("keep one row per region and activity; download the table again"),
            );
            continue;
        }
        let mut column = line.find('\t').map_or(line.len(), |p| p + 1) + 1;
        let mut count = 0;
        for (year, cell) in layout.years.iter().zip(fields.by_ref()) {
            count += 1;
            match parse_value(cell, decimals) {
                Ok((value, flags)) => {
                    let note = match &value {
                        Value::Persons(_) if opts.unit == "THS" => {
                            format!(
                                "{} thousand persons × 1000",
                                cell.split(' ').next().unwrap_or_default().trim()
                            )
                        }
                        _ => String::new(),
                    };
                    cells.insert(
                        (*year, geo.to_string(), nace.to_string()),
                        (value, flags, note),
                    );
                }
                Err((offset, problem, help)) => diags.push(
                    Diagnostic::error(file, format!("{problem} ({geo}, {nace}, {year})"))
                        .at(at, column + offset)
                        .help(help),
                ),
            }
            column += cell.chars().count() + 1;
        }
        if count != layout.years.len() || fields.next().is_some() {
            diags.push(
                Diagnostic::error(
                    file,
                    format!(
                        "this row has {} figures, the header has {} years",
                        count + fields.count(),
                        layout.years.len()
                    ),
                )
                .at(at, 1)
                .help("each row has one tab-separated cell per year of the header"),
            );
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    if cells.is_empty() {
        let list = |d: &str| {
            available
                .get(d)
                .map(|s| s.iter().take(40).cloned().collect::<Vec<_>>().join(" "))
                .unwrap_or_default()
        };
        return Err(vec![
            Diagnostic::error(
                file,
                format!(
                    "no row for unit {}, age {}, country {}",
                    opts.unit, opts.age, opts.country
                ),
            )
            .help(format!(
                "the file has units: {}; ages: {}; pass the ones you want with --unit and --age",
                list("unit"),
                list("age")
            )),
        ]);
    }
    Ok(write(&cells, opts, summary))
}

fn write(
    cells: &BTreeMap<(i32, String, String), (Value, String, String)>,
    opts: &Options,
    mut summary: Summary,
) -> (String, Summary) {
    let mut out = String::from(HEADER);
    out.push('\n');
    for ((year, geo, nace), (value, flags, note)) in cells {
        let employees = match value {
            Value::Missing => {
                summary.missing += 1;
                continue;
            }
            Value::Confidential => {
                summary.confidential += 1;
                "C".to_string()
            }
            Value::Persons(n) => n.to_string(),
        };
        if !flags.is_empty() {
            summary.flagged += 1;
        }
        summary.rows += 1;
        summary.years.insert(*year);
        summary.regions.insert(geo.clone());
        summary.activities.insert(nace.clone());
        out.push_str(&format!(
            "{year},{geo},{nace},{employees},{flags},Eurostat,{},{},{note}\n",
            opts.table, opts.retrieved_on
        ));
    }
    (out, summary)
}

/// The header: the dimensions and the years of the columns.
struct Layout {
    dimensions: Vec<String>,
    years: Vec<i32>,
}

impl Layout {
    fn read(header: &str, file: &str) -> Result<Layout, Vec<Diagnostic>> {
        let mut cells = header.split('\t');
        let first = cells.next().unwrap_or_default();
        let Some((dims, time)) = first.rsplit_once('\\') else {
            return Err(vec![Diagnostic::error(file, "the first cell of the header does not end in `\\time`")
                .at(1, 1)
                .help("this is not Eurostat's bulk TSV layout (e.g. `unit,nace_r2,age,geo\\time`); download the table as TSV from the bulk download facility")]);
        };
        let mut diags = Vec::new();
        if !time.trim().eq_ignore_ascii_case("time") && time.trim() != "TIME_PERIOD" {
            diags.push(
                Diagnostic::error(
                    file,
                    format!("the columns are `{}`, not years", time.trim()),
                )
                .at(1, dims.len() + 2)
                .help("download the table with time in the columns (`geo\\time`)"),
            );
        }
        let dimensions: Vec<String> = dims.split(',').map(|d| d.trim().to_string()).collect();
        let mut column = 1;
        for d in &dimensions {
            if !DIMENSIONS.contains(&d.as_str()) {
                diags.push(
                    Diagnostic::error(
                        file,
                        format!("the dimension `{d}` is not one Kume can filter"),
                    )
                    .at(1, column)
                    .help(format!(
                        "Kume reads regional NACE tables with the dimensions {}",
                        DIMENSIONS.join(", ")
                    )),
                );
            }
            column += d.chars().count() + 1;
        }
        for required in ["unit", "nace_r2", "geo"] {
            if !dimensions.iter().any(|d| d == required) {
                diags.push(Diagnostic::error(file, format!("the dimension `{required}` is missing"))
                    .at(1, 1)
                    .help("this importer reads regional tables by NACE Rev. 2 activity (`nace_r2`) and region (`geo`)"));
            }
        }
        let mut years = Vec::new();
        let mut column = first.chars().count() + 2;
        for cell in cells {
            match cell.trim().parse::<i32>() {
                Ok(y) if (1900..=2100).contains(&y) => years.push(y),
                _ => diags.push(Diagnostic::error(file, format!("`{}` is not a year", cell.trim()))
                    .at(1, column)
                    .help("Kume imports annual tables; download the annual table (a column per year)")),
            }
            column += cell.chars().count() + 1;
        }
        if diags.is_empty() {
            Ok(Layout { dimensions, years })
        } else {
            Err(diags)
        }
    }
}

/// A cell: the figure and its flags; Err: (offset in the cell, problem, what to do).
fn parse_value(cell: &str, decimals: u32) -> Result<(Value, String), (usize, String, String)> {
    let cell = cell.trim_end();
    let (figure, flags) = match cell.split_once(' ') {
        Some((f, fl)) => (f, fl.trim()),
        None => (cell, ""),
    };
    if let Some(i) = flags.find(|c: char| !FLAGS.contains(c)) {
        return Err((
            figure.len() + 1 + i,
            format!("unknown flag in `{cell}`"),
            format!(
                "Eurostat's flags are {}; download the table again",
                FLAGS
                    .chars()
                    .map(String::from)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if figure == ":" {
        let value = if flags.contains('c') {
            Value::Confidential
        } else {
            Value::Missing
        };
        return Ok((value, flags.to_string()));
    }
    persons(figure, decimals)
        .map(|n| (Value::Persons(n), flags.to_string()))
        .ok_or_else(|| {
            (
                0,
                format!("`{figure}` is not a count"),
                format!("a figure is a number of zero or more with at most {decimals} decimals (persons), or `:`"),
            )
        })
}

/// `1540.4` thousands → 1 540 400 persons, exactly; None when the figure is not a
/// non-negative number or has more decimals than the unit allows.
fn persons(figure: &str, decimals: u32) -> Option<u64> {
    let (whole, fraction) = figure.split_once('.').unwrap_or((figure, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > decimals as usize
    {
        return None;
    }
    let scale = 10u64.pow(decimals);
    let frac = if fraction.is_empty() {
        0
    } else {
        fraction.parse::<u64>().ok()? * 10u64.pow(decimals - fraction.len() as u32)
    };
    whole
        .parse::<u64>()
        .ok()?
        .checked_mul(scale)?
        .checked_add(frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> Options {
        Options {
            country: "TR".into(),
            age: "Y_GE15".into(),
            unit: "THS".into(),
            sex: "T".into(),
            table: "lfst_r_lfe2en2".into(),
            retrieved_on: "2026-12-02".into(),
        }
    }

    #[test]
    fn thousands_become_persons_exactly() {
        assert_eq!(persons("1540.4", 3), Some(1_540_400));
        assert_eq!(persons("0.001", 3), Some(1));
        assert_eq!(persons("12", 3), Some(12_000));
        assert_eq!(persons("1.2345", 3), None);
        assert_eq!(persons("-1", 3), None);
        assert_eq!(persons("12", 0), Some(12));
    }

    #[test]
    fn flags_missing_and_confidential_cells() {
        let text = "unit,nace_r2,age,geo\\time\t2015 \t2014 \n\
THS,B-E,Y_GE15,TR41\t1540.4 u\t: \n\
THS,F,Y_GE15,TR41\t: c\t12.0 bu\n\
THS,NRP,Y_GE15,TR41\t1.0 \t1.0 \n\
THS,F,Y15-24,TR41\t1.0 \t1.0 \n\
THS,F,Y_GE15,AT11\t1.0 \t1.0 \n";
        let (csv, s) = convert(text, "t.tsv", &opts()).unwrap();
        assert_eq!(
            csv,
            format!(
                "{HEADER}\n\
2014,TR41,F,12000,bu,Eurostat,lfst_r_lfe2en2,2026-12-02,12.0 thousand persons × 1000\n\
2015,TR41,B-E,1540400,u,Eurostat,lfst_r_lfe2en2,2026-12-02,1540.4 thousand persons × 1000\n\
2015,TR41,F,C,c,Eurostat,lfst_r_lfe2en2,2026-12-02,\n"
            )
        );
        assert_eq!(
            (s.rows, s.missing, s.confidential, s.no_response, s.flagged),
            (3, 1, 1, 1, 3)
        );
    }

    #[test]
    fn the_current_api_layout_with_freq_and_sex_is_read() {
        let text = "freq,unit,nace_r2,age,sex,geo\\TIME_PERIOD\t2014 \t2015 \n\
A,THS,F,Y_GE15,T,TR41\t12.0 \t13.0 b\n\
A,THS,F,Y_GE15,M,TR41\t9.0 \t9.0 \n";
        let (csv, s) = convert(text, "t.tsv", &opts()).unwrap();
        assert_eq!(s.rows, 2);
        assert!(csv.contains("2015,TR41,F,13000,b,Eurostat,"), "{csv}");
    }

    #[test]
    fn bad_cells_are_reported_at_their_column() {
        let text = "unit,nace_r2,age,geo\\time\t2015 \t2014 \nTHS,F,Y_GE15,TR41\t1.0 \t1,2 \n";
        let d = convert(text, "t.tsv", &opts()).unwrap_err();
        assert_eq!(d.len(), 1);
        let shown = d[0].to_string();
        assert!(shown.contains("t.tsv:2:24"), "{shown}");
        assert!(shown.contains("`1,2` is not a count"), "{shown}");
        let d = convert("unit,nace_r2,age,geo\\time\t2015Q1 \n", "t.tsv", &opts()).unwrap_err();
        assert!(d[0].to_string().contains("t.tsv:1:27"), "{}", d[0]);
    }
}
