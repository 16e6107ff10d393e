//! `whycors probe --scan`: the origin checks security scanners run (Corsy,
//! CORScanner: cors-reference §5.4), each as a browser-faithful walk
//! (Chromium's requests; a cookie only when the user passes one with
//! `--credentials include`) with a crafted `Origin`,
//! judged by the engine in both browsers, with and without credentials.
//!
//! A crafted origin is a hole when a browser would hand it the response:
//! with credentials (the server answers it with its own origin and
//! `Access-Control-Allow-Credentials: true`), or without credentials with
//! the crafted origin reflected. A public `*` without credentials is never
//! a finding: any page may read what anyone may read. Severity is what an
//! attacker gains: **severe** only with credentials from an origin anyone
//! can get (any origin, `null`, prefix, suffix, unescaped dot); **moderate**
//! with credentials from an origin that needs more (a subdomain of the
//! site, or a man in the middle for `http:`); **low** without credentials
//! (anonymous reads; they matter when the server trusts the visitor's
//! network). Each finding names the fix with the diagnosis' snippets
//! (`snippets::snippets`, an exact allow-list of the page's origin).

use super::curl::CurlTls;
use super::net::{NetConfig, NetError};
use super::spec::{BadInput, Spec};
use super::walk::{self, Runner, Walk};
use crate::diagnosis::{Change, ChangeAction, Fix, Snippet, Stage, Verdict};
use crate::message::Text;
use crate::exchange::{Browser, HeaderList};
use serde::Serialize;
use std::fmt::Write as _;
use std::time::Instant;

/// A made-up registrable domain no one controls (RFC 2606 `.example`).
pub const ATTACKER_DOMAIN: &str = "whycors-scan.example";

/// How bad a hole is: what an attacker gains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Anonymous reads only.
    Low,
    /// Credentialed reads for an attacker who needs a subdomain or the network.
    Moderate,
    /// Credentialed reads for any website (or any sandboxed page).
    Severe,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
        }
    }
}

/// One crafted origin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// `reflect-any`, `null`, `prefix`, `suffix`, `suffix-host`, `unescaped-dot`, `http-origin`, `subdomain`.
    pub id: &'static str,
    pub origin: String,
}

/// A browser's verdicts for one crafted origin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Allowed {
    pub without_credentials: bool,
    pub with_credentials: bool,
}

/// What the server answered one crafted origin.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub id: &'static str,
    pub origin: String,
    /// The requests, as curl command lines (the actual request carries the crafted Origin).
    pub requests: Vec<String>,
    /// The last response's status, if any.
    pub status: Option<u16>,
    /// `Access-Control-Allow-Origin` / `-Credentials` of the last response (combined lines).
    pub allow_origin: Option<String>,
    pub allow_credentials: Option<String>,
    pub chromium: Allowed,
    pub firefox: Allowed,
    /// Whether the answer named this very origin (not `*`).
    pub reflected: bool,
    #[serde(skip)]
    pub walk: Option<Walk>,
}

impl Check {
    fn with_credentials(&self) -> bool {
        self.chromium.with_credentials || self.firefox.with_credentials
    }
    fn without_credentials(&self) -> bool {
        self.chromium.without_credentials || self.firefox.without_credentials
    }
    /// A hole: readable with credentials, or reflected without.
    pub fn is_hole(&self) -> bool {
        self.with_credentials() || (self.without_credentials() && self.reflected)
    }
}

/// One misconfiguration found.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The check's id.
    pub id: &'static str,
    pub severity: Severity,
    /// The crafted origin that got in.
    pub origin: String,
    pub credentials: bool,
    /// What is wrong.
    pub text: Text,
    /// What an attacker gains.
    pub gain: Text,
    /// The server-side fix: an exact allow-list, with the diagnosis' snippets.
    pub fix: Fix,
}

/// A finished scan.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scan {
    pub url: String,
    pub origin: String,
    /// The page's own origin, as a check (id `baseline`).
    pub baseline: Check,
    pub checks: Vec<Check>,
    pub findings: Vec<Finding>,
    /// Why the scan could not finish (exit status 2).
    pub fatal: Option<String>,
    pub requests_sent: usize,
    #[serde(skip)]
    pub tls: CurlTls,
    #[serde(skip)]
    pub show_secrets: bool,
}

