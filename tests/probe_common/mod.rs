//! Shared by the `whycors probe` tests: the binary, a `whycors lab` on free
//! ports, small HTTP(S) servers of the test's own (to count requests and
//! answer what the lab cannot: loops, endless chains, malformed answers),
//! and certificates made at test time with rcgen.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_whycors")
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh directory under the system temp dir.
pub fn temp_dir(what: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "whycors-probe-{what}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Runs `whycors` with these arguments.
pub fn whycors(args: &[&str]) -> Out {
    let o = Command::new(bin()).args(args).current_dir(root()).output().expect("run whycors");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// `whycors lab` on free ports, stopped when dropped.
pub struct Lab {
    child: Child,
    pub page: String,
    pub api: String,
    pub other: String,
}

impl Lab {
    pub fn start() -> Lab {
        let mut child = Command::new(bin())
            .args(["lab", "--page-port", "0", "--api-port", "0", "--other-port", "0", "--www", "www"])
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start whycors lab");
        let stdout = child.stdout.take().expect("lab stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = loop {
            match lines.next() {
                Some(Ok(l)) if l.starts_with("ready ") => break l,
                Some(Ok(_)) => continue,
                _ => {
                    let _ = child.kill();
                    panic!("whycors lab did not print its ready line");
                }
            }
        };
        // Keep draining the lab's output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let v: serde_json::Value = serde_json::from_str(ready.trim_start_matches("ready ")).expect("ready json");
        let s = |k: &str| v[k].as_str().expect("origin").to_string();
        Lab { page: s("page"), api: s("api"), other: s("other"), child }
    }

    pub fn port(origin: &str) -> String {
        origin.rsplit(':').next().unwrap_or("").to_string()
    }

    /// Fills a scenario's placeholders (as `www/lab/scenario.js` `fill` does).
    pub fn fill(&self, s: &str, tag: &str) -> String {
        s.replace("{pagePort}", &Self::port(&self.page))
            .replace("{apiPort}", &Self::port(&self.api))
            .replace("{otherPort}", &Self::port(&self.other))
            .replace("{host}", "127.0.0.1")
            .replace("{page}", &self.page)
            .replace("{api}", &self.api)
            .replace("{other}", &self.other)
            .replace("{tag}", tag)
    }

    /// The lab's records of one tag.
    pub fn records(&self, tag: &str) -> Vec<serde_json::Value> {
        let body = http_get(&format!("{}/__records?tag={}", self.api, tag));
        serde_json::from_str::<Vec<serde_json::Value>>(&body).expect("records json")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP/1.1 GET (http only); the body.
pub fn http_get(url: &str) -> String {
    let u = url::Url::parse(url).expect("url");
    let addr = format!("{}:{}", u.host_str().unwrap_or(""), u.port_or_known_default().unwrap_or(80));
    let mut s = TcpStream::connect(addr).expect("connect");
    let target = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    };
    let _ = write!(s, "GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", u.host_str().unwrap_or(""));
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        // De-chunk.
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(after.get(..n).unwrap_or(after));
            rest = after.get(n + 2..).unwrap_or("");
        }
        return out;
    }
    body.to_string()
}

/// A request the test server received.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the handler wants sent: raw bytes, or nothing (the connection closes).
pub type Handler = dyn Fn(&Req) -> Option<Vec<u8>> + Send + Sync;

/// A small server: one thread per connection, one request per connection.
pub struct Server {
    pub port: u16,
    pub reqs: Arc<Mutex<Vec<Req>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn origin(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }
    pub fn count(&self) -> usize {
        self.reqs.lock().map(|r| r.len()).unwrap_or(0)
    }
    pub fn requests(&self) -> Vec<Req> {
        self.reqs.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// A response with these header lines and an empty body.
pub fn response(status: u16, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut s = format!("HTTP/1.1 {status} X\r\n");
    for (n, v) in headers {
        s.push_str(&format!("{n}: {v}\r\n"));
    }
    s.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
    s.into_bytes()
}

fn read_request<S: Read>(s: &mut S) -> Option<Req> {
    let mut buf = Vec::new();
    let mut b = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => buf.push(b[0]),
            _ => return None,
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = text.split("\r\n");
    let first = lines.next()?;
    let mut parts = first.split(' ');
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    let _ = s.read_exact(&mut body);
    Some(Req { method, target, headers })
}

/// Starts a server; with `tls`, HTTPS (rustls, ALPN as the config says).
pub fn serve(handler: Arc<Handler>, tls: Option<Arc<rustls::ServerConfig>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let reqs: Arc<Mutex<Vec<Req>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let (r2, s2) = (reqs.clone(), stop.clone());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            if s2.load(Ordering::SeqCst) {
                break;
            }
            let Ok(tcp) = conn else { continue };
            let (h, r, tls) = (handler.clone(), r2.clone(), tls.clone());
            std::thread::spawn(move || {
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
                let answer = |req: Req| {
                    if let Ok(mut v) = r.lock() {
                        v.push(req.clone());
                    }
                    h(&req)
                };
                match tls {
                    Some(cfg) => {
                        let Ok(conn) = rustls::ServerConnection::new(cfg) else { return };
                        let mut s = rustls::StreamOwned::new(conn, tcp);
                        if let Some(req) = read_request(&mut s) {
                            if let Some(bytes) = answer(req) {
                                let _ = s.write_all(&bytes);
                                let _ = s.flush();
                            }
                        }
                        s.conn.send_close_notify();
                        let _ = s.flush();
                    }
                    None => {
                        let mut s = tcp;
                        if let Some(req) = read_request(&mut s) {
                            if let Some(bytes) = answer(req) {
                                let _ = s.write_all(&bytes);
                            }
                        }
                    }
                }
            });
        }
    });
    Server { port, reqs, stop }
}

