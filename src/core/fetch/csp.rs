//! Content Security Policy (CSP Level 3), as far as it decides whether a
//! page may fetch a URL at all: the fetch directives and their source
//! lists ("Does url match source list in origin with redirect count",
//! §6.7.2.6-§6.7.2.8). Nonces, hashes, `'strict-dynamic'`, `'unsafe-*'`
//! never allow a URL and are ignored here; `report-only` policies are not
//! enforced and are not read.
//!
//! Used to name what stopped a request before CORS (`core::stop`): a page
//! whose policy (its document's `Content-Security-Policy` headers) does not
//! allow the URL in the request's directive never sends it (measured:
//! `connect-src 'self'` stops a cross-origin `fetch()` in both browsers,
//! which report no CORS error).

use url::Url;

/// The directive that governs a request of this destination, and its
/// fallbacks (CSP3 §6.8.3 "Get the effective directive", §6.8.4 fallback
/// lists), most specific first.
pub fn directives_for(destination: Destination) -> &'static [&'static str] {
    match destination {
        Destination::Connect => &["connect-src", "default-src"],
        Destination::Image => &["img-src", "default-src"],
        Destination::Font => &["font-src", "default-src"],
        Destination::Script => &["script-src-elem", "script-src", "default-src"],
        Destination::Style => &["style-src-elem", "style-src", "default-src"],
        Destination::Media => &["media-src", "default-src"],
    }
}

/// What a request fetches, as CSP groups it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    /// fetch(), XHR, EventSource, WebSocket, `sendBeacon`.
    Connect,
    Image,
    Font,
    Script,
    Style,
    Media,
}

/// The first directive (of `names`, in order) one policy holds, with its
/// source list. A policy is `;`-separated directives; the first occurrence
/// of a name counts, names compare ASCII case-insensitively.
fn directive<'a>(policy: &'a str, names: &[&str]) -> Option<(&'a str, Vec<&'a str>)> {
    for want in names {
        for d in policy.split(';') {
            let mut tokens = d.split_ascii_whitespace();
            let Some(name) = tokens.next() else { continue };
            if name.eq_ignore_ascii_case(want) {
                return Some((name, tokens.collect()));
            }
        }
    }
    None
}

/// The policies in a list of `Content-Security-Policy` header values (each
/// may hold several, separated by commas).
pub fn policies<'a>(headers: &'a [String]) -> impl Iterator<Item = &'a str> + 'a {
    headers.iter().flat_map(|h| h.split(',')).map(str::trim).filter(|p| !p.is_empty())
}

/// The first policy of `headers` that blocks `url` for a request of
/// `destination` from a page of origin `page` (a URL on that origin; its
/// scheme, host and port), after `redirects` redirects: the directive's
/// name and its source list as written. None: every policy allows it.
pub fn blocking_directive(
    headers: &[String],
    destination: Destination,
    page: &Url,
    url: &Url,
    redirects: usize,
) -> Option<String> {
    for policy in policies(headers) {
        let Some((name, list)) = directive(policy, directives_for(destination)) else { continue };
        if !matches_source_list(url, &list, page, redirects) {
            return Some(format!("{} {}", name.to_ascii_lowercase(), list.join(" ")).trim().to_string());
        }
    }
    None
}

/// CSP3 §6.7.2.5 "Does url match source list in origin with redirect count".
pub fn matches_source_list(url: &Url, list: &[&str], page: &Url, redirects: usize) -> bool {
    if list.is_empty() {
        return false;
    }
    if list.len() == 1 && list.first().is_some_and(|t| t.eq_ignore_ascii_case("'none'")) {
        return false;
    }
    list.iter().any(|e| matches_expression(url, e, page, redirects))
}

fn is_network_scheme(s: &str) -> bool {
    matches!(s, "http" | "https" | "ws" | "wss")
}

/// §6.7.2.8 "scheme-part match": equal, or the secure upgrade of it.
fn scheme_part_match(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    a == b
        || (a == "http" && b == "https")
        || (a == "ws" && matches!(b.as_str(), "wss" | "http" | "https"))
        || (a == "wss" && b == "https")
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// §6.7.2.7 "Does url match expression in origin with redirect count".
fn matches_expression(url: &Url, expr: &str, page: &Url, redirects: usize) -> bool {
    let scheme = url.scheme();
    if expr == "*" {
        return is_network_scheme(scheme) || scheme == page.scheme();
    }
    if expr.eq_ignore_ascii_case("'self'") {
        return matches_self(url, page);
    }
    if expr.starts_with('\'') {
        // Keywords, nonces, hashes: they allow no URL.
        return false;
    }
    // scheme-source: `https:`
    if let Some(s) = expr.strip_suffix(':') {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) {
            return scheme_part_match(s, scheme);
        }
    }
    matches_host_source(url, expr, page, redirects)
}

fn matches_self(url: &Url, page: &Url) -> bool {
    if url.origin() == page.origin() {
        return true;
    }
    let same_host = match (url.host_str(), page.host_str()) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    };
    if !same_host {
        return false;
    }
    let upgrade = (page.scheme() == "http" && matches!(url.scheme(), "https" | "ws" | "wss"))
        || (page.scheme() == "https" && url.scheme() == "wss");
    let ports_ok = url.port_or_known_default() == page.port_or_known_default()
        || (url.port().is_none() && default_port(url.scheme()).is_some());
    upgrade && ports_ok
}

