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
//! without `schema` is the first format (`crate::input::v1`, one `request`,
//! `preflight`, `redirects`, `response`) and is upgraded by
//! [`Exchange::from_v1`]; a document of another schema is refused with a
//! message that says so (see [`schema_of`]). The engine reads the JSON itself
//! ([`Exchange::from_json`]); serde's derived reader is in the full build
//! only (the input readers, the www/ pages' objects).

#[cfg(feature = "full")]
use serde::Deserialize;
use serde::Serialize;

use crate::core::json::{self, variant, Read, Reader};

pub use crate::core::fetch::headers::{Header, HeaderList};


/// The browser whose behaviour is being reproduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Cors,
    NoCors,
    SameOrigin,
    Navigate,
    Websocket,
}

impl Mode {
    pub const ALL: [Mode; 5] = [Mode::Cors, Mode::NoCors, Mode::SameOrigin, Mode::Navigate, Mode::Websocket];
    /// The name exchange JSON gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Cors => "cors",
            Mode::NoCors => "no-cors",
            Mode::SameOrigin => "same-origin",
            Mode::Navigate => "navigate",
            Mode::Websocket => "websocket",
        }
    }
}

/// The request's credentials mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "kebab-case")]
pub enum Credentials {
    Omit,
    SameOrigin,
    Include,
}

impl Credentials {
    pub const ALL: [Credentials; 3] = [Credentials::Omit, Credentials::SameOrigin, Credentials::Include];
    /// The name exchange JSON gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Credentials::Omit => "omit",
            Credentials::SameOrigin => "same-origin",
            Credentials::Include => "include",
        }
    }
}

/// What kind of resource the request was for. The vocabulary is the union of
/// webRequest's `type`, HAR's `_resourceType` and the Fetch Standard's
/// destinations; sources translate into it at the edge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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

impl ResourceType {
    pub const ALL: [ResourceType; 15] = [ResourceType::Fetch, ResourceType::Xhr, ResourceType::Image, ResourceType::Font, ResourceType::Script, ResourceType::ModuleScript, ResourceType::Stylesheet, ResourceType::Media, ResourceType::Document, ResourceType::Subdocument, ResourceType::Websocket, ResourceType::EventSource, ResourceType::Beacon, ResourceType::Preflight, ResourceType::Other];
    /// The name exchange JSON gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Fetch => "fetch",
            ResourceType::Xhr => "xhr",
            ResourceType::Image => "image",
            ResourceType::Font => "font",
            ResourceType::Script => "script",
            ResourceType::ModuleScript => "module-script",
            ResourceType::Stylesheet => "stylesheet",
            ResourceType::Media => "media",
            ResourceType::Document => "document",
            ResourceType::Subdocument => "subdocument",
            ResourceType::Websocket => "websocket",
            ResourceType::EventSource => "event-source",
            ResourceType::Beacon => "beacon",
            ResourceType::Preflight => "preflight",
            ResourceType::Other => "other",
        }
    }
}

/// Whether a preflight was observed, and if not, why not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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

impl PreflightObservation {
    pub const ALL: [PreflightObservation; 4] = [PreflightObservation::Unknown, PreflightObservation::NotSent, PreflightObservation::Hidden, PreflightObservation::Cached];
    /// The name exchange JSON gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            PreflightObservation::Unknown => "unknown",
            PreflightObservation::NotSent => "not-sent",
            PreflightObservation::Hidden => "hidden",
            PreflightObservation::Cached => "cached",
        }
    }
}

/// What the browser itself said, when the source recorded it. Used to reach
/// reasons that headers alone cannot produce (`CORSDisabled`,
/// `CORSOriginHeaderNotAdded`) and to flag disagreement with the engine.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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
    /// Chromium's CDP `Network.loadingFailed.blockedReason` (`mixed-content`,
    /// `csp`, `other`, ...): why it blocked a request outside CORS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_reason: Option<String>,
    /// What else the browser reported about the request, beyond CORS names:
    /// Chromium's DevTools issue codes (`MixedContentIssue`,
    /// `ContentSecurityPolicyIssue`, `GenericIssue:ResponseWasBlockedByORB`)
    /// and Firefox's console categories (`Mixed Content Blocker`,
    /// `CSP_CSPGenericViolation`, `ORB`). Names what stopped a request
    /// other than CORS (`core::stop`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<String>,
}

