//! The survey expression language: `show_if`, `required`, `checks`, `calc` and `filter`.
//!
//! Source text is [`parse`]d into an [`Expr`], [`check`]ed against the survey's question types,
//! and [`eval`]uated against answers, here (for `kume check` tests) and in the browser
//! (`site/static/js/kume-expr.js`), which evaluates the same syntax tree sent as JSON. The two
//! evaluators must agree on every input; `tests/expr-vectors.json` holds the shared cases.
//!
//! # Syntax tree as JSON (the contract with `kume-expr.js`)
//!
//! Every node is an object whose `t` names its kind:
//!
//! | node | JSON |
//! |---|---|
//! | number | `{"t":"num","v":3}` (integers are written without `.0`) |
//! | text | `{"t":"str","v":"abc"}` (`''` evaluates to blank) |
//! | true/false | `{"t":"bool","v":true}` |
//! | list (only after `in`) | `{"t":"list","v":["a","b",1]}` (numbers and texts) |
//! | id | `{"t":"ref","id":"q.row.col"}` (a dotted id is one name) |
//! | unary minus / `not` | `{"t":"neg","e":…}` / `{"t":"not","e":…}` |
//! | binary | `{"t":"bin","op":"+","l":…,"r":…}`, `op` one of `+ - * / = != < <= > >= and or in has` |
//! | function call | `{"t":"call","f":"sum","a":[…]}` |
//!
//! `-3` is folded into `{"t":"num","v":-3}`. Parentheses leave no trace. The tree is at most
//! [`MAX_DEPTH`] levels of JSON nesting deep, so serde_json (limit 128) can read it back even
//! inside `schema.json`.
//!
//! # Names
//!
//! An id is `[a-z][a-z0-9_]*` followed by any number of `.[a-z0-9_]+` parts, and a dotted id is
//! one name: `q.row`, `q.row.col` and `choice.attr` are looked up (by [`check`]'s `lookup`) and
//! read (by [`eval`]'s `answers`) exactly as written. The language gives `choice.` no meaning of
//! its own; the compiler decides where such names exist. [`refs`] returns ids as written;
//! [`base_id`] gives the question a dotted id belongs to. [`KEYWORDS`] cannot be ids; function
//! names can (`count` is a name, `count(…)` a call).
//!
//! # Values and blank
//!
//! A [`Value`] is blank, a number (f64), text, true/false or a list of choice codes. Answers are
//! read through the `answers` callback under their id (`q`, `q.row`, `q.row.col`,
//! `choice.code`, `choice.<attr>`); empty text, an empty list and a non-finite number read as
//! blank. The blank rules of `docs/surveys.md` apply: arithmetic with blank is blank; every
//! comparison (`=` and `!=` too), `in`, `has` and `matches` with a blank is false; `and`, `or`,
//! `not` and `if` count blank as false and always give true/false (`not` of blank is true);
//! `sum` skips blanks (nothing → 0), `min`, `max`, `avg` skip blanks (nothing → blank); `count`
//! counts the picks of multi-selects plus every other non-blank argument (nothing → 0, so that
//! `count(q) = 0` works). `len` of blank is 0. [`is_truthy`] is true for `true` only.
//!
//! `x in [...]` on a multi-select is true when any pick is in the list (so the map shorthand
//! `{q: [a, b]}` works for both kinds of select). Values of different kinds, which only `Any`
//! lets past the type check, are unequal: `=` false, `!=` true, orderings false.
//!
//! # Types
//!
//! Text, dates and choices mix freely (they are all text); numbers meet only numbers; a
//! multi-select works only with `has`, `in`, `count` and `blank`; `and`, `or`, `not` and the
//! condition of `if` need true/false. `''` has type `Any` (it is blank), so `if(c, x, '')` is
//! fine, but comparing with `''` is an error that points to `blank(x)`.
//!
//! # Numbers
//!
//! Arithmetic is IEEE f64 in both evaluators (so `0.1 + 0.2` is `0.30000000000000004`); a result
//! that is not finite (division by zero, overflow) is blank, and `-0` becomes `0`. Comparisons of
//! numbers (`= != < <= > >=` and `in`) first round both sides to 9 decimal places, so
//! `0.1 + 0.2 = 0.3`. `round(x, d)` (d a whole number 0…9, default 0) rounds half away from
//! zero on the shortest decimal form of `x` (the digits both languages print), so
//! `round(2.5) = 3`, `round(-2.5) = -3` and `round(1.005, 2) = 1.01`.
//!
//! # Text
//!
//! Text compares by Unicode code points (not by Turkish collation, and not by UTF-16 units in
//! JS); `len` counts code points. In a text literal `\\`, `\'` and `\"` are escapes; any other
//! backslash is kept as written, so regular expressions need no doubling (`'\d+'`).
//! `matches(x, 're')` tests the whole text against a pattern in the subset described in
//! [`regex_subset`], which Rust's `regex` and JS `RegExp` (with the `u` flag) treat alike.

