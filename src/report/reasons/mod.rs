//! The reason registry: one entry per reason, in one file per reason.
//!
//! The reasons themselves are declared once, in `crate::core::reason`
//! ([`ReasonId`], with each one's browser names, stage and fix kind); this
//! registry holds their texts: the title, the explanation and fix templates
//! (translatable), each browser's console wording, the link, and a
//! documented example exchange that a test runs. [`get`] maps every
//! [`ReasonId`] to its file (an exhaustive match: a new reason without its
//! file does not compile). The CLI, the wasm `reasons()`, the panel and the
//! README table all read this registry, in [`ReasonId::ALL`] order (roughly
//! as the checks run).
//!
//! Each browser's console wording lives here too, once: `chromium_text` and
//! the suffixes are the per-kind texts of Chromium's
//! `third_party/blink/renderer/platform/loader/cors/cors_error_string.cc`,
//! `firefox_message` is the string of Firefox's
//! `dom/locales/en-US/chrome/security/security.properties` (with its curly
//! quotes). `console_message` assembles them for one exchange.
//!
//! Templates use `{name}` placeholders (see `message.rs`). The explanation,
//! why and fix templates may use the placeholders listed on `PARAMS`; the
//! browser texts use `{url}`, `{origin}`, `{hint}`, `{param}`, `{schemes}`,
//! `{space}` and `{declared_space}`.


#[cfg(feature = "full")]
use serde::Serialize;

use crate::core::check::Failure;
use crate::core::reason::{ReasonFacts, ReasonId};
use crate::report::diagnosis::Stage;
use crate::core::exchange::{Browser, Exchange, ResourceType};
use crate::core::facts::{self, hop_count, preflight_leg};
#[cfg(feature = "full")]
use crate::report::message::Text;

/// How Chromium prints a reason in the console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChromiumConsole {
    /// `Access to <kind> at '<url>' [(redirected from '<url>') ]from origin '<origin>' has been
    /// blocked by CORS policy: ` + (preflight kinds) `Response to preflight request doesn't pass
    /// access control check: ` + `chromium_text` (+ suffix).
    Cors,
    /// The renderer's own line for `fetch()`: `chromium_text` is the whole line
    /// (`Fetch API cannot load {url}. ...`).
    FetchApi,
    /// Chromium prints only the network error: `Failed to load resource: <net error>`
    /// (`chromium_text` is then the DevTools Issues-panel text).
    NetError,
    /// Chromium prints no line of its own for this reason.
    None,
}

/// One reason's texts (its facts: [`Reason::facts`]).
#[derive(Debug)]
pub struct Reason {
    /// The reason (`CORSMissingAllowOrigin`).
    pub id: ReasonId,
    /// Short English title (message id `reason.<id>.title`).
    pub title: &'static str,
    /// Firefox's `nsILoadInfo` blocking reason code (1001–1015).
    pub firefox_code: Option<u16>,
    /// Firefox's network-monitor label for the code ("CORS Missing Allow Origin").
    pub firefox_label: Option<&'static str>,
    /// Firefox's console message (security.properties, English), `{url}` for
    /// `%1$S` and `{param}` for `%2$S`.
    pub firefox_message: Option<&'static str>,
    /// How Chromium prints it.
    pub chromium_console: ChromiumConsole,
    /// Chromium's per-kind text (see `ChromiumConsole`), `{hint}` for the
    /// failed parameter.
    pub chromium_text: Option<&'static str>,
    /// Appended to `chromium_text` when `fetch()` made the request.
    pub chromium_fetch_suffix: Option<&'static str>,
    /// Appended to `chromium_text` when XMLHttpRequest made the request.
    pub chromium_xhr_suffix: Option<&'static str>,
    /// The best page about it (MDN where one exists).
    pub link: &'static str,
    /// The step of the Fetch Standard (or other specification) behind it.
    pub spec: &'static str,
    /// What went wrong: a template (`reason.<id>.explanation`).
    pub explanation: &'static str,
    /// Why browsers enforce it (`reason.<id>.why`).
    pub why: &'static str,
    /// The fix, in words: a template (`reason.<id>.fix`).
    pub fix: &'static str,
    /// Browser differences and other facts worth knowing (`reason.<id>.note.<n>`).
    pub notes: &'static [&'static str],
    /// A documented example exchange (exchange JSON) that yields this reason
    /// (the full build's: the pages, the CLI, the README table).
    #[cfg(feature = "full")]
    pub example: &'static str,
    /// The browser the example is for (None: both agree).
    pub example_browser: Option<Browser>,
}

