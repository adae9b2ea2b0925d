//! Kume: a toolkit for Turkey's cluster development centres.
//!
//! The pipeline: `site/` (config, content, static) and `templates/` are loaded
//! ([`config`], [`content`]), Markdown is rendered ([`markdown`]), pages go through the
//! templates ([`render`]) and the build writes the static site ([`site`]). [`serve`] keeps a
//! loaded site in memory and re-renders what changes.

pub mod aggregate;
pub mod analyse;
pub mod cli;
pub mod collect;
pub mod config;
pub mod content;
pub mod data;
pub mod diagnostics;
pub mod import;
pub mod locale;
pub mod markdown;
pub mod render;
pub mod serve;
pub mod site;
pub mod survey;
pub mod text;
pub mod yaml;
