//! One browser's way through a request: the preflight the engine says it
//! sends, the actual request unless the preflight stopped it, and every
//! redirect followed as that browser follows it, each step checked by the
//! engine (`check::evaluate`) to know whether the browser goes on. What was
//! sent and received becomes a schema-2 [`Exchange`], one leg per URL.
//!
//! Per browser, measured in Chromium 156 and Firefox ESR 153 (the lab's
//! recorded fixtures `put-307-cross-origin*`): after a cross-origin hop of
//! a request whose page is not the hop's origin (redirect taint), the
//! actual request carries `Origin: null` in both; the preflight to the new
//! URL carries `Origin: null` in Chromium and the page's origin in Firefox.

use super::net::{self, NetConfig, NetError, WireRequest, WireResponse};
use super::spec::{self, Spec};
use crate::diagnosis::Verdict;
use crate::exchange::{End, Exchange, Leg, PageRequest, Preflight, Response};
use crate::fetch::{origin as forigin, safelist};
use crate::exchange::{Browser, Credentials, Header, Mode, PreflightObservation, ResourceType};
use std::collections::HashMap;
use std::time::Instant;
use url::Url;

/// What the probe sends as `User-Agent`.
pub const USER_AGENT: &str = concat!("whycors-probe/", env!("CARGO_PKG_VERSION"));

/// A request the probe sent, with what came back.
#[derive(Clone, Debug)]
pub struct Sent {
    pub preflight: bool,
    /// As sent (secrets included; redact before showing).
    pub request: WireRequest,
    pub outcome: Result<WireResponse, NetError>,
    /// Answered from this run's memory: the same request was already sent
    /// for the other browser (the bytes were identical).
    pub reused: bool,
}

/// One browser's walk.
#[derive(Clone, Debug)]
pub struct Walk {
    pub browser: Browser,
    pub sent: Vec<Sent>,
    /// Secrets redacted unless `--show-secrets`.
    pub exchange: Exchange,
    /// Why the probe could not finish (exit status 2).
    pub fatal: Option<String>,
}

/// The run's shared state: responses by request bytes, the request count
/// and the deadline.
pub struct Runner {
    pub net: NetConfig,
    cache: HashMap<Vec<u8>, Result<WireResponse, NetError>>,
    /// Requests really sent (not answered from the cache).
    pub sent_count: usize,
    pub max_requests: usize,
    pub deadline: Instant,
}

impl Runner {
    pub fn new(net: NetConfig, max_requests: usize, deadline: Instant) -> Runner {
        Runner { net, cache: HashMap::new(), sent_count: 0, max_requests, deadline }
    }

    fn key(req: &WireRequest) -> Vec<u8> {
        let mut k = req.url.scheme().as_bytes().to_vec();
        k.push(b'|');
        k.extend(net::http1_bytes(req));
        k
    }

    /// Sends `req`, or answers it from memory when the same bytes were
    /// already sent in this run. Returns the outcome and whether it was reused.
    pub async fn send(&mut self, req: &WireRequest) -> (Result<WireResponse, NetError>, bool) {
        let key = Self::key(req);
        if let Some(r) = self.cache.get(&key) {
            if !matches!(r, Err(NetError::Fatal(_))) {
                return (r.clone(), true);
            }
        }
        if self.sent_count >= self.max_requests {
            return (
                Err(NetError::Fatal(format!(
                    "the probe stops at {} requests (its bound for one run)",
                    self.max_requests
                ))),
                false,
            );
        }
        let now = Instant::now();
        if now >= self.deadline {
            return (Err(NetError::Fatal("the probe ran out of time (its bound for one run)".into())), false);
        }
        let mut cfg = self.net.clone();
        cfg.timeout = cfg.timeout.min(self.deadline.saturating_duration_since(now));
        self.sent_count += 1;
        let r = net::send(&cfg, req).await;
        self.cache.insert(key, r.clone());
        (r, false)
    }
}

fn h(n: &str, v: impl Into<String>) -> Header {
    Header::new(n, v)
}

/// The headers as recorded and shown: secret values redacted unless asked not to.
pub fn shown_headers(headers: &[Header], show_secrets: bool) -> Vec<Header> {
    headers
        .iter()
        .map(|x| {
            if !show_secrets && spec::is_secret_header(&x.name) {
                Header::new(x.name.clone(), spec::redact_value(&x.value))
            } else {
                x.clone()
            }
        })
        .collect()
}

