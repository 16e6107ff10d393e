//! Requests stopped by something other than CORS, named as that: mixed
//! content, the page's Content Security Policy, a browser extension or
//! content blocker, Opaque Response Blocking, a certificate error, Firefox's
//! Local Network Access. None of these is a CORS failure, and no change to
//! the server's CORS headers helps; the diagnosis says what stopped the
//! request instead of a CORS reason (`Diagnosis.stoppedBy`).
//!
//! What each browser did is in `tests/data/MEASURED.md` §1-§2 (Chromium 156,
//! Firefox ESR 153); the evidence read here is what a source records of it:
//!
//! | stop | Chromium | Firefox | both |
//! |---|---|---|---|
//! | `mixed-content` | CDP `blockedReason: mixed-content`, `MixedContentIssue` | console category `Mixed Content Blocker` | an `https:` page, an `http:` URL that is not potentially trustworthy, no response |
//! | `csp` | `ContentSecurityPolicyIssue`, CDP `blockedReason: csp` | console category `CSP_…` | the page's `Content-Security-Policy` (its document's headers) does not allow the URL, no response |
//! | `client` | `net::ERR_BLOCKED_BY_CLIENT` | `NS_ERROR_ABORT` with no response | |
//! | `orb` | `net::ERR_BLOCKED_BY_ORB`; `net::ERR_ABORTED` on a response to a request not made in `cors` mode; `ResponseWasBlockedByORB` | console category `ORB` | |
//! | `certificate` | `net::ERR_CERT_…` | `…SEC_ERROR_…`, `…MOZILLA_PKIX_ERROR_…`, `…SSL_ERROR_…`; webRequest: NSS's message ("The certificate is not trusted …") | |
//! | `local-network-access` | (Chromium names its own as CORS errors) | `NS_ERROR_LOCAL_NETWORK_ACCESS_DENIED` | |
//!
//! A certificate error is a network error (`network-error`); the others
//! leave the request `not-cors`. Firefox logs its generic
//! `CORSDidNotSucceed2` after an add-on's block, a certificate error and a
//! Local Network Access denial (measured), not after mixed content or CSP.

#[cfg(feature = "full")]
use serde::Deserialize;
use serde::Serialize;
use url::Url;

use crate::core::exchange::{Browser, Exchange, HeaderList, Mode, ResourceType};
use crate::core::facts::{page_origin, sec_fetch_mode};
use crate::core::fetch::csp::{self, Destination};
use crate::core::fetch::origin;
use crate::core::verdict::{Evidence, Stage, Verdict};

/// What stopped a request, other than CORS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "full", derive(Deserialize))]
#[serde(rename_all = "kebab-case")]
pub enum Stop {
    /// An `https:` page may not fetch an `http:` URL (Mixed Content).
    MixedContent,
    /// The page's Content Security Policy does not allow the URL.
    Csp,
    /// A browser extension or content blocker blocked the request.
    Client,
    /// Opaque Response Blocking kept a `no-cors` response from the page:
    /// an opaque response CORS never checked.
    Orb,
    /// The TLS handshake failed on the server's certificate.
    Certificate,
    /// Firefox's Local Network Access denied a request to a more private
    /// address.
    LocalNetworkAccess,
}

impl Stop {
    pub const ALL: [Stop; 6] =
        [Stop::MixedContent, Stop::Csp, Stop::Client, Stop::Orb, Stop::Certificate, Stop::LocalNetworkAccess];

    /// The stable id (`mixed-content`, `csp`, `client`, `orb`,
    /// `certificate`, `local-network-access`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stop::MixedContent => "mixed-content",
            Stop::Csp => "csp",
            Stop::Client => "client",
            Stop::Orb => "orb",
            Stop::Certificate => "certificate",
            Stop::LocalNetworkAccess => "local-network-access",
        }
    }

    /// The verdict a request so stopped gets.
    pub fn verdict(self) -> Verdict {
        match self {
            Stop::Certificate => Verdict::NetworkError,
            _ => Verdict::NotCors,
        }
    }

    /// Whether Firefox logs its generic `CORSDidNotSucceed2` line after it
    /// (measured: an add-on's block, a certificate error, a Local Network
    /// Access denial).
    pub fn firefox_logs_did_not_succeed(self) -> bool {
        matches!(self, Stop::Client | Stop::Certificate | Stop::LocalNetworkAccess)
    }
}

