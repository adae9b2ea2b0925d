//! The collector's HTTP API, served by `kume serve` (with the site) or `kume serve --api-only`.
//!
//! `POST /api/v1/surveys/{id}/responses` takes a plain form post or JSON, validates it against
//! the published survey with the same evaluator `kume check` uses, and stores it through the
//! group-committing writer. A form post gets `303` to the thank-you page or `422` with the same
//! form rendered again (answers kept, errors beside the fields); JSON gets `201` or `422`.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode, header};

use super::form_data::{self, Fields};
use super::read_token::ReadToken;
use super::store::{self, Invitation, NewResponse, ResponseStore, Stored};
use crate::site::Site;
use crate::site::surveys;
use crate::survey::compile::Compiled;
use crate::survey::evaluate::{self, Outcome, Problem};
use crate::text::stable_hash;

/// Limits against oversized or abusive requests.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body: usize,
    pub max_fields: usize,
    pub max_field_len: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 64 * 1024,
            max_fields: 2000,
            max_field_len: 10_000,
        }
    }
}

/// What the API needs: the loaded site (surveys and templates) and the store.
pub struct ApiState {
    pub site: Arc<RwLock<Option<Site>>>,
    pub store: Arc<dyn ResponseStore>,
    pub limits: Limits,
    /// The public site's origin, allowed to submit JSON from the browser (CORS).
    pub allowed_origin: Option<String>,
    /// Per-client limit on submissions; None turns it off (benchmarks).
    pub limiter: Option<super::limit::RateLimiter>,
    /// Behind a reverse proxy: take the client's address from `X-Forwarded-For`.
    pub trust_forwarded: bool,
    /// Responses sent, by status code, for the metrics.
    pub answered: std::sync::Mutex<BTreeMap<u16, u64>>,
    /// Told about every new final response: re-aggregation, the build hook.
    pub on_final: std::sync::Mutex<Vec<std::sync::mpsc::Sender<()>>>,
    /// Guards `GET /api/v1/aggregates.json`; without it that endpoint does not exist.
    pub read_token: Option<ReadToken>,
    /// The latest public snapshot (`aggregates.json` as `kume aggregate` writes it).
    pub snapshot: RwLock<Option<Bytes>>,
}

type Reply = Response<Full<Bytes>>;

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

fn json(status: StatusCode, value: serde_json::Value) -> Reply {
    reply(status, "application/json", value.to_string())
}

fn text(status: StatusCode, message: &str) -> Reply {
    reply(status, "text/plain; charset=utf-8", format!("{message}\n"))
}

/// The client's address for rate limiting: the peer, or the proxy's `X-Forwarded-For`.
fn client(req: &Request<Incoming>, peer: std::net::IpAddr, state: &ApiState) -> std::net::IpAddr {
    if !state.trust_forwarded {
        return peer;
    }
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|ip| ip.trim().parse().ok())
        .unwrap_or(peer)
}

