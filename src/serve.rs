//! `kume serve`: build once, serve the output over HTTP, rebuild on change, reload the page.
//!
//! A watcher thread collects file events for a few milliseconds, then either re-renders the
//! pages that show a changed Markdown file (when only its body changed) or rebuilds the site.
//! Each finished rebuild bumps a version number; the reload script in every served page
//! long-polls `/__kume/wait` and reloads when the version changes. While the site has errors,
//! every page shows them instead.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, mpsc};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::cli::{EXIT_FAILURE, SiteArgs, print_diagnostics, summary_line};
use crate::collect::api::{ApiState, Limits, reply};
use crate::collect::build_hook::BuildHook;
use crate::collect::limit::RateLimiter;
use crate::collect::read_token::ReadToken;
use crate::collect::store::SqliteStore;
use crate::config::{CONTENT_DIR, TEMPLATES_DIR};
use crate::diagnostics::{Diagnostic, Severity};
use crate::site::{BuildOptions, Output, Site};
use crate::text::percent_decode;

const RELOAD_JS: &str = r#"(function () {
  var version = null;
  function poll() {
    fetch('/__kume/wait' + (version === null ? '' : '?v=' + version), { cache: 'no-store' })
      .then(function (r) { return r.text(); })
      .then(function (v) {
        if (version !== null && v !== version) { location.reload(); return; }
        version = v;
        poll();
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"#;

/// What the HTTP side shares with the rebuild thread.
struct Shared {
    out: PathBuf,
    version: watch::Sender<u64>,
    /// The current build's errors, shown instead of pages while there are any.
    errors: RwLock<Vec<Diagnostic>>,
    /// The collector API (it reads the loaded site through `api.site`).
    api: Arc<ApiState>,
    /// `--api-only`: no pages, no watching.
    api_only: bool,
}

/// How `kume serve` runs.
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub out: Option<PathBuf>,
    pub api_only: bool,
    pub db: PathBuf,
    pub limits: Limits,
    pub site_origin: Option<String>,
    /// Submissions per second per client (0: no limit).
    pub rate_limit: f64,
    pub trust_forwarded: bool,
    /// A file holding the token for `GET /api/v1/aggregates.json` (else `KUME_READ_TOKEN`).
    pub read_token_file: Option<PathBuf>,
    /// A file holding the URL to POST to after new final answers (else
    /// `KUME_BUILD_HOOK_URL`; none: off).
    pub build_hook_url_file: Option<PathBuf>,
    /// At most one build hook call per this many seconds.
    pub build_hook_delay: u64,
}

pub fn run(args: &SiteArgs, serve: ServeOptions) -> ExitCode {
    let addr = serve.addr;
    let out = serve
        .out
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("kume-serve-{}", addr.port())));
    let options = BuildOptions {
        root: args.root.clone(),
        include_drafts: args.drafts,
        dev: !serve.api_only,
        aggregates: args.aggregates.clone(),
    };
    let Ok((read_token, build_hook)) = production_settings(&serve) else {
        return ExitCode::from(EXIT_FAILURE);
    };
    // Held for the collector's whole life: `kume restore` refuses while it is.
    let _db_lock = match crate::collect::db_lock::DbLock::acquire(&serve.db, "kume serve") {
        Ok(lock) => lock,
        Err(e) => {
            eprintln!(
                "error: {e}\n  help: one collector per database: stop the other one, or pass another --db PATH"
            );
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let store = match SqliteStore::start(&serve.db) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "error: cannot open the response database {}: {e}\n  help: check the folder exists and is writable, or pass --db PATH",
                serve.db.display()
            );
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let (version, _) = watch::channel(0u64);
    let api = Arc::new(ApiState {
        site: Arc::new(RwLock::new(None)),
        store: Arc::new(store),
        limits: serve.limits,
        allowed_origin: serve.site_origin,
        // A burst of ten: a person never needs more; a script soon waits.
        limiter: (serve.rate_limit > 0.0).then(|| RateLimiter::new(serve.rate_limit, 10.0)),
        trust_forwarded: serve.trust_forwarded,
        answered: std::sync::Mutex::new(Default::default()),
        on_final: std::sync::Mutex::new(Vec::new()),
        read_token,
        snapshot: RwLock::new(None),
    });
    init_logging();
    let shared = Arc::new(Shared {
        out: out.clone(),
        version,
        errors: RwLock::new(Vec::new()),
        api,
        api_only: serve.api_only,
    });
    if let Some(hook) = build_hook {
        let (tx, rx) = mpsc::channel::<()>();
        new_final_listener(&shared, tx);
        std::thread::spawn(move || hook.run(&rx));
    }

    if serve.api_only {
        let loaded = Site::load(&options);
        print_diagnostics(&loaded.diagnostics);
        if loaded.site.is_none()
            || loaded
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error)
        {
            return ExitCode::from(crate::cli::EXIT_SITE_ERRORS);
        }
        if let Some(site) = &loaded.site {
            refresh_aggregates(site, &serve.db, &shared.api, None);
        }
        set_site(&shared, loaded.site);
        follow_answers_in_snapshot(&shared, serve.db);
        return serve_until_stopped(addr, shared);
    }
    // The benchmark pages of `kume serve` follow the answers: aggregated now, and again a
    // moment after new final answers arrive.
    let mut options = options;
    let snapshot_dir = out.with_file_name(format!("kume-serve-{}-aggregates", addr.port()));
    let loaded = Site::load(&options);
    if let Some(site) = &loaded.site {
        options.aggregates = refresh_aggregates(site, &serve.db, &shared.api, Some(&snapshot_dir));
    }
    drop(loaded);
    let site = full_build(&options, &shared);
    set_site(&shared, site);
    let db = serve.db.clone();
    let mut rebuild_options = options.clone();
    after_final_answers(&shared, move |shared| {
        let site_lock = shared.api.site.clone();
        let mut guard = site_lock.write().unwrap_or_else(|e| e.into_inner());
        if let Some(site) = guard.as_ref() {
            rebuild_options.aggregates =
                refresh_aggregates(site, &db, &shared.api, Some(&snapshot_dir))
                    .or(rebuild_options.aggregates.take());
        }
        *guard = full_build(&rebuild_options, shared);
    });
    let (tx, rx) = mpsc::channel();
    let mut watcher = match notify::recommended_watcher(tx) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot watch files for changes: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    for dir in ["site", TEMPLATES_DIR, "surveys"] {
        let path = options.root.join(dir);
        if path.is_dir() {
            if let Err(e) = watcher.watch(&path, RecursiveMode::Recursive) {
                eprintln!("error: cannot watch {}: {e}", path.display());
                return ExitCode::from(EXIT_FAILURE);
            }
        }
    }
    let rebuild_shared = shared.clone();
    std::thread::spawn(move || {
        while let Some(paths) = next_change(&rx) {
            let site_lock = rebuild_shared.api.site.clone();
            let mut guard = site_lock.write().unwrap_or_else(|e| e.into_inner());
            let current = guard.take();
            *guard = rebuild(current, &paths, &options, &rebuild_shared);
        }
    });
    let status = serve_until_stopped(addr, shared);
    drop(watcher);
    status
}

