//! The collector's HTTP API, served by `kume serve` (with the site) or `kume serve --api-only`.
//!
//! Routes each `/api/…` request: answers (`POST …/responses`) to [`super::submit`], personal
//! links (`GET …/form`) to [`super::personal`], the health check through the writer, and the
//! public snapshot behind its read token. A `POST` from another site, or over the client's rate,
//! is refused here, before its body is read; every refusal is a page in the respondent's
//! language (forms) or JSON.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode, header};

use super::read_token::ReadToken;
pub use super::request_body::Limits;
use super::store::{self, ResponseStore};
use super::submit::{self, Refusal};
use crate::survey::catalogue::Catalogue;
use crate::survey::pages;

/// What the API needs: the survey catalogue (surveys, templates, strings) and the store.
pub struct ApiState {
    /// Replaced whole when the project is loaded again (`kume serve` after an edit).
    pub catalogue: RwLock<Option<Arc<Catalogue>>>,
    pub store: Arc<dyn ResponseStore>,
    pub limits: Limits,
    /// Origins besides the site's own (`base_url`) allowed to send answers from a browser.
    pub allowed_origins: Vec<String>,
    /// Per-client limit on submissions; None turns it off (benchmarks).
    pub limiter: Option<super::limit::RateLimiter>,
    /// A stricter per-client limit on anonymous answers to open surveys.
    pub open_limiter: Option<super::limit::RateLimiter>,
    /// Submissions being evaluated at once (on the blocking pool).
    pub evaluations: tokio::sync::Semaphore,
    /// Responses sent, by status code, for the metrics.
    pub answered: std::sync::Mutex<BTreeMap<u16, u64>>,
    /// Told about every new final response: re-aggregation.
    pub on_final: std::sync::Mutex<Vec<std::sync::mpsc::Sender<()>>>,
    /// Told when the public snapshot's bytes changed: the build hook.
    pub on_snapshot_change: std::sync::Mutex<Vec<std::sync::mpsc::Sender<()>>>,
    /// Guards `GET /api/v1/aggregates.json`; without it that endpoint does not exist.
    pub read_token: Option<ReadToken>,
    /// The latest public snapshot (`aggregates.json` as `kume aggregate` writes it).
    pub snapshot: RwLock<Option<Bytes>>,
}

/// The answer while no catalogue is loaded (the project has errors, or is loading).
pub(crate) const NOT_LOADED: &str = "the surveys are not loaded; try again shortly";

impl ApiState {
    /// A state with the given store and limits, everything else off (tests, `serve`).
    /// The current catalogue; None until the project is loaded.
    pub fn catalogue(&self) -> Option<Arc<Catalogue>> {
        self.catalogue
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_catalogue(&self, catalogue: Option<Arc<Catalogue>>) {
        *self.catalogue.write().unwrap_or_else(|e| e.into_inner()) = catalogue;
    }

    pub fn new(store: Arc<dyn ResponseStore>, limits: Limits) -> ApiState {
        ApiState {
            catalogue: RwLock::new(None),
            store,
            limits,
            allowed_origins: Vec::new(),
            limiter: None,
            open_limiter: None,
            evaluations: tokio::sync::Semaphore::new(EVALUATIONS),
            answered: std::sync::Mutex::new(BTreeMap::new()),
            on_final: std::sync::Mutex::new(Vec::new()),
            on_snapshot_change: std::sync::Mutex::new(Vec::new()),
            read_token: None,
            snapshot: RwLock::new(None),
        }
    }

    /// Tells every listener that a new final response was stored.
    pub(crate) fn tell_new_final(&self) {
        tell(&self.on_final);
    }

    /// Tells every listener that the public snapshot changed.
    pub fn tell_snapshot_changed(&self) {
        tell(&self.on_snapshot_change);
    }
}

fn tell(listeners: &std::sync::Mutex<Vec<std::sync::mpsc::Sender<()>>>) {
    for tx in listeners.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let _ = tx.send(());
    }
}

/// Submissions evaluated at once: enough to keep two cores busy, few enough that a flood of
/// costly ones leaves threads for everything else.
const EVALUATIONS: usize = 4;

pub(crate) type Reply = Response<Full<Bytes>>;