/// Handles every `/api/…` request: routes it, then logs it with a request id and counts it.
pub async fn handle(req: Request<Incoming>, peer: std::net::IpAddr, state: &ApiState) -> Reply {
    let start = std::time::Instant::now();
    // A log correlation id, not a secret: without randomness the request goes on unlabelled.
    let request_id = store::new_id().map_or_else(|_| "-".to_string(), |id| id[..16].to_string());
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let mut res = route(req, peer, state).await;
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

async fn route(req: Request<Incoming>, peer: std::net::IpAddr, state: &ApiState) -> Reply {
    if req.method() == Method::POST {
        if let Some(limiter) = &state.limiter {
            if let Err(wait) = limiter.check(client(&req, peer, state)) {
                let form = req.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
                    v.as_bytes()
                        .starts_with(b"application/x-www-form-urlencoded")
                });
                let mut r = refusal(
                    state,
                    form,
                    StatusCode::TOO_MANY_REQUESTS,
                    "tr",
                    "survey_rate_title",
                    "survey_rate_text",
                );
                if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return r;
            }
        }
    }
    let path = req.uri().path().to_string();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut res = match (req.method(), segments.as_slice()) {
        (&Method::GET, ["api", "v1", "health"]) => {
            json(StatusCode::OK, serde_json::json!({"status": "ok"}))
        }
        (&Method::GET, ["api", "v1", "metrics"]) => metrics(state),
        (&Method::GET, ["api", "v1", "aggregates.json"]) => aggregates(&req, state),
        (&Method::OPTIONS, ["api", "v1", "surveys", _, "responses"]) => {
            reply(StatusCode::NO_CONTENT, "text/plain", "")
        }
        (&Method::GET, ["api", "v1", "surveys", id, "form"]) => {
            let id = id.to_string();
            personal_form(req.uri().query(), &id, state)
        }
        (&Method::POST, ["api", "v1", "surveys", id, "responses"]) => {
            let id = id.to_string();
            submit(req, &id, state).await
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
    if let Some(origin) = &state.allowed_origin {
        if let Ok(v) = header::HeaderValue::from_str(origin) {
            let h = res.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                header::HeaderValue::from_static("POST, OPTIONS"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                header::HeaderValue::from_static("content-type, idempotency-key"),
            );
        }
    }
    res
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

fn metrics(state: &ApiState) -> Reply {
    use std::sync::atomic::Ordering::Relaxed;
    let s = state.store.stats();
    let body = format!(
        "# TYPE kume_responses_committed_total counter\nkume_responses_committed_total {}\n\
         # TYPE kume_commit_batches_total counter\nkume_commit_batches_total {}\n\
         # TYPE kume_commit_seconds_total counter\nkume_commit_seconds_total {}\n\
         # TYPE kume_commit_batch_max gauge\nkume_commit_batch_max {}\n",
        s.committed.load(Relaxed),
        s.batches.load(Relaxed),
        s.commit_micros.load(Relaxed) as f64 / 1e6,
        s.largest_batch.load(Relaxed),
    );
    let mut body = body;
    body.push_str("# TYPE kume_api_responses_total counter\n");
    for (status, n) in state
        .answered
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        body.push_str(&format!(
            "kume_api_responses_total{{status=\"{status}\"}} {n}\n"
        ));
    }
    reply(StatusCode::OK, "text/plain; version=0.0.4", body)
}

/// How the answers arrived: a form (answer with pages) or JSON (answer with JSON).
enum Body {
    Form(Fields),
    Json {
        answers: BTreeMap<String, serde_json::Value>,
        lang: Option<String>,
        key: Option<String>,
        token: Option<String>,
    },
}

async fn read_body(
    req: Request<Incoming>,
    limits: &Limits,
) -> Result<(Body, Option<String>), Reply> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let header_key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if content_type != "application/x-www-form-urlencoded" && content_type != "application/json" {
        return Err(text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send application/x-www-form-urlencoded (a form) or application/json",
        ));
    }
    // A client that stops sending half-way is not waited for forever.
    let collected = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        Limited::new(req.into_body(), limits.max_body).collect(),
    );
    let Ok(collected) = collected.await else {
        return Err(text(
            StatusCode::REQUEST_TIMEOUT,
            "the answers did not arrive in time; send them again",
        ));
    };
    let bytes = match collected {
        Ok(b) => b.to_bytes(),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return Err(text(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the answers are larger than {} bytes", limits.max_body),
            ));
        }
        Err(_) => {
            return Err(text(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            ));
        }
    };
    let body = if content_type == "application/json" {
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            text(
                StatusCode::BAD_REQUEST,
                &format!("the JSON is malformed: {e}"),
            )
        })?;
        let answers = value
            .get("answers")
            .and_then(|a| a.as_object())
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .ok_or_else(|| {
                text(
                    StatusCode::BAD_REQUEST,
                    "the JSON needs an `answers` object",
                )
            })?;
        Body::Json {
            answers,
            lang: value
                .get("lang")
                .and_then(|l| l.as_str())
                .map(str::to_string),
            key: value
                .get("key")
                .and_then(|k| k.as_str())
                .map(str::to_string),
            token: value
                .get("token")
                .and_then(|k| k.as_str())
                .map(str::to_string),
        }
    } else {
        Body::Form(
            form_data::parse_urlencoded(&bytes)
                .ok_or_else(|| text(StatusCode::BAD_REQUEST, "the form data is not valid UTF-8"))?,
        )
    };
    if oversized_key(&body, header_key.as_deref()) {
        return Err(text(
            StatusCode::BAD_REQUEST,
            &format!("the idempotency key is longer than {MAX_KEY_LEN} bytes"),
        ));
    }
    if let Body::Form(fields) = &body {
        let count: usize = fields.values().map(Vec::len).sum();
        if count > limits.max_fields
            || fields
                .values()
                .flatten()
                .any(|v| v.len() > limits.max_field_len)
        {
            return Err(text(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too many fields, or a field that is too long",
            ));
        }
    }
    Ok((body, header_key))
}

