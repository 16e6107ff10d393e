//! The first exchange format (no `schema`): one `request`, a first-URL
//! `preflight`, `redirects` and a final `response`. No longer the engine's
//! model (that is `crate::core::exchange`, schema 2); documents in this format are
//! read and upgraded by `Exchange::from_v1`. Also reachable as
//! `crate::input::v1` for code not yet moved to legs (`src/probe/`,
//! `src/webrequest.rs`, `src/lab/`, `tests/probe.rs`); remove that alias
//! once nothing uses it.

use serde::{Deserialize, Serialize};

use crate::core::exchange as x;

pub use crate::core::exchange::{
    Browser, Context, Credentials, Header, HeaderList, Mode, PreflightObservation, Reported, ResourceType,
};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Request {
    /// The first URL requested (before any redirect).
    pub url: String,
    /// As the page gave it (case kept: `patch` is not `PATCH`). Default GET.
    pub method: Option<String>,
    /// The page's origin, serialized (`https://app.example`), or `null`.
    /// When absent, the `Origin` request header stands in.
    pub origin: Option<String>,
    /// Request headers as sent on the first hop (ordered, repeats kept).
    pub headers: Vec<Header>,
    /// The headers the page's script set, when known (MAIN-world hook). When
    /// present these decide whether a preflight was needed; otherwise the
    /// engine works it out from `headers`, a seen preflight's
    /// `Access-Control-Request-Headers`, and what browsers add themselves.
    pub author_headers: Option<Vec<Header>>,
    #[serde(rename = "type")]
    pub resource_type: ResourceType,
    pub mode: Option<Mode>,
    pub credentials: Option<Credentials>,
    /// Whether the page's script saw the call reject (fetch) or fire `error`
    /// (XHR). `Some(true)` is how a Firefox user learns a request was blocked.
    pub rejected: Option<bool>,
    /// Response header names the page's script tried to read.
    pub read_headers: Vec<String>,
    /// The redirect mode, where known (`follow`, `error`, `manual`).
    pub redirect_mode: Option<String>,
    /// Where the call was made (file:line:column), for display only.
    pub call_site: Option<String>,
}

/// The preflight (`OPTIONS`) exchange, when one was observed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Preflight {
    /// The preflight's request headers (`Origin`,
    /// `Access-Control-Request-Method`, `Access-Control-Request-Headers`, ...).
    pub request_headers: Vec<Header>,
    /// Absent when the preflight failed before a response (network error).
    pub status: Option<u16>,
    /// Response headers. A redirect of the preflight is a 3xx status with a
    /// `Location` header here.
    pub headers: Vec<Header>,
    /// True when the source merged repeated header lines into one
    /// comma-separated value (webRequest does).
    pub headers_merged: bool,
    /// The network error that ended the preflight, if any.
    pub error: Option<String>,
}

/// One redirect response in the chain of the actual request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Hop {
    /// The URL that answered with this redirect.
    pub url: String,
    pub status: u16,
    /// Response headers, `Location` among them.
    pub headers: Vec<Header>,
    pub headers_merged: bool,
    /// The request headers sent on this hop, where known (the `Origin` the
    /// browser sent, for example).
    pub request_headers: Vec<Header>,
    /// The preflight the browser sent to this hop's `url` before the request
    /// it answered, when this URL was reached by a redirect (a preflighted
    /// request is preflighted again at every redirect target; measured in
    /// Chromium 156 and Firefox ESR 153). The first URL's preflight is
    /// [`Exchange::preflight`]; on `redirects[0]` this field is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<Preflight>,
}

/// The final response of the actual request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Response {
    /// The URL that answered; defaults to the end of the redirect chain.
    pub url: Option<String>,
    pub status: u16,
    pub headers: Vec<Header>,
    pub headers_merged: bool,
    /// The request headers sent to this URL, where known.
    pub request_headers: Vec<Header>,
    /// The preflight the browser sent to this URL before the request, when
    /// the URL was reached by a redirect (see [`Hop::preflight`]). Ignored
    /// when there was no redirect: the first URL's preflight is
    /// [`Exchange::preflight`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<Preflight>,
}

/// Everything observed of one cross-origin request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Exchange {
    /// A caller's label (HAR entry index, webRequest requestId); echoed back.
    pub id: Option<String>,
    /// The browser that made the request, when known.
    pub browser: Option<Browser>,
    pub request: Request,
    /// The preflight sent to the request's first URL. Preflights sent after a
    /// redirect are on the hop (or response) they preceded.
    pub preflight: Option<Preflight>,
    pub preflight_observation: PreflightObservation,
    /// Redirect responses of the actual request, in order.
    pub redirects: Vec<Hop>,
    /// The final response; absent when the request failed before one.
    pub response: Option<Response>,
    /// The browser's error string (`net::ERR_FAILED`, `NS_ERROR_DOM_BAD_URI`,
    /// `net::ERR_CONNECTION_REFUSED`, ...).
    pub error: Option<String>,
    /// `ip:port` of the server, where known.
    pub remote_address: Option<String>,
    pub reported: Option<Reported>,
    pub context: Option<Context>,
}