/// The registrable domain of a host name, by a heuristic (no public
/// suffix list): the last two labels, or three under a two-letter country
/// code with a generic second level (`example.co.uk`).
pub fn registrable(host: &str) -> String {
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let n = labels.len();
    let take = match (labels.get(n.wrapping_sub(2)), labels.get(n.wrapping_sub(1))) {
        (Some(sld), Some(tld))
            if n >= 3 && tld.len() == 2 && ["co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go"].contains(sld) =>
        {
            3
        }
        _ => 2,
    };
    labels.get(n.saturating_sub(take)..).map(|l| l.join(".")).unwrap_or_else(|| host.to_string())
}

/// The crafted origins for the page origin `origin` (`https://app.example.com`).
pub fn candidates(origin: &str) -> Result<Vec<Candidate>, BadInput> {
    let u = url::Url::parse(origin)
        .map_err(|_| BadInput(format!("--scan needs the page's real origin (scheme://host[:port]), not {origin:?}")))?;
    let scheme = u.scheme().to_string();
    let host = match u.host() {
        Some(url::Host::Domain(d)) => Some(d.to_string()),
        _ => None,
    };
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    let host_shown = u.host_str().unwrap_or("").to_string();
    let mut out = vec![
        Candidate { id: "reflect-any", origin: format!("{scheme}://{ATTACKER_DOMAIN}") },
        Candidate { id: "null", origin: "null".into() },
        Candidate { id: "prefix", origin: format!("{scheme}://{host_shown}.{ATTACKER_DOMAIN}{port}") },
    ];
    if let Some(h) = &host {
        let r = registrable(h);
        out.push(Candidate { id: "suffix", origin: format!("{scheme}://whycorsscan{r}{port}") });
        if r != *h {
            out.push(Candidate { id: "suffix-host", origin: format!("{scheme}://whycorsscan{h}{port}") });
        }
        if let Some((first, rest)) = h.split_once('.') {
            out.push(Candidate { id: "unescaped-dot", origin: format!("{scheme}://{first}x{rest}{port}") });
        }
        out.push(Candidate { id: "subdomain", origin: format!("{scheme}://whycors-scan.{r}{port}") });
    }
    if scheme == "https" {
        out.push(Candidate { id: "http-origin", origin: format!("http://{host_shown}{port}") });
    }
    Ok(out)
}

fn allowed_in(ex: &crate::exchange::Exchange, b: Browser) -> Allowed {
    let ok = |v: Verdict| v == Verdict::Allowed;
    Allowed {
        without_credentials: ok(crate::check::evaluate(ex, b, false).verdict),
        with_credentials: ok(crate::check::evaluate(ex, b, true).verdict),
    }
}

async fn check(spec: &Spec, id: &'static str, origin: &str, runner: &mut Runner, tls: &CurlTls) -> Check {
    // The user's own cookie goes along when they pass one with
    // `--credentials include` (Starlette echoes any origin only to a request
    // that carries a cookie); none is ever invented.
    let s = Spec {
        origin: origin.to_string(),
        browsers: vec![Browser::Chromium],
        ..spec.clone()
    };
    let w = walk::walk(&s, Browser::Chromium, runner).await;
    let last = w.exchange.last_response().cloned();
    let acao = last.as_ref().and_then(|r| r.headers.combined("access-control-allow-origin").map(|v| v.into_owned()));
    let acac = last.as_ref().and_then(|r| r.headers.combined("access-control-allow-credentials").map(|v| v.into_owned()));
    let reflected = acao.as_deref().map(str::trim) == Some(origin);
    Check {
        id,
        origin: origin.to_string(),
        requests: w.sent.iter().map(|x| super::curl::command(&x.request, tls, spec.show_secrets)).collect(),
        status: last.as_ref().map(|r| r.status),
        allow_origin: acao,
        allow_credentials: acac,
        chromium: allowed_in(&w.exchange, Browser::Chromium),
        firefox: allowed_in(&w.exchange, Browser::Firefox),
        reflected,
        walk: Some(w),
    }
}