/// Longest idempotency key: the form's script sends a UUID (36 bytes); a longer key would only
/// fill the database.
const MAX_KEY_LEN: usize = 128;

fn oversized_key(body: &Body, header_key: Option<&str>) -> bool {
    let body_key = match body {
        Body::Form(fields) => fields
            .get("_key")
            .and_then(|v| v.iter().map(String::len).max()),
        Body::Json { key, .. } => key.as_ref().map(String::len),
    };
    body_key
        .into_iter()
        .chain(header_key.map(str::len))
        .any(|n| n > MAX_KEY_LEN)
}

/// A page (for form posts) or JSON (for the enhanced form) explaining a refusal.
fn refusal(
    state: &ApiState,
    form: bool,
    status: StatusCode,
    lang: &str,
    title_key: &str,
    text_key: &str,
) -> Reply {
    let guard = state.site.read().unwrap_or_else(|e| e.into_inner());
    let Some(site) = guard.as_ref() else {
        return text(StatusCode::SERVICE_UNAVAILABLE, "the site is not loaded");
    };
    let title = site
        .strings
        .get(lang, title_key)
        .unwrap_or(title_key)
        .to_string();
    let message = site
        .strings
        .get(lang, text_key)
        .unwrap_or(text_key)
        .to_string();
    if !form {
        return json(
            status,
            serde_json::json!({"error": title_key, "message": message}),
        );
    }
    match surveys::render_notice(site, lang, &title, &message) {
        Ok(html) => reply(status, "text/html; charset=utf-8", html),
        Err(_) => text(status, &message),
    }
}

async fn submit(req: Request<Incoming>, id: &str, state: &ApiState) -> Reply {
    let (body, header_key) = match read_body(req, &state.limits).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let is_form = matches!(body, Body::Form(_));
    // Validate and prepare the row while holding the site; store after releasing it.
    let prepared = {
        let guard = state.site.read().unwrap_or_else(|e| e.into_inner());
        let Some(site) = guard.as_ref() else {
            return text(
                StatusCode::SERVICE_UNAVAILABLE,
                "the site is not loaded; try again shortly",
            );
        };
        match site.surveys.iter().position(|c| c.survey.id == id) {
            Some(index) => prepare(site, state, index, body, header_key),
            None => Prepared::Refused(
                StatusCode::NOT_FOUND,
                "tr".into(),
                "survey_unknown_title",
                "survey_unknown_text",
            ),
        }
    };
    let (response, next) = match prepared {
        Prepared::Row(row, next) => (*row, next),
        Prepared::Invalid(reply) => return *reply,
        Prepared::Refused(status, lang, title, text) => {
            return refusal(state, is_form, status, &lang, title, text);
        }
    };
    let lang = response.lang.clone();
    let is_final = response.status == "final";
    let stored = state.store.insert(response).await;
    if is_final && matches!(stored, Stored::Created(_) | Stored::Updated(_)) {
        for tx in state
            .on_final
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = tx.send(());
        }
    }
    match stored {
        Stored::Created(id) | Stored::Duplicate(id) | Stored::Updated(id) => {
            if is_form {
                let mut r = reply(StatusCode::SEE_OTHER, "text/plain", "");
                if let Ok(v) = header::HeaderValue::from_str(&next) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                r
            } else {
                json(
                    StatusCode::CREATED,
                    serde_json::json!({"id": id, "next": next}),
                )
            }
        }
        Stored::Conflict => refusal(
            state,
            is_form,
            StatusCode::CONFLICT,
            &lang,
            "survey_conflict_title",
            "survey_conflict_text",
        ),
        Stored::Unavailable(reason) => {
            eprintln!("collector: store unavailable: {reason}");
            let mut r = refusal(
                state,
                is_form,
                StatusCode::SERVICE_UNAVAILABLE,
                &lang,
                "survey_unavailable_title",
                "survey_unavailable_text",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            r
        }
    }
}

