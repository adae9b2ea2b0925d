//! The collector as it runs in production, on 127.0.0.1 with real SQLite files: the snapshot
//! endpoint the deploy job reads, the restore drill, and forms that post to `/api/…` on the
//! deployed site and under `kume serve` alike.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::{Server, TestSite, get, invitation_tokens, repo, request};

const TOKEN: &str = "f3b1c0de5a7e4d2b9c8a6f1e0d3c2b1a";
const SNAPSHOT: &str = "/api/v1/aggregates.json";
const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// Runs `kume <args>`; (exit code, stdout, stderr).
fn kume(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(args)
        .env("CI", "1")
        .env_remove("KUME_READ_TOKEN")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[track_caller]
fn kume_ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = kume(args);
    assert_eq!(code, 0, "kume {args:?}:\n{stderr}");
    stdout
}

fn snapshot(server: &Server, authorization: Option<&str>) -> (u16, String, String) {
    let headers: Vec<(&str, &str)> = authorization
        .map(|a| vec![("Authorization", a)])
        .unwrap_or_default();
    request(server.addr, "GET", SNAPSHOT, &headers, b"")
}

/// The benchmark fixture served API-only with a read token from a file.
fn benchmark_collector() -> (TestSite, Server, PathBuf) {
    let site = TestSite::fixture("benchmark");
    let db = site.root.join("data/kume.sqlite");
    site.write("read-token", &format!("{TOKEN}\n"));
    let token_file = site.root.join("read-token");
    let server = Server::start(
        &site,
        &[
            "--api-only",
            "--db",
            db.to_str().unwrap(),
            "--rate-limit",
            "0",
            "--open-survey-limit",
            "0",
            "--read-token-file",
            token_file.to_str().unwrap(),
        ],
    );
    (site, server, db)
}

