//! The regular expressions `matches(x, 'pattern')` accepts: a subset that Rust's `regex` and
//! JavaScript's `RegExp` (with the `u` flag) read the same way.
//!
//! The pattern always tests the whole text: JS compiles `^(?:pattern)$` with flag `u`; Rust
//! compiles [`translate`]'s output, which spells out the classes whose meaning differs.
//!
//! Accepted:
//! - any character, except that `\ ^ $ . | ? * + ( ) [ ] { }` must be escaped with `\` to mean
//!   themselves (`\/` is also accepted);
//! - `.` (any character but a line break: `\n`, `\r`, U+2028, U+2029);
//! - `\d` `\D` (ASCII digits), `\w` `\W` (`[0-9A-Za-z_]`), `\s` `\S` (JavaScript's white space
//!   set), `\t` `\n` `\r` `\f` `\v`;
//! - classes `[abc]`, `[^abc]`, ranges `[a-z]`, and `\d` `\w` `\s` inside them; inside a class
//!   `-` is a range or written `\-`, and `[` must be escaped;
//! - groups `( … )` and `(?: … )`, alternation `|`, anchors `^` `$`;
//! - quantifiers `*` `+` `?` `{n}` `{n,}` `{n,m}` (n, m ≤ 1000), each optionally lazy (`*?`).
//!
//! Rejected, because the two engines differ or one lacks it: flags like `(?i)`, look-around,
//! named groups, back-references, `\b`, `\p{…}`, `\x`/`\u` escapes, nested classes and the
//! class operators `&&` `--` `~~`.

use std::fmt::Write as _;

/// Why a pattern is outside the subset; `offset` is a byte offset in the pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexError {
    pub offset: usize,
    pub message: String,
    pub help: String,
}

/// JavaScript's `\s`: WhiteSpace (tab, VT, FF, ZWNBSP, the Zs category) and LineTerminator.
const SPACE: &str = "\\t\\n\\x0B\\x0C\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";
const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
/// Characters `.` does not match in JavaScript.
const LINE_BREAKS: &str = "\\n\\r\\x{2028}\\x{2029}";
const MAX_REPEAT: u32 = 1000;
const MAX_GROUPS: usize = 16;

/// Checks that `pattern` is in the subset and returns the Rust `regex` pattern that matches
/// exactly what JavaScript's `new RegExp('^(?:' + pattern + ')$', 'u')` matches.
pub fn translate(pattern: &str) -> Result<String, RegexError> {
    let mut t = Translator {
        chars: pattern.char_indices().collect(),
        end: pattern.len(),
        i: 0,
        out: String::from("^(?:"),
        groups: 0,
    };
    t.alternation()?;
    if let Some((offset, c)) = t.peek() {
        // Only an unmatched `)` stops the top-level alternation early.
        return Err(t.error(
            offset,
            format!("unmatched `{c}`"),
            "write `\\)` for a literal `)`",
        ));
    }
    t.out.push_str(")$");
    Ok(t.out)
}

/// Compiles a pattern of the subset into a whole-text Rust regex.
pub fn compile(pattern: &str) -> Result<regex::Regex, RegexError> {
    let translated = translate(pattern)?;
    regex::Regex::new(&translated).map_err(|_| RegexError {
        offset: 0,
        message: "the pattern is too large".to_string(),
        help: "use fewer or smaller `{n}` repetitions".to_string(),
    })
}

struct Translator {
    chars: Vec<(usize, char)>,
    end: usize,
    i: usize,
    out: String,
    groups: usize,
}

/// What the last item of a sequence was, for deciding whether a quantifier may follow.
#[derive(PartialEq)]
enum Last {
    Nothing,
    Anchor,
    Atom,
    Quantified,
}

impl Translator {
    fn peek(&self) -> Option<(usize, char)> {
        self.chars.get(self.i).copied()
    }