/// A response that is never cached: the collector's and the development server's own pages.
pub(crate) fn reply(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Reply {
    let mut res = Response::new(Full::new(body.into()));
    *res.status_mut() = status;
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

pub(crate) fn json(status: StatusCode, value: serde_json::Value) -> Reply {
    reply(status, "application/json", value.to_string())
}

pub(crate) fn text(status: StatusCode, message: &str) -> Reply {
    reply(status, "text/plain; charset=utf-8", format!("{message}\n"))
}

/// Handles every `/api/…` request: routes it, then logs it with a request id and counts it.
/// `client` is the rate-limit key ([`super::client_addr::client_key`]): the peer, or the
/// address a trusted proxy vouches for.
pub async fn handle(req: Request<Incoming>, client: IpAddr, state: &Arc<ApiState>) -> Reply {
    let start = std::time::Instant::now();
    // A log correlation id, not a secret: without randomness the request goes on unlabelled.
    let request_id = store::new_id().map_or_else(|_| "-".to_string(), |id| id[..16].to_string());
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let mut res = route(req, client, state).await;
    let status = res.status().as_u16();
    *state
        .answered
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(status)
        .or_default() += 1;
    tracing::info!(request_id = %request_id, method = %method, path = %path, status, ms = start.elapsed().as_secs_f64() * 1000.0, "api");
    if let Ok(v) = header::HeaderValue::from_str(&request_id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

async fn route(req: Request<Incoming>, client: IpAddr, state: &Arc<ApiState>) -> Reply {
    if req.method() == Method::POST
        && let Some(refused) = refuse_post(&req, client, state)
    {
        return refused;
    }
    let request_origin = req.headers().get(header::ORIGIN).cloned();
    let path = req.uri().path().to_string();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut res = match (req.method(), segments.as_slice()) {
        (&Method::GET, ["api", "v1", "health"]) => health(state).await,
        (&Method::GET, ["api", "v1", "aggregates.json"]) => aggregates(&req, state),
        (&Method::OPTIONS, ["api", "v1", "surveys", _, "responses"]) => {
            reply(StatusCode::NO_CONTENT, "text/plain", "")
        }
        (&Method::GET, ["api", "v1", "surveys", id, "form"]) => {
            let id = id.to_string();
            super::personal::form(&req, &id, state)
        }
        (&Method::POST, ["api", "v1", "surveys", id, "responses"]) => {
            submit::submit(req, id.to_string(), client, state).await
        }
        (_, ["api", "v1", "surveys", _, "responses"]) => {
            let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "use POST to send answers");
            r.headers_mut().insert(
                header::ALLOW,
                header::HeaderValue::from_static("POST, OPTIONS"),
            );
            r
        }
        _ => text(StatusCode::NOT_FOUND, "no such API endpoint"),
    };
    if let Some(origin) = request_origin.filter(|o| {
        state
            .allowed_origins
            .iter()
            .any(|a| a.as_bytes().eq_ignore_ascii_case(o.as_bytes()))
    }) {
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            header::HeaderValue::from_static("POST, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            header::HeaderValue::from_static("content-type, idempotency-key"),
        );
    }
    res
}

/// A POST refused before its body is read: from another site (a page elsewhere making its
/// visitors' browsers answer), or over the client's rate.
fn refuse_post(req: &Request<Incoming>, client: IpAddr, state: &ApiState) -> Option<Reply> {
    let form = req.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes()
            .starts_with(b"application/x-www-form-urlencoded")
    });
    if cross_site(req, state) {
        let lang = page_lang(req);
        return Some(refusal(
            state,
            form,
            Refusal(
                StatusCode::FORBIDDEN,
                lang,
                "survey_cross_site_title",
                "survey_cross_site_text",
            ),
        ));
    }
    let limiter = state.limiter.as_ref()?;
    let wait = limiter.check(client).err()?;
    let lang = page_lang(req);
    let mut r = refusal(
        state,
        form,
        Refusal(
            StatusCode::TOO_MANY_REQUESTS,
            lang,
            "survey_rate_title",
            "survey_rate_text",
        ),
    );
    if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Some(r)
}

/// The language of a refusal sent before the body is read: the address's `lang`, else the
/// browser's first preference among the site's, else Turkish.
fn page_lang(req: &Request<Incoming>) -> String {
    let accepted = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first = accepted
        .split(',')
        .next()
        .unwrap_or("")
        .trim()
        .get(..2)
        .unwrap_or("")
        .to_ascii_lowercase();
    if first == "en" {
        "en".into()
    } else {
        "tr".into()
    }
}

/// Whether a POST comes from another site: its `Origin` is neither this collector's own nor an
/// allowed one, or (without an `Origin` that names a site) the browser says `Sec-Fetch-Site:
/// cross-site`.
fn cross_site(req: &Request<Incoming>, state: &ApiState) -> bool {
    let headers = req.headers();
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Browsers send `Origin: null` for every POST from a page with `Referrer-Policy:
    // no-referrer` (the collector's own pages), so `null` says nothing: Fetch Metadata decides.
    let origin = headers
        .get(header::ORIGIN)
        .map(|o| o.to_str().unwrap_or("").trim_end_matches('/'))
        .filter(|o| *o != "null");
    let Some(origin) = origin else {
        return fetch_site.eq_ignore_ascii_case("cross-site");
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let same_host = origin
        .split_once("://")
        .is_some_and(|(_, authority)| !host.is_empty() && authority.eq_ignore_ascii_case(host));
    if same_host && !fetch_site.eq_ignore_ascii_case("cross-site") {
        return false;
    }
    !allowed_origins(state)
        .iter()
        .any(|o| o.eq_ignore_ascii_case(origin))
}

/// The site's own origin (from `base_url`) and the configured extra ones.
fn allowed_origins(state: &ApiState) -> Vec<String> {
    let mut origins = state.allowed_origins.clone();
    if let Some(cat) = state.catalogue() {
        origins.push(origin_of(&cat.config.base_url));
    }
    origins
}

/// `https://example.org/path/` → `https://example.org`.
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split('/').next().unwrap_or(rest);
            format!("{scheme}://{authority}")
        }
        None => url.trim_end_matches('/').to_string(),
    }
}

