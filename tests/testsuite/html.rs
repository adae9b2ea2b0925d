//! Every page the repository's site generates passes the Nu HTML Checker.

use std::process::Command;

use crate::harness::{kume_in, repo};

#[test]
fn every_page_of_the_repository_site_is_valid_html() {
    let jar = repo().join("tests/tools/node_modules/vnu-jar/build/dist/vnu.jar");
    assert!(
        jar.exists(),
        "the Nu HTML Checker is not installed: run `npm ci --prefix tests/tools` (bash .ci/test does it)"
    );
    let out = tempfile::tempdir().unwrap();
    kume_in(&repo(), &["build", "--out", out.path().to_str().unwrap()]).assert_code(0);
    let result = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--format", "text", "--skip-non-html"])
        .arg(out.path())
        .output()
        .expect("java must be installed to run the Nu HTML Checker");
    let report = String::from_utf8_lossy(&result.stderr);
    assert!(
        result.status.success(),
        "Nu HTML Checker found errors:\n{report}"
    );
    let pages = walkdir::WalkDir::new(out.path())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .count();
    assert!(pages > 30, "checked only {pages} pages");
}