mod check;
mod eval;
mod json;
mod lexer;
mod parser;
pub mod regex_subset;

#[cfg(test)]
pub(crate) mod tests;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use check::check;
pub use eval::eval;
pub use parser::parse;

/// The longest expression source accepted, in bytes.
pub const MAX_LEN: usize = 4096;
/// The deepest syntax tree accepted, counted as levels of JSON nesting (a call counts twice:
/// the node and its argument array).
pub const MAX_DEPTH: usize = 64;
/// Words that cannot be ids.
pub const KEYWORDS: [&str; 7] = ["and", "or", "not", "in", "has", "true", "false"];

/// A byte range in the source text (`start..end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// The span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A parse or type error: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl ExprError {
    pub(crate) fn new(span: Span, message: impl Into<String>) -> ExprError {
        ExprError {
            span,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> ExprError {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ExprError {}

/// The static type of an expression or a question's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    Number,
    Text,
    Bool,
    /// `YYYY-MM-DD` text; compares as text, which orders ISO dates correctly.
    Date,
    /// A select_one answer: one choice code (text).
    Choice,
    /// A select_many answer: a list of choice codes.
    Choices,
    /// Unknown until run time (repeats, calculated values); accepted everywhere.
    Any,
}

impl Type {
    /// How the type is named in error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Type::Number => "number",
            Type::Text => "text",
            Type::Bool => "true/false",
            Type::Date => "date",
            Type::Choice => "choice",
            Type::Choices => "multi-select",
            Type::Any => "value",
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A parsed expression: a node and where it was written. Equality ignores spans.
#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: Kind,
    /// Where the node is in the source; `0..0` for trees built by [`from_map`] or read from JSON.
    pub span: Span,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.kind == other.kind
    }
}

/// The kinds of syntax tree node (see the module docs for their JSON form).
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Num(f64),
    Str(String),
    Bool(bool),
    /// A list literal; only valid as the right side of `in`.
    List(Vec<Literal>),
    /// A question id, a dotted cell id (`q.row`, `q.row.col`) or `choice.<attr>`.
    Ref(String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

/// An element of a list literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Num(f64),
    Str(String),
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    In,
    Has,
}

impl BinOp {
    const ALL: [BinOp; 14] = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::And,
        BinOp::Or,
        BinOp::In,
        BinOp::Has,
    ];

    /// The operator as written, which is also its JSON `op`.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::In => "in",
            BinOp::Has => "has",
        }
    }

    /// The operator written as `symbol`.
    pub fn from_symbol(symbol: &str) -> Option<BinOp> {
        BinOp::ALL.into_iter().find(|op| op.symbol() == symbol)
    }

    fn is_arithmetic(self) -> bool {
        matches!(self, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div)
    }
}

/// The built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Func {
    Blank,
    Count,
    Sum,
    Min,
    Max,
    Avg,
    Round,
    Abs,
    Len,
    If,
    Matches,
}

impl Func {
    /// Every function, in the order the docs list them.
    pub const ALL: [Func; 11] = [
        Func::Blank,
        Func::Count,
        Func::Sum,
        Func::Min,
        Func::Max,
        Func::Avg,
        Func::Round,
        Func::Abs,
        Func::Len,
        Func::If,
        Func::Matches,
    ];

