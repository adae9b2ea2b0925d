//! `POST /api/v1/surveys/{id}/responses`: one submission from its body to its stored row.
//!
//! 1. read the body within bounds ([`super::request_body`]);
//! 2. on the bounded blocking pool: check the answering period and the invitation, give the
//!    answers the survey's shape ([`super::shape`]), evaluate them, keep what is shown;
//! 3. store the row through the group-committing writer and answer only once it is durable.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode, header};

use super::api::{ApiState, Reply, json, refusal, reply, text};
use super::form_data::{self, Fields};
use super::request_body::{Body, read_body};
use super::shape::{self, Answers, Problems};
use super::store::{self, Invitation, NewResponse, Stored};
use crate::survey::catalogue::{self, Catalogue};
use crate::survey::compile::Compiled;
use crate::survey::evaluate::{self, Outcome, Problem};
use crate::survey::model::{Access, Survey};
use crate::survey::pages;
use crate::text::stable_hash;

/// A refusal: status, page language, and the UI strings of its title and text.
pub(crate) struct Refusal(
    pub StatusCode,
    pub String,
    pub &'static str,
    pub &'static str,
);

impl Refusal {
    fn new(status: StatusCode, lang: &str, title: &'static str, text: &'static str) -> Refusal {
        Refusal(status, lang.to_string(), title, text)
    }
}

/// Bodies up to this size are checked on the async worker that read them; larger ones on the
/// blocking pool. A form of a few dozen answers is well under it, and checking it takes a few
/// tens of microseconds.
const INLINE_BODY: usize = 4096;

enum Prepared {
    /// The row to store and where to send the respondent afterwards.
    Row(Box<NewResponse>, String),
    /// A reply ready to send: the form again with its errors, or "not loaded yet".
    Reply(Box<Reply>),
    Refused(Refusal),
}

impl From<Refusal> for Prepared {
    fn from(r: Refusal) -> Prepared {
        Prepared::Refused(r)
    }
}

pub async fn submit(
    req: Request<Incoming>,
    id: String,
    client: IpAddr,
    state: &Arc<ApiState>,
) -> Reply {
    let cookie_token = super::personal::cookie_token(&req);
    let (body, header_key, body_len) = match read_body(req, &state.limits).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let is_form = body.is_form();
    let sent = Sent {
        header_key,
        cookie_token,
        client,
    };
    let prepared = if body_len <= INLINE_BODY {
        // A small body is a small amount of work: handing it to another thread would cost
        // more than checking it here.
        Ok(prepare_for(state, &id, body, sent))
    } else {
        // Evaluation grows with the answers: a large body is checked on the blocking pool, a
        // few at a time, so that costly submissions never hold up the async workers (health
        // checks, other clients). The permit is given back before the answers are stored.
        let Ok(permit) = state.evaluations.acquire().await else {
            return text(StatusCode::SERVICE_UNAVAILABLE, "the collector is stopping");
        };
        let worker_state = state.clone();
        let prepared =
            tokio::task::spawn_blocking(move || prepare_for(&worker_state, &id, body, sent)).await;
        drop(permit);
        prepared
    };
    let (response, next) = match prepared {
        Ok(Prepared::Row(row, next)) => (*row, next),
        Ok(Prepared::Reply(reply)) => return *reply,
        Ok(Prepared::Refused(r)) => return refusal(state, is_form, r),
        Err(_) => {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the answers could not be checked; send them again",
            );
        }
    };
    store_and_answer(state, response, next, is_form).await
}

/// What came with the body: the `Idempotency-Key` header, the invitation cookie, the client.
struct Sent {
    header_key: Option<String>,
    cookie_token: Option<String>,
    client: IpAddr,
}

fn prepare_for(state: &ApiState, id: &str, body: Body, sent: Sent) -> Prepared {
    let Some(cat) = state.catalogue() else {
        return Prepared::Reply(Box::new(text(
            StatusCode::SERVICE_UNAVAILABLE,
            super::api::NOT_LOADED,
        )));
    };
    match cat.find(id) {
        Some(index) => prepare(&cat, state, index, body, sent),
        None => Refusal::new(
            StatusCode::NOT_FOUND,
            "tr",
            "survey_unknown_title",
            "survey_unknown_text",
        )
        .into(),
    }
}

