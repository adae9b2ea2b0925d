//! Type checking: every name known, every operator given the kinds of value it works on.
//!
//! `Any` (repeats, calculated values, `''`) is accepted wherever a value is; the evaluator's
//! blank rules make such cases safe at run time.

use super::parser::{check_depth, usage};
use super::{BinOp, Expr, ExprError, Func, Kind, Literal, Type, regex_subset};
use crate::text;

/// Type-checks `expr` against the known names: `lookup` gives the type of an id (question ids,
/// `q.row` cells, `choice.code` / `choice.<attr>` in filters) or `None` when there is no such
/// name; `known` lists the names to suggest from when one is misspelt. Returns the type of the
/// whole expression (conditions should be [`Type::Bool`] or [`Type::Any`]).
pub fn check(
    expr: &Expr,
    lookup: &dyn Fn(&str) -> Option<Type>,
    known: &[&str],
) -> Result<Type, ExprError> {
    // Trees from `from_map` or JSON never went through the parser's guard.
    check_depth(expr, 1)?;
    Checker { lookup, known }.check(expr)
}

/// The kinds of value that can meet in one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Number,
    /// Text, dates and choice codes: all compare as text.
    Text,
    Bool,
    Multi,
    Any,
}

fn class(t: Type) -> Class {
    match t {
        Type::Number => Class::Number,
        Type::Text | Type::Date | Type::Choice => Class::Text,
        Type::Bool => Class::Bool,
        Type::Choices => Class::Multi,
        Type::Any => Class::Any,
    }
}

const BOOL_HELP: &str = "compare it, e.g. `x > 0`, or test `not blank(x)`";
const MULTI_HELP: &str = "test one pick with `q has 'code'`; count the picks with `count(q)`";

fn is_blank_literal(e: &Expr) -> bool {
    matches!(&e.kind, Kind::Str(s) if s.is_empty())
}

/// The help for a number written where a choice code (text) is wanted.
fn quote_help(e: &Expr) -> String {
    match e.kind {
        Kind::Num(n) => format!("choice codes are text: write '{n}'"),
        _ => "choice codes are text: write them in quotes, e.g. '1'".to_string(),
    }
}

struct Checker<'a> {
    lookup: &'a dyn Fn(&str) -> Option<Type>,
    known: &'a [&'a str],
}

