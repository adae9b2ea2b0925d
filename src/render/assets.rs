//! The static folder: its files, and the cache-busting URLs templates link to.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use walkdir::WalkDir;

use crate::config::{Config, STATIC_DIR};
use crate::diagnostics::{Diagnostic, display_path, walk_error};

/// Every file under `site/static/`, as (path, URL path), in name order.
pub fn list_static(config: &Config) -> (Vec<(PathBuf, String)>, Vec<Diagnostic>) {
    let dir = config.path(STATIC_DIR);
    let mut files = Vec::new();
    let mut diags = Vec::new();
    if !dir.is_dir() {
        return (files, diags);
    }
    // Linked files are published as the files they point to (see `content::list_files`).
    for entry in WalkDir::new(&dir).follow_links(true).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let url = format!("/{}", display_path(&dir, e.path()));
                files.push((e.into_path(), url));
            }
            Ok(_) => {}
            Err(e) => diags.push(walk_error(&config.root, STATIC_DIR, &e)),
        }
    }
    (files, diags)
}

/// The cache-busting URLs of static files (`/css/kume.css?h=3f2a…`), so that assets can be
/// cached for a year and still change the moment their content does. A file is read and
/// hashed the first time a template asks for it: a static folder can hold large reports and
/// images that no template names, and they were all read once more to be hashed.
pub struct AssetUrls {
    /// The project folder, for the paths errors name.
    root: PathBuf,
    files: HashMap<String, Asset>,
}

struct Asset {
    path: PathBuf,
    url: OnceLock<Result<String, String>>,
}

impl AssetUrls {
    pub fn new(config: &Config, statics: &[(PathBuf, String)]) -> AssetUrls {
        let files = (statics.iter())
            .map(|(path, url)| {
                let asset = Asset {
                    path: path.clone(),
                    url: OnceLock::new(),
                };
                (url.clone(), asset)
            })
            .collect();
        AssetUrls {
            root: config.root.clone(),
            files,
        }
    }

    /// `url` with the hash of its file; what is wrong when it is not a readable static file.
    pub fn get(&self, url: &str) -> Result<String, String> {
        let asset = (self.files.get(url))
            .ok_or_else(|| format!("asset `{url}` is not a file in site/static/"))?;
        let hashed = asset.url.get_or_init(|| {
            std::fs::read(&asset.path)
                .map(|bytes| cache_busting_url(url, &bytes))
                .map_err(|e| {
                    let file = display_path(&self.root, &asset.path);
                    format!("cannot read `{file}` for asset `{url}`: {e}")
                })
        });
        hashed.clone()
    }
}

/// `url` with a hash of the file's bytes, which changes the moment they do.
pub fn cache_busting_url(url: &str, bytes: &[u8]) -> String {
    let hash = crate::text::stable_hash(bytes);
    format!("{url}?h={:010x}", hash & 0xff_ffff_ffff)
}

/// What a script or stylesheet is published as: minified, because a survey page on a phone
/// loads three scripts and the stylesheet, and their comments and indentation were a third of
/// its weight (the sources in `site/static/` stay readable). `None` for any other file, and for
/// one the minifier cannot parse: that is published as it is, heavier but never broken.
pub fn minified(src: &Path) -> std::io::Result<Option<String>> {
    let minify = match src.extension().and_then(|e| e.to_str()) {
        Some("js") => |t: &str| minifier::js::minify(t).map(|m| m.to_string()).ok(),
        Some("css") => |t: &str| minifier::css::minify(t).map(|m| m.to_string()).ok(),
        _ => return Ok(None),
    };
    Ok(minify(&std::fs::read_to_string(src)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_stylesheets_lose_comments_and_indentation() {
        let dir = tempfile::tempdir().unwrap();
        let (js, css) = (dir.path().join("a.js"), dir.path().join("a.css"));
        std::fs::write(&js, "// why\nfunction f(a) {\n  return a / 2; // half\n}\n").unwrap();
        std::fs::write(&css, "/* why */\n.a {\n  color: red;\n}\n").unwrap();
        let js = minified(&js).unwrap().unwrap();
        let css = minified(&css).unwrap().unwrap();
        assert_eq!(js, "function f(a){return a/2;}");
        assert_eq!(css.trim(), ".a{color:red;}");
        let image = dir.path().join("a.png");
        std::fs::write(&image, b"\x89PNG").unwrap();
        assert_eq!(minified(&image).unwrap(), None);
    }
}
