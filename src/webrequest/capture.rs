//! webRequest events -> schema-2 exchanges.
//!
//! Only records: it folds each browser's event sequence into one exchange
//! per request (preflights paired, redirects as legs), and leaves every CORS
//! judgement to the engine. Event orders it relies on (measured; see
//! `/work/shared/reference/browsers.md` and the recorded traces in
//! `tests/data/webrequest/`):
//! - Chromium (with `extraHeaders`): the actual request's whole preflight
//!   cycle (its own requestId) runs before the actual's `onSendHeaders`, the
//!   first event the background listens to for it; a request its preflight
//!   stopped is heard of at its `onErrorOccurred` only.
//! - Firefox: the actual's `onSendHeaders` comes first, then the preflight's
//!   cycle, then the actual's response or `onErrorOccurred`
//!   (`NS_ERROR_DOM_BAD_URI`), which may come before the preflight's own end.
//!
//! In both, a preflight is an `OPTIONS` to the same URL carrying
//! `Access-Control-Request-Method`; a request redirected after its preflight
//! is preflighted again at the new URL. Requests are kept from their first
//! event (same-origin ones too: a same-origin first URL can redirect to
//! another origin); only those with a leg on another origin than their
//! initiator become exchanges.

use super::events::{Details, Ev, RawHeader};
use super::redact;
use crate::exchange::{
    Browser, End, Exchange, Header, HeaderList, Leg, Mode, PageRequest, Preflight, PreflightObservation,
    ResourceType, Response,
};
use std::collections::HashMap;

/// How long a finished preflight waits for its actual request (a request
/// rebuilt after a restart may still claim it), in event-time ms.
const ORPHAN_MS: f64 = 10_000.0;
/// How long an ended request waits for the end of its preflight before it
/// is assembled without it (only when events were lost).
const PREFLIGHT_WAIT_MS: f64 = 5_000.0;
/// Requests that never end (long polls, streams) are forgotten after this.
const FORGET_MS: f64 = 600_000.0;

/// What kind of page record can explain a request: the hook's calls
/// (`fetch`, XHR), an element's load/error, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// webRequest `xmlhttprequest`: fetch() or XMLHttpRequest.
    Call,
    /// `image`, `imageset`, `script`, `stylesheet`, `media`: an element.
    Element,
    /// Anything else (fonts, beacons, workers' imports, ...).
    None,
}

/// The order requests were created in, from their requestId (both browsers
/// number requests in creation order; Firefox's ids are large decimals).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Order(u128, String);

impl Order {
    pub fn of(rid: &str) -> Order {
        Order(rid.trim().parse::<u128>().unwrap_or(u128::MAX), rid.to_string())
    }
}

/// What the join needs to know of a request from its first event.
#[derive(Clone, Debug)]
pub struct ReqInfo {
    pub rid: String,
    pub order: Order,
    pub tab: i64,
    pub frame: i64,
    pub doc: Option<String>,
    /// The first URL (fragment removed), as the page asked for it.
    pub url: String,
    pub method: String,
    pub class: Class,
    /// webRequest's `type`.
    pub wr_type: String,
    /// The initiator's serialized origin.
    pub origin: String,
    /// The first event's time (ms since the epoch).
    pub t: f64,
    /// The request headers of the first leg, when heard at `onSendHeaders`
    /// (secrets redacted).
    pub headers: Option<Vec<Header>>,
    /// Firefox: `fetch` or `xhr`, from the order of the request headers
    /// (measured in Firefox ESR 153: fetch() sends `Referer` before
    /// `Origin`, XMLHttpRequest after it). Firefox creates a fetch's channel
    /// after a later XHR's, so requestIds order the calls only within a kind.
    pub kind_hint: Option<&'static str>,
}

/// A request that ended: its exchange as webRequest shows it.
#[derive(Clone, Debug)]
pub struct Ended {
    pub info: ReqInfo,
    pub ex: Exchange,
    /// Whether some leg is on another origin than the initiator.
    pub cross: bool,
    /// The `Sec-Fetch-Mode` the browser sent on the first leg, if any.
    pub sec_mode: Option<String>,
}

