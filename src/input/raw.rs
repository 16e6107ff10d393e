//! Pasted header blocks to an exchange (the playground's input).
//!
//! A developer copies header blocks from DevTools ("view source" of the
//! request and response headers) or from `curl -v`, and pastes them:
//!
//! ```text
//! PUT /items/7 HTTP/1.1          <- or HTTP/2 pseudo-headers (:method, :path, :authority, :scheme)
//! Host: api.example
//! Origin: https://app.example
//! Content-Type: application/json
//! ```
//! ```text
//! HTTP/1.1 204 No Content         <- or "HTTP/2 204", or ":status: 204", or just "204"
//! Access-Control-Allow-Origin: https://app.example
//! ```
//!
//! Lines are `Name: value`; everything after the first `:` is the value, with
//! the optional whitespace around it trimmed (`curl -v` prefixes `> ` and
//! `< ` are dropped). Blank lines and lines without a colon that are not a
//! request or status line are ignored... except that a line that cannot be
//! read is reported, with its number, so nothing is silently lost.
//! Nothing here panics, whatever the input.

use crate::core::exchange::{
    Browser, Credentials, Exchange, Header, HeaderList, Leg, Mode, PageRequest, Preflight, PreflightObservation,
    ResourceType, Response,
};
use crate::core::fetch::headers::trim_ows;
use serde::Deserialize;

/// What the playground sends: the header blocks and the facts a developer
/// can add by hand.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawInput {
    /// The request URL; else built from the request block (`Host`/`:authority` + path).
    pub url: Option<String>,
    /// The page's origin; else the request's `Origin` header.
    pub origin: Option<String>,
    /// Overrides the method of the request line.
    pub method: Option<String>,
    pub mode: Option<Mode>,
    pub credentials: Option<Credentials>,
    #[serde(rename = "type")]
    pub resource_type: Option<ResourceType>,
    pub browser: Option<Browser>,
    /// The actual request: request line (or pseudo-headers) and headers.
    pub request: Option<String>,
    /// The preflight's request headers, when pasted.
    pub preflight_request: Option<String>,
    /// The preflight's response: status line and headers.
    pub preflight_response: Option<String>,
    /// True when it is known that no preflight was sent.
    pub no_preflight: Option<bool>,
    /// The actual response: status line and headers. Empty: no response arrived.
    pub response: Option<String>,
}

/// One parsed block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    /// From a request line or `:method`.
    pub method: Option<String>,
    /// From a request line (path or absolute URL) or `:path`.
    pub target: Option<String>,
    /// From `:scheme`.
    pub scheme: Option<String>,
    /// From `:authority`.
    pub authority: Option<String>,
    /// From a status line or `:status`.
    pub status: Option<u16>,
    /// The header lines, in order, pseudo-headers excluded.
    pub headers: Vec<Header>,
}

/// Reads one pasted block. `what` names it in error messages.
pub fn parse_block(text: &str, what: &str) -> Result<Block, String> {
    let mut b = Block::default();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim_end_matches('\r');
        // curl -v prefixes
        let line = line.strip_prefix("> ").or_else(|| line.strip_prefix("< ")).unwrap_or(line);
        let t = line.trim();
        if t.is_empty() || t == ">" || t == "<" {
            continue;
        }
        if let Some(rest) = t.strip_prefix(':') {
            // HTTP/2 pseudo-header as DevTools shows it: ":status: 204"
            let (name, value) = match rest.split_once(':') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().to_string()),
                None => return Err(format!("{what}, line {n}: pseudo-header without a value: {t:?}")),
            };
            match name.as_str() {
                "method" => b.method = Some(value),
                "path" => b.target = Some(value),
                "scheme" => b.scheme = Some(value),
                "authority" => b.authority = Some(value),
                "status" => b.status = Some(parse_status(&value, what, n)?),
                _ => {}
            }
            continue;
        }
        if let Some(status) = status_line(t) {
            b.status = Some(parse_status(status, what, n)?);
            continue;
        }
        if let Some((method, target)) = request_line(t) {
            b.method = Some(method.to_string());
            b.target = Some(target.to_string());
            continue;
        }
        if b.headers.is_empty() && b.status.is_none() && t.bytes().all(|c| c.is_ascii_digit()) && t.len() == 3 {
            b.status = Some(parse_status(t, what, n)?);
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() && !name.trim().contains(' ') => {
                b.headers.push(Header::new(name.trim(), trim_ows(value)));
            }
            _ => {
                return Err(format!(
                    "{what}, line {n}: expected `Name: value`, a request line or a status line, found {t:?}"
                ))
            }
        }
    }
    Ok(b)
}

