//! Surveys: YAML definitions → checked model → compiled schema and form pages.

pub mod expr;
