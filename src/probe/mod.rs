//! `whycors probe`: asks a live server what Chromium and Firefox would get.
//!
//! For each browser the probe sends the preflight the engine says that
//! browser sends (when one is needed), then the actual request unless the
//! preflight stopped it, and follows redirects as the browser does
//! ([`walk`]). What was sent and received is recorded as a schema-2
//! exchange and diagnosed by the engine exactly as `whycors diagnose` does.
//! When both browsers sent byte-identical requests the two walks are one
//! exchange, diagnosed for both; otherwise each browser has its own.
//! `--scan` runs the origin checks security scanners run ([`scan`]).
//!
//! Native only: the HTTP stack is `std`/tokio networking, rustls and h2.
//! Docs: `docs/probe.md`.

pub mod curl;
pub mod matchers;
pub mod net;
pub mod scan;
pub mod spec;
pub mod walk;

use crate::diagnosis::{Diagnosis, Verdict};
use crate::exchange::Exchange;
use crate::exchange::Browser;
use net::{NetConfig, NetError, Trust};
use spec::{BadInput, Spec};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use walk::{Runner, Walk};

/// The command line of `whycors probe`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ProbeArgs {
    /// The URL the page's script would request (http:// or https://).
    pub url: String,
    /// The page's origin (scheme, host and port: https://app.example.com), or null.
    #[arg(long)]
    pub origin: String,
    /// The method the page uses (default GET).
    #[arg(long)]
    pub method: Option<String>,
    /// A header the page's script sets, 'Name: value' (repeatable). With
    /// --credentials include, a Cookie line stands for the browser's cookies.
    #[arg(short = 'H', long = "header", value_name = "'Name: value'")]
    pub headers: Vec<String>,
    /// The body, as fetch() would be given it: text, form, multipart, json, none, or a MIME type (a Blob).
    #[arg(long, value_name = "TYPE")]
    pub body_type: Option<String>,
    /// The request's credentials mode.
    #[arg(long, value_parser = ["include", "omit"], default_value = "omit")]
    pub credentials: String,
    /// The browsers to reproduce.
    #[arg(long, value_parser = ["chromium", "firefox", "both"], default_value = "both")]
    pub browser: String,
    /// Print the diagnoses as JSON (the shape of `whycors diagnose --json`); the requests go to standard error.
    #[arg(long)]
    pub json: bool,
    /// Follow at most N redirects (0 to 20; browsers follow 20).
    #[arg(long, value_name = "N")]
    pub max_redirects: Option<u32>,
    /// Trust only the CA certificates in this PEM file.
    #[arg(long, value_name = "FILE", conflicts_with = "insecure")]
    pub cacert: Option<PathBuf>,
    /// Do not verify the server's TLS certificate.
    #[arg(long, short = 'k')]
    pub insecure: bool,
    /// Seconds each request may take (connect, TLS, response head); default 10.
    #[arg(long, value_name = "S")]
    pub timeout: Option<f64>,
    /// Show Authorization, Cookie and token values in the printed requests and the record.
    #[arg(long)]
    pub show_secrets: bool,
    /// Scan the URL for CORS misconfigurations instead (crafted origins).
    #[arg(long)]
    pub scan: bool,
    /// Write the recorded exchanges (schema 2, a JSON array) to this file.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
}

/// The longest a whole run may take, beyond which the probe stops.
pub fn run_budget(timeout: Duration) -> Duration {
    (timeout * 4).max(Duration::from_secs(60))
}

/// The most requests one walk sends: a preflight and a request per URL.
pub fn max_requests_per_walk(max_redirects: u32) -> usize {
    2 * (max_redirects as usize + 1)
}

/// A finished probe.
#[derive(Debug)]
pub struct Probe {
    pub spec: Spec,
    pub walks: Vec<Walk>,
    /// One exchange for both browsers when their requests were identical,
    /// else one per browser (`browser` set).
    pub exchanges: Vec<Exchange>,
    pub diagnoses: Vec<Diagnosis>,
    /// Why the probe could not finish (exit status 2).
    pub fatal: Option<String>,
    /// Requests really sent.
    pub requests_sent: usize,
    pub tls: curl::CurlTls,
}

/// Either result of `whycors probe`.
#[derive(Debug)]
pub enum Run {
    Probe(Box<Probe>),
    Scan(Box<scan::Scan>),
}

