//! The exchange: everything observed of one cross-origin request.
//!
//! This is the engine's input, and the project's own JSON exchange format
//! (documented in `docs/exchange-format.md`, schema in `docs/exchange.schema.json`).
//! Every field but `request.url` is optional, because every source (HAR,
//! webRequest, the lab server's record) knows a different subset. The engine
//! says which missing fact stopped it from deciding.

use serde::{Deserialize, Serialize};

/// One HTTP header line, as observed. Names keep their case; values keep
/// their bytes (as far as the source kept them). Lists of these keep order and
/// repeats.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

impl Header {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Header { name: name.into(), value: value.into() }
    }
}

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

/// Case-insensitive lookups over a header list.
pub trait HeaderList {
    /// Every value of header `name`, in order.
    fn values<'a>(&'a self, name: &'a str) -> Box<dyn Iterator<Item = &'a str> + 'a>;
    /// How many lines named `name`.
    fn count(&self, name: &str) -> usize;
    /// The Fetch Standard's "get": the values joined with ", ", or None.
    fn get_combined(&self, name: &str) -> Option<String>;
    fn has(&self, name: &str) -> bool {
        self.count(name) > 0
    }
}

impl HeaderList for [Header] {
    fn values<'a>(&'a self, name: &'a str) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        Box::new(
            self.iter()
                .filter(move |h| h.name.trim().eq_ignore_ascii_case(name))
                .map(|h| h.value.as_str()),
        )
    }
    fn count(&self, name: &str) -> usize {
        self.iter().filter(|h| h.name.trim().eq_ignore_ascii_case(name)).count()
    }
    fn get_combined(&self, name: &str) -> Option<String> {
        let mut out: Option<String> = None;
        for v in self.values(name) {
            match &mut out {
                None => out = Some(v.to_string()),
                Some(s) => {
                    s.push_str(", ");
                    s.push_str(v);
                }
            }
        }
        out
    }
}

impl HeaderList for Vec<Header> {
    fn values<'a>(&'a self, name: &'a str) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        self.as_slice().values(name)
    }
    fn count(&self, name: &str) -> usize {
        self.as_slice().count(name)
    }
    fn get_combined(&self, name: &str) -> Option<String> {
        self.as_slice().get_combined(name)
    }
}
