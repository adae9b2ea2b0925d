//! Evaluation. Every rule here has a twin in `site/static/js/kume-expr.js`; change both.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;

use super::{BinOp, Expr, Func, Kind, Literal, Value, is_truthy, number, regex_subset};

/// Evaluates `expr`; `answers` gives the value stored under an id (blank when there is none).
/// Never panics, whatever the tree: operations on the wrong kinds of value give blank (or false
/// for conditions).
pub fn eval(expr: &Expr, answers: &dyn Fn(&str) -> Value) -> Value {
    match &expr.kind {
        Kind::Num(n) => number(*n),
        Kind::Str(s) => Value::Text(s.clone()).normalized(),
        Kind::Bool(b) => Value::Bool(*b),
        // A list is only meaningful to `in`, which reads it directly.
        Kind::List(_) => Value::Blank,
        Kind::Ref(id) => answers(id).normalized(),
        Kind::Neg(e) => match eval(e, answers) {
            Value::Number(n) => number(-n),
            _ => Value::Blank,
        },
        Kind::Not(e) => Value::Bool(!is_truthy(&eval(e, answers))),
        Kind::Bin(op, l, r) => binary(*op, l, r, answers),
        Kind::Call(f, args) => call(*f, args, answers),
    }
}

fn binary(op: BinOp, l: &Expr, r: &Expr, answers: &dyn Fn(&str) -> Value) -> Value {
    let truth = |e: &Expr| is_truthy(&eval(e, answers));
    match op {
        BinOp::And => Value::Bool(truth(l) && truth(r)),
        BinOp::Or => Value::Bool(truth(l) || truth(r)),
        BinOp::In => Value::Bool(member(&eval(l, answers), r)),
        BinOp::Has => Value::Bool(has(&eval(l, answers), &eval(r, answers))),
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
            arithmetic(op, &eval(l, answers), &eval(r, answers))
        }
        _ => Value::Bool(compare(op, &eval(l, answers), &eval(r, answers))),
    }
}

fn arithmetic(op: BinOp, l: &Value, r: &Value) -> Value {
    let (Value::Number(a), Value::Number(b)) = (l, r) else {
        return Value::Blank;
    };
    // Division by zero is blank; `number` turns any other non-finite result into blank too.
    number(match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        _ if *b == 0.0 => return Value::Blank,
        _ => a / b,
    })
}

