//! The exchange, schema 2: what happened to one request, leg by leg.
//!
//! A request the page made goes to one URL, and to one more for every
//! redirect it follows. Each of those is a [`Leg`]: the URL, the preflight
//! the browser sent there first (when it sent one), the request headers it
//! sent, and the response, when one arrived. What the page asked for (its
//! origin, method, headers, mode, credentials) is the [`PageRequest`]; what
//! the browser recorded of the end is [`End`] and `error`. Nothing is
//! encoded by position or by a stand-in: the preflight before redirect
//! target *k* is `legs[k].preflight`, and a request its preflight stopped
//! is a leg with a preflight and no response.
//!
//! This is the engine's input and the project's exchange JSON (documented
//! in `docs/exchange-format.md`). Documents carry `"schema": 2`; a document
//! without `schema` is the first format (`crate::model`, one `request`,
//! `preflight`, `redirects`, `response`) and is upgraded by
//! [`Exchange::from_v1`]; a document of another schema is refused with a
//! message that says so (see [`check_schema`]).

use serde::{Deserialize, Serialize};

pub use crate::fetch::headers::{Header, HeaderList};

/// The first format's types, read to be upgraded ([`Exchange::from_v1`]);
/// also `crate::model`, for code not yet moved to legs.
pub mod v1;

/// The browser whose behaviour is being reproduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Browser {
    Chromium,
    Firefox,
}

impl Browser {
    pub const ALL: [Browser; 2] = [Browser::Chromium, Browser::Firefox];
    pub fn as_str(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox",
        }
    }
}

/// The request's mode (Fetch Standard "request mode").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Cors,
    NoCors,
    SameOrigin,
    Navigate,
    Websocket,
}

/// The request's credentials mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Credentials {
    Omit,
    SameOrigin,
    Include,
}

/// What kind of resource the request was for. The vocabulary is the union of
/// webRequest's `type`, HAR's `_resourceType` and the Fetch Standard's
/// destinations; sources translate into it at the edge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceType {
    Fetch,
    Xhr,
    Image,
    Font,
    Script,
    ModuleScript,
    Stylesheet,
    Media,
    Document,
    Subdocument,
    Websocket,
    EventSource,
    Beacon,
    Preflight,
    #[default]
    Other,
}

/// Whether a preflight was observed, and if not, why not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PreflightObservation {
    /// The source does not say (the default): a missing `preflight` may mean
    /// there was none, or that it was cached or hidden.
    #[default]
    Unknown,
    /// The source sees every preflight; none was sent.
    NotSent,
    /// The source cannot see preflights (Chromium webRequest without
    /// `extraHeaders`, some HAR exports).
    Hidden,
    /// The browser answered from its preflight cache.
    Cached,
}

/// What the browser itself said, when the source recorded it. Used to reach
/// reasons that headers alone cannot produce (`CORSDisabled`,
/// `CORSOriginHeaderNotAdded`) and to flag disagreement with the engine.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Reported {
    /// Chromium's `CorsError` name from CDP (`MissingAllowOriginHeader`).
    pub cors_error: Option<String>,
    /// Chromium's `failedParameter`.
    pub failed_parameter: Option<String>,
    /// Firefox's console message key (`CORSMissingAllowOrigin2`).
    pub firefox_key: Option<String>,
    /// The console message text, as printed.
    pub message: Option<String>,
}

/// Facts about the client and the network, for checks that headers do not
/// decide: Local Network Access, disabled CORS, expanded principals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Context {
    /// The initiator's address space: `public`, `local`, `loopback`.
    pub initiator_address_space: Option<String>,
    /// The resource's address space, as the browser found it.
    pub target_address_space: Option<String>,
    /// The `targetAddressSpace` the page declared on fetch(), if any.
    pub declared_target_address_space: Option<String>,
    /// Whether the page is a secure context.
    pub secure_context: Option<bool>,
    /// State of the Local Network Access permission: `granted`, `denied`, `prompt`.
    pub local_network_permission: Option<String>,
    /// Firefox's `content.cors.disable` pref.
    pub cors_disabled: Option<bool>,
    /// The request came from a context with an expanded principal (a Firefox
    /// extension content script mixing the page's and its own principal).
    pub expanded_principal: Option<bool>,
}


/// The schema this build reads and writes.
pub const SCHEMA: u32 = 2;

