//! What the user asked `whycors probe` for, checked the way `fetch()` checks
//! its arguments: the URL, the page's origin, the method, the headers the
//! page sets (`-H`), the body's type, the credentials mode. Every refusal is
//! a [`BadInput`] sentence for the command line (exit status 2). Pure: no
//! I/O but reading `--cacert` happens elsewhere.

use crate::fetch::safelist;
use crate::exchange::{Browser, Header};
use url::Url;

/// A sentence saying what is wrong with the command line (exit status 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad<T>(s: impl Into<String>) -> Result<T, BadInput> {
    Err(BadInput(s.into()))
}

/// The browsers' redirect limit (Fetch Standard, HTTP-redirect fetch).
pub const BROWSER_REDIRECT_LIMIT: u32 = 20;

/// The longest `--timeout` accepted, in seconds.
pub const MAX_TIMEOUT_SECS: f64 = 300.0;

/// What the page's body is, as `fetch()` would be given it (`--body-type`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// A string: `Content-Type: text/plain;charset=UTF-8`, empty body.
    Text,
    /// `URLSearchParams`: `application/x-www-form-urlencoded;charset=UTF-8`, empty body.
    Form,
    /// `FormData`: `multipart/form-data; boundary=...`, an empty form.
    Multipart,
    /// A JSON string with `Content-Type: application/json` set by the page: body `{}`.
    Json,
    /// A `Blob` of this MIME type: `Content-Type` is the type, empty body.
    Blob(String),
}

/// The multipart boundary the probe uses (both browsers make up their own;
/// only the `multipart/form-data` essence matters to CORS).
pub const MULTIPART_BOUNDARY: &str = "----whycorsprobe7MA4YWxkTrZu0gW";

impl BodyKind {
    /// Reads `--body-type`: `text`, `form`, `multipart`, `json`, `none`, or a
    /// MIME type (a `Blob` of that type).
    pub fn parse(s: &str) -> Result<Option<BodyKind>, BadInput> {
        let t = s.trim();
        Ok(Some(match t.to_ascii_lowercase().as_str() {
            "none" | "" => return Ok(None),
            "text" | "string" => BodyKind::Text,
            "form" | "urlencoded" | "urlsearchparams" => BodyKind::Form,
            "multipart" | "formdata" => BodyKind::Multipart,
            "json" => BodyKind::Json,
            _ if t.contains('/') => {
                if !t.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                    return bad(format!("--body-type {t:?}: a MIME type is visible ASCII only"));
                }
                BodyKind::Blob(t.to_string())
            }
            _ => {
                return bad(format!(
                    "--body-type {t:?}: expected text, form, multipart, json, none or a MIME type such as application/octet-stream"
                ))
            }
        }))
    }

    /// The `Content-Type` the browser (or, for JSON, the page) sets for this body.
    pub fn content_type(&self) -> String {
        match self {
            BodyKind::Text => "text/plain;charset=UTF-8".into(),
            BodyKind::Form => "application/x-www-form-urlencoded;charset=UTF-8".into(),
            BodyKind::Multipart => format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"),
            BodyKind::Json => "application/json".into(),
            BodyKind::Blob(t) => t.clone(),
        }
    }

    /// The bytes sent: as small as the type allows.
    pub fn body(&self) -> Vec<u8> {
        match self {
            BodyKind::Json => b"{}".to_vec(),
            BodyKind::Multipart => format!("--{MULTIPART_BOUNDARY}--\r\n").into_bytes(),
            _ => Vec::new(),
        }
    }

    /// The `--body-type` word that gives this body back.
    pub fn flag(&self) -> String {
        match self {
            BodyKind::Text => "text".into(),
            BodyKind::Form => "form".into(),
            BodyKind::Multipart => "multipart".into(),
            BodyKind::Json => "json".into(),
            BodyKind::Blob(t) => t.clone(),
        }
    }
}

/// The request a page would make, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// The URL, fragment removed.
    pub url: Url,
    /// The page's serialized origin (`https://app.example`, or `null`).
    pub origin: String,
    /// The method as the page gave it (`patch` stays `patch`).
    pub method_as_given: String,
    /// The method `fetch()` sends (DELETE GET HEAD OPTIONS POST PUT upper-cased).
    pub method: String,
    /// The headers the page's script sets, `Content-Type` from the body
    /// included, same names combined into one line (`a, b`) as `Headers` does.
    pub author_headers: Vec<Header>,
    /// The body, if any.
    pub body: Option<BodyKind>,
    /// `credentials: 'include'`.
    pub include_credentials: bool,
    /// The `Cookie` line the user passed (only with `include`).
    pub cookie: Option<String>,
    pub browsers: Vec<Browser>,
    /// At most this many redirects are followed (at most the browsers' 20).
    pub max_redirects: u32,
    pub timeout: std::time::Duration,
    pub show_secrets: bool,
}

