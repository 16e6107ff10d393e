//! Methods and request headers: normalization, the forbidden lists, the
//! CORS-safelisted request-header rules, and the CORS-unsafe request-header
//! names that make a request need a preflight (Fetch Standard §2.2.2).
//!
//! Chromium safelists a few extra names (client hints, `Intervention`;
//! services/network/public/cpp/cors/cors.cc `IsCorsSafelistedHeader`); they
//! are reached through the `browser` parameter only.

use super::headers::trim_ows;
use super::mime::parse_mime;
use crate::core::exchange::{Browser, Header};
use std::borrow::Cow;

/// The CORS-safelisted response-header names (Fetch Standard): a page reads
/// them without `Access-Control-Expose-Headers`.
const SAFELISTED_RESPONSE_HEADER_NAMES: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// Whether `name` is a CORS-safelisted response-header name (any case).
pub fn is_safelisted_response_header_name(name: &str) -> bool {
    SAFELISTED_RESPONSE_HEADER_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

const NORMALIZED_METHODS: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// fetch()/XHR method normalization: a byte-case-insensitive match for
/// `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` or `PUT` is upper-cased; any
/// other method (`patch`) is kept as given.
pub fn normalize_method(m: &str) -> String {
    normalize_method_cow(m).into_owned()
}

/// Allocation-free (when already normalized) form of `normalize_method`.
pub fn normalize_method_cow(m: &str) -> Cow<'_, str> {
    for n in NORMALIZED_METHODS {
        if m.eq_ignore_ascii_case(n) {
            return if m == n {
                Cow::Borrowed(m)
            } else {
                Cow::Borrowed(n)
            };
        }
    }
    Cow::Borrowed(m)
}

/// CORS-safelisted method: `GET`, `HEAD` or `POST`, exact bytes.
pub fn is_safelisted_method(m: &str) -> bool {
    matches!(m, "GET" | "HEAD" | "POST")
}

/// Forbidden method: `CONNECT`, `TRACE`, `TRACK` (case-insensitive).
pub fn is_forbidden_method(m: &str) -> bool {
    ["CONNECT", "TRACE", "TRACK"]
        .iter()
        .any(|f| m.eq_ignore_ascii_case(f))
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Whether the name alone is forbidden (the list, `proxy-` and `sec-` prefixes).
pub fn is_forbidden_request_header_name(name: &str) -> bool {
    let name = name.trim_ascii();
    if starts_with_ci(name, "proxy-") || starts_with_ci(name, "sec-") {
        return true;
    }
    let mut buf = [0u8; 48];
    super::headers::lower_into(name, &mut buf).is_some_and(is_forbidden_lower)
}

/// The forbidden names without a prefix rule, for a lower-cased name.
fn is_forbidden_lower(name: &str) -> bool {
    matches!(
        name,
        "accept-charset"
            | "accept-encoding"
            | "access-control-request-headers"
            | "access-control-request-method"
            | "connection"
            | "content-length"
            | "cookie"
            | "cookie2"
            | "date"
            | "dnt"
            | "expect"
            | "host"
            | "keep-alive"
            | "origin"
            | "referer"
            | "set-cookie"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "via"
    )
}

/// Forbidden request-header (name, value): the forbidden names, and
/// `X-HTTP-Method`, `X-HTTP-Method-Override`, `X-Method-Override` whose value
/// lists a forbidden method.
pub fn is_forbidden_request_header(name: &str, value: &str) -> bool {
    if is_forbidden_request_header_name(name) {
        return true;
    }
    let name = name.trim();
    if [
        "x-http-method",
        "x-http-method-override",
        "x-method-override",
    ]
    .iter()
    .any(|n| name.eq_ignore_ascii_case(n))
    {
        return super::headers::split_iter(value).any(is_forbidden_method);
    }
    false
}

/// CORS-unsafe request-header byte: < 0x20 except HT, `"():<>?@[\]{}`, DEL.
pub fn is_unsafe_byte(b: u8) -> bool {
    (b < 0x20 && b != 0x09)
        || matches!(
            b,
            b'"' | b'('
                | b')'
                | b':'
                | b'<'
                | b'>'
                | b'?'
                | b'@'
                | b'['
                | b'\\'
                | b']'
                | b'{'
                | b'}'
                | 0x7f
        )
}

fn is_language_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b' ' | b'*' | b',' | b'-' | b'.' | b';' | b'=')
}