/// Runs the scan: the page's origin first, then each crafted origin.
pub async fn scan(spec: &Spec, net: NetConfig, tls: CurlTls) -> Result<Scan, BadInput> {
    if spec.origin == "null" {
        return Err(BadInput("--scan needs the page's real origin (--origin https://app.example.com), not null".into()));
    }
    let cands = candidates(&spec.origin)?;
    let per_walk = super::max_requests_per_walk(spec.max_redirects);
    let mut runner = Runner::new(net, per_walk * (cands.len() + 1), Instant::now() + super::run_budget(spec.timeout));
    let baseline = check(spec, "baseline", &spec.origin, &mut runner, &tls).await;
    let mut fatal = baseline.walk.as_ref().and_then(|w| w.fatal.clone());
    let mut checks = Vec::new();
    if fatal.is_none() {
        for c in cands {
            let k = check(spec, c.id, &c.origin, &mut runner, &tls).await;
            if let Some(f) = k.walk.as_ref().and_then(|w| w.fatal.clone()) {
                fatal = Some(f);
                checks.push(k);
                break;
            }
            checks.push(k);
        }
    }
    let findings = if fatal.is_none() { findings(spec, &baseline, &checks) } else { Vec::new() };
    Ok(Scan {
        url: spec.url.to_string(),
        origin: spec.origin.clone(),
        baseline,
        checks,
        findings,
        fatal,
        requests_sent: runner.sent_count,
        tls,
        show_secrets: spec.show_secrets,
    })
}

fn what(id: &str, legit: &str, domain: &str) -> Option<Text> {
    let p = [("legit", legit), ("domain", domain)];
    let (tid, template) = match id {
        "reflect-any" => ("probe.scan.reflect-any", "Any origin is allowed: the server reflects the request's Origin."),
        "null" => ("probe.scan.null", "The origin `null` is trusted: sandboxed iframes, `data:` and `file:` pages send it, and anyone can make one."),
        "prefix" => ("probe.scan.prefix", "Origins that only start with {legit} are trusted (a prefix match): anyone can register such a domain."),
        "suffix" | "suffix-host" => ("probe.scan.suffix", "Origins that only end with {domain} are trusted (a suffix match without the dot): anyone can register such a domain."),
        "unescaped-dot" => ("probe.scan.unescaped-dot", "A dot in the allowed origin {legit} matches any character (a regular expression with an unescaped `.`): anyone can register such a domain."),
        "subdomain" => ("probe.scan.subdomain", "Every subdomain of {domain} is trusted: one subdomain with a script injection or a lapsed DNS record is enough."),
        "http-origin" => ("probe.scan.http-origin", "The `http:` version of {legit} is trusted by this `https:` URL: a network attacker can inject script into the `http:` page."),
        _ => return None,
    };
    Some(Text::new(tid, template, &p))
}

fn gain(severity: Severity, origin: &str, acao: &str) -> Text {
    match severity {
        Severity::Severe => Text::new(
            "probe.scan.gain.severe",
            "With credentials: a page on {origin} reads this URL's responses with the visitor's cookies (the answer was Access-Control-Allow-Origin: {acao} with Access-Control-Allow-Credentials: true).",
            &[("origin", origin), ("acao", acao)],
        ),
        Severity::Moderate => Text::new(
            "probe.scan.gain.moderate",
            "With credentials, for an attacker who gets such an origin: a page on {origin} reads this URL's responses with the visitor's cookies (Access-Control-Allow-Origin: {acao}, Access-Control-Allow-Credentials: true).",
            &[("origin", origin), ("acao", acao)],
        ),
        Severity::Low => Text::new(
            "probe.scan.gain.low",
            "Without credentials: a page on {origin} reads only what an anonymous request gets (Access-Control-Allow-Origin: {acao}, no Access-Control-Allow-Credentials: true). That matters when the server trusts the visitor's network (an intranet, an IP allow-list).",
            &[("origin", origin), ("acao", acao)],
        ),
    }
}

