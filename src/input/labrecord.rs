//! The lab server's records, and how they become an [`Exchange`].
//!
//! The lab server (`src/lab/`, native only) records, for every request that
//! reaches `/api/` on any of its three origins, what it received and what it
//! sent; `GET /__records?tag=T` returns them as a JSON array of [`Record`].
//! This module is pure Rust (no networking), compiled natively and to wasm:
//! the lab page builds the engine's input from the bytes the server really
//! received and sent, never from the scenario's definition.
//!
//! The format is documented in `docs/lab.md`.

use crate::core::exchange::{
    Browser, Credentials, Exchange, Header, HeaderList, Leg, Mode, PageRequest, Preflight, PreflightObservation,
    ResourceType, Response,
};
use crate::core::facts::is_redirect_status;
use serde::{Deserialize, Serialize};

/// What the server received: the request line and headers, as tiny_http parsed
/// them (names keep their case, values are trimmed of surrounding whitespace,
/// order and repeats are kept).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Received {
    pub method: String,
    /// The full URL: `http://` + the `Host` header (else the listening
    /// origin's host) + the request target.
    pub url: String,
    pub headers: Vec<Header>,
}

/// What the server sent: exactly the header lines written on the wire (in
/// order, including those tiny_http adds itself: `Server`, `Date`,
/// `Content-Length` or `Transfer-Encoding`). Each line is written as
/// `name + ": " + value`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Sent {
    /// The status code; 0 when the connection was dropped.
    pub status: u16,
    pub headers: Vec<Header>,
    /// True when the server closed the connection without sending a byte.
    pub dropped: bool,
}

/// One request that reached the lab's API.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    /// Arrival order, shared by the three origins.
    pub seq: u64,
    /// The request's `tag` query parameter, if any.
    pub tag: Option<String>,
    /// The origin of the listener the request arrived at (`http://127.0.0.1:8802`).
    pub origin: String,
    /// Which listener: `page`, `api` or `other`.
    pub server: String,
    pub received: Received,
    /// `null` while the answer is still pending (a `delay`).
    pub sent: Option<Sent>,
    /// Arrival time, milliseconds since the Unix epoch.
    pub at: u64,
}

impl Record {
    /// An `OPTIONS` request carrying `Access-Control-Request-Method`.
    pub fn is_preflight(&self) -> bool {
        self.received.method.eq_ignore_ascii_case("OPTIONS")
            && self.received.headers.has("Access-Control-Request-Method")
    }
}

/// What the page knows about the request it made (the lab page or the capture
/// harness fills this in; the records say the rest).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabRequestInfo {
    /// `fetch`, `xhr`, `img`, `font`, `module-script`, `script`,
    /// `stylesheet` (`css`), `audio`, `video`, `font-css` (an `@font-face`
    /// rule), `preload-font` (`<link rel=preload as=font>`), `worker-fetch`
    /// and `sw-fetch` (fetch() in a dedicated or service worker),
    /// `content-script-fetch`, `content-script-xhr`.
    pub kind: String,
    /// An element's `crossorigin` attribute: absent (the key missing) when
    /// the page's mode and credentials say it, `null` for an element
    /// without the attribute (a `no-cors` request), else its value
    /// (`anonymous`, `""`, `use-credentials`). HTML's CORS settings
    /// attribute decides the mode and credentials
    /// (`core::credentials::cors_settings`).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub crossorigin: Option<Option<String>>,
    /// The URL the page asked for; needed when no request reached the server.
    pub url: Option<String>,
    /// The method the page gave (case kept).
    pub method: Option<String>,
    pub mode: Option<Mode>,
    pub credentials: Option<Credentials>,
    /// Headers the page's script set (fetch `headers`, XHR `setRequestHeader`).
    pub author_headers: Option<Vec<Header>>,
    /// Whether the call rejected (fetch), fired `error` (XHR, img, script).
    pub rejected: Option<bool>,
    /// Response header names the page tried to read.
    pub read_headers: Vec<String>,
    /// `follow`, `error`, `manual`.
    pub redirect_mode: Option<String>,
    /// The browser that ran the request, when known.
    pub browser: Option<Browser>,
}

