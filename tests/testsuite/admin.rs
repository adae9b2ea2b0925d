//! The operator's side of the collector against the real binary and a real SQLite file:
//! exports for analysts (codebook, SPSS, R), the answering period in the survey's time zone,
//! erasure that leaves nothing readable, secrets kept off the command line, backups under
//! load, and the lock that keeps `restore` away from a running collector.

use std::path::{Path, PathBuf};

use crate::harness::{Server, TestSite, repo, request};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
const PATH: &str = "/api/v1/surveys/deneme/responses";

fn fixture_survey() -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/surveys/deneme.yaml")).unwrap()
}

/// The test site with `survey` as `surveys/deneme.yaml` and the database path to use.
fn site_with(survey: &str) -> (TestSite, PathBuf) {
    let site = TestSite::base();
    site.write("surveys/deneme.yaml", survey);
    let db = site.root.join("data/responses.sqlite");
    (site, db)
}

fn serve(site: &TestSite, db: &Path, env: &[(&str, &str)]) -> Server {
    Server::start_with_env(site, &["--db", db.to_str().unwrap()], env)
}

fn post(server: &Server, body: &str) -> u16 {
    request(server.addr, "POST", PATH, &[FORM], body.as_bytes()).0
}

// ---------------------------------------------------------------------------------------
// The answering period in the survey's time zone.

/// The fixture survey open through June 2026 (and `timezone:` when given).
fn june_survey(timezone: Option<&str>) -> String {
    let mut text = fixture_survey()
        .replace("opens: 2026-01-01", "opens: 2026-06-01")
        .replace("closes: 2026-12-31", "closes: 2026-06-30");
    if let Some(tz) = timezone {
        text = text.replace("opens:", &format!("timezone: {tz}\nopens:"));
    }
    text
}

#[test]
fn a_survey_closing_today_in_istanbul_still_accepts_at_half_past_eleven_at_night() {
    let (site, db) = site_with(&june_survey(None));
    // 23:30 in Istanbul on the closing day is 20:30 UTC.
    let server = serve(&site, &db, &[("KUME_NOW", "2026-06-30T20:30:00Z")]);
    assert_eq!(post(&server, "uye_mi=hayir&_lang=tr&_key=late"), 303);
    drop(server);
    // 00:30 on 1 July in Istanbul is still 30 June in UTC: closed all the same.
    let server = serve(&site, &db, &[("KUME_NOW", "2026-06-30T21:30:00Z")]);
    assert_eq!(post(&server, "uye_mi=hayir&_lang=tr&_key=too-late"), 410);
    drop(server);
    // 00:30 on the opening day in Istanbul is the day before in UTC: already open.
    let server = serve(&site, &db, &[("KUME_NOW", "2026-05-31T21:30:00Z")]);
    assert_eq!(post(&server, "uye_mi=hayir&_lang=tr&_key=early"), 303);
}

#[test]
fn a_configured_time_zone_moves_the_day_boundary() {
    let (site, db) = site_with(&june_survey(Some("America/New_York")));
    // 23:30 on 30 June in New York is 03:30 UTC on 1 July.
    let server = serve(&site, &db, &[("KUME_NOW", "2026-07-01T03:30:00Z")]);
    assert_eq!(post(&server, "uye_mi=hayir&_lang=tr&_key=ny"), 303);
}

#[test]
fn an_unknown_time_zone_is_a_compile_error_with_its_place_and_a_suggestion() {
    let (site, _) = site_with(&june_survey(Some("Europe/Istambul")));
    let run = site.kume(&["check"]);
    run.assert_code(1);
    run.assert_stderr_has(
        "surveys/deneme.yaml:8:11: error: `timezone: Europe/Istambul` is not a known time zone",
    );
    run.assert_stderr_has("help: did you mean `Europe/Istanbul`?");
}
