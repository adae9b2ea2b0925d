//! Markdown front matter: any text is split and parsed, or refused with a diagnostic.
#![no_main]

use kume::content::front_matter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match front_matter::split(text, "site/content/fuzz.md") {
        Ok(split) => assert!(split.body_line >= 1),
        Err(d) => {
            let _ = d.to_string();
        }
    }
});
