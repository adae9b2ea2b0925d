//! The response collector: the HTTP API ([`api`]), reading a submission's body
//! ([`request_body`]), posted fields to answers ([`form_data`]) in the survey's shape
//! ([`shape`]), one submission from body to stored row ([`submit`]), personal links
//! ([`personal`]),
//! the store behind a trait with its SQLite implementation ([`store`]), the read token of the
//! snapshot endpoint ([`read_token`]), the site rebuild after new answers ([`build_hook`]),
//! restoring backups ([`restore`]) while no collector holds the database ([`db_lock`]), the
//! client address the rate limit keys on ([`client_addr`]), the metrics listener
//! ([`metrics`]) and exports for analysts ([`export`], with SPSS and R files from
//! [`syntax`]).

pub mod admin;
pub mod api;
pub mod build_hook;
pub mod client_addr;
pub mod db_lock;
pub mod export;
pub mod form_data;
pub mod limit;
pub mod metrics;
pub mod personal;
pub mod read_token;
pub mod request_body;
pub mod restore;
pub mod server;
pub mod shape;
pub mod store;
pub mod submit;
pub mod syntax;