#[test]
fn the_snapshot_needs_the_read_token_and_follows_new_answers() {
    let (site, server, db) = benchmark_collector();
    let bearer = format!("Bearer {TOKEN}");

    let (status, head, _) = snapshot(&server, None);
    assert_eq!(status, 401);
    assert!(
        head.to_lowercase()
            .contains("www-authenticate: bearer realm=\"kume\""),
        "{head}"
    );
    assert_eq!(snapshot(&server, Some("Bearer wrong-token")).0, 401);
    assert_eq!(
        snapshot(&server, Some(TOKEN)).0,
        401,
        "the Bearer scheme is required"
    );
    let (status, head, body) = snapshot(&server, Some(&bearer));
    assert_eq!(status, 200, "{body}");
    assert!(
        head.to_lowercase()
            .contains("content-type: application/json")
    );
    assert!(head.to_lowercase().contains("cache-control: no-store"));
    let empty: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(empty["values"], serde_json::json!([]));

    // Five cluster managers answer; the cached snapshot follows within the debounce.
    let roster = site.root.join("roster.csv");
    std::fs::write(&roster, "cluster\nk1\nk2\nk3\nk4\nk5\n").unwrap();
    let links = kume_ok(&[
        "invite",
        "--root",
        site.root.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--survey",
        "yonetici",
        "--roster",
        roster.to_str().unwrap(),
    ]);
    for (n, token) in invitation_tokens(&links).iter().enumerate() {
        let body = format!(
            "uye={}&butce=100&kamu=10&notlar=GIZLI-NOT-4411&_lang=tr&_token={token}",
            10 * (n + 1)
        );
        let (status, _, page) = request(
            server.addr,
            "POST",
            "/api/v1/surveys/yonetici/responses",
            &[FORM],
            body.as_bytes(),
        );
        assert_eq!(status, 303, "{page}");
    }
    let start = Instant::now();
    let served = loop {
        let (status, _, body) = snapshot(&server, Some(&bearer));
        assert_eq!(status, 200);
        if body.contains("\"k5\"") {
            break body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the snapshot did not follow the answers:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        !served.contains("GIZLI"),
        "free text never leaves the store"
    );

    // The same bytes as `kume aggregate` writes.
    let out = site.root.join("agg");
    kume_ok(&[
        "aggregate",
        "--root",
        site.root.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let written = std::fs::read_to_string(out.join("aggregates.json")).unwrap();
    assert_eq!(served, written);
}

#[test]
fn without_a_read_token_the_snapshot_endpoint_does_not_exist() {
    let site = TestSite::fixture("benchmark");
    let db = site.root.join("data/kume.sqlite");
    let args = ["--api-only", "--db", db.to_str().unwrap()];
    let server = Server::start(&site, &args);
    assert_eq!(snapshot(&server, Some(&format!("Bearer {TOKEN}"))).0, 404);
    drop(server);

    // The environment variable configures it as well as the file.
    let server = Server::start_with_env(&site, &args, &[("KUME_READ_TOKEN", TOKEN)]);
    assert_eq!(snapshot(&server, Some(&format!("Bearer {TOKEN}"))).0, 200);
    drop(server);

    // A token short enough to guess is refused at start, with what to do.
    let (code, _, stderr) = {
        let out = Command::new(env!("CARGO_BIN_EXE_kume"))
            .args(["serve", "--api-only", "--addr", "127.0.0.1:0", "--root"])
            .arg(&site.root)
            .args(["--db", db.to_str().unwrap()])
            .env("CI", "1")
            .env("KUME_READ_TOKEN", "geheim")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("error: KUME_READ_TOKEN: the read token has 6 characters; it needs at least 32\n  help: make a token with `openssl rand -hex 32`"),
        "{stderr}"
    );
}

/// The open test survey served with a database of its own.
fn survey_site() -> (TestSite, PathBuf) {
    let site = TestSite::with_surveys(&["deneme"]);
    let db = site.root.join("data/responses.sqlite");
    (site, db)
}

fn start_collector(site: &TestSite, db: &Path) -> Server {
    Server::start(
        site,
        &[
            "--api-only",
            "--db",
            db.to_str().unwrap(),
            "--rate-limit",
            "0",
            "--open-survey-limit",
            "0",
        ],
    )
}

fn export_json(site: &TestSite, db: &Path, out: &Path) -> serde_json::Value {
    kume_ok(&[
        "export",
        "--root",
        site.root.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--survey",
        "deneme",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

fn post_answer(server: &Server, n: usize) -> u16 {
    let body = format!(
        "uye_mi=evet&uye_sayisi={}&aktif_uye=1&_lang=tr&_key=drill-{n}",
        n + 1
    );
    request(
        server.addr,
        "POST",
        "/api/v1/surveys/deneme/responses",
        &[FORM],
        body.as_bytes(),
    )
    .0
}

fn remove_database(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = db.as_os_str().to_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
}

#[test]
fn restore_drill_brings_every_response_back() {
    let (site, db) = survey_site();
    let server = start_collector(&site, &db);
    for n in 0..12 {
        assert_eq!(post_answer(&server, n), 303);
    }
    let original = export_json(&site, &db, &site.root.join("before.json"));
    assert_eq!(original.as_array().unwrap().len(), 12);

    // Back up while the collector runs, then lose the database.
    let backup = site.root.join("backups/kume-2026-11-26.sqlite");
    std::fs::create_dir_all(backup.parent().unwrap()).unwrap();
    kume_ok(&[
        "backup",
        "--db",
        db.to_str().unwrap(),
        "--to",
        backup.to_str().unwrap(),
    ]);
    drop(server);
    remove_database(&db);
    assert!(!db.exists());

    let (code, _, stderr) = kume(&[
        "restore",
        "--from",
        backup.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("12 responses, 0 invitations, schema version 3"),
        "{stderr}"
    );

    let server = start_collector(&site, &db);
    assert_eq!(get(server.addr, "/api/v1/health").0, 200);
    let restored = export_json(&site, &db, &site.root.join("after.json"));
    assert_eq!(restored, original);
    // Idempotency keys came back too: a retried submission is not stored twice.
    assert_eq!(post_answer(&server, 3), 303);
    assert_eq!(post_answer(&server, 12), 303);
    let after = export_json(&site, &db, &site.root.join("after-2.json"));
    assert_eq!(after.as_array().unwrap().len(), 13);
}

#[test]
fn restore_refuses_to_replace_a_database_without_force() {
    let (site, db) = survey_site();
    let server = start_collector(&site, &db);
    assert_eq!(post_answer(&server, 0), 303);
    let backup = site.root.join("kume.backup");
    kume_ok(&[
        "backup",
        "--db",
        db.to_str().unwrap(),
        "--to",
        backup.to_str().unwrap(),
    ]);
    drop(server);

    let args = [
        "restore",
        "--from",
        backup.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ];
    let (code, _, stderr) = kume(&args);
    assert_eq!(code, 3);
    assert_eq!(
        stderr,
        format!(
            "error: {}: a database is already there; restoring would replace it\n  help: stop the collector first, then run the same command with --force (the current file is kept beside it)\n",
            db.display()
        )
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    let (code, _, stderr) = kume(&forced);
    assert_eq!(code, 0, "{stderr}");
    let kept = site.root.join("data/responses.sqlite.replaced");
    assert!(stderr.contains(&format!(
        "The replaced database is kept as {}",
        kept.display()
    )));
    assert!(kept.is_file());
}

#[test]
fn restore_checks_the_backup_before_touching_anything() {
    let (site, db) = survey_site();
    let target = db.to_str().unwrap();
    let restore =
        |from: &Path| kume(&["restore", "--from", from.to_str().unwrap(), "--db", target]);

    let missing = site.root.join("nothing.sqlite");
    let (code, _, stderr) = restore(&missing);
    assert_eq!(code, 3);
    assert_eq!(
        stderr,
        format!(
            "error: {}: no such backup file\n  help: pass the file `kume backup --to FILE` wrote\n",
            missing.display()
        )
    );

    let garbage = site.root.join("garbage.sqlite");
    std::fs::write(&garbage, "this is a note, not a database\n".repeat(200)).unwrap();
    let (code, _, stderr) = restore(&garbage);
    assert_eq!(code, 3);
    assert!(
        stderr.starts_with(&format!(
            "error: {}: not a readable SQLite database (file is not a database)",
            garbage.display()
        )),
        "{stderr}"
    );

    let foreign = site.root.join("foreign.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (text TEXT); PRAGMA user_version = 1;")
        .unwrap();
    let (code, _, stderr) = restore(&foreign);
    assert_eq!(code, 3);
    assert!(
        stderr.contains("this is not a Kume response database (no responses table)"),
        "{stderr}"
    );

    // A backup from a newer kume: refused rather than half understood.
    let server = start_collector(&site, &db);
    assert_eq!(post_answer(&server, 0), 303);
    drop(server);
    let newer = site.root.join("newer.sqlite");
    kume_ok(&["backup", "--db", target, "--to", newer.to_str().unwrap()]);
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let (code, _, stderr) = restore(&newer);
    assert_eq!(code, 3);
    assert!(
        stderr.contains("the backup has schema version 99, newer than this kume knows (3)\n  help: restore it with the kume version that wrote it, or a newer one"),
        "{stderr}"
    );

    // A damaged backup: every page after the first overwritten.
    let damaged = site.root.join("damaged.sqlite");
    kume_ok(&["backup", "--db", target, "--to", damaged.to_str().unwrap()]);
    let mut bytes = std::fs::read(&damaged).unwrap();
    bytes[4096..].fill(0xA5);
    std::fs::write(&damaged, bytes).unwrap();
    let (code, _, stderr) = restore(&damaged);
    assert_eq!(code, 3);
    assert!(
        stderr.contains(&format!("error: {}: ", damaged.display())),
        "{stderr}"
    );
    assert!(stderr.contains("help: "), "{stderr}");
    // Every refusal left the database as it was.
    assert_eq!(
        kume_ok(&[
            "status",
            "--root",
            site.root.to_str().unwrap(),
            "--db",
            target,
            "--survey",
            "deneme"
        ]),
        "firm,cluster,email,status,received_at\n"
    );
}

#[test]
fn forms_post_to_the_same_origin_api_on_the_deployed_site_and_under_serve() {
    // The deployed site: every form of the repository's site posts to /api/…, which
    // netlify.toml passes on to the collector, and the CSP allows only same-origin posts.
    let out = tempfile::tempdir().unwrap();
    crate::harness::kume_in(&repo(), &["build", "--out", out.path().to_str().unwrap()])
        .assert_code(0);
    for id in ["kume-yoneticisi", "uye-firma", "paydas-ihtiyac"] {
        let page =
            std::fs::read_to_string(out.path().join(format!("anket/{id}/index.html"))).unwrap();
        assert!(
            page.contains(&format!("action=\"/api/v1/surveys/{id}/responses\"")),
            "{id}: the form does not post to /api/v1/surveys/{id}/responses"
        );
    }
    let netlify = std::fs::read_to_string(repo().join("netlify.toml")).unwrap();
    let proxy = netlify
        .split("[[redirects]]")
        .nth(1)
        .expect("an /api/* redirect");
    assert!(proxy.contains("from = \"/api/*\""));
    assert!(proxy.contains("/api/:splat\""));
    assert!(
        proxy.contains("status = 200"),
        "a proxy, not a redirect: the form post must keep its body"
    );
    assert!(netlify.contains("form-action 'self'"));

    // `kume serve`: the page it serves posts to the same path, and that path takes the answers.
    let (site, db) = survey_site();
    let server = Server::start(&site, &["--db", db.to_str().unwrap()]);
    let (status, page) = get(server.addr, "/anket/deneme/");
    assert_eq!(status, 200);
    // The survey form's action, not the header's search box (a GET to the search page).
    let action = page
        .split("action=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|a| *a != "/ara/")
        .unwrap()
        .to_string();
    assert_eq!(action, "/api/v1/surveys/deneme/responses");
    let (status, ..) = request(
        server.addr,
        "POST",
        &action,
        &[FORM],
        b"uye_mi=hayir&_lang=tr&_key=same-origin",
    );
    assert_eq!(status, 303);
}

/// A tiny HTTP peer standing in for the site host's build hook: records each request's first
/// line and body, answers 200.
pub(crate) fn hook_listener() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/build_hooks/5f0c1e",
        listener.local_addr().unwrap()
    );
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            reader.read_line(&mut first).unwrap();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            record.lock().unwrap().push(format!(
                "{} {}",
                first.trim(),
                String::from_utf8_lossy(&body)
            ));
            let mut stream = stream;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (url, seen)
}

#[test]
fn a_build_hook_that_is_not_a_web_address_is_refused_at_start() {
    let (site, db) = survey_site();
    let out = Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(["serve", "--api-only", "--addr", "127.0.0.1:0", "--root"])
        .arg(&site.root)
        .args(["--db", db.to_str().unwrap()])
        .env("KUME_BUILD_HOOK_URL", "api.netlify.com/build_hooks/x")
        .env("CI", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: the build hook `api.netlify.com/build_hooks/x` is not an http:// or https:// address\n  help: pass the hook's full address (Netlify: Site configuration → Build hooks) in the file given to --build-hook-url-file or in KUME_BUILD_HOOK_URL\n"
    );
}

#[test]
fn the_nightly_backup_script_backs_up_checks_and_expires() {
    let (site, db) = survey_site();
    let server = start_collector(&site, &db);
    assert_eq!(post_answer(&server, 0), 303);
    let dir = site.root.join("backups");
    std::fs::create_dir_all(&dir).unwrap();
    let old = dir.join("kume-20200101T023000Z.sqlite");
    std::fs::write(&old, "an expired backup").unwrap();
    let touched = Command::new("touch")
        .args(["-d", "40 days ago"])
        .arg(&old)
        .status()
        .unwrap();
    assert!(touched.success());

    let run = Command::new("sh")
        .arg(repo().join("deploy/kume-backup.sh"))
        .env("KUME_BIN", env!("CARGO_BIN_EXE_kume"))
        .env("KUME_DB", &db)
        .env("KUME_BACKUP_DIR", &dir)
        .env_remove("KUME_OFFSITE_REPOSITORY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("1 responses, 0 invitations, schema version 3"),
        "{stderr}"
    );
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sqlite"))
        .collect();
    assert_eq!(
        names.len(),
        1,
        "the expired copy is gone, tonight's is there: {names:?}"
    );
    assert!(names[0].starts_with("kume-2") && names[0] != "kume-20200101T023000Z.sqlite");
}
