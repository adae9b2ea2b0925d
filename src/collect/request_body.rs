//! Reading a submission's body within bounds: its type, its size, the time it may take, the
//! number and length of its fields, and its idempotency key — all checked before any answer
//! is looked at.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, StatusCode, header};

use super::api::{Reply, text};
use super::form_data::{self, Fields};

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

/// How the answers arrived: a form (answer with pages) or JSON (answer with JSON).
pub enum Body {
    Form(Fields),
    Json {
        answers: serde_json::Map<String, serde_json::Value>,
        lang: Option<String>,
        key: Option<String>,
        token: Option<String>,
    },
}

impl Body {
    pub fn is_form(&self) -> bool {
        matches!(self, Body::Form(_))
    }
}

/// A client that stops sending half-way is not waited for forever.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// After a body grew past the limit, this much more is read and thrown away, so that a client
/// that sends its whole body before reading can still read the `413` (as nginx's lingering
/// close does); past it the connection is closed.
const DISCARD_LIMIT: usize = 16 * 1024 * 1024;
const DISCARD_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest idempotency key: the form's script sends a UUID (36 bytes); a longer key would only
/// fill the database.
const MAX_KEY_LEN: usize = 128;

/// Reads and parses the body of a submission, with its `Idempotency-Key` header and its size
/// in bytes; `Err` is the reply that refuses it.
pub async fn read_body(
    req: Request<Incoming>,
    limits: &Limits,
) -> Result<(Body, Option<String>, usize), Reply> {
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
    let bytes = collect(req.into_body(), limits.max_body).await?;
    let body = if content_type == "application/json" {
        json_body(&bytes, limits).map_err(|(status, message)| text(status, &message))?
    } else {
        let fields = form_data::parse_urlencoded(&bytes)
            .ok_or_else(|| text(StatusCode::BAD_REQUEST, "the form data is not valid UTF-8"))?;
        let count: usize = fields.values().map(Vec::len).sum();
        if count > limits.max_fields
            || fields
                .values()
                .flatten()
                .any(|v| v.len() > limits.max_field_len)
        {
            return Err(too_many_fields());
        }
        Body::Form(fields)
    };
    if oversized_key(&body, header_key.as_deref()) {
        return Err(text(
            StatusCode::BAD_REQUEST,
            &format!("the idempotency key is longer than {MAX_KEY_LEN} bytes"),
        ));
    }
    Ok((body, header_key, bytes.len()))
}

const TOO_MANY_FIELDS: &str = "too many fields, or a field that is too long";

fn too_many_fields() -> Reply {
    text(StatusCode::PAYLOAD_TOO_LARGE, TOO_MANY_FIELDS)
}

/// The whole body, up to `max` bytes. A larger body is answered `413` after the rest of it has
/// been read and dropped (up to a bound), so the client sees the answer instead of a reset.
async fn collect(mut body: Incoming, max: usize) -> Result<Bytes, Reply> {
    let mut buf = BytesMut::new();
    let read = tokio::time::timeout(BODY_TIMEOUT, async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return Err(text(
                    StatusCode::BAD_REQUEST,
                    "the request body could not be read",
                ));
            };
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > max {
                    return Ok(false);
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(true)
    })
    .await;
    match read {
        Err(_) => Err(text(
            StatusCode::REQUEST_TIMEOUT,
            "the answers did not arrive in time; send them again",
        )),
        Ok(Err(reply)) => Err(reply),
        Ok(Ok(true)) => Ok(buf.freeze()),
        Ok(Ok(false)) => {
            discard(body).await;
            let mut reply = text(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the answers are larger than {max} bytes"),
            );
            reply.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
            Err(reply)
        }
    }
}

async fn discard(mut body: Incoming) {
    let mut dropped = 0usize;
    let _ = tokio::time::timeout(DISCARD_TIMEOUT, async {
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                dropped += data.len();
                if dropped > DISCARD_LIMIT {
                    break;
                }
            }
        }
    })
    .await;
}

/// A JSON body; `Err` is the status and message of the refusal.
fn json_body(bytes: &[u8], limits: &Limits) -> Result<Body, (StatusCode, String)> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            format!("the JSON is malformed: {e}"),
        )
    })?;
    let Some(serde_json::Value::Object(answers)) = value.get_mut("answers").map(std::mem::take)
    else {
        return Err((
            StatusCode::BAD_REQUEST,
            "the JSON needs an `answers` object".into(),
        ));
    };
    // The same bounds as a form: as many values, each as long.
    let mut budget = limits.max_fields;
    let max_len = limits.max_field_len;
    if !answers
        .iter()
        .all(|(k, v)| k.len() <= max_len && within(v, &mut budget, max_len))
    {
        return Err((StatusCode::PAYLOAD_TOO_LARGE, TOO_MANY_FIELDS.into()));
    }
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_string);
    Ok(Body::Json {
        lang: field("lang"),
        key: field("key"),
        token: field("token"),
        answers,
    })
}

/// Whether `value` holds at most `budget` values (keys and leaves) with no text or key longer
/// than `max_len` bytes.
fn within(value: &serde_json::Value, budget: &mut usize, max_len: usize) -> bool {
    let Some(left) = budget.checked_sub(1) else {
        return false;
    };
    *budget = left;
    match value {
        serde_json::Value::String(s) => s.len() <= max_len,
        serde_json::Value::Array(items) => items.iter().all(|v| within(v, budget, max_len)),
        serde_json::Value::Object(fields) => fields
            .iter()
            .all(|(k, v)| k.len() <= max_len && within(v, budget, max_len)),
        _ => true,
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bounds_count_every_value_and_measure_every_text() {
        let v: serde_json::Value = serde_json::json!({"a": [1, 2, {"b": "xyz"}]});
        assert!(within(&v, &mut 6, 3));
        assert!(!within(&v, &mut 5, 3), "six values");
        assert!(!within(&v, &mut 6, 2), "a text of three bytes");
    }
}