/// How long a health check waits for the writer: well under a load balancer's check interval.
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// `GET /api/v1/health`: a round trip through the writer, so that "ok" means answers can be
/// stored right now, not only that the process is up.
async fn health(state: &ApiState) -> Reply {
    let ping = tokio::time::timeout(HEALTH_TIMEOUT, state.store.ping()).await;
    match ping {
        Ok(Ok(())) => json(StatusCode::OK, serde_json::json!({"status": "ok"})),
        Ok(Err(reason)) => {
            let mut r = json(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({"status": "unavailable", "reason": reason.to_string()}),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            r
        }
        Err(_) => json(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"status": "unavailable", "reason": "the writer did not answer in time"}),
        ),
    }
}

/// `GET /api/v1/aggregates.json`: the public snapshot, for the job that deploys the site.
/// `404` when no read token is configured (the endpoint does not exist then), `401` without
/// the right `Authorization: Bearer` token, `503` until the first aggregation has finished.
fn aggregates(req: &Request<Incoming>, state: &ApiState) -> Reply {
    let Some(token) = &state.read_token else {
        return text(StatusCode::NOT_FOUND, "no such API endpoint");
    };
    let authorization = req.headers().get(header::AUTHORIZATION);
    if !token.admits(authorization.map(header::HeaderValue::as_bytes)) {
        let mut r = text(
            StatusCode::UNAUTHORIZED,
            "send the read token as `Authorization: Bearer TOKEN`",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"kume\""),
        );
        return r;
    }
    let snapshot = state
        .snapshot
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    match snapshot {
        Some(body) => reply(StatusCode::OK, "application/json", body),
        None => {
            let mut r = text(
                StatusCode::SERVICE_UNAVAILABLE,
                "the snapshot is not ready yet (the site has no indicators, or the first aggregation is running)",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("10"));
            r
        }
    }
}

/// A page (for form posts) or JSON (for the enhanced form) explaining a refusal.
pub(crate) fn refusal(state: &ApiState, form: bool, r: Refusal) -> Reply {
    let Refusal(status, lang, title_key, text_key) = r;
    let Some(cat) = state.catalogue() else {
        return text(StatusCode::SERVICE_UNAVAILABLE, NOT_LOADED);
    };
    let title = cat
        .strings
        .get(&lang, title_key)
        .unwrap_or(title_key)
        .to_string();
    let message = cat
        .strings
        .get(&lang, text_key)
        .unwrap_or(text_key)
        .to_string();
    if !form {
        return json(
            status,
            serde_json::json!({"error": title_key, "message": message}),
        );
    }
    match pages::render_notice(&cat, &lang, &title, &message, None) {
        Ok(html) => reply(status, "text/html; charset=utf-8", html),
        Err(_) => text(status, &message),
    }
}
