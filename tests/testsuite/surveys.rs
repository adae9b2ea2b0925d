//! Surveys: compiled into forms, and every mistake in a survey file reported with its place.

use crate::harness::{Run, TestSite, repo};

fn with_valid_survey() -> TestSite {
    let site = TestSite::base();
    let text = std::fs::read_to_string(repo().join("tests/fixtures/surveys/deneme.yaml")).unwrap();
    site.write("surveys/deneme.yaml", &text);
    site
}

fn check(fixture: &str) -> Run {
    let run = TestSite::fixture(&format!("invalid/{fixture}")).kume(&["check"]);
    run.assert_code(1);
    run
}

#[test]
fn valid_survey_compiles_into_forms_per_language() {
    let site = with_valid_survey();
    site.build();
    for page in [
        "anket/index.html",
        "anket/deneme/index.html",
        "anket/deneme/tesekkurler/index.html",
        "anket/deneme/yazdir/index.html",
        "anket/deneme/schema.json",
        "en/survey/index.html",
        "en/survey/deneme/index.html",
        "en/survey/deneme/thanks/index.html",
        "en/survey/deneme/print/index.html",
    ] {
        assert!(site.output_exists(page), "missing {page}");
    }
    let schema: serde_json::Value =
        serde_json::from_str(&site.read_output("anket/deneme/schema.json")).unwrap();
    assert_eq!(schema["survey"]["id"], "deneme");
    assert_eq!(schema["hash"].as_str().unwrap().len(), 16);
    assert_eq!(
        schema["survey"]["sections"][0]["questions"][1]["show_if"]["t"], "bin",
        "show_if ships as a syntax tree"
    );
    assert_eq!(
        schema["survey"]["lists"]["evet_hayir"][0]["label"]["tr"],
        "Evet"
    );

    // The form's script reads logic.json: the same logic and hash, not the texts the page shows.
    let html = site.read_output("anket/deneme/index.html");
    assert!(html.contains("data-logic=\"/anket/deneme/logic.json\""));
    let logic: serde_json::Value =
        serde_json::from_str(&site.read_output("anket/deneme/logic.json")).unwrap();
    assert_eq!(logic["hash"], schema["hash"]);
    assert_eq!(logic["survey"]["id"], "deneme");
    assert_eq!(
        logic["survey"]["sections"][0]["questions"][1]["show_if"],
        schema["survey"]["sections"][0]["questions"][1]["show_if"]
    );
    assert_eq!(logic["survey"]["lists"]["evet_hayir"][0]["code"], "evet");
    assert!(
        logic["survey"]["lists"]["evet_hayir"][0]
            .get("label")
            .is_none()
    );
    assert!(logic["survey"].get("privacy").is_none());
    let en: serde_json::Value =
        serde_json::from_str(&site.read_output("en/survey/deneme/logic.json")).unwrap();
    assert_eq!(
        en["survey"]["sections"][0]["questions"][0]["label"]["en"],
        "Are you a member?"
    );
}

#[test]
fn form_works_without_javascript_and_is_labelled() {
    let site = with_valid_survey();
    site.build();
    let html = site.read_output("anket/deneme/index.html");
    assert!(html.contains(
        "<form class=\"survey-form\" method=\"post\" action=\"/api/v1/surveys/deneme/responses\""
    ));
    assert!(
        html.contains("<legend>Üye misiniz? <span class=\"required\">(zorunlu)</span></legend>"),
        "radio groups are fieldsets"
    );
    // Each choice is labelled by the label around it; the first carries the question's id,
    // where the error summary links.
    assert!(html.contains(
        "<label class=\"choice\"><input type=\"radio\" id=\"f-uye_mi\" name=\"uye_mi\" value=\"evet\" required> Evet</label>"
    ));
    assert!(html.contains(
        "<label class=\"choice\"><input type=\"radio\" name=\"uye_mi\" value=\"hayir\" required> Hayır</label>"
    ));
    // A conditional question says when it applies, for readers without JavaScript.
    assert!(html.contains("class=\"condition\" id=\"f-uye_sayisi-cond\">Bu soru, şu sorulara verdiğiniz yanıtlara göre geçerlidir; geçerli değilse boş bırakın: «Üye misiniz?»"));
    assert!(html.contains("aria-describedby=\"f-uye_sayisi-cond\""));
    // Turkish numbers: 1.234,56.
    assert!(
        html.contains("inputmode=\"numeric\" pattern=\"-?([0-9]{1,3}(\\.[0-9]{3})+|[0-9]+)\""),
        "{html}"
    );
    let en = site.read_output("en/survey/deneme/index.html");
    assert!(en.contains("pattern=\"-?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)\""));
    // Scripts only from files; data blocks are not executed.
    for tag in html
        .match_indices("<script")
        .map(|(i, _)| &html[i..i + 60.min(html.len() - i)])
    {
        assert!(
            tag.contains(" src=") || tag.contains("type=\"application/json\""),
            "inline script: {tag}"
        );
    }
}

#[test]
fn survey_tests_run_in_check() {
    check("survey-failing-test").assert_stderr_has(
        "surveys/deneme.yaml:45:11: error: test `oran hesaplanır` failed: expected `oran` = 30, got 25\n  \
         help: fix the survey or the test's expectation",
    );
}

