//! Origin allow-list matchers, right and wrong: the server side of the
//! holes `--scan` looks for, as a pure function. The lab answers with them
//! (`acao-match=KIND:ARG`, see `docs/probe.md`) so a test can build a
//! server with exactly one hole; each one refuses an arbitrary origin.
//!
//! | kind | allows the request's `Origin` when | the hole |
//! |---|---|---|
//! | `exact:O` | it is `O`, byte for byte (`exact:null` trusts `null`) | none (with `null`: the null hole) |
//! | `prefix:P` | it starts with `P` | `https://app.example.com.evil.example` |
//! | `suffix:S` | it ends with `S` | `https://evilexample.com` |
//! | `substring:S` | it contains `S` | both of the above |
//! | `unescaped-dot:O` | it matches `O` with each `.` standing for any character | `https://appxexample.com` |
//! | `subdomain:SCHEME://D[:PORT]` | same scheme and port, host `D` or ending in `.D` | every subdomain of `D` |
//! | `any-scheme:SCHEME://H[:PORT]` | it is `http://H[:PORT]` or `https://H[:PORT]` | the `http:` origin |

/// One allow-list entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matcher {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Substring(String),
    UnescapedDot(String),
    Subdomain { scheme: String, domain: String, port: Option<u16> },
    AnyScheme { host: String, port: Option<u16> },
}

/// Reads `KIND:ARG`.
pub fn parse(spec: &str) -> Result<Matcher, String> {
    let Some((kind, arg)) = spec.split_once(':') else {
        return Err(format!("acao-match={spec:?}: expected KIND:ARG (exact, prefix, suffix, substring, unescaped-dot, subdomain, any-scheme)"));
    };
    if arg.is_empty() {
        return Err(format!("acao-match={spec:?}: empty pattern"));
    }
    let origin_parts = |what: &str| -> Result<(String, String, Option<u16>), String> {
        let u = url::Url::parse(arg).map_err(|_| format!("acao-match={spec:?}: {what} needs SCHEME://HOST[:PORT]"))?;
        let host = u.host_str().filter(|h| !h.is_empty()).ok_or_else(|| format!("acao-match={spec:?}: no host"))?;
        Ok((u.scheme().to_string(), host.to_string(), u.port()))
    };
    Ok(match kind {
        "exact" => Matcher::Exact(arg.to_string()),
        "prefix" => Matcher::Prefix(arg.to_string()),
        "suffix" => Matcher::Suffix(arg.to_string()),
        "substring" => Matcher::Substring(arg.to_string()),
        "unescaped-dot" => Matcher::UnescapedDot(arg.to_string()),
        "subdomain" => {
            let (scheme, domain, port) = origin_parts("subdomain")?;
            Matcher::Subdomain { scheme, domain, port }
        }
        "any-scheme" => {
            let (_, host, port) = origin_parts("any-scheme")?;
            Matcher::AnyScheme { host, port }
        }
        other => return Err(format!("acao-match={spec:?}: unknown kind {other:?}")),
    })
}

impl Matcher {
    /// Whether this entry lets `origin` (the request's `Origin` value) in.
    pub fn allows(&self, origin: &str) -> bool {
        if origin.is_empty() {
            return false;
        }
        match self {
            Matcher::Exact(o) => origin == o,
            Matcher::Prefix(p) => origin.starts_with(p.as_str()),
            Matcher::Suffix(s) => origin.ends_with(s.as_str()),
            Matcher::Substring(s) => origin.contains(s.as_str()),
            Matcher::UnescapedDot(pattern) => {
                let (a, b): (Vec<char>, Vec<char>) = (pattern.chars().collect(), origin.chars().collect());
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(p, c)| *p == '.' || p == c)
            }
            Matcher::Subdomain { scheme, domain, port } => url::Url::parse(origin).is_ok_and(|u| {
                let host = u.host_str().unwrap_or("");
                u.scheme() == scheme
                    && u.port() == *port
                    && (host == domain || host.strip_suffix(domain.as_str()).is_some_and(|rest| rest.ends_with('.') && rest.len() > 1))
                    && u.origin().ascii_serialization() == origin
            }),
            Matcher::AnyScheme { host, port } => {
                let tail = match port {
                    Some(p) => format!("{host}:{p}"),
                    None => host.clone(),
                };
                origin == format!("http://{tail}") || origin == format!("https://{tail}")
            }
        }
    }
}

/// Whether any entry of the allow-list lets `origin` in.
pub fn allowed(list: &[Matcher], origin: &str) -> bool {
    list.iter().any(|m| m.allows(origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Matcher {
        parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    const ARBITRARY: &str = "https://whycors-scan.example";

    #[test]
    fn each_matcher_refuses_an_arbitrary_origin() {
        for spec in [
            "exact:https://app.example.com",
            "exact:null",
            "prefix:https://app.example.com",
            "suffix:example.com",
            "substring:app.example.com",
            "unescaped-dot:https://app.example.com",
            "subdomain:https://example.com",
            "any-scheme:https://app.example.com",
        ] {
            assert!(!m(spec).allows(ARBITRARY), "{spec}");
            assert!(!m(spec).allows(""), "{spec}");
        }
    }

    #[test]
    fn the_holes() {
        assert!(m("exact:https://app.example.com").allows("https://app.example.com"));
        assert!(!m("exact:https://app.example.com").allows("https://app.example.com.evil.example"));
        assert!(m("exact:null").allows("null"));
        assert!(m("prefix:https://app.example.com").allows("https://app.example.com.whycors-scan.example"));
        assert!(m("suffix:example.com").allows("https://whycorsscanexample.com"));
        assert!(m("suffix:example.com").allows("https://whycors-scan.example.com"));
        assert!(m("unescaped-dot:https://app.example.com").allows("https://appxexample.com"));
        assert!(!m("unescaped-dot:https://app.example.com").allows("https://appxexample.co"));
        let sub = m("subdomain:https://example.com");
        assert!(sub.allows("https://whycors-scan.example.com") && sub.allows("https://example.com"));
        assert!(!sub.allows("https://whycorsscanexample.com") && !sub.allows("http://a.example.com") && !sub.allows("https://a.example.com:8443"));
        let any = m("any-scheme:https://app.example.com");
        assert!(any.allows("http://app.example.com") && any.allows("https://app.example.com") && !any.allows("http://app.example.com:80"));
        for bad in ["", "exact", "exact:", "nope:x", "subdomain:example.com", "any-scheme:/x"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(spec in ".{0,40}", origin in ".{0,40}") {
            if let Ok(x) = parse(&spec) {
                let _ = x.allows(&origin);
            }
        }
    }
}