impl Reason {
    /// What the core knows of this reason (`crate::core::reason`).
    pub fn facts(&self) -> ReasonFacts {
        self.id.facts()
    }
    /// The browsers that block with this reason (Chromium first).
    pub fn browsers(&self) -> &'static [Browser] {
        self.facts().browsers
    }
    /// Firefox's console message key (`CORSMissingAllowOrigin2`), if Firefox has one for it.
    pub fn firefox_key(&self) -> Option<&'static str> {
        self.facts().firefox_key
    }
    /// Chromium's `CorsError` kinds that this reason covers (actual and preflight variants).
    pub fn chromium(&self) -> &'static [&'static str] {
        self.facts().chromium
    }
    /// False for reasons that headers alone cannot produce (they need a
    /// browser report or context: `CORSDisabled`, `CORSOriginHeaderNotAdded`).
    pub fn from_headers(&self) -> bool {
        self.facts().from_headers
    }
}

/// The registry: each reason's file. Declares the modules, [`get`] (an
/// exhaustive match over [`ReasonId`]) and [`REASONS`].
macro_rules! registry {
    ($($id:ident => $file:ident),* $(,)?) => {
        $(mod $file;)*

        /// A reason's texts.
        pub fn get(id: ReasonId) -> &'static Reason {
            match id {
                $(ReasonId::$id => &$file::REASON),*
            }
        }

        /// Every reason, in [`ReasonId::ALL`] order (a test keeps the two in step).
        pub static REASONS: &[&Reason] = &[$(&$file::REASON),*];
    };
}

registry! {
    CORSDisabled => cors_disabled,
    CORSRequestNotHttp => cors_request_not_http,
    CORSDisallowedByMode => cors_disallowed_by_mode,
    CORSNoCorsRedirectModeNotFollow => cors_no_cors_redirect_mode_not_follow,
    CORSOriginHeaderNotAdded => cors_origin_header_not_added,
    CORSInsecureLocalNetwork => cors_insecure_local_network,
    CORSInvalidLocalNetworkAccess => cors_invalid_local_network_access,
    CORSLocalNetworkAccessPermissionDenied => cors_local_network_access_permission_denied,
    CORSDidNotSucceed => cors_did_not_succeed,
    CORSInvalidResponse => cors_invalid_response,
    CORSExternalRedirectNotAllowed => cors_external_redirect_not_allowed,
    CORSMultipleAllowOriginNotAllowed => cors_multiple_allow_origin_not_allowed,
    CORSMissingAllowOrigin => cors_missing_allow_origin,
    CORSNotSupportingCredentials => cors_not_supporting_credentials,
    CORSInvalidAllowOriginValue => cors_invalid_allow_origin_value,
    CORSAllowOriginNotMatchingOrigin => cors_allow_origin_not_matching_origin,
    CORSMissingAllowCredentials => cors_missing_allow_credentials,
    CORSPreflightDidNotSucceed => cors_preflight_did_not_succeed,
    CORSInvalidAllowMethod => cors_invalid_allow_method,
    CORSMethodNotFound => cors_method_not_found,
    CORSInvalidAllowHeader => cors_invalid_allow_header,
    CORSMissingAllowHeaderFromPreflight => cors_missing_allow_header_from_preflight,
    CORSRedirectContainsCredentials => cors_redirect_contains_credentials,
}

pub mod stopped;

/// Looks a reason up by its id string (`CORSMissingAllowOrigin`).
pub fn by_id(id: &str) -> Option<&'static Reason> {
    ReasonId::from_id(id).map(get)
}

/// One reason as the registry's consumers see it: the JSON of
/// `whycors reasons --json` (an array of these) and of the wasm `explain()` /
/// `reasons()` (`ReasonInfo` in `src/wasm_types.d.ts`). The texts are
/// translatable `Text`s with ids `reason.<id>.title`, `.explanation`, `.why`
/// and `.fix` (templates unfilled: no exchange is at hand).
#[cfg(feature = "full")]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasonInfo {
    pub id: &'static str,
    pub title: Text,
    pub firefox_key: Option<&'static str>,
    pub firefox_code: Option<u16>,
    pub chromium: &'static [&'static str],
    pub link: &'static str,
    pub explanation: Text,
    pub why: Text,
    pub fix: Text,
    /// The documented example exchange (`Reason::example`) as JSON; null if
    /// it does not parse (the registry test makes sure every one does).
    pub example: serde_json::Value,
    pub example_browser: Option<Browser>,
    pub from_headers: bool,
}

