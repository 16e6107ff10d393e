//! Origins and URLs (Fetch Standard / URL Standard), on top of the `url`
//! crate, which implements the URL Standard's parser and origin
//! serialization.

use url::Url;

/// Parses an absolute URL; None if it does not parse.
pub fn parse(url: &str) -> Option<Url> {
    Url::parse(url.trim()).ok()
}

/// The ASCII serialization of `url`'s origin: `"http://a.test:8080"` (default
/// port omitted), `"null"` for an opaque origin (`data:`, `file:`, ...).
/// None if `url` does not parse.
pub fn serialize_origin(url: &str) -> Option<String> {
    parse(url).map(|u| u.origin().ascii_serialization())
}

/// The origin serialization of an already parsed URL.
pub fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Whether two URLs are same origin. Opaque origins are never same origin
/// with anything (each parse makes a new one); unparsable URLs neither.
pub fn same_origin(a: &str, b: &str) -> bool {
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => same_origin_url(&a, &b),
        _ => false,
    }
}

/// `same_origin` over parsed URLs: scheme, host and port (tuple origins only).
pub fn same_origin_url(a: &Url, b: &Url) -> bool {
    let (oa, ob) = (a.origin(), b.origin());
    oa.is_tuple() && ob.is_tuple() && oa == ob
}

/// Whether a URL is same origin with a serialized origin (`"http://a.test"`).
/// A `"null"` origin is same origin with nothing.
pub fn same_origin_with_serialized(url: &Url, origin: &str) -> bool {
    let o = url.origin();
    o.is_tuple() && o.ascii_serialization() == origin
}

/// The URL Standard's "includes credentials": a non-empty username or password.
pub fn has_userinfo(url: &str) -> bool {
    parse(url).is_some_and(|u| url_has_userinfo(&u))
}

/// `has_userinfo` over a parsed URL.
pub fn url_has_userinfo(u: &Url) -> bool {
    !u.username().is_empty() || u.password().is_some_and(|p| !p.is_empty())
}

/// Whether the URL's scheme is `http` or `https` (an "HTTP(S) scheme").
pub fn is_http_scheme(url: &str) -> bool {
    parse(url).is_some_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// Resolves a `Location` value against the URL that answered with it
/// (HTTP-redirect fetch, "location URL"). None if either fails to parse.
pub fn resolve(base: &str, location: &str) -> Option<String> {
    let base = parse(base)?;
    base.join(location.trim()).ok().map(String::from)
}

/// Whether `url`'s origin serializes to exactly `origin` (no allocation for
/// the HTTP(S) schemes).
pub fn url_has_origin(url: &Url, origin: &str) -> bool {
    match url.scheme() {
        "http" | "https" | "ws" | "wss" | "ftp" => {
            let Some(host) = url.host_str() else {
                return false;
            };
            let Some(rest) = origin.strip_prefix(url.scheme()) else {
                return false;
            };
            let Some(rest) = rest.strip_prefix("://") else {
                return false;
            };
            let Some(rest) = rest.strip_prefix(host) else {
                return false;
            };
            match (url.port(), rest.strip_prefix(':')) {
                (None, _) => rest.is_empty(),
                // A serialized port has no leading zeros and no sign.
                (Some(p), Some(digits)) => {
                    !digits.starts_with('0')
                        && digits.bytes().all(|b| b.is_ascii_digit())
                        && digits.parse::<u16>().ok() == Some(p)
                }
                (Some(_), None) => false,
            }
        }
        _ => same_origin_with_serialized(url, origin),
    }
}

/// Whether a string, as found in `Access-Control-Allow-Origin`, parses as a
/// URL at all (Chromium's `GURL::is_valid()` check that separates
/// `InvalidAllowOriginValue` from `AllowOriginMismatch`; the WHATWG parser
/// stands in for GURL).
pub fn is_valid_url(s: &str) -> bool {
    Url::parse(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_origins() {
        assert_eq!(
            serialize_origin("http://a.test:8080/x?y#z").as_deref(),
            Some("http://a.test:8080")
        );
        assert_eq!(
            serialize_origin("https://A.Test:443/").as_deref(),
            Some("https://a.test")
        );
        assert_eq!(
            serialize_origin("http://a.test:80").as_deref(),
            Some("http://a.test")
        );
        assert_eq!(
            serialize_origin("data:text/plain,x").as_deref(),
            Some("null")
        );
        assert_eq!(
            serialize_origin("file:///etc/passwd").as_deref(),
            Some("null")
        );
        assert_eq!(serialize_origin("not a url"), None);
        assert_eq!(serialize_origin(""), None);
    }

    #[test]
    fn same_origin_cases() {
        assert!(same_origin("http://a.test/x", "http://a.test:80/y"));
        assert!(!same_origin("http://a.test", "https://a.test"));
        assert!(!same_origin("http://a.test", "http://b.a.test"));
        assert!(!same_origin("http://a.test:8080", "http://a.test:8081"));
        assert!(!same_origin("data:,x", "data:,x"));
        assert!(!same_origin("junk", "junk"));
    }

    #[test]
    fn userinfo() {
        // WPT cors-redirect-credentials: user:password@, user:@, :password@ all count.
        assert!(has_userinfo("http://user:password@a.test/"));
        assert!(has_userinfo("http://user:@a.test/"));
        assert!(has_userinfo("http://:password@a.test/"));
        assert!(!has_userinfo("http://@a.test/"));
        assert!(!has_userinfo("http://a.test/"));
    }

    #[test]
    fn schemes_and_resolution() {
        assert!(is_http_scheme("https://a.test"));
        assert!(is_http_scheme("HTTP://a.test"));
        assert!(!is_http_scheme("ftp://a.test"));
        assert!(!is_http_scheme("file:///x"));
        assert_eq!(
            resolve("http://a.test/p/q", "../r").as_deref(),
            Some("http://a.test/r")
        );
        assert_eq!(
            resolve("http://a.test/p", "//b.test/x").as_deref(),
            Some("http://b.test/x")
        );
        assert_eq!(
            resolve("http://a.test/p", "https://c.test").as_deref(),
            Some("https://c.test/")
        );
        assert_eq!(resolve("nope", "/x"), None);
    }

    #[test]
    fn valid_url_check() {
        assert!(is_valid_url("http://a.test"));
        assert!(is_valid_url("http://a.test/"));
        assert!(!is_valid_url("**"));
        assert!(!is_valid_url("a.test"));
        assert!(!is_valid_url(""));
    }
}
