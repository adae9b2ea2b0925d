//! The syntax tree and values as JSON (the shapes are documented in the module above).

use std::fmt;

use serde::Serializer;
use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde_json::Value as Json;

use super::{BinOp, Expr, Func, Kind, Literal, MAX_DEPTH, Span, Value};

/// Integers are written as integers (`3`, not `3.0`) so the JSON reads the same from Rust and JS.
pub(super) fn serialize_number<S: Serializer>(n: f64, serializer: S) -> Result<S::Ok, S::Error> {
    // 2^53: beyond it not every integer is an f64, and JS prints such numbers with exponents.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if n.fract() == 0.0 && n.abs() < EXACT {
        serializer.serialize_i64(n as i64)
    } else {
        serializer.serialize_f64(n)
    }
}

struct Number(f64);

impl serde::Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_number(self.0, serializer)
    }
}

impl serde::Serialize for Literal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Literal::Num(n) => serialize_number(*n, serializer),
            Literal::Str(s) => serializer.serialize_str(s),
        }
    }
}

/// Writes `t` first and the fields in a fixed order, so the JSON is easy to read.
pub(super) fn serialize<S: Serializer>(expr: &Expr, serializer: S) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(None)?;
    match &expr.kind {
        Kind::Num(n) => {
            map.serialize_entry("t", "num")?;
            map.serialize_entry("v", &Number(*n))?;
        }
        Kind::Str(s) => {
            map.serialize_entry("t", "str")?;
            map.serialize_entry("v", s)?;
        }
        Kind::Bool(b) => {
            map.serialize_entry("t", "bool")?;
            map.serialize_entry("v", b)?;
        }
        Kind::List(items) => {
            map.serialize_entry("t", "list")?;
            map.serialize_entry("v", items)?;
        }
        Kind::Ref(id) => {
            map.serialize_entry("t", "ref")?;
            map.serialize_entry("id", id)?;
        }
        Kind::Neg(e) | Kind::Not(e) => {
            let t = if matches!(expr.kind, Kind::Neg(_)) {
                "neg"
            } else {
                "not"
            };
            map.serialize_entry("t", t)?;
            map.serialize_entry("e", e.as_ref())?;
        }
        Kind::Bin(op, l, r) => {
            map.serialize_entry("t", "bin")?;
            map.serialize_entry("op", op.symbol())?;
            map.serialize_entry("l", l.as_ref())?;
            map.serialize_entry("r", r.as_ref())?;
        }
        Kind::Call(f, args) => {
            map.serialize_entry("t", "call")?;
            map.serialize_entry("f", f.name())?;
            map.serialize_entry("a", args)?;
        }
    }
    map.end()
}

pub(super) fn to_json(expr: &Expr) -> Json {
    serde_json::to_value(expr).unwrap_or(Json::Null)
}

/// Why a syntax tree read from JSON was refused.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error("expression tree deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("node tag `t` is not text")]
    TagNotText,
    #[error("expression node without `{0}`")]
    Missing(String),
    /// A field of the wrong kind: (field, what it should be).
    #[error("`{0}` is not {1}")]
    NotA(String, &'static str),
    #[error("unknown operator `{0}`")]
    Operator(String),
    #[error("unknown function `{0}`")]
    Function(String),
    #[error("{0}")]
    Arity(String),
    #[error("unknown node `{0}`")]
    Node(String),
    #[error("bad number in list")]
    BadNumber,
    #[error("lists hold only numbers and text")]
    ListItem,
}

