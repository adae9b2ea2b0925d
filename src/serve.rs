//! `kume serve`: the development server. Builds the site once, serves the output folder,
//! rebuilds on change and reloads the page; the collector (see [`crate::collect::server`])
//! answers `/api/…` beside it, with the surveys of the latest build.
//!
//! A watcher thread collects file events for a few milliseconds, then either re-renders the
//! pages that show a changed Markdown file (when only its body changed) or rebuilds the site.
//! Each finished rebuild bumps a version number; the reload script in every served page
//! long-polls `/__kume/wait` and reloads when the version changes. While the site has errors,
//! every page shows them instead.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, RwLock, mpsc};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::watch;

use crate::collect::api::reply;
use crate::collect::server::{
    Collector, CollectorOptions, PageFuture, Pages, after_final_answers, refresh_aggregates,
    run_api_only,
};
use crate::config::{CONTENT_DIR, TEMPLATES_DIR};
use crate::diagnostics::{Diagnostic, EXIT_FAILURE, Severity, print_diagnostics};
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

/// How `kume serve` runs.
pub struct ServeOptions {
    pub collector: CollectorOptions,
    /// Where the site is written (default: a folder under the system's temporary folder).
    pub out: Option<PathBuf>,
    /// The collector alone: no site, no watching.
    pub api_only: bool,
}

/// What the HTTP side shares with the rebuild thread.
struct Dev {
    out: PathBuf,
    version: watch::Sender<u64>,
    /// The current build's errors, shown instead of pages while there are any.
    errors: RwLock<Vec<Diagnostic>>,
    /// The latest build, kept for incremental rebuilds.
    site: Mutex<Option<Site>>,
    collector: Arc<crate::collect::api::ApiState>,
}

impl Dev {
    /// Keeps the build and hands its survey catalogue to the collector.
    fn keep(&self, guard: &mut Option<Site>, site: Option<Site>) {
        self.collector
            .set_catalogue(site.as_ref().map(|s| s.catalogue.clone()));
        *guard = site;
    }
}

pub fn run(options: BuildOptions, serve: ServeOptions) -> ExitCode {
    if serve.api_only {
        return run_api_only(&options.root, serve.collector);
    }
    let port = serve.collector.addr.port();
    let out = serve
        .out
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("kume-serve-{port}")));
    let collector = match Collector::start(serve.collector) {
        Ok(c) => c,
        Err(status) => return status,
    };
    let (version, _) = watch::channel(0u64);
    let dev = Arc::new(Dev {
        out: out.clone(),
        version,
        errors: RwLock::new(Vec::new()),
        site: Mutex::new(None),
        collector: collector.api.clone(),
    });
    // The benchmark pages of `kume serve` follow the answers: aggregated now, and again a
    // moment after new final answers arrive.
    // One canonical project path: the watcher reports absolute paths, and a root given as `.`
    // or `../site` must compare equal to them, or no edit would take the incremental path.
    let root = std::fs::canonicalize(&options.root).unwrap_or(options.root.clone());
    let mut options = BuildOptions {
        dev: true,
        root,
        ..options
    };
    let snapshot_dir = out.with_file_name(format!("kume-serve-{port}-aggregates"));
    let db = collector.db().clone();
    let loaded = Site::load(&options);
    if let Some(site) = &loaded.site {
        options.aggregates =
            refresh_aggregates(&site.catalogue, &db, &collector.api, Some(&snapshot_dir));
    }
    drop(loaded);
    {
        let mut guard = dev.site.lock().unwrap_or_else(|e| e.into_inner());
        let site = full_build(&options, &dev);
        dev.keep(&mut guard, site);
    }
    let mut rebuild_options = options.clone();
    let after = dev.clone();
    after_final_answers(&collector.api, move || {
        let mut guard = after.site.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(site) = guard.as_ref() {
            rebuild_options.aggregates =
                refresh_aggregates(&site.catalogue, &db, &after.collector, Some(&snapshot_dir))
                    .or(rebuild_options.aggregates.take());
        }
        let site = full_build(&rebuild_options, &after);
        after.keep(&mut guard, site);
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
    let rebuilder = dev.clone();
    std::thread::spawn(move || {
        while let Some(paths) = next_change(&rx) {
            let mut guard = rebuilder.site.lock().unwrap_or_else(|e| e.into_inner());
            let current = guard.take();
            let site = rebuild(current, &paths, &options, &rebuilder);
            rebuilder.keep(&mut guard, site);
        }
    });
    let status = collector.serve(Some(dev.clone()));
    drop(watcher);
    // Once a rebuild under way is done, the spare copy goes; the served output stays.
    let _done = dev.site.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(e) = remove_spare(&out) {
        eprintln!("warning: cannot remove {}: {e}", spare(&out).display());
    }
    status
}

fn remove_spare(out: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(spare(out)) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        r => r,
    }
}

impl Pages for Dev {
    fn answer(&self, req: Request<Incoming>) -> PageFuture<'_> {
        Box::pin(async move {
            let path = req.uri().path().to_string();
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
                "/__kume/wait" => wait_for_version(req.uri().query(), self).await,
                _ => serve_file(&path, self),
            }
        })
    }
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

