//! The response store on both backends: one suite run against an SQLite file and against a
//! real PostgreSQL server (a fresh database per test), two collectors sharing one PostgreSQL
//! database while one is killed, the move from SQLite to PostgreSQL, and a database that goes
//! away under a running collector.
//!
//! The PostgreSQL tests need `KUME_TEST_POSTGRES_URL`: the address of a server where its user
//! may create databases (`.ci/test` starts a private one). Without it they are skipped with a
//! message, except on CI (`CI=true`), where a missing server is a failure.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::harness::{Server, TestSite, invitation_tokens, request};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
const JSON: (&str, &str) = ("Content-Type", "application/json");
const PATH: &str = "/api/v1/surveys/deneme/responses";
const URL_ENV: &str = "KUME_TEST_POSTGRES_URL";

/// The server the PostgreSQL tests use, or None (with a message) when there is none.
fn postgres_server() -> Option<String> {
    match std::env::var(URL_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if matches!(std::env::var("CI").as_deref(), Ok("true" | "1")) => {
            panic!("{URL_ENV} is not set: on CI, .ci/test starts a PostgreSQL server and sets it")
        }
        _ => {
            eprintln!(
                "skipped: the PostgreSQL half needs {URL_ENV}=postgresql://user@127.0.0.1:PORT/postgres (a server where the user may create databases; .ci/test starts one)"
            );
            None
        }
    }
}

/// A database of its own for one test, dropped afterwards.
struct PgDb {
    server: String,
    name: String,
    url: String,
}

impl PgDb {
    fn create() -> Option<PgDb> {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let server = postgres_server()?;
        let name = format!(
            "kume_test_{}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        admin(&server)
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (base, _) = server
            .split_once('?')
            .map_or((server.as_str(), ""), |(b, q)| (b, q));
        let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
        Some(PgDb { server, name, url })
    }

    /// A connection for a test's own query.
    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }

