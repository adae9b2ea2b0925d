//! Recursive descent with one token of look-ahead.
//!
//! Precedence, loosest first: `or` < `and` < `not` < comparison / `in` / `has` (not chained) <
//! `+ -` < `* /` < unary `-` < call and atom. Binary operators associate to the left.

use super::lexer::{Lexer, Tok, Token};
use super::{BinOp, Expr, ExprError, Func, Kind, Literal, MAX_DEPTH, MAX_LEN, Span};
use crate::text;

/// Parses an expression, checking syntax, function names and argument counts.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    if src.len() > MAX_LEN {
        return Err(ExprError::new(
            Span::new(0, src.len()),
            format!(
                "the expression is too long ({} bytes; the limit is {MAX_LEN})",
                src.len()
            ),
        )
        .help("split it: use a `calculated` question for a part of it"));
    }
    let mut parser = Parser::new(src)?;
    if parser.tok.tok == Tok::Eof {
        return Err(ExprError::new(parser.tok.span, "empty expression")
            .help("write a condition, e.g. `uye_sayisi > 0`"));
    }
    let expr = parser.expr()?;
    if parser.tok.tok != Tok::Eof {
        return Err(parser.unexpected(
            "expected an operator (`and`, `or`, `=`, `+`, …) or the end of the expression",
        ));
    }
    check_depth(&expr, 1)?;
    Ok(expr)
}

/// Rejects trees deeper than [`MAX_DEPTH`] levels of JSON nesting. The recursion stops at the
/// limit, so a long chain like `1+1+…+1` cannot overflow the stack here.
pub(super) fn check_depth(expr: &Expr, depth: usize) -> Result<(), ExprError> {
    if depth > MAX_DEPTH {
        return Err(too_deep(expr.span));
    }
    let step = if matches!(expr.kind, Kind::Call(..)) {
        2
    } else {
        1
    };
    expr.children()
        .into_iter()
        .try_for_each(|child| check_depth(child, depth + step))
}

