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
use std::sync::{Arc, RwLock, mpsc};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Semaphore, watch};

use crate::cli::{EXIT_FAILURE, SiteArgs, print_diagnostics, summary_line};
use crate::collect::api::{ApiState, Limits, reply};
use crate::collect::build_hook::BuildHook;
use crate::collect::client_addr::{self, ClientAddrConfig};
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

/// The error page's style, a file of its own: the Content-Security-Policy allows no inline style.
const ERRORS_CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#222}pre{white-space:pre-wrap;background:#fff3f3;border-left:4px solid #b00020;padding:.5rem 1rem}\n";

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
    /// How the client address of a request is found (trusted proxies, Netlify's signature).
    client_addr: ClientAddrConfig,
}

/// The Content-Security-Policy of every HTML page: the same string as netlify.toml's (a test
/// keeps the two equal), since Netlify's headers do not reach the pages the server renders.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'";

/// Request line and headers together may not be larger than this: larger heads are refused
/// with 431 before anything else is read.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// How `kume serve` runs.
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub out: Option<PathBuf>,
    pub api_only: bool,
    pub db: PathBuf,
    pub limits: Limits,
    /// Origins besides the site's `base_url` allowed to post answers from a browser.
    pub site_origins: Vec<String>,
    /// Anonymous answers to open surveys per client per hour (0: no such limit).
    pub open_survey_limit: u32,
    /// Submissions per second per client (0: no limit).
    pub rate_limit: f64,
    /// `--trusted-proxy` ranges, as given.
    pub trusted_proxies: Vec<String>,
    /// A file holding the secret of Netlify's signed proxy header (else the environment).
    pub netlify_proxy_secret_file: Option<PathBuf>,
    /// Where to serve `/metrics` (loopback only); none: no metrics listener.
    pub metrics_addr: Option<SocketAddr>,
    /// Most connections served at once.
    pub max_connections: usize,
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
    let Ok(client_addr) = client_settings(&serve) else {
        return ExitCode::from(EXIT_FAILURE);
    };
    let listen = Listen {
        addr,
        metrics: serve.metrics_addr,
        max_connections: serve.max_connections.max(1),
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
    let mut api = ApiState::new(Arc::new(store), serve.limits);
    api.allowed_origins = serve.site_origins;
    // A burst of ten: a person never needs more; a script soon waits.
    api.limiter = (serve.rate_limit > 0.0).then(|| RateLimiter::new(serve.rate_limit, 10.0));
    // Anonymous answers to an open survey: the whole hourly allowance may come at once (a
    // shared office address), then one per 3600/n seconds.
    api.open_limiter =
        (serve.open_survey_limit > 0).then(|| RateLimiter::per_hour(serve.open_survey_limit));
    api.read_token = read_token;
    let api = Arc::new(api);
    init_logging();
    let shared = Arc::new(Shared {
        out: out.clone(),
        version,
        errors: RwLock::new(Vec::new()),
        api,
        api_only: serve.api_only,
        client_addr,
    });
    if let Some(hook) = build_hook {
        // The site is rebuilt only when what it would publish changed.
        let (tx, rx) = mpsc::channel::<()>();
        shared
            .api
            .on_snapshot_change
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
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
        return serve_until_stopped(&listen, shared);
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
        if path.is_dir()
            && let Err(e) = watcher.watch(&path, RecursiveMode::Recursive)
        {
            eprintln!("error: cannot watch {}: {e}", path.display());
            return ExitCode::from(EXIT_FAILURE);
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
    let status = serve_until_stopped(&listen, shared);
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

/// The trusted proxies and the Netlify proxy secret; a bad one is reported here, with what to do.
fn client_settings(serve: &ServeOptions) -> Result<ClientAddrConfig, ()> {
    let config = ClientAddrConfig::configured(
        &serve.trusted_proxies,
        serve.netlify_proxy_secret_file.as_deref(),
    )
    .map_err(|e| {
        eprintln!(
            "error: {e}\n  help: give --trusted-proxy an address range such as 127.0.0.1/32; make the Netlify secret with `openssl rand -hex 32`, put it in {} (or the file given to --netlify-proxy-secret-file) and in the Netlify environment variable named by `signed` in netlify.toml",
            client_addr::NETLIFY_SECRET_ENV
        );
    })?;
    if let Some(m) = serve.metrics_addr
        && !client_addr::is_loopback(m.ip())
    {
        eprintln!(
            "error: --metrics-addr {m} is not a loopback address\n  help: metrics stay on this host: use 127.0.0.1:9464 (or [::1]:9464) and let the scraper run here or come through an SSH tunnel"
        );
        return Err(());
    }
    Ok(config)
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
            let json = Bytes::from(crate::aggregate::snapshot_json(&snapshot));
            let previous = api
                .snapshot
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .replace(json.clone());
            if previous.is_some_and(|p| p != json) {
                api.tell_snapshot_changed();
            }
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
            // Sleep rather than wait on the channel: during a burst the senders then wake
            // nobody, instead of this thread once per answer.
            loop {
                std::thread::sleep(Duration::from_secs(2));
                if rx.try_iter().count() == 0 {
                    break;
                }
            }
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

/// Where and how much the server listens.
struct Listen {
    addr: SocketAddr,
    metrics: Option<SocketAddr>,
    max_connections: usize,
}

fn serve_until_stopped(listen: &Listen, shared: Arc<Shared>) -> ExitCode {
    // The blocking pool evaluates submissions (bounded again by `ApiState::evaluations`) and
    // reads the database; a small bound keeps a flood from starting hundreds of threads.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(16)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the server: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let served = runtime.block_on(serve(listen, shared.clone()));
    // Every answer taken is committed before the process ends.
    let _ = runtime.block_on(shared.api.store.shutdown());
    let status = match served {
        Ok(()) => ExitCode::SUCCESS,
        Err((addr, e)) => {
            eprintln!(
                "error: cannot serve on {addr}: {e}\n  help: pick another address with --addr 127.0.0.1:PORT (or --metrics-addr)"
            );
            ExitCode::from(EXIT_FAILURE)
        }
    };
    // Connections still open after the grace period are cut here, not waited for.
    runtime.shutdown_timeout(Duration::from_secs(1));
    status
}

/// Waits for a file event, then gathers the events of the next few milliseconds: editors
/// write a file in several steps and one rebuild should follow them all.
fn next_change(rx: &mpsc::Receiver<notify::Result<notify::Event>>) -> Option<Vec<PathBuf>> {
    let mut paths = Vec::new();
    let collect = |paths: &mut Vec<PathBuf>, ev: notify::Result<notify::Event>| {
        if let Ok(ev) = ev
            && matches!(
                ev.kind,
                EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
            )
        {
            paths.extend(ev.paths.into_iter().filter(|p| !is_editor_noise(p)));
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
    if let Some(site) = &site
        && !diags.iter().any(|d| d.severity == Severity::Error)
    {
        match site.render(Output::Dir(&shared.out), &indicatif::ProgressBar::hidden()) {
            Ok(s) => stats = Some(s),
            Err(ds) => diags.extend(ds),
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
/// in flight finish (their answers are committed before they are acknowledged); idle
/// keep-alive connections are closed at once. At most `max_connections` are served at a
/// time: the next client waits in the listen queue until one closes.
async fn serve(listen: &Listen, shared: Arc<Shared>) -> Result<(), (SocketAddr, std::io::Error)> {
    let at = |addr: SocketAddr| move |e| (addr, e);
    let listener = TcpListener::bind(listen.addr)
        .await
        .map_err(at(listen.addr))?;
    if let Some(addr) = listen.metrics {
        let metrics = TcpListener::bind(addr).await.map_err(at(addr))?;
        let bound = metrics.local_addr().map_err(at(addr))?;
        eprintln!("Metrics on http://{bound}/metrics");
        tokio::spawn(crate::collect::metrics::serve(metrics, shared.api.clone()));
    }
    let bound = listener.local_addr().map_err(at(listen.addr))?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(at(bound))?;
    let mut terminate = signal(SignalKind::terminate()).map_err(at(bound))?;
    eprintln!("Serving on http://{bound}/ (Ctrl-C to stop)");
    let stop = async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    };
    tokio::pin!(stop);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(listen.max_connections));
    let builder = connection_builder();
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p,
            _ = &mut stop => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut stop => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                accept_failed(&e).await;
                continue;
            }
        };
        let shared = shared.clone();
        let service = service_fn(move |req| handle(req, peer.ip(), shared.clone()));
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    eprintln!("Stopping: finishing the requests in progress");
    if tokio::time::timeout(Duration::from_secs(15), graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!("Stopping: some connections did not finish within 15 s; closing them");
    }
    Ok(())
}

/// One HTTP/1 connection's settings: a client gets 10 s to send its request head, and heads
/// over [`MAX_HEAD_BYTES`] (or with more than 100 headers) are answered 431.
fn connection_builder() -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .header_read_timeout(Duration::from_secs(10))
        .max_header_size(MAX_HEAD_BYTES)
        .timer(hyper_util::rt::TokioTimer::new());
    builder
}

/// A failed accept: a connection that died in the queue is nobody's problem; anything else
/// (out of file descriptors, out of memory) will fail again at once, so wait a moment rather
/// than spin.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::Interrupted
    ) {
        return;
    }
    tracing::warn!(error = %e, "accept failed; pausing 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Every response of this server goes through here: the request is routed, then the answer
/// gets the headers browsers need to keep it safe.
async fn handle(
    req: Request<Incoming>,
    peer: std::net::IpAddr,
    shared: Arc<Shared>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut res = route(req, peer, &shared).await;
    harden(&mut res);
    Ok(res)
}

/// `nosniff` on everything; on HTML, the site's Content-Security-Policy (which forbids framing)
/// and no referrer, so that a personal link's token never leaves in a `Referer`.
fn harden(res: &mut Response<Full<Bytes>>) {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if is_html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
}

async fn route(
    req: Request<Incoming>,
    peer: std::net::IpAddr,
    shared: &Shared,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") {
        // The API sees the client (found from the peer and the headers it may trust) as its peer.
        let client = client_addr::client_key(peer, req.headers(), &shared.client_addr);
        return crate::collect::api::handle(req, client, &shared.api).await;
    }
    if shared.api_only {
        return reply(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            b"this server only answers /api/\n".to_vec(),
        );
    }
    match path.as_str() {
        "/__kume/reload.js" => reply(
            StatusCode::OK,
            "text/javascript; charset=utf-8",
            RELOAD_JS.as_bytes().to_vec(),
        ),
        "/__kume/errors.css" => reply(
            StatusCode::OK,
            "text/css; charset=utf-8",
            ERRORS_CSS.as_bytes().to_vec(),
        ),
        "/__kume/wait" => wait_for_version(req.uri().query(), shared).await,
        _ => serve_file(&path, shared),
    }
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
    if is_html
        && let Ok(errors) = shared.errors.read()
        && !errors.is_empty()
    {
        return reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/html; charset=utf-8",
            error_page(&errors).into_bytes(),
        );
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
<link rel=\"stylesheet\" href=\"/__kume/errors.css\">\
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The pages Netlify serves and the pages this server renders are under one policy.
    #[test]
    fn the_csp_is_netlify_tomls() {
        let toml = include_str!("../netlify.toml");
        let line = toml
            .lines()
            .find_map(|l| l.trim().strip_prefix("Content-Security-Policy = "))
            .expect("netlify.toml sets a Content-Security-Policy");
        assert_eq!(line.trim_matches('"'), CONTENT_SECURITY_POLICY);
    }

    #[test]
    fn html_gets_the_policy_and_everything_gets_nosniff() {
        let mut page = reply(StatusCode::OK, "text/html; charset=utf-8", "<p>x</p>");
        harden(&mut page);
        let h = page.headers();
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], CONTENT_SECURITY_POLICY);
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let mut json = reply(StatusCode::OK, "application/json", "{}");
        harden(&mut json);
        assert_eq!(json.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(
            json.headers()
                .get(header::CONTENT_SECURITY_POLICY)
                .is_none()
        );
    }
}
