//! Who may post: the client address the rate limit keys on, against the real binary on
//! 127.0.0.1 — forged forwarding headers, trusted proxies, Netlify's signed proxy header, IPv6
//! per /64 — and the shipped nginx and Caddy configurations put in front of it (when those
//! servers are installed; `.ci/test` installs them, and CI fails without them).

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::harness::{Server, TestSite, repo, request};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
const PATH: &str = "/api/v1/surveys/deneme/responses";
const SECRET: &str = "4b1d0c5e9f2a7b3c8d6e0f1a2b3c4d5e";

/// The open fixture survey, a limit of a burst of ten and (almost) no refill, so the eleventh
/// post from one key is the first `429`.
fn limited(extra: &[&str]) -> (TestSite, Server) {
    limited_with_env(extra, &[])
}

fn limited_with_env(extra: &[&str], env: &[(&str, &str)]) -> (TestSite, Server) {
    let site = TestSite::base();
    let survey = std::fs::read_to_string(repo().join("tests/fixtures/surveys/deneme.yaml"));
    site.write("surveys/deneme.yaml", &survey.unwrap());
    let db = site.root.join("data/responses.sqlite");
    let mut args = vec!["--db", db.to_str().unwrap(), "--rate-limit", "0.0001"];
    args.extend_from_slice(extra);
    let server = Server::start_with_env(&site, &args, env);
    (site, server)
}

/// One valid form post with extra headers; its status.
fn post(addr: SocketAddr, headers: &[(&str, &str)]) -> u16 {
    let mut all = vec![FORM];
    all.extend_from_slice(headers);
    request(addr, "POST", PATH, &all, b"uye_mi=hayir&_lang=tr").0
}

/// Ten posts use up one key's burst; all must pass.
#[track_caller]
fn use_up(addr: SocketAddr, headers: impl Fn(usize) -> Vec<(String, String)>) {
    for i in 0..10 {
        let h = headers(i);
        let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(post(addr, &h), 303, "post {i} of a burst of ten: {h:?}");
    }
}

fn xff(value: &str) -> Vec<(String, String)> {
    vec![("X-Forwarded-For".into(), value.into())]
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A token as Netlify's edge makes it for a signed proxy redirect: HS256 over the claims
/// Netlify documents (netlify_id, site_url, iss = netlify, exp).
fn netlify_token(secret: &str, exp: u64) -> String {
    let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "deploy_context": "production",
        "netlify_id": "5f3c2a1e-0000-4000-8000-000000000000",
        "site_url": "https://kume.example.org",
        "iss": "netlify",
        "exp": exp,
    });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{head}.{claims}").as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{head}.{claims}.{sig}")
}

fn via_netlify(token: &str, client: &str) -> Vec<(String, String)> {
    vec![
        ("X-Nf-Sign".into(), token.into()),
        ("X-Nf-Client-Connection-Ip".into(), client.into()),
    ]
}

#[test]
fn a_forged_x_forwarded_for_is_ignored_without_a_trusted_proxy() {
    let (_site, server) = limited(&[]);
    use_up(server.addr, |i| xff(&format!("198.51.100.{i}")));
    let h = [("X-Forwarded-For", "198.51.100.99")];
    assert_eq!(
        post(server.addr, &h),
        429,
        "the forged address changed the key"
    );
}

#[test]
fn behind_a_trusted_proxy_each_client_has_its_own_limit_and_cannot_pose_as_another() {
    let (_site, server) = limited(&["--trusted-proxy", "127.0.0.1/32"]);
    let addr = server.addr;
    use_up(addr, |_| xff("198.51.100.1"));
    assert_eq!(post(addr, &[("X-Forwarded-For", "198.51.100.1")]), 429);
    // The client wrote an address of its own; the proxy appended the one it saw.
    let forged = [("X-Forwarded-For", "203.0.113.7, 198.51.100.1")];
    assert_eq!(
        post(addr, &forged),
        429,
        "the leftmost entry is the client's word"
    );
    assert_eq!(post(addr, &[("X-Forwarded-For", "198.51.100.2")]), 303);
}

#[test]
fn ipv6_clients_are_limited_per_64() {
    let (_site, server) = limited(&["--trusted-proxy", "127.0.0.1/32"]);
    let addr = server.addr;
    use_up(addr, |i| xff(&format!("2001:db8:1:2::{:x}", i + 1)));
    let same_64 = [("X-Forwarded-For", "2001:db8:1:2:ffff:ffff:ffff:ffff")];
    assert_eq!(post(addr, &same_64), 429, "another address in the same /64");
    let next_64 = [("X-Forwarded-For", "2001:db8:1:3::1")];
    assert_eq!(post(addr, &next_64), 303);
}