#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Out {
    /// A request heard of for the first time.
    Heard(ReqInfo),
    /// A request that ended.
    Done(Box<Ended>),
    /// A top-level navigation of a tab (to this URL).
    Navigated(i64, String),
}

#[derive(Clone, Debug, Default)]
struct Cur {
    url: String,
    method: Option<String>,
    req_headers: Option<Vec<Header>>,
    status: Option<u16>,
    headers: Option<Vec<Header>>,
}

#[derive(Clone, Debug)]
struct Req {
    info: ReqInfo,
    legs: Vec<Leg>,
    cur: Cur,
    /// Preflights for this request, by the leg index they precede.
    preflights: Vec<(usize, Preflight)>,
    /// A preflight paired but not finished: its rid.
    preflight_open: Option<String>,
    is_preflight: bool,
    acrm: String,
    /// For a preflight: the actual request it was paired with.
    actual: Option<String>,
    error: Option<String>,
    completed: bool,
    ip: Option<String>,
    partial: bool,
    ended_at: Option<f64>,
}

#[derive(Clone, Debug)]
struct Orphan {
    tab: i64,
    doc: Option<String>,
    url: String,
    acrm: String,
    acrh: Option<String>,
    t: f64,
    pf: Preflight,
}

pub struct Capture {
    browser: Browser,
    sees_preflights: bool,
    started_at: f64,
    pending: HashMap<String, Req>,
    /// Ended requests waiting for the end of their preflight.
    waiting: HashMap<String, Req>,
    orphans: Vec<Orphan>,
    /// Preflights seen to pass: key hash -> expiry (ms since the epoch).
    pf_cache: HashMap<u64, f64>,
    pub pf_cache_changed: bool,
    /// The newest event time seen (ms since the epoch).
    pub now: f64,
}

fn latin1_headers(raw: &[RawHeader], request: bool) -> Vec<Header> {
    let mut out = Vec::with_capacity(raw.len());
    for h in raw {
        if h.name.is_empty() || (request && redact::is_droppable_request_header(&h.name)) {
            continue;
        }
        let value = if redact::is_secret_header(&h.name) { redact::REDACTED.to_string() } else { h.value_text() };
        out.push(Header::new(h.name.clone(), value));
    }
    out
}

fn strip_fragment(url: &str) -> &str {
    url.split_once('#').map_or(url, |(a, _)| a)
}

/// The serialized origin of an http(s) URL; None for anything else.
pub fn http_origin(url: &str) -> Option<String> {
    let u = url::Url::parse(url.trim()).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.origin().ascii_serialization())
}

/// The webRequest `type` -> the engine's resource type.
pub fn resource_type(t: &str) -> ResourceType {
    match t {
        "xmlhttprequest" => ResourceType::Xhr,
        "image" | "imageset" => ResourceType::Image,
        "font" => ResourceType::Font,
        "script" => ResourceType::Script,
        "stylesheet" => ResourceType::Stylesheet,
        "media" => ResourceType::Media,
        "websocket" => ResourceType::Websocket,
        "ping" | "beacon" => ResourceType::Beacon,
        "main_frame" => ResourceType::Document,
        "sub_frame" => ResourceType::Subdocument,
        _ => ResourceType::Other,
    }
}

pub fn class_of(t: &str) -> Class {
    match t {
        "xmlhttprequest" => Class::Call,
        // Fonts too: a preloaded font's `<link rel=preload crossorigin>` says
        // its credentials mode (a CSS font's FontFace exposes nothing: no
        // element, decided by the CSS Fonts rule).
        "image" | "imageset" | "script" | "stylesheet" | "media" | "font" => Class::Element,
        _ => Class::None,
    }
}