fn shown_url(url: &Url, show_secrets: bool) -> String {
    if show_secrets {
        url.to_string()
    } else {
        spec::redact_url(url.as_str())
    }
}

fn response_of(r: &WireResponse) -> Response {
    Response { status: r.status, headers: r.headers.clone(), headers_merged: false }
}

fn error_name(e: &NetError, b: Browser) -> Option<String> {
    match e {
        NetError::Network { chromium, firefox, .. } => Some(match b {
            Browser::Chromium => (*chromium).to_string(),
            Browser::Firefox => (*firefox).to_string(),
        }),
        NetError::Fatal(_) => None,
    }
}

/// The page part of the exchange.
pub fn page_of(spec: &Spec) -> PageRequest {
    PageRequest {
        origin: Some(spec.origin.clone()),
        method: Some(spec.method_as_given.clone()),
        author_headers: Some(shown_headers(&spec.author_headers, spec.show_secrets)),
        resource_type: ResourceType::Fetch,
        mode: Some(Mode::Cors),
        credentials: Some(if spec.include_credentials { Credentials::Include } else { Credentials::Omit }),
        redirect_mode: Some("follow".into()),
        rejected: None,
        read_headers: Vec::new(),
        call_site: None,
    }
}

/// Whether the engine says `browser` stops here (the exchange so far).
fn engine_stops(ex: &Exchange, browser: Browser, cred: bool) -> bool {
    let o = crate::check::evaluate(ex, browser, cred);
    matches!(o.verdict, Verdict::Blocked | Verdict::NetworkError)
}