/// The standard's CORS-safelisted request-header (name, value). The value
/// is HTTP-whitespace-trimmed first (header values are normalized when set).
pub fn is_safelisted_request_header(name: &str, value: &str) -> bool {
    safelisted_for(name, value, None)
}

/// `is_safelisted_request_header` with `browser`'s departures: Chromium also
/// safelists `Intervention` and some client hints (each with its value rule).
pub fn is_safelisted_request_header_in(name: &str, value: &str, browser: Browser) -> bool {
    safelisted_for(name, value, Some(browser))
}

fn safelisted_for(name: &str, value: &str, browser: Option<Browser>) -> bool {
    let value = trim_ows(value);
    let name = name.trim();
    if value.len() > 128 {
        return false;
    }
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    if is("accept") {
        !value.bytes().any(is_unsafe_byte)
    } else if is("accept-language") || is("content-language") {
        value.bytes().all(is_language_byte)
    } else if is("content-type") {
        if value.bytes().any(is_unsafe_byte) {
            return false;
        }
        match parse_mime(value) {
            Some(m) => matches!(
                m.essence.as_str(),
                "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
            ),
            None => false,
        }
    } else if is("range") {
        matches!(parse_simple_range(value), Some((Some(_), _)))
    } else if browser == Some(Browser::Chromium) {
        chromium_extra(name, value)
    } else {
        false
    }
}

/// Chromium's extra safelisted names (cors.cc `IsCorsSafelistedHeader`, the
/// "Intervention" and "Client Hints" blocks). `sec-ch-*` names are forbidden
/// for authors anyway and are not listed here.
fn chromium_extra(name: &str, value: &str) -> bool {
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    if is("intervention") {
        true
    } else if is("device-memory") || is("dpr") || is("downlink") {
        is_double_like(value)
    } else if is("width") || is("viewport-width") || is("rtt") {
        !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
    } else if is("ect") {
        // kWebEffectiveConnectionTypeMapping.
        matches!(value, "slow-2g" | "2g" | "3g" | "4g")
    } else if is("save-data") {
        value.eq_ignore_ascii_case("on")
    } else {
        false
    }
}