/// `Sec-Fetch-Mode` -> the request mode.
pub fn mode_of(v: &str) -> Option<Mode> {
    match v.trim() {
        "cors" => Some(Mode::Cors),
        "no-cors" => Some(Mode::NoCors),
        "same-origin" => Some(Mode::SameOrigin),
        "navigate" => Some(Mode::Navigate),
        "websocket" => Some(Mode::Websocket),
        _ => None,
    }
}

fn cache_key(origin: &str, url: &str, method: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    // The method as fetch() normalizes it (`put` → `PUT`, `patch` kept):
    // the browsers compare methods case-sensitively after that.
    (origin, url, crate::fetch::safelist::normalize_method_cow(method.trim())).hash(&mut h);
    // 53 bits: the key travels through JavaScript (the background parses the
    // saved state and gives it back to `Session::restore_state`), whose
    // numbers hold integers exactly only up to 2^53. A full 64-bit key came
    // back rounded, and a restored cache never matched.
    h.finish() & JS_SAFE_INTEGER
}

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const JS_SAFE_INTEGER: u64 = (1 << 53) - 1;

impl Capture {
    pub fn new(browser: Browser, sees_preflights: bool, started_at: f64) -> Capture {
        Capture {
            browser,
            sees_preflights,
            started_at,
            pending: HashMap::new(),
            waiting: HashMap::new(),
            orphans: Vec::new(),
            pf_cache: HashMap::new(),
            pf_cache_changed: false,
            now: started_at,
        }
    }

    /// The preflight cache, to keep across a restart of the background
    /// (`storage.session`): `[[key, expiry], ...]`, keys hashed (no URL).
    pub fn cache_state(&self) -> Vec<(u64, f64)> {
        let mut v: Vec<(u64, f64)> = self.pf_cache.iter().map(|(k, e)| (*k, *e)).collect();
        // Keys are unique (a map's): the unstable sort gives the one order.
        crate::core::order::sort_unstable_by_key(&mut v, |(k, _)| *k);
        v
    }

    pub fn restore_cache(&mut self, entries: &[(u64, f64)]) {
        for (k, e) in entries {
            self.pf_cache.insert(*k, *e);
        }
    }

    /// Requests in flight (tests, stats).
    pub fn in_flight(&self) -> usize {
        self.pending.len() + self.waiting.len()
    }

    fn initiator_origin(&self, d: &Details) -> Option<String> {
        if let Some(i) = &d.initiator {
            return (!i.contains("-extension://")).then(|| i.clone());
        }
        let u = d.origin_url.as_deref().or(d.document_url.as_deref())?;
        if u.starts_with("moz-extension:") || u.starts_with("chrome-extension:") || (u.starts_with("about:") && u != "about:srcdoc") {
            return None;
        }
        Some(http_origin(u).unwrap_or_else(|| "null".to_string()))
    }

    fn make(&self, d: &Details, partial: bool) -> Option<Req> {
        let origin = self.initiator_origin(d)?;
        let url = strip_fragment(&d.url).to_string();
        http_origin(&url)?;
        let t = d.time_stamp.unwrap_or(self.now);
        let info = ReqInfo {
            rid: d.rid().to_string(),
            order: Order::of(d.rid()),
            tab: d.tab(),
            frame: d.frame(),
            doc: d.document_id.clone(),
            url: url.clone(),
            method: d.method().to_string(),
            class: class_of(d.wr_type()),
            wr_type: d.wr_type().to_string(),
            origin,
            t,
            headers: None,
            kind_hint: None,
        };
        Some(Req {
            info,
            legs: Vec::new(),
            cur: Cur { url, ..Default::default() },
            preflights: Vec::new(),
            preflight_open: None,
            is_preflight: false,
            acrm: String::new(),
            actual: None,
            error: None,
            completed: false,
            ip: None,
            partial,
            ended_at: None,
        })
    }

