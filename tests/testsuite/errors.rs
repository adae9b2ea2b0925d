//! Every mistake a maintainer can make is reported with its exact place and a fix.

use crate::harness::{TestSite, repo};

const ERRORS: i32 = 1;

fn check(fixture: &str) -> crate::harness::Run {
    let run = TestSite::fixture(&format!("invalid/{fixture}")).kume(&["check"]);
    run.assert_code(ERRORS);
    run
}

#[test]
fn broken_link_names_file_line_and_column() {
    check("broken-link").assert_stderr_has(
        "site/content/_index.md:7:9: error: link `olmayan.md`: the file site/content/olmayan.md does not exist\n  \
         help: link to a Markdown file under site/content/, relative to this file",
    );
}

#[test]
fn broken_anchor_suggests_the_closest_heading() {
    check("broken-anchor").assert_stderr_has(
        "site/content/_index.md:7:9: error: link `hakkinda.md#amac-yok`: site/content/hakkinda.md has no heading with the id `amac-yok`\n  \
         help: did you mean `#amac`?",
    );
}

#[test]
fn unknown_front_matter_key_suggests_the_right_one() {
    let run = check("bad-front-matter");
    run.assert_stderr_has(
        "site/content/hakkinda.md:3:1: error: unknown field `wieght`\n  \
         help: did you mean `weight`? Allowed keys: title, description, date, weight, draft, slug, aliases, template, taxonomies, extra, book, feed",
    );
    // The broken file is reported once, not again by every link that points to it.
    assert_eq!(run.stderr.matches("error:").count(), 1, "{}", run.stderr);
}

#[test]
fn unknown_template_points_at_the_template_key() {
    let run = check("unknown-template");
    run.assert_stderr_has(
        "site/content/hakkinda.md:4:11: error: template `ozel.html` does not exist\n  \
         help: name a file in templates/, e.g. `template: page.html`, or remove the key",
    );
    assert_eq!(run.stderr.matches("error:").count(), 1, "{}", run.stderr);
}

#[test]
fn template_syntax_error_names_template_and_line() {
    check("template-syntax").assert_stderr_has(
        "templates/page.html:6: error: template syntax error: unknown statement endblock\n  \
         help: fix the template syntax (minijinja follows Jinja2)",
    );
}

#[test]
fn undefined_template_value_names_template_line_and_page() {
    let run = check("template-undefined");
    run.assert_stderr_has("templates/page.html:3: error: undefined value: `page.titel` is undefined\n  help: check the variable name");
    // One report for the template mistake, however many pages use the template.
    assert_eq!(run.stderr.matches("error:").count(), 1, "{}", run.stderr);
}

#[test]
fn ui_string_missing_in_one_language_is_an_error() {
    let lines = std::fs::read_to_string(repo().join("site/i18n/tr.yaml"))
        .unwrap()
        .lines()
        .count();
    let run = check("missing-translation");
    run.assert_stderr_has(&format!(
        "site/i18n/tr.yaml:{}:1: error: UI string `yeni_anahtar` has no translation in `site/i18n/en.yaml`\n  \
         help: add `yeni_anahtar: …` to site/i18n/en.yaml",
        lines + 1
    ));
    assert_eq!(run.stderr.matches("error:").count(), 1, "{}", run.stderr);
}

#[test]
fn link_to_a_missing_static_file() {
    check("broken-static-link").assert_stderr_has(
        "site/content/hakkinda.md:7:1: error: link `/img/logo.png`: no page or file has the URL `/img/logo.png`\n  \
         help: put the file at site/static/img/logo.png, or correct the path",
    );
}

#[test]
fn link_from_english_to_a_page_without_english_translation() {
    check("untranslated-link").assert_stderr_has(
        "site/content/_index.en.md:7:5: error: link `haberler.md`: `haberler.md` has no translation in this page's language (en)\n  \
         help: add the translation next to it, or link to the page's URL `/haberler/` explicitly",
    );
}

#[test]
fn invalid_slug_suggests_a_valid_one() {
    check("bad-slug").assert_stderr_has(
        "site/content/hakkinda.en.md:4:7: error: `slug: About Us` is not a valid URL slug\n  \
         help: use lower-case ASCII letters, digits and dashes, e.g. `slug: about-us`",
    );
}

#[test]
fn unknown_taxonomy_suggests_the_declared_one() {
    check("unknown-taxonomy").assert_stderr_has(
        "site/content/hakkinda.md:5: error: unknown taxonomy `audiense`\n  help: did you mean `audience`? Declared taxonomies: audience",
    );
}

#[test]
fn page_without_section_index() {
    check("missing-section").assert_stderr_has(
        "site/content/rehber/arac.md: error: this page has no section in Türkçe: `site/content/rehber/_index.md` does not exist\n  \
         help: create site/content/rehber/_index.md with a title, or move the file",
    );
}

#[test]
fn two_pages_with_one_url() {
    check("duplicate-url")
        .assert_stderr_has("error: its URL `/hakkinda/` is also the URL of site/content/");
}

#[test]
fn config_errors_are_all_reported_with_lines() {
    let run = check("config-missing-text");
    run.assert_stderr_has("site/config.yaml:1:8: error: `title` has no text for language `en`\n  help: add `en: …` to `title`");
    run.assert_stderr_has("site/config.yaml:3:11: error: `base_url` must be an absolute http(s) URL, not `test.example.org`");
    run.assert_stderr_has("2 errors");
}

