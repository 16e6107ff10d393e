//! The first exchange format (no `schema`): one `request`, a first-URL
//! `preflight`, `redirects` and a final `response`. No longer the engine's
//! model (that is `crate::exchange`, schema 2); documents in this format are
//! read and upgraded by `Exchange::from_v1`. Also reachable as
//! `crate::model` for code not yet moved to legs (`src/probe/`,
//! `src/webrequest.rs`, `src/lab/`, `tests/probe.rs`); remove that alias
//! once nothing uses it.

use serde::{Deserialize, Serialize};

pub use crate::exchange::{
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