fn schema_default() -> u32 {
    SCHEMA
}

/// Everything observed of one request the page made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Exchange {
    /// Always [`SCHEMA`] once read (a first-format document is upgraded).
    #[serde(default = "schema_default")]
    pub schema: u32,
    /// A caller's label (HAR entry index, webRequest requestId); echoed back.
    pub id: Option<String>,
    /// The browser that made the request, when known.
    pub browser: Option<Browser>,
    /// What the page asked for.
    pub page: PageRequest,
    /// Every URL the request went to, in order: `legs[0]` is the URL the
    /// page requested, `legs[k + 1]` the target of `legs[k]`'s redirect. A
    /// leg exists for every URL the browser sent (or tried to send) a
    /// preflight or the request to; a redirect target it never tried is not
    /// a leg. Never empty in a valid exchange: `legs[0].url` is the one
    /// required field.
    pub legs: Vec<Leg>,
    /// Whether a missing preflight means none was sent (see the type).
    pub preflight_observation: PreflightObservation,
    /// How the request ended, as far as the browser recorded it.
    pub end: End,
    /// The browser's error string for the request (`net::ERR_FAILED`,
    /// `NS_ERROR_DOM_BAD_URI`, `net::ERR_CONNECTION_REFUSED`, ...).
    pub error: Option<String>,
    /// `ip:port` of the server, where known.
    pub remote_address: Option<String>,
    /// What the browser itself said (console key, CDP `CorsError`).
    pub reported: Option<Reported>,
    /// Client and network facts headers do not show.
    pub context: Option<Context>,
}

impl Default for Exchange {
    fn default() -> Self {
        Exchange {
            schema: SCHEMA,
            id: None,
            browser: None,
            page: PageRequest::default(),
            legs: Vec::new(),
            preflight_observation: PreflightObservation::default(),
            end: End::default(),
            error: None,
            remote_address: None,
            reported: None,
            context: None,
        }
    }
}

/// What the page asked for: the call it made, as far as the source knows
/// it. Nothing here was observed on the network.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PageRequest {
    /// The page's origin, serialized (`https://app.example`), or `null`.
    /// When absent, the `Origin` the browser sent on the first leg stands in
    /// (see the engine's one page-origin function).
    pub origin: Option<String>,
    /// As the page gave it (case kept: `patch` is not `PATCH`). Default GET.
    pub method: Option<String>,
    /// The headers the page's script set, when known (MAIN-world hook).
    /// When present these decide whether a preflight was needed.
    pub author_headers: Option<Vec<Header>>,
    #[serde(rename = "type")]
    pub resource_type: ResourceType,
    pub mode: Option<Mode>,
    pub credentials: Option<Credentials>,
    /// The redirect mode, where known (`follow`, `error`, `manual`).
    pub redirect_mode: Option<String>,
    /// Whether the page saw the call fail (fetch rejected, XHR or element
    /// `error`); `Some(false)`: it saw it succeed.
    pub rejected: Option<bool>,
    /// Response header names the page's script tried to read.
    pub read_headers: Vec<String>,
    /// Where the call was made (file:line:column), for display only.
    pub call_site: Option<String>,
}

impl PageRequest {
    /// The method as given, `GET` when absent.
    pub fn method(&self) -> &str {
        self.method.as_deref().unwrap_or("GET")
    }
}

/// One URL of the request's way: what was sent there and what came back.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Leg {
    pub url: String,
    /// The method sent on this leg, where the source recorded it (a 303
    /// turns a POST into a GET). None: the engine derives it.
    pub method: Option<String>,
    /// The preflight the browser sent to this URL before the request, when
    /// one was observed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preflight: Option<Preflight>,
    /// The request headers sent on this leg, as far as the source shows them
    /// (the `Origin` the browser sent, for example). Empty: not recorded, or
    /// never sent.
    pub request_headers: Vec<Header>,
    /// The response to the request on this leg: a redirect on every leg but
    /// the last. None when nothing came back: the preflight stopped it, a
    /// network error, or the browser never sent it.
    pub response: Option<Response>,
}

/// The preflight (`OPTIONS`) exchange to one URL.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Preflight {
    /// The preflight's request headers (`Origin`,
    /// `Access-Control-Request-Method`, `Access-Control-Request-Headers`, ...).
    pub request_headers: Vec<Header>,
    /// None when the preflight failed before a response (`error` says why).
    pub response: Option<Response>,
    /// The network error that ended the preflight, if any.
    pub error: Option<String>,
}