impl Run {
    /// 0: every browser would deliver the response (a scan: no finding above
    /// low); 1: a browser would not (a scan: a finding); 2: the probe could
    /// not finish.
    pub fn exit_status(&self) -> u8 {
        match self {
            Run::Probe(p) => p.exit_status(),
            Run::Scan(s) => s.exit_status(),
        }
    }
}

/// The trust setting from the command line.
pub fn trust_of(args: &ProbeArgs) -> Trust {
    match (&args.cacert, args.insecure) {
        (_, true) => Trust::Insecure,
        (Some(p), false) => Trust::CaFile(p.clone()),
        (None, false) => Trust::System,
    }
}

/// The checked request of a command line.
pub fn spec_of(args: &ProbeArgs) -> Result<Spec, BadInput> {
    Spec::from_raw(&spec::RawSpec {
        url: &args.url,
        origin: &args.origin,
        method: args.method.as_deref(),
        headers: &args.headers,
        body_type: args.body_type.as_deref(),
        credentials: Some(&args.credentials),
        browser: Some(&args.browser),
        max_redirects: args.max_redirects,
        timeout_secs: args.timeout,
        show_secrets: args.show_secrets,
    })
}

/// The TLS config, only when the run needs one (an https URL, or a TLS option given).
fn net_config(args: &ProbeArgs, spec: &Spec) -> Result<NetConfig, BadInput> {
    let trust = trust_of(args);
    // Without https in sight the system store is not read (a redirect to
    // https still gets the system store then).
    let tls = net::tls_config(&trust).map_err(BadInput)?;
    Ok(NetConfig { tls: std::sync::Arc::new(tls), timeout: spec.timeout })
}

fn runtime() -> Result<tokio::runtime::Runtime, BadInput> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| BadInput(format!("cannot start the network runtime: {e}")))
}

fn curl_tls(args: &ProbeArgs) -> curl::CurlTls {
    curl::CurlTls { cacert: args.cacert.as_ref().map(|p| p.display().to_string()), insecure: args.insecure }
}

/// Runs `whycors probe` (or `--scan`) for a command line. `Err`: bad input
/// before anything was sent (exit status 2).
pub fn execute(args: &ProbeArgs) -> Result<Run, BadInput> {
    let spec = spec_of(args)?;
    let net = net_config(args, &spec)?;
    let rt = runtime()?;
    if args.scan {
        let s = rt.block_on(scan::scan(&spec, net, curl_tls(args)))?;
        return Ok(Run::Scan(Box::new(s)));
    }
    let p = rt.block_on(probe(spec, net, curl_tls(args)));
    let run = Run::Probe(Box::new(p));
    if let (Some(path), Run::Probe(p)) = (&args.record, &run) {
        let text = serde_json::to_string_pretty(&p.exchanges).map_err(|e| BadInput(e.to_string()))?;
        std::fs::write(path, text + "\n").map_err(|e| BadInput(format!("--record {}: {e}", path.display())))?;
    }
    Ok(run)
}

/// Whether two walks recorded the same exchange (ids and browser aside).
fn same_exchange(a: &Exchange, b: &Exchange) -> bool {
    let strip = |e: &Exchange| Exchange { id: None, browser: None, ..e.clone() };
    strip(a) == strip(b)
}

/// Probes `spec` in each of its browsers.
pub async fn probe(spec: Spec, net: NetConfig, tls: curl::CurlTls) -> Probe {
    let per_walk = max_requests_per_walk(spec.max_redirects);
    let budget = run_budget(spec.timeout);
    let mut runner = Runner::new(net, per_walk * spec.browsers.len(), Instant::now() + budget);
    let mut walks: Vec<Walk> = Vec::new();
    for &b in &spec.browsers {
        let w = walk::walk(&spec, b, &mut runner).await;
        let stop = w.fatal.is_some();
        walks.push(w);
        if stop {
            break;
        }
    }
    let fatal = walks.iter().find_map(|w| w.fatal.clone());
    let mut exchanges: Vec<Exchange> = Vec::new();
    if fatal.is_none() {
        match walks.as_slice() {
            [a, b] if same_exchange(&a.exchange, &b.exchange) => {
                exchanges.push(Exchange { id: Some("probe".into()), browser: None, ..a.exchange.clone() });
            }
            _ => exchanges.extend(walks.iter().map(|w| w.exchange.clone())),
        }
    }
    let opts = crate::Options::default();
    let diagnoses = exchanges.iter().map(|e| crate::diagnose(e, &opts)).collect();
    Probe { spec, walks, exchanges, diagnoses, fatal, requests_sent: runner.sent_count, tls }
}