/// A stop, and the observation that shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Stopped {
    pub stop: Stop,
    pub evidence: Evidence,
}

const SPEC_MIXED: &str = "https://w3c.github.io/webappsec-mixed-content/#should-block-fetch";
const SPEC_CSP: &str = "https://w3c.github.io/webappsec-csp/#should-block-request";
const SPEC_MAIN_FETCH: &str = "https://fetch.spec.whatwg.org/#main-fetch";
const SPEC_NETWORK_ERROR: &str = "https://fetch.spec.whatwg.org/#concept-network-error";
const SPEC_LNA: &str = "https://wicg.github.io/local-network-access/";

fn evidence(header: Option<&str>, observed: Option<String>, expected: Option<&str>, step: &str, url: &str) -> Evidence {
    Evidence {
        stage: Stage::Request,
        hop: None,
        header: header.map(str::to_string),
        observed,
        expected: expected.map(str::to_string),
        fetch_step: step.to_string(),
        spec_url: Some(url.to_string()),
    }
}

/// Which browser an error string comes from (`net::…` is Chromium's,
/// `NS_…` and the security modules' codes Firefox's).
fn error_browser(e: &str) -> Option<Browser> {
    if e.starts_with("net::") {
        Some(Browser::Chromium)
    } else if e.starts_with("NS_") || e.contains("SEC_ERROR_") || e.contains("MOZILLA_PKIX_ERROR_") || e.contains("SSL_ERROR_") {
        Some(Browser::Firefox)
    } else {
        None
    }
}

/// Whether the request was made in `cors` mode as far as the exchange
/// records it (the page's call, `Sec-Fetch-Mode`, an `Origin` header).
fn known_cors(ex: &Exchange) -> bool {
    let sent = ex.legs.first().map(|l| l.request_headers.as_slice()).unwrap_or(&[]);
    ex.page.mode == Some(Mode::Cors) || sec_fetch_mode(sent) == Some(Mode::Cors) || sent.has("origin")
}

fn any_response(ex: &Exchange) -> bool {
    ex.legs.iter().any(|l| l.response.is_some() || l.preflight.as_ref().is_some_and(|p| p.response.is_some()))
}

/// What stopped the request for `browser`, other than CORS, if the
/// exchange shows it (see the module docs). Environment stops (mixed
/// content, CSP, an extension, a certificate, ORB) hold for both browsers;
/// Firefox's Local Network Access for Firefox only (Chromium names its own
/// as CORS errors).
pub fn stopped(ex: &Exchange, browser: Browser) -> Option<Stopped> {
    from_error(ex, browser)
        .or_else(|| from_report(ex))
        .or_else(|| mixed_content(ex))
        .or_else(|| csp_block(ex))
}

