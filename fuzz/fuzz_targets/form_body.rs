//! The collector's form-body decoder: any bytes are decoded or refused; decoded fields become
//! answers for every repository survey and go through the server's evaluator.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use kume::collect::form_data;
use kume::config::Config;
use kume::survey::compile::{self, Compiled};
use kume::survey::evaluate;
use libfuzzer_sys::fuzz_target;

fn surveys() -> &'static Vec<Compiled> {
    static SURVEYS: OnceLock<Vec<Compiled>> = OnceLock::new();
    SURVEYS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let config = Config::load(&root).expect("the repository's site/config.yaml loads");
        let (surveys, diags) = compile::load_all(&config);
        assert!(diags.is_empty(), "the repository's surveys compile");
        surveys
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(fields) = form_data::parse_urlencoded(data) else {
        return;
    };
    for value in fields.values().flatten() {
        for lang in ["tr", "en"] {
            if let Some(n) = form_data::parse_number(value, lang) {
                assert!(!n.is_nan(), "`{value}` read as NaN");
            }
        }
    }
    for compiled in surveys() {
        let survey = &compiled.survey;
        for lang in &survey.languages {
            let answers = form_data::to_answers(survey, &fields, lang);
            let outcome = evaluate::evaluate(survey, &answers);
            let stored: serde_json::Map<String, serde_json::Value> = outcome
                .values
                .iter()
                .filter(|(_, v)| !evaluate::is_blank(v))
                .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default()))
                .collect();
            let _ = form_data::to_fields(survey, &stored, lang);
        }
    }
});