    fn count(&self, sql: &str) -> i64 {
        self.client().query_one(sql, &[]).unwrap().get(0)
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = admin(&self.server).batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

fn admin(server: &str) -> postgres::Client {
    postgres::Client::connect(server, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot reach the test server {URL_ENV}: {e}"))
}

/// One backend under test: an SQLite file, or a fresh PostgreSQL database.
enum Backend {
    Sqlite(String),
    Postgres(PgDb),
}

impl Backend {
    fn address(&self) -> &str {
        match self {
            Backend::Sqlite(path) => path,
            Backend::Postgres(db) => &db.url,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "SQLite",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }
}

/// SQLite always; PostgreSQL when a server is configured.
fn backends(site: &TestSite) -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite(
        site.root.join("data/kume.sqlite").to_str().unwrap().into(),
    )];
    all.extend(PgDb::create().map(Backend::Postgres));
    all
}

fn invitation_site() -> TestSite {
    let site = TestSite::with_surveys(&["deneme"]);
    let survey = std::fs::read_to_string(site.root.join("surveys/deneme.yaml")).unwrap();
    site.write(
        "surveys/deneme.yaml",
        &survey.replace("access: open", "access: invitation"),
    );
    site.write("roster.csv", "firm,cluster,email,uye_sayisi\nAnka Makina,samsun-makina,anka@example.org,12\nBora Gıda,samsun-gida,,\n");
    site
}

/// `kume ARGS`: (succeeded, stdout, stderr).
fn kume(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(args)
        .env("CI", "1")
        .env_remove("KUME_DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn collector(site: &TestSite, db: &str) -> Server {
    Server::start(
        site,
        &[
            "--api-only",
            "--db",
            db,
            "--rate-limit",
            "0",
            "--open-survey-limit",
            "0",
        ],
    )
}

/// The final responses as `kume export` gives them (JSON).
fn exported(root: &Path, db: &str) -> Vec<serde_json::Value> {
    let root = root.to_str().unwrap();
    let (ok, out, err) = kume(&[
        "export", "--root", root, "--db", db, "--survey", "deneme", "--format", "json", "--out",
        "-",
    ]);
    assert!(ok, "export from {db}: {err}");
    serde_json::from_str(&out).unwrap()
}

fn post_json(addr: SocketAddr, body: &str) -> (u16, String, String) {
    request(addr, "POST", PATH, &[JSON], body.as_bytes())
}

fn answer(key: &str, members: u32) -> String {
    format!(
        r#"{{"answers": {{"uye_mi": "evet", "uye_sayisi": {members}, "aktif_uye": 1}}, "lang": "tr", "key": "{key}"}}"#
    )
}

#[test]
fn every_store_keeps_the_same_promises() {
    let site = TestSite::with_surveys(&["deneme"]);
    let invited = invitation_site();
    for backend in backends(&site) {
        let name = backend.name();
        let db = backend.address();
        // Open survey: a key is stored once; the same key with other answers conflicts.
        let server = collector(&site, db);
        let (status, _, first) = post_json(server.addr, &answer("k1", 8));
        assert_eq!(status, 201, "{name}: {first}");
        let (status, _, again) = post_json(server.addr, &answer("k1", 8));
        assert_eq!((status, &again), (201, &first), "{name}: a repeat");
        assert_eq!(post_json(server.addr, &answer("k1", 9)).0, 409, "{name}");
        assert_eq!(post_json(server.addr, &answer("k2", 5)).0, 201, "{name}");
        let (status, health) = crate::harness::get(server.addr, "/api/v1/health");
        assert_eq!(status, 200, "{name}: {health}");
        drop(server);
        let rows = exported(&site.root, db);
        assert_eq!(rows.len(), 2, "{name}: {rows:?}");
        assert_eq!(rows[0]["answers"]["uye_sayisi"], 8, "{name}: oldest first");
        assert_eq!(rows[0]["answers"]["oran"], 12.5, "{name}");
        assert!(
            rows[0]["received_at"].as_str().unwrap().ends_with('Z'),
            "{name}: {rows:?}"
        );
        let out = site.root.join(format!("aggregates-{name}"));
        let (ok, _, err) = kume(&[
            "aggregate",
            "--root",
            site.root.to_str().unwrap(),
            "--db",
            db,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(ok && out.join("aggregates.json").exists(), "{name}: {err}");

        // Invitations: one response per invitation, edits kept in the history, drafts, status,
        // erasure — on a database of their own.
        let backend = match backend {
            Backend::Sqlite(_) => Backend::Sqlite(
                invited
                    .root
                    .join("data/kume.sqlite")
                    .to_str()
                    .unwrap()
                    .into(),
            ),
            Backend::Postgres(_) => Backend::Postgres(PgDb::create().unwrap()),
        };
        let db = backend.address();
        let root = invited.root.to_str().unwrap();
        let roster = invited.root.join("roster.csv");
        let (ok, links, err) = kume(&[
            "invite",
            "--root",
            root,
            "--db",
            db,
            "--survey",
            "deneme",
            "--roster",
            roster.to_str().unwrap(),
        ]);
        assert!(ok, "{name}: {err}");
        let tokens = invitation_tokens(&links);
        assert_eq!(tokens.len(), 2);
        let server = collector(&invited, db);
        let post = |body: String| request(server.addr, "POST", PATH, &[FORM], body.as_bytes()).0;
        let (t0, t1) = (&tokens[0], &tokens[1]);
        assert_eq!(
            post(format!("uye_sayisi=7&_lang=tr&_token={t1}&_action=draft")),
            303,
            "{name}: a draft"
        );
        for active in [3, 4] {
            assert_eq!(
                post(format!(
                    "uye_mi=evet&uye_sayisi=12&aktif_uye={active}&_lang=tr&_token={t0}"
                )),
                303,
                "{name}: an answer and its edit"
            );
        }
        // The personal form finds the saved answer.
        let (_, page, _) = crate::harness::open_personal_link(
            server.addr,
            &format!("/api/v1/surveys/deneme/form?t={t0}"),
        );
        assert!(page.contains("value=\"4\""), "{name}");
        drop(server);
        let rows = exported(&invited.root, db);
        assert_eq!(
            rows.len(),
            1,
            "{name}: one final answer, the draft is not exported"
        );
        assert_eq!(rows[0]["answers"]["aktif_uye"], 4, "{name}");
        assert_eq!(rows[0]["firm"], "Anka Makina", "{name}");
        let (ok, table, err) = kume(&["status", "--root", root, "--db", db, "--survey", "deneme"]);
        assert!(
            ok && err.contains("1 of 2 invitations answered"),
            "{name}: {err}"
        );
        assert!(
            table.contains("Bora Gıda,samsun-gida,,draft,")
                && table.contains("Anka Makina,samsun-makina,anka@example.org,final,"),
            "{name}: {table}"
        );
        if let Backend::Postgres(pg) = &backend {
            assert_eq!(pg.count("SELECT count(*) FROM response_history"), 1);
        }
        let token_file = invited.root.join("token.txt");
        std::fs::write(&token_file, format!("{t0}\n")).unwrap();
        let token_file = token_file.to_str().unwrap();
        let (ok, _, err) = kume(&["erase", "--db", db, "--token-file", token_file]);
        assert!(ok, "{name}: {err}");
        assert!(exported(&invited.root, db).is_empty(), "{name}");
        if let Backend::Postgres(pg) = &backend {
            assert_eq!(pg.count("SELECT count(*) FROM response_history"), 0);
        }
        let (ok, _, err) = kume(&["erase", "--db", db, "--token-file", token_file]);
        assert!(
            !ok && err.contains("no invitation or response has this token"),
            "{name}: {err}"
        );
    }
}

#[test]
fn backup_and_restore_name_postgresql_tools_instead() {
    let (ok, _, err) = kume(&[
        "backup",
        "--db",
        "postgresql://kume:secret@db.example.org/kume",
        "--to",
        "copy.sqlite",
    ]);
    assert!(!ok && err.contains("pg_dump"), "{err}");
    assert!(
        !err.contains("secret"),
        "the password is never printed: {err}"
    );
    let (ok, _, err) = kume(&[
        "restore",
        "--from",
        "copy.sqlite",
        "--db",
        "postgresql://kume@db.example.org/kume",
    ]);
    assert!(
        !ok && err.contains("pg_restore") && err.contains("kume migrate-store"),
        "{err}"
    );
    let (ok, _, err) = kume(&["status", "--db", "mysql://x@y/z", "--survey", "deneme"]);
    assert!(
        !ok && err.contains("`mysql://` is not a database Kume knows"),
        "{err}"
    );
}

/// Clients sending answers with unique keys to two collectors in turn, as a load balancer
/// would; a key whose collector is gone goes to the other. Every tenth key is sent to both at
/// once.
/// Returns (acknowledged key → response id, keys sent).
fn load_two(
    addrs: [SocketAddr; 2],
    threads: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<(HashMap<String, String>, usize)>> {
    (0..threads)
        .map(|t| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut acked: HashMap<String, String> = HashMap::new();
                let mut sent = 0;
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let key = format!("t{t}-{i}");
                    let body = answer(&key, (i % 1000) as u32);
                    let first = i % 2;
                    sent += 1;
                    // Every tenth key goes to both collectors at the same moment: the two
                    // inserts race in the database.
                    let targets: Vec<usize> = if i.is_multiple_of(10) {
                        vec![first, 1 - first]
                    } else {
                        vec![first]
                    };
                    let replies: Vec<Option<String>> = std::thread::scope(|s| {
                        let body = &body;
                        targets
                            .iter()
                            .map(|&target| {
                                s.spawn(move || {
                                    send(addrs[target], body)
                                        .or_else(|| send(addrs[1 - target], body))
                                })
                            })
                            .collect::<Vec<_>>()
                            .into_iter()
                            .map(|h| h.join().unwrap())
                            .collect()
                    });
                    for id in replies.into_iter().flatten() {
                        if let Some(before) = acked.insert(key.clone(), id.clone()) {
                            assert_eq!(before, id, "{key}: two collectors, two ids");
                        }
                    }
                }
                (acked, sent)
            })
        })
        .collect()
}

/// One post; the stored id on 201, None when refused or the collector is gone.
fn send(addr: SocketAddr, body: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    let req = format!(
        "POST {PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).ok()?;
    let mut raw = String::new();
    let _ = stream.read_to_string(&mut raw);
    if !raw.starts_with("HTTP/1.1 201") {
        return None;
    }
    let json: serde_json::Value = serde_json::from_str(raw.split_once("\r\n\r\n")?.1).ok()?;
    Some(json["id"].as_str()?.to_string())
}

#[test]
fn two_collectors_on_one_postgresql_database_lose_nothing_when_one_is_killed() {
    let Some(pg) = PgDb::create() else { return };
    let site = TestSite::with_surveys(&["deneme"]);
    let mut a = collector(&site, &pg.url);
    let b = collector(&site, &pg.url);
    let stop = Arc::new(AtomicBool::new(false));
    let handles = load_two([a.addr, b.addr], 8, &stop);
    std::thread::sleep(Duration::from_millis(1500));
    a.child.kill().unwrap(); // SIGKILL, mid-run
    let _ = a.child.wait();
    std::thread::sleep(Duration::from_millis(1000));
    stop.store(true, Ordering::Relaxed);
    let mut acked = HashMap::new();
    let mut sent = 0;
    for h in handles {
        let (keys, n) = h.join().unwrap();
        acked.extend(keys);
        sent += n;
    }
    assert!(
        acked.len() > 200,
        "only {} answers acknowledged",
        acked.len()
    );
    drop(b);
    let rows = exported(&site.root, &pg.url);
    let ids: HashSet<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for (key, id) in &acked {
        assert!(
            ids.contains(id.as_str()),
            "acknowledged {key} ({id}) is missing"
        );
    }
    let stored = pg.count("SELECT count(*) FROM responses");
    let keys = pg.count("SELECT count(DISTINCT idem_key) FROM responses");
    eprintln!("{} acknowledged, {stored} stored, {sent} sent", acked.len());
    assert_eq!(stored as usize, rows.len(), "export counts every row");
    assert_eq!(stored, keys, "no answer stored twice");
    assert!(
        rows.len() >= acked.len() && rows.len() <= sent,
        "{} stored, {} acknowledged, {sent} sent",
        rows.len(),
        acked.len()
    );
}

#[test]
fn migrate_store_moves_every_answer_draft_invitation_and_history_row_to_postgresql() {
    let Some(pg) = PgDb::create() else { return };
    let site = invitation_site();
    let root = site.root.to_str().unwrap();
    let sqlite = site.root.join("data/kume.sqlite");
    let sqlite = sqlite.to_str().unwrap();
    let roster = site.root.join("roster.csv");
    let (ok, links, err) = kume(&[
        "invite",
        "--root",
        root,
        "--db",
        sqlite,
        "--survey",
        "deneme",
        "--roster",
        roster.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let tokens = invitation_tokens(&links);
    let server = collector(&site, sqlite);
    let post = |body: String| request(server.addr, "POST", PATH, &[FORM], body.as_bytes()).0;
    for active in [2, 3, 4] {
        let t = &tokens[0];
        let body = format!("uye_mi=evet&uye_sayisi=12&aktif_uye={active}&_lang=tr&_token={t}");
        assert_eq!(post(body), 303);
    }
    let t = &tokens[1];
    assert_eq!(
        post(format!("uye_sayisi=7&_lang=tr&_token={t}&_action=draft")),
        303
    );
    // The collector holds the file: the move refuses until it is stopped.
    let target = pg.url.as_str();
    let (ok, _, err) = kume(&["migrate-store", "--from", sqlite, "--to", target]);
    assert!(!ok && err.contains("stop the collector first"), "{err}");
    drop(server);
    let before_status = kume(&[
        "status", "--root", root, "--db", sqlite, "--survey", "deneme",
    ]);
    let (ok, _, err) = kume(&[
        "migrate-store",
        "--from",
        &format!("sqlite:{sqlite}"),
        "--to",
        target,
    ]);
    assert!(ok, "{err}");
    assert!(
        err.contains("Moved 2 responses (1 drafts), 2 history rows and 2 invitations"),
        "{err}"
    );
    // Row for row: the same responses (ids, times, answers), history and invitations. JSON is
    // compared as values: PostgreSQL writes jsonb with its own key order and spacing.
    let conn = rusqlite::Connection::open(sqlite).unwrap();
    let sqlite_rows = |sql: &str| -> Vec<(String, serde_json::Value)> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| {
            let json: String = r.get(1)?;
            Ok((r.get(0)?, serde_json::from_str(&json).unwrap()))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let pg_rows = |sql: &str| -> Vec<(String, serde_json::Value)> {
        pg.client()
            .query(sql, &[])
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    };
    let ts =
        |c: &str| format!("to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')");
    let responses = sqlite_rows(
        "SELECT id || status || received_at || token_hash || payload_hash || idem_key, answers FROM responses ORDER BY id",
    );
    assert_eq!(responses.len(), 2);
    assert_eq!(
        responses,
        pg_rows(&format!(
            "SELECT id || status || {} || token_hash || payload_hash || idem_key, answers FROM responses ORDER BY id",
            ts("received_at")
        ))
    );
    assert_eq!(
        sqlite_rows(
            "SELECT response_id || received_at || replaced_at || payload_hash, answers FROM response_history ORDER BY rowid"
        ),
        pg_rows(&format!(
            "SELECT response_id || {} || {} || payload_hash, answers FROM response_history ORDER BY seq",
            ts("received_at"),
            ts("replaced_at")
        ))
    );
    assert_eq!(
        sqlite_rows(
            "SELECT token_hash || coalesce(firm, '') || created_at || wave, prefill FROM invitations ORDER BY token_hash"
        ),
        pg_rows(&format!(
            "SELECT token_hash || coalesce(firm, '') || {} || wave, prefill FROM invitations ORDER BY token_hash",
            ts("created_at")
        ))
    );
    assert_eq!(exported(&site.root, sqlite), exported(&site.root, target));
    let after_status = kume(&[
        "status", "--root", root, "--db", target, "--survey", "deneme",
    ]);
    assert_eq!(before_status, after_status);
    // A second move into the now full target is refused and changes nothing.
    let (ok, _, err) = kume(&["migrate-store", "--from", sqlite, "--to", target]);
    assert!(!ok && err.contains("already holds 2 responses"), "{err}");
    assert_eq!(pg.count("SELECT count(*) FROM responses"), 2);
    // The moved store serves: the invitation's answer can still be edited there.
    let server = collector(&site, target);
    let t = &tokens[0];
    let body = format!("uye_mi=evet&uye_sayisi=12&aktif_uye=5&_lang=tr&_token={t}");
    assert_eq!(
        request(server.addr, "POST", PATH, &[FORM], body.as_bytes()).0,
        303
    );
    assert_eq!(pg.count("SELECT count(*) FROM response_history"), 3);
}

/// A TCP relay in front of the PostgreSQL server that can be cut and mended: the database
/// becoming unreachable, as in a network failure or a failover.
struct Relay {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    open: Arc<std::sync::Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn start(to: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let open: Arc<std::sync::Mutex<Vec<TcpStream>>> = Arc::default();
        let (up2, open2) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !up2.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(to) else {
                    continue;
                };
                let mut kept = open2.lock().unwrap();
                kept.push(client.try_clone().unwrap());
                kept.push(server.try_clone().unwrap());
                for (mut from, mut into) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut into);
                        let _ = into.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Relay { addr, up, open }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    fn mend(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[test]
fn an_unreachable_postgresql_gets_503_with_retry_after_and_no_false_acknowledgement() {
    let Some(pg) = PgDb::create() else { return };
    let config: postgres::Config = pg.url.parse().unwrap();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let relay = Relay::start(SocketAddr::from(([127, 0, 0, 1], port)));
    let user = config.get_user().unwrap_or("postgres");
    let via_relay = format!("postgresql://{user}@{}/{}", relay.addr, pg.name);
    let site = TestSite::with_surveys(&["deneme"]);
    let server = collector(&site, &via_relay);
    assert_eq!(post_json(server.addr, &answer("before", 1)).0, 201);
    relay.cut();
    let (status, head, _) = post_json(server.addr, &answer("during", 2));
    assert_eq!(status, 503, "{head}");
    assert!(head.to_lowercase().contains("retry-after: 5"), "{head}");
    let (status, _, _) = request(server.addr, "GET", "/api/v1/health", &[], b"");
    assert_eq!(status, 503, "the health check says so too");
    relay.mend();
    let (status, _, body) = post_json(server.addr, &answer("during", 2));
    assert_eq!(
        status, 201,
        "the same answer again, once the database is back: {body}"
    );
    assert_eq!(post_json(server.addr, &answer("after", 3)).0, 201);
    drop(server);
    let members: Vec<i64> = exported(&site.root, &pg.url)
        .iter()
        .map(|r| r["answers"]["uye_sayisi"].as_i64().unwrap())
        .collect();
    assert_eq!(members, [1, 2, 3], "each answer once, none lost");
}

/// The CA the test server's certificate is signed by (`.ci/test` makes both).
fn test_ca() -> Option<String> {
    match std::env::var("KUME_TEST_POSTGRES_CA") {
        Ok(path) if !path.trim().is_empty() => Some(path),
        _ if matches!(std::env::var("CI").as_deref(), Ok("true" | "1")) => {
            panic!(
                "KUME_TEST_POSTGRES_CA is not set: on CI, .ci/test starts the PostgreSQL server with TLS and sets it"
            )
        }
        _ => {
            eprintln!(
                "skipped: the TLS test needs KUME_TEST_POSTGRES_CA (the CA of a test server with ssl=on; .ci/test makes one)"
            );
            None
        }
    }
}

#[test]
fn postgresql_over_tls_checks_the_server_certificate_when_asked() {
    let Some(pg) = PgDb::create() else { return };
    let Some(ca) = test_ca() else { return };
    let site = TestSite::with_surveys(&["deneme"]);
    let verified = format!("{}?sslmode=verify-full&sslrootcert={ca}", pg.url);
    let server = collector(&site, &verified);
    assert_eq!(post_json(server.addr, &answer("tls", 4)).0, 201);
    let encrypted = pg.count(
        "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
         WHERE a.application_name = 'kume' AND a.datname = current_database() AND s.ssl",
    );
    assert!(encrypted >= 1, "the collector's connections use TLS");
    drop(server);
    assert_eq!(exported(&site.root, &verified).len(), 1);
    // Encrypted without a check, as libpq's `require`.
    let required = format!("{}?sslmode=require", pg.url);
    assert_eq!(exported(&site.root, &required).len(), 1);
    // The test CA is not one of the system's: a check against those refuses the server.
    let root = site.root.to_str().unwrap();
    let system = format!("{}?sslmode=verify-full", pg.url);
    let (ok, _, err) = kume(&[
        "export", "--root", root, "--db", &system, "--survey", "deneme", "--out", "-",
    ]);
    assert!(!ok && err.contains("certificate"), "{err}");
    let missing = format!("{}?sslmode=verify-full&sslrootcert=/no/such/ca.pem", pg.url);
    let (ok, _, err) = kume(&[
        "export", "--root", root, "--db", &missing, "--survey", "deneme", "--out", "-",
    ]);
    assert!(
        !ok && err.contains("sslrootcert=/no/such/ca.pem: cannot read"),
        "{err}"
    );
}