/// Reads a tree back, checking everything the parser guarantees (known operators and functions,
/// arities, depth), so that a tree from JSON is as safe to evaluate as a parsed one.
pub(super) fn from_json(value: &Json, depth: usize) -> Result<Expr, TreeError> {
    if depth > MAX_DEPTH {
        return Err(TreeError::TooDeep);
    }
    let tag = field(value, "t")?.as_str().ok_or(TreeError::TagNotText)?;
    let kind = match tag {
        "num" => Kind::Num(number_field(value)?),
        "str" => Kind::Str(text_field(value, "v")?.to_string()),
        "bool" => Kind::Bool(
            field(value, "v")?
                .as_bool()
                .ok_or(TreeError::NotA("v".into(), "true/false"))?,
        ),
        "list" => Kind::List(list_field(value)?),
        "ref" => Kind::Ref(text_field(value, "id")?.to_string()),
        "neg" => Kind::Neg(Box::new(from_json(field(value, "e")?, depth + 1)?)),
        "not" => Kind::Not(Box::new(from_json(field(value, "e")?, depth + 1)?)),
        "bin" => {
            let op = text_field(value, "op")?;
            let op = BinOp::from_symbol(op).ok_or_else(|| TreeError::Operator(op.to_string()))?;
            let l = from_json(field(value, "l")?, depth + 1)?;
            let r = from_json(field(value, "r")?, depth + 1)?;
            Kind::Bin(op, Box::new(l), Box::new(r))
        }
        "call" => call_from_json(value, depth)?,
        other => return Err(TreeError::Node(other.to_string())),
    };
    Ok(Expr::new(kind, Span::default()))
}

fn call_from_json(value: &Json, depth: usize) -> Result<Kind, TreeError> {
    let name = text_field(value, "f")?;
    let f = Func::from_name(name).ok_or_else(|| TreeError::Function(name.to_string()))?;
    let args = field(value, "a")?
        .as_array()
        .ok_or(TreeError::NotA("a".into(), "a list"))?
        .iter()
        .map(|a| from_json(a, depth + 2))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(problem) = f.arity_error(args.len()) {
        return Err(TreeError::Arity(problem));
    }
    Ok(Kind::Call(f, args))
}

fn field<'a>(value: &'a Json, name: &str) -> Result<&'a Json, TreeError> {
    value
        .get(name)
        .ok_or_else(|| TreeError::Missing(name.to_string()))
}

fn text_field<'a>(value: &'a Json, name: &str) -> Result<&'a str, TreeError> {
    field(value, name)?
        .as_str()
        .ok_or_else(|| TreeError::NotA(name.to_string(), "text"))
}

fn number_field(value: &Json) -> Result<f64, TreeError> {
    field(value, "v")?
        .as_f64()
        .filter(|n| n.is_finite())
        .ok_or(TreeError::NotA("v".into(), "a number"))
}

fn list_field(value: &Json) -> Result<Vec<Literal>, TreeError> {
    let items = field(value, "v")?
        .as_array()
        .ok_or(TreeError::NotA("v".into(), "a list"))?;
    items
        .iter()
        .map(|item| match item {
            Json::String(s) => Ok(Literal::Str(s.clone())),
            Json::Number(n) => n.as_f64().map(Literal::Num).ok_or(TreeError::BadNumber),
            _ => Err(TreeError::ListItem),
        })
        .collect()
}

/// Reads a [`Value`] from any self-describing format (JSON answers, YAML test answers).
pub(super) struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null, a number, text, true/false or a list of choice codes")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Blank)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Blank)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n as f64).normalized())
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n as f64).normalized())
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Number(n).normalized())
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Text(s.to_string()).normalized())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut codes = Vec::new();
        while let Some(code) = seq.next_element::<Code>()? {
            codes.push(code.0);
        }
        Ok(Value::List(codes).normalized())
    }
}

/// A choice code in a list: text, or an integer written as its decimal text.
struct Code(String);

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Code, D::Error> {
        struct CodeVisitor;
        impl Visitor<'_> for CodeVisitor {
            type Value = Code;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a choice code")
            }
            fn visit_str<E>(self, s: &str) -> Result<Code, E> {
                Ok(Code(s.to_string()))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Code, E> {
                Ok(Code(n.to_string()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Code, E> {
                Ok(Code(n.to_string()))
            }
        }
        deserializer.deserialize_any(CodeVisitor)
    }
}