async fn store_and_answer(
    state: &ApiState,
    response: NewResponse,
    next: String,
    is_form: bool,
) -> Reply {
    let lang = response.lang.clone();
    let is_final = response.status == "final";
    let stored = state.store.insert(response).await;
    if is_final && matches!(stored, Stored::Created(_) | Stored::Updated(_)) {
        state.tell_new_final();
    }
    let refused =
        |status, title, text| refusal(state, is_form, Refusal::new(status, &lang, title, text));
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
        Stored::Conflict => refused(
            StatusCode::CONFLICT,
            "survey_conflict_title",
            "survey_conflict_text",
        ),
        Stored::FinalKept => refused(
            StatusCode::CONFLICT,
            "survey_final_kept_title",
            "survey_final_kept_text",
        ),
        Stored::Unavailable(reason) => {
            tracing::error!(reason = %reason, "store unavailable");
            let mut r = refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "survey_unavailable_title",
                "survey_unavailable_text",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            r
        }
    }
}

/// An invitation token and what it unlocks.
pub(crate) struct Invited {
    pub token: String,
    pub invitation: Invitation,
}

/// Looks the token up: it must belong to this survey and to its current wave.
pub(crate) fn invited(
    state: &ApiState,
    survey: &Survey,
    token: Option<&str>,
    lang: &str,
) -> Result<Option<Invited>, Refusal> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match state.store.invitation(token) {
        Ok(Some(invitation))
            if invitation.survey == survey.id && invitation.wave == survey.wave =>
        {
            Ok(Some(Invited {
                token: token.to_string(),
                invitation,
            }))
        }
        Ok(_) => Err(Refusal::new(
            StatusCode::FORBIDDEN,
            lang,
            "survey_token_invalid_title",
            "survey_token_invalid_text",
        )),
        Err(_) => Err(Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            lang,
            "survey_unavailable_title",
            "survey_unavailable_text",
        )),
    }
}

/// The answering period: `Some` refusal when the survey is not open now, in its time zone.
pub(crate) fn closed(survey: &Survey, lang: &str) -> Option<Refusal> {
    use crate::survey::model::{Period, now};
    match survey.period_at(now()) {
        Period::Open => None,
        Period::NotYetOpen => Some(Refusal::new(
            StatusCode::FORBIDDEN,
            lang,
            "survey_not_open_title",
            "survey_not_open_text",
        )),
        Period::Closed => Some(Refusal::new(
            StatusCode::GONE,
            lang,
            "survey_closed_title",
            "survey_closed_text",
        )),
    }
}

pub(crate) fn form_link(survey: &str, lang: &str, notice: &str) -> String {
    format!("/api/v1/surveys/{survey}/form?lang={lang}&notice={notice}")
}

/// An invitation survey answered without a valid token, or a draft without one.
fn invitation_needed(lang: &str) -> Prepared {
    Refusal::new(
        StatusCode::FORBIDDEN,
        lang,
        "survey_invitation_title",
        "survey_invitation_note",
    )
    .into()
}

/// What a submission says besides its answers.
struct Posted {
    answers: Answers,
    fields: Option<Fields>,
    key: Option<String>,
    consent_given: bool,
    draft: bool,
    /// "Add another entry" pressed without JavaScript: show the form again, one entry longer.
    adding: bool,
}

/// The body → answers in the survey's shape; `Err` is the reply that refuses them.
/// `Err(Ok(..))`: the answers do not have the survey's shape (with the form's fields, to show
/// them again); `Err(Err(..))`: the submission is refused outright.
type NotPosted = Result<(Problems, Option<Fields>), Refusal>;

