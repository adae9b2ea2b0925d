//! Assembles fixture sites in temporary folders and runs the real `kume` binary on them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The repository root (where Cargo.toml is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct TestSite {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

/// The result of one `kume` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Asserts that stderr contains `expected` (a whole diagnostic, say).
    #[track_caller]
    pub fn assert_stderr_has(&self, expected: &str) -> &Run {
        assert!(
            self.stderr.contains(expected),
            "expected stderr to contain:\n{expected}\n--- stderr was:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "exit code; stderr:\n{}", self.stderr);
        self
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).unwrap();
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &dest).unwrap();
    }
}

/// Every file under `dir`, at any depth.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                files.extend(walk(&p));
            } else {
                files.push(p);
            }
        }
    }
    files
}

impl TestSite {
    /// The real templates, UI strings and static files with `tests/fixtures/base` on top.
    pub fn base() -> TestSite {
        let dir = tempfile::Builder::new()
            .prefix("kume-test-")
            .tempdir()
            .unwrap();
        let root = dir.path().to_path_buf();
        let repo = repo();
        copy_tree(&repo.join("templates"), &root.join("templates"));
        copy_tree(&repo.join("site/i18n"), &root.join("site/i18n"));
        copy_tree(&repo.join("site/static"), &root.join("site/static"));
        // The guidebook's templates name guidebook pages, which the fixtures do not have.
        let _ = std::fs::remove_dir_all(root.join("site/static/rehber"));
        copy_tree(&repo.join("tests/fixtures/base"), &root);
        TestSite { _dir: dir, root }
    }

    /// The base site with the named surveys of `tests/fixtures/surveys/`.
    pub fn with_surveys(names: &[&str]) -> TestSite {
        let site = TestSite::base();
        for name in names {
            let path = repo().join(format!("tests/fixtures/surveys/{name}.yaml"));
            site.write(
                &format!("surveys/{name}.yaml"),
                &std::fs::read_to_string(path).unwrap(),
            );
        }
        site
    }

    /// The base site with `tests/fixtures/<name>` laid over it; files under its `append/`
    /// folder are appended to the base's file of the same path instead.
    pub fn fixture(name: &str) -> TestSite {
        let site = TestSite::base();
        let fixture = repo().join("tests/fixtures").join(name);
        assert!(fixture.is_dir(), "no fixture {name}");
        for file in walk(&fixture) {
            let rel = file.strip_prefix(&fixture).unwrap();
            if let Ok(appended) = rel.strip_prefix("append") {
                let target = site.root.join(appended);
                let mut text = std::fs::read_to_string(&target).unwrap();
                text.push_str(&std::fs::read_to_string(&file).unwrap());
                std::fs::write(target, text).unwrap();
            } else {
                let dest = site.root.join(rel);
                std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
                std::fs::copy(&file, dest).unwrap();
            }
        }
        site
    }

    pub fn write(&self, rel: &str, text: &str) -> &TestSite {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    pub fn read_output(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join("public").join(rel))
            .unwrap_or_else(|e| panic!("public/{rel}: {e}"))
    }

    pub fn output_exists(&self, rel: &str) -> bool {
        self.root.join("public").join(rel).exists()
    }

    /// Runs `kume <args> --root <site>`.
    pub fn kume(&self, args: &[&str]) -> Run {
        kume_in(&self.root, args)
    }

    pub fn build(&self) -> Run {
        let out = self.root.join("public");
        let run = self.kume(&["build", "--out", out.to_str().unwrap()]);
        run.assert_code(0);
        run
    }
}

/// Runs `kume <args>` as given (the arguments name every path) and asserts that it succeeded.
#[track_caller]
pub fn kume_ok(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(args)
        .env("CI", "1")
        .output()
        .expect("run kume");
    let run = Run::from(out);
    assert!(run.code == 0, "kume {args:?} failed:\n{}", run.stderr);
    run
}

/// Runs `kume <args> --root <root>` with CI set, so no progress bar is drawn.
pub fn kume_in(root: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kume"));
    cmd.args(args).arg("--root").arg(root).env("CI", "1");
    Run::from(cmd.output().expect("run kume"))
}

/// A running `kume serve`, stopped when dropped.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    /// The metrics listener, when started with `--metrics-addr`.
    pub metrics: Option<SocketAddr>,
    /// What the server printed to standard error after it started listening.
    pub log: Arc<Mutex<Vec<String>>>,
    /// The output folder the server writes and serves.
    pub out: tempfile::TempDir,
}

impl Drop for Server {
    /// Stops the server as a person would (SIGTERM), so that it cleans up after itself, and
    /// kills it when it does not stop within 5 s.
    fn drop(&mut self) {
        let _ = self.stop();
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A killed `kume serve` leaves its spare copy of the site beside the output.
        let _ = std::fs::remove_dir_all(self.spare());
    }
}