    /// One webRequest event; what it means for the join, in order.
    pub fn handle(&mut self, ev: Ev, d: &Details, out: &mut Vec<Out>) {
        if let Some(ts) = d.time_stamp {
            if ts > self.now {
                self.now = ts;
            }
        }
        let ty = d.wr_type();
        if ev == Ev::BeforeRequest {
            if ty == "main_frame" && d.tab() >= 0 {
                out.push(Out::Navigated(d.tab(), d.url.clone()));
            }
            return;
        }
        if ty == "main_frame" || ty == "sub_frame" {
            return;
        }
        match ev {
            Ev::BeforeRequest => {}
            Ev::BeforeSendHeaders | Ev::SendHeaders => self.send_headers(ev, d, out),
            Ev::HeadersReceived => {
                let Some(req) = self.req_or_rebuild(d, out) else { return };
                req.cur.status = d.status();
                req.cur.headers = Some(latin1_headers(d.response_headers.as_deref().unwrap_or(&[]), false));
            }
            Ev::BeforeRedirect => self.redirect(d),
            Ev::ResponseStarted => {
                if let (Some(req), Some(ip)) = (self.pending.get_mut(d.rid()), &d.ip) {
                    req.ip = Some(ip.clone());
                }
            }
            Ev::Completed => {
                let Some(req) = self.req_or_rebuild(d, out) else { return };
                if req.cur.status.is_none() {
                    req.cur.status = d.status();
                }
                if req.cur.headers.is_none() {
                    if let Some(h) = &d.response_headers {
                        req.cur.headers = Some(latin1_headers(h, false));
                    }
                }
                if d.ip.is_some() {
                    req.ip = d.ip.clone();
                }
                req.completed = true;
                let rid = d.rid().to_string();
                self.finish(&rid, out);
            }
            Ev::ErrorOccurred => {
                let Some(req) = self.req_or_rebuild(d, out) else { return };
                req.error = Some(d.error.clone().unwrap_or_else(|| "unknown error".to_string()));
                let rid = d.rid().to_string();
                self.finish(&rid, out);
            }
        }
    }

    fn send_headers(&mut self, ev: Ev, d: &Details, out: &mut Vec<Out>) {
        let rid = d.rid().to_string();
        let mut heard = false;
        if !self.pending.contains_key(&rid) {
            if d.tab() < -1 {
                return;
            }
            let Some(req) = self.make(d, false) else { return };
            self.pending.insert(rid.clone(), req);
            if self.pending.len() > 3000 {
                self.sweep();
            }
            heard = true;
        }
        let browser = self.browser;
        let Some(req) = self.pending.get_mut(&rid) else { return };
        if let Some(h) = &d.request_headers {
            if ev == Ev::SendHeaders || req.cur.req_headers.is_none() {
                req.cur.req_headers = Some(latin1_headers(h, true));
            }
        }
        if heard {
            if req.legs.is_empty() {
                req.info.headers = req.cur.req_headers.clone();
                if browser == Browser::Firefox {
                    req.info.kind_hint = d.request_headers.as_deref().and_then(kind_signature);
                }
            }
            out.push(Out::Heard(req.info.clone()));
            if d.method() != "OPTIONS" {
                self.adopt(&rid);
            }
        }
        let Some(req) = self.pending.get_mut(&rid) else { return };
        req.cur.method = d.method.clone();
        if req.info.method == "OPTIONS" && !req.is_preflight && req.legs.is_empty() {
            let acrm = req.cur.req_headers.as_ref().and_then(|h| h.combined("access-control-request-method").map(|v| v.into_owned()));
            if let Some(acrm) = acrm {
                req.is_preflight = true;
                req.acrm = acrm;
                self.pair(&rid);
            }
        }
    }