#[test]
fn netlifys_client_header_counts_only_with_a_valid_signature() {
    let site_secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(site_secret.path(), format!("{SECRET}\n")).unwrap();
    let file = site_secret.path().to_str().unwrap().to_string();
    let (_site, server) = limited(&["--netlify-proxy-secret-file", &file]);
    let addr = server.addr;
    // Wrong secret, or expired: the header is ignored and all share the peer's key.
    let wrong = netlify_token("ffffffffffffffffffffffffffffffff", now() + 300);
    let expired = netlify_token(SECRET, now() - 600);
    use_up(addr, |i| {
        let token = if i % 2 == 0 { &wrong } else { &expired };
        via_netlify(token, &format!("198.51.100.{i}"))
    });
    let h = via_netlify(&wrong, "198.51.100.77");
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        post(addr, &h),
        429,
        "an unsigned client header changed the key"
    );
    // A valid signature: Netlify's client address is the key.
    let valid = netlify_token(SECRET, now() + 300);
    use_up(addr, |_| via_netlify(&valid, "198.51.100.50"));
    let again = via_netlify(&valid, "198.51.100.50");
    let again: Vec<(&str, &str)> = again
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(post(addr, &again), 429);
    let other = via_netlify(&valid, "198.51.100.51");
    let other: Vec<(&str, &str)> = other
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(post(addr, &other), 303);
}

#[test]
fn the_netlify_secret_can_come_from_the_environment_and_must_be_long() {
    let (_site, server) = limited_with_env(&[], &[("KUME_NETLIFY_PROXY_SECRET", SECRET)]);
    let valid = netlify_token(SECRET, now() + 300);
    use_up(server.addr, |i| {
        via_netlify(&valid, &format!("198.51.100.{i}"))
    });
    drop(server);

    let site = TestSite::base();
    let out = Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(["serve", "--api-only", "--addr", "127.0.0.1:0", "--root"])
        .arg(&site.root)
        .env("CI", "1")
        .env("KUME_NETLIFY_PROXY_SECRET", "too-short")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("KUME_NETLIFY_PROXY_SECRET: the Netlify proxy secret has 9 characters; it needs at least 32"),
        "{err}"
    );
    assert!(err.contains("openssl rand -hex 32"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(["serve", "--api-only", "--addr", "127.0.0.1:0", "--root"])
        .arg(&site.root)
        .args(["--trusted-proxy", "localhost"])
        .env("CI", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("--trusted-proxy \"localhost\" is not an address range"),
        "{err}"
    );
}

// ---- The shipped reverse-proxy configurations -------------------------------------------

/// A free port on 127.0.0.1 (free when asked; the proxy binds it a moment later).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The proxy's binary, or `None` (and a note) when it is not installed; in CI it must be.
fn installed(program: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin")])
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none_or(|v| v.is_empty()),
            "{program} is needed for this test in CI (.ci/test installs it)"
        );
        eprintln!("skipped: {program} is not installed (apt-get install {program})");
    }
    found
}

/// A proxy process, stopped when dropped.
struct Proxy {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proxy {
    fn wait_listening(mut child: Child, addr: SocketAddr, stderr_file: &Path) -> Proxy {
        let start = Instant::now();
        while TcpStream::connect(addr).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the proxy exited ({status}): {}",
                    std::fs::read_to_string(stderr_file).unwrap_or_default()
                );
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "the proxy did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Proxy { child, addr }
    }
}

/// deploy/nginx.conf with TLS taken out, its ports and log files moved into `dir`, around a
/// minimal main configuration; checked with `nginx -t` first.
fn start_nginx(nginx: &Path, dir: &Path, upstream: SocketAddr) -> Proxy {
    let port = free_port();
    let mut conf = String::new();
    for line in std::fs::read_to_string(repo().join("deploy/nginx.conf"))
        .unwrap()
        .lines()
    {
        let t = line.trim();
        if t.starts_with("ssl_") || t.starts_with("listen [::]") {
            continue;
        }
        let line = line
            .replace("listen 80;", &format!("listen 127.0.0.1:{};", free_port()))
            .replace(
                "listen 443 ssl http2;",
                &format!("listen 127.0.0.1:{port};"),
            )
            .replace("127.0.0.1:8081", &upstream.to_string())
            .replace("/var/log/nginx/", &format!("{}/", dir.display()));
        conf.push_str(&line);
        conf.push('\n');
    }
    let d = dir.display();
    let main = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/main-error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  \
         access_log {d}/main-access.log;\n{conf}\n}}\n"
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, main).unwrap();
    let check = Command::new(nginx)
        .arg("-t")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let stderr_file = dir.join("stderr.log");
    let child = Command::new(nginx)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&path)
        .stderr(std::fs::File::create(&stderr_file).unwrap())
        .spawn()
        .unwrap();
    Proxy::wait_listening(
        child,
        SocketAddr::from(([127, 0, 0, 1], port)),
        &stderr_file,
    )
}

