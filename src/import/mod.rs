//! Importers: official statistics tables as their publishers distribute them, converted into
//! Kume's employment table format (`site/data/employment/*.csv`, docs/sectors.md).

pub mod eurostat;
