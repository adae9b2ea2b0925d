//! Survey YAML → compiled survey: parsing, every check and the `tests:` scenarios must report
//! problems as diagnostics, never panic, whatever the text.
#![no_main]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kume::config::Config;
use kume::survey::compile::{self, SURVEYS_DIR};
use kume::survey::model::Choice;
use libfuzzer_sys::fuzz_target;

struct Project {
    config: Config,
    builtins: BTreeMap<String, Vec<Choice>>,
}

/// The repository's site configuration and built-in lists, read once.
fn project() -> &'static Project {
    static PROJECT: OnceLock<Project> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let config = Config::load(&root).expect("the repository's site/config.yaml loads");
        let (data, _) = kume::data::ProjectData::load(&config);
        Project {
            config,
            builtins: data.lists,
        }
    })
}

/// The file a survey must live in: named after its `id:` so that inputs mutated from real
/// surveys get past the id/file-name check and reach the deeper steps.
fn path_for(text: &str, root: &Path) -> PathBuf {
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|id| id.trim().trim_matches(['"', '\'']))
        .filter(|id| !id.is_empty() && !id.contains(['/', '\\', '\0']))
        .unwrap_or("fuzz");
    root.join(SURVEYS_DIR).join(format!("{id}.yaml"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let p = project();
    let path = path_for(text, &p.config.root);
    if let Err(diags) = compile::compile_text(&p.config, &path, text, &p.builtins) {
        assert!(!diags.is_empty(), "a refused survey says why");
        for d in diags {
            let _ = d.to_string();
        }
    }
});
