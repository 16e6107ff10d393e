//! The lab's URL grammar: a query string becomes a [`Plan`], the answer for
//! the preflight and the answer for the actual request. Full grammar in
//! `docs/lab.md`. Pure: no I/O, every error is a message for a 400.

use url::form_urlencoded;

/// What a body is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyType {
    Text,
    Json,
    Html,
    Png,
    Woff2,
    Js,
    Css,
    Wav,
}

impl BodyType {
    fn parse(s: &str) -> Option<BodyType> {
        Some(match s.to_ascii_lowercase().as_str() {
            "text" | "txt" => BodyType::Text,
            "json" => BodyType::Json,
            "html" => BodyType::Html,
            "png" | "img" | "image" => BodyType::Png,
            "woff2" | "font" => BodyType::Woff2,
            "js" | "mjs" | "script" | "module" => BodyType::Js,
            "css" | "stylesheet" => BodyType::Css,
            "wav" | "audio" | "media" => BodyType::Wav,
            _ => return None,
        })
    }
}

/// One answer: for the preflight (`pf.` parameters) or the actual request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answer {
    pub status: Option<u16>,
    /// Header lines in order, values after substitution.
    pub headers: Vec<(String, String)>,
    pub redirect: Option<String>,
    pub delay_ms: u64,
    pub drop: bool,
    pub body: Option<String>,
    pub body_type: Option<BodyType>,
}

impl Answer {
    /// The status to send: `status`, else 302 for a redirect, else `default`.
    pub fn final_status(&self, default: u16) -> u16 {
        match (self.status, &self.redirect) {
            (Some(s), _) => s,
            (None, Some(_)) => 302,
            (None, None) => default,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub actual: Answer,
    pub preflight: Answer,
    pub tag: Option<String>,
}

/// Values substituted into parameter values.
#[derive(Clone, Debug, Default)]
pub struct Subst {
    /// The request's `Origin` header (first line), if any.
    pub origin: Option<String>,
    /// `http://127.0.0.1:PORT` of the three listeners and of this one.
    pub page: String,
    pub api: String,
    pub other: String,
    pub this: String,
    /// The host in the three origins (`127.0.0.1`) and their ports.
    pub host: String,
    pub page_port: u16,
    pub api_port: u16,
    pub other_port: u16,
}

/// The longest delay the lab accepts, in milliseconds.
pub const MAX_DELAY_MS: u64 = 120_000;

const SHORTHANDS: [(&str, &str); 7] = [
    ("acao", "Access-Control-Allow-Origin"),
    ("acac", "Access-Control-Allow-Credentials"),
    ("acam", "Access-Control-Allow-Methods"),
    ("acah", "Access-Control-Allow-Headers"),
    ("aceh", "Access-Control-Expose-Headers"),
    ("acma", "Access-Control-Max-Age"),
    ("vary", "Vary"),
];

/// Header names tiny_http writes itself or refuses to pass through; asking
/// for them would not produce the bytes asked for, so the lab says so.
const MANAGED: [&str; 5] = ["connection", "transfer-encoding", "upgrade", "trailer", "content-length"];

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A header name the lab can send: an RFC 9110 token.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty header name".into());
    }
    if !name.bytes().all(is_tchar) {
        return Err(format!("header name {name:?} is not an HTTP token"));
    }
    if MANAGED.iter().any(|m| m.eq_ignore_ascii_case(name)) {
        return Err(format!(
            "header {name:?} is managed by the HTTP server library (tiny_http) and cannot be set byte for byte"
        ));
    }
    Ok(())
}

/// A header value the lab can send: visible ASCII, space and tab (tiny_http
/// writes ASCII only; CR, LF, NUL and other controls would break the line).
pub fn check_value(name: &str, value: &str) -> Result<(), String> {
    for b in value.bytes() {
        if !(b == b'\t' || (0x20..0x7f).contains(&b)) {
            return Err(format!(
                "value of header {name:?} contains byte 0x{b:02x}; the lab sends visible ASCII, space and tab only"
            ));
        }
    }
    Ok(())
}

fn subst(value: &str, s: &Subst, tag: Option<&str>, with_origin: bool) -> String {
    let mut out = value.replace("{page}", &s.page).replace("{api}", &s.api).replace("{other}", &s.other);
    out = out.replace("{self}", &s.this).replace("{host}", &s.host);
    out = out
        .replace("{pagePort}", &s.page_port.to_string())
        .replace("{apiPort}", &s.api_port.to_string())
        .replace("{otherPort}", &s.other_port.to_string());
    if let Some(t) = tag {
        out = out.replace("{tag}", t);
    }
    if with_origin {
        out = out.replace("{origin}", s.origin.as_deref().unwrap_or(""));
    }
    out
}