enum Prepared {
    /// The row to store and where to send the respondent afterwards.
    Row(Box<NewResponse>, String),
    Invalid(Box<Reply>),
    Refused(StatusCode, String, &'static str, &'static str),
}

/// An invitation token and what it unlocks.
struct Invited {
    token: String,
    invitation: Invitation,
}

/// Looks the token up; `Err` is the refusal to send.
fn invited(
    state: &ApiState,
    survey: &str,
    token: Option<&str>,
    lang: &str,
) -> Result<Option<Invited>, Prepared> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match state.store.invitation(token) {
        Ok(Some(invitation)) if invitation.survey == survey => Ok(Some(Invited {
            token: token.to_string(),
            invitation,
        })),
        Ok(_) => Err(Prepared::Refused(
            StatusCode::FORBIDDEN,
            lang.to_string(),
            "survey_token_invalid_title",
            "survey_token_invalid_text",
        )),
        Err(_) => Err(Prepared::Refused(
            StatusCode::SERVICE_UNAVAILABLE,
            lang.to_string(),
            "survey_unavailable_title",
            "survey_unavailable_text",
        )),
    }
}

/// The answering period: `Some` refusal when the survey is not open now, in its time zone.
fn closed(survey: &crate::survey::model::Survey, lang: &str) -> Option<Prepared> {
    use crate::survey::model::{Period, now};
    match survey.period_at(now()) {
        Period::Open => None,
        Period::NotYetOpen => Some(Prepared::Refused(
            StatusCode::FORBIDDEN,
            lang.into(),
            "survey_not_open_title",
            "survey_not_open_text",
        )),
        Period::Closed => Some(Prepared::Refused(
            StatusCode::GONE,
            lang.into(),
            "survey_closed_title",
            "survey_closed_text",
        )),
    }
}

fn form_link(survey: &str, token: &str, lang: &str, notice: &str) -> String {
    format!("/api/v1/surveys/{survey}/form?t={token}&lang={lang}&notice={notice}")
}