#[cfg(feature = "full")]
impl Reason {
    /// This reason as [`ReasonInfo`].
    pub fn info(&self) -> ReasonInfo {
        let text = |part: &str, template: &str| Text::plain(format!("reason.{}.{part}", self.id), template);
        ReasonInfo {
            id: self.id.as_str(),
            title: text("title", self.title),
            firefox_key: self.firefox_key(),
            firefox_code: self.firefox_code,
            chromium: self.chromium(),
            link: self.link,
            explanation: text("explanation", self.explanation),
            why: text("why", self.why),
            fix: text("fix", self.fix),
            example: serde_json::from_str(self.example).unwrap_or(serde_json::Value::Null),
            example_browser: self.example_browser,
            from_headers: self.from_headers(),
        }
    }
}

/// Every reason as [`ReasonInfo`], in check order.
#[cfg(feature = "full")]
pub fn infos() -> Vec<ReasonInfo> {
    REASONS.iter().map(|r| r.info()).collect()
}

/// The reason that covers a Chromium `CorsError` name (`PreflightAllowOriginMismatch`)
/// or a Firefox key (`CORSMissingAllowOrigin2`).
pub fn by_browser_name(name: &str) -> Option<&'static Reason> {
    REASONS.iter().copied().find(|r| r.chromium().contains(&name) || r.firefox_key() == Some(name))
}

/// The placeholders every reason template may use; `diagnose` fills them all.
pub const PARAMS: &[&str] = &[
    "url",
    "origin",
    "method",
    "parameter",
    "header",
    "observed",
    "expected",
    "status",
    "stage",
    "location",
];

/// Chromium's list of CORS-enabled schemes as Chromium 156 prints it on Linux
/// (`SchemeRegistry::ListOfCorsEnabledURLSchemes()`; recorded fixtures
/// `CORSRequestNotHttp/file-page-*.chromium.json`). Older builds printed
/// another order and set (`http, data, isolated-app, chrome-extension, chrome,
/// https, chrome-untrusted`).
pub const CHROMIUM_CORS_SCHEMES: &str =
    "chrome, chrome-experimental-site-token-provider, chrome-extension, chrome-untrusted, data, http, https, isolated-app";

const CHROMIUM_PREFLIGHT_PREFIX: &str =
    "Response to preflight request doesn't pass access control check: ";

/// The message Firefox prints (a warning, not a block) when `Authorization`
/// was covered by `Access-Control-Allow-Headers: *` (security.properties
/// `CORSAllowHeaderFromPreflightDeprecation`).
pub const FIREFOX_AUTHORIZATION_WILDCARD_WARNING: &str = "Cross-Origin Request Warning: The Same Origin Policy will disallow reading the remote resource at {url} soon. (Reason: When the `Access-Control-Allow-Headers` is `*`, the `Authorization` header is not covered. To include the `Authorization` header, it must be explicitly listed in CORS header `Access-Control-Allow-Headers`).";

/// Firefox's key for the second line it logs after a failed preflight.
pub const FIREFOX_DID_NOT_SUCCEED_KEY: &str = "CORSDidNotSucceed2";

/// The console message `browser` prints for this failure of this exchange
/// (English). Empty when the browser prints no CORS line for it (Firefox's
/// userinfo redirect error, a reason the browser does not have).
pub fn console_message(browser: Browser, failure: &Failure, ex: &Exchange) -> String {
    console_message_opt(browser, failure, ex).unwrap_or_default()
}

/// As `console_message`, None where the browser prints no CORS line.
pub fn console_message_opt(browser: Browser, failure: &Failure, ex: &Exchange) -> Option<String> {
    let reason = get(failure.reason);
    match browser {
        Browser::Chromium => chromium_message(reason, failure, ex),
        Browser::Firefox => firefox_message(reason, failure, ex),
    }
}

/// Further console lines `browser` prints for this failure, after the main
/// one (as observed in Chromium 156 and Firefox ESR 153): Chromium's
/// `Failed to load resource: net::ERR_FAILED` after a CORS line; Firefox's
/// `CORSPreflightDidNotSucceed3` after a redirected preflight, and
/// `CORSDidNotSucceed2` (status `(null)`) after any failed preflight or
/// failed redirect response.
pub fn console_also(browser: Browser, failure: &Failure, ex: &Exchange) -> Vec<String> {
    let mut out = Vec::new();
    let reason = get(failure.reason);
    match browser {
        Browser::Chromium => {
            if reason.chromium_console == ChromiumConsole::Cors {
                out.push("Failed to load resource: net::ERR_FAILED".to_string());
            }
        }
        Browser::Firefox => {
            // After a failed preflight, and after a redirect response that
            // failed the CORS check, Firefox logs CORSDidNotSucceed2 for the
            // request as well.
            let stage = failure.evidence.stage;
            let redirect_check =
                stage == Stage::Redirect && failure.reason != ReasonId::CORSRedirectContainsCredentials;
            if !(stage == Stage::Preflight || redirect_check) || reason.firefox_message.is_none() {
                return out;
            }
            let url = last_url(ex, failure);
            if failure.reason == ReasonId::CORSExternalRedirectNotAllowed {
                if let Some(t) = get(ReasonId::CORSPreflightDidNotSucceed).firefox_message {
                    let status = stage_status(ex, failure).map(|s| s.to_string());
                    let status = status.unwrap_or_else(|| "(null)".to_string());
                    out.push(fill(t, &[("url", &url), ("param", &status)]));
                }
            }
            if let Some(t) = get(ReasonId::CORSDidNotSucceed).firefox_message {
                out.push(fill(t, &[("url", &url), ("param", "(null)")]));
            }
        }
    }
    out
}