fn from_error(ex: &Exchange, browser: Browser) -> Option<Stopped> {
    let e = ex
        .error
        .as_deref()
        .or_else(|| ex.legs.iter().find_map(|l| l.preflight.as_ref().and_then(|p| p.error.as_deref())))?
        .trim();
    let from = error_browser(e);
    let observed = || Some(e.to_string());
    let step_net = "network error (not a CORS check)";
    match from {
        Some(Browser::Chromium) => {
            if e == "net::ERR_BLOCKED_BY_CLIENT" {
                return Some(Stopped {
                    stop: Stop::Client,
                    evidence: evidence(None, observed(), None, "(blocked by a browser extension or content blocker; not in the Fetch Standard)", SPEC_MAIN_FETCH),
                });
            }
            if e == "net::ERR_BLOCKED_BY_ORB"
                || (e == "net::ERR_ABORTED" && ex.last_response().is_some() && !known_cors(ex))
            {
                return Some(Stopped {
                    stop: Stop::Orb,
                    evidence: evidence(None, observed(), None, "Main fetch: opaque-response blocking (a no-cors response)", SPEC_MAIN_FETCH),
                });
            }
            if e.starts_with("net::ERR_CERT_") {
                return Some(Stopped { stop: Stop::Certificate, evidence: evidence(None, observed(), Some("a certificate the browser trusts"), step_net, SPEC_NETWORK_ERROR) });
            }
            None
        }
        Some(Browser::Firefox) => {
            if e.contains("SEC_ERROR_") || e.contains("MOZILLA_PKIX_ERROR_") || e.contains("SSL_ERROR_") {
                return Some(Stopped { stop: Stop::Certificate, evidence: evidence(None, observed(), Some("a certificate the browser trusts"), step_net, SPEC_NETWORK_ERROR) });
            }
            if e == "NS_ERROR_LOCAL_NETWORK_ACCESS_DENIED" && browser == Browser::Firefox {
                return Some(Stopped {
                    stop: Stop::LocalNetworkAccess,
                    evidence: evidence(None, observed(), Some("the Local Network Access permission granted"), "Local Network Access: permission", SPEC_LNA),
                });
            }
            if e == "NS_ERROR_ABORT" && !any_response(ex) {
                return Some(Stopped {
                    stop: Stop::Client,
                    evidence: evidence(None, observed(), None, "(blocked by a browser extension or content blocker; not in the Fetch Standard)", SPEC_MAIN_FETCH),
                });
            }
            None
        }
        // Firefox's webRequest gives NSS's message for a certificate error
        // (measured: "The certificate is not trusted because it is
        // self-signed.").
        None if e.to_ascii_lowercase().contains("certificate") => Some(Stopped {
            stop: Stop::Certificate,
            evidence: evidence(None, observed(), Some("a certificate the browser trusts"), step_net, SPEC_NETWORK_ERROR),
        }),
        None => None,
    }
}

/// The browser's own report beyond CORS names: Chromium's CDP
/// `blockedReason` and DevTools issue codes, Firefox's console categories.
fn from_report(ex: &Exchange) -> Option<Stopped> {
    let r = ex.reported.as_ref()?;
    let said = |what: &str| Some(what.to_string());
    let blocked = r.blocked_reason.as_deref().map(str::trim);
    for item in r.issues.iter().map(|s| s.trim()).chain(blocked) {
        let stop = if item == "mixed-content" || item.starts_with("MixedContentIssue") || item == "Mixed Content Blocker" {
            Stop::MixedContent
        } else if item == "csp" || item.starts_with("ContentSecurityPolicyIssue") || item.starts_with("CSP_") {
            Stop::Csp
        } else if item.contains("ResponseWasBlockedByORB") || item == "ORB" {
            Stop::Orb
        } else {
            continue;
        };
        let (step, url) = match stop {
            Stop::MixedContent => ("Mixed Content: should fetching request be blocked as mixed content?", SPEC_MIXED),
            Stop::Csp => ("Content Security Policy: should request be blocked?", SPEC_CSP),
            _ => ("Main fetch: opaque-response blocking (a no-cors response)", SPEC_MAIN_FETCH),
        };
        return Some(Stopped { stop, evidence: evidence(None, said(item), None, &format!("{step} (reported by the browser)"), url) });
    }
    None
}

/// Whether a URL is potentially trustworthy as Mixed Content reads it for
/// an `http:` URL: a loopback address or `localhost` (measured: an https
/// page's fetch() of `http://127.0.0.1:…` is allowed in both browsers).
fn trustworthy_http(u: &Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => false,
    }
}