/// Checks the period, the invitation and the answers; builds the row to store or the reply.
fn prepare(
    site: &Site,
    state: &ApiState,
    index: usize,
    body: Body,
    header_key: Option<String>,
) -> Prepared {
    let compiled: &Compiled = &site.surveys[index];
    let survey = &compiled.survey;
    let (requested_lang, token) = match &body {
        Body::Form(f) => (first(f, "_lang"), first(f, "_token")),
        Body::Json { lang, token, .. } => (lang.clone(), token.clone()),
    };
    let lang = requested_lang
        .filter(|l| survey.languages.contains(l))
        .unwrap_or_else(|| survey.languages[0].clone());
    if let Some(refusal) = closed(survey, &lang) {
        return refusal;
    }
    let invited = match invited(state, &survey.id, token.as_deref(), &lang) {
        Ok(i) => i,
        Err(refusal) => return refusal,
    };
    if survey.access == "invitation" && invited.is_none() {
        return Prepared::Refused(
            StatusCode::FORBIDDEN,
            lang,
            "survey_invitation_title",
            "survey_invitation_note",
        );
    }
    let (answers, fields, key, consent_given, draft) = match body {
        Body::Form(fields) => {
            // The honeypot: a field hidden from people; only robots fill it in.
            if fields
                .get("_website")
                .is_some_and(|v| v.iter().any(|x| !x.is_empty()))
            {
                return Prepared::Refused(
                    StatusCode::BAD_REQUEST,
                    lang,
                    "survey_rejected_title",
                    "survey_rejected_text",
                );
            }
            let answers = form_data::to_answers(survey, &fields, &lang);
            let key = first(&fields, "_key");
            let consent = fields
                .get("_consent")
                .is_some_and(|v| v.iter().any(|x| x == "yes"));
            let draft = first(&fields, "_action").as_deref() == Some("draft");
            (answers, Some(fields), key, consent, draft)
        }
        Body::Json { answers, key, .. } => {
            let consent = answers
                .get("_consent")
                .is_some_and(|v| v == &serde_json::Value::Bool(true) || v == "yes");
            (answers, None, key, consent, false)
        }
    };
    let outcome = if draft {
        // A draft is kept as typed; it is checked when it is sent for good.
        Outcome {
            values: answers
                .iter()
                .map(|(k, v)| (k.clone(), evaluate::to_value(v)))
                .collect(),
            ..Outcome::default()
        }
    } else {
        let mut outcome = evaluate::evaluate(survey, &answers);
        if survey.privacy.as_ref().is_some_and(|p| p.consent_required) && !consent_given {
            outcome
                .errors
                .entry("_consent".into())
                .or_default()
                .push(Problem {
                    code: "consent".into(),
                    params: BTreeMap::new(),
                    message: None,
                });
        }
        if !outcome.is_valid() {
            return Prepared::Invalid(Box::new(invalid(
                site,
                index,
                &lang,
                fields.as_ref(),
                &outcome,
                invited.as_ref().map(|i| i.token.as_str()),
            )));
        }
        outcome
    };
    if draft && invited.is_none() {
        return Prepared::Refused(
            StatusCode::FORBIDDEN,
            lang,
            "survey_invitation_title",
            "survey_invitation_note",
        );
    }
    let stored: BTreeMap<String, serde_json::Value> = outcome
        .values
        .iter()
        .filter(|(_, v)| !evaluate::is_blank(v))
        .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default()))
        .collect();
    let answers_json = serde_json::to_value(&stored).unwrap_or_default();
    let payload_hash = format!(
        "{:016x}",
        stable_hash(format!("{answers_json}{draft}").as_bytes())
    );
    let consent = survey.privacy.as_ref().map(|p| {
        let notice = p.notice.get(&lang).cloned().unwrap_or_default();
        let consent = p.consent.get(&lang).cloned().unwrap_or_default();
        serde_json::json!({
            "given": consent_given,
            "lang": lang,
            "notice_hash": format!("{:016x}", stable_hash(notice.as_bytes())),
            "consent_hash": format!("{:016x}", stable_hash(consent.as_bytes())),
        })
    });
    let thanks = surveys::thanks_url(&site.config, &site.strings, &lang, &survey.id)
        .unwrap_or_else(|| "/".into());
    let (idem_key, token_hash, cluster, firm, next) = match &invited {
        // One response per invitation and wave: sending again replaces it until the survey closes.
        Some(i) => {
            let hash = store::token_hash(&i.token);
            let next = if draft {
                form_link(&survey.id, &i.token, &lang, "saved")
            } else {
                thanks
            };
            (
                format!("{hash}:{}", survey.wave),
                Some(hash),
                i.invitation.cluster.clone(),
                i.invitation.firm.clone(),
                next,
            )
        }
        // Without a key (a form sent without JavaScript) every post is its own submission.
        None => match key.or(header_key).map_or_else(store::new_id, Ok) {
            Ok(key) => (key, None, None, None, thanks),
            // No random source, no unguessable key: refuse rather than store under a weak one.
            Err(_) => {
                return Prepared::Refused(
                    StatusCode::SERVICE_UNAVAILABLE,
                    lang,
                    "survey_unavailable_title",
                    "survey_unavailable_text",
                );
            }
        },
    };
    let row = NewResponse {
        survey: survey.id.clone(),
        hash: compiled.hash.clone(),
        wave: survey.wave,
        editable: invited.is_some(),
        idem_key,
        payload_hash,
        status: if draft { "draft" } else { "final" },
        lang,
        token_hash,
        cluster,
        firm,
        consent,
        answers: answers_json,
    };
    Prepared::Row(Box::new(row), next)
}

fn first(fields: &Fields, name: &str) -> Option<String> {
    fields
        .get(name)
        .and_then(|v| v.first())
        .filter(|v| !v.is_empty())
        .cloned()
}

