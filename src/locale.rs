//! The language rules for numbers and dates, in one place: Turkish `1.234,5` and
//! `26 Kasım 2026`, English `1,234.5` and `26 November 2026`. Pages, forms, the collector
//! and exports all format and read through here.

use crate::text::Date;

/// A language's digit-group separator and decimal point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separators {
    pub group: char,
    pub point: char,
}

impl Separators {
    /// Turkish groups with `.` and marks decimals with `,`; every other language here the
    /// other way round.
    pub fn of(lang: &str) -> Separators {
        if lang == "tr" {
            Separators {
                group: '.',
                point: ',',
            }
        } else {
            Separators {
                group: ',',
                point: '.',
            }
        }
    }
}

/// Formats a number for a language: Turkish `1.234,5`, English `1,234.5`.
/// `decimals` is the number of digits after the separator (rounded).
pub fn format_number(value: f64, decimals: usize, lang: &str) -> String {
    let Separators { group, point } = Separators::of(lang);
    if !value.is_finite() {
        return value.to_string();
    }
    // Whole numbers (counts of employees, workplaces…) are most of a build's numbers: the
    // integer is written directly, without the float formatter's exact rounding.
    let fixed = if value.fract() == 0.0 && value.abs() < 1e15 {
        let whole = value.abs() as u64;
        if decimals == 0 {
            whole.to_string()
        } else {
            format!("{whole}.{:0<decimals$}", "")
        }
    } else {
        format!("{:.*}", decimals, value.abs())
    };
    let (int_part, frac_part) = match fixed.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (fixed.as_str(), None),
    };
    let mut out = String::with_capacity(fixed.len() + fixed.len() / 3 + 1);
    if value < 0.0 && fixed.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('-');
    }
    let digits = int_part.len();
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (digits - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if let Some(frac) = frac_part {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A number as typed on a page in `lang`: `1.234,5` (tr) or `1,234.5` (en). Plain `1234.5`
/// is accepted in both when it cannot be read otherwise.
pub fn parse_number(text: &str, lang: &str) -> Option<f64> {
    let t: String = text.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return None;
    }
    let Separators { group, point } = Separators::of(lang);
    let normalized: String =
        if t.contains(point) || t.matches(group).count() > 1 || group_shaped(&t, group) {
            t.replace(group, "").replace(point, ".")
        } else {
            t.replace(point, ".")
        };
    let valid = normalized.strip_prefix('-').unwrap_or(&normalized);
    if valid.is_empty()
        || !valid.chars().all(|c| c.is_ascii_digit() || c == '.')
        || valid.matches('.').count() > 1
    {
        return None;
    }
    normalized.parse().ok()
}

/// `1.234` on a Turkish page is one thousand two hundred thirty-four: a group separator
/// followed by exactly three digits.
fn group_shaped(t: &str, group: char) -> bool {
    t.split_once(group).is_some_and(|(a, b)| {
        !a.is_empty() && b.len() == 3 && b.chars().all(|c| c.is_ascii_digit())
    })
}

/// Pattern for locale number input: `1.234,56` in Turkish, `1,234.56` in English.
/// The HTML `pattern` of a number input in `lang` (digits with optional group separators).
pub fn number_pattern(lang: &str, integer: bool) -> String {
    let Separators { group, point } = Separators::of(lang);
    let escaped = |c: char| {
        if c == '.' {
            "\\.".to_string()
        } else {
            c.to_string()
        }
    };
    let (group, point) = (escaped(group), escaped(point));
    let frac = if integer {
        String::new()
    } else {
        format!("({point}[0-9]+)?")
    };
    format!("-?([0-9]{{1,3}}({group}[0-9]{{3}})+|[0-9]+){frac}")
}

const MONTHS_TR: [&str; 12] = [
    "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim",
    "Kasım", "Aralık",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `26 Kasım 2026` / `26 November 2026`.
pub fn long_date(d: Date, lang: &str) -> String {
    let months = if lang == "tr" { &MONTHS_TR } else { &MONTHS_EN };
    format!("{} {} {}", d.day, months[usize::from(d.month) - 1], d.year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_use_language_separators() {
        assert_eq!(format_number(1234.5, 1, "tr"), "1.234,5");
        assert_eq!(format_number(1234.5, 1, "en"), "1,234.5");
        assert_eq!(format_number(1234567.0, 0, "tr"), "1.234.567");
        assert_eq!(format_number(-0.04, 1, "tr"), "0,0");
        assert_eq!(format_number(-12.5, 2, "tr"), "-12,50");
        // Whole numbers take the integer path; the result is the same.
        assert_eq!(format_number(1234567.0, 2, "tr"), "1.234.567,00");
        assert_eq!(format_number(-3.0, 0, "en"), "-3");
        assert_eq!(format_number(-0.0, 1, "tr"), "0,0");
        assert_eq!(format_number(0.0, 0, "en"), "0");
        assert_eq!(format_number(1e16, 0, "en"), "10,000,000,000,000,000");
    }

    #[test]
    fn numbers_follow_the_page_language() {
        assert_eq!(parse_number("1.234,5", "tr"), Some(1234.5));
        assert_eq!(parse_number("1.234", "tr"), Some(1234.0));
        assert_eq!(parse_number("12,5", "tr"), Some(12.5));
        assert_eq!(parse_number("1,234.5", "en"), Some(1234.5));
        assert_eq!(parse_number("12.5", "en"), Some(12.5));
        assert_eq!(parse_number("-3", "tr"), Some(-3.0));
        assert_eq!(parse_number("12a", "tr"), None);
        assert_eq!(parse_number("", "tr"), None);
    }

    #[test]
    fn the_input_pattern_accepts_what_parse_number_reads() {
        let tr = regex::Regex::new(&format!("^{}$", number_pattern("tr", false))).unwrap();
        assert!(tr.is_match("1.234,5") && tr.is_match("12,5") && !tr.is_match("1,234.5"));
        let en = regex::Regex::new(&format!("^{}$", number_pattern("en", true))).unwrap();
        assert!(en.is_match("1,234") && !en.is_match("1.5"));
    }
}