/// A field that is present, null or not: `Some(value)`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// The error string for a connection closed without a response.
fn empty_response_error(browser: Option<Browser>) -> String {
    match browser {
        Some(Browser::Firefox) => "NS_ERROR_NET_EMPTY_RESPONSE".to_string(),
        _ => "net::ERR_EMPTY_RESPONSE".to_string(),
    }
}

fn resource_type(kind: &str) -> ResourceType {
    match kind.to_ascii_lowercase().as_str() {
        "fetch" | "worker-fetch" | "sw-fetch" | "content-script-fetch" => ResourceType::Fetch,
        "xhr" | "xmlhttprequest" | "content-script-xhr" => ResourceType::Xhr,
        "img" | "image" => ResourceType::Image,
        "font" | "font-css" | "preload-font" => ResourceType::Font,
        "module-script" | "module" => ResourceType::ModuleScript,
        "script" => ResourceType::Script,
        "stylesheet" | "css" => ResourceType::Stylesheet,
        "audio" | "video" | "media" => ResourceType::Media,
        _ => ResourceType::Other,
    }
}

/// Whether a kind is an element whose `crossorigin` attribute sets its mode.
fn is_element(kind: &str) -> bool {
    matches!(
        kind.to_ascii_lowercase().as_str(),
        "img" | "image" | "script" | "module-script" | "module" | "stylesheet" | "css" | "audio" | "video" | "media" | "preload-font"
    )
}