    fn redirect(&mut self, d: &Details) {
        let Some(req) = self.pending.get_mut(d.rid()) else { return };
        let headers = match &d.response_headers {
            Some(h) => latin1_headers(h, false),
            None => req.cur.headers.clone().unwrap_or_default(),
        };
        if req.is_preflight {
            req.cur.status = d.status();
            req.cur.headers = Some(headers);
            return;
        }
        let cur = std::mem::take(&mut req.cur);
        let index = req.legs.len();
        let preflight = take_preflight(&mut req.preflights, index);
        req.legs.push(Leg {
            url: cur.url,
            method: cur.method,
            preflight,
            request_headers: cur.req_headers.unwrap_or_default(),
            response: Some(Response { status: d.status().unwrap_or(0), headers, headers_merged: true }),
        });
        req.cur = Cur { url: strip_fragment(d.redirect_url.as_deref().unwrap_or("")).to_string(), ..Default::default() };
        // A preflight still open belonged to the URL just left.
        req.preflight_open = None;
    }

    fn req_or_rebuild(&mut self, d: &Details, out: &mut Vec<Out>) -> Option<&mut Req> {
        let rid = d.rid().to_string();
        if !self.pending.contains_key(&rid) {
            // First heard at its response or its end: refused before it was
            // sent (a failed preflight, a CORS or mixed-content check),
            // served from the cache, or begun before this background
            // started. Only the last is partial.
            if d.tab() < -1 {
                return None;
            }
            let at = d.time_stamp.unwrap_or(self.now);
            let req = self.make(d, at - self.started_at < 2000.0)?;
            if req.info.method == "OPTIONS" && d.status().is_some() {
                // A lone preflight response tells nothing on its own.
                return None;
            }
            out.push(Out::Heard(req.info.clone()));
            self.pending.insert(rid.clone(), req);
        }
        self.pending.get_mut(&rid)
    }

    fn sweep(&mut self) {
        let now = self.now;
        self.pending.retain(|_, r| now - r.info.t < FORGET_MS);
    }

    /// Pairs a preflight that just started with the oldest open request of
    /// its tab (and document) to its URL and method (Firefox's order).
    fn pair(&mut self, pf_rid: &str) {
        let Some(pf) = self.pending.get(pf_rid) else { return };
        let (tab, url, acrm, doc) = (pf.info.tab, pf.cur.url.clone(), pf.acrm.trim().to_string(), pf.info.doc.clone());
        let mut best: Option<(Order, String)> = None;
        for (rid, r) in &self.pending {
            if r.is_preflight || r.info.tab != tab || r.cur.url != url || r.cur.status.is_some() || r.preflight_open.is_some() {
                continue;
            }
            if r.preflights.iter().any(|(i, _)| *i == r.legs.len()) {
                continue;
            }
            // `Access-Control-Request-Method` carries the method as fetch()
            // normalized it (measured: `patch` stays `patch`).
            if crate::fetch::safelist::normalize_method_cow(r.info.method.trim()) != acrm.as_str() {
                continue;
            }
            if let (Some(a), Some(b)) = (&r.info.doc, &doc) {
                if a != b {
                    continue;
                }
            }
            if best.as_ref().is_none_or(|(o, _)| r.info.order < *o) {
                best = Some((r.info.order.clone(), rid.clone()));
            }
        }
        if let Some((_, actual)) = best {
            if let Some(r) = self.pending.get_mut(&actual) {
                r.preflight_open = Some(pf_rid.to_string());
            }
            if let Some(pf) = self.pending.get_mut(pf_rid) {
                pf.actual = Some(actual);
            }
        }
    }

    /// Takes a finished preflight nobody claimed (Chromium preflights before
    /// the actual request's first event we hear).
    fn adopt(&mut self, rid: &str) {
        if let Some(req) = self.pending.get_mut(rid) {
            adopt_orphan(&mut self.orphans, self.browser, req);
        }
    }