/// Facts about the client and the network, for checks that headers do not
/// decide: Local Network Access, disabled CORS, expanded principals.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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
    /// The page's `Content-Security-Policy` header values, as its document
    /// was served (a HAR holds the document's response): decides whether
    /// the page may fetch the URL at all (`core::stop`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_csp: Option<Vec<String>>,
}


/// The schema this build reads and writes.
pub const SCHEMA: u32 = 2;

#[cfg(feature = "full")]
fn schema_default() -> u32 {
    SCHEMA
}

/// Everything observed of one request the page made.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
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

impl End {
    pub const ALL: [End; 4] = [End::Unrecorded, End::Completed, End::Failed, End::NotSent];
    /// The name exchange JSON gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            End::Unrecorded => "unrecorded",
            End::Completed => "completed",
            End::Failed => "failed",
            End::NotSent => "not-sent",
        }
    }
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
/// `legs` and no `request` is read as this schema. `schema`: the member's
/// JSON text (None: absent or `null`).
pub fn schema_of(schema: Option<&str>, legs: bool, request: bool) -> Result<u32, String> {
    let Some(s) = schema else {
        return Ok(if legs && !request { 2 } else { 1 });
    };
    match s.trim().parse::<u64>() {
        Ok(2) => Ok(2),
        Ok(1) => Ok(1),
        Ok(n) if n > u64::from(SCHEMA) => Err(format!(
            "exchange schema {n} is newer than this whycors reads ({SCHEMA}): upgrade whycors"
        )),
        _ => Err(format!(
            "unknown exchange schema {s}: this whycors reads schema {SCHEMA} (and upgrades documents without a schema)"
        )),
    }
}

/// [`schema_of`] a document already read as a tree.
#[cfg(feature = "full")]
pub fn check_schema(v: &serde_json::Value) -> Result<u32, String> {
    let schema = v.get("schema").filter(|s| !s.is_null()).map(|s| s.to_string());
    schema_of(schema.as_deref(), v.get("legs").is_some(), v.get("request").is_some())
}

/// [`schema_of`] exchange JSON text (its top level only is read).
pub fn schema_of_text(text: &str) -> Result<u32, String> {
    let (mut schema, mut legs, mut request) = (None, false, false);
    json::read_all(text, |r| {
        r.object(|r, k| {
            match k {
                "schema" => schema = if r.null() { None } else { Some(r.raw()?) },
                "legs" => {
                    legs = true;
                    r.skip()?;
                }
                "request" => {
                    request = true;
                    r.skip()?;
                }
                _ => r.skip()?,
            }
            Ok(())
        })
    })
    .map_err(|e| format!("exchange: {e}"))?;
    schema_of(schema, legs, request)
}

// Reading exchange JSON without serde (the extension's report module has
// no serde reader: issue 8). Each type's `read` takes what serde's derived
// reader takes, the way `#[serde(default)]` does: an absent member keeps
// its default; `null` is `None` where optional and wrong elsewhere; a
// member of the wrong type, or a name its enum does not have, fails the
// document; unknown members are skipped (tests/exchange_json.rs compares
// the two readers). Unlike serde it reads no struct written as an array,
// and a repeated member's last value wins.

impl Exchange {
    /// A schema-2 document, after [`schema_of_text`] said it is one.
    pub fn from_json(text: &str) -> Result<Exchange, String> {
        json::read_all(text, Exchange::read).map_err(|e| format!("exchange: {e}"))
    }