#[test]
fn check_reports_json_for_tools() {
    let run = TestSite::fixture("invalid/broken-link").kume(&["check", "--format", "json"]);
    run.assert_code(ERRORS);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(report["ok"], false);
    let e = &report["errors"][0];
    assert_eq!(e["file"], "site/content/_index.md");
    assert_eq!(e["line"], 7);
    assert_eq!(e["column"], 9);
    assert_eq!(e["severity"], "error");
    assert!(e["message"].as_str().unwrap().contains("olmayan.md"));
}

#[test]
fn build_with_errors_fails_and_keeps_the_previous_output() {
    let site = TestSite::fixture("invalid/broken-link");
    site.write("public/index.html", "previous");
    let out = site.root.join("public");
    let run = site.kume(&["build", "--out", out.to_str().unwrap()]);
    run.assert_code(ERRORS)
        .assert_stderr_has("site/content/_index.md:7:9: error:");
    assert_eq!(site.read_output("index.html"), "previous");
}

#[test]
fn missing_config_tells_where_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = crate::harness::kume_in(dir.path(), &["check"]);
    run.assert_code(ERRORS)
        .assert_stderr_has("site/config.yaml: error: cannot read the site configuration");
    run.assert_stderr_has(
        "help: run kume in the folder that holds site/config.yaml, or pass --root DIR",
    );
}

#[test]
fn bad_command_line_exits_2_and_help_documents_exit_codes() {
    let run = crate::harness::kume_in(&repo(), &["build", "--nope"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_kume"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("Exit codes:") && help.contains("1  the site has errors"),
        "{help}"
    );
}

#[test]
fn output_folder_holding_sources_is_refused() {
    let site = TestSite::base();
    let root = site.root.to_str().unwrap().to_string();
    let run = site.kume(&["build", "--out", &root]);
    run.assert_code(ERRORS)
        .assert_stderr_has("refusing to use this folder as the output: it holds sources");
    assert!(site.root.join("site/config.yaml").exists());
}

#[test]
fn a_file_given_as_the_output_folder_is_refused_and_kept() {
    let site = TestSite::base();
    site.write("notlar.txt", "notlar\n");
    let file = site.root.join("notlar.txt");
    site.kume(&["build", "--out", file.to_str().unwrap()])
        .assert_code(ERRORS)
        .assert_stderr_has("error: refusing to use this file as the output folder\n  help: pick an output folder of its own, e.g. --out public");
    assert_eq!(std::fs::read_to_string(file).unwrap(), "notlar\n");
}

/// A large site's content is read by many threads at once: a file that cannot be read is
/// reported once, by its path, and every other file is still read and checked.
#[test]
fn an_unreadable_file_among_many_is_named_once() {
    let site = TestSite::base();
    site.write("site/content/arsiv/_index.md", "---\ntitle: Arşiv\n---\n");
    for i in 0..300 {
        site.write(
            &format!("site/content/arsiv/sayfa-{i:03}.md"),
            &format!("---\ntitle: Sayfa {i}\n---\n[Yok](yok-{i}.md)\n"),
        );
    }
    std::fs::write(
        site.root.join("site/content/arsiv/sayfa-150.md"),
        b"---\ntitle: Bozuk\n---\nT\xfcrk\xe7e\n",
    )
    .unwrap();
    let run = site.kume(&["check"]);
    run.assert_code(ERRORS).assert_stderr_has(
        "site/content/arsiv/sayfa-150.md: error: cannot read the file: stream did not contain valid UTF-8\n  \
         help: save the file as UTF-8",
    );
    assert_eq!(
        run.stderr.matches("sayfa-150.md").count(),
        1,
        "{}",
        run.stderr
    );
    // Every other page was read: each one's broken link is reported.
    assert_eq!(
        run.stderr.matches("does not exist").count(),
        299,
        "{}",
        run.stderr
    );
}

#[test]
fn include_of_a_missing_template_is_found_at_load() {
    check("missing-include").assert_stderr_has(
        "templates/page.html:3: error: template `parcalar/yok.html` does not exist\n  \
         help: check the name against the files in templates/",
    );
}

/// Every invalid fixture's whole report — each message, its place and its help — pinned as a
/// snapshot in `tests/testsuite/snapshots/`, so that no message a maintainer reads changes
/// unnoticed. A changed message fails with a diff; accept it with `cargo insta review` (or
/// `INSTA_UPDATE=always cargo test`) after reading it.
#[test]
fn every_invalid_fixture_reports_what_and_where() {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("tests/fixtures/invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 30, "{names:?}");
    for name in names {
        let site = TestSite::fixture(&format!("invalid/{name}"));
        let run = site.kume(&["check"]);
        let report = run.stderr.replace(site.root.to_str().unwrap(), "[root]");
        insta::assert_snapshot!(
            format!("invalid__{name}"),
            format!("exit {}\n{report}", run.code)
        );
    }
}

/// A template naming a static file that is not there is told where, once; the files it does
/// not name are never read for it.
#[test]
fn an_asset_that_is_not_a_static_file_names_the_template() {
    let site = TestSite::base();
    std::fs::remove_file(site.root.join("site/static/favicon.svg")).unwrap();
    let run = site.kume(&["check"]);
    run.assert_code(ERRORS).assert_stderr_has(
        "templates/base.html:26: error: invalid operation: asset `/favicon.svg` is not a file in site/static/",
    );
    assert_eq!(run.stderr.matches("error:").count(), 1, "{}", run.stderr);
}