    fn finish(&mut self, rid: &str, out: &mut Vec<Out>) {
        let Some(mut req) = self.pending.remove(rid) else { return };
        req.ended_at = Some(self.now);
        // Chromium's cache-only probe (fonts): nothing went out, a real request follows.
        if req.error.as_deref() == Some("net::ERR_CACHE_MISS") && req.cur.status.is_none() {
            return;
        }
        if req.info.method == "OPTIONS" && !req.is_preflight && req.cur.req_headers.is_none() && !req.partial {
            // An OPTIONS that ended before its headers were seen: a preflight
            // that failed early, or the page's own OPTIONS. A preflight if an
            // open request of this tab to this URL is waiting for one.
            let (tab, url) = (req.info.tab, req.cur.url.clone());
            let found = self
                .pending
                .iter()
                .filter(|(_, r)| !r.is_preflight && r.preflight_open.is_none() && r.info.tab == tab && r.cur.url == url)
                .min_by(|a, b| a.1.info.order.cmp(&b.1.info.order))
                .map(|(k, _)| k.clone());
            if let Some(actual) = found {
                req.is_preflight = true;
                req.actual = Some(actual.clone());
                if let Some(r) = self.pending.get_mut(&actual) {
                    r.preflight_open = Some(rid.to_string());
                }
            }
        }
        if req.is_preflight {
            self.preflight_done(req, out);
            return;
        }
        // A redirect the browser refused to follow (no onBeforeRedirect): the
        // chain's last leg is that redirect, and no response followed.
        self.adopt_into(&mut req);
        if req.preflight_open.is_some() {
            // Firefox ends the actual request before its preflight's end.
            self.waiting.insert(rid.to_string(), req);
            return;
        }
        self.emit(req, out);
    }

    fn adopt_into(&mut self, req: &mut Req) {
        adopt_orphan(&mut self.orphans, self.browser, req);
    }

    fn preflight_done(&mut self, pf: Req, out: &mut Vec<Out>) {
        let preflight = Preflight {
            request_headers: pf.cur.req_headers.clone().unwrap_or_default(),
            response: pf.cur.status.map(|status| Response {
                status,
                headers: pf.cur.headers.clone().unwrap_or_default(),
                headers_merged: true,
            }),
            error: pf.error.clone(),
        };
        let actual = pf.actual.clone();
        if let Some(actual) = actual {
            if let Some(r) = self.pending.get_mut(&actual) {
                if r.preflight_open.as_deref() == Some(pf.info.rid.as_str()) {
                    r.preflight_open = None;
                }
                let index = r.legs.len();
                r.preflights.push((index, preflight));
                return;
            }
            if let Some(mut r) = self.waiting.remove(&actual) {
                r.preflight_open = None;
                let index = r.legs.len();
                r.preflights.push((index, preflight));
                self.emit(r, out);
                return;
            }
        }
        let acrh = preflight.request_headers.combined("access-control-request-headers").map(|v| v.into_owned());
        self.orphans.push(Orphan {
            tab: pf.info.tab,
            doc: pf.info.doc.clone(),
            url: pf.cur.url.clone(),
            acrm: pf.acrm.clone(),
            acrh,
            t: pf.info.t,
            pf: preflight,
        });
        let now = self.now;
        self.orphans.retain(|o| now - o.t < ORPHAN_MS);
    }

    /// Ended requests still waiting for a preflight whose end never came
    /// (lost events): assembled without it after PREFLIGHT_WAIT_MS.
    pub fn expire(&mut self, now: f64, out: &mut Vec<Out>) {
        if now > self.now {
            self.now = now;
        }
        let late: Vec<String> = self
            .waiting
            .iter()
            .filter(|(_, r)| now - r.ended_at.unwrap_or(now) >= PREFLIGHT_WAIT_MS)
            .map(|(k, _)| k.clone())
            .collect();
        for rid in late {
            if let Some(r) = self.waiting.remove(&rid) {
                self.emit(r, out);
            }
        }
    }