/// The network error of the exchange as Chromium names it (the preflight's, else the request's).
fn net_error(ex: &Exchange) -> String {
    ex.legs
        .first()
        .and_then(|l| l.preflight.as_ref())
        .and_then(|p| p.error.clone())
        .or_else(|| ex.error.clone())
        .unwrap_or_else(|| "net::ERR_FAILED".to_string())
}

/// The Firefox deprecation warning for `Authorization` covered by `*`, for this exchange.
pub fn firefox_authorization_warning(ex: &Exchange) -> String {
    let url = display_url(ex.url());
    fill(FIREFOX_AUTHORIZATION_WILDCARD_WARNING, &[("url", &url)])
}

fn fill(template: &str, params: &[(&str, &str)]) -> String {
    crate::report::message::render(template, &crate::report::message::param_map(params))
}

fn chromium_message(reason: &Reason, failure: &Failure, ex: &Exchange) -> Option<String> {
    let text = reason.chromium_text?;
    let name = failure
        .name
        .or_else(|| reason.chromium().first().copied())
        .unwrap_or("");
    let first = display_url(ex.url());
    let last = last_url(ex, failure);
    let origin = facts::page_origin(ex).unwrap_or("null");
    let hint = encode_hint(failure.parameter.as_deref().unwrap_or(""));
    let ctx = ex.context.as_ref();
    let space = ctx
        .and_then(|c| c.target_address_space.clone())
        .unwrap_or_else(|| "unknown".into());
    let declared = ctx
        .and_then(|c| c.declared_target_address_space.clone())
        .unwrap_or_else(|| "unknown".into());
    let params: [(&str, &str); 6] = [
        ("url", &last),
        ("origin", origin),
        ("hint", &hint),
        ("schemes", CHROMIUM_CORS_SCHEMES),
        ("space", &space),
        ("declared_space", &declared),
    ];
    match reason.chromium_console {
        ChromiumConsole::None => None,
        ChromiumConsole::FetchApi => Some(fill(text, &params)),
        ChromiumConsole::NetError => Some(format!("Failed to load resource: {}", net_error(ex))),
        ChromiumConsole::Cors => {
            let mut s = String::with_capacity(200);
            s.push_str("Access to ");
            s.push_str(chromium_resource_kind(ex));
            s.push_str(" at '");
            s.push_str(&last);
            s.push_str("' ");
            if first != last {
                s.push_str("(redirected from '");
                s.push_str(&first);
                s.push_str("') ");
            }
            s.push_str("from origin '");
            s.push_str(origin);
            s.push_str("' has been blocked by CORS policy: ");
            if is_chromium_preflight_kind(name) {
                s.push_str(CHROMIUM_PREFLIGHT_PREFIX);
            }
            s.push_str(&fill(text, &params));
            let suffix = match ex.page.resource_type {
                ResourceType::Fetch | ResourceType::Other => reason.chromium_fetch_suffix,
                ResourceType::Xhr => reason.chromium_xhr_suffix,
                _ => None,
            };
            if let Some(sfx) = suffix {
                s.push_str(sfx);
            }
            Some(s)
        }
    }
}

pub use crate::core::reason::is_chromium_preflight_kind;

/// `Resource::ResourceTypeToString`, lower-cased the way cors_error_string.cc does.
/// An exchange of unknown type is printed as a `fetch()`. Media is `audio`
/// or `video` as the request's `Sec-Fetch-Dest` says (measured: Chromium
/// prints "Access to audio at …" for `<audio>`), `video` when it does not.
fn chromium_resource_kind(ex: &Exchange) -> &'static str {
    use crate::core::exchange::HeaderList;
    match ex.page.resource_type {
        ResourceType::Media => {
            let dest = ex.legs.first().and_then(|l| l.request_headers.first_trimmed("sec-fetch-dest"));
            if dest.is_some_and(|d| d.eq_ignore_ascii_case("audio")) {
                "audio"
            } else {
                "video"
            }
        }
        t => chromium_resource_kind_of(t),
    }
}

