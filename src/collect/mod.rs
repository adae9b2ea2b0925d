//! The response collector: the HTTP API ([`api`]), posted fields to answers ([`form_data`])
//! and the SQLite store with its group-committing writer ([`store`]).

pub mod admin;
pub mod api;
pub mod form_data;
pub mod limit;
pub mod store;
