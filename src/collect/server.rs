//! The collector's server: `kume serve --api-only` in production, and the API half of the
//! development server. It loads a survey [`Catalogue`] — never the site — opens the response
//! store, and answers `/api/…`; every other request goes to the [`Pages`] it is given (the
//! development server's output folder), or gets a 404.
//!
//! The HTTP loop is shared: connection limits, header limits, graceful shutdown on SIGINT and
//! SIGTERM, and the security headers on every answer.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Semaphore;

use super::api::{ApiState, Limits, reply};
use super::build_hook::BuildHook;
use super::client_addr::{self, ClientAddrConfig};
use super::db_lock::DbLock;
use super::limit::RateLimiter;
use super::read_token::ReadToken;
use super::store::StoreAddress;
use crate::diagnostics::{EXIT_FAILURE, EXIT_SITE_ERRORS, Severity, print_diagnostics};
use crate::survey::catalogue::Catalogue;

/// The Content-Security-Policy of every HTML page: the same string as netlify.toml's (a test
/// keeps the two equal), since Netlify's headers do not reach the pages the server renders.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'";

/// Request line and headers together may not be larger than this: larger heads are refused
/// with 431 before anything else is read.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// How the collector runs (the options of `kume serve` that concern it).
#[derive(Debug, Clone, clap::Args)]
pub struct CollectorOptions {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The response database: a file (SQLite) or postgresql://user@host:5432/db, which
    /// several collectors may share.
    #[arg(
        long,
        env = "KUME_DATABASE_URL",
        hide_env_values = true,
        default_value = "data/kume.sqlite"
    )]
    pub db: StoreAddress,
    /// Largest accepted request body, in bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    pub max_body: usize,
    /// Another origin allowed to send answers from a browser, besides the site's own
    /// (`base_url`) and the collector's, e.g. https://kume.example.org (repeatable). Posts
    /// from any other origin are refused with 403.
    #[arg(long = "site-origin", value_name = "ORIGIN")]
    pub site_origins: Vec<String>,
    /// Submissions per second allowed from one client (0 turns the limit off).
    #[arg(long, default_value_t = 2.0)]
    pub rate_limit: f64,
    /// Anonymous answers to open surveys allowed from one client per hour (0 turns this
    /// limit off). Invitation answers are not counted.
    #[arg(long, default_value_t = 20)]
    pub open_survey_limit: u32,
    /// A reverse proxy whose X-Forwarded-For is believed, as an address range (repeat for
    /// several), e.g. 127.0.0.1/32 and ::1/128 for a proxy on this host. The client is then
    /// the rightmost X-Forwarded-For entry that is not itself a trusted proxy.
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxies: Vec<String>,
    /// A file holding the secret of Netlify's signed proxy header (X-Nf-Sign; otherwise the
    /// KUME_NETLIFY_PROXY_SECRET environment variable). With it, a request whose signature
    /// is valid is keyed on Netlify's X-Nf-Client-Connection-Ip.
    #[arg(long, value_name = "PATH")]
    pub netlify_proxy_secret_file: Option<PathBuf>,
    /// Serve Prometheus metrics at /metrics on this loopback address, e.g. 127.0.0.1:9464
    /// (default: no metrics listener).
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Most connections served at once; further clients wait until one closes.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
    /// A file holding the token that GET /api/v1/aggregates.json requires (otherwise the
    /// KUME_READ_TOKEN environment variable; with neither, that endpoint answers 404).
    #[arg(long)]
    pub read_token_file: Option<PathBuf>,
    /// A file holding the URL to POST to after new final answers, e.g. a Netlify build
    /// hook (otherwise the KUME_BUILD_HOOK_URL environment variable; with neither, no hook
    /// is called). Never given on the command line: anyone with the URL can start builds.
    #[arg(long)]
    pub build_hook_url_file: Option<PathBuf>,
    /// Seconds from the first new final answer to the hook call: answers in between share
    /// one build.
    #[arg(long, default_value_t = 600)]
    pub build_hook_delay: u64,
}

/// Answers the requests that are not for the API.
pub trait Pages: Send + Sync + 'static {
    fn answer(&self, req: Request<Incoming>) -> PageFuture<'_>;
}

pub type PageFuture<'a> = Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send + 'a>>;