#[test]
fn unknown_id_in_an_expression_suggests_the_right_one() {
    check("survey-unknown-id")
        .assert_stderr_has("surveys/deneme.yaml:27:19: error: show_if: unknown name `uyemi`\n  help: did you mean `uye_mi`?");
}

#[test]
fn duplicate_question_id_names_the_first_line() {
    check("survey-duplicate-id").assert_stderr_has(
        "surveys/deneme.yaml:30:13: error: question id `uye_sayisi` is already used on line 24\n  help: give every question its own id",
    );
}

#[test]
fn unknown_list_and_type_suggest_the_right_one() {
    let run = check("survey-unknown-list");
    run.assert_stderr_has("surveys/deneme.yaml:22:15: error: unknown choice list `evet_hayr`\n  help: did you mean `evet_hayir`?");
    run.assert_stderr_has("1 error");
    let run = check("survey-unknown-type");
    run.assert_stderr_has("surveys/deneme.yaml:25:15: error: unknown question type `integr`\n  help: did you mean `integer`?");
    run.assert_stderr_has("1 error");
}

#[test]
fn missing_translation_fails() {
    check("survey-missing-translation").assert_stderr_has(
        "surveys/deneme.yaml:26:16: error: `label` has no `en` text\n  help: add `en: …`; a missing translation fails the build",
    );
}

#[test]
fn min_greater_than_max() {
    check("survey-min-max")
        .assert_stderr_has("surveys/deneme.yaml:28:14: error: `min: 10` is greater than `max: 5`\n  help: swap them, or correct one of them");
}

#[test]
fn invalid_regex() {
    check("survey-bad-regex").assert_stderr_has("surveys/deneme.yaml:33:18: error: `pattern` is not a valid regular expression: unclosed `[`");
}

#[test]
fn dependency_cycle() {
    check("survey-cycle").assert_stderr_has(
        "surveys/deneme.yaml:30:13: error: question `aktif_uye` depends on itself: aktif_uye → oran → aktif_uye\n  \
         help: a show_if or calc cannot refer back to the question it decides",
    );
}

#[test]
fn unused_list() {
    check("survey-unused-list")
        .assert_stderr_has("surveys/deneme.yaml:16:5: error: list `kullanilmayan` is not used by any question\n  help: remove it, or use it with `list:`");
}

#[test]
fn type_error_in_an_expression() {
    check("survey-type-error")
        .assert_stderr_has("surveys/deneme.yaml:40:16: error: calc: cannot multiply choice and number\n  help: a choice is a code (text), not a number");
}

#[test]
fn survey_id_must_match_its_file() {
    check("survey-id-mismatch").assert_stderr_has(
        "surveys/deneme.yaml:1:5: error: survey id `baska` differs from the file name `deneme`\n  help: rename the file to baska.yaml or the id to `deneme`",
    );
}

#[test]
fn hostile_yaml_is_refused_quickly() {
    let start = std::time::Instant::now();
    let run = check("survey-hostile-yaml");
    run.assert_stderr_has("error: the YAML expands to too much data (anchors and aliases repeating large blocks, or a huge file)");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    check("survey-deep-nesting")
        .assert_stderr_has("surveys/deneme.yaml:44:265: error: the YAML is nested too deeply");
}

#[test]
fn shipped_surveys_compile_and_pass_their_tests() {
    let out = tempfile::tempdir().unwrap();
    let run = crate::harness::kume_in(&repo(), &["build", "--out", out.path().to_str().unwrap()]);
    run.assert_code(0);
    for id in ["kume-yoneticisi", "uye-firma", "paydas-ihtiyac"] {
        assert!(
            out.path().join(format!("anket/{id}/index.html")).exists(),
            "{id}"
        );
        assert!(
            out.path()
                .join(format!("en/survey/{id}/index.html"))
                .exists(),
            "{id}"
        );
    }
}

#[test]
fn comparing_with_a_code_that_is_not_in_the_list() {
    check("survey-unknown-code").assert_stderr_has(
        "surveys/deneme.yaml:27:28: error: show_if: `evt` is not a code of list `evet_hayir` (question `uye_mi`), so this is never true\n  \
         help: did you mean `'evet'`?",
    );
}

#[test]
fn always_hidden_question() {
    check("survey-always-hidden").assert_stderr_has(
        "surveys/deneme.yaml:27:18: error: question `uye_sayisi` is always hidden: its show_if is never true\n  \
         help: remove the question, or give show_if a condition on other answers",
    );
}

#[test]
fn the_cluster_registry_is_a_built_in_choice_list() {
    let site = TestSite::fixture("benchmark");
    let survey =
        std::fs::read_to_string(repo().join("tests/fixtures/surveys/deneme.yaml")).unwrap();
    let survey = survey[..survey.find("tests:").unwrap()]
        .replace("id: deneme", "id: hangi")
        .replace("list: evet_hayir\n        required: true", "list: kumeler\n        required: true")
        .replace("uye_mi = 'evet'", "not blank(uye_mi)")
        .replace("lists:\n  evet_hayir:\n    - {code: evet, label: {tr: \"Evet\", en: \"Yes\"}}\n    - {code: hayir, label: {tr: \"Hayır\", en: \"No\"}}\n", "");
    site.write("surveys/hangi.yaml", &survey);
    site.build();
    let form = site.read_output("anket/hangi/index.html");
    assert!(
        form.contains("value=\"k1\" required> Deneme Kümesi 1 (örnek veri)</label>"),
        "{form}"
    );
}
