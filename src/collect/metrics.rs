//! Prometheus metrics on their own listener (`kume serve --metrics-addr 127.0.0.1:9464`,
//! `GET /metrics`). They are kept off the public listener, so that no proxy rule for `/api/`
//! can ever expose them; the listener only binds to loopback.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::api::{ApiState, reply};

/// The metrics in Prometheus' text format: the writer's counters and the API's answers by
/// status code.
pub fn render(state: &ApiState) -> String {
    use std::fmt::Write;
    use std::sync::atomic::Ordering::Relaxed;
    let s = state.store.stats();
    let mut body = format!(
        "# TYPE kume_responses_committed_total counter\nkume_responses_committed_total {}\n\
         # TYPE kume_commit_batches_total counter\nkume_commit_batches_total {}\n\
         # TYPE kume_commit_seconds_total counter\nkume_commit_seconds_total {}\n\
         # TYPE kume_commit_batch_max gauge\nkume_commit_batch_max {}\n",
        s.committed.load(Relaxed),
        s.batches.load(Relaxed),
        s.commit_micros.load(Relaxed) as f64 / 1e6,
        s.largest_batch.load(Relaxed),
    );
    body.push_str("# TYPE kume_api_responses_total counter\n");
    for (status, n) in state
        .answered
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        let _ = writeln!(body, "kume_api_responses_total{{status=\"{status}\"}} {n}");
    }
    body
}

/// Answers `GET /metrics` on `listener` until the runtime stops. The scraper is the only
/// client, so connections are few and served one task each.
pub async fn serve(listener: TcpListener, state: Arc<ApiState>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(a) => a,
            Err(_) => {
                // Out of file descriptors or similar: wait instead of spinning.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| answer(req, state.clone()));
            let _ = http1::Builder::new()
                .header_read_timeout(Duration::from_secs(10))
                .timer(hyper_util::rt::TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    req: Request<Incoming>,
    state: Arc<ApiState>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(match (req.method(), req.uri().path()) {
        (&Method::GET, "/metrics") => {
            reply(StatusCode::OK, "text/plain; version=0.0.4", render(&state))
        }
        _ => reply(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "the metrics are at /metrics\n",
        ),
    })
}
