//! The engine's output: one `Diagnosis` per exchange.
//!
//! This shape is a public contract: the CLI's `--json`, the wasm boundary,
//! the extension's message API and panel, and the `www/` pages all read it.
//! Change it only together with `docs/diagnosis-format.md` and the
//! TypeScript declarations.

use crate::report::message::Text;
pub use crate::core::verdict::{Evidence, Stage, Verdict};
use crate::core::exchange::{Browser, Header};
#[cfg(feature = "full")]
use serde::Deserialize;
use serde::Serialize;

/// One browser's view of the exchange.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub struct BrowserVerdict {
    pub browser: Browser,
    pub verdict: Verdict,
    /// The whycors reason id (`CORSMissingAllowOrigin`), when blocked.
    pub reason: Option<String>,
    /// Chromium's `CorsError` name (`PreflightMissingAllowOriginHeader`) or
    /// Firefox's console message key (`CORSMissingAllowOrigin2`).
    pub name: Option<String>,
    /// Chromium's `failedParameter` / the `%2$S` of Firefox's message.
    pub parameter: Option<String>,
    /// The console message this browser prints for this exchange (English).
    pub message: Option<String>,
    /// Further console lines this browser prints (Firefox's second
    /// `CORSDidNotSucceed2` after a failed preflight, deprecation warnings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

/// A second possibility, where the input cannot tell which one happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub struct Alternative {
    /// Which browser this alternative is about (None: both).
    pub browser: Option<Browser>,
    pub reason: String,
    pub name: Option<String>,
    /// The condition under which this alternative is the truth.
    pub when: Text,
}

/// One change to make, on the server or the client.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// `preflight`, `actual`, `redirect` (with `hop`), or `request` for a
    /// client-side change.
    pub stage: Stage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hop: Option<usize>,
    pub action: ChangeAction,
    /// The header (or `mode`, `credentials`, `url` for request changes).
    pub target: String,
    /// The new value (None for `remove`).
    pub value: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]

#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "kebab-case")]
pub enum ChangeAction {
    /// Set the header to exactly this value (replacing every existing line).
    SetHeader,
    /// Remove every line of the header.
    RemoveHeader,
    /// Answer with this status instead.
    SetStatus,
    /// Redirect to this Location instead (or not at all: value None).
    SetLocation,
    /// A change the page's code must make (mode, credentials, URL, scheme).
    Client,
}

/// A server configuration snippet that implements a fix.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub struct Snippet {
    /// Stable id: `nginx`, `apache`, `express`, `django`, `flask`, `spring`,
    /// `aspnet`, `go-rs-cors`, `axum`, `caddy`.
    pub server: String,
    /// Display name ("nginx", "Express (cors)").
    pub label: String,
    /// Code to paste, with the values of this exchange filled in.
    pub code: String,
    /// The language for highlighting (`nginx`, `apache`, `js`, `python`, ...).
    pub language: String,
    /// The trap this snippet avoids, and other caveats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Text>,
    /// What this snippet was verified against: the stack versions the
    /// real-server suite (`tests/servers/`) ran it with, live, in both
    /// browsers (`snippet.verified`), or that it was not run here
    /// (`snippet.not-verified`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<Text>,
}

/// One server software that answered (`report::stack`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub struct StackLayer {
    /// Its snippet's id (`Snippet::server`); empty for a proxy known only by `Via`.
    pub server: String,
    /// Its name ("nginx", "Express").
    pub name: String,
    /// `front` (web server, reverse proxy) or `app`.
    pub role: String,
    /// The header line that says so (`Server: nginx/1.22.1`) or the library's telltale.
    pub evidence: String,
    /// True when a `Server`/`X-Powered-By`/`Via` line names it; false for a telltale.
    pub certain: bool,
}

/// Why some snippets come first: the stacks that answered.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub struct StackOrder {
    /// The snippet ids put first, in order.
    pub first: Vec<String>,
    /// Who answered, front first.
    pub layers: Vec<StackLayer>,
    pub why: Text,
}

#[derive(Clone, Debug, PartialEq, Serialize)]

#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    /// One line: what to do.
    pub summary: Text,
    pub changes: Vec<Change>,
    /// The engine re-ran the exchange with the changes applied: allowed in
    /// these browsers, with no security finding.
    pub verified: Vec<Browser>,
    /// What `verified` means, in words: "Verified in Chromium and Firefox",
    /// or, where the actual response was never observed (the preflight or
    /// a redirect stopped the request) and the check ran against a modelled
    /// one, "verified, assuming the server answers the actual request with
    /// …". None when nothing was verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Text>,
    pub snippets: Vec<Snippet>,
    /// The stack that answered, whose snippet comes first, and why; None
    /// when the responses do not say (the usual order then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<StackOrder>,
}