/// One HTTP response, as received.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Response {
    pub status: u16,
    /// In the order received, repeats kept (as far as the source kept them).
    pub headers: Vec<Header>,
    /// True when the source merged repeated header lines into one
    /// comma-separated value (webRequest does).
    pub headers_merged: bool,
}

/// How the request ended, as the browser recorded it. Only a source that
/// records an outcome sets anything but `Unrecorded`: Chromium does (a
/// DevTools HAR entry without `_error`, webRequest's `onCompleted`, is a
/// response the browser delivered); Firefox does not (its webRequest and
/// its HAR export complete a response that CORS blocked like any other).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum End {
    /// The source does not record how requests end.
    #[default]
    Unrecorded,
    /// The browser delivered the response (no error was recorded, and the
    /// source records errors).
    Completed,
    /// The browser failed the request; `Exchange::error` holds its error.
    Failed,
    /// The browser never sent the request (Firefox's HAR: status 0 and no
    /// timings).
    NotSent,
}

impl Exchange {
    /// The URL the page requested (`legs[0].url`; "" when there is no leg).
    pub fn url(&self) -> &str {
        self.legs.first().map(|l| l.url.as_str()).unwrap_or("")
    }

    /// The last leg's response: the final response, or the redirect the
    /// request stopped at.
    pub fn last_response(&self) -> Option<&Response> {
        self.legs.last().and_then(|l| l.response.as_ref())
    }
}

/// Whether a document's `schema` is one this build reads: `Ok(2)` for this
/// one, `Ok(1)` for the first format (no `schema`, or `"schema": 1`), else
/// an error message for the user. A document without `schema` that has
/// `legs` and no `request` is read as this schema.
pub fn check_schema(v: &serde_json::Value) -> Result<u32, String> {
    match v.get("schema") {
        None | Some(serde_json::Value::Null) => {
            Ok(if v.get("legs").is_some() && v.get("request").is_none() { 2 } else { 1 })
        }
        Some(s) => match s.as_u64() {
            Some(2) => Ok(2),
            Some(1) => Ok(1),
            Some(n) if n > u64::from(SCHEMA) => Err(format!(
                "exchange schema {n} is newer than this whycors reads ({SCHEMA}): upgrade whycors"
            )),
            _ => Err(format!(
                "unknown exchange schema {s}: this whycors reads schema {SCHEMA} (and upgrades documents without a schema)"
            )),
        },
    }
}

// ---------------------------------------------------------------------------
// The first format.