/// `1*DIGIT [ "." 1*DIGIT ]`.
fn is_double_like(v: &str) -> bool {
    let mut parts = v.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let ok_int = !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit());
    match parts.next() {
        None => ok_int,
        Some(frac) => ok_int && !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// Compares two ASCII digit strings as numbers of any size.
fn digits_gt(a: &str, b: &str) -> bool {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len() > b.len() || (a.len() == b.len() && a > b)
}

/// "Parse a single range header value" with allowWhitespace false:
/// `bytes=` start `-` end, one range only. Returns (start, end) digit strings
/// (None for an empty side) or None for failure.
pub fn parse_simple_range(value: &str) -> Option<(Option<&str>, Option<&str>)> {
    let rest = value.strip_prefix("bytes=")?;
    let dash = rest.find('-')?;
    let start = rest.get(..dash)?;
    let end = rest.get(dash + 1..)?;
    if !start.bytes().all(|b| b.is_ascii_digit()) || !end.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let start = (!start.is_empty()).then_some(start);
    let end = (!end.is_empty()).then_some(end);
    match (start, end) {
        (None, None) => None,
        (Some(s), Some(e)) if digits_gt(s, e) => None,
        r => Some(r),
    }
}

/// Sorted, lower-cased, de-duplicated CORS-unsafe request-header names,
/// including every safelisted name when the safelisted values total more
/// than 1024 bytes: the `Access-Control-Request-Headers` value. Forbidden
/// headers never count (the user agent may add them; authors cannot).
pub fn unsafe_request_header_names(headers: &[Header], browser: Browser) -> Vec<String> {
    let mut names = unsafe_names_in_order(
        headers.iter().map(|h| (h.name.as_str(), h.value.as_str())),
        browser,
    );
    crate::core::order::sort_unstable(&mut names);
    names
}

/// The same names, lower-cased and de-duplicated but in the order the
/// headers come (non-safelisted ones first, then, past the 1024-byte total,
/// the safelisted ones), as Chromium's `CorsUnsafeNotForbiddenRequestHeaderNames`
/// lists them. Allocates nothing when every header is safelisted.
pub fn unsafe_names_in_order<'a>(
    headers: impl Iterator<Item = (&'a str, &'a str)> + Clone,
    browser: Browser,
) -> Vec<String> {
    let mut unsafe_names: Vec<String> = Vec::new();
    let mut safe_total = 0usize;
    let push = |names: &mut Vec<String>, name: &str| {
        let name = name.trim();
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_ascii_lowercase());
        }
    };
    for (name, value) in headers.clone() {
        if is_forbidden_request_header(name, value) {
            continue;
        }
        if is_safelisted_request_header_in(name, value, browser) {
            safe_total += trim_ows(value).len();
        } else {
            push(&mut unsafe_names, name);
        }
    }
    if safe_total > 1024 {
        for (name, value) in headers {
            if !is_forbidden_request_header(name, value)
                && is_safelisted_request_header_in(name, value, browser)
            {
                push(&mut unsafe_names, name);
            }
        }
    }
    unsafe_names
}

/// The CORS-unsafe request-header names of the request the page made, as
/// `unsafe_request_header_names` gives them (sorted, lower-cased,
/// de-duplicated): from the headers the page's script set when the source
/// knows them (`author`: `PageRequest::author_headers`), else from the
/// request headers as sent (`sent`), leaving out those the browser adds
/// itself (`is_browser_added_header`). The same choice of headers as the
/// checks make (`check.rs`, `Prepared::names`) when no preflight was observed.
pub fn request_unsafe_header_names(author: Option<&[Header]>, sent: &[Header], browser: Browser) -> Vec<String> {
    let mut names = request_unsafe_names_in_order(author, sent, browser);
    crate::core::order::sort_unstable(&mut names);
    names
}

/// [`request_unsafe_header_names`] unsorted, in the request's order
/// (`unsafe_names_in_order`): Chromium's order.
pub fn request_unsafe_names_in_order(author: Option<&[Header]>, sent: &[Header], browser: Browser) -> Vec<String> {
    fn pair(h: &Header) -> (&str, &str) {
        (h.name.as_str(), h.value.as_str())
    }
    match author {
        Some(author) => unsafe_names_in_order(author.iter().map(pair), browser),
        None => unsafe_names_in_order(sent.iter().filter(|h| !is_browser_added_header(&h.name)).map(pair), browser),
    }
}

/// The headers of a CORS-preflight request (Fetch Standard, "CORS-preflight
/// fetch", steps 1-5): `Accept: */*`, `Access-Control-Request-Method` with
/// the request's method, `Access-Control-Request-Headers` with the
/// CORS-unsafe request-header names joined by `,` (no space) when there are
/// any, and the request's `Origin`. `unsafe_names` must already be the sorted,
/// lower-cased, de-duplicated list (`unsafe_request_header_names`). The order
/// is the one both Chromium 156 and Firefox ESR 153 send these four in
/// (recorded fixtures; each browser adds further headers of its own between
/// them: `User-Agent`, `Referer`, `Sec-Fetch-*`, ...).
pub fn preflight_request_headers(method: &str, origin: &str, unsafe_names: &[String]) -> Vec<Header> {
    let mut out = Vec::with_capacity(4);
    out.push(Header::new("Accept", "*/*"));
    out.push(Header::new("Access-Control-Request-Method", method));
    if !unsafe_names.is_empty() {
        out.push(Header::new("Access-Control-Request-Headers", unsafe_names.join(",")));
    }
    out.push(Header::new("Origin", origin));
    out
}