/// Request-body header names, removed when a redirect turns the request into a GET.
fn is_body_header(name: &str) -> bool {
    ["content-encoding", "content-language", "content-location", "content-type"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
}

/// Walks `spec` as `browser` does.
pub async fn walk(spec: &Spec, browser: Browser, runner: &mut Runner) -> Walk {
    let cred = spec.include_credentials;
    let mut ex = Exchange {
        id: Some(format!("probe.{}", browser.as_str())),
        browser: Some(browser),
        page: page_of(spec),
        ..Exchange::default()
    };
    let mut sent: Vec<Sent> = Vec::new();
    let mut fatal: Option<String> = None;

    let mut url = spec.url.clone();
    let mut method = spec.method.clone();
    let mut author = spec.author_headers.clone();
    let mut body = spec.body.as_ref().map(|b| b.body());
    let mut tainted = false;
    let mut cors = !forigin::same_origin_with_serialized(&url, &spec.origin);
    let mut seen: Vec<(String, String, bool)> = Vec::new();
    let mut redirects: u32 = 0;
    // The page's CORS-unsafe header names, and those a redirect removed.
    let first_names = safelist::unsafe_request_header_names(&spec.author_headers, browser);
    let mut removed: Vec<String> = Vec::new();

    loop {
        seen.push((method.clone(), url.to_string(), tainted));
        let leg_url = shown_url(&url, spec.show_secrets);
        ex.legs.push(Leg { url: leg_url.clone(), method: Some(method.clone()), ..Leg::default() });
        let k = ex.legs.len() - 1;

        // The preflight: the engine's for the first URL; after a redirect,
        // the same rule (a method that is not safelisted, or CORS-unsafe
        // headers) with this browser's Origin.
        let page_origin = spec.origin.as_str();
        let pf_headers: Option<Vec<Header>> = if !cors {
            None
        } else if k == 0 {
            let mut fresh = Exchange {
                page: page_of(spec),
                legs: vec![Leg { url: leg_url.clone(), ..Leg::default() }],
                ..Exchange::default()
            };
            // Author headers unredacted for the decision (values of safelisted names matter).
            fresh.page.author_headers = Some(author.clone());
            crate::diagnose::preflight_request(&fresh, browser).map(|p| p.headers)
        } else {
            let (needed, names) = match browser {
                // Chromium decides again from the request as it now is
                // (cors_url_loader.cc: a redirect that needs a preflight
                // restarts the request).
                Browser::Chromium => {
                    let names = safelist::unsafe_request_header_names(&author, browser);
                    (!safelist::is_safelisted_method(&method) || !names.is_empty(), names)
                }
                // Firefox keeps the page's CORS-unsafe header names from the
                // start (loadInfo's CorsUnsafeHeaders, nsCORSListenerProxy.cpp
                // CheckPreflightNeeded): a request that had any is preflighted
                // at every redirect target, without the names of the headers
                // the redirect removed. Measured: a GET with Authorization
                // 307-redirected to another origin is preflighted there with no
                // Access-Control-Request-Headers (authorization-307-* fixtures).
                Browser::Firefox => {
                    let mut names = first_names.clone();
                    names.retain(|n| !removed.iter().any(|r| r.eq_ignore_ascii_case(n)));
                    let m = method.to_ascii_lowercase();
                    (!matches!(m.as_str(), "get" | "post" | "head") || !first_names.is_empty(), names)
                }
            };
            if !needed {
                None
            } else {
                let origin = match (browser, tainted) {
                    (Browser::Chromium, true) => "null",
                    _ => page_origin,
                };
                Some(safelist::preflight_request_headers(&method, origin, &names))
            }
        };
        if let Some(mut headers) = pf_headers {
            headers.push(h("User-Agent", USER_AGENT));
            let req = WireRequest { method: "OPTIONS".into(), url: url.clone(), headers, body: Vec::new() };
            let (outcome, reused) = runner.send(&req).await;
            let mut pf = Preflight {
                request_headers: shown_headers(&req.headers, spec.show_secrets),
                response: None,
                error: None,
            };
            match &outcome {
                Ok(r) => pf.response = Some(response_of(r)),
                Err(NetError::Fatal(m)) => fatal = Some(m.clone()),
                Err(e) => {
                    pf.error = error_name(e, browser);
                    ex.error = pf.error.clone();
                    ex.end = End::Failed;
                }
            }
            if ex.remote_address.is_none() {
                ex.remote_address = outcome.as_ref().ok().and_then(|r| r.remote).map(|a| a.to_string());
            }
            if let Some(leg) = ex.legs.last_mut() {
                leg.preflight = Some(pf);
            }
            sent.push(Sent { preflight: true, request: req, outcome, reused });
            if fatal.is_some() || ex.error.is_some() {
                break;
            }
            // The first URL's preflight: the engine over the exchange. A
            // later one: the engine over that preflight alone, as the first
            // leg of a request made as it now stands (its method, the headers
            // left after the redirects, the Origin this browser sent), so the
            // headers a redirect removed are not asked of it.
            let stops = if k == 0 {
                engine_stops(&ex, browser, cred)
            } else {
                let pf_origin = match (browser, tainted) {
                    (Browser::Chromium, true) => "null",
                    _ => page_origin,
                };
                let mut page = page_of(spec);
                page.origin = Some(pf_origin.to_string());
                page.method = Some(method.clone());
                page.author_headers = Some(author.clone());
                let alone = Exchange {
                    page,
                    legs: vec![Leg {
                        url: leg_url.clone(),
                        preflight: ex.legs.last().and_then(|l| l.preflight.clone()),
                        ..Leg::default()
                    }],
                    ..Exchange::default()
                };
                engine_stops(&alone, browser, cred)
            };
            if stops {
                break;
            }
        }

        // The actual request.
        let mut headers: Vec<Header> = author.clone();
        if !headers.iter().any(|x| x.name.eq_ignore_ascii_case("accept")) {
            headers.push(h("Accept", "*/*"));
        }
        if cors || !matches!(method.as_str(), "GET" | "HEAD") {
            headers.push(h("Origin", if tainted { "null" } else { page_origin }));
        }
        headers.push(h("User-Agent", USER_AGENT));
        if cred && forigin::same_origin_url(&url, &spec.url) {
            if let Some(c) = &spec.cookie {
                headers.push(h("Cookie", c.clone()));
            }
        }
        let body_bytes = body.clone().unwrap_or_default();
        if body.is_some() || matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
            headers.push(h("Content-Length", body_bytes.len().to_string()));
        }
        let req = WireRequest { method: method.clone(), url: url.clone(), headers, body: body_bytes };
        let (outcome, reused) = runner.send(&req).await;
        if let Some(leg) = ex.legs.last_mut() {
            leg.request_headers = shown_headers(&req.headers, spec.show_secrets);
        }
        if ex.remote_address.is_none() {
            ex.remote_address = outcome.as_ref().ok().and_then(|r| r.remote).map(|a| a.to_string());
        }
        let response = match &outcome {
            Ok(r) => Some(r.clone()),
            Err(NetError::Fatal(m)) => {
                fatal = Some(m.clone());
                None
            }
            Err(e) => {
                ex.error = error_name(e, browser);
                ex.end = End::Failed;
                None
            }
        };
        sent.push(Sent { preflight: false, request: req, outcome, reused });
        let Some(resp) = response else { break };
        if let Some(leg) = ex.legs.last_mut() {
            leg.response = Some(response_of(&resp));
        }

        // A redirect?
        let is_redirect = matches!(resp.status, 301 | 302 | 303 | 307 | 308);
        let location = resp.headers.iter().find(|x| x.name.eq_ignore_ascii_case("location")).map(|x| x.value.clone());
        let (true, Some(location)) = (is_redirect, location) else { break };
        if engine_stops(&ex, browser, cred) {
            break;
        }
        let Some(mut next) = forigin::resolve(url.as_str(), &location).and_then(|u| Url::parse(&u).ok()) else {
            break;
        };
        // The fragment stays with the response URL; requests never carry it.
        next.set_fragment(None);
        if !matches!(next.scheme(), "http" | "https") || forigin::url_has_userinfo(&next) {
            // The browser refuses; the engine's diagnosis says why.
            break;
        }
        if redirects >= spec::BROWSER_REDIRECT_LIMIT {
            ex.error = Some(
                match browser {
                    Browser::Chromium => "net::ERR_TOO_MANY_REDIRECTS",
                    Browser::Firefox => "NS_ERROR_REDIRECT_LOOP",
                }
                .into(),
            );
            ex.end = End::Failed;
            break;
        }
        if redirects >= spec.max_redirects {
            fatal = Some(format!(
                "stopped after {redirects} redirect{} (--max-redirects {}): {} redirects again, to {}; the browser would follow up to {}",
                if redirects == 1 { "" } else { "s" },
                spec.max_redirects,
                shown_url(&url, spec.show_secrets),
                shown_url(&next, spec.show_secrets),
                spec::BROWSER_REDIRECT_LIMIT
            ));
            break;
        }
        // HTTP-redirect fetch: the method change, the headers that go.
        let mut next_method = method.clone();
        if (matches!(resp.status, 301 | 302) && method == "POST")
            || (resp.status == 303 && !matches!(method.as_str(), "GET" | "HEAD"))
        {
            next_method = "GET".into();
            body = None;
            removed.extend(author.iter().filter(|x| is_body_header(&x.name)).map(|x| x.name.to_ascii_lowercase()));
            author.retain(|x| !is_body_header(&x.name));
        }
        let cross = !forigin::same_origin_url(&url, &next);
        if cross {
            // A CORS non-wildcard request-header name (`Authorization`) is
            // removed on a cross-origin redirect.
            if author.iter().any(|x| x.name.eq_ignore_ascii_case("authorization")) {
                removed.push("authorization".into());
            }
            author.retain(|x| !x.name.eq_ignore_ascii_case("authorization"));
            if !forigin::same_origin_with_serialized(&url, page_origin) {
                tainted = true;
            }
        }
        cors = cors || !forigin::same_origin_with_serialized(&next, page_origin);
        if seen.iter().any(|(m, u, t)| *m == next_method && *u == next.as_str() && *t == tainted) {
            fatal = Some(format!(
                "redirect loop: {} redirects back to {}, which the probe already requested (the browser gives up after {} redirects: {})",
                shown_url(&url, spec.show_secrets),
                shown_url(&next, spec.show_secrets),
                spec::BROWSER_REDIRECT_LIMIT,
                match browser {
                    Browser::Chromium => "net::ERR_TOO_MANY_REDIRECTS",
                    Browser::Firefox => "NS_ERROR_REDIRECT_LOOP",
                }
            ));
            break;
        }
        method = next_method;
        url = next;
        redirects += 1;
    }

    ex.preflight_observation = if ex.legs.iter().any(|l| l.preflight.is_some()) {
        PreflightObservation::Unknown
    } else {
        PreflightObservation::NotSent
    };
    Walk { browser, sent, exchange: ex, fatal }
}
