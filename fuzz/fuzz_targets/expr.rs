//! The expression language: parse, type-check and evaluate any text; whatever parses must
//! survive the JSON round trip the browser evaluator relies on.
#![no_main]

use kume::survey::expr::{self, Expr, Type, Value};
use libfuzzer_sys::fuzz_target;

/// A type for every id, fixed by its length, so checks and evaluation see all kinds of value.
fn type_of(id: &str) -> Type {
    match id.len() % 6 {
        0 => Type::Number,
        1 => Type::Text,
        2 => Type::Bool,
        3 => Type::Date,
        4 => Type::Choice,
        _ => Type::Choices,
    }
}

fn answer(id: &str) -> Value {
    match type_of(id) {
        Type::Number => Value::Number(id.len() as f64 * 1.5 - 4.0),
        Type::Text | Type::Choice => Value::Text(id.to_string()),
        Type::Date => Value::Text("2026-11-26".into()),
        Type::Bool => Value::Bool(id.len() % 4 == 2),
        _ => Value::List(vec![id.to_string(), "a".into()]),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let _ = expr::regex_subset::compile(src);
    let Ok(parsed) = expr::parse(src) else {
        return;
    };
    let _ = expr::check(&parsed, &|id| Some(type_of(id)), &["a", "bb"]);
    let _ = expr::eval(&parsed, &answer);
    let json = parsed.to_json();
    let back: Expr = serde_json::from_value(json.clone()).expect("a parsed tree reads back");
    assert_eq!(back.to_json(), json, "the JSON round trip keeps the tree");
});