fn too_deep(span: Span) -> ExprError {
    ExprError::new(
        span,
        format!("the expression is nested too deeply (more than {MAX_DEPTH} levels)"),
    )
    .help("use `in [...]` instead of long `or` chains and `sum(...)` instead of long `+` chains")
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    src: &'a str,
    tok: Token,
    /// How many nested parse calls are open: bounded so hostile input cannot overflow the stack.
    nesting: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Result<Parser<'a>, ExprError> {
        let mut lexer = Lexer::new(src);
        let tok = lexer.next_token()?;
        Ok(Parser {
            lexer,
            src,
            tok,
            nesting: 0,
        })
    }

    /// Moves to the next token, returning the current one.
    fn bump(&mut self) -> Result<Token, ExprError> {
        let next = self.lexer.next_token()?;
        Ok(std::mem::replace(&mut self.tok, next))
    }

    fn eat(&mut self, tok: &Tok) -> Result<bool, ExprError> {
        if self.tok.tok == *tok {
            self.bump()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<Token, ExprError> {
        if self.tok.tok == *tok {
            return self.bump();
        }
        Err(self.unexpected(&format!("expected {what}")))
    }

    /// An error at the current token.
    fn unexpected(&self, help: &str) -> ExprError {
        let found = if self.tok.tok == Tok::Eof {
            "unexpected end of expression".to_string()
        } else {
            format!(
                "unexpected `{}`",
                &self.src[self.tok.span.start..self.tok.span.end]
            )
        };
        ExprError::new(self.tok.span, found).help(help)
    }

    /// Runs `f` one nesting level deeper.
    fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, ExprError>,
    ) -> Result<T, ExprError> {
        if self.nesting >= MAX_DEPTH {
            return Err(too_deep(self.tok.span));
        }
        self.nesting += 1;
        let result = f(self);
        self.nesting -= 1;
        result
    }

    fn expr(&mut self) -> Result<Expr, ExprError> {
        self.nested(Self::or)
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.and()?;
        while self.eat(&Tok::Or)? {
            let right = self.and()?;
            left = binary(BinOp::Or, left, right);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.not()?;
        while self.eat(&Tok::And)? {
            let right = self.not()?;
            left = binary(BinOp::And, left, right);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, ExprError> {
        if self.tok.tok != Tok::Not {
            return self.comparison();
        }
        let start = self.bump()?.span;
        let operand = self.nested(Self::not)?;
        let span = start.to(operand.span);
        Ok(Expr::new(Kind::Not(Box::new(operand)), span))
    }

    fn comparison(&mut self) -> Result<Expr, ExprError> {
        let left = self.additive()?;
        let Some(op) = comparison_op(&self.tok.tok) else {
            return Ok(left);
        };
        self.bump()?;
        let right = match op {
            BinOp::In => self.list_after_in()?,
            _ => self.additive()?,
        };
        if comparison_op(&self.tok.tok).is_some() {
            return Err(
                ExprError::new(self.tok.span, "comparisons cannot be chained")
                    .help("join two comparisons with `and`: `0 < x and x < 10`"),
            );
        }
        Ok(binary(op, left, right))
    }

    fn list_after_in(&mut self) -> Result<Expr, ExprError> {
        if self.tok.tok != Tok::LBracket {
            return Err(self.unexpected(
                "expected a list after `in`, e.g. `x in ['a', 'b']`; to test a multi-select write `q has 'code'`",
            ));
        }
        self.list()
    }

    fn additive(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.tok.tok {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(left),
            };
            self.bump()?;
            let right = self.multiplicative()?;
            left = binary(op, left, right);
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.tok.tok {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                _ => return Ok(left),
            };
            self.bump()?;
            let right = self.unary()?;
            left = binary(op, left, right);
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.tok.tok != Tok::Minus {
            return self.atom();
        }
        let start = self.bump()?.span;
        let operand = self.nested(Self::unary)?;
        let span = start.to(operand.span);
        // `-3` is a number, not an operation: smaller JSON and a literal `in` lists accept.
        let kind = match operand.kind {
            Kind::Num(n) => Kind::Num(-n),
            _ => Kind::Neg(Box::new(operand)),
        };
        Ok(Expr::new(kind, span))
    }

    fn atom(&mut self) -> Result<Expr, ExprError> {
        let span = self.tok.span;
        let kind = match &self.tok.tok {
            Tok::Num(n) => Kind::Num(*n),
            Tok::Str(s) => Kind::Str(s.clone()),
            Tok::True => Kind::Bool(true),
            Tok::False => Kind::Bool(false),
            Tok::LBracket => return self.list(),
            Tok::LParen => return self.parenthesised(),
            Tok::Ident(name) => {
                let name = name.clone();
                self.bump()?;
                return match self.tok.tok {
                    Tok::LParen => self.call(&name, span),
                    _ => Ok(Expr::new(Kind::Ref(name), span)),
                };
            }
            Tok::Not => {
                return Err(self.unexpected(
                    "`not` binds loosely: put it in parentheses here, e.g. `a = (not b)`",
                ));
            }
            _ => {
                return Err(self.unexpected(
                    "expected a value: an id, a number, 'text', true, false, a function call or `(`",
                ));
            }
        };
        self.bump()?;
        Ok(Expr::new(kind, span))
    }

    fn parenthesised(&mut self) -> Result<Expr, ExprError> {
        let open = self.bump()?.span;
        let mut inner = self.expr()?;
        let close = self.expect(&Tok::RParen, "`)`")?.span;
        // The parentheses belong to the node for error spans; they leave no trace in the tree.
        inner.span = open.to(close);
        Ok(inner)
    }

    fn list(&mut self) -> Result<Expr, ExprError> {
        let open = self.bump()?.span;
        let mut items = Vec::new();
        while self.tok.tok != Tok::RBracket {
            items.push(self.list_item()?);
            if !self.eat(&Tok::Comma)? {
                break;
            }
        }
        let close = self.expect(&Tok::RBracket, "`]` or `,`")?.span;
        Ok(Expr::new(Kind::List(items), open.to(close)))
    }

    fn list_item(&mut self) -> Result<Literal, ExprError> {
        let negative = self.eat(&Tok::Minus)?;
        let item = match (&self.tok.tok, negative) {
            (Tok::Num(n), _) => Literal::Num(if negative { -n } else { *n }),
            (Tok::Str(s), false) => Literal::Str(s.clone()),
            _ => return Err(self.unexpected("a list holds only numbers and 'text'")),
        };
        self.bump()?;
        Ok(item)
    }

    fn call(&mut self, name: &str, name_span: Span) -> Result<Expr, ExprError> {
        let Some(func) = Func::from_name(name) else {
            return Err(unknown_function(name, name_span));
        };
        self.bump()?;
        let mut args = Vec::new();
        while self.tok.tok != Tok::RParen {
            args.push(self.expr()?);
            if !self.eat(&Tok::Comma)? {
                break;
            }
        }
        let close = self.expect(&Tok::RParen, "`)` or `,`")?.span;
        let span = name_span.to(close);
        if let Some(problem) = func.arity_error(args.len()) {
            return Err(ExprError::new(span, problem).help(usage(func)));
        }
        Ok(Expr::new(Kind::Call(func, args), span))
    }
}

fn comparison_op(tok: &Tok) -> Option<BinOp> {
    Some(match tok {
        Tok::Eq => BinOp::Eq,
        Tok::Ne => BinOp::Ne,
        Tok::Lt => BinOp::Lt,
        Tok::Le => BinOp::Le,
        Tok::Gt => BinOp::Gt,
        Tok::Ge => BinOp::Ge,
        Tok::In => BinOp::In,
        Tok::Has => BinOp::Has,
        _ => return None,
    })
}

fn binary(op: BinOp, left: Expr, right: Expr) -> Expr {
    let span = left.span.to(right.span);
    Expr::new(Kind::Bin(op, Box::new(left), Box::new(right)), span)
}

fn unknown_function(name: &str, span: Span) -> ExprError {
    let names = Func::ALL.map(Func::name);
    let help = match text::did_you_mean(name, names) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("the functions are {}", names.join(", ")),
    };
    ExprError::new(span, format!("unknown function `{name}`")).help(help)
}

/// How a function is called, for arity errors.
pub(super) fn usage(func: Func) -> &'static str {
    match func {
        Func::Blank => "blank(x) is true when x has no answer",
        Func::Count => {
            "count(q) counts the picks of a multi-select; count(a, b, …) the answered ones"
        }
        Func::Sum => "sum(a, b, …) adds the numbers, skipping blanks",
        Func::Min => "min(a, b, …) is the smallest number, skipping blanks",
        Func::Max => "max(a, b, …) is the largest number, skipping blanks",
        Func::Avg => "avg(a, b, …) is the mean of the numbers, skipping blanks",
        Func::Round => "round(x) or round(x, digits) with digits 0 to 9",
        Func::Abs => "abs(x) is x without its sign",
        Func::Len => "len(text) is the number of characters",
        Func::If => "if(condition, then, else)",
        Func::Matches => "matches(text, 'pattern') tests the whole text against the pattern",
    }
}
