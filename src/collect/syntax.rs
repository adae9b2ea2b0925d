//! The SPSS syntax file and the R script written beside a CSV export: each reads the CSV as
//! written (delimiter, decimal mark, UTF-8 with BOM) and applies the variable labels and the
//! value labels of the survey, so an analyst starts from labelled data, not from codes.

use super::export::{Cell, Column, Table};
use crate::survey::model::Text;

/// What both scripts need to know.
pub struct Spec<'a> {
    pub table: &'a Table,
    /// The CSV's file name; the scripts expect it in their own folder.
    pub data_file: &'a str,
    pub semicolon: bool,
    /// The language of the labels.
    pub lang: &'a str,
    pub title: String,
}

/// How one column is read: as numbers or as text, and how wide.
struct Variable<'a> {
    col: &'a Column,
    /// The SPSS name (SPSS allows fewer characters than a column heading has).
    spss: String,
    numeric: bool,
    /// Bytes of the longest value (text) or decimals shown (numbers).
    width: usize,
    decimals: usize,
}

fn label_in(t: &Text, lang: &str) -> String {
    t.get(lang)
        .or_else(|| t.values().next())
        .cloned()
        .unwrap_or_default()
}

/// Reads the data to decide each column's type: numbers only when every value is a number.
fn variables<'a>(spec: &Spec<'a>) -> Vec<Variable<'a>> {
    let mut taken = std::collections::BTreeSet::new();
    spec.table
        .cols
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let cells = spec.table.rows.iter().map(|r| &r[i]);
            let any_text = cells.clone().any(|c| matches!(c, Cell::Text(_)));
            let any_number = cells.clone().any(|c| matches!(c, Cell::Number(_)));
            let numeric = !any_text && (any_number || col.numeric);
            let width = cells
                .clone()
                .map(|c| c.csv(false).len())
                .chain(col.codes.iter().map(|c| c.value.len()))
                .max()
                .unwrap_or(1)
                .clamp(1, 32_767);
            let decimals = cells
                .filter_map(|c| match c {
                    Cell::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .map(|s| s.split_once('.').map_or(0, |(_, d)| d.len()))
                .max()
                .unwrap_or(0)
                .min(6);
            Variable {
                col,
                spss: spss_name(&col.name, &mut taken),
                numeric,
                width,
                decimals,
            }
        })
        .collect()
}

const SPSS_RESERVED: [&str; 13] = [
    "ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH",
];

/// A valid, unique SPSS variable name for a column heading: ASCII letters, digits, `_` and
/// `.`, starting with a letter, at most 64 bytes, not a reserved word.
fn spss_name(name: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s.insert(0, 'v');
    }
    s.truncate(60);
    while s.ends_with('.') {
        s.pop();
    }
    if SPSS_RESERVED.contains(&s.to_ascii_uppercase().as_str()) {
        s.push('_');
    }
    let mut unique = s.clone();
    let mut n = 2;
    while taken.contains(&unique.to_ascii_uppercase()) {
        unique = format!("{s}_{n}");
        n += 1;
    }
    taken.insert(unique.to_ascii_uppercase());
    unique
}

/// A quoted SPSS string: one line, quotes doubled, at most `max` bytes (SPSS's limits on
/// labels; the full text is in the codebook).
fn spss_string(s: &str, max: usize) -> String {
    let mut one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.len() > max {
        let mut end = max;
        while !one_line.is_char_boundary(end) {
            end -= 1;
        }
        one_line.truncate(end);
    }
    format!("'{}'", one_line.replace('\'', "''"))
}

fn spss_value(v: &Variable<'_>, value: &str) -> String {
    if v.numeric {
        value.to_string()
    } else {
        spss_string(value, 32_767)
    }
}

/// How many text answers hold a line break: SPSS and PSPP read one as the end of a case.
pub fn line_breaks(table: &Table) -> usize {
    table
        .rows
        .iter()
        .flatten()
        .filter(|c| matches!(c, Cell::Text(t) if t.contains(['\n', '\r'])))
        .count()
}