/// The read token and the build hook, from the options or the environment. A bad one is
/// reported here, with what to do.
fn production_settings(serve: &ServeOptions) -> Result<(Option<ReadToken>, Option<BuildHook>), ()> {
    let read_token = ReadToken::configured(serve.read_token_file.as_deref()).map_err(|e| {
        eprintln!(
            "error: {e}\n  help: make a token with `openssl rand -hex 32` and put it in {} or in the file given to --read-token-file",
            crate::collect::read_token::ENV
        );
    })?;
    let delay = Duration::from_secs(serve.build_hook_delay);
    let build_hook = BuildHook::configured(serve.build_hook_url_file.as_deref(), delay).map_err(|e| {
        eprintln!(
            "error: {e}\n  help: pass the hook's full address (Netlify: Site configuration → Build hooks) in the file given to --build-hook-url-file or in {}",
            crate::collect::build_hook::ENV
        );
    })?;
    Ok((read_token, build_hook))
}

/// `--api-only`: the snapshot the API hands out is aggregated again a moment after new final
/// answers arrive (no pages to rebuild).
fn follow_answers_in_snapshot(shared: &Arc<Shared>, db: PathBuf) {
    after_final_answers(shared, move |shared| {
        let guard = shared.api.site.read().unwrap_or_else(|e| e.into_inner());
        if let Some(site) = guard.as_ref() {
            refresh_aggregates(site, &db, &shared.api, None);
        }
    });
}

/// Request logs: human-readable on a terminal, JSON lines otherwise (for log collectors).
/// `KUME_LOG` sets the level (default `info`).
fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("KUME_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if std::io::stderr().is_terminal() {
        builder.compact().try_init()
    } else {
        builder.json().try_init()
    };
}

