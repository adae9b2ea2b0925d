//! Turkish-aware text handling: slugs, case mapping, collation, number and date formatting.
//!
//! Everything a reader sees is Turkish first, so these rules are the defaults: `I` lower-cases
//! to `ı`, `i` upper-cases to `İ`, and lists sort in Turkish alphabetical order.

use std::cmp::Ordering;

use icu_collator::options::CollatorOptions;
use icu_collator::{Collator, CollatorBorrowed};

/// The one transliteration table: a letter with a mark (lower case) and the plain letter it
/// stands for, in slugs and in search. The browser's search gets its copy from the search
/// index, so the two never differ.
pub const PLAIN_LETTERS: [(char, char); 24] = [
    ('ç', 'c'),
    ('ğ', 'g'),
    ('ı', 'i'),
    ('î', 'i'),
    ('í', 'i'),
    ('ì', 'i'),
    ('ï', 'i'),
    ('ö', 'o'),
    ('ô', 'o'),
    ('ó', 'o'),
    ('ò', 'o'),
    ('ş', 's'),
    ('ü', 'u'),
    ('û', 'u'),
    ('ú', 'u'),
    ('ù', 'u'),
    ('â', 'a'),
    ('á', 'a'),
    ('à', 'a'),
    ('ä', 'a'),
    ('é', 'e'),
    ('è', 'e'),
    ('ê', 'e'),
    ('ë', 'e'),
];

/// The plain letter a lower-case letter with a mark stands for (`ş` → `s`).
pub fn plain_letter(c: char) -> Option<char> {
    PLAIN_LETTERS
        .iter()
        .find(|(marked, _)| *marked == c)
        .map(|&(_, plain)| plain)
}

/// Turns any text into a URL slug: letters with marks made plain ([`PLAIN_LETTERS`]; `I` and
/// `İ` are `i`), ASCII letters lower-cased, apostrophes dropped, every other run of
/// characters a single `-`.
///
/// The mapping is fixed so that a URL never changes between builds or versions.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        let mapped = match c {
            '\'' | '’' => continue,
            'I' | 'İ' => Some('i'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            c => c.to_lowercase().next().and_then(plain_letter),
        };
        match mapped {
            Some(m) => {
                if pending_dash && !slug.is_empty() {
                    slug.push('-');
                }
                pending_dash = false;
                slug.push(m);
            }
            None => pending_dash = true,
        }
    }
    slug
}

/// True when `s` is already a valid slug (what `slugify` would produce for itself).
pub fn is_slug(s: &str) -> bool {
    !s.is_empty() && slugify(s) == s
}

/// Lower-cases with Turkish rules (`I`→`ı`, `İ`→`i`) for Turkish, plain Unicode otherwise.
pub fn to_lower(text: &str, lang: &str) -> String {
    // ASCII lower-cases byte by byte, except the Turkish `I`.
    if text.is_ascii() && (lang != "tr" || !text.contains('I')) {
        return text.to_ascii_lowercase();
    }
    if lang != "tr" {
        return text.to_lowercase();
    }
    let mut lower = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'I' => lower.push('ı'),
            'İ' => lower.push('i'),
            c => lower.extend(c.to_lowercase()),
        }
    }
    lower
}

/// Upper-cases with Turkish rules (`i`→`İ`, `ı`→`I`) for Turkish, plain Unicode otherwise.
pub fn to_upper(text: &str, lang: &str) -> String {
    // ASCII upper-cases byte by byte, except the Turkish `i`.
    if text.is_ascii() && (lang != "tr" || !text.contains('i')) {
        return text.to_ascii_uppercase();
    }
    if lang != "tr" {
        return text.to_uppercase();
    }
    let mut upper = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'i' => upper.push('İ'),
            'ı' => upper.push('I'),
            c => upper.extend(c.to_uppercase()),
        }
    }
    upper
}

/// Compares strings in the alphabetical order of a language (Turkish: ç after c, ğ after g,
/// ı before i, ö after o, ş after s, ü after u).
pub struct Collation {
    collator: CollatorBorrowed<'static>,
}

impl Collation {
    /// The collation for a language code; unknown codes fall back to the root order.
    pub fn for_language(lang: &str) -> Collation {
        let locale = lang
            .parse::<icu_locale_core::Locale>()
            .unwrap_or(icu_locale_core::Locale::UNKNOWN);
        let collator = Collator::try_new(locale.into(), CollatorOptions::default())
            .or_else(|_| {
                Collator::try_new(
                    icu_locale_core::Locale::UNKNOWN.into(),
                    CollatorOptions::default(),
                )
            })
            .expect("compiled collation data for the root locale is always present");
        Collation { collator }
    }

    pub fn compare(&self, a: &str, b: &str) -> Ordering {
        self.collator.compare(a, b)
    }
}