    pub fn read(r: &mut Reader) -> Read<Exchange> {
        let mut out = Exchange::default();
        r.object(|r, k| {
            match k {
                "schema" => out.schema = r.integer_in()?,
                "id" => out.id = r.opt(Reader::owned)?,
                "browser" => out.browser = r.opt(|r| variant(r, &Browser::ALL, Browser::as_str))?,
                "page" => out.page = PageRequest::read(r)?,
                "legs" => out.legs = r.list(Leg::read)?,
                "preflightObservation" => {
                    out.preflight_observation = variant(r, &PreflightObservation::ALL, PreflightObservation::as_str)?
                }
                "end" => out.end = variant(r, &End::ALL, End::as_str)?,
                "error" => out.error = r.opt(Reader::owned)?,
                "remoteAddress" => out.remote_address = r.opt(Reader::owned)?,
                "reported" => out.reported = r.opt(Reported::read)?,
                "context" => out.context = r.opt(Context::read)?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }
}

fn headers(r: &mut Reader) -> Read<Vec<Header>> {
    r.list(|r| {
        let (mut name, mut value) = (None, None);
        r.object(|r, k| {
            match k {
                "name" => name = Some(r.owned()?),
                "value" => value = Some(r.owned()?),
                _ => r.skip()?,
            }
            Ok(())
        })?;
        match (name, value) {
            (Some(name), Some(value)) => Ok(Header { name, value }),
            _ => Err(r.error("a header's name and value")),
        }
    })
}

impl PageRequest {
    fn read(r: &mut Reader) -> Read<PageRequest> {
        let mut out = PageRequest::default();
        r.object(|r, k| {
            match k {
                "origin" => out.origin = r.opt(Reader::owned)?,
                "method" => out.method = r.opt(Reader::owned)?,
                "authorHeaders" => out.author_headers = r.opt(headers)?,
                "type" => out.resource_type = variant(r, &ResourceType::ALL, ResourceType::as_str)?,
                "mode" => out.mode = r.opt(|r| variant(r, &Mode::ALL, Mode::as_str))?,
                "credentials" => out.credentials = r.opt(|r| variant(r, &Credentials::ALL, Credentials::as_str))?,
                "redirectMode" => out.redirect_mode = r.opt(Reader::owned)?,
                "rejected" => out.rejected = r.opt(Reader::flag)?,
                "readHeaders" => out.read_headers = r.list(Reader::owned)?,
                "callSite" => out.call_site = r.opt(Reader::owned)?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }
}

impl Leg {
    fn read(r: &mut Reader) -> Read<Leg> {
        let mut out = Leg::default();
        r.object(|r, k| {
            match k {
                "url" => out.url = r.owned()?,
                "method" => out.method = r.opt(Reader::owned)?,
                "preflight" => out.preflight = r.opt(Preflight::read)?,
                "requestHeaders" => out.request_headers = headers(r)?,
                "response" => out.response = r.opt(Response::read)?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }
}

impl Preflight {
    fn read(r: &mut Reader) -> Read<Preflight> {
        let mut out = Preflight::default();
        r.object(|r, k| {
            match k {
                "requestHeaders" => out.request_headers = headers(r)?,
                "response" => out.response = r.opt(Response::read)?,
                "error" => out.error = r.opt(Reader::owned)?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }
}

impl Response {
    fn read(r: &mut Reader) -> Read<Response> {
        let mut out = Response::default();
        r.object(|r, k| {
            match k {
                "status" => out.status = r.integer_in()?,
                "headers" => out.headers = headers(r)?,
                "headersMerged" => out.headers_merged = r.flag()?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }
}

impl Reported {
    fn read(r: &mut Reader) -> Read<Reported> {
        let mut out = Reported::default();
        r.object(|r, k| {
            match k {
                "corsError" => out.cors_error = r.opt(Reader::owned)?,
                "failedParameter" => out.failed_parameter = r.opt(Reader::owned)?,
                "firefoxKey" => out.firefox_key = r.opt(Reader::owned)?,
                "message" => out.message = r.opt(Reader::owned)?,
                "blockedReason" => out.blocked_reason = r.opt(Reader::owned)?,
                "issues" => out.issues = r.list(Reader::owned)?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }
}

impl Context {
    fn read(r: &mut Reader) -> Read<Context> {
        let mut out = Context::default();
        r.object(|r, k| {
            match k {
                "initiatorAddressSpace" => out.initiator_address_space = r.opt(Reader::owned)?,
                "targetAddressSpace" => out.target_address_space = r.opt(Reader::owned)?,
                "declaredTargetAddressSpace" => out.declared_target_address_space = r.opt(Reader::owned)?,
                "secureContext" => out.secure_context = r.opt(Reader::flag)?,
                "localNetworkPermission" => out.local_network_permission = r.opt(Reader::owned)?,
                "corsDisabled" => out.cors_disabled = r.opt(Reader::flag)?,
                "expandedPrincipal" => out.expanded_principal = r.opt(Reader::flag)?,
                "pageCsp" => out.page_csp = r.opt(|r| r.list(Reader::owned))?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// An exchange as the engine reads it (schema 2). Only
/// `report::snippets::snippets` still takes one (it is that module's to
/// change to `&Exchange`); every other caller passes `&Exchange`, and the
/// first format has no implementation any more (it is upgraded on reading:
/// `input::v1`).
pub trait AsLegs {
    fn as_legs(&self) -> std::borrow::Cow<'_, Exchange>;
}

impl AsLegs for Exchange {
    fn as_legs(&self) -> std::borrow::Cow<'_, Exchange> {
        std::borrow::Cow::Borrowed(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