/// Aggregates the answers stored so far and keeps the snapshot for the API; with `dir`, also
/// writes it there for the build. Returns the snapshot file to render, if any.
fn refresh_aggregates(
    site: &Site,
    db: &Path,
    api: &ApiState,
    dir: Option<&Path>,
) -> Option<PathBuf> {
    if !db.exists() || site.bench.data.indicators.is_empty() {
        return None;
    }
    match crate::aggregate::aggregate(&site.config, &site.surveys, db, 5) {
        Ok((snapshot, _)) => {
            // The API hands out the real snapshot, even an empty one, never the sample results.
            let json = crate::aggregate::snapshot_json(&snapshot);
            *api.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Some(Bytes::from(json));
            // Nothing answered yet: the pages keep the site's sample results, if it has any.
            if snapshot.values.is_empty() && site.config.sample_aggregates.is_some() {
                return None;
            }
            let dir = dir?;
            crate::aggregate::write_snapshot(&snapshot, dir).ok()?;
            Some(dir.join("aggregates.json"))
        }
        Err(ds) => {
            print_diagnostics(&ds);
            None
        }
    }
}

/// Runs `job` a moment after new final answers arrive: two seconds after the last of a burst,
/// so that a wave of submissions costs one aggregation, not one each.
fn after_final_answers(shared: &Arc<Shared>, mut job: impl FnMut(&Shared) + Send + 'static) {
    let (tx, rx) = mpsc::channel::<()>();
    new_final_listener(shared, tx);
    let shared = shared.clone();
    std::thread::spawn(move || {
        while rx.recv().is_ok() {
            while rx.recv_timeout(Duration::from_secs(2)).is_ok() {}
            job(&shared);
        }
    });
}

/// Adds a listener told about every new final answer.
fn new_final_listener(shared: &Shared, tx: mpsc::Sender<()>) {
    shared
        .api
        .on_final
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(tx);
}

fn set_site(shared: &Shared, site: Option<Site>) {
    *shared.api.site.write().unwrap_or_else(|e| e.into_inner()) = site;
}

fn serve_until_stopped(addr: SocketAddr, shared: Arc<Shared>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the server: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match runtime.block_on(serve(addr, shared)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "error: cannot serve on {addr}: {e}\n  help: pick another address with --addr 127.0.0.1:PORT"
            );
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Waits for a file event, then gathers the events of the next few milliseconds: editors
/// write a file in several steps and one rebuild should follow them all.
fn next_change(rx: &mpsc::Receiver<notify::Result<notify::Event>>) -> Option<Vec<PathBuf>> {
    let mut paths = Vec::new();
    let collect = |paths: &mut Vec<PathBuf>, ev: notify::Result<notify::Event>| {
        if let Ok(ev) = ev {
            if matches!(
                ev.kind,
                EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
            ) {
                paths.extend(ev.paths.into_iter().filter(|p| !is_editor_noise(p)));
            }
        }
    };
    loop {
        collect(&mut paths, rx.recv().ok()?);
        while let Ok(ev) = rx.recv_timeout(Duration::from_millis(8)) {
            collect(&mut paths, ev);
        }
        if !paths.is_empty() {
            paths.sort();
            paths.dedup();
            return Some(paths);
        }
    }
}

fn is_editor_noise(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
        || name == "4913"
}

fn full_build(options: &BuildOptions, shared: &Shared) -> Option<Site> {
    let start = Instant::now();
    let loaded = Site::load(options);
    let mut diags = loaded.diagnostics;
    let site = loaded.site;
    let mut stats = None;
    if let Some(site) = &site {
        if !diags.iter().any(|d| d.severity == Severity::Error) {
            match site.render(Output::Dir(&shared.out), &indicatif::ProgressBar::hidden()) {
                Ok(s) => stats = Some(s),
                Err(ds) => diags.extend(ds),
            }
        }
    }
    print_diagnostics(&diags);
    if let Some(mut s) = stats {
        s.elapsed = start.elapsed();
        eprintln!("{}", summary_line("Built", &s, Some(&shared.out)));
    }
    publish(shared, diags);
    site
}

fn rebuild(
    site: Option<Site>,
    paths: &[PathBuf],
    options: &BuildOptions,
    shared: &Shared,
) -> Option<Site> {
    let start = Instant::now();
    let content = options.root.join(CONTENT_DIR);
    let only_markdown = paths.iter().all(|p| {
        p.starts_with(&content) && p.extension().is_some_and(|e| e == "md") && p.is_file()
    });
    let had_errors = shared.errors.read().map(|e| !e.is_empty()).unwrap_or(true);
    if let (Some(mut site), true, false) = (site, only_markdown, had_errors) {
        let mut diags = Vec::new();
        let mut incremental = true;
        for p in paths {
            match site.update_document(p, &shared.out) {
                Some(ds) => diags.extend(ds),
                None => {
                    incremental = false;
                    break;
                }
            }
        }
        if incremental {
            print_diagnostics(&diags);
            eprintln!(
                "Updated {} page{} in {} ms",
                paths.len(),
                if paths.len() == 1 { "" } else { "s" },
                start.elapsed().as_millis()
            );
            publish(shared, diags);
            return Some(site);
        }
    }
    full_build(options, shared)
}

fn publish(shared: &Shared, diags: Vec<Diagnostic>) {
    let errors: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if let Ok(mut e) = shared.errors.write() {
        *e = errors;
    }
    shared.version.send_modify(|v| *v += 1);
}

/// Accepts connections until SIGINT or SIGTERM, then stops accepting and lets the requests
/// in flight finish (their answers are committed before they are acknowledged).
async fn serve(addr: SocketAddr, shared: Arc<Shared>) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    eprintln!("Serving on http://{bound}/ (Ctrl-C to stop)");
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let in_flight = Arc::new(AtomicUsize::new(0));
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
        };
        let Ok((stream, peer)) = accepted else {
            continue;
        };
        let shared = shared.clone();
        let counter = in_flight.clone();
        counter.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(req, peer.ip(), shared.clone()));
            let _ = http1::Builder::new()
                .header_read_timeout(Duration::from_secs(10))
                .timer(hyper_util::rt::TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
            counter.fetch_sub(1, Ordering::SeqCst);
        });
    }
    drop(listener);
    eprintln!("Stopping: finishing the requests in progress");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while in_flight.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn handle(
    req: Request<Incoming>,
    peer: std::net::IpAddr,
    shared: Arc<Shared>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") {
        return Ok(crate::collect::api::handle(req, peer, &shared.api).await);
    }
    if shared.api_only {
        return Ok(reply(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            b"this server only answers /api/\n".to_vec(),
        ));
    }
    Ok(match path.as_str() {
        "/__kume/reload.js" => reply(
            StatusCode::OK,
            "text/javascript; charset=utf-8",
            RELOAD_JS.as_bytes().to_vec(),
        ),
        "/__kume/wait" => wait_for_version(req.uri().query(), &shared).await,
        _ => serve_file(&path, &shared),
    })
}

