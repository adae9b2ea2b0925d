//! The collector on 127.0.0.1 with a real SQLite file: every rule about accepting, refusing
//! and storing answers, checked against the status codes and the database content.

use rusqlite::Connection;

use crate::harness::{Collector, TestSite, open_personal_link, repo, request};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
const JSON: (&str, &str) = ("Content-Type", "application/json");
const PATH: &str = "/api/v1/surveys/deneme/responses";

fn collector_with(survey_text: &str, extra: &[&str]) -> Collector {
    let site = TestSite::base();
    site.write("surveys/deneme.yaml", survey_text);
    Collector::start(site, "deneme", extra)
}

fn fixture_survey() -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/surveys/deneme.yaml")).unwrap()
}

fn collector() -> Collector {
    collector_with(&fixture_survey(), &[])
}

/// Every stored row: (idempotency key, status, answers).
fn rows(c: &Collector) -> Vec<(String, String, serde_json::Value)> {
    let conn = c.open_db();
    let mut stmt = conn
        .prepare("SELECT idem_key, status, answers FROM responses ORDER BY received_at")
        .unwrap();
    stmt.query_map([], |r| {
        let answers: String = r.get(2)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            serde_json::from_str(&answers).unwrap(),
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn a_valid_form_post_is_stored_and_redirected_to_thanks() {
    let c = collector();
    let (status, head, _) = c.post(
        &[FORM],
        "uye_mi=evet&uye_sayisi=1.000&aktif_uye=2&_lang=tr&_key=k-1",
    );
    assert_eq!(status, 303);
    assert!(
        head.to_lowercase()
            .contains("location: /anket/deneme/tesekkurler/"),
        "{head}"
    );
    let rows = rows(&c);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].0, "a:k-1",
        "anonymous keys live in their own namespace"
    );
    assert_eq!(rows[0].1, "final");
    // Turkish number input, and the calculated value recomputed by the server.
    assert_eq!(
        rows[0].2,
        serde_json::json!({"uye_mi": "evet", "uye_sayisi": 1000, "aktif_uye": 2, "oran": 0.2})
    );
}

#[test]
fn hidden_answers_are_cleared_and_client_calculations_ignored() {
    let c = collector();
    let (status, ..) = c.post(
        &[FORM],
        "uye_mi=hayir&uye_sayisi=5&oran=99&_lang=tr&_key=k-2",
    );
    assert_eq!(status, 303);
    assert_eq!(rows(&c)[0].2, serde_json::json!({"uye_mi": "hayir"}));
}

#[test]
fn an_invalid_form_gets_the_form_again_with_answers_and_errors() {
    let c = collector();
    let (status, _, body) = c.post(&[FORM], "uye_mi=evet&uye_sayisi=2&aktif_uye=3&_lang=tr");
    assert_eq!(status, 422);
    assert!(
        body.contains("<div class=\"error-summary\" role=\"alert\""),
        "{body}"
    );
    assert!(body.contains(
        "<a href=\"#f-aktif_uye\">Etkin üye sayısı: Etkin üye sayısı toplamı aşamaz.</a>"
    ));
    assert!(body.contains("value=\"3\""), "answers are kept");
    assert!(rows(&c).is_empty(), "nothing stored");
    let (status, _, body) = c.post(&[FORM], "_lang=en");
    assert_eq!(status, 422);
    assert!(
        body.contains("This question is required."),
        "errors in the page's language"
    );
    // Every line of the summary links to a field on the page, a choice question's first choice.
    assert!(body.contains("<a href=\"#f-uye_mi\">"), "{body}");
    for target in body.split("<a href=\"#").skip(1) {
        let id = &target[..target.find('"').unwrap()];
        if id.starts_with("f-") {
            assert!(body.contains(&format!(" id=\"{id}\"")), "no field `{id}`");
        }
    }
}

#[test]
fn the_same_submission_twice_is_stored_once_and_a_different_one_conflicts() {
    let c = collector();
    let body = "uye_mi=evet&uye_sayisi=8&aktif_uye=2&_lang=tr&_key=same";
    assert_eq!(c.post(&[FORM], body).0, 303);
    assert_eq!(c.post(&[FORM], body).0, 303, "answered like the first time");
    let (status, _, page) = c.post(
        &[FORM],
        "uye_mi=evet&uye_sayisi=8&aktif_uye=3&_lang=tr&_key=same",
    );
    assert_eq!(status, 409);
    assert!(page.contains("Bu yanıt daha önce farklı içerikle gönderildi"));
    assert_eq!(rows(&c).len(), 1);
}

#[test]
fn json_submissions_get_201_or_422_with_field_errors() {
    let c = collector();
    let (status, _, body) = c.post(&[JSON], r#"{"answers": {"uye_mi": "evet", "uye_sayisi": 4, "aktif_uye": 1}, "lang": "en", "key": "j-1"}"#);
    assert_eq!(status, 201, "{body}");
    let reply: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(reply["id"].as_str().unwrap().len(), 32);
    let (status, _, body) = c.post(&[JSON], r#"{"answers": {"uye_sayisi": -1}, "key": "j-2"}"#);
    assert_eq!(status, 422);
    let reply: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(reply["errors"]["uye_mi"], serde_json::json!(["required"]));
    assert_eq!(rows(&c).len(), 1);
}

#[test]
fn malformed_requests_get_clear_status_codes() {
    let c = collector();
    assert_eq!(c.post(&[("Content-Type", "text/plain")], "x").0, 415);
    assert_eq!(request(c.server.addr, "GET", PATH, &[], b"").0, 405);
    assert_eq!(
        request(
            c.server.addr,
            "POST",
            "/api/v1/surveys/yok/responses",
            &[FORM],
            b"a=b"
        )
        .0,
        404
    );
    assert_eq!(
        request(c.server.addr, "POST", PATH, &[FORM], b"uye_mi=%FF%FE").0,
        400
    );
    assert_eq!(
        request(
            c.server.addr,
            "POST",
            PATH,
            &[FORM],
            &[b'a', b'=', 0xC3, 0x28]
        )
        .0,
        400
    );
    assert_eq!(c.post(&[JSON], "{not json").0, 400);
    let big = format!("uye_mi=evet&not={}", "x".repeat(70 * 1024));
    assert_eq!(c.post(&[FORM], &big).0, 413);
    assert!(rows(&c).is_empty());
    assert_eq!(
        request(c.server.addr, "GET", "/api/v1/health", &[], b"").0,
        200
    );
}

#[test]
fn the_honeypot_is_refused_with_a_page_to_recover_from() {
    let c = collector();
    let (status, _, page) = c.post(&[FORM], "uye_mi=evet&_website=spam.example&_lang=tr");
    assert_eq!(status, 400);
    assert!(page.contains("Gönderim kabul edilmedi"));
    assert!(rows(&c).is_empty());
}

#[test]
fn closed_not_yet_open_and_invitation_surveys_refuse_answers() {
    let closed = fixture_survey()
        .replace("closes: 2026-12-31", "closes: 2020-12-31")
        .replace("opens: 2026-01-01", "opens: 2020-01-01");
    let c = collector_with(&closed, &[]);
    let (status, _, page) = c.post(&[FORM], "uye_mi=hayir&_lang=tr");
    assert_eq!(status, 410);
    assert!(page.contains("Anket kapandı"));
    let later = fixture_survey()
        .replace("opens: 2026-01-01", "opens: 2099-01-01")
        .replace("closes: 2026-12-31", "closes: 2099-12-31");
    let c = collector_with(&later, &[]);
    assert_eq!(c.post(&[FORM], "uye_mi=hayir&_lang=tr").0, 403);
    let invitation = fixture_survey().replace("access: open", "access: invitation");
    let c = collector_with(&invitation, &[]);
    assert_eq!(c.post(&[FORM], "uye_mi=hayir&_lang=tr").0, 403);
    assert!(rows(&c).is_empty());
}

#[test]
fn api_only_serves_the_api_and_no_pages() {
    let c = collector_with(&fixture_survey(), &["--api-only"]);
    assert_eq!(request(c.server.addr, "GET", "/", &[], b"").0, 404);
    assert_eq!(c.post(&[FORM], "uye_mi=hayir&_lang=tr&_key=a").0, 303);
    assert_eq!(rows(&c).len(), 1);
}

#[test]
fn backup_makes_a_consistent_copy_while_serving() {
    let c = collector();
    assert_eq!(c.post(&[FORM], "uye_mi=hayir&_lang=tr&_key=b-1").0, 303);
    let copy = c.site.root.join("backup.sqlite");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_kume"))
        .args([
            "backup",
            "--db",
            c.db.to_str().unwrap(),
            "--to",
            copy.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let conn = Connection::open(&copy).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM responses", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

/// Clients sending answers with unique keys until the server goes away; returns the keys
/// that were acknowledged with 201.
fn load_until_gone(
    addr: std::net::SocketAddr,
    threads: usize,
) -> (
    std::sync::Arc<std::sync::atomic::AtomicBool>,
    Vec<std::thread::JoinHandle<Vec<String>>>,
) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = Arc::new(AtomicBool::new(false));
    let handles = (0..threads)
        .map(|t| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                for i in 0..100_000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let key = format!("t{t}-{i}");
                    let body = format!(r#"{{"answers": {{"uye_mi": "evet", "uye_sayisi": {i}, "aktif_uye": 0}}, "key": "{key}"}}"#);
                    let Ok(mut stream) = std::net::TcpStream::connect(addr) else { break };
                    use std::io::{Read, Write};
                    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
                    let req = format!(
                        "POST {PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(req.as_bytes()).is_err() {
                        break;
                    }
                    let mut raw = String::new();
                    let _ = stream.read_to_string(&mut raw);
                    if raw.starts_with("HTTP/1.1 201") {
                        acked.push(key);
                    } else if raw.is_empty() {
                        break;
                    }
                }
                acked
            })
        })
        .collect();
    (stop, handles)
}

fn assert_all_present(db: &std::path::Path, acked: &[String]) {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT idem_key, answers FROM responses")
        .unwrap();
    let stored: std::collections::HashMap<String, serde_json::Value> = stmt
        .query_map([], |r| {
            let a: String = r.get(1)?;
            Ok((r.get(0)?, serde_json::from_str(&a).unwrap()))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for key in acked {
        let answers = stored
            .get(&format!("a:{key}"))
            .unwrap_or_else(|| panic!("acknowledged {key} is missing"));
        let i: f64 = key.rsplit('-').next().unwrap().parse().unwrap();
        assert_eq!(answers["uye_sayisi"].as_f64(), Some(i), "{key} is complete");
    }
    let n: i64 = conn
        .query_row("SELECT count(*) FROM responses", [], |r| r.get(0))
        .unwrap();
    let distinct: i64 = conn
        .query_row("SELECT count(DISTINCT idem_key) FROM responses", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n, distinct, "no submission stored twice");
}

#[test]
fn kill_9_under_load_loses_no_acknowledged_answer() {
    let mut c = collector_with(
        &fixture_survey(),
        &["--rate-limit", "0", "--open-survey-limit", "0"],
    );
    let (_stop, handles) = load_until_gone(c.server.addr, 8);
    std::thread::sleep(std::time::Duration::from_millis(700));
    c.server.child.kill().unwrap(); // SIGKILL
    let _ = c.server.child.wait();
    let acked: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert!(
        acked.len() > 20,
        "only {} answers were acknowledged before the kill",
        acked.len()
    );
    assert_all_present(&c.db, &acked);
}

#[test]
fn sigterm_under_load_finishes_what_was_acknowledged() {
    let mut c = collector_with(
        &fixture_survey(),
        &["--rate-limit", "0", "--open-survey-limit", "0"],
    );
    let (_stop, handles) = load_until_gone(c.server.addr, 8);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(c.server.terminate());
    let status = c.server.child.wait().unwrap();
    assert!(status.success(), "graceful exit, got {status}");
    let acked: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert!(acked.len() > 20);
    assert_all_present(&c.db, &acked);
}

fn kume(args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(args)
        .env("CI", "1")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An invitation survey, a roster of two firms, and their links.
fn invited() -> (Collector, Vec<String>) {
    let c = collector_with(
        &fixture_survey().replace("access: open", "access: invitation"),
        &[],
    );
    c.site.write("roster.csv", "firm,cluster,email,uye_sayisi\nAnka Makina,samsun-makina,anka@example.org,12\nBora Gıda,samsun-gida,,\n");
    let root = c.site.root.to_str().unwrap().to_string();
    let roster = c.site.root.join("roster.csv");
    let (ok, links, err) = kume(&[
        "invite",
        "--root",
        &root,
        "--db",
        c.db.to_str().unwrap(),
        "--survey",
        "deneme",
        "--roster",
        roster.to_str().unwrap(),
        "--base-url",
        "https://toplama.example.org",
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("Created 2 invitations"));
    let tokens = crate::harness::invitation_tokens(&links);
    assert!(links.contains("Anka Makina,samsun-makina,anka@example.org,https://toplama.example.org/api/v1/surveys/deneme/form?t="));
    (c, tokens)
}

#[test]
fn invitations_store_tokens_hashed_and_prefill_the_personal_form() {
    let (c, tokens) = invited();
    assert_eq!(tokens[0].len(), 32, "128-bit tokens");
    let conn = Connection::open(&c.db).unwrap();
    let stored: Vec<String> = conn
        .prepare("SELECT token_hash FROM invitations")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(stored.len(), 2);
    assert!(
        !stored.contains(&tokens[0]),
        "tokens are not stored in clear"
    );
    let (status, page, _) = open_personal_link(
        c.server.addr,
        &format!("/api/v1/surveys/deneme/form?t={}", tokens[0]),
    );
    assert_eq!(status, 200);
    assert!(
        page.contains("name=\"uye_sayisi\" type=\"text\" inputmode=\"numeric\" value=\"12\""),
        "prefilled from the roster"
    );
    assert!(page.contains(&format!(
        "<input type=\"hidden\" name=\"_token\" value=\"{}\">",
        tokens[0]
    )));
    assert!(page.contains("Kaydet, sonra devam et"));
    let (status, _, page) = request(
        c.server.addr,
        "GET",
        "/api/v1/surveys/deneme/form?t=0000",
        &[],
        b"",
    );
    assert_eq!(status, 403);
    assert!(page.contains("Bağlantı geçersiz"));
}

#[test]
fn an_invitation_survey_needs_a_valid_token() {
    let (c, _) = invited();
    assert_eq!(c.post(&[FORM], "uye_mi=hayir&_lang=tr").0, 403);
    assert_eq!(
        c.post(&[FORM], "uye_mi=hayir&_lang=tr&_token=not-a-token")
            .0,
        403
    );
    assert!(rows(&c).is_empty());
}

#[test]
fn one_response_per_invitation_editable_with_history() {
    let (c, tokens) = invited();
    let t = &tokens[0];
    assert_eq!(
        c.post(
            &[FORM],
            &format!("uye_mi=evet&uye_sayisi=12&aktif_uye=3&_lang=tr&_token={t}")
        )
        .0,
        303
    );
    assert_eq!(
        c.post(
            &[FORM],
            &format!("uye_mi=evet&uye_sayisi=12&aktif_uye=4&_lang=tr&_token={t}")
        )
        .0,
        303,
        "an edit"
    );
    let rows = rows(&c);
    assert_eq!(rows.len(), 1, "still one response");
    assert_eq!(rows[0].2["aktif_uye"], 4);
    assert!(
        rows[0].2["aktif_uye"].is_u64(),
        "whole numbers are stored as integers"
    );
    let conn = Connection::open(&c.db).unwrap();
    let (cluster, firm): (String, String) = conn
        .query_row("SELECT cluster, firm FROM responses", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        (cluster.as_str(), firm.as_str()),
        ("samsun-makina", "Anka Makina"),
        "bound to the invitation"
    );
    let history: i64 = conn
        .query_row("SELECT count(*) FROM response_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(history, 1, "the first version is kept");
    // The personal form shows the saved answer and says it can still be changed.
    let (_, page, _) =
        open_personal_link(c.server.addr, &format!("/api/v1/surveys/deneme/form?t={t}"));
    assert!(page.contains("value=\"4\"") && page.contains("Bu anketi daha önce yanıtladınız"));
}

#[test]
fn save_and_continue_later_keeps_a_draft_for_any_device() {
    let (c, tokens) = invited();
    let t = &tokens[1];
    // A draft is kept even though required answers are missing.
    let (status, head, _) = c.post(
        &[FORM],
        &format!("uye_sayisi=7&_lang=tr&_token={t}&_action=draft"),
    );
    assert_eq!(status, 303);
    assert!(
        head.contains("location: /api/v1/surveys/deneme/form?lang=tr&notice=saved\r\n"),
        "the token stays out of the address: {head}"
    );
    assert_eq!(rows(&c)[0].1, "draft");
    let (_, page, _) = open_personal_link(
        c.server.addr,
        &format!("/api/v1/surveys/deneme/form?t={t}&lang=tr&notice=saved"),
    );
    assert!(page.contains("value=\"7\"") && page.contains("taslak olarak kaydedildi"));
    // Sending it for good replaces the draft.
    assert_eq!(
        c.post(
            &[FORM],
            &format!("uye_mi=evet&uye_sayisi=7&aktif_uye=1&_lang=tr&_token={t}")
        )
        .0,
        303
    );
    let rows = rows(&c);
    assert_eq!((rows.len(), rows[0].1.as_str()), (1, "final"));
}

#[test]
fn status_export_and_erase() {
    let (c, tokens) = invited();
    assert_eq!(
        c.post(
            &[FORM],
            &format!(
                "uye_mi=evet&uye_sayisi=12&aktif_uye=3&_lang=tr&_token={}",
                tokens[0]
            )
        )
        .0,
        303
    );
    let root = c.site.root.to_str().unwrap().to_string();
    let db = c.db.to_str().unwrap().to_string();
    let (ok, table, err) = kume(&["status", "--root", &root, "--db", &db, "--survey", "deneme"]);
    assert!(ok, "{err}");
    assert!(err.contains("1 of 2 invitations answered"));
    assert!(table.contains("Bora Gıda,samsun-gida,,none"));
    let out = c.site.root.join("export.csv");
    let (ok, _, err) = kume(&[
        "export",
        "--root",
        &root,
        "--db",
        &db,
        "--survey",
        "deneme",
        "--semicolon",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with('\u{feff}'), "UTF-8 with BOM");
    assert!(
        csv.contains(
            "response_id;wave;lang;received_at;cluster;firm;uye_mi;uye_sayisi;aktif_uye;oran"
        ),
        "{csv}"
    );
    assert!(
        csv.contains(";samsun-makina;Anka Makina;evet;12;3;25"),
        "{csv}"
    );
    let codebook = std::fs::read_to_string(c.site.root.join("export.codebook.csv")).unwrap();
    assert!(codebook.contains("uye_mi;Üye misiniz?;Are you a member?"));
    let xlsx = c.site.root.join("export.xlsx");
    let (ok, _, err) = kume(&[
        "export",
        "--root",
        &root,
        "--db",
        &db,
        "--survey",
        "deneme",
        "--format",
        "xlsx",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(
        bytes.starts_with(b"PK") && bytes.windows(19).any(|w| w == b"xl/worksheets/sheet"),
        "an .xlsx package"
    );
    let token_file = c.site.root.join("token.txt");
    std::fs::write(&token_file, format!("{}\n", tokens[0])).unwrap();
    let token_file = token_file.to_str().unwrap();
    let (ok, _, err) = kume(&["erase", "--db", &db, "--token-file", token_file]);
    assert!(ok, "{err}");
    assert!(rows(&c).is_empty());
    let (ok, _, err) = kume(&["erase", "--db", &db, "--token-file", token_file]);
    assert!(!ok && err.contains("no invitation or response has this token"));
}

#[test]
fn a_roster_with_an_unknown_column_is_refused_with_its_line() {
    let c = collector_with(
        &fixture_survey().replace("access: open", "access: invitation"),
        &[],
    );
    c.site.write("roster.csv", "firm,uye_sayis\nAnka,3\n");
    let (ok, _, err) = kume(&[
        "invite",
        "--root",
        c.site.root.to_str().unwrap(),
        "--db",
        c.db.to_str().unwrap(),
        "--survey",
        "deneme",
        "--roster",
        c.site.root.join("roster.csv").to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        err.contains(
            "roster.csv:1: unknown column `uye_sayis`\n  help: did you mean `uye_sayisi`?"
        ),
        "{err}"
    );
}

#[test]
fn too_many_submissions_from_one_client_get_429_with_retry_after() {
    let c = collector_with(&fixture_survey(), &["--rate-limit", "1"]);
    let statuses: Vec<(u16, String)> = (0..14)
        .map(|i| {
            let (status, head, _) = c.post(&[FORM], &format!("uye_mi=hayir&_lang=tr&_key=r-{i}"));
            (status, head)
        })
        .collect();
    assert!(
        statuses.iter().take(10).all(|(s, _)| *s == 303),
        "a burst of ten is allowed"
    );
    let (status, head) = statuses.last().unwrap();
    assert_eq!(*status, 429);
    assert!(head.to_lowercase().contains("retry-after: 1"), "{head}");
    assert!(rows(&c).len() >= 10 && rows(&c).len() < 14);
}

#[test]
fn a_locked_database_gets_503_and_nothing_is_acknowledged() {
    let c = collector();
    assert_eq!(c.post(&[FORM], "uye_mi=hayir&_lang=tr&_key=before").0, 303);
    let blocker = Connection::open(&c.db).unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let (status, head, page) = c.post(&[FORM], "uye_mi=hayir&_lang=tr&_key=during");
    assert_eq!(status, 503);
    assert!(head.to_lowercase().contains("retry-after: 5"));
    assert!(page.contains("Yanıtınız şu anda kaydedilemedi"));
    blocker.execute_batch("ROLLBACK").unwrap();
    assert_eq!(
        c.post(&[FORM], "uye_mi=hayir&_lang=tr&_key=during").0,
        303,
        "the same answers can be sent again"
    );
    let keys: Vec<String> = rows(&c).into_iter().map(|r| r.0).collect();
    assert_eq!(keys, ["a:before", "a:during"]);
}