/// The SPSS syntax file (PSPP reads it too).
pub fn spss(spec: &Spec<'_>) -> String {
    let vars = variables(spec);
    let mut s = String::new();
    s.push_str("* Encoding: UTF-8.\n");
    let breaks = line_breaks(spec.table);
    if breaks > 0 {
        s.push_str(&format!(
            "* WARNING: {breaks} text answers hold line breaks, which GET DATA reads as the end of a case.\n* Read those with the R script or the XLSX export, or remove the line breaks in the CSV first.\n"
        ));
    }
    s.push_str(&format!(
        "* {}: final responses, read from {} with their labels ({}).\n",
        spss_string(&spec.title, 200).trim_matches('\''),
        spec.data_file,
        spec.lang
    ));
    s.push_str("* Run it in the folder that holds the CSV, or write the full path after /FILE.\n");
    s.push_str("* Kolon ve değer etiketleri anketten gelir; tam metinler kod kitabındadır (codebook.csv).\n");
    s.push_str("* The codebook (codebook.csv) has every label in Turkish and English.\n\n");
    if spec.semicolon {
        s.push_str("SET DECIMAL=COMMA.\n");
    } else {
        s.push_str("SET DECIMAL=DOT.\n");
    }
    s.push_str("GET DATA\n  /TYPE=TXT\n");
    s.push_str(&format!(
        "  /FILE={}\n",
        spss_string(spec.data_file, 32_767)
    ));
    s.push_str("  /ENCODING='UTF-8'\n  /ARRANGEMENT=DELIMITED\n  /DELCASE=LINE\n  /FIRSTCASE=2\n");
    s.push_str(&format!(
        "  /DELIMITERS=\"{}\"\n  /QUALIFIER='\"'\n  /VARIABLES=\n",
        if spec.semicolon { ';' } else { ',' }
    ));
    for v in &vars {
        // Numbers are read without implied decimals (F40.0 reads "2.5" as 2.5, not 0.025).
        let format = if v.numeric {
            "F40.0".to_string()
        } else {
            format!("A{}", v.width)
        };
        s.push_str(&format!("    {} {format}\n", v.spss));
    }
    s.push_str(".\n\n");
    let numbers: Vec<&Variable<'_>> = vars.iter().filter(|v| v.numeric).collect();
    if !numbers.is_empty() {
        s.push_str("FORMATS\n");
        for v in &numbers {
            s.push_str(&format!("  {} (F12.{})\n", v.spss, v.decimals));
        }
        s.push_str(".\n\n");
    }
    s.push_str("VARIABLE LABELS\n");
    for (i, v) in vars.iter().enumerate() {
        let sep = if i == 0 { "  " } else { "  /" };
        let label = label_in(&v.col.label, spec.lang);
        s.push_str(&format!("{sep}{} {}\n", v.spss, spss_string(&label, 255)));
    }
    s.push_str(".\n\n");
    let coded: Vec<&Variable<'_>> = vars.iter().filter(|v| !v.col.codes.is_empty()).collect();
    if !coded.is_empty() {
        s.push_str("VALUE LABELS\n");
        for v in &coded {
            s.push_str(&format!("  /{}", v.spss));
            for code in &v.col.codes {
                let label = label_in(&code.label, spec.lang);
                s.push_str(&format!(
                    " {} {}",
                    spss_value(v, &code.value),
                    spss_string(&label, 120)
                ));
            }
            s.push('\n');
        }
        s.push_str(".\n\n");
        // An empty text answer is a question not answered (or not shown), not a code.
        let text_codes: Vec<&str> = coded
            .iter()
            .filter(|v| !v.numeric)
            .map(|v| v.spss.as_str())
            .collect();
        if !text_codes.is_empty() {
            s.push_str(&format!("MISSING VALUES {} ('').\n", text_codes.join(" ")));
        }
        let nominal: Vec<&str> = coded.iter().map(|v| v.spss.as_str()).collect();
        s.push_str(&format!(
            "VARIABLE LEVEL {} (NOMINAL).\n",
            nominal.join(" ")
        ));
    }
    let scale: Vec<&str> = numbers
        .iter()
        .filter(|v| v.col.codes.is_empty())
        .map(|v| v.spss.as_str())
        .collect();
    if !scale.is_empty() {
        s.push_str(&format!("VARIABLE LEVEL {} (SCALE).\n", scale.join(" ")));
    }
    s.push_str("EXECUTE.\n\nDISPLAY DICTIONARY.\n");
    s.push_str(&format!(
        "* To keep it as an SPSS data file: SAVE OUTFILE={}.\n",
        spss_string(
            &format!(
                "{}.sav",
                spec.data_file
                    .rsplit_once('.')
                    .map_or(spec.data_file, |(stem, _)| stem)
            ),
            32_767
        )
    ));
    s
}

/// A double-quoted R string that reads the same in any locale: non-ASCII as `\u` escapes.
fn r_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => {}
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn r_vector(items: impl Iterator<Item = String>) -> String {
    format!("c({})", items.collect::<Vec<_>>().join(", "))
}

