//! The static folder: its files, and the cache-busting URLs templates link to.

use std::collections::HashMap;
use std::path::PathBuf;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::{Config, STATIC_DIR};
use crate::diagnostics::{Diagnostic, display_path};

/// Every file under `site/static/`, as (path, URL path), in name order.
pub fn list_static(config: &Config) -> (Vec<(PathBuf, String)>, Vec<Diagnostic>) {
    let dir = config.path(STATIC_DIR);
    let mut files = Vec::new();
    let mut diags = Vec::new();
    if !dir.is_dir() {
        return (files, diags);
    }
    for entry in WalkDir::new(&dir).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let url = format!("/{}", display_path(&dir, e.path()));
                files.push((e.into_path(), url));
            }
            Ok(_) => {}
            Err(e) => diags.push(Diagnostic::error(
                STATIC_DIR,
                format!("cannot read the static folder: {e}"),
            )),
        }
    }
    (files, diags)
}

/// Static file URL → the same URL with a content hash (`/css/kume.css?h=3f2a…`), so that
/// assets can be cached for a year and still change the moment their content does.
pub fn asset_urls(statics: &[(PathBuf, String)]) -> HashMap<String, String> {
    statics
        .par_iter()
        .map(|(path, url)| {
            let hash = std::fs::read(path)
                .map(|b| crate::text::stable_hash(&b))
                .unwrap_or_default();
            (
                url.clone(),
                format!("{url}?h={:010x}", hash & 0xff_ffff_ffff),
            )
        })
        .collect()
}