    /// The name as written, which is also its JSON `f`.
    pub fn name(self) -> &'static str {
        match self {
            Func::Blank => "blank",
            Func::Count => "count",
            Func::Sum => "sum",
            Func::Min => "min",
            Func::Max => "max",
            Func::Avg => "avg",
            Func::Round => "round",
            Func::Abs => "abs",
            Func::Len => "len",
            Func::If => "if",
            Func::Matches => "matches",
        }
    }

    /// The function called `name`.
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The fewest and most arguments (`None`: any number).
    pub fn arity(self) -> (usize, Option<usize>) {
        match self {
            Func::Blank | Func::Abs | Func::Len => (1, Some(1)),
            Func::Count | Func::Sum | Func::Min | Func::Max | Func::Avg => (1, None),
            Func::Round => (1, Some(2)),
            Func::If => (3, Some(3)),
            Func::Matches => (2, Some(2)),
        }
    }

    /// `None` when `n` arguments are fine, else what the function takes.
    pub(crate) fn arity_error(self, n: usize) -> Option<String> {
        let (min, max) = self.arity();
        if n >= min && max.is_none_or(|max| n <= max) {
            return None;
        }
        let takes = match (min, max) {
            (1, Some(1)) => "1 argument".to_string(),
            (a, Some(b)) if a == b => format!("{a} arguments"),
            (a, Some(b)) => format!("{a} or {b} arguments"),
            (a, None) => format!("at least {a} argument{}", if a == 1 { "" } else { "s" }),
        };
        Some(format!("`{}` takes {takes}, not {n}", self.name()))
    }
}

impl Expr {
    pub(crate) fn new(kind: Kind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// The syntax tree as sent to the browser (see the module docs).
    pub fn to_json(&self) -> serde_json::Value {
        json::to_json(self)
    }

    /// The children of this node, left to right.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            Kind::Num(_) | Kind::Str(_) | Kind::Bool(_) | Kind::List(_) | Kind::Ref(_) => vec![],
            Kind::Neg(e) | Kind::Not(e) => vec![e],
            Kind::Bin(_, l, r) => vec![l, r],
            Kind::Call(_, args) => args.iter().collect(),
        }
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        json::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for Expr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Expr, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        json::from_json(&value, 1).map_err(serde::de::Error::custom)
    }
}

/// Every id the expression reads, in order of first appearance, without repeats. Dotted ids
/// come back as written (`q.row`); [`base_id`] gives the question they belong to.
pub fn refs(expr: &Expr) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    collect_refs(expr, &mut out);
    out
}

fn collect_refs(expr: &Expr, out: &mut Vec<String>) {
    if let Kind::Ref(id) = &expr.kind
        && !out.contains(id)
    {
        out.push(id.clone());
    }
    for child in expr.children() {
        collect_refs(child, out);
    }
}

/// The question an id belongs to: `ilgi.egitim` → `ilgi`, `grid.r1.c2` → `grid`. `choice.*` ids
/// belong to no question; they give `choice`.
pub fn base_id(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

/// True when `id` is a valid (possibly dotted) id: `[a-z][a-z0-9_]*`, then `.[a-z0-9_]+`
/// segments, and not a keyword.
pub fn is_valid_id(id: &str) -> bool {
    let mut segments = id.split('.');
    let first = segments.next().unwrap_or("");
    let head_ok = first.starts_with(|c: char| c.is_ascii_lowercase())
        && first.chars().all(lexer::is_id_char)
        && !KEYWORDS.contains(&first);
    head_ok && segments.all(|s| !s.is_empty() && s.chars().all(lexer::is_id_char))
}

/// A value an expression works on. Serialises to JSON null / number / string / bool / array of
/// strings, and reads back from the same (integers in a list become their decimal text).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Blank,
    Number(f64),
    Text(String),
    Bool(bool),
    /// The picks of a multi-select, as choice codes.
    List(Vec<String>),
}

impl Value {
    /// The blank rule for stored values: empty text, an empty list and a number that is not
    /// finite are blank; `-0` is `0`.
    pub fn normalized(self) -> Value {
        match self {
            Value::Text(t) if t.is_empty() => Value::Blank,
            Value::List(l) if l.is_empty() => Value::Blank,
            Value::Number(n) => number(n),
            v => v,
        }
    }
}