/// A calendar date, as written in front matter (`2026-11-26`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD` (a time part after `T` or a space is accepted and ignored).
    pub fn parse(text: &str) -> Option<Date> {
        let day_part = text.split(['T', ' ']).next()?;
        let mut parts = day_part.split('-');
        let year: u16 = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        if parts.next().is_some() || !(1..=12).contains(&month) {
            return None;
        }
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days_in_month = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (1..=days_in_month)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// Today's date in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }

    /// The civil date `days` days after 1970-01-01 (Howard Hinnant's algorithm).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Date { year, month, day }
    }

    /// `2026-11-26`
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    pub fn civil(self) -> jiff::civil::Date {
        jiff::civil::date(self.year as i16, self.month as i8, self.day as i8)
    }

    /// RFC 3339 timestamp at midnight UTC, as Atom and sitemaps want it.
    pub fn rfc3339(&self) -> String {
        format!("{}T00:00:00Z", self.iso())
    }

    /// `26 Kasım 2026` / `26 November 2026`
    pub fn long(&self, lang: &str) -> String {
        crate::locale::long_date(*self, lang)
    }
}

/// FNV-1a: a content hash that is the same on every machine and Rust version (unlike
/// `DefaultHasher`), for cache-busting asset URLs and the compiled surveys' hashes.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Decodes `%XX` escapes in a URL path; invalid escapes are kept as written.
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            // Two hex digits exactly: `from_str_radix` alone would also take `+f` as 15.
            if let Some(b) = s
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The closest candidate to `word` when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Escapes text for HTML and XML: `&`, `<`, `>`, `"` and `'`.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Written as `YYYY-MM-DD` (as in YAML, JSON and every page).
impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.iso())
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a YYYY-MM-DD date")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_transliterate_turkish_letters() {
        assert_eq!(
            slugify("Küme Geliştirme Araçları"),
            "kume-gelistirme-araclari"
        );
        assert_eq!(
            slugify("İzleme ve Değerlendirme"),
            "izleme-ve-degerlendirme"
        );
        assert_eq!(slugify("ÇĞIİÖŞÜ çğıiöşü"), "cgiiosu-cgiiosu");
        assert_eq!(slugify("KOBİ'ler"), "kobiler");
        assert_eq!(slugify("  Neden kümelenme?  "), "neden-kumelenme");
        assert_eq!(slugify("UR-GE 2024/1"), "ur-ge-2024-1");
        assert!(is_slug("kume-analizi"));
        assert!(!is_slug("Küme"));
    }

    #[test]
    fn case_mapping_follows_turkish_rules() {
        assert_eq!(to_upper("istanbul ılık", "tr"), "İSTANBUL ILIK");
        assert_eq!(to_lower("ISPARTA İZMİR", "tr"), "ısparta izmir");
        assert_eq!(to_upper("istanbul", "en"), "ISTANBUL");
        // The ASCII fast paths keep the Turkish rules.
        assert_eq!(to_lower("IZMIR Kent", "tr"), "ızmır kent");
        assert_eq!(to_lower("IZMIR Kent", "en"), "izmir kent");
        assert_eq!(to_lower("KENT", "tr"), "kent");
        assert_eq!(to_upper("kent", "tr"), "KENT");
        assert_eq!(to_upper("izmir", "tr"), "İZMİR");
    }

    #[test]
    fn turkish_alphabetical_order() {
        let tr = Collation::for_language("tr");
        let mut words = vec![
            "şeker", "ücret", "çam", "ıhlamur", "inci", "cam", "ağaç", "öğe", "zeytin", "ocak",
            "sabun", "ulus", "gül", "ğ-harfi",
        ];
        words.sort_by(|a, b| tr.compare(a, b));
        assert_eq!(
            words,
            [
                "ağaç", "cam", "çam", "gül", "ğ-harfi", "ıhlamur", "inci", "ocak", "öğe", "sabun",
                "şeker", "ulus", "ücret", "zeytin"
            ]
        );
    }

    #[test]
    fn dates_parse_and_format() {
        let d = Date::parse("2026-11-26").unwrap();
        assert_eq!(d.long("tr"), "26 Kasım 2026");
        assert_eq!(d.long("en"), "26 November 2026");
        assert_eq!(d.rfc3339(), "2026-11-26T00:00:00Z");
        assert!(Date::parse("2026-02-30").is_none());
        assert!(Date::parse("26.11.2026").is_none());
        assert_eq!(
            Date::parse("2024-02-29T10:00:00Z").unwrap().iso(),
            "2024-02-29"
        );
        assert_eq!(Date::from_days(0).iso(), "1970-01-01");
        assert_eq!(Date::from_days(20_783).iso(), "2026-11-26");
        assert_eq!(Date::from_days(19_782).iso(), "2024-02-29");
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("k%C3%BCme.md"), "küme.md");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        // A sign is not a hex digit: `%+0` once decoded to NUL.
        assert_eq!(percent_decode("%+0%-1"), "%+0%-1");
    }

    #[test]
    fn suggestions_for_typos() {
        assert_eq!(
            did_you_mean("wieght", ["title", "weight", "date"]),
            Some("weight")
        );
        assert_eq!(did_you_mean("zzz", ["title", "weight"]), None);
    }
}
