//! The collector's form-body decoder: any bytes are decoded or refused; decoded fields become
//! answers in each repository survey's shape and go through the server's evaluator, as a
//! submission does; the same bytes as a JSON `answers` object go through the JSON path.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use kume::collect::{form_data, shape};
use kume::config::Config;
use kume::survey::compile::{self, Compiled};
use kume::survey::evaluate;
use libfuzzer_sys::fuzz_target;

fn surveys() -> &'static Vec<Compiled> {
    static SURVEYS: OnceLock<Vec<Compiled>> = OnceLock::new();
    SURVEYS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let config = Config::load(&root).expect("the repository's site/config.yaml loads");
        let (_, surveys, diags) = compile::load_project(&config);
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
            if let Some(n) = kume::locale::parse_number(value, lang) {
                assert!(!n.is_nan(), "`{value}` read as NaN");
            }
        }
    }
    let json = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(data).ok();
    for compiled in surveys() {
        let survey = &compiled.survey;
        if let Some(json) = &json {
            if let Ok(mut answers) = shape::from_json(survey, json) {
                check(survey, &mut answers, "tr");
            }
        }
        for lang in &survey.languages {
            let (mut answers, problems) = form_data::to_answers(survey, &fields, lang);
            if problems.is_empty() {
                check(survey, &mut answers, lang);
            }
        }
    }
});

/// What the collector does with answers of the right shape: evaluate, keep what is shown, and
/// show them again in a form.
fn check(survey: &kume::survey::model::Survey, answers: &mut shape::Answers, lang: &str) {
    shape::drop_unchosen_other(survey, answers);
    let outcome = evaluate::evaluate(survey, answers);
    let kept = shape::kept(survey, answers, &outcome);
    let stored: serde_json::Map<String, serde_json::Value> = kept.into_iter().collect();
    let _ = form_data::to_fields(survey, &stored, lang);
}