/// deploy/Caddyfile as an http:// site on a free port, its log file moved into `dir`, with
/// Caddy's admin endpoint off; checked with `caddy validate` first.
fn start_caddy(caddy: &Path, dir: &Path, upstream: SocketAddr) -> Proxy {
    let port = free_port();
    let conf = std::fs::read_to_string(repo().join("deploy/Caddyfile"))
        .unwrap()
        .replace(
            "toplama.example.org {",
            &format!("{{\n\tadmin off\n\tauto_https off\n}}\nhttp://127.0.0.1:{port} {{"),
        )
        .replace("127.0.0.1:8081", &upstream.to_string())
        .replace("/var/log/caddy/", &format!("{}/", dir.display()));
    let path = dir.join("Caddyfile");
    std::fs::write(&path, conf).unwrap();
    let caddy_cmd = |args: &[&str]| {
        let mut cmd = Command::new(caddy);
        cmd.args(args)
            .arg("--adapter")
            .arg("caddyfile")
            .arg("--config")
            .arg(&path)
            .env("HOME", dir)
            .env("XDG_CONFIG_HOME", dir)
            .env("XDG_DATA_HOME", dir);
        cmd
    };
    let check = caddy_cmd(&["validate"]).output().unwrap();
    assert!(
        check.status.success(),
        "caddy validate: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let stderr_file = dir.join("stderr.log");
    let child = caddy_cmd(&["run"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_file).unwrap())
        .spawn()
        .unwrap();
    Proxy::wait_listening(
        child,
        SocketAddr::from(([127, 0, 0, 1], port)),
        &stderr_file,
    )
}

/// Through `proxy`: two clients forging different addresses (in both X-Forwarded-For and
/// Netlify's unsigned client header) still share one limit; a personal link's token and the
/// client's address never reach the proxy's access log.
fn assert_proxy_keys_on_the_peer_and_logs_nothing_personal(proxy: &Proxy, log: &Path) {
    use_up(proxy.addr, |i| {
        let forged = format!("198.51.100.{i}");
        vec![
            ("X-Forwarded-For".into(), forged.clone()),
            ("X-Real-IP".into(), forged.clone()),
            ("X-Nf-Client-Connection-Ip".into(), forged),
        ]
    });
    let forged = [
        ("X-Forwarded-For", "203.0.113.9"),
        ("X-Nf-Client-Connection-Ip", "203.0.113.9"),
    ];
    assert_eq!(
        post(proxy.addr, &forged),
        429,
        "a forged address got a limit of its own"
    );
    let token = "5ec4e7t0ken0f4pers0nall1nk000042";
    let (status, _, _) = request(
        proxy.addr,
        "GET",
        &format!("/api/v1/surveys/deneme/form?t={token}&lang=tr"),
        &[("Referer", &format!("https://kume.example.org/?t={token}"))],
        b"",
    );
    assert_eq!(status, 403, "an unknown token is refused");
    // The log is written as requests finish; give it a moment.
    let start = Instant::now();
    let text = loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains("/form") || start.elapsed() > Duration::from_secs(5) {
            break text;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // The proxy's own address (Caddy logs the Host header) is nobody's personal data.
    let text = text.replace(&proxy.addr.to_string(), "PROXY");
    assert!(
        text.contains("/api/v1/surveys/deneme/form"),
        "requests are logged: {text}"
    );
    assert!(text.contains("303"), "all requests are logged: {text}");
    assert!(text.contains("429"), "with their status: {text}");
    for secret in [token, "127.0.0.1", "198.51.100.", "203.0.113.9"] {
        assert!(
            !text.contains(secret),
            "{secret} in the access log:\n{text}"
        );
    }
}

#[test]
fn the_shipped_nginx_config_keys_on_the_real_peer_and_logs_no_address_or_token() {
    let Some(nginx) = installed("nginx") else {
        return;
    };
    let (_site, server) = limited(&["--trusted-proxy", "127.0.0.1/32"]);
    let dir = tempfile::tempdir().unwrap();
    let proxy = start_nginx(&nginx, dir.path(), server.addr);
    assert_proxy_keys_on_the_peer_and_logs_nothing_personal(
        &proxy,
        &dir.path().join("kume-access.log"),
    );
}

#[test]
fn the_shipped_caddyfile_keys_on_the_real_peer_and_logs_no_address_or_token() {
    let Some(caddy) = installed("caddy") else {
        return;
    };
    let (_site, server) = limited(&["--trusted-proxy", "127.0.0.1/32"]);
    let dir = tempfile::tempdir().unwrap();
    let proxy = start_caddy(&caddy, dir.path(), server.addr);
    assert_proxy_keys_on_the_peer_and_logs_nothing_personal(
        &proxy,
        &dir.path().join("kume-access.log"),
    );
}