/// Headers that browsers add on their own and that never count as author
/// headers when a source (HAR, webRequest) gives the full request header
/// list: the forbidden names (`Origin`, `Cookie`, `Referer`, `Host`,
/// `Sec-*`, ...), `User-Agent`, `Accept`, `Accept-Language`, `Priority`,
/// `DNT`, `Upgrade-Insecure-Requests`, `Cache-Control`/`Pragma` (added when
/// DevTools disables the cache), revalidation validators, `X-Client-Data`,
/// and HTTP/2 pseudo-headers (`:authority`, ...).
pub fn is_browser_added_header(name: &str) -> bool {
    let name = name.trim_ascii();
    if name.starts_with(':') || starts_with_ci(name, "proxy-") || starts_with_ci(name, "sec-") {
        return true;
    }
    // One lower-casing for both lists.
    let mut buf = [0u8; 48];
    let Some(lower) = super::headers::lower_into(name, &mut buf) else {
        return false;
    };
    is_forbidden_lower(lower)
        || matches!(
            lower,
            "user-agent"
                | "accept"
                | "accept-language"
                | "priority"
                | "upgrade-insecure-requests"
                | "cache-control"
                | "pragma"
                | "if-none-match"
                | "if-modified-since"
                | "x-client-data"
                | "purpose"
                | "save-data"
                | "device-memory"
                | "dpr"
                | "viewport-width"
                | "width"
                | "rtt"
                | "downlink"
                | "ect"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: &str, v: &str) -> Header {
        Header::new(n, v)
    }

    #[test]
    fn methods() {
        assert_eq!(normalize_method("get"), "GET");
        assert_eq!(normalize_method("Delete"), "DELETE");
        assert_eq!(normalize_method("options"), "OPTIONS");
        assert_eq!(normalize_method("patch"), "patch");
        assert_eq!(normalize_method("PATCH"), "PATCH");
        assert!(is_safelisted_method("GET"));
        assert!(is_safelisted_method("POST"));
        assert!(is_safelisted_method("HEAD"));
        assert!(!is_safelisted_method("get"));
        assert!(!is_safelisted_method("PUT"));
        assert!(is_forbidden_method("connect"));
        assert!(is_forbidden_method("TRACK"));
        assert!(!is_forbidden_method("PATCH"));
    }

    #[test]
    fn forbidden_headers() {
        for n in [
            "Cookie",
            "origin",
            "Sec-Fetch-Mode",
            "Proxy-Authorization",
            "Host",
            "Referer",
            "DNT",
            "Keep-Alive",
        ] {
            assert!(is_forbidden_request_header(n, "x"), "{n}");
        }
        assert!(!is_forbidden_request_header("Authorization", "x"));
        assert!(!is_forbidden_request_header("X-Foo", "x"));
        assert!(is_forbidden_request_header(
            "X-HTTP-Method-Override",
            "GET, trace"
        ));
        assert!(!is_forbidden_request_header(
            "X-HTTP-Method-Override",
            "PATCH"
        ));
    }

    // WPT fetch/api/cors/resources/not-cors-safelisted.json (as listed in the
    // reference): each must NOT be safelisted.
    #[test]
    fn not_safelisted_wpt() {
        let long = "a".repeat(129);
        let cases: Vec<(&str, String)> = vec![
            ("accept", "\"".into()),
            ("accept", long.clone()),
            ("accept-language", "\u{1}".into()),
            ("accept-language", "@".into()),
            ("authorization", "basics".into()),
            ("content-language", "\u{1}".into()),
            ("content-language", "@".into()),
            ("content-type", "text/html".into()),
            (
                "content-type",
                format!("text/plain; long={}", "0".repeat(120)),
            ),
            ("last-event-id", "\u{1}".into()),
            ("range", "bytes 0-".into()),
            ("test", "hi".into()),
        ];
        for (n, v) in cases {
            assert!(!is_safelisted_request_header(n, &v), "{n}: {v:?}");
        }
    }

    // WPT cors/cors-safelisted-request-header.any.js content-type rows.
    #[test]
    fn content_type_wpt() {
        let rows: [(&str, bool); 15] = [
            ("text /plain", true),
            ("text\t/\tplain", true),
            ("text/plain;", false),
            ("text/plain;garbage", false),
            ("text/plain;garbage\u{1}\u{2}", true),
            ("text/plain,", true),
            (",text/plain", true),
            ("text/plain,text/plain", true),
            ("text/plain,x/x", true),
            ("text/plain\u{b}", true),
            ("text/plain\u{c}", true),
            ("application/www-form-urlencoded", true),
            ("application/x-www-form-urlencoded;\u{7f}", true),
            ("multipart/form-data", false),
            ("multipart/form-data;\"", true),
        ];
        for (v, preflight) in rows {
            for b in Browser::ALL {
                assert_eq!(
                    !is_safelisted_request_header_in("content-type", v, b),
                    preflight,
                    "{v:?} {b:?}"
                );
            }
        }
        assert!(is_safelisted_request_header(
            "Content-Type",
            "Text/Plain; charset=UTF-8"
        ));
    }

    // WPT cors/cors-safelisted-request-header.any.js range rows.
    #[test]
    fn range_wpt() {
        let big = format!("bytes=1{}-2{}", "0".repeat(60), "0".repeat(60));
        let rows: Vec<(&str, bool)> = vec![
            ("100-200", true),
            ("MB=100-200", true),
            ("bytes=100-200", false),
            ("bytes =100-200", true),
            ("bytes\t=100-200", true),
            ("bytes=  100-200", true),
            ("bytes=\t\t100-200", true),
            ("bytes= \t100-200", true),
            ("bytes=100 -200", true),
            ("bytes=100\t-200", true),
            ("bytes=100- 200", true),
            ("bytes=100-\t200", true),
            ("bytes=100-200hello", true),
            ("bytes=abc-def", true),
            ("bytes=100-200,300-400", true),
            ("bytes=-200", true),
            ("bytes=200-", false),
            ("bytes=200-100", true),
            (&big, true),
            ("bytes 100-200", true),
            ("bytes = 100-200", true),
            (",bytes=100-200", true),
            ("bytes=,100-200", true),
        ];
        for (v, preflight) in rows {
            assert_eq!(
                !is_safelisted_request_header("range", v),
                preflight,
                "{v:?}"
            );
        }
    }

    #[test]
    fn language_and_accept() {
        assert!(is_safelisted_request_header(
            "Accept-Language",
            "en-US,en;q=0.9"
        ));
        assert!(is_safelisted_request_header("Content-Language", "de-DE, *"));
        assert!(!is_safelisted_request_header("Content-Language", "de_DE"));
        assert!(is_safelisted_request_header(
            "Accept",
            "application/json, text/*;q=0.5"
        ));
        assert!(!is_safelisted_request_header("Accept", "a(b)"));
        assert!(is_safelisted_request_header("Accept", &"a".repeat(128)));
        assert!(!is_safelisted_request_header("Accept", &"a".repeat(129)));
    }

    #[test]
    fn chromium_extras_only_in_chromium() {
        for (n, v) in [
            ("DPR", "2.0"),
            ("Width", "300"),
            ("Save-Data", "on"),
            ("ECT", "4g"),
            ("Intervention", "x"),
            ("Device-Memory", "8"),
        ] {
            assert!(
                is_safelisted_request_header_in(n, v, Browser::Chromium),
                "{n}"
            );
            assert!(
                !is_safelisted_request_header_in(n, v, Browser::Firefox),
                "{n}"
            );
            assert!(!is_safelisted_request_header(n, v), "{n}");
        }
        assert!(!is_safelisted_request_header_in(
            "DPR",
            "2.",
            Browser::Chromium
        ));
        assert!(!is_safelisted_request_header_in(
            "Width",
            "3e2",
            Browser::Chromium
        ));
        assert!(!is_safelisted_request_header_in(
            "Save-Data",
            "off",
            Browser::Chromium
        ));
        assert!(!is_safelisted_request_header_in(
            "ECT",
            "5g",
            Browser::Chromium
        ));
    }

    #[test]
    fn unsafe_names() {
        let hs = vec![
            h("X-B", "1"),
            h("x-a", "2"),
            h("Content-Type", "application/json"),
            h("Accept", "*/*"),
            h("X-B", "3"),
            h("Cookie", "a=b"),
        ];
        assert_eq!(
            unsafe_request_header_names(&hs, Browser::Firefox),
            vec!["content-type", "x-a", "x-b"]
        );
        assert!(unsafe_request_header_names(
            &[h("Accept", "*/*"), h("Content-Type", "text/plain")],
            Browser::Chromium
        )
        .is_empty());
        // 1024-byte total: 9 safelisted values of 120 bytes = 1080 > 1024.
        let v = "a".repeat(120);
        let many: Vec<Header> = (0..9)
            .map(|_| h("Accept", &v))
            .chain([h("Content-Language", "en")])
            .collect();
        assert_eq!(
            unsafe_request_header_names(&many, Browser::Chromium),
            vec!["accept", "content-language"]
        );
        let eight: Vec<Header> = (0..8).map(|_| h("Accept", &v)).collect();
        assert!(unsafe_request_header_names(&eight, Browser::Chromium).is_empty());
        // Chromium's DPR is safelisted, Firefox's is not.
        assert!(unsafe_request_header_names(&[h("DPR", "2")], Browser::Chromium).is_empty());
        assert_eq!(
            unsafe_request_header_names(&[h("DPR", "2")], Browser::Firefox),
            vec!["dpr"]
        );
    }

    #[test]
    fn request_names_and_preflight_headers() {
        let sent = vec![
            h("User-Agent", "x"),
            h("Accept", "text/html"),
            h("Cache-Control", "no-cache"),
            h("X-Api-Key", "k"),
            h("Content-Type", "application/json"),
        ];
        // No author headers: the request headers minus browser-added ones.
        assert_eq!(
            request_unsafe_header_names(None, &sent, Browser::Firefox),
            vec!["content-type", "x-api-key"]
        );
        // Author headers, when known, decide.
        let author = vec![h("X-B", "1"), h("x-a", "1"), h("Accept", "a\"b")];
        assert_eq!(
            request_unsafe_header_names(Some(&author), &sent, Browser::Chromium),
            vec!["accept", "x-a", "x-b"]
        );
        assert_eq!(request_unsafe_names_in_order(Some(&author), &sent, Browser::Chromium), vec!["x-b", "x-a", "accept"]);
        let names: Vec<String> = vec!["accept".into(), "x-a".into()];
        let hs = preflight_request_headers("PUT", "https://app.example", &names);
        let pairs: Vec<(&str, &str)> = hs.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("Accept", "*/*"),
                ("Access-Control-Request-Method", "PUT"),
                ("Access-Control-Request-Headers", "accept,x-a"),
                ("Origin", "https://app.example"),
            ]
        );
        assert_eq!(preflight_request_headers("PUT", "null", &[]).len(), 3);
    }

    #[test]
    fn browser_added() {
        for n in [
            "User-Agent",
            "Accept-Encoding",
            "Sec-CH-UA",
            "sec-fetch-site",
            "Origin",
            "Referer",
            "Cookie",
            "Priority",
            "Cache-Control",
            "Pragma",
            ":authority",
            "Host",
            "Connection",
            "DNT",
        ] {
            assert!(is_browser_added_header(n), "{n}");
        }
        for n in [
            "Authorization",
            "Content-Type",
            "X-Requested-With",
            "X-Api-Key",
            "Range",
        ] {
            assert!(!is_browser_added_header(n), "{n}");
        }
    }
}