/// What stopped a request other than CORS (`core::stop`): its stable id
/// (`mixed-content`, `csp`, `client`, `orb`, `certificate`,
/// `local-network-access`), and what it is and what to do, in words.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub struct StoppedBy {
    pub id: String,
    /// A short title ("Blocked as mixed content"). In verdict-only
    /// diagnoses `title`, `explanation` and `fix` are empty texts.
    pub title: Text,
    pub explanation: Text,
    pub fix: Text,
}

impl StoppedBy {
    /// The id alone (verdict-only diagnoses).
    pub fn id_only(stop: crate::core::stop::Stop) -> StoppedBy {
        let empty = || Text::plain(format!("stopped.{}", stop.as_str()), "");
        StoppedBy { id: stop.as_str().to_string(), title: empty(), explanation: empty(), fix: empty() }
    }
}

/// The version of this format, the `schema` of every diagnosis. 2: the
/// verdict `undecided` (was `blocked-if-credentialed`) and what it means,
/// the recorded outcome as the verdict, `stoppedBy`,
/// `fix.verification` (docs/diagnosis-format.md, "Versions").
pub const DIAGNOSIS_SCHEMA: u32 = 2;

#[cfg(feature = "full")]
fn diagnosis_schema_default() -> u32 {
    1
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]

#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Warning,
    /// A security weakness (reflected origin with credentials, `null` allowed).
    Security,
}

/// A root-cause hint (on blocked exchanges) or a finding (on any exchange).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable id, e.g. `error-status-without-cors`, `missing-vary-origin`.
    pub id: String,
    pub severity: Severity,
    pub text: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// The CORS preflight a browser sends before the request: `OPTIONS` to the
/// request's first URL (`diagnose::preflight_request`). Whether one is sent
/// is the checks' decision (observed, or needed by the request); the headers
/// are reconstructed from the request.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub struct PreflightRequest {
    /// The browser whose rules made it (Chromium safelists a few more
    /// request headers than the Fetch Standard).
    pub browser: Browser,
    /// Always `OPTIONS`.
    pub method: String,
    /// The request's first URL, without its fragment.
    pub url: String,
    /// `Accept: */*`, `Access-Control-Request-Method`,
    /// `Access-Control-Request-Headers` (only when some header is
    /// CORS-unsafe) and `Origin`, in the order both browsers send them. The
    /// browser adds more of its own (`User-Agent`, `Referer`, `Sec-Fetch-*`).
    pub headers: Vec<Header>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]

#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// The version of this format ([`DIAGNOSIS_SCHEMA`]); a diagnosis
    /// without one is the first format (read as 1).
    #[serde(default = "diagnosis_schema_default")]
    pub schema: u32,
    /// The exchange's `id`, echoed.
    pub id: Option<String>,
    pub url: String,
    pub method: String,
    pub origin: Option<String>,
    /// The verdict for the chosen browser (or, with none chosen, the worse of
    /// the two): the outcome the browser recorded where it recorded one.
    pub verdict: Verdict,
    /// The reason id for the chosen browser: set when a check failed, which
    /// includes network errors that Firefox reports as `CORSDidNotSucceed`;
    /// None when allowed or not a CORS request.
    pub reason: Option<String>,
    /// Each browser's view; both are always computed.
    pub browsers: Vec<BrowserVerdict>,
    /// True when Chromium and Firefox classify this exchange differently.
    pub browsers_differ: bool,
    /// What stopped the request other than CORS, for the chosen browser
    /// (the verdict is then `not-cors`, or `network-error` for a
    /// certificate); omitted otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<StoppedBy>,
    /// Other possibilities, where the input cannot tell.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Alternative>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    pub explanation: Option<Text>,
    /// The best page about this reason (MDN where one exists).
    pub link: Option<String>,
    pub fix: Option<Fix>,
    /// Root-cause hints: what probably made the server answer this way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<Finding>,
    /// Findings that hold whatever the verdict (security, Vary, Max-Age, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// For `Verdict::Unknown`: the facts that are missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<Text>,
    /// Where the browsers depart from the Fetch Standard on this exchange.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Text>,
    /// The preflight the chosen browser sends (or would send) before this
    /// request, to its first URL; None when it sends none (a simple request,
    /// not a CORS request, stopped before the preflight, or the engine
    /// cannot tell), and in verdict-only diagnoses. Also set when a
    /// preflight was observed (its headers are then the engine's
    /// reconstruction; the observed ones are in the exchange).
    #[serde(default)]
    pub preflight_request: Option<PreflightRequest>,
}