impl Hop {
    /// The preflight sent to this hop's URL (see the `preflight` field).
    pub fn preflight_sent(&self) -> Option<&Preflight> {
        self.preflight.as_ref()
    }
}

impl Response {
    /// The preflight sent to this response's URL (see [`Hop::preflight_sent`]).
    pub fn preflight_sent(&self) -> Option<&Preflight> {
        self.preflight.as_ref()
    }
}

impl Request {
    /// The method as given, `GET` when absent.
    pub fn method(&self) -> &str {
        self.method.as_deref().unwrap_or("GET")
    }
}

// ---------------------------------------------------------------------------
// The first format.

impl x::Exchange {
    /// Upgrades an exchange of the first format. Lossless for everything
    /// that format could say:
    /// - `request.url`, `request.headers` and the first-URL `preflight`
    ///   become `legs[0]`;
    /// - each redirect hop is a leg whose response is the redirect; its
    ///   `preflight` (ignored on `redirects[0]` in that format) is the leg's;
    /// - the final `response` is the last leg, at its `url`, else at the
    ///   last redirect's `Location` resolved against that hop's URL (else the
    ///   request URL); a `status: 0` response (the carrier of a preflight
    ///   that no request followed) keeps its preflight and has no response;
    /// - a chain that ends at a redirect without `response` has no leg
    ///   after it (the format cannot say whether the target was tried).
    pub fn from_v1(v1: &Exchange) -> x::Exchange {
        let r = &v1.request;
        let page = x::PageRequest {
            origin: r.origin.clone(),
            method: r.method.clone(),
            author_headers: r.author_headers.clone(),
            resource_type: r.resource_type,
            mode: r.mode,
            credentials: r.credentials,
            redirect_mode: r.redirect_mode.clone(),
            rejected: r.rejected,
            read_headers: r.read_headers.clone(),
            call_site: r.call_site.clone(),
        };
        let pf = |p: &Preflight| x::Preflight {
            request_headers: p.request_headers.clone(),
            // Status 0 is how that format (and HAR) wrote "no response".
            response: p.status.filter(|s| *s != 0).map(|status| x::Response {
                status,
                headers: p.headers.clone(),
                headers_merged: p.headers_merged,
            }),
            error: p.error.clone(),
        };
        let mut legs: Vec<x::Leg> = Vec::new();
        for (i, hop) in v1.redirects.iter().enumerate() {
            let url = if hop.url.is_empty() && i == 0 { r.url.clone() } else { hop.url.clone() };
            let request_headers = if i == 0 && hop.request_headers.is_empty() {
                r.headers.clone()
            } else {
                hop.request_headers.clone()
            };
            let preflight = if i == 0 { v1.preflight.as_ref().map(pf) } else { hop.preflight.as_ref().map(pf) };
            legs.push(x::Leg {
                url,
                method: None,
                preflight,
                request_headers,
                response: Some(x::Response {
                    status: hop.status,
                    headers: hop.headers.clone(),
                    headers_merged: hop.headers_merged,
                }),
            });
        }
        let first_leg_is_final = v1.redirects.is_empty();
        match &v1.response {
            Some(resp) => {
                let url = match resp.url.as_deref().filter(|u| !u.trim().is_empty()) {
                    Some(u) => u.to_string(),
                    None if first_leg_is_final => r.url.clone(),
                    None => next_url(&v1.redirects, &r.url).unwrap_or_default(),
                };
                let request_headers = if first_leg_is_final && resp.request_headers.is_empty() {
                    r.headers.clone()
                } else {
                    resp.request_headers.clone()
                };
                let preflight = if first_leg_is_final {
                    v1.preflight.as_ref().map(pf)
                } else {
                    resp.preflight.as_ref().map(pf)
                };
                legs.push(x::Leg {
                    url,
                    method: None,
                    preflight,
                    request_headers,
                    response: (resp.status != 0).then(|| x::Response {
                        status: resp.status,
                        headers: resp.headers.clone(),
                        headers_merged: resp.headers_merged,
                    }),
                });
            }
            None if first_leg_is_final => legs.push(x::Leg {
                url: r.url.clone(),
                method: None,
                preflight: v1.preflight.as_ref().map(pf),
                request_headers: r.headers.clone(),
                response: None,
            }),
            None => {}
        }
        x::Exchange {
            schema: x::SCHEMA,
            id: v1.id.clone(),
            browser: v1.browser,
            page,
            legs,
            preflight_observation: v1.preflight_observation,
            end: x::End::Unrecorded,
            error: v1.error.clone(),
            remote_address: v1.remote_address.clone(),
            reported: v1.reported.clone(),
            context: v1.context.clone(),
        }
    }
}