impl Exchange {
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
    pub fn from_v1(v1: &v1::Exchange) -> Exchange {
        let r = &v1.request;
        let page = PageRequest {
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
        let pf = |p: &v1::Preflight| Preflight {
            request_headers: p.request_headers.clone(),
            // Status 0 is how that format (and HAR) wrote "no response".
            response: p.status.filter(|s| *s != 0).map(|status| Response {
                status,
                headers: p.headers.clone(),
                headers_merged: p.headers_merged,
            }),
            error: p.error.clone(),
        };
        let mut legs: Vec<Leg> = Vec::new();
        for (i, hop) in v1.redirects.iter().enumerate() {
            let url = if hop.url.is_empty() && i == 0 { r.url.clone() } else { hop.url.clone() };
            let request_headers = if i == 0 && hop.request_headers.is_empty() {
                r.headers.clone()
            } else {
                hop.request_headers.clone()
            };
            let preflight = if i == 0 { v1.preflight.as_ref().map(pf) } else { hop.preflight.as_ref().map(pf) };
            legs.push(Leg {
                url,
                method: None,
                preflight,
                request_headers,
                response: Some(Response {
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
                legs.push(Leg {
                    url,
                    method: None,
                    preflight,
                    request_headers,
                    response: (resp.status != 0).then(|| Response {
                        status: resp.status,
                        headers: resp.headers.clone(),
                        headers_merged: resp.headers_merged,
                    }),
                });
            }
            None if first_leg_is_final => legs.push(Leg {
                url: r.url.clone(),
                method: None,
                preflight: v1.preflight.as_ref().map(pf),
                request_headers: r.headers.clone(),
                response: None,
            }),
            None => {}
        }
        Exchange {
            schema: SCHEMA,
            id: v1.id.clone(),
            browser: v1.browser,
            page,
            legs,
            preflight_observation: v1.preflight_observation,
            end: End::Unrecorded,
            error: v1.error.clone(),
            remote_address: v1.remote_address.clone(),
            reported: v1.reported.clone(),
            context: v1.context.clone(),
        }
    }
}

impl Exchange {
    /// The first format's exchange, for code not yet moved to legs
    /// (`src/probe/`, `src/webrequest.rs`, `tests/probe.rs` still call it;
    /// remove it with [`AsLegs`] once they do not). Loses only what that
    /// format cannot say: `end`, each leg's `method`, and a leg after a
    /// redirect chain's end that has neither a preflight nor a response.
    pub fn to_v1(&self) -> v1::Exchange {
        
        let pf = |p: &Preflight| v1::Preflight {
            request_headers: p.request_headers.clone(),
            status: p.response.as_ref().map(|r| r.status),
            headers: p.response.as_ref().map(|r| r.headers.clone()).unwrap_or_default(),
            headers_merged: p.response.as_ref().is_some_and(|r| r.headers_merged),
            error: p.error.clone(),
        };
        let first = self.legs.first();
        let mut out = v1::Exchange {
            id: self.id.clone(),
            browser: self.browser,
            request: v1::Request {
                url: self.url().to_string(),
                method: self.page.method.clone(),
                origin: self.page.origin.clone(),
                headers: first.map(|l| l.request_headers.clone()).unwrap_or_default(),
                author_headers: self.page.author_headers.clone(),
                resource_type: self.page.resource_type,
                mode: self.page.mode,
                credentials: self.page.credentials,
                rejected: self.page.rejected,
                read_headers: self.page.read_headers.clone(),
                redirect_mode: self.page.redirect_mode.clone(),
                call_site: self.page.call_site.clone(),
            },
            preflight: first.and_then(|l| l.preflight.as_ref()).map(pf),
            preflight_observation: self.preflight_observation,
            redirects: Vec::new(),
            response: None,
            error: self.error.clone(),
            remote_address: self.remote_address.clone(),
            reported: self.reported.clone(),
            context: self.context.clone(),
        };
        let n = self.legs.len();
        for (i, leg) in self.legs.iter().enumerate() {
            let is_redirect = leg
                .response
                .as_ref()
                .is_some_and(|r| matches!(r.status, 301 | 302 | 303 | 307 | 308) && r.headers.has("location"));
            // Its own preflight: the first leg's is the exchange's.
            let own_pf = if i == 0 { None } else { leg.preflight.as_ref().map(pf) };
            if i + 1 < n || is_redirect {
                // A redirect (the last leg too, when the chain stopped at one).
                let r = leg.response.clone().unwrap_or_default();
                out.redirects.push(v1::Hop {
                    url: leg.url.clone(),
                    status: r.status,
                    headers: r.headers,
                    headers_merged: r.headers_merged,
                    request_headers: leg.request_headers.clone(),
                    preflight: own_pf,
                });
            } else if leg.response.is_some() || own_pf.is_some() {
                // The final response; a status-0 one carries a preflight that no request followed.
                let r = leg.response.clone().unwrap_or_default();
                out.response = Some(v1::Response {
                    url: Some(leg.url.clone()),
                    status: r.status,
                    headers: r.headers,
                    headers_merged: r.headers_merged,
                    request_headers: leg.request_headers.clone(),
                    preflight: own_pf,
                });
            }
        }
        out
    }
}

/// An exchange in either schema, as the engine reads it (schema 2): what
/// `check::evaluate`, `diagnose::diagnose`, `diagnose::preflight_request`
/// and `snippets::snippets` accept. Temporary, for callers that still hold
/// the first format (`src/probe/`, `src/webrequest.rs`, `tests/probe.rs`, through
/// [`Exchange::to_v1`]); the first format is upgraded on each call.
pub trait AsLegs {
    fn as_legs(&self) -> std::borrow::Cow<'_, Exchange>;
}

impl AsLegs for Exchange {
    fn as_legs(&self) -> std::borrow::Cow<'_, Exchange> {
        std::borrow::Cow::Borrowed(self)
    }
}

impl AsLegs for v1::Exchange {
    fn as_legs(&self) -> std::borrow::Cow<'_, Exchange> {
        std::borrow::Cow::Owned(Exchange::from_v1(self))
    }
}

/// The last redirect's `Location`, resolved against its URL (else the request URL).
fn next_url(hops: &[v1::Hop], request_url: &str) -> Option<String> {
    let last = hops.last()?;
    let base = if last.url.is_empty() { request_url } else { last.url.as_str() };
    let loc = last.headers.values("location").next()?;
    crate::fetch::origin::resolve(base, loc.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    

    fn h(n: &str, v: &str) -> Header {
        Header::new(n, v)
    }

    #[test]
    fn a_simple_request_is_one_leg() {
        let old = v1::Exchange {
            request: v1::Request {
                url: "http://b.test/x".into(),
                origin: Some("http://a.test".into()),
                headers: vec![h("Origin", "http://a.test")],
                ..Default::default()
            },
            response: Some(v1::Response { status: 200, headers: vec![h("Access-Control-Allow-Origin", "*")], ..Default::default() }),
            ..Default::default()
        };
        let ex = Exchange::from_v1(&old);
        assert_eq!(ex.schema, 2);
        assert_eq!(ex.legs.len(), 1);
        assert_eq!(ex.url(), "http://b.test/x");
        assert_eq!(ex.legs[0].request_headers, vec![h("Origin", "http://a.test")]);
        assert_eq!(ex.legs[0].response.as_ref().map(|r| r.status), Some(200));
        assert_eq!(ex.page.origin.as_deref(), Some("http://a.test"));
    }

    #[test]
    fn preflights_after_redirects_sit_on_their_leg() {
        let pf = |s: u16| v1::Preflight { status: Some(s), ..Default::default() };
        let old = v1::Exchange {
            request: v1::Request { url: "http://b.test/1".into(), method: Some("PUT".into()), ..Default::default() },
            preflight: Some(pf(204)),
            redirects: vec![
                v1::Hop { url: "http://b.test/1".into(), status: 307, headers: vec![h("Location", "/2")], ..Default::default() },
                v1::Hop { url: "http://b.test/2".into(), status: 307, headers: vec![h("Location", "http://c.test/3")], preflight: Some(pf(200)), ..Default::default() },
            ],
            // The preflight to the third URL failed: the status-0 carrier.
            response: Some(v1::Response { status: 0, preflight: Some(pf(403)), ..Default::default() }),
            ..Default::default()
        };
        let ex = Exchange::from_v1(&old);
        let urls: Vec<&str> = ex.legs.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(urls, ["http://b.test/1", "http://b.test/2", "http://c.test/3"]);
        let pf_status = |i: usize| ex.legs[i].preflight.as_ref().and_then(|p| p.response.as_ref()).map(|r| r.status);
        assert_eq!((pf_status(0), pf_status(1), pf_status(2)), (Some(204), Some(200), Some(403)));
        assert!(ex.legs[2].response.is_none(), "the request its preflight stopped has no response");
    }

    #[test]
    fn a_chain_ending_at_a_redirect_has_no_leg_after_it() {
        let old = v1::Exchange {
            request: v1::Request { url: "http://b.test/1".into(), ..Default::default() },
            redirects: vec![v1::Hop { url: "http://b.test/1".into(), status: 302, headers: vec![h("Location", "http://c.test/")], ..Default::default() }],
            error: Some("net::ERR_FAILED".into()),
            ..Default::default()
        };
        let ex = Exchange::from_v1(&old);
        assert_eq!(ex.legs.len(), 1);
        assert_eq!(ex.error.as_deref(), Some("net::ERR_FAILED"));
    }

    #[test]
    fn no_response_keeps_the_first_leg() {
        let old = v1::Exchange {
            request: v1::Request { url: "http://b.test/1".into(), ..Default::default() },
            preflight: Some(v1::Preflight { status: None, error: Some("net::ERR_CONNECTION_REFUSED".into()), ..Default::default() }),
            ..Default::default()
        };
        let ex = Exchange::from_v1(&old);
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

    #[test]
    fn round_trips_as_json() {
        let ex = Exchange {
            legs: vec![Leg { url: "http://b.test/".into(), ..Default::default() }],
            end: End::Completed,
            ..Default::default()
        };
        let text = serde_json::to_string(&ex).unwrap_or_default();
        assert!(text.contains("\"schema\":2"), "{text}");
        let back: Exchange = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, ex);
    }
}