async fn wait_for_version(query: Option<&str>, shared: &Shared) -> Response<Full<Bytes>> {
    let known: Option<u64> = query
        .and_then(|q| q.strip_prefix("v="))
        .and_then(|v| v.parse().ok());
    let mut rx = shared.version.subscribe();
    if known == Some(*rx.borrow()) {
        let _ = tokio::time::timeout(Duration::from_secs(25), rx.changed()).await;
    }
    let v = *rx.borrow();
    reply(StatusCode::OK, "text/plain", v.to_string().into_bytes())
}

fn serve_file(url_path: &str, shared: &Shared) -> Response<Full<Bytes>> {
    let Some(mut file) = safe_path(&shared.out, url_path) else {
        return reply(StatusCode::BAD_REQUEST, "text/plain", b"bad path".to_vec());
    };
    if file.is_dir() {
        file.push("index.html");
    }
    let is_html = file.extension().is_none_or(|e| e == "html");
    if is_html {
        if let Ok(errors) = shared.errors.read() {
            if !errors.is_empty() {
                return reply(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/html; charset=utf-8",
                    error_page(&errors).into_bytes(),
                );
            }
        }
    }
    match std::fs::read(&file) {
        Ok(bytes) => reply(StatusCode::OK, content_type(&file), bytes),
        Err(_) => {
            // Each language has its own 404 page under its prefix (`/en/404.html`).
            let first = url_path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default();
            let localized = shared.out.join(first).join("404.html");
            let not_found = if !first.is_empty() && localized.is_file() {
                localized
            } else {
                shared.out.join("404.html")
            };
            let body = std::fs::read(not_found).unwrap_or_else(|_| b"not found".to_vec());
            reply(StatusCode::NOT_FOUND, "text/html; charset=utf-8", body)
        }
    }
}

/// Maps a URL path into the output folder, refusing `..`, and backslashes and NUL, which no
/// file of the site has in its name: on other systems a backslash separates folders, and NUL
/// ends a name early in C libraries.
fn safe_path(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path);
    let mut path = root.to_path_buf();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s if s.contains(['\\', '\0']) => return None,
            s => path.push(s),
        }
    }
    Some(path)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn error_page(errors: &[Diagnostic]) -> String {
    let items: String = errors
        .iter()
        .map(|d| format!("<li><pre>{}</pre></li>", html_escape(&d.to_string())))
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Kume: build errors</title>\
<style>body{{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#222}}pre{{white-space:pre-wrap;background:#fff3f3;border-left:4px solid #b00020;padding:.5rem 1rem}}</style>\
<script src=\"/__kume/reload.js\" defer></script></head><body><h1>The site has {} error{}</h1><p>Fix them and save; this page reloads by itself.</p><ul>{items}</ul></body></html>",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
