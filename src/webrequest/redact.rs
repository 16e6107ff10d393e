//! What whycors never keeps: secret header values and secret URL parameters.
//!
//! Header values are redacted by name, whatever the setting: the MAIN-world
//! hook applies the same rule before a record leaves the page
//! (`extension/hook.js`, `secretName`), and [`is_secret_header`] applies it
//! to everything webRequest shows. The name stays (the engine needs to know
//! that `Authorization` was sent); the value never matters to the CORS
//! checks, because no secret name is CORS-safelisted
//! (`tests::no_secret_name_is_safelisted` proves it against the engine's
//! own safelist).
//!
//! URL parameters ([`redact_url`]) are redacted in what is stored, shown,
//! copied and exported, unless the user asks for raw values (setting
//! `rawUrls`): the join of a call to its request uses the raw URL, in memory
//! only, before anything is stored.

/// The value that replaces a secret.
pub const REDACTED: &str = "(redacted by whycors)";

/// The value that replaces a secret URL parameter (URL-safe).
pub const REDACTED_PARAM: &str = "REDACTED";

/// Substrings that make a header name secret (lower case).
const SECRET_PARTS: [&str; 10] = ["auth", "cookie", "token", "secret", "key", "csrf", "xsrf", "password", "session", "signature"];

/// Whether a header's value is a secret: `Authorization`, `Cookie`,
/// `Set-Cookie`, `Proxy-Authorization`, `X-Api-Key`, `X-Auth-Token`,
/// CSRF/XSRF headers, and any name containing `auth`, `cookie`, `token`,
/// `secret`, `key`, `csrf`, `xsrf`, `password`, `session` or `signature`
/// (ASCII case-insensitive).
pub fn is_secret_header(name: &str) -> bool {
    let name = name.trim();
    SECRET_PARTS.iter().any(|p| contains_ignore_case(name, p))
}

/// Whether `hay` contains `needle` (lower-case ASCII), ASCII
/// case-insensitively. A plain scan: for names this short it is several
/// times cheaper than `str::contains`, whose searcher is set up per call
/// (it was 3% of the background's feed, every header of every event).
fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    n.is_empty() || hay.as_bytes().windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Request headers not kept at all: set by the browser, never decisive for
/// CORS, and large (the log lives in `storage.session`'s 10 MB).
pub fn is_droppable_request_header(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    lower == "user-agent" || lower == "accept-encoding" || lower.starts_with("sec-ch-")
}

/// Whether a query (or fragment) parameter's value is a secret, by its name.
pub fn is_secret_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "code" | "sig" | "key" | "auth" | "jwt" | "state" | "nonce" | "otp" | "pass" | "pwd" | "ticket" | "sid"
    ) || ["token", "secret", "password", "passwd", "signature", "credential", "api_key", "apikey", "api-key", "access_key", "session", "private"]
        .iter()
        .any(|p| contains_ignore_case(&lower, p))
        || lower.ends_with("_key")
        || lower.ends_with("-key")
}

/// The URL with the value of every secret query or fragment parameter
/// replaced by [`REDACTED_PARAM`] (names and order kept; the rest of the URL
/// byte for byte), and the userinfo password replaced too. A URL that does
/// not contain `?`, `#` or `@` comes back unchanged.
pub fn redact_url(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((a, b)) => (a, Some(b)),
        None => (url, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((a, b)) => (a, Some(b)),
        None => (before_fragment, None),
    };
    let mut out = redact_userinfo(base);
    if let Some(q) = query {
        out.push('?');
        out.push_str(&redact_params(q));
    }
    if let Some(f) = fragment {
        out.push('#');
        // Fragments carry OAuth implicit-flow tokens as parameters.
        if f.contains('=') {
            out.push_str(&redact_params(f));
        } else {
            out.push_str(f);
        }
    }
    out
}

fn redact_userinfo(base: &str) -> String {
    // scheme://user:password@host/...: the password goes.
    let Some(start) = base.find("://").map(|i| i + 3) else {
        return base.to_string();
    };
    let authority_end = base
        .get(start..)
        .and_then(|rest| rest.find('/'))
        .map_or(base.len(), |i| start + i);
    let Some(authority) = base.get(start..authority_end) else {
        return base.to_string();
    };
    let Some(at) = authority.rfind('@') else {
        return base.to_string();
    };
    let Some(userinfo) = authority.get(..at) else {
        return base.to_string();
    };
    let Some((user, _password)) = userinfo.split_once(':') else {
        return base.to_string();
    };
    let mut out = String::with_capacity(base.len());
    out.push_str(base.get(..start).unwrap_or(""));
    out.push_str(user);
    out.push(':');
    out.push_str(REDACTED_PARAM);
    out.push_str(authority.get(at..).unwrap_or(""));
    out.push_str(base.get(authority_end..).unwrap_or(""));
    out
}