/// The R script: base R only (`read.csv`/`read.csv2`, factors, a `label` attribute).
pub fn r_script(spec: &Spec<'_>) -> String {
    let vars = variables(spec);
    let reader = if spec.semicolon {
        "read.csv2"
    } else {
        "read.csv"
    };
    let mut s = String::new();
    s.push_str(&format!(
        "# {}: final responses, read from {} with their labels ({}).\n",
        spec.title.replace('\n', " "),
        spec.data_file,
        spec.lang
    ));
    s.push_str(
        "# Base R only. Run it with `Rscript FILE.R`, or source() it: the data frame is `kume`.\n",
    );
    s.push_str("# Coded answers become factors with the survey's labels; every column keeps its\n");
    s.push_str(
        "# question text in attr(x, \"label\"). The codebook (codebook.csv) has every label\n",
    );
    s.push_str("# in Turkish and English.\n\n");
    s.push_str("kume_dir <- local({\n");
    s.push_str("  f <- tryCatch(sys.frame(1)$ofile, error = function(e) NULL)\n");
    s.push_str("  a <- grep(\"^--file=\", commandArgs(FALSE), value = TRUE)\n");
    s.push_str("  if (is.null(f) && length(a) > 0) f <- sub(\"^--file=\", \"\", a[1])\n");
    s.push_str("  if (is.null(f)) getwd() else dirname(normalizePath(f))\n");
    s.push_str("})\n");
    s.push_str(&format!(
        "kume <- {reader}(\n  file.path(kume_dir, {}),\n  fileEncoding = \"UTF-8-BOM\", encoding = \"UTF-8\",\n  check.names = FALSE, na.strings = \"\",\n  colClasses = {}\n)\n\n",
        r_string(spec.data_file),
        r_vector(vars.iter().map(|v| {
            r_string(if v.numeric { "numeric" } else { "character" })
        }))
    ));
    s.push_str("# Value labels.\n");
    for v in vars.iter().filter(|v| !v.col.codes.is_empty()) {
        let levels = r_vector(v.col.codes.iter().map(|c| {
            if v.numeric {
                c.value.clone()
            } else {
                r_string(&c.value)
            }
        }));
        let labels = r_vector(
            v.col
                .codes
                .iter()
                .map(|c| r_string(&label_in(&c.label, spec.lang))),
        );
        let name = r_string(&v.col.name);
        s.push_str(&format!(
            "kume[[{name}]] <- factor(kume[[{name}]], levels = {levels}, labels = {labels})\n"
        ));
    }
    s.push_str("\n# Variable labels.\nkume_labels <- c(\n");
    let labels: Vec<String> = vars
        .iter()
        .map(|v| {
            format!(
                "  {} = {}",
                r_string(&v.col.name),
                r_string(&label_in(&v.col.label, spec.lang))
            )
        })
        .collect();
    s.push_str(&labels.join(",\n"));
    s.push_str("\n)\n");
    s.push_str("for (n in names(kume_labels)) attr(kume[[n]], \"label\") <- kume_labels[[n]]\n\n");
    s.push_str("# Run as a script: how often each label was chosen.\n");
    s.push_str("if (!interactive()) {\n");
    s.push_str("  cat(nrow(kume), \"responses\\n\")\n");
    s.push_str("  for (n in names(kume)) if (is.factor(kume[[n]])) {\n");
    s.push_str("    cat(\"\\n\", n, \": \", attr(kume[[n]], \"label\"), \"\\n\", sep = \"\")\n");
    s.push_str("    print(table(kume[[n]], useNA = \"ifany\"))\n");
    s.push_str("  }\n}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_headings_become_valid_unique_spss_names() {
        let mut taken = std::collections::BTreeSet::new();
        assert_eq!(spss_name("uye_mi", &mut taken), "uye_mi");
        assert_eq!(spss_name("destek.veri", &mut taken), "destek.veri");
        assert_eq!(spss_name("destek-veri", &mut taken), "destek_veri");
        assert_eq!(spss_name("destek_veri", &mut taken), "destek_veri_2");
        assert_eq!(spss_name("2026.oran", &mut taken), "v2026.oran");
        assert_eq!(spss_name("by", &mut taken), "by_");
        assert_eq!(spss_name("UYE_MI", &mut taken), "UYE_MI_2");
        assert_eq!(spss_name("sonu.", &mut taken), "sonu");
    }

    #[test]
    fn strings_are_quoted_for_each_language() {
        assert_eq!(
            spss_string("Çalışan 'tam' sayısı", 255),
            "'Çalışan ''tam'' sayısı'"
        );
        assert_eq!(spss_string("ğğ", 3), "'ğ'");
        assert_eq!(r_string("Üye \"mi\"?\n"), "\"\\u00dcye \\\"mi\\\"?\\n\"");
        assert_eq!(r_string("😀"), "\"\\U0001f600\"");
    }
}