fn posted(survey: &Survey, body: Body, lang: &str) -> Result<Posted, NotPosted> {
    match body {
        Body::Form(fields) => {
            // The honeypot: a field hidden from people; only robots fill it in.
            if fields
                .get("_website")
                .is_some_and(|v| v.iter().any(|x| !x.is_empty()))
            {
                return Err(Err(Refusal::new(
                    StatusCode::BAD_REQUEST,
                    lang,
                    "survey_rejected_title",
                    "survey_rejected_text",
                )));
            }
            let (answers, problems) = form_data::to_answers(survey, &fields, lang);
            if !problems.is_empty() {
                return Err(Ok((problems, Some(fields))));
            }
            Ok(Posted {
                answers,
                key: first(&fields, "_key"),
                consent_given: fields
                    .get("_consent")
                    .is_some_and(|v| v.iter().any(|x| x == "yes")),
                draft: first(&fields, "_action").as_deref() == Some("draft"),
                adding: first(&fields, "_action").is_some_and(|a| a.starts_with("add:")),
                fields: Some(fields),
            })
        }
        Body::Json { answers, key, .. } => {
            let consent_given = answers
                .get("_consent")
                .is_some_and(|v| v == &serde_json::Value::Bool(true) || v == "yes");
            Ok(Posted {
                answers: shape::from_json(survey, &answers).map_err(|p| Ok((p, None)))?,
                fields: None,
                key,
                consent_given,
                draft: false,
                adding: false,
            })
        }
    }
}

/// Checks the period, the invitation and the answers; builds the row to store or the reply.
fn prepare(cat: &Catalogue, state: &ApiState, index: usize, body: Body, sent: Sent) -> Prepared {
    let compiled: &Compiled = &cat.surveys[index];
    let survey = &compiled.survey;
    let (requested_lang, token) = match &body {
        Body::Form(f) => (first(f, "_lang"), first(f, "_token")),
        Body::Json { lang, token, .. } => (lang.clone(), token.clone()),
    };
    let token = token.or(sent.cookie_token);
    let lang = requested_lang
        .filter(|l| survey.languages.contains(l))
        .unwrap_or_else(|| survey.languages[0].clone());
    if let Some(refusal) = closed(survey, &lang) {
        return refusal.into();
    }
    let invited = match invited(state, survey, token.as_deref(), &lang) {
        Ok(i) => i,
        Err(refusal) => return refusal.into(),
    };
    if survey.access == Access::Invitation && invited.is_none() {
        return invitation_needed(&lang);
    }
    if invited.is_none()
        && let Some(Err(_)) = state.open_limiter.as_ref().map(|l| l.check(sent.client))
    {
        return Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            &lang,
            "survey_rate_title",
            "survey_open_rate_text",
        )
        .into();
    }
    let mut posted = match posted(survey, body, &lang) {
        Ok(p) => p,
        Err(Err(refusal)) => return refusal.into(),
        Err(Ok((problems, fields))) => {
            let outcome = Outcome {
                errors: problems,
                ..Outcome::default()
            };
            let token = invited.as_ref().map(|i| i.token.as_str());
            let page = invalid(cat, index, &lang, fields.as_ref(), &outcome, token);
            return Prepared::Reply(Box::new(page));
        }
    };
    if posted.adding {
        // Nothing is checked or stored: the respondent is still filling the form in.
        let token = invited.as_ref().map(|i| i.token.as_str());
        let page = form_again(cat, index, &lang, posted.fields.as_ref(), None, token);
        return Prepared::Reply(Box::new(page));
    }
    shape::drop_unchosen_other(survey, &mut posted.answers);
    if posted.draft && invited.is_none() {
        return invitation_needed(&lang);
    }
    let kept = if posted.draft {
        // A draft is kept as typed; it is checked when it is sent for good.
        std::mem::take(&mut posted.answers)
    } else {
        let mut outcome = evaluate::evaluate(survey, &posted.answers);
        if survey.privacy.as_ref().is_some_and(|p| p.consent_required) && !posted.consent_given {
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
            let token = invited.as_ref().map(|i| i.token.as_str());
            return Prepared::Reply(Box::new(invalid(
                cat,
                index,
                &lang,
                posted.fields.as_ref(),
                &outcome,
                token,
            )));
        }
        shape::kept(survey, &posted.answers, &outcome)
    };
    let thanks = catalogue::thanks_url(&cat.config, &cat.strings, &lang, &survey.id)
        .unwrap_or_else(|| "/".into());
    let row = match new_row(
        compiled,
        &lang,
        kept,
        &posted,
        invited.as_ref(),
        sent.header_key,
    ) {
        Ok(row) => row,
        Err(refusal) => return refusal.into(),
    };
    let next = match (&invited, posted.draft) {
        (Some(_), true) => form_link(&survey.id, &lang, "saved"),
        _ => thanks,
    };
    Prepared::Row(Box::new(row), next)
}