    /// True when the next character is `c`.
    fn at(&self, c: char) -> bool {
        self.peek().is_some_and(|(_, x)| x == c)
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i + ahead).map(|&(_, c)| c)
    }

    fn offset(&self) -> usize {
        self.peek().map_or(self.end, |(o, _)| o)
    }

    fn error(&self, offset: usize, message: impl Into<String>, help: &str) -> RegexError {
        RegexError {
            offset,
            message: message.into(),
            help: help.to_string(),
        }
    }

    fn alternation(&mut self) -> Result<(), RegexError> {
        self.sequence()?;
        while self.at('|') {
            self.i += 1;
            self.out.push('|');
            self.sequence()?;
        }
        Ok(())
    }

    fn sequence(&mut self) -> Result<(), RegexError> {
        let mut last = Last::Nothing;
        while let Some((offset, c)) = self.peek() {
            last = match c {
                '|' | ')' => return Ok(()),
                '*' | '+' | '?' | '{' => {
                    self.quantifier(offset, &last)?;
                    Last::Quantified
                }
                '^' | '$' => {
                    self.i += 1;
                    self.out.push(c);
                    Last::Anchor
                }
                _ => {
                    self.atom(offset, c)?;
                    Last::Atom
                }
            };
        }
        Ok(())
    }

    fn quantifier(&mut self, offset: usize, last: &Last) -> Result<(), RegexError> {
        let c = self.chars[self.i].1;
        match last {
            Last::Atom => {}
            Last::Quantified => {
                return Err(self.error(
                    offset,
                    format!("`{c}` follows another repetition"),
                    "put the repeated part in a group: `(ab+)*`",
                ));
            }
            Last::Nothing | Last::Anchor => {
                return Err(self.error(
                    offset,
                    format!("`{c}` has nothing to repeat"),
                    "write `\\` before it for the character itself",
                ));
            }
        }
        if c == '{' {
            self.counted(offset)?;
        } else {
            self.i += 1;
            self.out.push(c);
        }
        if self.at('?') {
            self.i += 1;
            self.out.push('?');
        }
        Ok(())
    }

    /// `{n}`, `{n,}` or `{n,m}`, digits only.
    fn counted(&mut self, offset: usize) -> Result<(), RegexError> {
        self.i += 1;
        let bad = |t: &Self| {
            t.error(
                offset,
                "a repetition is `{n}`, `{n,}` or `{n,m}`",
                "write `\\{` for a literal `{`",
            )
        };
        let min = self.digits().ok_or_else(|| bad(self))?;
        let open_ended = self.at(',');
        let max = if open_ended {
            self.i += 1;
            self.digits()
        } else {
            Some(min)
        };
        if !self.at('}') {
            return Err(bad(self));
        }
        self.i += 1;
        if max.is_some_and(|m| m < min) || min.max(max.unwrap_or(0)) > MAX_REPEAT {
            return Err(self.error(
                offset,
                "the repetition count is out of range",
                "counts go from 0 to 1000, the smaller first",
            ));
        }
        let (comma, max) = match (open_ended, max) {
            (false, _) => ("", String::new()),
            (true, None) => (",", String::new()),
            (true, Some(m)) => (",", m.to_string()),
        };
        let _ = write!(self.out, "{{{min}{comma}{max}}}");
        Ok(())
    }

    fn digits(&mut self) -> Option<u32> {
        let start = self.i;
        while self.peek().is_some_and(|(_, c)| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i == start || self.i - start > 4 {
            return None;
        }
        self.chars[start..self.i]
            .iter()
            .map(|&(_, c)| c)
            .collect::<String>()
            .parse()
            .ok()
    }

    fn atom(&mut self, offset: usize, c: char) -> Result<(), RegexError> {
        match c {
            '(' => self.group(offset),
            '[' => self.class(offset),
            '.' => {
                self.i += 1;
                let _ = write!(self.out, "[^{LINE_BREAKS}]");
                Ok(())
            }
            '\\' => self.escape(offset),
            ']' | '}' => Err(self.error(
                offset,
                format!("unmatched `{c}`"),
                "write `\\` before it for the character itself",
            )),
            _ => {
                self.i += 1;
                self.out
                    .push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
                Ok(())
            }
        }
    }

    fn group(&mut self, offset: usize) -> Result<(), RegexError> {
        self.i += 1;
        if self.at('?') {
            if self.peek_at(1) != Some(':') {
                return Err(self.error(
                    offset,
                    "only plain `( … )` and `(?: … )` groups are supported",
                    "flags, look-around and named groups differ between Rust and JavaScript",
                ));
            }
            self.i += 2;
        }
        self.groups += 1;
        if self.groups > MAX_GROUPS {
            return Err(self.error(offset, "groups are nested too deeply", "use fewer groups"));
        }
        self.out.push_str("(?:");
        self.alternation()?;
        self.groups -= 1;
        if !self.at(')') {
            return Err(self.error(offset, "unclosed `(`", "add a `)`"));
        }
        self.i += 1;
        self.out.push(')');
        Ok(())
    }

    /// `\` outside a class.
    fn escape(&mut self, offset: usize) -> Result<(), RegexError> {
        let c = self.escaped(offset)?;
        let translated = match c {
            'd' => format!("[{DIGIT}]"),
            'D' => format!("[^{DIGIT}]"),
            'w' => format!("[{WORD}]"),
            'W' => format!("[^{WORD}]"),
            's' => format!("[{SPACE}]"),
            'S' => format!("[^{SPACE}]"),
            't' | 'n' | 'r' | 'f' | 'v' => format!("\\{c}"),
            '/' => "/".to_string(),
            c if "^$\\.*+?()[]{}|".contains(c) => format!("\\{c}"),
            c => return Err(self.bad_escape(offset, c)),
        };
        self.out.push_str(&translated);
        Ok(())
    }

    fn bad_escape(&self, offset: usize, c: char) -> RegexError {
        let help = match c {
            'b' | 'B' => "word boundaries differ between Rust and JavaScript",
            '1'..='9' => "back-references are not supported",
            'p' | 'P' => {
                "Unicode property classes are not supported; list the characters: [a-zçğıöşü]"
            }
            'x' | 'u' => "write the character itself",
            _ => "escape only `\\ ^ $ . | ? * + ( ) [ ] { } /`, or use \\d \\w \\s \\t \\n",
        };
        self.error(offset, format!("`\\{c}` is not supported"), help)
    }

    fn class(&mut self, offset: usize) -> Result<(), RegexError> {
        self.i += 1;
        self.out.push('[');
        if self.at('^') {
            self.i += 1;
            self.out.push('^');
        }
        if self.at(']') {
            return Err(self.error(
                offset,
                "empty character class",
                "write `\\]` for a literal `]`",
            ));
        }
        loop {
            match self.peek() {
                None => return Err(self.error(offset, "unclosed `[`", "add a `]`")),
                Some((_, ']')) => break,
                Some(_) => self.class_item()?,
            }
        }
        self.i += 1;
        self.out.push(']');
        Ok(())
    }

    /// One character, range or class escape inside `[…]`.
    fn class_item(&mut self) -> Result<(), RegexError> {
        let offset = self.offset();
        let start = self.class_char()?;
        let Some(first) = start else {
            return Ok(());
        };
        let is_range = self.at('-') && self.peek_at(1) != Some(']');
        if !is_range {
            self.out
                .push_str(&regex::escape(first.encode_utf8(&mut [0; 4])));
            return Ok(());
        }
        self.i += 1;
        let last = self.class_char()?.ok_or_else(|| {
            self.error(
                offset,
                "a range ends with a class like `\\d`",
                "write the range's last character",
            )
        })?;
        if last < first {
            return Err(self.error(
                offset,
                format!("the range `{first}-{last}` is backwards"),
                "write the smaller character first",
            ));
        }
        let first = regex::escape(first.encode_utf8(&mut [0; 4]));
        let last = regex::escape(last.encode_utf8(&mut [0; 4]));
        let _ = write!(self.out, "{first}-{last}");
        Ok(())
    }

    /// A single character inside a class (`Some`), or a class escape already written (`None`).
    fn class_char(&mut self) -> Result<Option<char>, RegexError> {
        let Some((offset, c)) = self.peek() else {
            return Err(self.error(self.end, "unclosed `[`", "add a `]`"));
        };
        let doubled = self.peek_at(1) == Some(c);
        match c {
            '[' => Err(self.error(
                offset,
                "`[` inside a class",
                "write `\\[` for a literal `[`",
            )),
            ']' => Err(self.error(
                offset,
                "a range needs a last character",
                "write `\\-` for a literal `-`",
            )),
            '-' => Err(self.error(
                offset,
                "a `-` inside a class must be a range like `a-z`",
                "write `\\-` for a literal `-`",
            )),
            '&' | '~' if doubled => Err(self.error(
                offset,
                format!("`{c}{c}` inside a class means different things in Rust and JavaScript"),
                "write the character once",
            )),
            '\\' => self.class_escape(offset),
            c => {
                self.i += 1;
                Ok(Some(c))
            }
        }
    }

    /// The character after a `\`, stepping over both.
    fn escaped(&mut self, offset: usize) -> Result<char, RegexError> {
        let Some(c) = self.peek_at(1) else {
            return Err(self.error(
                offset,
                "the pattern ends with `\\`",
                "write `\\\\` for a backslash",
            ));
        };
        self.i += 2;
        Ok(c)
    }

    fn class_escape(&mut self, offset: usize) -> Result<Option<char>, RegexError> {
        let c = self.escaped(offset)?;
        let set = match c {
            'd' => DIGIT,
            'w' => WORD,
            's' => SPACE,
            'D' | 'W' | 'S' => {
                return Err(self.error(
                    offset,
                    format!("`\\{c}` is not supported inside `[…]`"),
                    "use `[^…]` around the positive class instead",
                ));
            }
            't' => return Ok(Some('\t')),
            'n' => return Ok(Some('\n')),
            'r' => return Ok(Some('\r')),
            'f' => return Ok(Some('\u{c}')),
            'v' => return Ok(Some('\u{b}')),
            c if "^$\\.*+?()[]{}|/-".contains(c) => return Ok(Some(c)),
            c => return Err(self.bad_escape(offset, c)),
        };
        self.out.push_str(set);
        Ok(None)
    }
}