impl Server {
    /// Sends SIGTERM, as Ctrl-C or a service manager would; whether it was delivered.
    pub fn terminate(&self) -> bool {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Sends SIGTERM and waits up to 5 s for the server to exit; its status when it did.
    pub fn stop(&mut self) -> Option<std::process::ExitStatus> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(status);
        }
        if !self.terminate() {
            return None;
        }
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Some(status) = self.child.try_wait().ok()? {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Where `kume serve` writes a full rebuild before swapping it in (`OUT.next`).
    pub fn spare(&self) -> PathBuf {
        let mut name = self.out.path().as_os_str().to_os_string();
        name.push(".next");
        PathBuf::from(name)
    }

    /// Starts `kume serve` on a free port of 127.0.0.1 with `extra` arguments.
    pub fn start(site: &TestSite, extra: &[&str]) -> Server {
        Server::start_with_env(site, extra, &[])
    }

    /// Like [`Server::start`], with environment variables set for the server.
    pub fn start_with_env(site: &TestSite, extra: &[&str], env: &[(&str, &str)]) -> Server {
        Server::start_in(&site.root, site.root.to_str().unwrap(), extra, env)
    }

    /// Starts `kume serve --root ROOT` from the folder `cwd`, so that ROOT may be relative.
    pub fn start_in(cwd: &Path, root: &str, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let out = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kume"))
            .current_dir(cwd)
            .args(["serve", "--addr", "127.0.0.1:0", "--root", root])
            .arg("--out")
            .arg(out.path())
            .args(extra)
            .env("CI", "1")
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let mut metrics = None;
        let addr = loop {
            let line = lines
                .next()
                .expect("serve exited before listening")
                .unwrap();
            if let Some(rest) = line.strip_prefix("Metrics on http://") {
                metrics = Some(rest.split('/').next().unwrap().parse().unwrap());
            }
            if let Some(rest) = line.strip_prefix("Serving on http://") {
                break rest.split('/').next().unwrap().parse().unwrap();
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        let log = Arc::new(Mutex::new(Vec::new()));
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            addr,
            metrics,
            log,
            out,
        }
    }
}

/// A collector over a test site, with a database of its own (`data/responses.sqlite`).
pub struct Collector {
    pub site: TestSite,
    pub server: Server,
    pub db: PathBuf,
    /// Where [`Collector::post`] sends answers.
    pub path: String,
}

impl Collector {
    /// Serves `site` with `extra` options; posts go to the first survey named.
    pub fn start(site: TestSite, survey: &str, extra: &[&str]) -> Collector {
        let db = site.root.join("data/responses.sqlite");
        let mut args = vec!["--db", db.to_str().unwrap()];
        args.extend_from_slice(extra);
        let server = Server::start(&site, &args);
        Collector {
            site,
            server,
            db,
            path: format!("/api/v1/surveys/{survey}/responses"),
        }
    }

    /// The base site with the named surveys of `tests/fixtures/surveys/`, no rate limits.
    pub fn for_fixtures(surveys: &[&str], extra: &[&str]) -> Collector {
        let site = TestSite::with_surveys(surveys);
        let mut args = vec!["--rate-limit", "0"];
        args.extend_from_slice(extra);
        Collector::start(site, surveys[0], &args)
    }

    /// POSTs `body` to the survey's answers address: (status, headers, body).
    pub fn post(&self, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
        request(
            self.server.addr,
            "POST",
            &self.path,
            headers,
            body.as_bytes(),
        )
    }

    /// The database, opened for a test's own query.
    pub fn open_db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.db).unwrap()
    }
}

/// One HTTP/1.1 exchange: (status, headers, body).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (status, head.to_string(), body.to_string())
}

pub fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let (status, _, body) = request(addr, "GET", path, &[], b"");
    (status, body)
}

/// The tokens in `kume invite`'s CSV output (after the header): the `t=` of each link.
pub fn invitation_tokens(links: &str) -> Vec<String> {
    links
        .lines()
        .skip(1)
        .map(|l| {
            l.split("t=")
                .nth(1)
                .unwrap()
                .split('&')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Opens a personal link as a browser does: the collector exchanges the token for a cookie
/// (`303` to an address without it), and the form is fetched with that cookie. Returns the
/// final status, the page and the cookie (`name=value`).
pub fn open_personal_link(addr: SocketAddr, link: &str) -> (u16, String, String) {
    let (status, head, body) = request(addr, "GET", link, &[], b"");
    if status != 303 {
        return (status, body, String::new());
    }
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let cookie = header("set-cookie")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    let location = header("location");
    assert!(
        !location.contains("t="),
        "the token left the address: {location}"
    );
    let (status, _, page) = request(addr, "GET", &location, &[("Cookie", &cookie)], b"");
    (status, page, cookie)
}

/// Sends raw bytes as they are and returns what came back before the server closed (a write
/// may fail half-way when the server refuses early; the answer is what counts).
pub fn raw(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status code of a raw HTTP answer (0 when there is none).
pub fn status_of(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
