//! A request as an equivalent `curl` command line, secrets redacted unless
//! `--show-secrets`. The line is printable ASCII only: arguments with other
//! bytes are written with bash's `$'...'` quoting (`\xNN`), so nothing
//! from the network reaches the terminal raw.

use super::net::WireRequest;
use super::spec;

/// TLS options to repeat on the command line.
#[derive(Clone, Debug, Default)]
pub struct CurlTls {
    pub cacert: Option<String>,
    pub insecure: bool,
}

/// Quotes one argument for a POSIX shell (bash for `$'...'`).
pub fn quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        return arg.to_string();
    }
    if arg.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return format!("'{}'", arg.replace('\'', r"'\''"));
    }
    let mut out = String::from("$'");
    for b in arg.bytes() {
        match b {
            b'\\' => out.push_str(r"\\"),
            b'\'' => out.push_str(r"\'"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    out
}

/// The curl command for `req`.
pub fn command(req: &WireRequest, tls: &CurlTls, show_secrets: bool) -> String {
    let mut args: Vec<String> = vec!["curl".into(), "-i".into()];
    let has_length = req.headers.iter().any(|h| h.name.eq_ignore_ascii_case("content-length"));
    let with_data = has_length || !req.body.is_empty();
    match (req.method.as_str(), with_data) {
        ("GET", false) | ("POST", true) => {}
        ("HEAD", false) => args.push("--head".into()),
        (m, _) => {
            args.push("-X".into());
            args.push(quote(m));
        }
    }
    if tls.insecure {
        args.push("-k".into());
    }
    if let Some(c) = &tls.cacert {
        args.push("--cacert".into());
        args.push(quote(c));
    }
    let url = if show_secrets { req.url.to_string() } else { spec::redact_url(req.url.as_str()) };
    args.push(quote(&url));
    for h in &req.headers {
        if h.name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        let value = if !show_secrets && spec::is_secret_header(&h.name) {
            spec::redact_value(&h.value)
        } else {
            h.value.clone()
        };
        args.push("-H".into());
        // `Name;` makes curl send an empty value (`Name:` would remove the header).
        args.push(quote(&if value.is_empty() { format!("{};", h.name) } else { format!("{}: {}", h.name, value) }));
    }
    if with_data {
        if !req.headers.iter().any(|h| h.name.eq_ignore_ascii_case("content-type")) {
            // curl would add a form Content-Type of its own.
            args.push("-H".into());
            args.push(quote("Content-Type:"));
        }
        args.push("--data-binary".into());
        args.push(quote(&String::from_utf8_lossy(&req.body)));
    }
    args.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Header;

    fn req(method: &str, headers: Vec<Header>, body: &[u8]) -> WireRequest {
        WireRequest {
            method: method.into(),
            url: url::Url::parse("https://api.example/x?token=abc&a=1").unwrap_or_else(|e| panic!("{e}")),
            headers,
            body: body.to_vec(),
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("abc"), "abc");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("a\x1b[31m"), r"$'a\x1b[31m'");
        assert_eq!(quote("a\\b\n"), r"$'a\\b\x0a'");
        assert_eq!(quote("\u{202e}"), r"$'\xe2\x80\xae'");
        for s in ["\u{1b}", "é", "\u{9b}", "'\\"] {
            assert!(quote(s).bytes().all(|b| (0x20..0x7f).contains(&b)), "{s:?}");
        }
    }

    #[test]
    fn commands() {
        let pf = req("OPTIONS", vec![Header::new("Accept", "*/*"), Header::new("Access-Control-Request-Method", "PUT"), Header::new("Origin", "https://app.example")], b"");
        assert_eq!(
            command(&pf, &CurlTls::default(), false),
            "curl -i -X OPTIONS 'https://api.example/x?token=REDACTED&a=1' -H 'Accept: */*' -H 'Access-Control-Request-Method: PUT' -H 'Origin: https://app.example'"
        );
        let put = req("PUT", vec![Header::new("Authorization", "Bearer s3cret"), Header::new("X-Empty", ""), Header::new("Content-Length", "0")], b"");
        let tls = CurlTls { cacert: Some("/tmp/ca.pem".into()), insecure: false };
        assert_eq!(
            command(&put, &tls, false),
            "curl -i -X PUT --cacert /tmp/ca.pem 'https://api.example/x?token=REDACTED&a=1' -H 'Authorization: Bearer <redacted>' -H 'X-Empty;' -H Content-Type: --data-binary ''"
        );
        assert!(command(&put, &tls, true).contains("Bearer s3cret"));
        let post = req("POST", vec![Header::new("Content-Type", "application/json"), Header::new("Content-Length", "2")], b"{}");
        assert!(command(&post, &CurlTls::default(), true).ends_with("-H 'Content-Type: application/json' --data-binary '{}'"));
    }
}