fn chromium_resource_kind_of(t: ResourceType) -> &'static str {
    match t {
        ResourceType::Fetch | ResourceType::Other => "fetch",
        ResourceType::Xhr => "XMLHttpRequest",
        ResourceType::Image => "image",
        ResourceType::Font => "font",
        ResourceType::Script | ResourceType::ModuleScript => "script",
        ResourceType::Stylesheet => "CSS stylesheet",
        ResourceType::Media => "video",
        _ => "resource",
    }
}

fn firefox_message(reason: &Reason, failure: &Failure, ex: &Exchange) -> Option<String> {
    let text = reason.firefox_message?;
    let url = last_url(ex, failure);
    let param = match &failure.parameter {
        Some(p) => p.clone(),
        None => stage_status(ex, failure)
            .map(|s| s.to_string())
            .unwrap_or_else(|| "(null)".into()),
    };
    Some(fill(text, &[("url", &url), ("param", &param)]))
}

/// Chromium's `EncodeHint`: printable ASCII kept, everything else `\uXXXX`
/// (UTF-16 code units).
pub fn encode_hint(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if (' '..='~').contains(&c) {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{:04X}", u));
            }
        }
    }
    out
}

/// A URL as browsers print it (serialized by the URL parser), or as given if unparsable.
pub fn display_url(s: &str) -> String {
    match url::Url::parse(s.trim()) {
        Ok(u) => u.to_string(),
        Err(_) => s.to_string(),
    }
}

/// The URL the failing check was about: the redirect hop's URL, the final
/// URL of the chain, or the request's URL.
pub fn last_url(ex: &Exchange, failure: &Failure) -> String {
    let leg_url = |k: Option<usize>| {
        k.and_then(|k| ex.legs.get(k)).map(|l| l.url.as_str()).filter(|u| !u.is_empty()).map(display_url)
    };
    match failure.evidence.stage {
        Stage::Request => display_url(ex.url()),
        // The first URL's preflight (hop None) was sent to the first URL,
        // the one after redirect hop k to that hop's target. A failing
        // first-URL preflight in a chain of redirects can only come from a
        // browser's report (the first preflight passed, or there would be no
        // redirect): the preflight that stopped the chain, at its target.
        Stage::Preflight => match failure.evidence.hop {
            None if hop_count(ex) > 0 => final_url(ex),
            None => display_url(ex.url()),
            hop => leg_url(preflight_leg(hop)).unwrap_or_else(|| final_url(ex)),
        },
        Stage::Redirect => leg_url(failure.evidence.hop).unwrap_or_else(|| final_url(ex)),
        Stage::Actual => final_url(ex),
    }
}

/// The URL of the final response: the final leg's URL, else (the chain
/// stopped at a redirect) that redirect's target, else the request's URL.
pub fn final_url(ex: &Exchange) -> String {
    let hops = hop_count(ex);
    if let Some(leg) = ex.legs.get(hops).filter(|l| !l.url.is_empty()) {
        return display_url(&leg.url);
    }
    if hops > 0 {
        if let Some(u) = facts::Route::new(ex).final_url() {
            return u.to_string();
        }
    }
    display_url(ex.url())
}

/// The status of the response the failure was about.
pub fn stage_status(ex: &Exchange, failure: &Failure) -> Option<u16> {
    let hop = failure.evidence.hop;
    let leg = |k: Option<usize>| k.and_then(|k| ex.legs.get(k));
    match failure.evidence.stage {
        Stage::Request => None,
        Stage::Preflight => leg(preflight_leg(hop))?.preflight.as_ref()?.response.as_ref().map(|r| r.status),
        Stage::Redirect => leg(hop)?.response.as_ref().map(|r| r.status),
        Stage::Actual => leg(Some(hop_count(ex)))?.response.as_ref().map(|r| r.status),
    }
}