/// A test CA and a server certificate it signed, as PEM files.
pub struct Certs {
    pub dir: PathBuf,
    pub ca_pem: PathBuf,
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
    pub cert_der: Vec<u8>,
    pub key_der: Vec<u8>,
}

/// Makes a CA and a certificate for `localhost` and `127.0.0.1`.
pub fn certs() -> Certs {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let dir = temp_dir("certs");
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "whycors probe test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("key");
    let params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).expect("params");
    let cert = params.signed_by(&key, &issuer).expect("cert");
    let write = |name: &str, text: String| {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write pem");
        p
    };
    Certs {
        ca_pem: write("ca.pem", ca_cert.pem()),
        cert_pem: write("cert.pem", cert.pem()),
        key_pem: write("key.pem", key.serialize_pem()),
        cert_der: cert.der().to_vec(),
        key_der: key.serialize_der(),
        dir,
    }
}

/// A rustls server config for `certs`, offering these ALPN protocols.
pub fn tls_server(certs: &Certs, alpn: &[&[u8]]) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = vec![rustls::pki_types::CertificateDer::from(certs.cert_der.clone())];
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certs.key_der.clone().into());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(cfg)
}

/// A tool on PATH, or the test fails (also when `CI` is not set: a test
/// never passes without running).
pub fn require_tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let p = dir.join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "{name} is not installed (CI={}): ./build.sh test installs it (Debian: apt-get install {name})",
        std::env::var("CI").unwrap_or_default()
    );
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Scenarios a plain request expresses: `fetch`/`xhr` in CORS mode from the
/// lab page, no browser set-up (prefs, flags, add-ons, other pages), no
/// fetch option the command line lacks.
pub fn expressible(s: &serde_json::Value) -> bool {
    let r = &s["request"];
    let kind = r["kind"].as_str().unwrap_or("fetch");
    let mode = r["mode"].as_str().unwrap_or("cors");
    let setup = ["from", "url", "browsers", "firefoxPrefs", "chromiumArgs", "chromiumExtension", "context", "contextByBrowser", "firefoxExtension", "firefoxAcceptInsecureCerts", "files"]
        .iter()
        .any(|k| !s[*k].is_null());
    let options = ["redirect", "targetAddressSpace", "crossorigin", "swScript"].iter().any(|k| !r[*k].is_null());
    // A fetch from a dedicated or service worker of the page is the page's fetch.
    matches!(kind, "fetch" | "xhr" | "worker-fetch" | "sw-fetch") && mode == "cors" && !setup && !options
}

pub fn fixture(id: &str, browser: &str) -> Option<serde_json::Value> {
    let dir = root().join("tests/fixtures");
    for entry in std::fs::read_dir(&dir).ok()?.flatten() {
        let p = entry.path().join(format!("{id}.{browser}.json"));
        if let Ok(text) = std::fs::read_to_string(&p) {
            return serde_json::from_str(&text).ok();
        }
    }
    None
}