impl Checker<'_> {
    fn check(&self, e: &Expr) -> Result<Type, ExprError> {
        match &e.kind {
            Kind::Num(_) => Ok(Type::Number),
            // `''` is blank, which fits anywhere a value does (e.g. `if(c, x, '')`).
            Kind::Str(s) if s.is_empty() => Ok(Type::Any),
            Kind::Str(_) => Ok(Type::Text),
            Kind::Bool(_) => Ok(Type::Bool),
            Kind::List(_) => Err(ExprError::new(e.span, "a list can only follow `in`")
                .help("e.g. `x in ['a', 'b']`")),
            Kind::Ref(id) => (self.lookup)(id).ok_or_else(|| self.unknown_name(id, e)),
            Kind::Neg(x) => self.number(x, "`-`").map(|_| Type::Number),
            Kind::Not(x) => self.boolean(x, "`not`").map(|_| Type::Bool),
            Kind::Bin(op, l, r) => self.binary(*op, l, r, e),
            Kind::Call(f, args) => self.call(*f, args, e),
        }
    }

    fn unknown_name(&self, id: &str, e: &Expr) -> ExprError {
        let help = if let Some(close) = text::did_you_mean(id, self.known.iter().copied()) {
            format!("did you mean `{close}`?")
        } else if Func::from_name(id).is_some() {
            format!("`{id}` is a function: call it, e.g. `{id}(x)`")
        } else if ["null", "nil", "none", "empty", "undefined"].contains(&id) {
            "to test for an empty answer write `blank(x)`".to_string()
        } else if id.starts_with("choice.") {
            "`choice.code` and `choice.<attribute>` work only in a `filter:` whose list has that attribute".to_string()
        } else {
            format!(
                "text and choice codes go in quotes ('{id}'); ids name questions, `q.row` likert rows and `q.row.column` grid cells"
            )
        };
        ExprError::new(e.span, format!("unknown name `{id}`")).help(help)
    }

    /// Checks that `e` is a number; `what` names the operation for the message.
    fn number(&self, e: &Expr, what: &str) -> Result<Type, ExprError> {
        let t = self.check(e)?;
        match class(t) {
            Class::Number | Class::Any => Ok(t),
            Class::Multi => Err(ExprError::new(
                e.span,
                format!("{what} needs a number, not a multi-select"),
            )
            .help("count the picks with `count(q)`")),
            _ => Err(ExprError::new(
                e.span,
                format!("{what} needs a number, not {t}"),
            )),
        }
    }

    fn boolean(&self, e: &Expr, what: &str) -> Result<Type, ExprError> {
        let t = self.check(e)?;
        match class(t) {
            Class::Bool | Class::Any => Ok(t),
            _ => Err(
                ExprError::new(e.span, format!("{what} needs true/false, not {t}")).help(BOOL_HELP),
            ),
        }
    }

    fn binary(&self, op: BinOp, l: &Expr, r: &Expr, e: &Expr) -> Result<Type, ExprError> {
        match op {
            BinOp::And | BinOp::Or => {
                let what = format!("`{}`", op.symbol());
                self.boolean(l, &what)?;
                self.boolean(r, &what)?;
                Ok(Type::Bool)
            }
            BinOp::In => self.membership(l, r),
            BinOp::Has => self.has(l, r),
            op if op.is_arithmetic() => self.arithmetic(op, l, r, e),
            _ => self.comparison(op, l, r, e),
        }
    }

    fn arithmetic(&self, op: BinOp, l: &Expr, r: &Expr, e: &Expr) -> Result<Type, ExprError> {
        let (lt, rt) = (self.check(l)?, self.check(r)?);
        let ok = |t: Type| matches!(class(t), Class::Number | Class::Any);
        if ok(lt) && ok(rt) {
            return Ok(Type::Number);
        }
        let verb = match op {
            BinOp::Add => "add",
            BinOp::Sub => "subtract",
            BinOp::Mul => "multiply",
            _ => "divide",
        };
        let help = if lt == Type::Date || rt == Type::Date {
            "there is no date arithmetic; compare dates as text: `d >= '2024-01-01'`"
        } else if lt == Type::Choices || rt == Type::Choices {
            "count the picks of a multi-select with `count(q)`"
        } else if lt == Type::Choice || rt == Type::Choice {
            "a choice is a code (text), not a number"
        } else {
            "arithmetic works on numbers only"
        };
        Err(ExprError::new(e.span, format!("cannot {verb} {lt} and {rt}")).help(help))
    }

    fn comparison(&self, op: BinOp, l: &Expr, r: &Expr, e: &Expr) -> Result<Type, ExprError> {
        if is_blank_literal(l) || is_blank_literal(r) {
            return Err(ExprError::new(e.span, "a comparison with '' is never true")
                .help("'' is blank; test with `blank(x)` or `not blank(x)`"));
        }
        let (lt, rt) = (self.check(l)?, self.check(r)?);
        let (lc, rc) = (class(lt), class(rt));
        let sym = op.symbol();
        if lc == Class::Multi || rc == Class::Multi {
            return Err(
                ExprError::new(e.span, format!("`{sym}` cannot compare a multi-select"))
                    .help(MULTI_HELP),
            );
        }
        let ordering = !matches!(op, BinOp::Eq | BinOp::Ne);
        if ordering && (lc == Class::Bool || rc == Class::Bool) {
            return Err(
                ExprError::new(e.span, format!("`{sym}` cannot order true/false"))
                    .help("compare true/false with `=` or `!=`"),
            );
        }
        if lc == rc || lc == Class::Any || rc == Class::Any {
            return Ok(Type::Bool);
        }
        let choice_vs_number = |t: Type, c: Class| t == Type::Choice && c == Class::Number;
        let help = if choice_vs_number(lt, rc) {
            quote_help(r)
        } else if choice_vs_number(rt, lc) {
            quote_help(l)
        } else {
            "both sides must be the same kind of value".to_string()
        };
        Err(ExprError::new(e.span, format!("cannot compare {lt} and {rt}")).help(help))
    }

    fn membership(&self, l: &Expr, r: &Expr) -> Result<Type, ExprError> {
        let lt = self.check(l)?;
        let Kind::List(items) = &r.kind else {
            return Err(ExprError::new(r.span, "`in` needs a list on the right")
                .help("e.g. `x in ['a', 'b']`"));
        };
        if items.is_empty() {
            return Err(ExprError::new(
                r.span,
                "the list is empty, so `in` is never true",
            ));
        }
        if items
            .iter()
            .any(|i| matches!(i, Literal::Str(s) if s.is_empty()))
        {
            return Err(ExprError::new(r.span, "'' in a list never matches")
                .help("'' is blank; test with `blank(x)`"));
        }
        let numbers = items.iter().all(|i| matches!(i, Literal::Num(_)));
        let texts = items.iter().all(|i| matches!(i, Literal::Str(_)));
        match class(lt) {
            Class::Bool => {
                Err(ExprError::new(l.span, "`in` cannot test true/false").help("compare with `=`"))
            }
            Class::Number if !numbers => Err(ExprError::new(
                r.span,
                format!("the list must hold numbers: the left side is a {lt}"),
            )),
            Class::Text | Class::Multi if !texts => {
                let help = if matches!(lt, Type::Choice | Type::Choices) {
                    "choice codes are text: write them in quotes, e.g. ['1', '2']"
                } else {
                    "write the values in quotes"
                };
                Err(ExprError::new(
                    r.span,
                    format!("the list must hold text: the left side is {lt}"),
                )
                .help(help))
            }
            _ => Ok(Type::Bool),
        }
    }

    fn has(&self, l: &Expr, r: &Expr) -> Result<Type, ExprError> {
        let (lt, rt) = (self.check(l)?, self.check(r)?);
        if !matches!(class(lt), Class::Multi | Class::Any) {
            let help = match lt {
                Type::Choice => "for a single choice write `q = 'code'`",
                _ => "e.g. `services has 'egitim'`",
            };
            return Err(ExprError::new(
                l.span,
                format!("`has` needs a multi-select on the left, not {lt}"),
            )
            .help(help));
        }
        if is_blank_literal(r) {
            return Err(ExprError::new(r.span, "`has ''` is never true")
                .help("to test for no picks write `blank(q)`"));
        }
        match class(rt) {
            Class::Text | Class::Any => Ok(Type::Bool),
            Class::Number => Err(ExprError::new(
                r.span,
                "`has` needs a choice code on the right, not a number",
            )
            .help(quote_help(r))),
            _ => Err(ExprError::new(
                r.span,
                format!("`has` needs a choice code on the right, not {rt}"),
            )
            .help("e.g. `services has 'egitim'`")),
        }
    }

    fn call(&self, f: Func, args: &[Expr], e: &Expr) -> Result<Type, ExprError> {
        if let Some(problem) = f.arity_error(args.len()) {
            return Err(ExprError::new(e.span, problem).help(usage(f)));
        }
        let what = format!("`{}`", f.name());
        match f {
            Func::Blank => self.check(&args[0]).map(|_| Type::Bool),
            Func::Count => {
                for a in args {
                    self.check(a)?;
                }
                Ok(Type::Number)
            }
            Func::Sum | Func::Min | Func::Max | Func::Avg | Func::Abs => {
                for a in args {
                    self.number(a, &what)?;
                }
                Ok(Type::Number)
            }
            Func::Round => self.round(args),
            Func::Len => self.text(&args[0], &what).map(|_| Type::Number),
            Func::If => self.branches(args),
            Func::Matches => self.matches(args),
        }
    }

    fn text(&self, e: &Expr, what: &str) -> Result<Type, ExprError> {
        let t = self.check(e)?;
        match class(t) {
            Class::Text | Class::Any => Ok(t),
            Class::Multi => Err(ExprError::new(
                e.span,
                format!("{what} needs text, not a multi-select"),
            )
            .help("count the picks with `count(q)`")),
            _ => Err(ExprError::new(
                e.span,
                format!("{what} needs text, not {t}"),
            )),
        }
    }

    fn round(&self, args: &[Expr]) -> Result<Type, ExprError> {
        self.number(&args[0], "`round`")?;
        if let Some(digits) = args.get(1) {
            self.number(digits, "`round` digits")?;
            if let Kind::Num(d) = digits.kind
                && (d.fract() != 0.0 || !(0.0..=9.0).contains(&d))
            {
                return Err(ExprError::new(
                    digits.span,
                    "`round` digits must be a whole number from 0 to 9",
                ));
            }
        }
        Ok(Type::Number)
    }

    fn branches(&self, args: &[Expr]) -> Result<Type, ExprError> {
        self.boolean(&args[0], "the condition of `if`")?;
        let (a, b) = (self.check(&args[1])?, self.check(&args[2])?);
        unify(a, b).ok_or_else(|| {
            ExprError::new(
                args[1].span.to(args[2].span),
                format!("the two results of `if` differ: {a} and {b}"),
            )
            .help("both must be the same kind of value; '' gives blank")
        })
    }

    fn matches(&self, args: &[Expr]) -> Result<Type, ExprError> {
        self.text(&args[0], "`matches`")?;
        let pattern = &args[1];
        let Kind::Str(source) = &pattern.kind else {
            return Err(ExprError::new(
                pattern.span,
                "the pattern of `matches` must be written as 'text'",
            )
            .help("e.g. `matches(phone, '0\\d{10}')`"));
        };
        regex_subset::compile(source).map_err(|e| {
            ExprError::new(pattern.span, format!("pattern: {}", e.message)).help(e.help)
        })?;
        Ok(Type::Bool)
    }
}

/// The type of a value that is `a` or `b`.
fn unify(a: Type, b: Type) -> Option<Type> {
    match (a, b) {
        _ if a == b => Some(a),
        (Type::Any, t) | (t, Type::Any) => Some(t),
        _ if class(a) == Class::Text && class(b) == Class::Text => Some(Type::Text),
        _ => None,
    }
}