/// Builds the exchange of one request from the server's records of it (the
/// records of one tag, in arrival order, across the three origins).
///
/// - A preflight is an `OPTIONS` request carrying
///   `Access-Control-Request-Method`; it belongs to the leg of the actual
///   request that follows it (browsers preflight again at every redirect
///   target). One that no request followed is the preflight of a leg of its
///   own, at its URL, with no response.
/// - Every other record is a leg of the actual request: each answered with a
///   redirect status and a `Location` leads to the next; the first that is
///   not a redirect ends the request.
/// - A record the server dropped is a leg with no response, and a network
///   error.
/// - The lab sees every request that reaches it: when no preflight was
///   recorded, `preflight_observation` is `not-sent`, unless the actual
///   request arrived carrying what only a preflight allows, in which case the
///   browser used its preflight cache (`cached`).
/// - Headers are exactly what was sent: `headers_merged` is false.
/// - The lab records no browser outcome: `end` is `unrecorded`.
pub fn exchange_from_records(
    records: &[Record],
    page_origin: &str,
    request_info: &LabRequestInfo,
) -> Result<Exchange, String> {
    let browser = request_info.browser;
    let mut ex = Exchange { browser, ..Exchange::default() };
    let kind = request_info.kind.as_str();
    // An element with its attribute recorded: HTML's CORS settings decide
    // (no attribute: no-cors); otherwise the page's mode and credentials.
    let (mode, credentials) = match (&request_info.crossorigin, is_element(kind)) {
        (Some(attr), true) => {
            let module = matches!(resource_type(kind), ResourceType::ModuleScript);
            let (m, c) = crate::core::credentials::cors_settings(attr.as_deref(), module);
            (Some(m), Some(c))
        }
        _ => (
            request_info.mode.or(default_mode(kind)),
            request_info.credentials.or(default_credentials(kind)),
        ),
    };
    // A font preload's `load` event says nothing in Firefox: it fires even
    // when CORS failed (measured, MEASURED.md §6).
    let rejected = match (kind, browser) {
        ("preload-font", Some(Browser::Firefox)) => None,
        _ => request_info.rejected,
    };
    let mut page = PageRequest {
        origin: Some(page_origin.to_string()),
        method: request_info.method.clone(),
        author_headers: request_info.author_headers.clone(),
        resource_type: resource_type(kind),
        mode,
        credentials,
        rejected,
        read_headers: request_info.read_headers.clone(),
        redirect_mode: request_info.redirect_mode.clone(),
        ..PageRequest::default()
    };

    // Pair each step of the actual request with the preflight sent just
    // before it (a preflighted request is preflighted again after every
    // redirect), and drop records of attempts the browser retried: Chromium
    // retries a request whose reused connection closed without a response,
    // Firefox a dropped preflight. Keep the last attempt.
    let mut steps: Vec<&Record> = Vec::new();
    let mut step_preflights: Vec<Option<&Record>> = Vec::new();
    let mut pending: Option<&Record> = None;
    for r in records {
        if r.is_preflight() {
            pending = Some(r);
            continue;
        }
        if let Some(last) = steps.last() {
            if is_retry_of(last, r) {
                steps.pop();
                let pf = step_preflights.pop().flatten();
                if pending.is_none() {
                    pending = pf;
                }
            }
        }
        steps.push(r);
        step_preflights.push(pending.take());
    }
    // A preflight sent after the last step (to a redirect's target, or to
    // the first URL when no request followed) that no request followed.
    let trailing = pending;
    if page.method.is_none() {
        page.method = match (steps.first(), trailing) {
            (Some(first), _) => Some(first.received.method.clone()),
            (None, Some(p)) => p.received.headers.first_value("Access-Control-Request-Method").map(str::to_string),
            (None, None) => None,
        };
    }

    // The legs: one per step, while the request went on.
    for (r, pf) in steps.iter().zip(&step_preflights) {
        let mut leg = Leg {
            url: r.received.url.clone(),
            method: Some(r.received.method.clone()),
            preflight: pf.map(|p| preflight_of(p, browser)),
            request_headers: r.received.headers.clone(),
            response: None,
        };
        match &r.sent {
            None => {
                ex.error = Some("the lab server had not answered yet".into());
                ex.legs.push(leg);
                break;
            }
            Some(sent) if sent.dropped => {
                ex.error = Some(empty_response_error(browser));
                ex.legs.push(leg);
                break;
            }
            Some(sent) => {
                let redirect = is_redirect_status(sent.status) && sent.headers.has("Location");
                leg.response = Some(Response { status: sent.status, headers: sent.headers.clone(), headers_merged: false });
                ex.legs.push(leg);
                if !redirect {
                    break;
                }
            }
        }
    }
    let reached_response = ex.legs.last().is_some_and(|l| {
        l.response.as_ref().is_some_and(|r| !(is_redirect_status(r.status) && r.headers.has("Location")))
    });
    // The preflight that no request followed: the leg it was sent to.
    if let Some(p) = trailing {
        if !reached_response && (ex.error.is_none() || ex.legs.is_empty()) {
            let pf = preflight_of(p, browser);
            if pf.error.is_some() {
                ex.error = Some(empty_response_error(browser));
            }
            ex.legs.push(Leg { url: p.received.url.clone(), preflight: Some(pf), ..Leg::default() });
        }
    }
    if ex.legs.is_empty() {
        // Nothing reached the server: the URL the page asked for.
        match &request_info.url {
            Some(u) if !u.is_empty() => ex.legs.push(Leg { url: u.clone(), ..Leg::default() }),
            _ => return Err("no request reached the lab server, and the page did not say which URL it asked for".into()),
        }
    }
    if ex.legs.first().is_none_or(|l| l.preflight.is_none()) {
        ex.preflight_observation = if !steps.is_empty() && arrived_needing_preflight(steps.first().copied(), request_info) {
            PreflightObservation::Cached
        } else {
            PreflightObservation::NotSent
        };
    }
    ex.remote_address = steps
        .first()
        .copied()
        .or(trailing)
        .map(|r| r.origin.trim_start_matches("http://").trim_start_matches("https://").to_string())
        .filter(|s| !s.is_empty());
    ex.page = page;
    if let Some(first) = records.first() {
        if let Some(t) = &first.tag {
            ex.id = Some(t.clone());
        }
    }
    Ok(ex)
}

