//! Surveys: YAML definitions (`surveys/*.yaml`) → checked model ([`compile`]) → evaluation of
//! answers ([`evaluate`]) → form pages and `schema.json` (rendered by the site build).

pub mod catalogue;
pub mod compile;
pub mod evaluate;
pub mod expr;
pub mod form;
pub mod model;
pub mod pages;
