//! Collector integrity: no request can corrupt a published figure. Each test pins one way a
//! submission once could (a code picked many times, answers of the wrong shape, a page on
//! another site posting answers, a draft replacing a final answer…), against the real binary
//! on 127.0.0.1 with a real SQLite file.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::harness::{
    Collector, Server, TestSite, get, invitation_tokens, kume_ok, open_personal_link, request,
};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
const JSON: (&str, &str) = ("Content-Type", "application/json");
const SHAPE: &str = "/api/v1/surveys/sekil/responses";

/// Every stored row of the shape survey: (status, answers).
fn stored(c: &Collector) -> Vec<(String, serde_json::Value)> {
    let conn = c.open_db();
    let mut stmt = conn
        .prepare(
            "SELECT status, answers FROM responses WHERE survey = 'sekil' ORDER BY received_at, id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        let a: String = r.get(1)?;
        Ok((r.get(0)?, serde_json::from_str(&a).unwrap()))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The base site with the shape survey and the invitation fixture, no general rate limit.
fn collector(extra: &[&str]) -> Collector {
    Collector::for_fixtures(&["sekil", "deneme"], extra)
}

fn errors_of(body: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(body).unwrap()["errors"].clone()
}

#[test]
fn a_code_picked_fifty_times_is_refused_on_both_paths() {
    let c = collector(&[]);
    let mut form = String::from("kurum=ajans&_lang=tr");
    for _ in 0..50 {
        form.push_str("&ihtiyaclar=veri");
    }
    let (status, _, page) = c.post(&[FORM], &form);
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("Her seçeneği yalnızca bir kez işaretleyin."),
        "the form is shown again with the error"
    );
    assert!(page.contains("value=\"ajans\" checked"), "answers are kept");
    let json = r#"{"answers": {"kurum": "ajans", "ihtiyaclar": ["veri", "veri"]}}"#;
    let (status, _, body) = c.post(&[JSON], json);
    assert_eq!(status, 422, "{body}");
    assert_eq!(errors_of(&body)["ihtiyaclar"][0], "duplicate");
    assert!(stored(&c).is_empty(), "nothing stored");
}

#[test]
fn json_answers_must_have_the_survey_shape() {
    let c = collector(&[]);
    let cases: [(&str, &str, &str); 10] = [
        (
            r#"{"kurum": "ajans", "yok_boyle": 1}"#,
            "yok_boyle",
            "unknown",
        ),
        (r#"{"kurum": ["ajans"]}"#, "kurum", "single"),
        (r#"{"kurum": 3}"#, "kurum", "code"),
        (
            r#"{"kurum": "ajans", "ihtiyaclar": "veri"}"#,
            "ihtiyaclar",
            "list",
        ),
        (
            r#"{"kurum": "ajans", "ihtiyaclar": [1]}"#,
            "ihtiyaclar",
            "code",
        ),
        (
            r#"{"kurum": "ajans", "memnuniyet.hizmet": ["1", "2"]}"#,
            "memnuniyet.hizmet",
            "single",
        ),
        (
            r#"{"kurum": "ajans", "memnuniyet.yok": "1"}"#,
            "memnuniyet.yok",
            "unknown",
        ),
        (
            r#"{"kurum": "ajans", "projeler": ["{\"ad\": \"x\"}"]}"#,
            "projeler",
            "item",
        ),
        (
            r#"{"kurum": "ajans", "projeler": [{"ad": "x", "fazla": 1}]}"#,
            "projeler[0].fazla",
            "unknown",
        ),
        (r#"{"kurum": "ajans", "not": ["a", "b"]}"#, "not", "single"),
    ];
    for (answers, field, code) in cases {
        let (status, _, body) = c.post(&[JSON], &format!(r#"{{"answers": {answers}}}"#));
        assert_eq!(status, 422, "{answers}: {body}");
        assert_eq!(errors_of(&body)[field][0], code, "{answers}: {body}");
    }
    // A repeat entry's own required answer is checked, whatever else it holds.
    let (status, _, body) = c.post(
        &[JSON],
        r#"{"answers": {"kurum": "ajans", "projeler": [{"destekli": "hayir"}]}}"#,
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(errors_of(&body)["projeler[0].ad"][0], "required");
    assert!(stored(&c).is_empty(), "nothing stored");
}

#[test]
fn hidden_answers_are_cleared_at_every_depth_and_entries_stay_objects() {
    let c = collector(&[]);
    let json = r#"{"answers": {
        "kurum": "oda", "kurum.other": "typed, then changed my mind",
        "ihtiyaclar": ["egitim", "diger"], "ihtiyaclar.other": "mentorluk",
        "memnuniyet.hizmet": "3", "calisan.kadin.y2025": 4,
        "projeler": [
            {"ad": "Ortak test", "destekli": "hayir", "destek_tutari": 999},
            {"ad": "Fuar", "destekli": "evet", "destek_tutari": 50000}
        ]}, "key": "shape-1"}"#;
    let (status, _, body) = c.post(&[JSON], json);
    assert_eq!(status, 201, "{body}");
    let rows = stored(&c);
    let answers = &rows[0].1;
    assert!(
        answers.get("kurum.other").is_none(),
        "'other' not chosen: its text is dropped"
    );
    assert_eq!(answers["ihtiyaclar.other"], "mentorluk");
    assert_eq!(
        answers["projeler"],
        serde_json::json!([
            {"ad": "Ortak test", "destekli": "hayir"},
            {"ad": "Fuar", "destekli": "evet", "destek_tutari": 50000}
        ]),
        "entries are objects; a hidden inner answer is not kept"
    );
    // The form path stores the same shape.
    let form = "kurum=ajans&kurum.other=x&projeler%5B0%5D.ad=Fuar&projeler%5B0%5D.destekli=hayir\
                &projeler%5B0%5D.destek_tutari=7&_lang=tr";
    assert_eq!(c.post(&[FORM], form).0, 303);
    let rows = stored(&c);
    assert!(rows[1].1.get("kurum.other").is_none());
    assert_eq!(
        rows[1].1["projeler"],
        serde_json::json!([{"ad": "Fuar", "destekli": "hayir"}])
    );
}

#[test]
fn twenty_thousand_repeat_entries_are_refused_at_once_and_the_server_stays_healthy() {
    let c = collector(&["--max-body", "2000000"]);
    let entries = vec![r#"{"ad": "x"}"#; 20_000].join(",");
    let body = format!(r#"{{"answers": {{"kurum": "ajans", "projeler": [{entries}]}}}}"#);
    let start = Instant::now();
    let (status, _, answer) = c.post(&[JSON], &body);
    let took = start.elapsed();
    assert!(matches!(status, 413 | 422), "{status}: {answer}");
    // Generous for a debug build on a shared machine; the release figure is in the bench.
    assert!(took < Duration::from_millis(500), "took {took:?}");
    // Just within the field limit, but more entries than the question allows: 422 before any
    // entry is evaluated.
    let entries = vec![r#"{"ad": "x"}"#; 60].join(",");
    let body = format!(r#"{{"answers": {{"kurum": "ajans", "projeler": [{entries}]}}}}"#);
    let (status, _, answer) = c.post(&[JSON], &body);
    assert_eq!(status, 422);
    assert_eq!(errors_of(&answer)["projeler"][0], "too_many");
    let (status, body) = get(c.server.addr, "/api/v1/health");
    assert_eq!((status, body.trim()), (200, r#"{"status":"ok"}"#));
}

#[test]
fn costly_submissions_do_not_stall_health_checks() {
    let c = collector(&["--max-body", "2000000"]);
    let addr = c.server.addr;
    // Many valid-shaped submissions at the field limit, in parallel.
    let entries = [r#"{"ad": "x", "destekli": "evet", "destek_tutari": 1}"#; 5].join(",");
    let body = format!(r#"{{"answers": {{"kurum": "ajans", "projeler": [{entries}]}}}}"#);
    let senders: Vec<_> = (0..16)
        .map(|_| {
            let body = body.clone();
            std::thread::spawn(move || {
                for _ in 0..20 {
                    request(addr, "POST", SHAPE, &[JSON], body.as_bytes());
                }
            })
        })
        .collect();
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let start = Instant::now();
        assert_eq!(get(addr, "/api/v1/health").0, 200);
        slowest = slowest.max(start.elapsed());
    }
    for s in senders {
        s.join().unwrap();
    }
    assert!(slowest < Duration::from_secs(2), "health took {slowest:?}");
}

#[test]
fn posts_from_another_site_are_refused_with_a_page_that_says_why() {
    let c = collector(&[]);
    let valid = "kurum=ajans&_lang=tr";
    let foreign = [
        vec![
            ("Origin", "https://another-site.example"),
            ("Sec-Fetch-Site", "cross-site"),
        ],
        vec![("Origin", "https://another-site.example")],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![("Origin", "null"), ("Sec-Fetch-Site", "cross-site")],
    ];
    for headers in &foreign {
        let mut all = vec![FORM];
        all.extend(headers.iter().copied());
        let (status, head, page) = c.post(&all, valid);
        assert_eq!(status, 403, "{headers:?}");
        assert!(
            page.contains("Bu gönderim başka bir siteden geldi"),
            "{page}"
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("content-security-policy")
        );
    }
    let (_, _, page) = c.post(
        &[
            FORM,
            ("Origin", "https://evil.example"),
            ("Accept-Language", "en-GB,en"),
        ],
        valid,
    );
    assert!(
        page.contains("This submission came from another site"),
        "{page}"
    );
    assert!(stored(&c).is_empty());
    // The site's own origin (base_url), the collector's own, and a same-origin fetch pass.
    let own = format!("http://{}", c.server.addr);
    for headers in [
        vec![
            ("Origin", "https://test.example.org"),
            ("Sec-Fetch-Site", "same-site"),
        ],
        vec![("Origin", own.as_str()), ("Sec-Fetch-Site", "same-origin")],
        vec![("Sec-Fetch-Site", "same-origin")],
        // A page with `Referrer-Policy: no-referrer` (the collector's own) posts `Origin: null`.
        vec![("Origin", "null"), ("Sec-Fetch-Site", "same-origin")],
    ] {
        let mut all = vec![FORM];
        all.extend(headers.iter().copied());
        assert_eq!(c.post(&all, valid).0, 303, "{headers:?}");
    }
    // An origin the operator allows.
    let c = collector(&["--site-origin", "https://partner.example"]);
    let headers = [
        FORM,
        ("Origin", "https://partner.example"),
        ("Sec-Fetch-Site", "cross-site"),
    ];
    assert_eq!(c.post(&headers, valid).0, 303);
}

#[test]
fn anonymous_answers_to_open_surveys_have_their_own_hourly_limit() {
    let c = collector(&["--open-survey-limit", "3"]);
    for i in 0..3 {
        assert_eq!(
            c.post(&[FORM], &format!("kurum=ajans&_lang=tr&_key=o{i}"))
                .0,
            303
        );
    }
    let (status, _, page) = c.post(&[FORM], "kurum=ajans&_lang=tr&_key=o3");
    assert_eq!(status, 429, "{page}");
    assert!(
        page.contains("son bir saatte çok sayıda isimsiz yanıt"),
        "{page}"
    );
    assert_eq!(stored(&c).len(), 3);
    // Invitation answers are not counted.
    let tokens = invite(&c, "deneme");
    let body = format!("uye_mi=hayir&_lang=tr&_token={}", tokens[0]);
    let (status, ..) = request(
        c.server.addr,
        "POST",
        "/api/v1/surveys/deneme/responses",
        &[FORM],
        body.as_bytes(),
    );
    assert_eq!(status, 303);
}

fn invite(c: &Collector, survey: &str) -> Vec<String> {
    let roster = c.site.root.join("roster.csv");
    std::fs::write(
        &roster,
        "firm,cluster\nAnka,samsun-makina\nBora,samsun-makina\n",
    )
    .unwrap();
    let links = kume_ok(&[
        "invite",
        "--root",
        c.site.root.to_str().unwrap(),
        "--db",
        c.db.to_str().unwrap(),
        "--survey",
        survey,
        "--roster",
        roster.to_str().unwrap(),
    ]);
    invitation_tokens(&links.stdout)
}

fn post_deneme(addr: SocketAddr, body: &str) -> (u16, String, String) {
    request(
        addr,
        "POST",
        "/api/v1/surveys/deneme/responses",
        &[FORM],
        body.as_bytes(),
    )
}

#[test]
fn a_draft_never_replaces_a_final_answer() {
    let c = collector(&[]);
    let t = &invite(&c, "deneme")[0];
    let final_answer = format!("uye_mi=evet&uye_sayisi=9&aktif_uye=3&_lang=tr&_token={t}");
    assert_eq!(post_deneme(c.server.addr, &final_answer).0, 303);
    // The personal form no longer offers "save and continue later".
    let (status, page, cookie) =
        open_personal_link(c.server.addr, &format!("/api/v1/surveys/deneme/form?t={t}"));
    assert_eq!(status, 200);
    assert!(
        !page.contains("name=\"_action\" value=\"draft\""),
        "no draft button"
    );
    assert!(cookie.starts_with("kume_invitation="));
    // A draft posted anyway is refused, and the final answer stays.
    let draft = format!("uye_sayisi=1&_lang=tr&_token={t}&_action=draft");
    let (status, _, page) = post_deneme(c.server.addr, &draft);
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("Yanıtınız zaten gönderildi"), "{page}");
    let conn = Connection::open(&c.db).unwrap();
    let (status, answers): (String, String) = conn
        .query_row(
            "SELECT status, answers FROM responses WHERE survey = 'deneme'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "final");
    assert!(answers.contains("\"uye_sayisi\":9"), "{answers}");
    // Still editable with a final answer.
    let edit = format!("uye_mi=evet&uye_sayisi=10&aktif_uye=3&_lang=tr&_token={t}");
    assert_eq!(post_deneme(c.server.addr, &edit).0, 303);
}

#[test]
fn an_invitation_of_another_wave_is_refused() {
    let c = collector(&[]);
    let t = invite(&c, "deneme").remove(0);
    drop(c.server);
    // The survey moves on to the next wave: last wave's links no longer answer it.
    let path = c.site.root.join("surveys/deneme.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("wave: 2026", "wave: 2027")).unwrap();
    let server = Server::start(
        &c.site,
        &["--db", c.db.to_str().unwrap(), "--rate-limit", "0"],
    );
    let (status, _, page) = post_deneme(server.addr, &format!("uye_mi=hayir&_lang=tr&_token={t}"));
    assert_eq!(status, 403, "{page}");
    let (status, ..) = request(
        server.addr,
        "GET",
        &format!("/api/v1/surveys/deneme/form?t={t}"),
        &[],
        b"",
    );
    assert_eq!(status, 403);
}

#[test]
fn anonymous_keys_cannot_reach_an_invitations_response() {
    let c = collector(&[]);
    let t = &invite(&c, "deneme")[0];
    assert_eq!(
        post_deneme(c.server.addr, &format!("uye_mi=hayir&_lang=tr&_token={t}")).0,
        303
    );
    let conn = Connection::open(&c.db).unwrap();
    let key: String = conn
        .query_row("SELECT idem_key FROM responses", [], |r| r.get(0))
        .unwrap();
    assert!(key.starts_with("i:"), "{key}");
    // An anonymous post with that very key is a new submission in its own namespace; the
    // invitation's answer is untouched.
    let bare = key.trim_start_matches("i:");
    let (status, ..) = post_deneme(
        c.server.addr,
        &format!("uye_mi=evet&uye_sayisi=5&aktif_uye=1&_lang=tr&_key={bare}"),
    );
    assert_eq!(status, 303);
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT idem_key, answers FROM responses ORDER BY received_at")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].1, r#"{"uye_mi":"hayir"}"#);
    assert_eq!(rows[1].0, format!("a:{bare}"));
}

#[test]
fn a_personal_link_trades_its_token_for_a_strict_cookie() {
    let c = collector(&[]);
    let t = &invite(&c, "deneme")[0];
    let (status, head, _) = request(
        c.server.addr,
        "GET",
        &format!("/api/v1/surveys/deneme/form?t={t}&lang=en"),
        &[],
        b"",
    );
    assert_eq!(status, 303);
    let head = head.to_ascii_lowercase();
    assert!(
        head.contains("location: /api/v1/surveys/deneme/form?lang=en&opened=1\r\n"),
        "{head}"
    );
    let cookie_line = head.lines().find(|l| l.starts_with("set-cookie:")).unwrap();
    for attribute in [
        "httponly",
        "secure",
        "samesite=strict",
        "path=/api/v1/surveys/deneme/",
    ] {
        assert!(cookie_line.contains(attribute), "{cookie_line}");
    }
    // Opened from an e-mail, the browser withholds the cookie on the redirect: a page moves on
    // at once, from the collector's own site.
    let (status, _, page) = request(
        c.server.addr,
        "GET",
        "/api/v1/surveys/deneme/form?lang=en&opened=1",
        &[],
        b"",
    );
    assert_eq!(status, 200);
    assert!(page.contains("http-equiv=\"refresh\""), "{page}");
    assert!(page.contains("opened=2"));
    // Without the cookie a second time: refused.
    let (status, ..) = request(
        c.server.addr,
        "GET",
        "/api/v1/surveys/deneme/form?lang=en&opened=2",
        &[],
        b"",
    );
    assert_eq!(status, 403);
    // With it: the form, and a post without `_token` is bound to the invitation.
    let cookie = format!("kume_invitation={t}");
    let (status, _, page) = request(
        c.server.addr,
        "GET",
        "/api/v1/surveys/deneme/form?lang=en&opened=2",
        &[("Cookie", &cookie)],
        b"",
    );
    assert_eq!(status, 200, "{page}");
    let (status, ..) = request(
        c.server.addr,
        "POST",
        "/api/v1/surveys/deneme/responses",
        &[FORM, ("Cookie", &cookie)],
        b"uye_mi=hayir&_lang=en",
    );
    assert_eq!(status, 303);
    let conn = Connection::open(&c.db).unwrap();
    let firm: String = conn
        .query_row("SELECT firm FROM responses", [], |r| r.get(0))
        .unwrap();
    assert_eq!(firm, "Anka");
}

#[test]
fn a_whole_oversized_body_still_gets_the_413_page() {
    use std::io::{Read, Write};
    let c = collector(&[]);
    let body = vec![b'a'; 10 * 1024 * 1024];
    let mut stream = std::net::TcpStream::connect(c.server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST {SHAPE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // The whole body is sent before anything is read, as simple clients do.
    stream
        .write_all(&body)
        .expect("the server reads the body instead of resetting");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("larger than 65536 bytes"));
}

#[test]
fn health_is_a_round_trip_through_the_writer() {
    let c = collector(&[]);
    let (status, body) = get(c.server.addr, "/api/v1/health");
    assert_eq!((status, body.trim()), (200, r#"{"status":"ok"}"#));
    // Another process holds the write lock: a submission waits in the writer, and a health
    // check queued behind it does not come back in time.
    let conn = Connection::open(&c.db).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE;").unwrap();
    let addr = c.server.addr;
    let stuck = std::thread::spawn(move || {
        request(addr, "POST", SHAPE, &[FORM], b"kurum=ajans&_lang=tr").0
    });
    std::thread::sleep(Duration::from_millis(300));
    let (status, body) = get(c.server.addr, "/api/v1/health");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("unavailable"), "{body}");
    conn.execute_batch("COMMIT;").unwrap();
    drop(conn);
    assert!(matches!(stuck.join().unwrap(), 303 | 503));
    assert_eq!(get(c.server.addr, "/api/v1/health").0, 200);
}

#[test]
fn a_code_stored_twice_before_the_fix_counts_once_in_the_needs_shares() {
    // A response stored by an older collector with a repeated code, then aggregated.
    let site = TestSite::fixture("benchmark");
    let db = site.root.join("data/kume.sqlite");
    let db_arg = db.to_str().unwrap().to_string();
    let args = [
        "--api-only",
        "--db",
        &db_arg,
        "--rate-limit",
        "0",
        "--open-survey-limit",
        "0",
    ];
    let server = Server::start(&site, &args);
    for (i, need) in ["egitim", "egitim", "finansman", "egitim", "egitim"]
        .iter()
        .enumerate()
    {
        let body = format!("tur=ajans&ihtiyac={need}&_lang=tr&_key=n{i}");
        let (status, _, page) = request(
            server.addr,
            "POST",
            "/api/v1/surveys/ihtiyac/responses",
            &[FORM],
            body.as_bytes(),
        );
        assert_eq!(status, 303, "{page}");
    }
    drop(server);
    let conn = Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE responses SET answers = json_set(answers, '$.ihtiyac', json('[\"finansman\",\"finansman\",\"finansman\"]')) WHERE idem_key = 'a:n0'",
        [],
    )
    .unwrap();
    let out = site.root.join("agg");
    kume_ok(&[
        "aggregate",
        "--root",
        site.root.to_str().unwrap(),
        "--db",
        &db_arg,
        "--out",
        out.to_str().unwrap(),
    ]);
    let snapshot: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("aggregates.json")).unwrap())
            .unwrap();
    let shares = snapshot["needs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "all")
        .unwrap()["shares"]
        .clone();
    for share in shares.as_array().unwrap() {
        let pct = share["share"].as_f64().unwrap();
        assert!(pct <= 100.0, "{share}");
        if share["code"] == "finansman" {
            assert_eq!(share["count"], 2, "{share}");
        }
    }
}

#[test]
fn schema_3_turns_stored_repeat_strings_into_objects_and_namespaces_the_keys() {
    let c = collector(&[]);
    drop(c.server);
    // A database as the previous collector left it (schema 2): repeat entries as JSON text.
    std::fs::remove_file(&c.db).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", c.db.display()));
    }
    let old = Connection::open(&c.db).unwrap();
    old.execute_batch(
        r#"CREATE TABLE responses (id TEXT PRIMARY KEY, survey TEXT NOT NULL, hash TEXT NOT NULL,
             wave INTEGER NOT NULL, idem_key TEXT NOT NULL, payload_hash TEXT NOT NULL,
             status TEXT NOT NULL CHECK (status IN ('draft', 'final')), lang TEXT NOT NULL,
             token_hash TEXT, cluster TEXT, firm TEXT, consent TEXT, answers TEXT NOT NULL,
             received_at TEXT NOT NULL);
           CREATE UNIQUE INDEX responses_key ON responses (survey, idem_key);
           CREATE INDEX responses_survey ON responses (survey, wave, status);
           CREATE TABLE invitations (token_hash TEXT PRIMARY KEY, survey TEXT NOT NULL,
             wave INTEGER NOT NULL, cluster TEXT, firm TEXT, email TEXT,
             prefill TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL);
           CREATE INDEX invitations_survey ON invitations (survey, wave);
           CREATE TABLE response_history (response_id TEXT NOT NULL REFERENCES responses (id)
             ON DELETE CASCADE, status TEXT NOT NULL, answers TEXT NOT NULL,
             payload_hash TEXT NOT NULL, received_at TEXT NOT NULL, replaced_at TEXT NOT NULL);
           INSERT INTO responses VALUES ('r1', 'sekil', 'h', 2026, 'k1', 'p', 'final', 'tr',
             NULL, NULL, NULL, NULL,
             '{"kurum":"ajans","ihtiyaclar":["egitim","veri"],"projeler":["{\"ad\":\"Fuar\"}","{\"ad\":\"Test\",\"destekli\":\"hayir\"}"]}',
             '2026-03-01T10:00:00.000Z');
           INSERT INTO responses VALUES ('r2', 'deneme', 'h', 2026, 'abc:2026', 'p', 'final', 'tr',
             'abc', 'k', 'f', NULL, '{"uye_mi":"hayir"}', '2026-03-01T10:00:01.000Z');
           INSERT INTO response_history VALUES ('r1', 'draft',
             '{"projeler":["{\"ad\":\"Eski\"}"]}', 'p0', '2026-02-01T10:00:00.000Z',
             '2026-03-01T10:00:00.000Z');
           PRAGMA user_version = 2;"#,
    )
    .unwrap();
    drop(old);
    let server = Server::start(&c.site, &["--db", c.db.to_str().unwrap()]);
    drop(server);
    let conn = Connection::open(&c.db).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3);
    let answers: String = conn
        .query_row("SELECT answers FROM responses WHERE id = 'r1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let answers: serde_json::Value = serde_json::from_str(&answers).unwrap();
    assert_eq!(
        answers["projeler"],
        serde_json::json!([{"ad": "Fuar"}, {"ad": "Test", "destekli": "hayir"}])
    );
    assert_eq!(
        answers["ihtiyaclar"],
        serde_json::json!(["egitim", "veri"]),
        "codes stay"
    );
    let history: String = conn
        .query_row("SELECT answers FROM response_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(history, r#"{"projeler":[{"ad":"Eski"}]}"#);
    let keys: Vec<String> = conn
        .prepare("SELECT idem_key FROM responses ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(keys, ["a:k1", "i:abc:2026"]);
}
