//! Kume's integration tests: one test binary (see README.md in this folder).

mod harness;

mod admin;
mod benchmark;
mod build;
mod collect;
mod errors;
mod forms;
mod hardening;
mod hostile;
mod html;
mod ims;
mod integrity;
mod production;
mod proxies;
mod regions;
mod search;
mod sectors;
mod serve;
mod store;
mod surveys;