    fn emit(&mut self, mut req: Req, out: &mut Vec<Out>) {
        let origin = req.info.origin.clone();
        // Refused to follow a redirect: the 3xx is the chain's last leg already (cur).
        let last_index = req.legs.len();
        let cur = std::mem::take(&mut req.cur);
        let final_pf = take_preflight(&mut req.preflights, last_index);
        let response = cur.status.map(|status| Response { status, headers: cur.headers.clone().unwrap_or_default(), headers_merged: true });
        req.legs.push(Leg {
            url: cur.url.clone(),
            method: cur.method.clone(),
            preflight: final_pf,
            request_headers: cur.req_headers.clone().unwrap_or_default(),
            response,
        });
        let legs = req.legs;
        let first_headers: &[Header] = legs.first().map_or(&[], |l| l.request_headers.as_slice());
        let sec_mode = first_headers.combined("sec-fetch-mode").map(|v| v.into_owned());
        let cross = legs.iter().any(|l| http_origin(&l.url).as_deref() != Some(origin.as_str()));
        let mut page = PageRequest {
            origin: Some(origin.clone()),
            method: Some(req.info.method.clone()),
            resource_type: resource_type_for(&req.info, first_headers),
            mode: sec_mode.as_deref().and_then(mode_of),
            ..Default::default()
        };
        // What the browser's own behaviour fixes comes from the engine's one
        // credentials function (a Cookie sent to another origin: include;
        // a font: same-origin), applied below once the exchange is whole.
        if page.resource_type == ResourceType::Font {
            // CSS Fonts 4 §4.8.2: fonts are fetched in cors mode.
            page.mode = Some(Mode::Cors);
        }
        // The preflight cache (what this background saw pass).
        let key = cache_key(&origin, &req.info.url, &req.info.method);
        let first_pf = legs.first().and_then(|l| l.preflight.as_ref());
        let mut observation = PreflightObservation::Unknown;
        if let Some(pf) = first_pf {
            let ok = pf.response.as_ref().is_some_and(|r| (200..300).contains(&r.status));
            if ok && req.error.is_none() {
                let max_age = pf
                    .response
                    .as_ref()
                    .and_then(|r| r.headers.combined("access-control-max-age").map(|v| v.into_owned()))
                    .and_then(|v| crate::core::float::parse(v.trim()))
                    .unwrap_or(5.0);
                let cap = if self.browser == Browser::Chromium { 7200.0 } else { 86400.0 };
                let secs = if max_age.is_finite() { max_age.clamp(0.0, cap) } else { 5.0 };
                if secs > 0.0 {
                    if self.pf_cache.len() > 2000 {
                        let now = self.now;
                        self.pf_cache.retain(|_, e| *e > now);
                        if self.pf_cache.len() > 2000 {
                            self.pf_cache.clear();
                        }
                    }
                    self.pf_cache.insert(key, req.info.t + secs * 1000.0);
                    self.pf_cache_changed = true;
                }
            }
        } else if self.sees_preflights && !req.partial {
            let cached = self.pf_cache.get(&key).is_some_and(|e| *e > req.info.t);
            observation = if cached { PreflightObservation::Cached } else { PreflightObservation::NotSent };
        } else if !self.sees_preflights {
            observation = PreflightObservation::Hidden;
        }
        let end = match (&req.error, req.completed) {
            (Some(_), _) => End::Failed,
            // Firefox completes a response CORS blocked like any other.
            (None, true) if self.browser == Browser::Chromium => End::Completed,
            _ => End::Unrecorded,
        };
        let mut ex = Exchange {
            id: Some(req.info.rid.clone()),
            browser: Some(self.browser),
            page,
            legs,
            preflight_observation: observation,
            end,
            error: req.error.clone(),
            remote_address: req.ip.clone(),
            ..Default::default()
        };
        // The mode the requests themselves show (the panel shows it; the
        // diagnosis derives the same).
        let shown = crate::credentials::credentials(&ex);
        if matches!(shown.source, crate::credentials::Source::Cookie { .. } | crate::credentials::Source::Destination) {
            ex.page.credentials = shown.mode;
        }
        out.push(Out::Done(Box::new(Ended { info: req.info, ex, cross, sec_mode })));
    }
}