/// The last redirect's `Location`, resolved against its URL (else the request URL).
fn next_url(hops: &[Hop], request_url: &str) -> Option<String> {
    let last = hops.last()?;
    let base = if last.url.is_empty() { request_url } else { last.url.as_str() };
    let loc = last.headers.values("location").next()?;
    crate::core::fetch::origin::resolve(base, loc.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::exchange::check_schema;

    fn h(n: &str, v: &str) -> Header {
        Header::new(n, v)
    }

    #[test]
    fn a_simple_request_is_one_leg() {
        let old = Exchange {
            request: Request {
                url: "http://b.test/x".into(),
                origin: Some("http://a.test".into()),
                headers: vec![h("Origin", "http://a.test")],
                ..Default::default()
            },
            response: Some(Response { status: 200, headers: vec![h("Access-Control-Allow-Origin", "*")], ..Default::default() }),
            ..Default::default()
        };
        let ex = x::Exchange::from_v1(&old);
        assert_eq!(ex.schema, 2);
        assert_eq!(ex.legs.len(), 1);
        assert_eq!(ex.url(), "http://b.test/x");
        assert_eq!(ex.legs[0].request_headers, vec![h("Origin", "http://a.test")]);
        assert_eq!(ex.legs[0].response.as_ref().map(|r| r.status), Some(200));
        assert_eq!(ex.page.origin.as_deref(), Some("http://a.test"));
    }

    #[test]
    fn preflights_after_redirects_sit_on_their_leg() {
        let pf = |s: u16| Preflight { status: Some(s), ..Default::default() };
        let old = Exchange {
            request: Request { url: "http://b.test/1".into(), method: Some("PUT".into()), ..Default::default() },
            preflight: Some(pf(204)),
            redirects: vec![
                Hop { url: "http://b.test/1".into(), status: 307, headers: vec![h("Location", "/2")], ..Default::default() },
                Hop { url: "http://b.test/2".into(), status: 307, headers: vec![h("Location", "http://c.test/3")], preflight: Some(pf(200)), ..Default::default() },
            ],
            // The preflight to the third URL failed: the status-0 carrier.
            response: Some(Response { status: 0, preflight: Some(pf(403)), ..Default::default() }),
            ..Default::default()
        };
        let ex = x::Exchange::from_v1(&old);
        let urls: Vec<&str> = ex.legs.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(urls, ["http://b.test/1", "http://b.test/2", "http://c.test/3"]);
        let pf_status = |i: usize| ex.legs[i].preflight.as_ref().and_then(|p| p.response.as_ref()).map(|r| r.status);
        assert_eq!((pf_status(0), pf_status(1), pf_status(2)), (Some(204), Some(200), Some(403)));
        assert!(ex.legs[2].response.is_none(), "the request its preflight stopped has no response");
    }

    #[test]
    fn a_chain_ending_at_a_redirect_has_no_leg_after_it() {
        let old = Exchange {
            request: Request { url: "http://b.test/1".into(), ..Default::default() },
            redirects: vec![Hop { url: "http://b.test/1".into(), status: 302, headers: vec![h("Location", "http://c.test/")], ..Default::default() }],
            error: Some("net::ERR_FAILED".into()),
            ..Default::default()
        };
        let ex = x::Exchange::from_v1(&old);
        assert_eq!(ex.legs.len(), 1);
        assert_eq!(ex.error.as_deref(), Some("net::ERR_FAILED"));
    }

    #[test]
    fn no_response_keeps_the_first_leg() {
        let old = Exchange {
            request: Request { url: "http://b.test/1".into(), ..Default::default() },
            preflight: Some(Preflight { status: None, error: Some("net::ERR_CONNECTION_REFUSED".into()), ..Default::default() }),
            ..Default::default()
        };
        let ex = x::Exchange::from_v1(&old);
        assert_eq!(ex.legs.len(), 1);
        let p = ex.legs[0].preflight.as_ref().map(|p| (p.response.is_none(), p.error.clone()));
        assert_eq!(p, Some((true, Some("net::ERR_CONNECTION_REFUSED".into()))));
    }

    #[test]
    fn schemas() {
        assert_eq!(check_schema(&serde_json::json!({"request": {}})), Ok(1));
        assert_eq!(check_schema(&serde_json::json!({"schema": 2})), Ok(2));
        assert_eq!(check_schema(&serde_json::json!({"legs": []})), Ok(2));
        assert_eq!(check_schema(&serde_json::json!({"legs": [], "request": {}})), Ok(1));
        assert_eq!(check_schema(&serde_json::json!({"schema": 1})), Ok(1));
        assert!(check_schema(&serde_json::json!({"schema": 3})).unwrap_err().contains("newer"));
        assert!(check_schema(&serde_json::json!({"schema": "x"})).is_err());
    }

}