/// A recorded preflight as the model's [`Preflight`].
fn preflight_of(p: &Record, browser: Option<Browser>) -> Preflight {
    let mut pf = Preflight { request_headers: p.received.headers.clone(), ..Preflight::default() };
    match &p.sent {
        Some(s) if s.dropped => {
            pf.error = Some(empty_response_error(browser));
        }
        Some(s) => {
            pf.response = Some(Response { status: s.status, headers: s.headers.clone(), headers_merged: false });
        }
        None => {
            pf.error = Some("the lab server had not answered the preflight yet".into());
        }
    }
    pf
}

fn is_retry_of(prev: &Record, next: &Record) -> bool {
    matches!(&prev.sent, Some(s) if s.dropped)
        && prev.received.method == next.received.method
        && prev.received.url == next.received.url
}

fn default_mode(kind: &str) -> Option<Mode> {
    match resource_type(kind) {
        // `<img crossorigin>`, `@font-face`, module scripts, fetch() and XHR
        // all fetch in CORS mode.
        ResourceType::Fetch
        | ResourceType::Xhr
        | ResourceType::Image
        | ResourceType::Font
        | ResourceType::ModuleScript => Some(Mode::Cors),
        _ => None,
    }
}

fn default_credentials(kind: &str) -> Option<Credentials> {
    match resource_type(kind) {
        // fetch() defaults to same-origin; crossorigin="anonymous" and fonts
        // and module scripts use same-origin; XHR without withCredentials too.
        ResourceType::Fetch
        | ResourceType::Xhr
        | ResourceType::Image
        | ResourceType::Font
        | ResourceType::ModuleScript => Some(Credentials::SameOrigin),
        _ => None,
    }
}

/// Whether the actual request arrived with a method or author header that only
/// a preflight permits (then, with no preflight recorded, the browser used its
/// preflight cache). Deliberately conservative: only a non-GET/HEAD/POST method
/// or an author header outside the four safelisted names counts.
fn arrived_needing_preflight(first: Option<&Record>, info: &LabRequestInfo) -> bool {
    let Some(first) = first else { return false };
    let m = first.received.method.as_str();
    if !(m == "GET" || m == "HEAD" || m == "POST") {
        return true;
    }
    if let Some(author) = &info.author_headers {
        for h in author {
            let n = h.name.trim().to_ascii_lowercase();
            if !matches!(n.as_str(), "accept" | "accept-language" | "content-language" | "content-type") {
                // Only count it when the server really received it.
                if first.received.headers.has(h.name.trim()) {
                    return true;
                }
            }
        }
    }
    false
}

/// [`exchange_from_records`] over the JSON the server's `/__records` returns.
pub fn exchange_from_records_json(
    json: &str,
    page_origin: &str,
    request_info: &LabRequestInfo,
) -> Result<Exchange, String> {
    let records: Vec<Record> =
        serde_json::from_str(json).map_err(|e| format!("lab records: not the JSON /__records returns: {e}"))?;
    exchange_from_records(&records, page_origin, request_info)
}

