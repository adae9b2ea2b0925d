//! `GET /api/v1/surveys/{id}/form`: the form of a personal link, filled with what the roster
//! knows and with the saved draft or answer, so that resuming works on any device and without
//! JavaScript.
//!
//! The link carries the invitation token (`?t=TOKEN`) only once: the collector exchanges it for
//! an `HttpOnly`, `SameSite=Strict`, `Secure` cookie scoped to the survey's API path and
//! redirects (303) to an address without it, so the token stays out of browser history,
//! referrers and proxy logs. A link opened from an e-mail is a cross-site navigation, on which
//! browsers withhold `Strict` cookies even after the redirect; the collector then answers with
//! a page that moves on at once (a same-site navigation, which carries the cookie).

use std::collections::BTreeMap;

use hyper::body::Incoming;
use hyper::{Request, StatusCode, header};

use super::api::{ApiState, Reply, refusal, reply, text};
use super::form_data;
use super::submit::{Invited, Refusal, closed, invited};
use crate::survey::catalogue::Catalogue;
use crate::survey::pages;

/// The cookie holding the invitation token.
pub const COOKIE: &str = "kume_invitation";
/// How long the cookie lasts: a respondent may come back to a draft weeks later.
const COOKIE_SECONDS: u64 = 60 * 24 * 3600;

pub fn form(req: &Request<Incoming>, id: &str, state: &ApiState) -> Reply {
    let params: BTreeMap<String, String> =
        form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let Some(cat) = state.catalogue() else {
        return text(StatusCode::SERVICE_UNAVAILABLE, super::api::NOT_LOADED);
    };
    let Some(index) = cat.find(id) else {
        let unknown = Refusal(
            StatusCode::NOT_FOUND,
            "tr".into(),
            "survey_unknown_title",
            "survey_unknown_text",
        );
        return refusal(state, true, unknown);
    };
    let survey = &cat.surveys[index].survey;
    let lang = params
        .get("lang")
        .filter(|l| survey.languages.contains(l))
        .cloned()
        .unwrap_or_else(|| survey.languages[0].clone());
    let notice = params.get("notice").map(String::as_str);
    let from_link = params.get("t").filter(|t| !t.is_empty());
    let token = from_link.cloned().or_else(|| cookie_token(req));
    let refused = match closed(survey, &lang) {
        Some(r) => r,
        None => match invited(state, survey, token.as_deref(), &lang) {
            Ok(Some(i)) if from_link.is_some() => return exchange(id, &lang, notice, &i.token),
            Ok(Some(i)) => return render_personal(&cat, index, &lang, &i, notice, state),
            Ok(None) if params.get("opened").is_some_and(|o| o == "1") => {
                return move_on(&cat, id, &lang, notice);
            }
            Ok(None) => Refusal(
                StatusCode::FORBIDDEN,
                lang.clone(),
                "survey_token_invalid_title",
                "survey_token_invalid_text",
            ),
            Err(r) => r,
        },
    };
    refusal(state, true, refused)
}

fn form_address(id: &str, lang: &str, notice: Option<&str>, opened: &str) -> String {
    let notice = notice
        .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(|n| format!("&notice={n}"))
        .unwrap_or_default();
    format!("/api/v1/surveys/{id}/form?lang={lang}{notice}&opened={opened}")
}

/// The token from the link becomes a cookie; the browser goes on to an address without it.
fn exchange(id: &str, lang: &str, notice: Option<&str>, token: &str) -> Reply {
    let mut r = reply(StatusCode::SEE_OTHER, "text/plain", "");
    let location = form_address(id, lang, notice, "1");
    let cookie = format!(
        "{COOKIE}={token}; Path=/api/v1/surveys/{id}/; Max-Age={COOKIE_SECONDS}; HttpOnly; Secure; SameSite=Strict"
    );
    let headers = r.headers_mut();
    if let (Ok(location), Ok(cookie)) = (
        header::HeaderValue::from_str(&location),
        header::HeaderValue::from_str(&cookie),
    ) {
        headers.insert(header::LOCATION, location);
        headers.insert(header::SET_COOKIE, cookie);
    }
    r
}

/// The redirect arrived without the cookie (a link opened from another site): a page that
/// moves on at once, this time from our own site. A second miss means the browser keeps no
/// cookies, and that is said plainly.
fn move_on(cat: &Catalogue, id: &str, lang: &str, notice: Option<&str>) -> Reply {
    let title = cat.strings.get(lang, "survey_opening_title").unwrap_or("…");
    let message = cat.strings.get(lang, "survey_opening_text").unwrap_or("");
    let next = form_address(id, lang, notice, "2");
    match pages::render_notice(cat, lang, title, message, Some(&next)) {
        Ok(html) => reply(StatusCode::OK, "text/html; charset=utf-8", html),
        Err(d) => text(StatusCode::INTERNAL_SERVER_ERROR, &d.to_string()),
    }
}

/// The invitation token from the request's cookie, if any.
pub fn cookie_token(req: &Request<Incoming>) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

fn render_personal(
    cat: &Catalogue,
    index: usize,
    lang: &str,
    invited: &Invited,
    notice: Option<&str>,
    state: &ApiState,
) -> Reply {
    let survey = &cat.surveys[index].survey;
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
    let final_saved = saved.as_ref().is_some_and(|(status, _)| status == "final");
    let notice = match notice {
        Some("saved") => cat.strings.get(lang, "survey_draft_saved"),
        _ if final_saved => cat.strings.get(lang, "survey_edited_notice"),
        _ => None,
    };
    let submitted = pages::Submitted {
        values: &values,
        outcome: None,
        token: Some(&invited.token),
        notice: notice.map(str::to_string),
        final_saved,
    };
    match pages::render(cat, pages::SurveyPage::Form(index), lang, Some(&submitted)) {
        Ok((_, html)) => reply(StatusCode::OK, "text/html; charset=utf-8", html),
        Err(d) => text(StatusCode::INTERNAL_SERVER_ERROR, &d.to_string()),
    }
}