/// The row to store. Anonymous keys and invitation keys live in separate namespaces (`a:`,
/// `i:`), so that no client key can ever name an invitation's response.
fn new_row(
    compiled: &Compiled,
    lang: &str,
    kept: Answers,
    posted: &Posted,
    invited: Option<&Invited>,
    header_key: Option<String>,
) -> Result<NewResponse, Refusal> {
    let survey = &compiled.survey;
    let answers = serde_json::Value::Object(kept.into_iter().collect());
    let draft = posted.draft;
    let payload_hash = format!(
        "{:016x}",
        stable_hash(format!("{answers}{draft}").as_bytes())
    );
    let consent = survey.privacy.as_ref().map(|p| {
        let notice = p.notice.get(lang).cloned().unwrap_or_default();
        let consent = p.consent.get(lang).cloned().unwrap_or_default();
        serde_json::json!({
            "given": posted.consent_given,
            "lang": lang,
            "notice_hash": format!("{:016x}", stable_hash(notice.as_bytes())),
            "consent_hash": format!("{:016x}", stable_hash(consent.as_bytes())),
        })
    });
    let (idem_key, token_hash, cluster, firm) = match invited {
        // One response per invitation and wave: sending again replaces it until the survey closes.
        Some(i) => {
            let hash = store::token_hash(&i.token);
            (
                format!("i:{hash}:{}", survey.wave),
                Some(hash),
                i.invitation.cluster.clone(),
                i.invitation.firm.clone(),
            )
        }
        // Without a key (a form sent without JavaScript) every post is its own submission.
        None => {
            let key = match posted.key.clone().or(header_key) {
                Some(key) => key,
                // No random source, no unguessable key: refuse rather than store a weak one.
                None => store::new_id().map_err(|_| {
                    Refusal::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        lang,
                        "survey_unavailable_title",
                        "survey_unavailable_text",
                    )
                })?,
            };
            (format!("a:{key}"), None, None, None)
        }
    };
    Ok(NewResponse {
        survey: survey.id.clone(),
        hash: compiled.hash.clone(),
        wave: survey.wave,
        editable: invited.is_some(),
        idem_key,
        payload_hash,
        status: if draft { "draft" } else { "final" },
        lang: lang.to_string(),
        token_hash,
        cluster,
        firm,
        consent,
        answers,
    })
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
    cat: &Catalogue,
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
    form_again(cat, index, lang, Some(fields), Some(outcome), token)
}

/// The form again with the answers as sent: `422` with the problems found, `200` without.
fn form_again(
    cat: &Catalogue,
    index: usize,
    lang: &str,
    fields: Option<&Fields>,
    outcome: Option<&Outcome>,
    token: Option<&str>,
) -> Reply {
    let status = if outcome.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let empty = Fields::new();
    let submitted = pages::Submitted {
        values: fields.unwrap_or(&empty),
        outcome,
        token,
        notice: None,
        final_saved: false,
    };
    match pages::render(cat, pages::SurveyPage::Form(index), lang, Some(&submitted)) {
        Ok((_, html)) => reply(status, "text/html; charset=utf-8", html),
        Err(d) => text(status, &d.to_string()),
    }
}