/// Gives `req` the oldest finished, unclaimed preflight of its tab (and
/// document) to its current URL and method, preferring one whose
/// `Access-Control-Request-Headers` names exactly the request's CORS-unsafe
/// headers (two calls to one URL with different headers).
fn adopt_orphan(orphans: &mut Vec<Orphan>, browser: Browser, req: &mut Req) {
    if req.is_preflight || req.preflights.iter().any(|(i, _)| *i == req.legs.len()) || req.preflight_open.is_some() {
        return;
    }
    let method = crate::fetch::safelist::normalize_method(req.info.method.trim());
    let unsafe_names = req.cur.req_headers.as_ref().map(|h| {
        use crate::fetch::safelist::{is_browser_added_header, unsafe_request_header_names};
        let own: Vec<Header> = h.iter().filter(|x| !is_browser_added_header(&x.name)).cloned().collect();
        unsafe_request_header_names(&own, browser).join(",")
    });
    let fits = |o: &Orphan| {
        o.tab == req.info.tab
            && o.url == req.cur.url
            && o.acrm.trim() == method
            && match (&o.doc, &req.info.doc) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    };
    let exact = unsafe_names.as_ref().and_then(|names| {
        orphans
            .iter()
            .position(|o| fits(o) && o.acrh.as_deref().unwrap_or("").replace(' ', "").eq_ignore_ascii_case(names))
    });
    let Some(i) = exact.or_else(|| orphans.iter().position(fits)) else { return };
    let o = orphans.remove(i);
    let index = req.legs.len();
    req.preflights.push((index, o.pf));
}

/// Firefox ESR 153's header order: fetch() puts `Referer` right after
/// `Accept`, before the author's headers and `Origin`; XMLHttpRequest puts it
/// last, after `Origin` (measured; see `ReqInfo::kind_hint`). None when
/// either header is missing.
pub fn kind_signature(raw: &[RawHeader]) -> Option<&'static str> {
    let pos = |n: &str| raw.iter().position(|h| h.name.eq_ignore_ascii_case(n));
    match (pos("referer"), pos("origin")) {
        (Some(r), Some(o)) if r < o => Some("fetch"),
        (Some(_), Some(_)) => Some("xhr"),
        _ => None,
    }
}

fn take_preflight(list: &mut Vec<(usize, Preflight)>, index: usize) -> Option<Preflight> {
    let i = list.iter().position(|(k, _)| *k == index)?;
    Some(list.remove(i).1)
}

fn resource_type_for(info: &ReqInfo, first_headers: &[Header]) -> ResourceType {
    let t = resource_type(&info.wr_type);
    if t != ResourceType::Other {
        return t;
    }
    // `Sec-Fetch-Dest` says more than webRequest's type where it is sent.
    match first_headers.combined("sec-fetch-dest").map(|v| v.into_owned()).as_deref().map(str::trim) {
        Some("image") => ResourceType::Image,
        Some("font") => ResourceType::Font,
        Some("script") | Some("worker") | Some("sharedworker") | Some("serviceworker") => ResourceType::Script,
        Some("style") => ResourceType::Stylesheet,
        Some("audio") | Some("video") | Some("track") => ResourceType::Media,
        _ => ResourceType::Other,
    }
}

#[cfg(test)]
mod cache_key_tests {
    use super::*;

    /// The saved preflight cache goes through JavaScript numbers (f64) and
    /// back; every key must come back as it was.
    #[test]
    fn cache_keys_survive_javascript_numbers() {
        let mut c = Capture::new(Browser::Chromium, true, 0.0);
        for i in 0..500 {
            let k = cache_key("https://a.test", &format!("https://b.test/{i}"), "PUT");
            assert!(k <= JS_SAFE_INTEGER, "{k}");
            c.pf_cache.insert(k, 1.8e12 + f64::from(i));
        }
        let state = c.cache_state();
        let through_js: Vec<(u64, f64)> = state.iter().map(|(k, e)| ((*k as f64) as u64, *e)).collect();
        let mut d = Capture::new(Browser::Chromium, true, 0.0);
        d.restore_cache(&through_js);
        assert_eq!(d.cache_state(), state);
    }
}