/// The raw command-line values (`ProbeArgs` minus what is not about the request).
#[derive(Clone, Debug, Default)]
pub struct RawSpec<'a> {
    pub url: &'a str,
    pub origin: &'a str,
    pub method: Option<&'a str>,
    pub headers: &'a [String],
    pub body_type: Option<&'a str>,
    pub credentials: Option<&'a str>,
    pub browser: Option<&'a str>,
    pub max_redirects: Option<u32>,
    pub timeout_secs: Option<f64>,
    pub show_secrets: bool,
}

/// Checks a URL to probe: absolute http(s), no credentials in it.
pub fn check_url(s: &str) -> Result<Url, BadInput> {
    let t = s.trim();
    let mut u = match Url::parse(t) {
        Ok(u) => u,
        Err(e) => return bad(format!("{t:?} is not a URL ({e}); give an absolute http:// or https:// URL")),
    };
    if !matches!(u.scheme(), "http" | "https") {
        return bad(format!(
            "{t:?}: only http:// and https:// URLs can be probed (the browser refuses CORS requests to {}: URLs)",
            u.scheme()
        ));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return bad(format!(
            "{t:?} includes credentials (user:password@): fetch() refuses such a URL (TypeError); pass an Authorization header with -H instead"
        ));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return bad(format!("{t:?} has no host"));
    }
    u.set_fragment(None);
    Ok(u)
}

/// Checks `--origin`: `null`, or an http(s) URL whose origin is taken.
pub fn check_origin(s: &str) -> Result<String, BadInput> {
    let t = s.trim();
    if t == "null" {
        return Ok("null".into());
    }
    let u = match Url::parse(t) {
        Ok(u) => u,
        Err(_) => {
            return bad(format!(
                "--origin {t:?} is not an origin: give the page's scheme, host and port, e.g. https://app.example.com, or null"
            ))
        }
    };
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
        return bad(format!("--origin {t:?}: expected an http:// or https:// origin, or null"));
    }
    Ok(u.origin().ascii_serialization())
}

/// Checks a method the way `fetch()` does: a token, not CONNECT/TRACE/TRACK.
pub fn check_method(m: &str) -> Result<(String, String), BadInput> {
    let t = m.trim();
    if t.is_empty() || !crate::fetch::headers::is_token(t) {
        return bad(format!("--method {t:?} is not a valid HTTP method (a token: letters, digits and !#$%&'*+-.^_`|~)"));
    }
    if safelist::is_forbidden_method(t) {
        return bad(format!("--method {t}: fetch() refuses CONNECT, TRACE and TRACK (TypeError)"));
    }
    Ok((t.to_string(), safelist::normalize_method(t)))
}

/// One `-H 'Name: value'` line: the name (a token) and the value with its
/// surrounding whitespace removed, as `Headers.append` normalizes it.
pub fn parse_header_line(line: &str) -> Result<Header, BadInput> {
    let Some((name, value)) = line.split_once(':') else {
        return bad(format!("-H {line:?}: expected 'Name: value'"));
    };
    let name = name.trim_matches(|c| c == ' ' || c == '\t');
    if name.is_empty() || !crate::fetch::headers::is_token(name) {
        return bad(format!("-H {line:?}: {name:?} is not a valid header name (a token, no spaces)"));
    }
    let value = crate::fetch::headers::trim_ows(value);
    if let Some(b) = value.bytes().find(|&b| !(b == b'\t' || (0x20..0x7f).contains(&b))) {
        return bad(format!(
            "-H {name}: the value contains byte 0x{b:02x}; the probe sends visible ASCII, spaces and tabs only (fetch() refuses CR, LF and NUL)"
        ));
    }
    Ok(Header::new(name, value))
}

/// Header names whose values are the user's secrets: redacted in what the
/// probe prints and records, unless `--show-secrets`.
pub fn is_secret_header(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    if matches!(n.as_str(), "authorization" | "proxy-authorization" | "cookie" | "cookie2") {
        return true;
    }
    const WORDS: [&str; 11] =
        ["token", "secret", "passw", "apikey", "api-key", "api_key", "auth", "session", "signature", "csrf", "credential"];
    WORDS.iter().any(|w| n.contains(w)) || n.ends_with("-key") || n.ends_with("_key") || n == "key" || n.contains("xsrf")
}

