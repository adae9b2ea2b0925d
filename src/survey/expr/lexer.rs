//! Splits source text into tokens, one at a time, so the first error is the leftmost one.

use super::{ExprError, Span};
use crate::text;

/// A token kind.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Not,
    In,
    Has,
    True,
    False,
    Eof,
}

/// A token and where it is.
#[derive(Debug, Clone)]
pub(super) struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Characters allowed in an id after its first letter.
pub(super) fn is_id_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

/// Characters that continue a word for error reporting (so `Şehir_adı` is reported whole).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

pub(super) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer { src, pos: 0 }
    }

    fn peek_char(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.src[self.pos..].chars().nth(1)
    }

    fn token(&self, tok: Tok, start: usize) -> Result<Token, ExprError> {
        Ok(Token {
            tok,
            span: Span::new(start, self.pos),
        })
    }

    /// The next token; `Eof` (an empty span at the end) when the text is used up.
    pub fn next_token(&mut self) -> Result<Token, ExprError> {
        while self.peek_char().is_some_and(char::is_whitespace) {
            self.pos += self.peek_char().map_or(1, char::len_utf8);
        }
        let start = self.pos;
        let Some(c) = self.peek_char() else {
            return self.token(Tok::Eof, start);
        };
        if c.is_ascii_digit() {
            return self.number(start);
        }
        if c == '\'' || c == '"' {
            return self.string(start, c);
        }
        if c.is_alphabetic() || c == '_' {
            return self.word(start);
        }
        self.punct(start, c)
    }

    fn punct(&mut self, start: usize, c: char) -> Result<Token, ExprError> {
        let next = self.peek_second();
        let (tok, len) = match (c, next) {
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            ('[', _) => (Tok::LBracket, 1),
            (']', _) => (Tok::RBracket, 1),
            (',', _) => (Tok::Comma, 1),
            ('+', _) => (Tok::Plus, 1),
            ('-', _) => (Tok::Minus, 1),
            ('*', _) => (Tok::Star, 1),
            ('/', _) => (Tok::Slash, 1),
            ('!', Some('=')) => (Tok::Ne, 2),
            ('<', Some('=')) => (Tok::Le, 2),
            ('>', Some('=')) => (Tok::Ge, 2),
            ('<', Some('>')) => return Err(self.wrong(start, 2, "`!=`")),
            ('=', Some('=')) => return Err(self.wrong(start, 2, "`=`")),
            ('=', Some('>')) => return Err(self.wrong(start, 2, "`>=`")),
            ('=', Some('<')) => return Err(self.wrong(start, 2, "`<=`")),
            ('=', _) => (Tok::Eq, 1),
            ('<', _) => (Tok::Lt, 1),
            ('>', _) => (Tok::Gt, 1),
            ('&', Some('&')) => return Err(self.wrong(start, 2, "`and`")),
            ('|', Some('|')) => return Err(self.wrong(start, 2, "`or`")),
            ('&', _) => return Err(self.wrong(start, 1, "`and`")),
            ('|', _) => return Err(self.wrong(start, 1, "`or`")),
            ('!', _) => return Err(self.wrong(start, 1, "`not`")),
            _ => return Err(self.unexpected_char(start, c)),
        };
        self.pos += len;
        self.token(tok, start)
    }

    /// An operator from another language, with the spelling this one uses.
    fn wrong(&self, start: usize, len: usize, instead: &str) -> ExprError {
        let written = &self.src[start..start + len];
        ExprError::new(
            Span::new(start, start + len),
            format!("`{written}` is not an operator here"),
        )
        .help(format!("use {instead} not `{written}`"))
    }

    fn unexpected_char(&self, start: usize, c: char) -> ExprError {
        let span = Span::new(start, start + c.len_utf8());
        let help = match c {
            '%' => "there is no `%` operator; percent answers are numbers from 0 to 100",
            '.' => "a number needs a digit before the point: `0.5`",
            '`' | '‘' | '’' | '“' | '”' => {
                "write text in straight quotes: 'text' or \"text\""
            }
            _ => {
                "expressions use ids, numbers, 'text', ( ) [ ] , and the operators + - * / = != < <= > >="
            }
        };
        ExprError::new(span, format!("unexpected character `{c}`")).help(help)
    }

    fn digits(&mut self) {
        while self.peek_char().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    fn number(&mut self, start: usize) -> Result<Token, ExprError> {
        self.digits();
        if self.peek_char() == Some('.') {
            self.pos += 1;
            if !self.peek_char().is_some_and(|c| c.is_ascii_digit()) {
                return Err(ExprError::new(
                    Span::new(start, self.pos),
                    "a number cannot end with `.`",
                )
                .help("write digits after the point, e.g. `1.0`"));
            }
            self.digits();
        }
        if self.peek_char().is_some_and(is_word_char) {
            let word_start = start;
            self.skip_word();
            return Err(ExprError::new(
                Span::new(word_start, self.pos),
                format!(
                    "`{}` is not a number or an id",
                    &self.src[word_start..self.pos]
                ),
            )
            .help("ids start with a letter; numbers are digits with an optional `.` part"));
        }
        let text = &self.src[start..self.pos];
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => self.token(Tok::Num(n), start),
            _ => Err(ExprError::new(
                Span::new(start, self.pos),
                "the number is too large",
            )),
        }
    }

    /// Text in `'…'` or `"…"`. `\\`, `\'` and `\"` are escapes; other backslashes stay, so
    /// patterns like `'\d+'` need no doubling.
    fn string(&mut self, start: usize, quote: char) -> Result<Token, ExprError> {
        self.pos += 1;
        let mut text = String::new();
        loop {
            let Some(c) = self.peek_char() else {
                return Err(
                    ExprError::new(Span::new(start, self.pos), "unterminated text")
                        .help(format!("close the text with `{quote}`")),
                );
            };
            self.pos += c.len_utf8();
            match c {
                c if c == quote => return self.token(Tok::Str(text), start),
                '\\' => match self.peek_char() {
                    Some(e @ ('\\' | '\'' | '"')) => {
                        self.pos += 1;
                        text.push(e);
                    }
                    _ => text.push('\\'),
                },
                c => text.push(c),
            }
        }
    }

    fn skip_word(&mut self) {
        while let Some(c) = self.peek_char().filter(|&c| is_word_char(c)) {
            self.pos += c.len_utf8();
        }
    }

    fn word(&mut self, start: usize) -> Result<Token, ExprError> {
        self.skip_word();
        let word = &self.src[start..self.pos];
        let span = Span::new(start, self.pos);
        let tok = match word {
            "and" => Tok::And,
            "or" => Tok::Or,
            "not" => Tok::Not,
            "in" => Tok::In,
            "has" => Tok::Has,
            "true" => Tok::True,
            "false" => Tok::False,
            _ => {
                check_id(word, span)?;
                Tok::Ident(word.to_string())
            }
        };
        self.token(tok, start)
    }
}

/// Explains why a word is not an id, if it is not.
fn check_id(word: &str, span: Span) -> Result<(), ExprError> {
    if super::is_valid_id(word) {
        return Ok(());
    }
    let lower = word.to_lowercase();
    if super::KEYWORDS.contains(&lower.as_str()) {
        return Err(ExprError::new(span, format!("`{word}` is not a keyword"))
            .help(format!("keywords are lower-case: `{lower}`")));
    }
    if !word.is_ascii() {
        let ascii = text::slugify(word).replace('-', "_");
        return Err(
            ExprError::new(span, format!("`{word}` is not an id: ids are ASCII"))
                .help(format!("ids use a-z, 0-9 and `_`, e.g. `{ascii}`")),
        );
    }
    if word.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(
            ExprError::new(span, format!("`{word}` is not an id: ids are lower-case"))
                .help(format!("write `{lower}`")),
        );
    }
    Err(ExprError::new(span, format!("`{word}` is not an id")).help(
        "an id is a lower-case letter followed by a-z, 0-9 or `_`; dotted parts (`q.row`) are not empty",
    ))
}