fn full_build(options: &BuildOptions, dev: &Dev) -> Option<Site> {
    let start = Instant::now();
    let loaded = Site::load(options);
    let mut diags = loaded.diagnostics;
    let mut site = loaded.site;
    let mut stats = None;
    if let Some(site) = &mut site
        && !diags.iter().any(|d| d.severity == Severity::Error)
    {
        // Written beside the live output, then swapped in: a page is never missing while
        // the site is rebuilt.
        let spare = spare(&dev.out);
        match site.render(Output::Dir(&spare), &indicatif::ProgressBar::hidden()) {
            Ok(s) => match swap_in(&spare, &dev.out) {
                Ok(()) => stats = Some(s),
                Err(e) => diags.push(Diagnostic::error(
                    dev.out.display().to_string(),
                    format!("cannot replace the served site with the new build: {e}"),
                )),
            },
            Err(ds) => diags.extend(ds),
        }
        diags.extend(site.strings.missing());
    }
    print_diagnostics(&diags);
    if let Some(mut s) = stats {
        s.elapsed = start.elapsed();
        eprintln!("{}", s.summary_line("Built", Some(&dev.out)));
    }
    publish(dev, diags);
    site
}

/// `public` → `public.next`: a folder beside `dir`.
fn beside(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix}"));
    dir.with_file_name(name)
}

/// The folder a full rebuild is written into before it is swapped in (`public.next`). It holds
/// the build before the live one and is kept until `serve` stops: the next full rebuild updates
/// it in place, so that only the files that changed are written. Emptying it instead freed two
/// inodes per page, and on ext4 the next build paid for each in the inode search.
fn spare(live: &Path) -> PathBuf {
    beside(live, "next")
}

/// Puts the folder `next` where `live` is, in one step; `next` then holds the previous build.
fn swap_in(next: &Path, live: &Path) -> std::io::Result<()> {
    if !live.exists() {
        return std::fs::rename(next, live);
    }
    exchange(next, live)
}

/// Swaps two paths atomically (Linux `renameat2` with `RENAME_EXCHANGE`); where the file
/// system cannot, moves the old folder aside first, leaving a moment without `live`.
fn exchange(next: &Path, live: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (c(next)?, c(live)?);
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        return Ok(());
    }
    let old = beside(live, "old");
    let _ = std::fs::remove_dir_all(&old);
    std::fs::rename(live, &old)?;
    std::fs::rename(next, live)?;
    std::fs::rename(&old, next)
}

fn rebuild(
    site: Option<Site>,
    paths: &[PathBuf],
    options: &BuildOptions,
    dev: &Dev,
) -> Option<Site> {
    let start = Instant::now();
    let content = options.root.join(CONTENT_DIR);
    let only_markdown = paths.iter().all(|p| {
        p.starts_with(&content) && p.extension().is_some_and(|e| e == "md") && p.is_file()
    });
    let had_errors = dev.errors.read().map(|e| !e.is_empty()).unwrap_or(true);
    if let (Some(mut site), true, false) = (site, only_markdown, had_errors) {
        let mut diags = Vec::new();
        let mut incremental = true;
        for p in paths {
            match site.update_document(p, &dev.out) {
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
            publish(dev, diags);
            return Some(site);
        }
    }
    full_build(options, dev)
}

fn publish(dev: &Dev, diags: Vec<Diagnostic>) {
    let errors: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if let Ok(mut e) = dev.errors.write() {
        *e = errors;
    }
    dev.version.send_modify(|v| *v += 1);
}

async fn wait_for_version(query: Option<&str>, dev: &Dev) -> Response<Full<Bytes>> {
    let known: Option<u64> = query
        .and_then(|q| q.strip_prefix("v="))
        .and_then(|v| v.parse().ok());
    let mut rx = dev.version.subscribe();
    if known == Some(*rx.borrow()) {
        let _ = tokio::time::timeout(Duration::from_secs(25), rx.changed()).await;
    }
    let v = *rx.borrow();
    reply(StatusCode::OK, "text/plain", v.to_string().into_bytes())
}

fn serve_file(url_path: &str, dev: &Dev) -> Response<Full<Bytes>> {
    let Some(mut file) = safe_path(&dev.out, url_path) else {
        return reply(StatusCode::BAD_REQUEST, "text/plain", b"bad path".to_vec());
    };
    if file.is_dir() {
        file.push("index.html");
    }
    let is_html = file.extension().is_none_or(|e| e == "html");
    if is_html
        && let Ok(errors) = dev.errors.read()
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
            let localized = dev.out.join(first).join("404.html");
            let not_found = if !first.is_empty() && localized.is_file() {
                localized
            } else {
                dev.out.join("404.html")
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
        .map(|d| {
            format!(
                "<li><pre>{}</pre></li>",
                crate::text::escape_markup(&d.to_string())
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Kume: build errors</title>\
<link rel=\"stylesheet\" href=\"/__kume/errors.css\">\
<script src=\"/__kume/reload.js\" defer></script></head><body><h1>The site has {} error{}</h1><p>Fix them and save; this page reloads by itself.</p><ul>{items}</ul></body></html>",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    )
}