/// Parses a query string (without `?`) into a plan.
pub fn parse(query: &str, s: &Subst) -> Result<Plan, String> {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let mut plan = Plan::default();
    for (k, v) in &pairs {
        if k == "tag" && plan.tag.is_none() {
            plan.tag = Some(v.clone());
        }
    }
    let tag = plan.tag.clone();
    let tag = tag.as_deref();
    let mut content_types = [0usize; 2];
    // `acao-match`: whether an allow-list entry already let the Origin in (actual, preflight).
    // Whether an acao-match entry already let the Origin in: (actual, preflight).
    let mut origin_matched = (false, false);
    for (key, raw) in &pairs {
        let (is_pf, name) = match key.strip_prefix("pf.") {
            Some(rest) => (true, rest),
            None => (false, key.as_str()),
        };
        let a = if is_pf { &mut plan.preflight } else { &mut plan.actual };
        let ct = if is_pf { &mut content_types[1] } else { &mut content_types[0] };
        match name {
            "tag" if !is_pf => {}
            "status" => {
                let n: u16 = raw.trim().parse().map_err(|_| format!("{key}={raw:?}: not a status code"))?;
                if !(200..=999).contains(&n) {
                    return Err(format!("{key}={n}: the lab answers statuses 200 to 999"));
                }
                a.status = Some(n);
            }
            "h" => {
                let Some((hn, hv)) = raw.split_once(':') else {
                    return Err(format!("{key}={raw:?}: expected Name:Value"));
                };
                check_name(hn).map_err(|e| format!("{key}={raw:?}: {e}"))?;
                let hv = subst(hv, s, tag, true);
                check_value(hn, &hv).map_err(|e| format!("{key}={raw:?}: {e}"))?;
                if hn.eq_ignore_ascii_case("content-type") {
                    *ct += 1;
                }
                a.headers.push((hn.to_string(), hv));
            }
            "redirect" => {
                if a.redirect.is_some() {
                    return Err(format!("{key}: given twice"));
                }
                let v = subst(raw, s, tag, false);
                check_value("Location", &v).map_err(|e| format!("{key}: {e}"))?;
                a.redirect = Some(v);
            }
            "delay" => {
                let n: u64 = raw.trim().parse().map_err(|_| format!("{key}={raw:?}: not a number of milliseconds"))?;
                if n > MAX_DELAY_MS {
                    return Err(format!("{key}={n}: at most {MAX_DELAY_MS} ms"));
                }
                a.delay_ms = n;
            }
            "drop" => {
                a.drop = match raw.as_str() {
                    "1" | "true" | "yes" | "" => true,
                    "0" | "false" | "no" => false,
                    _ => return Err(format!("{key}={raw:?}: expected 1 or 0")),
                };
            }
            "body" => a.body = Some(subst(raw, s, tag, true)),
            // One allow-list entry (crate::probe::matchers, docs/probe.md): the
            // request's Origin, reflected in one line, when an entry lets it in.
            "acao-match" => {
                let m = crate::probe::matchers::parse(raw).map_err(|e| format!("{key}: {e}"))?;
                let done = if is_pf { &mut origin_matched.1 } else { &mut origin_matched.0 };
                let origin = s.origin.clone().unwrap_or_default();
                if !*done && m.allows(&origin) {
                    check_value("Access-Control-Allow-Origin", &origin).map_err(|e| format!("{key}: {e}"))?;
                    a.headers.push(("Access-Control-Allow-Origin".to_string(), origin));
                    *done = true;
                }
            }
            "type" => {
                a.body_type = Some(BodyType::parse(raw).ok_or_else(|| {
                    format!("{key}={raw:?}: expected text, json, html, png, woff2, js, css or wav")
                })?);
            }
            _ => {
                if let Some((_, hn)) = SHORTHANDS.iter().find(|(short, _)| *short == name) {
                    let hv = subst(raw, s, tag, true);
                    check_value(hn, &hv).map_err(|e| format!("{key}={raw:?}: {e}"))?;
                    a.headers.push((hn.to_string(), hv));
                } else if name.starts_with('_') {
                    // free for the caller: cache busters, notes
                } else {
                    return Err(format!(
                        "unknown parameter {key:?} (known: status h acao acac acam acah aceh acma vary acao-match redirect delay drop body type tag, each but tag also with pf.; names starting with _ are ignored)"
                    ));
                }
            }
        }
    }
    if content_types.iter().any(|&n| n > 1) {
        return Err("Content-Type given twice: tiny_http keeps one Content-Type line".into());
    }
    Ok(plan)
}

