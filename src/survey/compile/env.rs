//! Pass 1: every question id with its type and where it is declared, so that expressions can
//! refer to questions declared after them.

use std::collections::{BTreeMap, HashMap};

use serde_saphyr::Location;

use super::context::Ctx;
use super::is_snake;
use crate::survey::expr::Type;
use crate::survey::model::{QType, RawQuestion};

/// Every question id with its type and where it is declared (pass 1).
#[derive(Default)]
pub(super) struct Env {
    pub(super) types: BTreeMap<String, Type>,
    pub(super) declared: HashMap<String, Location>,
    /// Choice question (or likert cell) id → its list, to check codes in expressions.
    pub(super) lists: HashMap<String, String>,
}

impl Env {
    pub(super) fn collect(&mut self, ctx: &mut Ctx<'_>, q: &RawQuestion) {
        let id = &q.id.value;
        if !is_snake(id) {
            ctx.error(&q.id.referenced, format!("question id `{id}` is not snake_case"), "use lower-case ASCII letters, digits and `_`, starting with a letter; ids are never translated");
        }
        if let Some(first) = self.declared.get(id) {
            let line = first.line();
            ctx.error(
                &q.id.referenced,
                format!("question id `{id}` is already used on line {line}"),
                "give every question its own id",
            );
            return;
        }
        self.declared.insert(id.clone(), q.id.referenced);
        if let Some(list) = &q.list {
            self.lists.insert(id.clone(), list.value.clone());
            for r in &q.rows {
                self.lists
                    .insert(format!("{id}.{}", r.id.value), list.value.clone());
            }
        }
        let Some(kind) = QType::parse(&q.kind.value) else {
            // Reported in pass 2; known here so that references to it are not errors too.
            self.types.insert(id.clone(), Type::Any);
            return;
        };
        match kind {
            QType::Likert => {
                for r in &q.rows {
                    self.types
                        .insert(format!("{id}.{}", r.id.value), Type::Choice);
                }
            }
            QType::Grid => {
                for r in &q.rows {
                    for c in &q.columns {
                        self.types
                            .insert(format!("{id}.{}.{}", r.id.value, c.id.value), Type::Number);
                    }
                }
            }
            QType::Repeat => {
                self.types.insert(id.clone(), Type::Any);
                for inner in &q.questions {
                    self.collect(ctx, inner);
                }
            }
            QType::Note => {}
            QType::Calculated => {
                // Its type is the type of its expression; checked in pass 2.
                self.types.insert(id.clone(), Type::Any);
            }
            k => {
                self.types.insert(id.clone(), question_type(k));
            }
        }
    }

    pub(super) fn known(&self) -> Vec<&str> {
        self.types.keys().map(String::as_str).collect()
    }
}

fn question_type(k: QType) -> Type {
    match k {
        k if k.is_number() => Type::Number,
        k if k.is_text() => Type::Text,
        QType::Date => Type::Date,
        QType::SelectOne => Type::Choice,
        QType::SelectMany => Type::Choices,
        QType::Consent => Type::Bool,
        _ => Type::Any,
    }
}
