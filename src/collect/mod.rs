//! The response collector: the HTTP API ([`api`]), posted fields to answers ([`form_data`]),
//! the store behind a trait with its SQLite implementation ([`store`]), the read token of the
//! snapshot endpoint ([`read_token`]), the site rebuild after new answers ([`build_hook`]) and
//! restoring backups ([`restore`]) while no collector holds the database ([`db_lock`]), and
//! exports for analysts ([`export`], with SPSS and R files from [`syntax`]).

pub mod admin;
pub mod api;
pub mod build_hook;
pub mod db_lock;
pub mod export;
pub mod form_data;
pub mod limit;
pub mod read_token;
pub mod restore;
pub mod store;
pub mod syntax;