/// The README table of reasons (`whycors reasons --markdown`), kept between
/// `<!-- reasons:start -->` and `<!-- reasons:end -->` in README.md.
pub fn markdown_table() -> String {
    let mut s = String::new();
    s.push_str("| Reason | What it means | Chromium `CorsError` | Firefox key |\n");
    s.push_str("|---|---|---|---|\n");
    for r in REASONS {
        let chromium = if r.chromium().is_empty() {
            "—".to_string()
        } else {
            r.chromium()
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let firefox = match r.firefox_key() {
            Some(k) => format!("`{k}`"),
            None => "—".to_string(),
        };
        s.push_str(&format!(
            "| [{}]({}) | {} | {} | {} |\n",
            r.id, r.link, r.title, chromium, firefox
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::diagnosis::Evidence;
    use crate::core::exchange::{Header, Leg, PageRequest, Preflight, Response};

    // Expected strings below were printed by Chromium 156.0.8078.108 and
    // Firefox ESR 153.7.0 against `whycors lab` (page :41019, api :40361,
    // other :33067), captured with puppeteer-core on 2026-11-25.
    const PAGE: &str = "http://127.0.0.1:41019";

    fn ex(url: &str, t: ResourceType) -> Exchange {
        Exchange {
            page: PageRequest { origin: Some(PAGE.into()), resource_type: t, ..Default::default() },
            legs: vec![Leg {
                url: url.into(),
                response: Some(Response { status: 200, ..Default::default() }),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    /// The first leg answers `status` with `Location: location`; the
    /// response it had (if any) moves to a leg at `location`.
    fn redirect(e: &mut Exchange, status: u16, location: &str) {
        let was = e.legs[0].response.replace(Response {
            status,
            headers: vec![Header::new("Location", location)],
            ..Default::default()
        });
        if was.is_some() {
            e.legs.push(Leg { url: location.into(), response: was, ..Default::default() });
        }
    }

    fn answered(status: u16) -> Option<Preflight> {
        Some(Preflight { response: Some(Response { status, ..Default::default() }), ..Default::default() })
    }

    fn fail(
        reason: &'static str,
        name: &'static str,
        param: Option<&str>,
        stage: Stage,
    ) -> Failure {
        Failure {
            reason: ReasonId::from_id(reason).expect("a reason id"),
            name: Some(name),
            parameter: param.map(str::to_string),
            evidence: Evidence {
                stage,
                hop: None,
                header: None,
                observed: None,
                expected: None,
                fetch_step: String::new(),
                spec_url: None,
            },
        }
    }

    #[test]
    fn chromium_fetch_mismatch() {
        let e = ex(
            "http://127.0.0.1:40361/api/a?acao=http://example.com&tag=m2",
            ResourceType::Fetch,
        );
        let f = fail(
            "CORSAllowOriginNotMatchingOrigin",
            "AllowOriginMismatch",
            Some("http://example.com"),
            Stage::Actual,
        );
        assert_eq!(console_message(Browser::Chromium, &f, &e), "Access to fetch at 'http://127.0.0.1:40361/api/a?acao=http://example.com&tag=m2' from origin 'http://127.0.0.1:41019' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'http://example.com' that is not equal to the supplied origin. Have the server send the header with a valid value.");
        assert_eq!(
            console_also(Browser::Chromium, &f, &e),
            ["Failed to load resource: net::ERR_FAILED"]
        );
        let f = fail(
            "CORSAllowOriginNotMatchingOrigin",
            "CORSAllowOriginNotMatchingOrigin",
            Some("http://example.com"),
            Stage::Actual,
        );
        assert_eq!(console_message(Browser::Firefox, &f, &e), "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://127.0.0.1:40361/api/a?acao=http://example.com&tag=m2. (Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘http://example.com’).");
        assert!(console_also(Browser::Firefox, &f, &e).is_empty());
    }

    #[test]
    fn chromium_redirected_from() {
        let first = "http://127.0.0.1:40361/api/a?redirect=http%3A%2F%2F127.0.0.1%3A33067%2Fapi%2Fb%3Facao%3Dhttp%3A%2F%2F127.0.0.1%3A41019%26tag%3Dm4&acao=*&tag=m4";
        let mut e = ex(first, ResourceType::Fetch);
        redirect(&mut e, 302, "http://127.0.0.1:33067/api/b?acao=http://127.0.0.1:41019&tag=m4");
        let f = fail(
            "CORSAllowOriginNotMatchingOrigin",
            "AllowOriginMismatch",
            Some("http://127.0.0.1:41019"),
            Stage::Actual,
        );
        assert_eq!(console_message(Browser::Chromium, &f, &e), format!("Access to fetch at 'http://127.0.0.1:33067/api/b?acao=http://127.0.0.1:41019&tag=m4' (redirected from '{first}') from origin 'http://127.0.0.1:41019' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'http://127.0.0.1:41019' that is not equal to the supplied origin. Have the server send the header with a valid value."));
        let f = fail(
            "CORSAllowOriginNotMatchingOrigin",
            "CORSAllowOriginNotMatchingOrigin",
            Some("http://127.0.0.1:41019"),
            Stage::Actual,
        );
        assert_eq!(console_message(Browser::Firefox, &f, &e), "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://127.0.0.1:33067/api/b?acao=http://127.0.0.1:41019&tag=m4. (Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘http://127.0.0.1:41019’).");
    }

    #[test]
    fn xhr_wildcard_with_credentials() {
        let e = ex(
            "http://127.0.0.1:40361/api/a?acao=*&tag=m3",
            ResourceType::Xhr,
        );
        let f = fail(
            "CORSNotSupportingCredentials",
            "WildcardOriginNotAllowed",
            Some("*"),
            Stage::Actual,
        );
        assert_eq!(console_message(Browser::Chromium, &f, &e), "Access to XMLHttpRequest at 'http://127.0.0.1:40361/api/a?acao=*&tag=m3' from origin 'http://127.0.0.1:41019' has been blocked by CORS policy: The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'. The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.");
        let f = fail(
            "CORSNotSupportingCredentials",
            "CORSNotSupportingCredentials",
            None,
            Stage::Actual,
        );
        assert_eq!(console_message(Browser::Firefox, &f, &e), "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘http://127.0.0.1:40361/api/a?acao=*&tag=m3’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).");
    }

    #[test]
    fn preflight_lines() {
        let url = "http://127.0.0.1:40361/api/a?pf.status=500&pf.acao=http%3A%2F%2F127.0.0.1%3A41019&tag=m5";
        let mut e = ex(url, ResourceType::Fetch);
        e.legs[0].response = None;
        e.legs[0].preflight = answered(500);
        let f = fail(
            "CORSPreflightDidNotSucceed",
            "PreflightInvalidStatus",
            None,
            Stage::Preflight,
        );
        assert_eq!(console_message(Browser::Chromium, &f, &e), format!("Access to fetch at '{url}' from origin 'http://127.0.0.1:41019' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: It does not have HTTP ok status."));
        let f = fail(
            "CORSPreflightDidNotSucceed",
            "CORSPreflightDidNotSucceed3",
            Some("500"),
            Stage::Preflight,
        );
        assert_eq!(console_message(Browser::Firefox, &f, &e), format!("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS preflight response did not succeed). Status code: 500."));
        assert_eq!(console_also(Browser::Firefox, &f, &e), [format!("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS request did not succeed). Status code: (null).")]);

        let url = "http://127.0.0.1:40361/api/a?pf.redirect=http%3A%2F%2F127.0.0.1%3A40361%2Fapi%2Fb&pf.acao=http%3A%2F%2F127.0.0.1%3A41019&tag=m9";
        let mut e = ex(url, ResourceType::Fetch);
        e.legs[0].preflight = answered(302);
        let f = fail(
            "CORSExternalRedirectNotAllowed",
            "CORSExternalRedirectNotAllowed",
            None,
            Stage::Preflight,
        );
        assert_eq!(console_message(Browser::Firefox, &f, &e), format!("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS request external redirect not allowed)."));
        assert_eq!(console_also(Browser::Firefox, &f, &e), [
            format!("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS preflight response did not succeed). Status code: 302."),
            format!("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS request did not succeed). Status code: (null)."),
        ]);
        let f = fail(
            "CORSExternalRedirectNotAllowed",
            "PreflightDisallowedRedirect",
            None,
            Stage::Preflight,
        );
        assert_eq!(console_message(Browser::Chromium, &f, &e), format!("Access to fetch at '{url}' from origin 'http://127.0.0.1:41019' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: Redirect is not allowed for a preflight request."));
    }

    #[test]
    fn preflight_after_a_redirect() {
        // PUT answered 307 to another origin, whose preflight lacks ACAO
        // (page :40963, api :33129, other :33387). The failing preflight is
        // the one sent after hop 0 (evidence hop 0); the top-level one, to
        // the first URL, passed.
        let first = "http://127.0.0.1:33129/api/a?pf.acao=http%3A%2F%2F127.0.0.1%3A40963&pf.acam=PUT&acao=http%3A%2F%2F127.0.0.1%3A40963&status=307&redirect=http%3A%2F%2F127.0.0.1%3A33387%2Fapi%2Fb%3Ftag%3Dr1&tag=r1";
        let mut e = ex(first, ResourceType::Fetch);
        e.page.origin = Some("http://127.0.0.1:40963".into());
        e.legs[0].response = None;
        redirect(&mut e, 307, "http://127.0.0.1:33387/api/b?tag=r1");
        e.legs[0].preflight = answered(204);
        let f = fail(
            "CORSMissingAllowOrigin",
            "PreflightMissingAllowOriginHeader",
            None,
            Stage::Preflight,
        );
        let mut f = f;
        f.evidence.hop = Some(0);
        assert_eq!(console_message(Browser::Chromium, &f, &e), format!("Access to fetch at 'http://127.0.0.1:33387/api/b?tag=r1' (redirected from '{first}') from origin 'http://127.0.0.1:40963' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource."));
        let f = fail(
            "CORSMissingAllowOrigin",
            "CORSMissingAllowOrigin2",
            Some("204"),
            Stage::Preflight,
        );
        let mut f = f;
        f.evidence.hop = Some(0);
        assert_eq!(console_message(Browser::Firefox, &f, &e), "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://127.0.0.1:33387/api/b?tag=r1. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 204.");
        assert_eq!(console_also(Browser::Firefox, &f, &e), ["Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://127.0.0.1:33387/api/b?tag=r1. (Reason: CORS request did not succeed). Status code: (null)."]);
    }

    #[test]
    fn other_kinds_and_formats() {
        let e = ex(
            "http://127.0.0.1:40361/api/a.png?type=png&tag=m6",
            ResourceType::Image,
        );
        let f = fail(
            "CORSMissingAllowOrigin",
            "MissingAllowOriginHeader",
            None,
            Stage::Actual,
        );
        assert_eq!(console_message(Browser::Chromium, &f, &e), "Access to image at 'http://127.0.0.1:40361/api/a.png?type=png&tag=m6' from origin 'http://127.0.0.1:41019' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.");
        let f = fail(
            "CORSMissingAllowOrigin",
            "CORSMissingAllowOrigin2",
            Some("200"),
            Stage::Actual,
        );
        assert_eq!(console_message(Browser::Firefox, &f, &e), "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://127.0.0.1:40361/api/a.png?type=png&tag=m6. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.");

        let e = ex("http://127.0.0.1:40361/api/a?tag=m10", ResourceType::Fetch);
        let f = fail(
            "CORSDisallowedByMode",
            "DisallowedByMode",
            None,
            Stage::Request,
        );
        assert_eq!(console_message(Browser::Chromium, &f, &e), "Fetch API cannot load http://127.0.0.1:40361/api/a?tag=m10. Request mode is \"same-origin\" but the URL's origin is not same as the request origin http://127.0.0.1:41019.");
        assert!(console_also(Browser::Chromium, &f, &e).is_empty());

        let e = ex(
            "http://127.0.0.1:40361/api/a?acao=*&acao=*&tag=m7",
            ResourceType::Fetch,
        );
        let f = fail(
            "CORSMultipleAllowOriginNotAllowed",
            "MultipleAllowOriginValues",
            Some("*, *"),
            Stage::Actual,
        );
        assert_eq!(console_message(Browser::Chromium, &f, &e), "Access to fetch at 'http://127.0.0.1:40361/api/a?acao=*&acao=*&tag=m7' from origin 'http://127.0.0.1:41019' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header contains multiple values '*, *', but only one is allowed. Have the server send the header with a valid value.");

        let e = ex(
            "http://127.0.0.1:40361/api/a?acao=127.0.0.1&tag=m12",
            ResourceType::Xhr,
        );
        let f = fail(
            "CORSInvalidAllowOriginValue",
            "InvalidAllowOriginValue",
            Some("127.0.0.1"),
            Stage::Actual,
        );
        assert_eq!(console_message(Browser::Chromium, &f, &e), "Access to XMLHttpRequest at 'http://127.0.0.1:40361/api/a?acao=127.0.0.1&tag=m12' from origin 'http://127.0.0.1:41019' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header contains the invalid value '127.0.0.1'.");

        let mut e = ex(
            "http://127.0.0.1:36061/api/a?pf.drop=1&tag=n1",
            ResourceType::Fetch,
        );
        e.legs[0].preflight = Some(Preflight {
            error: Some("net::ERR_EMPTY_RESPONSE".into()),
            ..Default::default()
        });
        let f = fail(
            "CORSInvalidResponse",
            "InvalidResponse",
            None,
            Stage::Preflight,
        );
        assert_eq!(
            console_message(Browser::Chromium, &f, &e),
            "Failed to load resource: net::ERR_EMPTY_RESPONSE"
        );
    }

    #[test]
    fn hint_encoding() {
        assert_eq!(encode_hint("a b"), "a b");
        assert_eq!(encode_hint("a\tb"), "a\\u0009b");
        assert_eq!(encode_hint("é"), "\\u00E9");
    }

    #[test]
    fn lookup_by_browser_name() {
        assert_eq!(
            by_browser_name("PreflightAllowOriginMismatch").map(|r| r.id),
            Some(ReasonId::CORSAllowOriginNotMatchingOrigin)
        );
        assert_eq!(
            by_browser_name("CORSMissingAllowOrigin2").map(|r| r.id),
            Some(ReasonId::CORSMissingAllowOrigin)
        );
    }
}