/// A host-source: `[scheme "://"] host [":" port] [path]`.
fn matches_host_source(url: &Url, expr: &str, page: &Url, redirects: usize) -> bool {
    let (scheme_part, rest) = match expr.find("://") {
        Some(i) => (expr.get(..i), expr.get(i + 3..).unwrap_or("")),
        None => (None, expr),
    };
    match scheme_part {
        Some(s) => {
            if !scheme_part_match(s, url.scheme()) {
                return false;
            }
        }
        None => {
            // No scheme: the page's, or its secure upgrade.
            if !scheme_part_match(page.scheme(), url.scheme()) {
                return false;
            }
        }
    }
    let path_at = rest.find('/').unwrap_or(rest.len());
    let host_port = rest.get(..path_at).unwrap_or("");
    let path = rest.get(path_at..).unwrap_or("");
    // A port follows the last ':' (IPv6 literals are in brackets).
    let (host, port) = match host_port.rfind(':') {
        Some(i) if !host_port.get(i..).unwrap_or("").contains(']') => {
            (host_port.get(..i).unwrap_or(""), Some(host_port.get(i + 1..).unwrap_or("")))
        }
        _ => (host_port, None),
    };
    let Some(url_host) = url.host_str() else { return false };
    let host_ok = if host == "*" {
        true
    } else if let Some(suffix) = host.strip_prefix("*.") {
        let h = url_host.to_ascii_lowercase();
        let s = suffix.to_ascii_lowercase();
        h.len() > s.len() + 1 && h.ends_with(&format!(".{s}"))
    } else {
        host.eq_ignore_ascii_case(url_host)
    };
    if !host_ok {
        return false;
    }
    let url_port = url.port_or_known_default();
    let port_ok = match port {
        Some("*") => true,
        Some(p) => match p.parse::<u16>() {
            Ok(n) => Some(n) == url_port || (n == 80 && url_port == Some(443) && url.scheme() == "https"),
            Err(_) => false,
        },
        None => {
            // The default port of the expression's scheme (or the page's),
            // or the upgraded one.
            let base = scheme_part.unwrap_or(page.scheme()).to_ascii_lowercase();
            let d = default_port(&base);
            url_port == d || url_port == default_port(url.scheme()) && d.is_some()
        }
    };
    if !port_ok {
        return false;
    }
    // Paths are ignored after a redirect (§6.7.2.8, step 9).
    if path.is_empty() || redirects > 0 {
        return true;
    }
    let decoded = url.path();
    if path.ends_with('/') {
        decoded.starts_with(path)
    } else {
        decoded == path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn blocks(policy: &str, url: &str) -> bool {
        blocking_directive(&[policy.to_string()], Destination::Connect, &u("http://127.0.0.1:18801/page"), &u(url), 0).is_some()
    }

    // The measured case (MEASURED.md §2, csp-connect-src): `connect-src
    // 'self'` on http://127.0.0.1:18801 stops fetch() to :18802.
    #[test]
    fn self_is_the_page_origin() {
        assert!(blocks("connect-src 'self'", "http://127.0.0.1:18802/api/x"));
        assert!(!blocks("connect-src 'self'", "http://127.0.0.1:18801/api/x"));
        // CSP3 'self' allows the secure upgrade on the same host and port.
        assert!(!blocks("connect-src 'self'", "https://127.0.0.1:18801/api/x"));
    }

    #[test]
    fn source_expressions() {
        let p = "default-src 'none'; connect-src https://api.example:8443 *.cdn.example https: 'unsafe-inline'";
        let page = u("https://app.example/");
        let ok = |url: &str| blocking_directive(&[p.to_string()], Destination::Connect, &page, &u(url), 0).is_none();
        assert!(ok("https://api.example:8443/x"));
        assert!(!ok("http://api.example:8443/x"), "https: and the host-source want https");
        assert!(ok("https://a.cdn.example/x"), "https: covers it anyway");
        assert!(ok("https://anything.example/"));
        let p2 = "connect-src api.example/v1/ *.cdn.example:*";
        let ok2 = |url: &str| blocking_directive(&[p2.to_string()], Destination::Connect, &page, &u(url), 0).is_none();
        assert!(ok2("https://api.example/v1/items"));
        assert!(!ok2("https://api.example/v2/items"));
        assert!(ok2("https://x.cdn.example:9000/f"));
        assert!(!ok2("https://cdn.example/f"), "*.host does not match the bare host");
        // After a redirect, paths are not compared.
        assert!(blocking_directive(&[p2.to_string()], Destination::Connect, &page, &u("https://api.example/v2/items"), 1).is_none());
        // Images fall back to default-src.
        assert!(blocking_directive(&[p.to_string()], Destination::Image, &page, &u("https://a.example/i.png"), 0).is_some());
        // No governing directive: allowed.
        assert!(blocking_directive(&["img-src 'self'".to_string()], Destination::Connect, &page, &u("https://a.example/"), 0).is_none());
        // Two policies: both must allow.
        assert!(blocking_directive(&["connect-src *, connect-src 'self'".to_string()], Destination::Connect, &page, &u("https://a.example/"), 0).is_some());
        // `*` allows network schemes.
        assert!(!blocks("connect-src *", "http://127.0.0.1:18802/"));
    }
}