/// The fix for every finding: answer only the page's own origin (an exact
/// allow-list), with the diagnosis' snippets for the baseline exchange.
fn fix(spec: &Spec, baseline: &Check, credentials: bool) -> Fix {
    let mut changes = vec![Change {
        stage: Stage::Actual,
        hop: None,
        action: ChangeAction::SetHeader,
        target: "Access-Control-Allow-Origin".into(),
        value: Some(spec.origin.clone()),
    }];
    if credentials {
        changes.push(Change {
            stage: Stage::Actual,
            hop: None,
            action: ChangeAction::SetHeader,
            target: "Access-Control-Allow-Credentials".into(),
            value: Some("true".into()),
        });
    }
    let snippets: Vec<Snippet> = match baseline.walk.as_ref() {
        Some(w) => {
            let mut x = w.exchange.clone();
            x.page.credentials = None;
            crate::snippets::snippets(&x, &changes)
        }
        None => Vec::new(),
    };
    Fix {
        summary: Text::new(
            "probe.scan.fix",
            "Answer with Access-Control-Allow-Origin only when the request's Origin is exactly one of the origins you trust (compare the whole value: no prefix, suffix, substring or pattern, never `null`), echo that origin, and send Vary: Origin. The snippets allow {origin}.",
            &[("origin", &spec.origin)],
        ),
        changes,
        verified: Vec::new(),
        verification: None,
        snippets,
        stack: None,
    }
}