/// A private address literal or a `.local` name: Local Network Access
/// territory, where Chromium lets an https: page through mixed content and
/// asks for the permission instead (not measured here: left out).
fn local_network(u: &Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(a)) => a.is_private() || a.is_link_local(),
        Some(url::Host::Ipv6(a)) => {
            let first = a.segments().first().copied().unwrap_or(0);
            (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
        Some(url::Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase().ends_with(".local"),
        None => false,
    }
}

/// An `https:` page, and a leg that got nothing back whose URL is `http:`
/// (or `ws:`) and not potentially trustworthy: blocked as mixed content
/// before any request (measured for fetch() in both browsers). Images and
/// media are upgraded or allowed as passive content, not blocked (not
/// measured here): left out.
fn mixed_content(ex: &Exchange) -> Option<Stopped> {
    if matches!(ex.page.resource_type, ResourceType::Image | ResourceType::Media) {
        return None;
    }
    // A fetch() that declares its `targetAddressSpace` may reach a local
    // device over http: from an https: page (Chromium's Local Network
    // Access lets it through mixed content, cors-reference §1.5).
    if ex.context.as_ref().is_some_and(|c| c.declared_target_address_space.is_some()) {
        return None;
    }
    let page = origin::parse(page_origin(ex)?)?;
    if page.scheme() != "https" {
        return None;
    }
    let leg = ex.legs.iter().find(|l| l.response.is_none() && l.preflight.as_ref().is_none_or(|p| p.response.is_none()))?;
    let u = origin::parse(&leg.url)?;
    if !matches!(u.scheme(), "http" | "ws") || trustworthy_http(&u) || local_network(&u) {
        return None;
    }
    if ex.context.as_ref().and_then(|c| c.target_address_space.as_deref()).is_some_and(|t| {
        matches!(t.trim().to_ascii_lowercase().as_str(), "local" | "private" | "loopback")
    }) {
        return None;
    }
    if ex.error.as_deref().is_some_and(|e| !e.trim().is_empty()) {
        // The browser tried the network (a network error): not blocked before it.
        return None;
    }
    Some(Stopped {
        stop: Stop::MixedContent,
        evidence: evidence(None, Some(leg.url.clone()), Some("an https: URL"), "Mixed Content: should fetching request be blocked as mixed content?", SPEC_MIXED),
    })
}

fn destination(rt: ResourceType) -> Option<Destination> {
    Some(match rt {
        ResourceType::Fetch | ResourceType::Xhr | ResourceType::EventSource | ResourceType::Beacon | ResourceType::Websocket | ResourceType::Other => {
            Destination::Connect
        }
        ResourceType::Image => Destination::Image,
        ResourceType::Font => Destination::Font,
        ResourceType::Script | ResourceType::ModuleScript => Destination::Script,
        ResourceType::Stylesheet => Destination::Style,
        ResourceType::Media => Destination::Media,
        ResourceType::Document | ResourceType::Subdocument | ResourceType::Preflight => return None,
    })
}

/// The page's Content Security Policy (`context.pageCsp`) does not allow a
/// leg's URL, and that leg got nothing back.
fn csp_block(ex: &Exchange) -> Option<Stopped> {
    let headers = ex.context.as_ref()?.page_csp.as_deref()?;
    let page = origin::parse(page_origin(ex)?)?;
    let dest = destination(ex.page.resource_type)?;
    for (k, leg) in ex.legs.iter().enumerate() {
        let Some(u) = origin::parse(&leg.url) else { continue };
        let Some(directive) = csp::blocking_directive(headers, dest, &page, &u, k) else { continue };
        if leg.response.is_some() || leg.preflight.as_ref().is_some_and(|p| p.response.is_some()) {
            // It went out all the same: the policy did not apply (a report-only policy, ...).
            return None;
        }
        return Some(Stopped {
            stop: Stop::Csp,
            evidence: evidence(
                Some("Content-Security-Policy"),
                Some(directive),
                Some(&format!("a source list that allows {}", origin::origin_of(&u))),
                "Content Security Policy: should request be blocked?",
                SPEC_CSP,
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::exchange::{Context, Header, Leg, PageRequest, Reported, Response};

    fn ex(page: &str, url: &str, error: Option<&str>) -> Exchange {
        Exchange {
            page: PageRequest { origin: Some(page.into()), resource_type: ResourceType::Fetch, ..PageRequest::default() },
            legs: vec![Leg { url: url.into(), ..Leg::default() }],
            error: error.map(str::to_string),
            ..Exchange::default()
        }
    }

    fn stop(e: &Exchange, b: Browser) -> Option<Stop> {
        stopped(e, b).map(|s| s.stop)
    }

    // MEASURED.md §2: what each browser's network layer reported.
    #[test]
    fn the_browsers_errors() {
        let p = "http://127.0.0.1:18801";
        let e = ex(p, "http://127.0.0.1:18802/x", Some("net::ERR_BLOCKED_BY_CLIENT"));
        assert_eq!(stop(&e, Browser::Chromium), Some(Stop::Client));
        let e = ex(p, "https://127.0.0.1:18805/x", Some("net::ERR_CERT_AUTHORITY_INVALID"));
        assert_eq!(stop(&e, Browser::Firefox), Some(Stop::Certificate));
        let e = ex(p, "https://127.0.0.1:18805/x", Some("NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT)"));
        assert_eq!(stop(&e, Browser::Firefox), Some(Stop::Certificate));
        let e = ex(p, "https://127.0.0.1:18805/x", Some("The certificate is not trusted because it is self-signed."));
        assert_eq!(stop(&e, Browser::Firefox), Some(Stop::Certificate), "Firefox webRequest's wording");
        let e = ex(p, "http://127.0.0.1:18802/x", Some("NS_ERROR_LOCAL_NETWORK_ACCESS_DENIED"));
        assert_eq!(stop(&e, Browser::Firefox), Some(Stop::LocalNetworkAccess));
        assert_eq!(stop(&e, Browser::Chromium), None);
        let e = ex(p, "http://127.0.0.1:18802/x", Some("NS_ERROR_ABORT"));
        assert_eq!(stop(&e, Browser::Firefox), Some(Stop::Client));
        // Refused connections and CORS failures are not stops.
        for err in ["net::ERR_CONNECTION_REFUSED", "net::ERR_FAILED", "NS_ERROR_CONNECTION_REFUSED", "NS_ERROR_DOM_BAD_URI"] {
            assert_eq!(stop(&ex(p, "http://127.0.0.1:18802/x", Some(err)), Browser::Chromium), None, "{err}");
        }
    }

    // MEASURED.md §1: ORB on a no-cors fetch() is `net::ERR_ABORTED` on a
    // status-200 response with no `Origin`; a cors request aborted after its
    // response is the page's cancellation, not ORB.
    #[test]
    fn aborted_no_cors_response_is_orb() {
        let mut e = ex("http://127.0.0.1:18801", "http://127.0.0.1:18802/x", Some("net::ERR_ABORTED"));
        assert_eq!(stop(&e, Browser::Chromium), None, "no response: a cancellation");
        e.legs[0].response = Some(Response { status: 200, ..Response::default() });
        assert_eq!(stop(&e, Browser::Chromium), Some(Stop::Orb));
        e.legs[0].request_headers = vec![Header::new("Origin", "http://127.0.0.1:18801")];
        assert_eq!(stop(&e, Browser::Chromium), None);
    }

    #[test]
    fn mixed_content_and_csp_from_the_exchange() {
        let e = ex("https://lab.test:18804", "http://api.test:18802/x", None);
        assert_eq!(stop(&e, Browser::Chromium), Some(Stop::MixedContent));
        assert_eq!(stop(&e, Browser::Firefox), Some(Stop::MixedContent));
        // Loopback is potentially trustworthy (mixed-content-loopback: allowed).
        assert_eq!(stop(&ex("https://lab.test:18804", "http://127.0.0.1:18802/x", None), Browser::Chromium), None);
        let mut e = ex("http://127.0.0.1:18801", "http://127.0.0.1:18802/x", None);
        assert_eq!(stop(&e, Browser::Firefox), None);
        e.context = Some(Context { page_csp: Some(vec!["connect-src 'self'".into()]), ..Context::default() });
        assert_eq!(stop(&e, Browser::Firefox), Some(Stop::Csp));
        e.legs[0].response = Some(Response { status: 200, ..Response::default() });
        assert_eq!(stop(&e, Browser::Firefox), None, "it went out: the policy did not stop it");
        let mut e = ex("http://127.0.0.1:18801", "http://127.0.0.1:18802/x", None);
        e.reported = Some(Reported { issues: vec!["CSP_CSPGenericViolation".into()], ..Reported::default() });
        assert_eq!(stop(&e, Browser::Firefox), Some(Stop::Csp));
    }
}