/// "HTTP/1.1 204 No Content", "HTTP/2 200" -> "204"
fn status_line(t: &str) -> Option<&str> {
    let mut parts = t.split_whitespace();
    let first = parts.next()?;
    if !first.to_ascii_uppercase().starts_with("HTTP/") {
        return None;
    }
    parts.next()
}

/// "PUT /items/7 HTTP/1.1" -> ("PUT", "/items/7")
fn request_line(t: &str) -> Option<(&str, &str)> {
    let parts: Vec<&str> = t.split_whitespace().collect();
    match parts.as_slice() {
        [method, target, version] if version.to_ascii_uppercase().starts_with("HTTP/") => {
            if method.bytes().all(|c| c.is_ascii_alphabetic() || c == b'-' || c == b'_') {
                Some((method, target))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn parse_status(s: &str, what: &str, n: usize) -> Result<u16, String> {
    match s.trim().parse::<u16>() {
        Ok(v) if (100..=999).contains(&v) => Ok(v),
        _ => Err(format!("{what}, line {n}: {s:?} is not an HTTP status code")),
    }
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Builds the exchange. Errors say which block and line are wrong, or which
/// fact (the URL) is missing.
pub fn exchange_from_raw(input: &RawInput) -> Result<Exchange, String> {
    let req = parse_block(input.request.as_deref().unwrap_or(""), "request")?;
    let pf_req = parse_block(input.preflight_request.as_deref().unwrap_or(""), "preflight request")?;
    let pf_res = parse_block(input.preflight_response.as_deref().unwrap_or(""), "preflight response")?;
    let res = parse_block(input.response.as_deref().unwrap_or(""), "response")?;

    let url = match nonempty(&input.url) {
        Some(u) => u.to_string(),
        None => {
            let target = req.target.as_deref().unwrap_or("/");
            if target.starts_with("http://") || target.starts_with("https://") {
                target.to_string()
            } else {
                let host = req
                    .authority
                    .as_deref()
                    .or_else(|| req.headers.first_value("host"))
                    .ok_or_else(|| {
                        "the request URL is unknown: give the URL, or paste a request block with a Host header \
                         (or :authority)"
                            .to_string()
                    })?;
                // HTTP/1.1 blocks do not say the scheme: take the page's
                // (an http page rarely calls https APIs on its own host, and
                // the playground lets the URL be given outright).
                let page = nonempty(&input.origin).or_else(|| req.headers.first_value("origin"));
                let scheme = match (req.scheme.as_deref(), page) {
                    (Some(s), _) => s,
                    (None, Some(o)) if o.trim_start().starts_with("http://") => "http",
                    _ => "https",
                };
                let path = if target.starts_with('/') { target.to_string() } else { format!("/{target}") };
                format!("{scheme}://{}{path}", host.trim())
            }
        }
    };
    let method = nonempty(&input.method).map(str::to_string).or(req.method.clone());
    let origin = nonempty(&input.origin)
        .map(str::to_string)
        .or_else(|| req.headers.first_value("origin").map(str::to_string));

    // A preflight response without a status line is no response (its
    // headers cannot be checked without one).
    let preflight = if pf_res.status.is_some() || !pf_res.headers.is_empty() || !pf_req.headers.is_empty() {
        Some(Preflight {
            request_headers: pf_req.headers,
            response: pf_res.status.map(|status| Response { status, headers: pf_res.headers, headers_merged: false }),
            error: None,
        })
    } else {
        None
    };
    let preflight_observation = if input.no_preflight == Some(true) && preflight.is_none() {
        PreflightObservation::NotSent
    } else {
        PreflightObservation::Unknown
    };
    let response = if res.status.is_some() || !res.headers.is_empty() {
        Some(Response { status: res.status.unwrap_or(200), headers: res.headers, headers_merged: false })
    } else {
        None
    };
    Ok(Exchange {
        browser: input.browser,
        page: PageRequest {
            method,
            origin,
            resource_type: input.resource_type.unwrap_or(ResourceType::Fetch),
            mode: input.mode,
            credentials: input.credentials,
            ..PageRequest::default()
        },
        legs: vec![Leg { url, method: None, preflight, request_headers: req.headers, response }],
        preflight_observation,
        ..Exchange::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http1_blocks() {
        let input = RawInput {
            request: Some("PUT /items/7 HTTP/1.1\nHost: api.example:8443\nOrigin: https://app.example\nX-Trace:  a:b \n".into()),
            preflight_response: Some("HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: https://app.example\r\nAccess-Control-Allow-Methods: GET\r\n".into()),
            response: Some("".into()),
            ..RawInput::default()
        };
        let ex = exchange_from_raw(&input).unwrap();
        assert_eq!(ex.url(), "https://api.example:8443/items/7");
        assert_eq!(ex.page.method.as_deref(), Some("PUT"));
        assert_eq!(ex.page.origin.as_deref(), Some("https://app.example"));
        assert_eq!(ex.legs[0].request_headers[2], Header::new("X-Trace", "a:b"));
        let pf = ex.legs[0].preflight.clone().unwrap();
        let pr = pf.response.unwrap();
        assert_eq!(pr.status, 204);
        assert_eq!(pr.headers.len(), 2);
        assert!(ex.legs[0].response.is_none());
    }

    #[test]
    fn http2_pseudo_headers_and_curl_prefixes() {
        let input = RawInput {
            request: Some(":method: POST\n:scheme: http\n:authority: 127.0.0.1:8802\n:path: /api/x?y=1\norigin: http://127.0.0.1:8801".into()),
            response: Some("< HTTP/2 500 \n< access-control-allow-origin: *\n<".into()),
            ..RawInput::default()
        };
        let ex = exchange_from_raw(&input).unwrap();
        assert_eq!(ex.url(), "http://127.0.0.1:8802/api/x?y=1");
        assert_eq!(ex.page.method.as_deref(), Some("POST"));
        let r = ex.legs[0].response.clone().unwrap();
        assert_eq!(r.status, 500);
        assert_eq!(r.headers, vec![Header::new("access-control-allow-origin", "*")]);
    }

    #[test]
    fn errors_name_the_block_and_line() {
        let input = RawInput { url: Some("https://a.test/".into()), response: Some("HTTP/1.1 200\nthis is not a header".into()), ..RawInput::default() };
        let e = exchange_from_raw(&input).unwrap_err();
        assert!(e.starts_with("response, line 2:"), "{e}");
        let e = exchange_from_raw(&RawInput::default()).unwrap_err();
        assert!(e.contains("URL is unknown"), "{e}");
        let input = RawInput { url: Some("https://a.test/".into()), response: Some("HTTP/1.1 abc".into()), ..RawInput::default() };
        assert!(exchange_from_raw(&input).unwrap_err().contains("not an HTTP status"));
    }

    #[test]
    fn never_panics_on_odd_text() {
        for s in ["", ":", "::", ": x", "HTTP/", "HTTP/1.1", "GET", "a:b:c", "\u{0}:\u{0}", "é: ü", "999", "HTTP/1.1 65536", "<", "> "] {
            let input = RawInput { url: Some("x".into()), request: Some(s.into()), preflight_response: Some(s.into()), response: Some(s.into()), ..RawInput::default() };
            let _ = exchange_from_raw(&input);
        }
    }
}