/// A number result: blank unless finite; `-0` becomes `0` so both languages print `0`.
pub(crate) fn number(n: f64) -> Value {
    if !n.is_finite() {
        Value::Blank
    } else if n == 0.0 {
        Value::Number(0.0)
    } else {
        Value::Number(n)
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Blank => serializer.serialize_unit(),
            Value::Number(n) => json::serialize_number(*n, serializer),
            Value::Text(t) => serializer.serialize_str(t),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::List(items) => items.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(json::ValueVisitor)
    }
}

/// Whether a condition holds: `true` only (blank, false and any other value do not).
pub fn is_truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

/// Why a YAML map shorthand is not a condition.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("the map is empty: write at least one `question: value`")]
    Empty,
    #[error("`{0}` is not a question id (lower-case ASCII letters, digits and `_`)")]
    NotAnId(String),
    #[error("`{0}: []` lists no values")]
    EmptyList(String),
    #[error("`{0}: ''` compares with blank, which is never true; write `blank({0})`")]
    BlankText(String),
    #[error("`{0}`: {1} is not a usable number")]
    BadNumber(String, serde_json::Number),
    #[error("`{0}` has no value; to test for an empty answer write `blank({0})`")]
    NoValue(String),
    #[error("`{0}` needs a value or a list of values, not {1}")]
    NotAValue(String, &'static str),
}

/// The YAML map shorthand: `{q: evet}` → `q = 'evet'`, `{q: [a, b]}` → `q in ['a', 'b']`,
/// several keys joined with `and` in the order given. Numbers and true/false stay numbers and
/// booleans (`{q: 1}` → `q = 1`); the type check then asks for quotes if `q` is a choice.
pub fn from_map(map: &[(String, serde_json::Value)]) -> Result<Expr, MapError> {
    let mut joined: Option<Expr> = None;
    for (key, value) in map {
        let test = map_entry(key, value)?;
        joined = Some(match joined {
            None => test,
            Some(left) => bin(BinOp::And, left, test),
        });
    }
    joined.ok_or(MapError::Empty)
}

fn map_entry(key: &str, value: &serde_json::Value) -> Result<Expr, MapError> {
    if !is_valid_id(key) {
        return Err(MapError::NotAnId(key.to_string()));
    }
    let id = Expr::new(Kind::Ref(key.to_string()), Span::default());
    if let serde_json::Value::Array(items) = value {
        let list = items
            .iter()
            .map(|item| map_literal(key, item))
            .collect::<Result<Vec<_>, _>>()?;
        if list.is_empty() {
            return Err(MapError::EmptyList(key.to_string()));
        }
        let list = Expr::new(Kind::List(list), Span::default());
        return Ok(bin(BinOp::In, id, list));
    }
    let literal = match map_literal(key, value) {
        Ok(Literal::Num(n)) => Kind::Num(n),
        Ok(Literal::Str(s)) => Kind::Str(s),
        Err(e) => match value {
            serde_json::Value::Bool(b) => Kind::Bool(*b),
            _ => return Err(e),
        },
    };
    Ok(bin(BinOp::Eq, id, Expr::new(literal, Span::default())))
}

fn map_literal(key: &str, value: &serde_json::Value) -> Result<Literal, MapError> {
    match value {
        serde_json::Value::String(s) if s.is_empty() => Err(MapError::BlankText(key.to_string())),
        serde_json::Value::String(s) => Ok(Literal::Str(s.clone())),
        serde_json::Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(Literal::Num)
            .ok_or_else(|| MapError::BadNumber(key.to_string(), n.clone())),
        serde_json::Value::Null => Err(MapError::NoValue(key.to_string())),
        _ => Err(MapError::NotAValue(key.to_string(), json_kind(value))),
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "nothing",
        serde_json::Value::Bool(_) => "true/false",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "text",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a map",
    }
}

fn bin(op: BinOp, l: Expr, r: Expr) -> Expr {
    let span = l.span.to(r.span);
    Expr::new(Kind::Bin(op, Box::new(l), Box::new(r)), span)
}