fn redact_params(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    for (i, part) in q.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match part.split_once('=') {
            Some((name, _value)) if is_secret_param(&percent_decode_lossy(name)) => {
                out.push_str(name);
                out.push('=');
                out.push_str(REDACTED_PARAM);
            }
            _ => out.push_str(part),
        }
    }
    out
}

/// `%xx` decoded (invalid escapes kept), `+` as space: enough to read a
/// parameter's name.
fn percent_decode_lossy(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b == b'+' { b' ' } else { b });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::safelist::{is_safelisted_request_header_in, is_safelisted_request_header};
    use crate::exchange::Browser;

    #[test]
    fn secret_headers() {
        for n in ["Authorization", "cookie", "Set-Cookie", "Proxy-Authorization", "X-Api-Key", "X-Auth-Token", "X-CSRF-Token", "X-XSRF-TOKEN", "x-csrftoken", "X-Client-Secret", "Idempotency-Key", "X-Session-Id", "X-Amz-Security-Token"] {
            assert!(is_secret_header(n), "{n}");
        }
        for n in ["Accept", "Content-Type", "Origin", "Access-Control-Allow-Headers", "X-Requested-With", "Range", "Content-Language"] {
            assert!(!is_secret_header(n), "{n}");
        }
    }

    /// Redacting a secret value can never change a CORS verdict: no secret
    /// name is safelisted, in the standard or in either browser, whatever
    /// its value (so only its name counts, as CORS-unsafe).
    #[test]
    fn no_secret_name_is_safelisted() {
        let names = ["Authorization", "X-Api-Key", "X-Auth-Token", "X-CSRF-Token", "X-Token", "X-Secret", "Api-Key", "X-Session"];
        let values = ["", "a", "text/plain", "bytes=0-1", "en", "1", "on", REDACTED];
        for n in names {
            for v in values {
                assert!(!is_safelisted_request_header(n, v), "{n}: {v}");
                for b in Browser::ALL {
                    assert!(!is_safelisted_request_header_in(n, v, b), "{n}: {v} in {b:?}");
                }
            }
        }
        // And the safelisted names themselves are never secret.
        for n in ["Accept", "Accept-Language", "Content-Language", "Content-Type", "Range", "Intervention", "Device-Memory", "DPR", "Downlink", "Width", "Viewport-Width", "RTT", "ECT", "Save-Data"] {
            assert!(!is_secret_header(n), "{n}");
        }
    }

    #[test]
    fn urls() {
        assert_eq!(redact_url("http://a.test/x"), "http://a.test/x");
        assert_eq!(
            redact_url("https://a.test/cb?code=abc&state=xyz&tag=t1"),
            "https://a.test/cb?code=REDACTED&state=REDACTED&tag=t1"
        );
        assert_eq!(
            redact_url("https://a.test/api?access_token=SECRET&id_token=S2&api_key=K&sig=Z&X-Amz-Signature=Q&page=2"),
            "https://a.test/api?access_token=REDACTED&id_token=REDACTED&api_key=REDACTED&sig=REDACTED&X-Amz-Signature=REDACTED&page=2"
        );
        assert_eq!(redact_url("https://a.test/#access_token=T&token_type=bearer"), "https://a.test/#access_token=REDACTED&token_type=REDACTED");
        assert_eq!(redact_url("https://a.test/#section-2"), "https://a.test/#section-2");
        assert_eq!(redact_url("https://u:pw@a.test/p?q=1"), "https://u:REDACTED@a.test/p?q=1");
        assert_eq!(redact_url("https://a.test/p?acc%65ss_token=x"), "https://a.test/p?acc%65ss_token=REDACTED");
        assert_eq!(redact_url("https://a.test/p?flag&code"), "https://a.test/p?flag&code");
        // Hostile input never panics.
        for s in ["", "?", "#", "@", "://@", "http://@/", "%", "%zz=1", "a?%e9=1", "http://a:b@"] {
            let _ = redact_url(s);
        }
    }
}