/// A started collector: its store open, its database locked, its limits set.
pub struct Collector {
    pub api: Arc<ApiState>,
    db: StoreAddress,
    client_addr: ClientAddrConfig,
    listen: Listen,
    /// Held for the collector's whole life on an SQLite file: `kume restore` refuses while it
    /// is. A PostgreSQL database is shared by design and has no such lock.
    db_lock: Option<DbLock>,
}

impl Collector {
    /// Checks the options, locks and opens the database and sets up the API. Every problem is
    /// printed with what to do; the error is the exit status.
    pub fn start(opts: CollectorOptions) -> Result<Collector, ExitCode> {
        let failed = || ExitCode::from(EXIT_FAILURE);
        let (read_token, build_hook) = production_settings(&opts).map_err(|()| failed())?;
        let db_lock = match opts.db.sqlite_path() {
            Some(path) => Some(DbLock::acquire(path, "kume serve").map_err(|e| {
                eprintln!(
                    "error: {e}\n  help: one collector per SQLite file: stop the other one, or pass another --db PATH (several collectors share a PostgreSQL database: see docs/deploy.md)"
                );
                failed()
            })?),
            None => None,
        };
        let client_addr = client_settings(&opts).map_err(|()| failed())?;
        let store = opts.db.start().map_err(|e| {
            let help = match opts.db {
                StoreAddress::Sqlite(_) => {
                    "check the folder exists and is writable, or pass --db PATH"
                }
                StoreAddress::Postgres(_) => opts.db.help(),
            };
            eprintln!(
                "error: cannot open the response database {}: {e}\n  help: {help}",
                opts.db
            );
            failed()
        })?;
        let limits = Limits {
            max_body: opts.max_body,
            ..Limits::default()
        };
        let mut api = ApiState::new(store, limits);
        api.allowed_origins = opts.site_origins;
        // A burst of ten: a person never needs more; a script soon waits.
        api.limiter = (opts.rate_limit > 0.0).then(|| RateLimiter::new(opts.rate_limit, 10.0));
        // Anonymous answers to an open survey: the whole hourly allowance may come at once (a
        // shared office address), then one per 3600/n seconds.
        api.open_limiter =
            (opts.open_survey_limit > 0).then(|| RateLimiter::per_hour(opts.open_survey_limit));
        api.read_token = read_token;
        let api = Arc::new(api);
        init_logging();
        if let Some(hook) = build_hook {
            // The site is rebuilt only when what it would publish changed.
            let (tx, rx) = mpsc::channel::<()>();
            api.on_snapshot_change
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(tx);
            std::thread::spawn(move || hook.run(&rx));
        }
        Ok(Collector {
            api,
            db: opts.db,
            client_addr,
            listen: Listen {
                addr: opts.addr,
                metrics: opts.metrics_addr,
                max_connections: opts.max_connections.max(1),
            },
            db_lock,
        })
    }

    pub fn db(&self) -> &StoreAddress {
        &self.db
    }

    /// Serves until SIGINT or SIGTERM; `pages` answers what is not `/api/`.
    pub fn serve(self, pages: Option<Arc<dyn Pages>>) -> ExitCode {
        let listen = self.listen;
        let shared = Arc::new(Shared {
            api: self.api,
            client_addr: self.client_addr,
            pages,
        });
        let status = serve_until_stopped(&listen, shared);
        drop(self.db_lock);
        status
    }
}

/// `kume serve --api-only`: the collector alone, with the survey catalogue and nothing of the
/// site. The snapshot it hands out is aggregated again a moment after new final answers.
pub fn run_api_only(root: &Path, opts: CollectorOptions) -> ExitCode {
    let collector = match Collector::start(opts) {
        Ok(c) => c,
        Err(status) => return status,
    };
    let loaded = Catalogue::load(root);
    print_diagnostics(&loaded.diagnostics);
    let has_errors = loaded
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error);
    let Some(catalogue) = loaded.catalogue.filter(|_| !has_errors) else {
        return ExitCode::from(EXIT_SITE_ERRORS);
    };
    let catalogue = Arc::new(catalogue);
    refresh_aggregates(&catalogue, collector.db(), &collector.api, None);
    collector.api.set_catalogue(Some(catalogue));
    let (api, db) = (collector.api.clone(), collector.db.clone());
    after_final_answers(&collector.api, move || {
        if let Some(catalogue) = api.catalogue() {
            refresh_aggregates(&catalogue, &db, &api, None);
        }
    });
    if collector.db.is_postgres() {
        refresh_periodically(&collector.api);
    }
    collector.serve(None)
}