/// Groups records by tag (in order of first appearance; untagged records are
/// skipped) and builds one exchange per tag, each with `id` = the tag.
pub fn exchanges_from_records_json(
    json: &str,
    page_origin: &str,
    request_info: &LabRequestInfo,
) -> Result<Vec<Exchange>, String> {
    let records: Vec<Record> =
        serde_json::from_str(json).map_err(|e| format!("lab records: not the JSON /__records returns: {e}"))?;
    let mut tags: Vec<String> = Vec::new();
    for r in &records {
        if let Some(t) = &r.tag {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
    }
    let mut out = Vec::new();
    for t in tags {
        let group: Vec<Record> = records.iter().filter(|r| r.tag.as_deref() == Some(t.as_str())).cloned().collect();
        let mut ex = exchange_from_records(&group, page_origin, request_info)?;
        ex.id = Some(t);
        out.push(ex);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "http://127.0.0.1:8801";

    fn rec(seq: u64, method: &str, url: &str, req: &[(&str, &str)], sent: Option<(u16, &[(&str, &str)])>) -> Record {
        Record {
            seq,
            tag: Some("t".into()),
            origin: "http://127.0.0.1:8802".into(),
            server: "api".into(),
            received: Received {
                method: method.into(),
                url: url.into(),
                headers: req.iter().map(|(n, v)| Header::new(*n, *v)).collect(),
            },
            sent: sent.map(|(status, h)| Sent {
                status,
                headers: h.iter().map(|(n, v)| Header::new(*n, *v)).collect(),
                dropped: false,
            }),
            at: 0,
        }
    }

    fn dropped(mut r: Record) -> Record {
        r.sent = Some(Sent { status: 0, headers: vec![], dropped: true });
        r
    }

    fn info(kind: &str) -> LabRequestInfo {
        LabRequestInfo { kind: kind.into(), ..LabRequestInfo::default() }
    }

    #[test]
    fn preflight_and_actual() {
        let u = "http://127.0.0.1:8802/api/x?pf.acao=*&tag=t";
        let recs = vec![
            rec(1, "OPTIONS", u, &[("Origin", PAGE), ("Access-Control-Request-Method", "PUT")], Some((204, &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Origin", "*")]))),
            rec(2, "PUT", u, &[("Origin", PAGE)], Some((200, &[("Content-Type", "text/plain")]))),
        ];
        let ex = exchange_from_records(&recs, PAGE, &LabRequestInfo { method: Some("put".into()), ..info("fetch") }).unwrap();
        assert_eq!(ex.url(), u);
        assert_eq!(ex.page.method.as_deref(), Some("put"));
        assert_eq!(ex.page.origin.as_deref(), Some(PAGE));
        assert_eq!(ex.page.resource_type, ResourceType::Fetch);
        assert_eq!(ex.page.mode, Some(Mode::Cors));
        assert_eq!(ex.page.credentials, Some(Credentials::SameOrigin));
        assert_eq!(ex.legs.len(), 1);
        let pf = ex.legs[0].preflight.as_ref().unwrap().response.as_ref().unwrap();
        assert_eq!(pf.status, 204);
        assert_eq!(pf.headers.count("access-control-allow-origin"), 2);
        assert!(!pf.headers_merged);
        let r = ex.legs[0].response.as_ref().unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(ex.legs[0].method.as_deref(), Some("PUT"));
        assert_eq!(ex.error, None);
        assert_eq!(ex.id.as_deref(), Some("t"));
        assert_eq!(ex.remote_address.as_deref(), Some("127.0.0.1:8802"));
    }

    #[test]
    fn preflight_only_failed() {
        let u = "http://127.0.0.1:8802/api/x?pf.status=404";
        let recs = vec![rec(1, "OPTIONS", u, &[("Access-Control-Request-Method", "DELETE")], Some((404, &[])))];
        let ex = exchange_from_records(&recs, PAGE, &info("xhr")).unwrap();
        assert_eq!(ex.url(), u);
        assert_eq!(ex.page.method.as_deref(), Some("DELETE"));
        assert_eq!(ex.legs.len(), 1);
        let pf = ex.legs[0].preflight.as_ref().and_then(|p| p.response.as_ref());
        assert_eq!(pf.map(|r| r.status), Some(404));
        assert!(ex.legs[0].response.is_none());
        assert_eq!(ex.page.resource_type, ResourceType::Xhr);
    }

    #[test]
    fn redirect_chain() {
        let a = "http://127.0.0.1:8802/api/a";
        let b = "http://127.0.0.1:8803/api/b";
        let recs = vec![
            rec(1, "GET", a, &[("Origin", PAGE)], Some((302, &[("Location", b), ("Access-Control-Allow-Origin", "*")]))),
            rec(2, "GET", b, &[("Origin", "null")], Some((200, &[("Access-Control-Allow-Origin", PAGE)]))),
        ];
        let ex = exchange_from_records(&recs, PAGE, &info("fetch")).unwrap();
        assert_eq!(ex.legs.len(), 2);
        assert_eq!(ex.legs[0].url, a);
        assert_eq!(ex.legs[0].response.as_ref().map(|r| r.status), Some(302));
        assert_eq!(ex.legs[0].request_headers.first_value("origin"), Some(PAGE));
        assert_eq!(ex.legs[1].url, b);
        assert_eq!(ex.legs[1].response.as_ref().map(|r| r.status), Some(200));
        assert_eq!(ex.legs[1].request_headers.first_value("Origin"), Some("null"));
        assert_eq!(ex.preflight_observation, PreflightObservation::NotSent);
    }

    #[test]
    fn chain_stopped_at_a_redirect() {
        let a = "http://127.0.0.1:8802/api/a";
        let recs = vec![rec(1, "GET", a, &[], Some((302, &[("Location", "http://u:p@127.0.0.1:8803/api/b")])))];
        let ex = exchange_from_records(&recs, PAGE, &info("fetch")).unwrap();
        assert_eq!(ex.legs.len(), 1);
        assert_eq!(crate::core::facts::hop_count(&ex), 1, "the chain stopped at the redirect");
    }

    #[test]
    fn dropped_and_retried() {
        let u = "http://127.0.0.1:8802/api/x?drop=1";
        let recs: Vec<Record> = (1..=3).map(|i| dropped(rec(i, "GET", u, &[], None))).collect();
        let ex = exchange_from_records(&recs, PAGE, &info("fetch")).unwrap();
        assert_eq!(ex.legs.len(), 1);
        assert!(ex.legs[0].response.is_none());
        assert_eq!(ex.error.as_deref(), Some("net::ERR_EMPTY_RESPONSE"));
        let ff = LabRequestInfo { browser: Some(Browser::Firefox), ..info("fetch") };
        let ex = exchange_from_records(&recs, PAGE, &ff).unwrap();
        assert_eq!(ex.error.as_deref(), Some("NS_ERROR_NET_EMPTY_RESPONSE"));
    }

    #[test]
    fn dropped_preflight() {
        let u = "http://127.0.0.1:8802/api/x?pf.drop=1";
        let recs = vec![dropped(rec(1, "OPTIONS", u, &[("Access-Control-Request-Method", "PUT")], None))];
        let ex = exchange_from_records(&recs, PAGE, &info("fetch")).unwrap();
        let pf = ex.legs[0].preflight.clone().unwrap();
        assert!(pf.response.is_none());
        assert_eq!(pf.error.as_deref(), Some("net::ERR_EMPTY_RESPONSE"));
        assert_eq!(ex.error.as_deref(), Some("net::ERR_EMPTY_RESPONSE"));
        assert!(ex.legs[0].response.is_none());
    }

    #[test]
    fn nothing_reached_the_server() {
        assert!(exchange_from_records(&[], PAGE, &info("fetch")).is_err());
        let i = LabRequestInfo { url: Some("http://127.0.0.1:8802/api/x".into()), method: Some("PUT".into()), rejected: Some(true), ..info("fetch") };
        let ex = exchange_from_records(&[], PAGE, &i).unwrap();
        assert_eq!(ex.url(), "http://127.0.0.1:8802/api/x");
        assert_eq!(ex.legs.len(), 1);
        assert!(ex.legs[0].preflight.is_none());
        assert_eq!(ex.preflight_observation, PreflightObservation::NotSent);
        assert!(ex.legs[0].response.is_none());
        assert_eq!(ex.page.rejected, Some(true));
    }

    #[test]
    fn cached_preflight_inferred() {
        let u = "http://127.0.0.1:8802/api/x";
        let recs = vec![rec(1, "PUT", u, &[], Some((200, &[])))];
        let ex = exchange_from_records(&recs, PAGE, &info("fetch")).unwrap();
        assert_eq!(ex.preflight_observation, PreflightObservation::Cached);
        let recs = vec![rec(1, "GET", u, &[("X-A", "1")], Some((200, &[])))];
        let i = LabRequestInfo { author_headers: Some(vec![Header::new("X-A", "1")]), ..info("fetch") };
        assert_eq!(exchange_from_records(&recs, PAGE, &i).unwrap().preflight_observation, PreflightObservation::Cached);
        let i = LabRequestInfo { author_headers: Some(vec![Header::new("Accept", "x")]), ..info("fetch") };
        assert_eq!(exchange_from_records(&recs, PAGE, &i).unwrap().preflight_observation, PreflightObservation::NotSent);
    }

    #[test]
    fn pending_answer() {
        let recs = vec![rec(1, "GET", "http://127.0.0.1:8802/api/x?delay=9000", &[], None)];
        let ex = exchange_from_records(&recs, PAGE, &info("img")).unwrap();
        assert!(ex.legs[0].response.is_none());
        assert!(ex.error.is_some());
        assert_eq!(ex.page.resource_type, ResourceType::Image);
    }

    #[test]
    fn json_round_trip_and_grouping() {
        let mut r1 = rec(1, "GET", "http://127.0.0.1:8802/api/a?tag=one", &[], Some((200, &[])));
        r1.tag = Some("one".into());
        let mut r2 = rec(2, "GET", "http://127.0.0.1:8802/api/b?tag=two", &[], Some((500, &[])));
        r2.tag = Some("two".into());
        let json = serde_json::to_string(&vec![r1, r2]).unwrap();
        let all = exchanges_from_records_json(&json, PAGE, &info("fetch")).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].id.as_deref(), Some("two"));
        assert_eq!(all[1].legs[0].response.as_ref().map(|r| r.status), Some(500));
        assert!(exchange_from_records_json("{", PAGE, &info("fetch")).is_err());
        assert!(exchange_from_records_json("[{\"seq\":\"x\"}]", PAGE, &info("fetch")).is_err());
        let i: LabRequestInfo = serde_json::from_str(r#"{"kind":"font","authorHeaders":[{"name":"X","value":"1"}],"credentials":"include"}"#).unwrap();
        assert_eq!(i.credentials, Some(Credentials::Include));
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn arb_header() -> impl Strategy<Value = Header> {
            (prop_oneof![Just("Origin".to_string()), Just("Location".to_string()), Just("Access-Control-Request-Method".to_string()), ".{0,12}"], ".{0,40}")
                .prop_map(|(n, v)| Header::new(n, v))
        }

        fn arb_record() -> impl Strategy<Value = Record> {
            (
                prop_oneof![Just("GET".to_string()), Just("OPTIONS".to_string()), Just("PUT".to_string()), ".{0,8}"],
                ".{0,60}",
                proptest::collection::vec(arb_header(), 0..5),
                proptest::option::of((any::<u16>(), proptest::collection::vec(arb_header(), 0..5), any::<bool>())),
                proptest::option::of(".{0,4}"),
            )
                .prop_map(|(method, url, headers, sent, tag)| Record {
                    seq: 0,
                    tag,
                    origin: "http://127.0.0.1:8802".into(),
                    server: "api".into(),
                    received: Received { method, url, headers },
                    sent: sent.map(|(status, headers, dropped)| Sent { status, headers, dropped }),
                    at: 0,
                })
        }

        proptest! {
            #[test]
            fn never_panics(recs in proptest::collection::vec(arb_record(), 0..8), kind in ".{0,10}", url in proptest::option::of(".{0,20}")) {
                let info = LabRequestInfo { kind, url, ..LabRequestInfo::default() };
                let _ = exchange_from_records(&recs, "http://127.0.0.1:8801", &info);
                let json = serde_json::to_string(&recs).unwrap_or_default();
                let _ = exchanges_from_records_json(&json, "http://127.0.0.1:8801", &info);
            }

            #[test]
            fn json_never_panics(s in ".{0,200}") {
                let _ = exchange_from_records_json(&s, "x", &LabRequestInfo::default());
            }
        }
    }
}