/// Appends `tag=T` to a redirect target on one of the lab's origins that has
/// no `tag` of its own, so the whole chain is recorded under one tag. The
/// target's other bytes are kept as given.
pub fn propagate_tag(location: &str, tag: &str, is_lab_origin: impl Fn(&url::Url) -> bool, base: &str) -> String {
    let target = match url::Url::parse(base).and_then(|b| b.join(location)) {
        Ok(u) => u,
        Err(_) => return location.to_string(),
    };
    if !is_lab_origin(&target) {
        return location.to_string();
    }
    if target.query_pairs().any(|(k, _)| k == "tag") {
        return location.to_string();
    }
    let (before, fragment) = match location.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (location, None),
    };
    let enc: String = form_urlencoded::byte_serialize(tag.as_bytes()).collect();
    let sep = if before.contains('?') {
        if before.ends_with('?') || before.ends_with('&') {
            ""
        } else {
            "&"
        }
    } else {
        "?"
    };
    let mut out = format!("{before}{sep}tag={enc}");
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> Subst {
        Subst {
            origin: Some("http://127.0.0.1:8801".into()),
            page: "http://127.0.0.1:8801".into(),
            api: "http://127.0.0.1:8802".into(),
            other: "http://127.0.0.1:8803".into(),
            this: "http://127.0.0.1:8802".into(),
            host: "127.0.0.1".into(),
            page_port: 8801,
            api_port: 8802,
            other_port: 8803,
        }
    }

    #[test]
    fn shorthands_and_prefix() {
        let p = parse("acao={origin}&pf.acah=X-A&pf.status=200&status=500&tag=t1", &s()).unwrap();
        assert_eq!(p.actual.headers, vec![("Access-Control-Allow-Origin".into(), "http://127.0.0.1:8801".into())]);
        assert_eq!(p.actual.status, Some(500));
        assert_eq!(p.preflight.headers, vec![("Access-Control-Allow-Headers".into(), "X-A".into())]);
        assert_eq!(p.preflight.status, Some(200));
        assert_eq!(p.tag.as_deref(), Some("t1"));
        let p = parse("acao=HTTP://{host}:{pagePort}&h=X:{apiPort}{otherPort}", &s()).unwrap();
        assert_eq!(p.actual.headers[0].1, "HTTP://127.0.0.1:8801");
        assert_eq!(p.actual.headers[1].1, "88028803");
    }

    #[test]
    fn header_whitespace_and_case_kept() {
        let p = parse("h=aCCess-control-allow-ORIGIN:%20%09*%20%20&h=X:a:b", &s()).unwrap();
        assert_eq!(p.actual.headers[0], ("aCCess-control-allow-ORIGIN".into(), " \t*  ".into()));
        assert_eq!(p.actual.headers[1], ("X".into(), "a:b".into()));
    }

    #[test]
    fn bad_parameters() {
        for q in [
            "status=abc",
            "status=99",
            "h=NoColon",
            "h=Bad%20Name:x",
            "h=X:a%0d%0aInjected:1",
            "h=Content-Length:5",
            "delay=-1",
            "delay=999999999",
            "drop=maybe",
            "type=exe",
            "nope=1",
            "acao=%C3%A9",
            "h=Content-Type:a&h=Content-Type:b",
        ] {
            assert!(parse(q, &s()).is_err(), "{q}");
        }
        assert!(parse("_=123&status=204", &s()).is_ok());
    }

    #[test]
    fn redirect_keeps_nested_origin_placeholder() {
        let p = parse("redirect=%7Bother%7D%2Fapi%2Fx%3Facao%3D%7Borigin%7D", &s()).unwrap();
        assert_eq!(p.actual.redirect.as_deref(), Some("http://127.0.0.1:8803/api/x?acao={origin}"));
        assert_eq!(p.actual.final_status(200), 302);
        let p = parse("redirect=/x&status=307", &s()).unwrap();
        assert_eq!(p.actual.final_status(200), 307);
    }

    #[test]
    fn tag_propagation() {
        let lab = |u: &url::Url| u.port() == Some(8803);
        let base = "http://127.0.0.1:8802/api/a";
        assert_eq!(propagate_tag("http://u:p@127.0.0.1:8803/api/b?x=1", "t 1", lab, base), "http://u:p@127.0.0.1:8803/api/b?x=1&tag=t+1");
        assert_eq!(propagate_tag("http://127.0.0.1:8803/api/b#f", "t", lab, base), "http://127.0.0.1:8803/api/b?tag=t#f");
        assert_eq!(propagate_tag("http://127.0.0.1:8803/api/b?tag=z", "t", lab, base), "http://127.0.0.1:8803/api/b?tag=z");
        assert_eq!(propagate_tag("https://example.com/", "t", lab, base), "https://example.com/");
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(q in ".{0,120}") {
            let _ = parse(&q, &s());
        }

        #[test]
        fn parse_never_panics_on_params(k in "(pf\\.)?(status|h|acao|redirect|delay|drop|body|type|tag|_x|zz)", v in ".{0,40}") {
            let q = format!("{}={}", k, url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>());
            if let Ok(p) = parse(&q, &s()) {
                for (n, v) in p.actual.headers.iter().chain(p.preflight.headers.iter()) {
                    proptest::prop_assert!(check_name(n).is_ok() && check_value(n, v).is_ok());
                }
            }
        }

        #[test]
        fn propagate_never_panics(loc in ".{0,60}", tag in ".{0,10}") {
            let _ = propagate_tag(&loc, &tag, |_| true, "http://127.0.0.1:8802/api/a");
        }
    }
}