/// How often a collector on a shared database aggregates again, for the answers that the other
/// collectors took.
const SHARED_REFRESH: Duration = Duration::from_secs(60);

/// On a database shared with other collectors, this one does not hear of the final answers
/// they take: its snapshot is aggregated again every minute as well.
fn refresh_periodically(api: &Arc<ApiState>) {
    let api = Arc::downgrade(api);
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(SHARED_REFRESH);
            match api.upgrade() {
                Some(api) => api.tell_new_final(),
                None => return,
            }
        }
    });
}

/// The read token and the build hook, from the options or the environment. A bad one is
/// reported here, with what to do.
fn production_settings(
    opts: &CollectorOptions,
) -> Result<(Option<ReadToken>, Option<BuildHook>), ()> {
    let read_token = ReadToken::configured(opts.read_token_file.as_deref()).map_err(|e| {
        eprintln!(
            "error: {e}\n  help: make a token with `openssl rand -hex 32` and put it in {} or in the file given to --read-token-file",
            crate::collect::read_token::ENV
        );
    })?;
    let delay = Duration::from_secs(opts.build_hook_delay);
    let build_hook = BuildHook::configured(opts.build_hook_url_file.as_deref(), delay).map_err(|e| {
        eprintln!(
            "error: {e}\n  help: pass the hook's full address (Netlify: Site configuration → Build hooks) in the file given to --build-hook-url-file or in {}",
            crate::collect::build_hook::ENV
        );
    })?;
    Ok((read_token, build_hook))
}

/// The trusted proxies and the Netlify proxy secret; a bad one is reported here, with what to do.
fn client_settings(opts: &CollectorOptions) -> Result<ClientAddrConfig, ()> {
    let config = ClientAddrConfig::configured(
        &opts.trusted_proxies,
        opts.netlify_proxy_secret_file.as_deref(),
    )
    .map_err(|e| {
        eprintln!(
            "error: {e}\n  help: give --trusted-proxy an address range such as 127.0.0.1/32; make the Netlify secret with `openssl rand -hex 32`, put it in {} (or the file given to --netlify-proxy-secret-file) and in the Netlify environment variable named by `signed` in netlify.toml",
            client_addr::NETLIFY_SECRET_ENV
        );
    })?;
    if let Some(m) = opts.metrics_addr
        && !client_addr::is_loopback(m.ip())
    {
        eprintln!(
            "error: --metrics-addr {m} is not a loopback address\n  help: metrics stay on this host: use 127.0.0.1:9464 (or [::1]:9464) and let the scraper run here or come through an SSH tunnel"
        );
        return Err(());
    }
    Ok(config)
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
pub fn refresh_aggregates(
    catalogue: &Catalogue,
    db: &StoreAddress,
    api: &ApiState,
    dir: Option<&Path>,
) -> Option<PathBuf> {
    if !db.may_hold_data() || catalogue.data.registry.indicators.is_empty() {
        return None;
    }
    let store = api.store.clone();
    let read = |each: &mut dyn FnMut(_)| store.each_final(each);
    match crate::aggregate::aggregate(&catalogue.data, &catalogue.surveys, read, 5) {
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
            if snapshot.values.is_empty() && catalogue.config.sample_aggregates.is_some() {
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
pub fn after_final_answers(api: &ApiState, mut job: impl FnMut() + Send + 'static) {
    let (tx, rx) = mpsc::channel::<()>();
    api.on_final
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(tx);
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
            job();
        }
    });
}

/// What every connection shares.
struct Shared {
    api: Arc<ApiState>,
    /// How the client address of a request is found (trusted proxies, Netlify's signature).
    client_addr: ClientAddrConfig,
    pages: Option<Arc<dyn Pages>>,
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
        tokio::spawn(super::metrics::serve(metrics, shared.api.clone()));
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
    if req.uri().path().starts_with("/api/") {
        // The API sees the client (found from the peer and the headers it may trust) as its peer.
        let client = client_addr::client_key(peer, req.headers(), &shared.client_addr);
        return super::api::handle(req, client, &shared.api).await;
    }
    match &shared.pages {
        Some(pages) => pages.answer(req).await,
        None => reply(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            b"this server only answers /api/\n".to_vec(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pages Netlify serves and the pages this server renders are under one policy.
    #[test]
    fn the_csp_is_netlify_tomls() {
        let toml = include_str!("../../netlify.toml");
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