/// `422`: the form again with answers and errors, or the errors as JSON.
fn invalid(
    site: &Site,
    index: usize,
    lang: &str,
    fields: Option<&Fields>,
    outcome: &Outcome,
    token: Option<&str>,
) -> Reply {
    let Some(fields) = fields else {
        let errors: BTreeMap<&String, Vec<&str>> = outcome
            .errors
            .iter()
            .map(|(k, ps)| (k, ps.iter().map(|p| p.code.as_str()).collect()))
            .collect();
        return json(
            StatusCode::UNPROCESSABLE_ENTITY,
            serde_json::json!({"errors": errors}),
        );
    };
    let submitted = surveys::Submitted {
        values: fields,
        outcome: Some(outcome),
        token,
        notice: None,
    };
    match surveys::render(
        site,
        surveys::SurveyPage::Form(index),
        lang,
        Some(&submitted),
    ) {
        Ok((_, html)) => reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            "text/html; charset=utf-8",
            html,
        ),
        Err(d) => text(StatusCode::UNPROCESSABLE_ENTITY, &d.to_string()),
    }
}

/// `GET /api/v1/surveys/{id}/form?t=TOKEN`: the form of a personal link, filled with what the
/// roster knows and with the saved draft or answer, so that resuming works on any device and
/// without JavaScript.
fn personal_form(query: Option<&str>, id: &str, state: &ApiState) -> Reply {
    let params: BTreeMap<String, String> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let guard = state.site.read().unwrap_or_else(|e| e.into_inner());
    let Some(site) = guard.as_ref() else {
        return text(StatusCode::SERVICE_UNAVAILABLE, "the site is not loaded");
    };
    let Some(index) = site.surveys.iter().position(|c| c.survey.id == id) else {
        drop(guard);
        return refusal(
            state,
            true,
            StatusCode::NOT_FOUND,
            "tr",
            "survey_unknown_title",
            "survey_unknown_text",
        );
    };
    let survey = &site.surveys[index].survey;
    let lang = params
        .get("lang")
        .filter(|l| survey.languages.contains(l))
        .cloned()
        .unwrap_or_else(|| survey.languages[0].clone());
    let refused = match closed(survey, &lang) {
        Some(r) => Some(r),
        None => match invited(state, id, params.get("t").map(String::as_str), &lang) {
            Ok(Some(i)) => {
                return render_personal(
                    site,
                    index,
                    &lang,
                    &i,
                    params.get("notice").map(String::as_str),
                    state,
                );
            }
            Ok(None) => Some(Prepared::Refused(
                StatusCode::FORBIDDEN,
                lang.clone(),
                "survey_token_invalid_title",
                "survey_token_invalid_text",
            )),
            Err(r) => Some(r),
        },
    };
    drop(guard);
    match refused {
        Some(Prepared::Refused(status, lang, title, text)) => {
            refusal(state, true, status, &lang, title, text)
        }
        _ => text(StatusCode::INTERNAL_SERVER_ERROR, "unexpected state"),
    }
}

fn render_personal(
    site: &Site,
    index: usize,
    lang: &str,
    invited: &Invited,
    notice: Option<&str>,
    state: &ApiState,
) -> Reply {
    let survey = &site.surveys[index].survey;
    let saved = state
        .store
        .saved_response(&survey.id, &invited.token)
        .ok()
        .flatten();
    let mut answers = invited
        .invitation
        .prefill
        .as_object()
        .cloned()
        .unwrap_or_default();
    if let Some((_, serde_json::Value::Object(saved))) = &saved {
        answers.extend(saved.clone());
    }
    let values = form_data::to_fields(survey, &answers, lang);
    let notice = match (notice, &saved) {
        (Some("saved"), _) => site
            .strings
            .get(lang, "survey_draft_saved")
            .map(str::to_string),
        (_, Some((status, _))) if status == "final" => site
            .strings
            .get(lang, "survey_edited_notice")
            .map(str::to_string),
        _ => None,
    };
    let submitted = surveys::Submitted {
        values: &values,
        outcome: None,
        token: Some(&invited.token),
        notice,
    };
    match surveys::render(
        site,
        surveys::SurveyPage::Form(index),
        lang,
        Some(&submitted),
    ) {
        Ok((_, html)) => reply(StatusCode::OK, "text/html; charset=utf-8", html),
        Err(d) => text(StatusCode::INTERNAL_SERVER_ERROR, &d.to_string()),
    }
}