/// Query parameter names whose values are treated as secrets.
pub fn is_secret_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    const WORDS: [&str; 9] = ["token", "secret", "passw", "apikey", "api_key", "api-key", "auth", "session", "signature"];
    WORDS.iter().any(|w| n.contains(w)) || matches!(n.as_str(), "key" | "sig" | "code" | "access_key")
}

/// The value shown in place of a secret: an authentication scheme is kept
/// (`Bearer <redacted>`), the rest goes.
pub fn redact_value(value: &str) -> String {
    const SCHEMES: [&str; 7] = ["bearer", "basic", "digest", "token", "negotiate", "hoba", "aws4-hmac-sha256"];
    match value.split_once(' ') {
        Some((scheme, _)) if SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) => format!("{scheme} <redacted>"),
        _ => "<redacted>".into(),
    }
}

/// A URL with the values of secret-looking query parameters replaced.
pub fn redact_url(url: &str) -> String {
    let Ok(mut u) = Url::parse(url) else {
        return url.to_string();
    };
    if u.query().is_none() || !u.query_pairs().any(|(k, _)| is_secret_param(&k)) {
        return url.to_string();
    }
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if is_secret_param(&k) { "REDACTED".to_string() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

impl Spec {
    /// Checks every value; the first problem is the error.
    pub fn from_raw(r: &RawSpec<'_>) -> Result<Spec, BadInput> {
        let url = check_url(r.url)?;
        let origin = check_origin(r.origin)?;
        let (method_as_given, method) = check_method(r.method.unwrap_or("GET"))?;
        let include_credentials = match r.credentials.map(str::trim) {
            None | Some("omit") => false,
            Some("include") => true,
            Some(other) => return bad(format!("--credentials {other:?}: expected include or omit")),
        };
        let body = match r.body_type {
            Some(t) => BodyKind::parse(t)?,
            None => None,
        };
        if body.is_some() && matches!(method.as_str(), "GET" | "HEAD") {
            return bad(format!("--body-type with {method}: fetch() refuses a body on GET and HEAD requests (TypeError)"));
        }
        let mut author: Vec<Header> = Vec::new();
        let mut cookies: Vec<String> = Vec::new();
        for line in r.headers {
            let h = parse_header_line(line)?;
            let lower = h.name.to_ascii_lowercase();
            if lower == "cookie" {
                if !include_credentials {
                    return bad(
                        "-H Cookie needs --credentials include: a browser sends cookies only with credentials: 'include' (or withCredentials)",
                    );
                }
                if !h.value.is_empty() {
                    cookies.push(h.value);
                }
                continue;
            }
            if lower == "origin" {
                return bad("-H Origin: the browser sets Origin itself; give the page's origin with --origin");
            }
            if safelist::is_forbidden_request_header(&h.name, &h.value) {
                return bad(format!(
                    "-H {}: a forbidden request header: a page cannot set it (the browser drops it or sets its own), so the probe does not send it",
                    h.name
                ));
            }
            // `Headers.append`: one entry per name, values combined.
            match author.iter_mut().find(|a| a.name.eq_ignore_ascii_case(&h.name)) {
                Some(a) => {
                    a.value.push_str(", ");
                    a.value.push_str(&h.value);
                }
                None => author.push(h),
            }
        }
        if let Some(b) = &body {
            if !author.iter().any(|h| h.name.eq_ignore_ascii_case("content-type")) {
                author.push(Header::new("Content-Type", b.content_type()));
            }
        }
        let browsers = match r.browser.map(str::trim) {
            None | Some("both") => vec![Browser::Chromium, Browser::Firefox],
            Some("chromium") => vec![Browser::Chromium],
            Some("firefox") => vec![Browser::Firefox],
            Some(other) => return bad(format!("--browser {other:?}: expected chromium, firefox or both")),
        };
        let max_redirects = r.max_redirects.unwrap_or(BROWSER_REDIRECT_LIMIT);
        if max_redirects > BROWSER_REDIRECT_LIMIT {
            return bad(format!(
                "--max-redirects {max_redirects}: the browsers follow at most {BROWSER_REDIRECT_LIMIT} redirects; give 0 to {BROWSER_REDIRECT_LIMIT}"
            ));
        }
        let secs = r.timeout_secs.unwrap_or(10.0);
        if !secs.is_finite() || secs <= 0.0 || secs > MAX_TIMEOUT_SECS {
            return bad(format!("--timeout {secs}: give a number of seconds above 0 and at most {MAX_TIMEOUT_SECS}"));
        }
        Ok(Spec {
            url,
            origin,
            method_as_given,
            method,
            author_headers: author,
            body,
            include_credentials,
            cookie: if cookies.is_empty() { None } else { Some(cookies.join("; ")) },
            browsers,
            max_redirects,
            timeout: std::time::Duration::from_secs_f64(secs),
            show_secrets: r.show_secrets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(url: &'a str, origin: &'a str, headers: &'a [String]) -> RawSpec<'a> {
        RawSpec { url, origin, headers, ..RawSpec::default() }
    }

    #[test]
    fn urls_and_origins() {
        assert!(check_url("https://api.example/x#frag").is_ok_and(|u| u.as_str() == "https://api.example/x"));
        for u in ["", "api.example", "ftp://a/", "file:///etc/passwd", "https://u:p@a.example/", "data:text/plain,x"] {
            assert!(check_url(u).is_err(), "{u}");
        }
        assert_eq!(check_origin("https://app.example.com/page"), Ok("https://app.example.com".into()));
        assert_eq!(check_origin("HTTPS://App.Example.com:443"), Ok("https://app.example.com".into()));
        assert_eq!(check_origin("null"), Ok("null".into()));
        for o in ["", "app.example.com", "file:///x", "chrome-extension://abc"] {
            assert!(check_origin(o).is_err(), "{o}");
        }
    }

    #[test]
    fn methods_and_headers() {
        assert_eq!(check_method("patch"), Ok(("patch".into(), "patch".into())));
        assert_eq!(check_method("put"), Ok(("put".into(), "PUT".into())));
        assert!(check_method("TRACE").is_err());
        assert!(check_method("GE T").is_err());
        assert_eq!(parse_header_line("X-A:  b c \t"), Ok(Header::new("X-A", "b c")));
        assert_eq!(parse_header_line("X-A:"), Ok(Header::new("X-A", "")));
        for l in ["NoColon", ": v", "Bad Name: v", "X: caf\u{e9}", "X: a\u{7}"] {
            assert!(parse_header_line(l).is_err(), "{l}");
        }
    }

    #[test]
    fn specs() {
        let h = vec!["X-A: 1".to_string(), "x-a: 2".to_string()];
        let s = Spec::from_raw(&RawSpec { method: Some("post"), body_type: Some("json"), ..raw("https://a.example/", "https://b.example", &h) });
        let s = s.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.method, "POST");
        assert_eq!(s.author_headers, vec![Header::new("X-A", "1, 2"), Header::new("Content-Type", "application/json")]);
        let cookie = vec!["Cookie: a=1".to_string()];
        assert!(Spec::from_raw(&raw("https://a.example/", "https://b.example", &cookie)).is_err());
        let s = Spec::from_raw(&RawSpec { credentials: Some("include"), ..raw("https://a.example/", "https://b.example", &cookie) });
        assert_eq!(s.map(|s| s.cookie), Ok(Some("a=1".into())));
        for bad in [vec!["Origin: x".to_string()], vec!["Host: x".into()], vec!["Sec-Foo: 1".into()], vec!["Content-Length: 1".into()]] {
            assert!(Spec::from_raw(&raw("https://a.example/", "https://b.example", &bad)).is_err(), "{bad:?}");
        }
        assert!(Spec::from_raw(&RawSpec { body_type: Some("text"), ..raw("https://a.example/", "null", &[]) }).is_err());
        assert!(Spec::from_raw(&RawSpec { max_redirects: Some(21), ..raw("https://a.example/", "null", &[]) }).is_err());
        assert!(Spec::from_raw(&RawSpec { timeout_secs: Some(0.0), ..raw("https://a.example/", "null", &[]) }).is_err());
    }

    #[test]
    fn secrets() {
        for n in ["Authorization", "cookie", "X-Api-Key", "X-Auth-Token", "X-CSRF-Token", "Ocp-Apim-Subscription-Key"] {
            assert!(is_secret_header(n), "{n}");
        }
        for n in ["Content-Type", "Accept", "X-Requested-With", "Range"] {
            assert!(!is_secret_header(n), "{n}");
        }
        assert_eq!(redact_value("Bearer abc.def"), "Bearer <redacted>");
        assert_eq!(redact_value("s3cr3t"), "<redacted>");
        assert_eq!(redact_url("https://a.example/x?access_token=abc&page=2"), "https://a.example/x?access_token=REDACTED&page=2");
        assert_eq!(redact_url("https://a.example/x?page=2"), "https://a.example/x?page=2");
    }
}
