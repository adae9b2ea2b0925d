//! Expressions in a survey (`show_if`, `required`, `assert`, `filter`, `calc`): parsed,
//! type-checked once every id is known, their choice codes checked against the lists, and the
//! dependencies between questions checked for cycles.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_saphyr::{Location, Spanned};

use super::context::Ctx;
use super::env::Env;
use super::questions::Builder;
use crate::survey::expr::{self, Expr, Type};
use crate::text::did_you_mean;

impl Builder<'_> {
    /// Parses and type-checks one expression written as a YAML string.
    pub(super) fn expression(
        &self,
        ctx: &mut Ctx<'_>,
        src: &str,
        loc: &Location,
        what: &str,
        choice_attrs: Option<&BTreeSet<String>>,
    ) -> Option<(Expr, Type)> {
        let parsed = match expr::parse(src) {
            Ok(e) => e,
            Err(e) => {
                ctx.expr_error(loc, src, &e, what);
                return None;
            }
        };
        let lookup = |name: &str| -> Option<Type> {
            if let (Some(attrs), Some(attr)) = (choice_attrs, name.strip_prefix("choice.")) {
                return (attr == "code" || attrs.contains(attr)).then_some(Type::Text);
            }
            self.env.types.get(name).copied()
        };
        let mut known = self.env.known();
        if let Some(attrs) = choice_attrs {
            known.push("choice.code");
            known.extend(attrs.iter().map(String::as_str));
        }
        match expr::check(&parsed, &lookup, &known) {
            Ok(t) => {
                self.check_codes(ctx, &parsed, src, loc, what);
                Some((parsed, t))
            }
            Err(e) => {
                ctx.expr_error(loc, src, &e, what);
                None
            }
        }
    }

    /// `sector = 'manufacturng'` can never be true: every text compared with a choice question
    /// must be a code of its list.
    fn check_codes(&self, ctx: &mut Ctx<'_>, e: &Expr, src: &str, loc: &Location, what: &str) {
        use expr::{BinOp, Kind, Literal};
        match &e.kind {
            Kind::Bin(op @ (BinOp::Eq | BinOp::Ne | BinOp::In | BinOp::Has), l, r) => {
                let (reference, other) = match (&l.kind, &r.kind) {
                    (Kind::Ref(id), _) => (id, r),
                    (_, Kind::Ref(id)) if matches!(op, BinOp::Eq | BinOp::Ne) => (id, l),
                    _ => return,
                };
                let Some(list_name) = self.env.lists.get(reference) else {
                    return;
                };
                let Some(list) = self.list(list_name) else {
                    return;
                };
                let codes: Vec<&str> = match &other.kind {
                    Kind::Str(s) => vec![s.as_str()],
                    Kind::List(items) => items
                        .iter()
                        .filter_map(|i| match i {
                            Literal::Str(s) => Some(s.as_str()),
                            Literal::Num(_) => None,
                        })
                        .collect(),
                    _ => return,
                };
                for code in codes {
                    if !list.iter().any(|c| c.code == code) {
                        let known = list.iter().map(|c| c.code.as_str());
                        let help = match did_you_mean(code, known) {
                            Some(s) => format!("did you mean `'{s}'`?"),
                            None => format!(
                                "codes of `{list_name}`: {}",
                                list.iter()
                                    .map(|c| c.code.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        };
                        let err = expr::ExprError {
                            span: other.span,
                            message: format!(
                                "`{code}` is not a code of list `{list_name}` (question `{reference}`), so this is never true"
                            ),
                            help: Some(help),
                        };
                        ctx.expr_error(loc, src, &err, what);
                    }
                }
            }
            Kind::Bin(_, l, r) => {
                self.check_codes(ctx, l, src, loc, what);
                self.check_codes(ctx, r, src, loc, what);
            }
            Kind::Not(x) | Kind::Neg(x) => self.check_codes(ctx, x, src, loc, what),
            Kind::Call(_, args) => {
                for a in args {
                    self.check_codes(ctx, a, src, loc, what);
                }
            }
            _ => {}
        }
    }

    /// `show_if`, `required` or `assert`: an expression, `true`/`false`, or a map shorthand.
    pub(super) fn condition(
        &self,
        ctx: &mut Ctx<'_>,
        c: &Spanned<serde_json::Value>,
        what: &str,
        _attrs: Option<&BTreeSet<String>>,
    ) -> Option<Expr> {
        let expr = match &c.value {
            serde_json::Value::String(src) => self
                .expression(ctx, src, &c.referenced, what, None)
                .map(|(e, t)| (e, Some(t))),
            serde_json::Value::Bool(b) => expr::parse(if *b { "true" } else { "false" })
                .ok()
                .map(|e| (e, Some(Type::Bool))),
            serde_json::Value::Object(map) => {
                let pairs: Vec<(String, serde_json::Value)> =
                    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                match expr::from_map(&pairs) {
                    Ok(e) => {
                        let known = self.env.known();
                        match expr::check(&e, &|n: &str| self.env.types.get(n).copied(), &known) {
                            Ok(t) => Some((e, Some(t))),
                            Err(err) => {
                                ctx.error(
                                    &c.referenced,
                                    format!("{what}: {}", err.message),
                                    err.help.unwrap_or_default(),
                                );
                                None
                            }
                        }
                    }
                    Err(msg) => {
                        ctx.error(
                            &c.referenced,
                            format!("{what}: {msg}"),
                            "write `{question: value}` or an expression in quotes",
                        );
                        None
                    }
                }
            }
            _ => {
                ctx.error(
                    &c.referenced,
                    format!("{what} must be an expression, true/false or a map"),
                    "e.g. `show_if: \"uye_sayisi > 0\"` or `show_if: {uye_mi: evet}`",
                );
                None
            }
        }?;
        match expr.1 {
            Some(Type::Bool) | Some(Type::Any) | None => Some(expr.0),
            Some(t) => {
                ctx.error(
                    &c.referenced,
                    format!("{what} must be true or false, but this expression gives {t:?}"),
                    "compare it, e.g. `x > 0` or `not blank(x)`",
                );
                None
            }
        }
    }
}

/// A question whose visibility or value depends on itself, directly or through others, can
/// never be decided: report the cycle at the first question in it.
pub(super) fn check_cycles(ctx: &mut Ctx<'_>, deps: &BTreeMap<String, Vec<String>>, env: &Env) {
    let base = |r: &str| r.split('.').next().unwrap_or(r).to_string();
    let mut state: HashMap<String, u8> = HashMap::new();
    fn visit(
        node: &str,
        deps: &BTreeMap<String, Vec<String>>,
        base: &dyn Fn(&str) -> String,
        state: &mut HashMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(node) {
            Some(1) => {
                let start = stack.iter().position(|n| n == node).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(node.to_string());
                return Some(cycle);
            }
            Some(2) => return None,
            _ => {}
        }
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for d in deps.get(node).into_iter().flatten() {
            if let Some(c) = visit(&base(d), deps, base, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    // One cycle is reported: the search state means nothing after the first, and fixing it
    // often removes the others.
    for id in deps.keys() {
        let mut stack = Vec::new();
        if let Some(cycle) = visit(id, deps, &base, &mut state, &mut stack) {
            let first = cycle[0].clone();
            if let Some(loc) = env.declared.get(&first) {
                let path = cycle.join(" → ");
                ctx.error(
                    loc,
                    format!("question `{first}` depends on itself: {path}"),
                    "a show_if or calc cannot refer back to the question it decides",
                );
            }
            break;
        }
    }
}
