//! The HTTP server's own defences, against the real binary on 127.0.0.1: the size of a
//! request head, the headers on every HTML page it renders, metrics on their own loopback
//! listener, graceful shutdown and the connection cap.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Collector, Server, TestSite, get, raw, repo, request, status_of};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
const JSON: (&str, &str) = ("Content-Type", "application/json");
const PATH: &str = "/api/v1/surveys/deneme/responses";
const VALID: &str = "uye_mi=evet&uye_sayisi=10&aktif_uye=2&_lang=tr";
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'";

/// The open fixture survey with its own database, no rate limit, and `extra` options.
fn collector(extra: &[&str]) -> (TestSite, Server) {
    let c = Collector::for_fixtures(&["deneme"], extra);
    (c.site, c.server)
}

/// The value of header `name` in a response head (case-insensitive name).
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// An HTML page of the server's own: the site's policy, no framing, no sniffing, no referrer.
#[track_caller]
fn assert_hardened_html(what: &str, head: &str) {
    assert!(
        header(head, "content-type").is_some_and(|v| v.starts_with("text/html")),
        "{what} is HTML: {head}"
    );
    assert_eq!(header(head, "content-security-policy"), Some(CSP), "{what}");
    assert_eq!(
        header(head, "x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        header(head, "referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
}

/// Runs `kume serve` expecting it to refuse to start; returns its stderr.
fn serve_refused(site: &TestSite, extra: &[&str]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(["serve", "--api-only", "--addr", "127.0.0.1:0", "--root"])
        .arg(&site.root)
        .args(extra)
        .env("CI", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("kume serve {extra:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!status.success(), "{stderr}");
    stderr
}

#[test]
fn request_heads_over_16_kb_are_refused_with_431() {
    let (_site, server) = collector(&[]);
    let addr = server.addr;
    let with_header = |n: usize| {
        format!(
            "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Big: {}\r\n\r\n",
            "h".repeat(n)
        )
    };
    assert_eq!(
        status_of(&raw(addr, with_header(64 * 1024).as_bytes())),
        431,
        "64 KB"
    );
    assert_eq!(
        status_of(&raw(addr, with_header(17 * 1024).as_bytes())),
        431,
        "17 KB"
    );
    assert_eq!(
        status_of(&raw(addr, with_header(12 * 1024).as_bytes())),
        200,
        "12 KB"
    );
    // Under hyper's count of 100 headers, but over 16 KB together.
    let mut many = String::from("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for i in 0..80 {
        many.push_str(&format!("X-Part-{i}: {}\r\n", "p".repeat(250)));
    }
    many.push_str("\r\n");
    assert_eq!(
        status_of(&raw(addr, many.as_bytes())),
        431,
        "80 × 250 bytes"
    );
    assert_eq!(get(addr, "/api/v1/health").0, 200, "still serving");
}

#[test]
fn every_html_page_of_the_collector_carries_the_security_headers() {
    let (_site, server) = collector(&[]);
    let addr = server.addr;
    // The form shown again with its errors.
    let (status, head, page) = request(addr, "POST", PATH, &[FORM], b"uye_mi=&_lang=tr");
    assert_eq!(status, 422, "{page}");
    assert_hardened_html("the form with errors", &head);
    // A refusal page (unknown survey) and a personal link with a bad token.
    let (status, head, _) = request(
        addr,
        "POST",
        "/api/v1/surveys/yok/responses",
        &[FORM],
        VALID.as_bytes(),
    );
    assert_eq!(status, 404);
    assert_hardened_html("the unknown-survey page", &head);
    let (status, head, _) = request(addr, "GET", "/api/v1/surveys/deneme/form?t=0000", &[], b"");
    assert_eq!(status, 403);
    assert_hardened_html("the bad-token page", &head);
    // The development server's own pages.
    let (status, head, _) = request(addr, "GET", "/", &[], b"");
    assert_eq!(status, 200);
    assert_hardened_html("a page of the site", &head);
    // JSON and plain text are not pages, but are never sniffed as one.
    let (status, head, _) = request(
        addr,
        "POST",
        PATH,
        &[JSON],
        br#"{"answers":{"uye_mi":"hayir"}}"#,
    );
    assert_eq!(status, 201);
    assert_eq!(header(&head, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&head, "content-security-policy"), None);
    let (_, head, _) = request(addr, "GET", "/api/v1/nothing", &[], b"");
    assert_eq!(header(&head, "x-content-type-options"), Some("nosniff"));
}

#[test]
fn the_personal_form_and_the_build_error_page_carry_the_security_headers() {
    let site = TestSite::fixture("features");
    let survey = std::fs::read_to_string(repo().join("tests/fixtures/surveys/deneme.yaml"))
        .unwrap()
        .replace("access: open", "access: invitation");
    site.write("surveys/deneme.yaml", &survey);
    let db = site.root.join("data/responses.sqlite");
    let run = site.kume(&[
        "invite",
        "--db",
        db.to_str().unwrap(),
        "--survey",
        "deneme",
        "--cluster",
        "samsun-makina",
    ]);
    run.assert_code(0);
    let token = crate::harness::invitation_tokens(&run.stdout)
        .pop()
        .expect("one link");
    let server = Server::start(&site, &["--db", db.to_str().unwrap()]);
    let (_, _, cookie) = crate::harness::open_personal_link(
        server.addr,
        &format!("/api/v1/surveys/deneme/form?t={token}"),
    );
    let (status, head, page) = request(
        server.addr,
        "GET",
        "/api/v1/surveys/deneme/form?lang=tr",
        &[("Cookie", &cookie)],
        b"",
    );
    assert_eq!(status, 200, "{page}");
    assert_hardened_html("the personal form", &head);

    // A build error: the page that lists it has the same headers and no inline style.
    let page = "site/content/hakkinda.md";
    let good = std::fs::read_to_string(site.root.join(page)).unwrap();
    site.write(page, &format!("{good}\n[kırık](yok.md)\n"));
    let start = Instant::now();
    let (head, body) = loop {
        let (status, head, body) = request(server.addr, "GET", "/hakkinda/", &[], b"");
        if status == 500 {
            break (head, body);
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no error page");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_hardened_html("the build error page", &head);
    assert!(!body.contains("<style"), "no inline style: {body}");
    let (status, css) = get(server.addr, "/__kume/errors.css");
    assert_eq!(status, 200);
    assert!(css.contains("pre{"));
}

#[test]
fn metrics_are_served_on_their_own_loopback_listener_only() {
    let (site, server) = collector(&["--metrics-addr", "127.0.0.1:0"]);
    let addr = server.addr;
    let metrics = server.metrics.expect("the metrics listener is announced");
    assert_eq!(
        request(addr, "POST", PATH, &[FORM], VALID.as_bytes()).0,
        303
    );
    let (status, body) = get(addr, "/api/v1/metrics");
    assert_eq!(status, 404, "no metrics under /api/ any more: {body}");
    let (status, body) = get(metrics, "/metrics");
    assert_eq!(status, 200);
    assert!(body.contains("kume_responses_committed_total"), "{body}");
    assert!(
        body.contains("kume_api_responses_total{status=\"303\"} 1"),
        "{body}"
    );
    assert!(
        body.contains("kume_api_responses_total{status=\"404\"} 1"),
        "{body}"
    );
    assert_eq!(get(metrics, "/api/v1/health").0, 404, "the API is not here");

    let err = serve_refused(&site, &["--metrics-addr", "0.0.0.0:9464"]);
    assert!(
        err.contains("--metrics-addr 0.0.0.0:9464 is not a loopback address"),
        "{err}"
    );
}

#[test]
fn a_request_in_flight_at_sigterm_still_gets_its_answer() {
    let (_site, mut server) = collector(&[]);
    let addr = server.addr;
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        VALID.len()
    );
    slow.write_all(head.as_bytes()).unwrap();
    slow.write_all(&VALID.as_bytes()[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.terminate());
    std::thread::sleep(Duration::from_millis(300));
    // No longer accepting: a new client is refused (or, at worst, never answered).
    if let Ok(mut late) = TcpStream::connect(addr) {
        late.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let _ = late.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
        let mut buf = [0u8; 64];
        assert!(
            !matches!(late.read(&mut buf), Ok(n) if n > 0),
            "a connection accepted after SIGTERM"
        );
    }
    slow.write_all(&VALID.as_bytes()[10..]).unwrap();
    let mut answer = Vec::new();
    let _ = slow.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(status_of(&answer), 303, "{answer}");
    let status = server.child.wait().unwrap();
    assert!(
        status.success(),
        "exit 0 after a graceful stop, got {status}"
    );
}

#[test]
fn an_idle_keep_alive_connection_does_not_hold_up_the_stop() {
    let (_site, mut server) = collector(&[]);
    let mut idle = TcpStream::connect(server.addr).unwrap();
    idle.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 512];
    assert!(idle.read(&mut buf).unwrap() > 0, "answered, kept open");
    let start = Instant::now();
    assert!(server.terminate());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "stopping took {:?}",
        start.elapsed()
    );
}

#[test]
fn connections_over_the_cap_wait_for_a_free_slot() {
    let (_site, server) = collector(&["--max-connections", "2"]);
    let addr = server.addr;
    let first = TcpStream::connect(addr).unwrap();
    let _second = TcpStream::connect(addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut third = TcpStream::connect(addr).unwrap();
    third
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    let mut buf = [0u8; 512];
    assert!(
        third.read(&mut buf).is_err(),
        "a third connection is served while two are open"
    );
    drop(first);
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = third.read_to_end(&mut answer);
    assert_eq!(status_of(&String::from_utf8_lossy(&answer)), 200);
}

/// CPU time (user + system, in clock ticks) the process has used so far.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn out_of_file_descriptors_the_server_waits_instead_of_spinning() {
    let (_site, server) = collector(&[]);
    let addr = server.addr;
    let pid = server.child.id();
    let open_fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count();
    let limit = (open_fds + 4).to_string();
    let set = Command::new("prlimit")
        .args([
            "--pid",
            &pid.to_string(),
            &format!("--nofile={limit}:{limit}"),
        ])
        .status();
    let Ok(set) = set else {
        eprintln!("skipped: prlimit (util-linux) is not installed");
        return;
    };
    assert!(set.success());
    // More connections than descriptors left: the rest wait in the queue and accept() fails.
    let clients: Vec<TcpStream> = (0..12).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_ticks(pid) - before;
    // Spinning on accept() burns a whole core (about 100 ticks a second).
    assert!(
        used < 30,
        "{used} ticks of CPU in one second while out of descriptors"
    );
    drop(clients);
    let start = Instant::now();
    loop {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let _ = s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        if status_of(&String::from_utf8_lossy(&answer)) == 200 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the server did not recover after the clients left"
        );
    }
}