/// The findings: each hole, except those a broader one already explains.
pub fn findings(spec: &Spec, baseline: &Check, checks: &[Check]) -> Vec<Finding> {
    let hole = |id: &str| checks.iter().any(|c| c.id == id && c.is_hole());
    let host = url::Url::parse(&spec.origin).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
    let domain = registrable(&host);
    let mut out = Vec::new();
    for c in checks.iter().filter(|c| c.is_hole()) {
        // Any origin reflected explains every other hole.
        if c.id != "reflect-any" && hole("reflect-any") {
            continue;
        }
        // A suffix match on the domain lets in every other crafted origin
        // that ends with it (a subdomain, `appxexample.com`, the `http:` one).
        if hole("suffix") && matches!(c.id, "suffix-host" | "unescaped-dot" | "subdomain" | "http-origin") {
            continue;
        }
        // A suffix match on the host (`whycorsscanapp.example.com`) is also a
        // subdomain of the domain: the subdomain hole explains it.
        if c.id == "suffix-host" && hole("subdomain") {
            continue;
        }
        let credentials = c.with_credentials();
        let severity = match (credentials, c.id) {
            (false, _) => Severity::Low,
            (true, "subdomain" | "http-origin") => Severity::Moderate,
            (true, _) => Severity::Severe,
        };
        let shown_domain = if c.id == "suffix-host" { host.as_str() } else { domain.as_str() };
        let Some(text) = what(c.id, &spec.origin, shown_domain) else { continue };
        let acao = c.allow_origin.clone().unwrap_or_default();
        out.push(Finding {
            id: c.id,
            severity,
            origin: c.origin.clone(),
            credentials,
            text,
            gain: gain(severity, &c.origin, &acao),
            fix: fix(spec, baseline, credentials),
        });
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

impl Scan {
    /// 2: could not finish; 1: a severe or moderate finding; else 0.
    pub fn exit_status(&self) -> u8 {
        if self.fatal.is_some() {
            2
        } else if self.findings.iter().any(|f| f.severity >= Severity::Moderate) {
            1
        } else {
            0
        }
    }

    /// The scan for the terminal; network-derived strings go through `esc`.
    pub fn render(&self, esc: &dyn Fn(&str) -> String) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# scan of {} for the page origin {}: {} requests sent (Chromium's requests, no cookies)",
            esc(&self.url),
            esc(&self.origin),
            self.requests_sent
        );
        for c in std::iter::once(&self.baseline).chain(self.checks.iter()) {
            let verdict = |a: Allowed| match (a.with_credentials, a.without_credentials) {
                (true, _) => "allowed with credentials",
                (false, true) => "allowed without credentials",
                (false, false) => "refused",
            };
            let both = if c.chromium == c.firefox {
                format!("both browsers: {}", verdict(c.chromium))
            } else {
                format!("chromium: {}; firefox: {}", verdict(c.chromium), verdict(c.firefox))
            };
            let answer = match (&c.allow_origin, &c.allow_credentials) {
                (Some(o), Some(cr)) => format!("Access-Control-Allow-Origin: {}, Access-Control-Allow-Credentials: {}", esc(o), esc(cr)),
                (Some(o), None) => format!("Access-Control-Allow-Origin: {}", esc(o)),
                (None, _) => "no Access-Control-Allow-Origin".into(),
            };
            let _ = writeln!(out, "\n# {:<14} Origin: {}", c.id, esc(&c.origin));
            if let Some(w) = &c.walk {
                for s in &w.sent {
                    let _ = writeln!(out, "{}", super::ascii_or(&super::curl::command(&s.request, &self.tls, self.show_secrets), esc));
                    match &s.outcome {
                        Ok(r) => {
                            let _ = writeln!(out, "< {} {}", r.version.as_str(), r.status);
                        }
                        Err(NetError::Network { detail, .. }) | Err(NetError::Fatal(detail)) => {
                            let _ = writeln!(out, "! {}", esc(detail));
                        }
                    }
                }
            }
            let _ = writeln!(out, "  answer:  {answer}");
            let _ = writeln!(out, "  verdict: {both}");
        }
        out.push('\n');
        if self.findings.is_empty() && self.fatal.is_none() {
            let public = self.baseline.allow_origin.as_deref().map(str::trim) == Some("*");
            let _ = writeln!(
                out,
                "no finding: no crafted origin gets more than the page's own origin{}",
                if public { " (Access-Control-Allow-Origin: * without credentials is public by design)" } else { "" }
            );
        }
        for f in &self.findings {
            let _ = writeln!(out, "finding:  [{}] {}: {}", f.severity.as_str(), f.id, esc(&f.text.text));
            let _ = writeln!(out, "  origin:  {}", esc(&f.origin));
            let _ = writeln!(out, "  gain:    {}", esc(&f.gain.text));
            let _ = writeln!(out, "  fix:     {}", esc(&f.fix.summary.text));
            if !f.fix.snippets.is_empty() {
                let labels: Vec<String> = f.fix.snippets.iter().map(|s| esc(&s.label)).collect();
                let _ = writeln!(out, "           config snippets ({}): run with --json", labels.join(", "));
            }
        }
        let count = |s: Severity| self.findings.iter().filter(|f| f.severity == s).count();
        let _ = writeln!(
            out,
            "{} finding{}: {} severe, {} moderate, {} low",
            self.findings.len(),
            if self.findings.len() == 1 { "" } else { "s" },
            count(Severity::Severe),
            count(Severity::Moderate),
            count(Severity::Low)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable("app.example.com"), "example.com");
        assert_eq!(registrable("example.com"), "example.com");
        assert_eq!(registrable("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(registrable("localhost"), "localhost");
        assert_eq!(registrable(""), "");
    }

    #[test]
    fn crafted_origins() {
        let c = candidates("https://app.example.com").unwrap_or_default();
        let o: Vec<(&str, &str)> = c.iter().map(|c| (c.id, c.origin.as_str())).collect();
        assert_eq!(
            o,
            [
                ("reflect-any", "https://whycors-scan.example"),
                ("null", "null"),
                ("prefix", "https://app.example.com.whycors-scan.example"),
                ("suffix", "https://whycorsscanexample.com"),
                ("suffix-host", "https://whycorsscanapp.example.com"),
                ("unescaped-dot", "https://appxexample.com"),
                ("subdomain", "https://whycors-scan.example.com"),
                ("http-origin", "http://app.example.com"),
            ]
        );
        for c in &c {
            assert!(c.origin == "null" || url::Url::parse(&c.origin).is_ok_and(|u| u.origin().ascii_serialization() == c.origin), "{c:?}");
        }
        let ip = candidates("http://127.0.0.1:8801").unwrap_or_default();
        assert_eq!(ip.iter().map(|c| c.id).collect::<Vec<_>>(), ["reflect-any", "null", "prefix"]);
    }
}