impl Probe {
    /// The verdict the engine gives `browser` for its exchange.
    pub fn verdict(&self, browser: Browser) -> Option<(Verdict, Option<String>)> {
        let i = self.exchanges.iter().position(|e| e.browser.is_none() || e.browser == Some(browser))?;
        let d = self.diagnoses.get(i)?;
        d.browsers.iter().find(|b| b.browser == browser).map(|b| (b.verdict, b.reason.clone()))
    }

    /// 0, 1 or 2 (see [`Run::exit_status`]).
    pub fn exit_status(&self) -> u8 {
        if self.fatal.is_some() {
            return 2;
        }
        let delivered = self
            .spec
            .browsers
            .iter()
            .all(|&b| matches!(self.verdict(b), Some((Verdict::Allowed | Verdict::NotCors, _))));
        if delivered {
            0
        } else {
            1
        }
    }

    /// One line: each browser's verdict and reason, and the request count.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for &b in &self.spec.browsers {
            let v = match self.verdict(b) {
                Some((v, Some(r))) => format!("{} {} ({r})", b.as_str(), v.as_str()),
                Some((v, None)) => format!("{} {}", b.as_str(), v.as_str()),
                None => format!("{} not probed", b.as_str()),
            };
            parts.push(v);
        }
        format!(
            "probe: {}; {} request{} sent",
            parts.join(", "),
            self.requests_sent,
            if self.requests_sent == 1 { "" } else { "s" }
        )
    }

    /// The requests as curl command lines, each followed by the response
    /// head (`< ...` lines, through `esc`) or the error.
    pub fn transcript(&self, esc: &dyn Fn(&str) -> String) -> String {
        let mut out = String::new();
        let merged = self.exchanges.len() == 1 && self.exchanges.first().is_some_and(|e| e.browser.is_none());
        for (i, w) in self.walks.iter().enumerate() {
            if merged && i > 0 {
                let _ = writeln!(out, "# {}: the same requests, byte for byte (answered once)\n", w.browser.as_str());
                continue;
            }
            let who = if merged {
                self.walks.iter().map(|w| w.browser.as_str()).collect::<Vec<_>>().join(" and ")
            } else {
                w.browser.as_str().to_string()
            };
            let _ = writeln!(out, "# {who}: {} request{}", w.sent.len(), if w.sent.len() == 1 { "" } else { "s" });
            for s in &w.sent {
                render_sent(&mut out, s, &self.tls, self.spec.show_secrets, esc);
            }
            out.push('\n');
        }
        out
    }
}

/// One request and its answer, for the terminal.
pub fn render_sent(out: &mut String, s: &walk::Sent, tls: &curl::CurlTls, show_secrets: bool, esc: &dyn Fn(&str) -> String) {
    let what = if s.preflight { "preflight" } else { "request" };
    let again = if s.reused { " (the same bytes as above: answered once, not sent again)" } else { "" };
    let _ = writeln!(out, "# {what}{again}");
    let _ = writeln!(out, "{}", ascii_or(&curl::command(&s.request, tls, show_secrets), esc));
    if s.reused {
        return;
    }
    match &s.outcome {
        Ok(r) => {
            let alpn = match r.alpn.as_deref() {
                Some(p) => format!("  (TLS, ALPN {})", esc(p)),
                None => String::new(),
            };
            let _ = writeln!(out, "< {} {}{alpn}", r.version.as_str(), r.status);
            for h in &r.headers {
                let _ = writeln!(out, "< {}: {}", esc(&h.name), esc(&h.value));
            }
        }
        Err(NetError::Network { detail, chromium, firefox }) => {
            let _ = writeln!(out, "! network error: {} (Chromium {chromium}, Firefox {firefox})", esc(detail));
        }
        Err(NetError::Fatal(m)) => {
            let _ = writeln!(out, "! {}", esc(m));
        }
    }
}

/// A generated line that is printable ASCII by construction is printed as
/// it is (shell quoting needs its backslashes); anything else goes through `esc`.
pub fn ascii_or(s: &str, esc: &dyn Fn(&str) -> String) -> String {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        s.to_string()
    } else {
        esc(s)
    }
}