/// The order of two values, or `None` when they cannot be ordered (blank, different kinds).
fn order(l: &Value, r: &Value) -> Option<Ordering> {
    match (l, r) {
        (Value::Number(a), Value::Number(b)) => round_to(*a, 9).partial_cmp(&round_to(*b, 9)),
        // Byte order of UTF-8 is code point order.
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// `=`, `!=` and the orderings. Any comparison with blank is false, `!=` included; values of
/// different kinds are unequal; true/false and lists can only be tested for equality.
fn compare(op: BinOp, l: &Value, r: &Value) -> bool {
    if matches!(l, Value::Blank) || matches!(r, Value::Blank) {
        return false;
    }
    let equal = match (l, r) {
        (Value::Bool(a), Value::Bool(b)) => Some(a == b),
        (Value::List(a), Value::List(b)) => Some(a == b),
        _ => order(l, r).map(Ordering::is_eq),
    };
    match op {
        BinOp::Eq => equal == Some(true),
        BinOp::Ne => equal != Some(true),
        BinOp::Lt => order(l, r).is_some_and(Ordering::is_lt),
        BinOp::Le => order(l, r).is_some_and(Ordering::is_le),
        BinOp::Gt => order(l, r).is_some_and(Ordering::is_gt),
        BinOp::Ge => order(l, r).is_some_and(Ordering::is_ge),
        _ => false,
    }
}

fn literal_value(item: &Literal) -> Value {
    match item {
        Literal::Num(n) => number(*n),
        Literal::Str(s) => Value::Text(s.clone()).normalized(),
    }
}

/// `x in [...]`: one of the items; for a multi-select, any pick is one of them.
fn member(value: &Value, list: &Expr) -> bool {
    let Kind::List(items) = &list.kind else {
        return false;
    };
    let found = |v: &Value| {
        items
            .iter()
            .any(|i| compare(BinOp::Eq, v, &literal_value(i)))
    };
    match value {
        Value::List(picks) => picks.iter().any(|p| found(&Value::Text(p.clone()))),
        v => found(v),
    }
}

/// `q has 'code'`: the multi-select includes the code (a single text value: equals it).
fn has(value: &Value, code: &Value) -> bool {
    match (value, code) {
        (Value::List(picks), Value::Text(c)) => picks.contains(c),
        (Value::Text(v), Value::Text(c)) => v == c,
        _ => false,
    }
}

fn call(f: Func, args: &[Expr], answers: &dyn Fn(&str) -> Value) -> Value {
    let arg = |i: usize| args.get(i).map_or(Value::Blank, |e| eval(e, answers));
    match f {
        Func::Blank => Value::Bool(matches!(arg(0), Value::Blank)),
        Func::Count => {
            Value::Number(args.iter().map(|e| count(&eval(e, answers))).sum::<usize>() as f64)
        }
        Func::Sum | Func::Min | Func::Max | Func::Avg => {
            aggregate(f, &numbers(args.iter().map(|e| eval(e, answers))))
        }
        Func::Round => round(&arg(0), args.get(1).map(|e| eval(e, answers))),
        Func::Abs => match arg(0) {
            Value::Number(n) => number(n.abs()),
            _ => Value::Blank,
        },
        Func::Len => match arg(0) {
            Value::Text(t) => Value::Number(t.chars().count() as f64),
            Value::Blank => Value::Number(0.0),
            _ => Value::Blank,
        },
        Func::If if is_truthy(&arg(0)) => arg(1),
        Func::If => arg(2),
        Func::Matches => Value::Bool(matches(&arg(0), &arg(1))),
    }
}

/// What one argument adds to `count`: its picks, or 1 unless blank.
fn count(v: &Value) -> usize {
    match v {
        Value::Blank => 0,
        Value::List(picks) => picks.len(),
        _ => 1,
    }
}

/// The numbers among the values; blanks (and anything else) are skipped.
fn numbers(values: impl Iterator<Item = Value>) -> Vec<f64> {
    values
        .filter_map(|v| match v {
            Value::Number(n) => Some(n),
            _ => None,
        })
        .collect()
}

fn aggregate(f: Func, ns: &[f64]) -> Value {
    // Left to right from 0, exactly as the JS `reduce`, so the rounding errors are the same.
    let total = ns.iter().fold(0.0, |acc, n| acc + n);
    if f == Func::Sum {
        return number(total);
    }
    let Some(&first) = ns.first() else {
        return Value::Blank;
    };
    number(match f {
        Func::Min => ns.iter().fold(first, |m, &n| if n < m { n } else { m }),
        Func::Max => ns.iter().fold(first, |m, &n| if n > m { n } else { m }),
        _ => total / ns.len() as f64,
    })
}

fn round(x: &Value, digits: Option<Value>) -> Value {
    let Value::Number(x) = x else {
        return Value::Blank;
    };
    let digits = match digits {
        None => 0,
        Some(Value::Number(d)) if d.fract() == 0.0 && (0.0..=9.0).contains(&d) => d as u32,
        Some(_) => return Value::Blank,
    };
    number(round_to(*x, digits))
}

/// Rounds half away from zero to `digits` decimal places, working on the shortest decimal form
/// of `x` (what both Rust and JS print), so `1.005` rounds to `1.01` in both, as a person
/// expects, and not to `1` as its binary value (1.00499999…) would.
pub(super) fn round_to(x: f64, digits: u32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    // `{:e}` is the shortest round-trip form: `1.005e0`, `4e-3`, `1.2345e21`.
    let form = format!("{:e}", x.abs());
    let (mantissa, exponent) = form.split_once('e').unwrap_or((&form, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let mut ds: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    // The value is 0.d1d2d3… × 10^point.
    let mut point = exponent + 1;
    let keep = point + i64::from(digits);
    if keep >= ds.len() as i64 {
        return x;
    }
    if keep < 0 {
        return 0.0;
    }
    let keep = keep as usize;
    let up = ds[keep] >= 5;
    ds.truncate(keep);
    if up && increment(&mut ds) {
        point += 1;
    }
    if ds.is_empty() {
        return 0.0;
    }
    let digits_text: String = ds.iter().map(|d| char::from(b'0' + d)).collect();
    let scale = point - ds.len() as i64;
    let magnitude: f64 = format!("{digits_text}e{scale}").parse().unwrap_or(0.0);
    if x < 0.0 { -magnitude } else { magnitude }
}

/// Adds one to the decimal digits; true when a new leading digit appeared (999 → 1000).
fn increment(ds: &mut Vec<u8>) -> bool {
    for d in ds.iter_mut().rev() {
        if *d == 9 {
            *d = 0;
        } else {
            *d += 1;
            return false;
        }
    }
    ds.insert(0, 1);
    true
}

thread_local! {
    /// Compiled patterns: a survey's `tests:` evaluate the same few patterns many times.
    static PATTERNS: RefCell<HashMap<String, Option<regex::Regex>>> = RefCell::new(HashMap::new());
}

/// `matches(text, pattern)`: the whole text matches; blank or a pattern outside the subset
/// gives false.
fn matches(text: &Value, pattern: &Value) -> bool {
    let (Value::Text(text), Value::Text(pattern)) = (text, pattern) else {
        return false;
    };
    PATTERNS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() > 256 {
            cache.clear();
        }
        cache
            .entry(pattern.clone())
            .or_insert_with(|| regex_subset::compile(pattern).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(text))
    })
}
