//! The probe's HTTP client: one request per connection, HTTP/1.1 framed
//! here (response header lines kept exactly as received, in order, repeats
//! kept), HTTPS with rustls (ring), HTTP/2 with the `h2` crate when the
//! server picks it through ALPN. Nothing is decompressed (no
//! `Accept-Encoding` is sent), no redirect is followed here, no body is
//! read: the response ends for the probe at its header block.
//!
//! Errors come in two kinds: [`NetError::Fatal`], the probe could not talk
//! to the server at all (name resolution, refused or unreachable, TLS
//! failure, no answer in time: exit status 2), and [`NetError::Network`],
//! the server answered in a way a browser treats as a network error (an
//! empty or malformed response, a reset): recorded in the exchange with
//! each browser's own error name.

use crate::exchange::Header;
use bytes::Bytes;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

/// The largest response header block accepted (Chromium's limit: 256 KiB).
pub const MAX_HEADER_BYTES: usize = 256 * 1024;

/// The HTTP version a response came over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum HttpVersion {
    #[serde(rename = "HTTP/1.0")]
    Http10,
    #[serde(rename = "HTTP/1.1")]
    Http11,
    #[serde(rename = "HTTP/2")]
    Http2,
}

impl HttpVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpVersion::Http10 => "HTTP/1.0",
            HttpVersion::Http11 => "HTTP/1.1",
            HttpVersion::Http2 => "HTTP/2",
        }
    }
}

/// One request as it goes on the wire (`Host` / `:authority` comes from the URL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireRequest {
    pub method: String,
    pub url: Url,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
}

impl WireRequest {
    /// `host[:port]` as the `Host` header carries it (default port left out).
    pub fn host_header(&self) -> String {
        let host = self.url.host_str().unwrap_or("");
        match self.url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        }
    }

    /// The request target: path and query.
    pub fn target(&self) -> String {
        let path = self.url.path();
        let path = if path.is_empty() { "/" } else { path };
        match self.url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        }
    }
}

/// A response's head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireResponse {
    pub version: HttpVersion,
    pub status: u16,
    /// In the order received (over HTTP/2: the lines of one name together,
    /// at the place of the first, as the `h2` crate's header map keeps them).
    pub headers: Vec<Header>,
    /// The server's address.
    pub remote: Option<SocketAddr>,
    /// The protocol ALPN settled on, for HTTPS (`h2`, `http/1.1`).
    pub alpn: Option<String>,
}

/// Why a request got no response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetError {
    /// The probe could not reach the server (exit status 2).
    Fatal(String),
    /// A network error as a browser would have it: each browser's error name
    /// and what happened.
    Network { chromium: &'static str, firefox: &'static str, detail: String },
}

impl NetError {
    fn network(chromium: &'static str, firefox: &'static str, detail: impl Into<String>) -> NetError {
        NetError::Network { chromium, firefox, detail: detail.into() }
    }
    fn empty(detail: impl Into<String>) -> NetError {
        NetError::network("net::ERR_EMPTY_RESPONSE", "NS_ERROR_NET_EMPTY_RESPONSE", detail)
    }
    fn reset(detail: impl Into<String>) -> NetError {
        NetError::network("net::ERR_CONNECTION_RESET", "NS_ERROR_NET_RESET", detail)
    }
    fn invalid(detail: impl Into<String>) -> NetError {
        NetError::network("net::ERR_INVALID_HTTP_RESPONSE", "NS_ERROR_NET_INTERRUPT", detail)
    }
}

/// TLS and time settings shared by every request of a run.
#[derive(Clone)]
pub struct NetConfig {
    pub tls: Arc<rustls::ClientConfig>,
    /// Each request: connect, TLS, send, and the response head, together.
    pub timeout: Duration,
}

/// Where the TLS trust comes from.
#[derive(Clone, Debug)]
pub enum Trust {
    /// The system's CA certificates.
    System,
    /// Only the certificates in this PEM file (`--cacert`).
    CaFile(std::path::PathBuf),
    /// No verification (`--insecure`).
    Insecure,
}

/// The rustls client configuration (ring provider; ALPN `h2`, `http/1.1`).
pub fn tls_config(trust: &Trust) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up: {e}"))?;
    let mut config = match trust {
        Trust::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
            .with_no_client_auth(),
        Trust::CaFile(path) => {
            use rustls::pki_types::pem::PemObject;
            let shown = path.display();
            let mut roots = rustls::RootCertStore::empty();
            let iter = rustls::pki_types::CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("--cacert {shown}: {e}"))?;
            let mut n = 0;
            for cert in iter {
                let cert = cert.map_err(|e| format!("--cacert {shown}: {e}"))?;
                roots.add(cert).map_err(|e| format!("--cacert {shown}: not a usable CA certificate ({e})"))?;
                n += 1;
            }
            if n == 0 {
                return Err(format!("--cacert {shown}: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file"));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Trust::System => {
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            // None found: https fails at the handshake, with the hint to pass --cacert.
            let _ = roots.add_parsable_certificates(found.certs);
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// `--insecure`: any certificate is accepted; handshake signatures are still checked.
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Sends one request and reads the response head, within `cfg.timeout`.
pub async fn send(cfg: &NetConfig, req: &WireRequest) -> Result<WireResponse, NetError> {
    let shown = req.url.origin().ascii_serialization();
    match tokio::time::timeout(cfg.timeout, send_inner(cfg, req)).await {
        Ok(r) => r,
        Err(_) => Err(NetError::Fatal(format!(
            "{shown}: no response within {} s (--timeout)",
            fmt_secs(cfg.timeout)
        ))),
    }
}

fn fmt_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}

async fn send_inner(cfg: &NetConfig, req: &WireRequest) -> Result<WireResponse, NetError> {
    let host = req.url.host_str().unwrap_or("").to_string();
    let port = req.url.port_or_known_default().unwrap_or(80);
    let shown = format!("{}://{}", req.url.scheme(), req.host_header());
    let tcp = connect(&req.url, port, &shown).await?;
    let remote = tcp.peer_addr().ok();
    let _ = tcp.set_nodelay(true);
    if req.url.scheme() == "https" {
        let name = match req.url.host() {
            Some(url::Host::Ipv4(ip)) => rustls::pki_types::ServerName::IpAddress(std::net::IpAddr::V4(ip).into()),
            Some(url::Host::Ipv6(ip)) => rustls::pki_types::ServerName::IpAddress(std::net::IpAddr::V6(ip).into()),
            _ => rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|e| NetError::Fatal(format!("{shown}: {host:?} is not a valid TLS server name ({e})")))?,
        };
        let connector = tokio_rustls::TlsConnector::from(cfg.tls.clone());
        let tls = connector.connect(name, tcp).await.map_err(|e| {
            let hint = if e.to_string().contains("certificate") {
                " (for a private or self-signed certificate pass --cacert FILE, or --insecure)"
            } else {
                ""
            };
            NetError::Fatal(format!("{shown}: TLS handshake failed: {e}{hint}"))
        })?;
        let alpn = tls.get_ref().1.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());
        if alpn.as_deref() == Some("h2") {
            let mut r = http2(tls, req, &shown).await?;
            r.remote = remote;
            r.alpn = alpn;
            return Ok(r);
        }
        let mut tls = tls;
        let mut r = http1(&mut tls, req).await?;
        r.remote = remote;
        r.alpn = alpn;
        Ok(r)
    } else {
        let mut tcp = tcp;
        let mut r = http1(&mut tcp, req).await?;
        r.remote = remote;
        Ok(r)
    }
}

async fn connect(url: &Url, port: u16, shown: &str) -> Result<TcpStream, NetError> {
    let addrs: Vec<SocketAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(ip.into(), port)],
        Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(ip.into(), port)],
        Some(url::Host::Domain(d)) => match tokio::net::lookup_host((d, port)).await {
            Ok(a) => a.collect(),
            Err(e) => return Err(NetError::Fatal(format!("{shown}: cannot resolve host {d:?} ({e})"))),
        },
        None => return Err(NetError::Fatal(format!("{shown}: the URL has no host"))),
    };
    if addrs.is_empty() {
        return Err(NetError::Fatal(format!("{shown}: the host name resolves to no address")));
    }
    let mut last = String::new();
    for a in &addrs {
        match TcpStream::connect(a).await {
            Ok(s) => return Ok(s),
            Err(e) => {
                last = match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => format!("connection refused by {a} (is the server running?)"),
                    _ => format!("cannot connect to {a}: {e}"),
                };
            }
        }
    }
    Err(NetError::Fatal(format!("{shown}: {last}")))
}

/// The request bytes for HTTP/1.1.
pub fn http1_bytes(req: &WireRequest) -> Vec<u8> {
    let mut out = format!("{} {} HTTP/1.1\r\nHost: {}\r\n", req.method, req.target(), req.host_header()).into_bytes();
    for h in &req.headers {
        out.extend_from_slice(h.name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(h.value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&req.body);
    out
}

async fn http1<S: AsyncRead + AsyncWrite + Unpin>(io: &mut S, req: &WireRequest) -> Result<WireResponse, NetError> {
    let bytes = http1_bytes(req);
    if let Err(e) = io.write_all(&bytes).await {
        return Err(NetError::reset(format!("sending the request: {e}")));
    }
    let _ = io.flush().await;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        // A complete head in the buffer? (Interim 1xx heads are skipped.)
        while let Some(end) = head_end(&buf) {
            let head = buf.get(..end).unwrap_or_default().to_vec();
            let parsed = parse_head(&head)?;
            if (100..200).contains(&parsed.status) {
                if parsed.status == 101 {
                    return Err(NetError::invalid("the server switched protocols (101) on a request that did not ask to"));
                }
                buf.drain(..end.min(buf.len()));
                continue;
            }
            return Ok(parsed);
        }
        if buf.len() > MAX_HEADER_BYTES {
            return Err(NetError::network(
                "net::ERR_RESPONSE_HEADERS_TOO_BIG",
                "NS_ERROR_NET_INTERRUPT",
                format!("the response header block is larger than {} KiB", MAX_HEADER_BYTES / 1024),
            ));
        }
        let n = match io.read(&mut chunk).await {
            Ok(n) => n,
            Err(e) if buf.is_empty() => return Err(NetError::reset(format!("the connection failed before any response: {e}"))),
            Err(e) => return Err(NetError::reset(format!("the connection failed in the response head: {e}"))),
        };
        if n == 0 {
            if buf.is_empty() {
                return Err(NetError::empty("the server closed the connection without answering"));
            }
            return Err(NetError::network(
                "net::ERR_CONNECTION_CLOSED",
                "NS_ERROR_NET_INTERRUPT",
                "the server closed the connection in the middle of the response head",
            ));
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

/// The length of the first head in `buf` (up to and including the blank
/// line), if complete. Accepts bare LF line ends, as browsers do.
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < buf.len() {
        if buf.get(i) == Some(&b'\n') {
            match (buf.get(i + 1), buf.get(i + 2)) {
                (Some(b'\n'), _) => return Some(i + 2),
                (Some(b'\r'), Some(b'\n')) => return Some(i + 3),
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// Parses a status line and header lines. Header lines without a colon are
/// skipped; an obsolete line folding is joined to the line before with a
/// space; values are trimmed of spaces and tabs (as browsers store them).
pub fn parse_head(head: &[u8]) -> Result<WireResponse, NetError> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = match parts.next().unwrap_or("") {
        "HTTP/1.1" => HttpVersion::Http11,
        "HTTP/1.0" => HttpVersion::Http10,
        other => {
            return Err(NetError::invalid(format!(
                "the response does not start with an HTTP/1.x status line (it starts {:?})",
                other.chars().take(40).collect::<String>()
            )))
        }
    };
    let code = parts.next().unwrap_or("");
    let status = match code.parse::<u16>() {
        Ok(s) if code.len() == 3 && (100..=999).contains(&s) => s,
        _ => return Err(NetError::invalid(format!("the status line has no valid status code: {status_line:?}"))),
    };
    let mut headers: Vec<Header> = Vec::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(last) = headers.last_mut() {
                let more = line.trim_matches(|c| c == ' ' || c == '\t');
                if !more.is_empty() {
                    if !last.value.is_empty() {
                        last.value.push(' ');
                    }
                    last.value.push_str(more);
                }
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim_matches(|c| c == ' ' || c == '\t');
        if name.is_empty() {
            continue;
        }
        headers.push(Header::new(name, value.trim_matches(|c| c == ' ' || c == '\t')));
    }
    Ok(WireResponse { version, status, headers, remote: None, alpn: None })
}

/// Headers HTTP/2 does not carry (connection-specific, RFC 9113 §8.2.2).
fn h2_skips(name: &str) -> bool {
    ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "te"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
}

async fn http2<S>(io: S, req: &WireRequest, shown: &str) -> Result<WireResponse, NetError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let h2err = |what: &str, e: h2::Error| {
        if e.is_go_away() || e.is_reset() || e.reason().is_some() {
            NetError::network(
                "net::ERR_HTTP2_PROTOCOL_ERROR",
                "NS_ERROR_NET_INTERRUPT",
                format!("HTTP/2 {what}: {e}"),
            )
        } else if e.is_io() {
            NetError::reset(format!("HTTP/2 {what}: {e}"))
        } else {
            NetError::network("net::ERR_HTTP2_PROTOCOL_ERROR", "NS_ERROR_NET_INTERRUPT", format!("HTTP/2 {what}: {e}"))
        }
    };
    let (client, conn) = h2::client::Builder::new()
        .max_header_list_size(MAX_HEADER_BYTES as u32)
        .enable_push(false)
        .handshake::<_, Bytes>(io)
        .await
        .map_err(|e| h2err("handshake", e))?;
    let task = tokio::spawn(async move {
        let _ = conn.await;
    });
    let result = async {
        let mut client = client.ready().await.map_err(|e| h2err("connection", e))?;
        let mut b = http::Request::builder()
            .method(req.method.as_bytes())
            .uri(req.url.as_str())
            .version(http::Version::HTTP_2);
        for h in req.headers.iter().filter(|h| !h2_skips(&h.name)) {
            b = b.header(h.name.as_str(), h.value.as_str());
        }
        let request = b
            .body(())
            .map_err(|e| NetError::Fatal(format!("{shown}: cannot express the request in HTTP/2: {e}")))?;
        let end = req.body.is_empty();
        let (response, mut stream) = client.send_request(request, end).map_err(|e| h2err("request", e))?;
        if !end {
            stream.send_data(Bytes::from(req.body.clone()), true).map_err(|e| h2err("request body", e))?;
        }
        let response = response.await.map_err(|e| h2err("response", e))?;
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| Header::new(n.as_str(), String::from_utf8_lossy(v.as_bytes()).trim_matches(|c| c == ' ' || c == '\t')))
            .collect();
        Ok(WireResponse {
            version: HttpVersion::Http2,
            status: response.status().as_u16(),
            headers,
            remote: None,
            alpn: None,
        })
    }
    .await;
    task.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads() {
        let r = parse_head(b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin:  *  \r\naccess-control-allow-origin: x\r\nX-Folded: a\r\n  b\r\nno colon\r\n\r\n");
        let r = r.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(r.status, 204);
        assert_eq!(
            r.headers,
            vec![
                Header::new("Access-Control-Allow-Origin", "*"),
                Header::new("access-control-allow-origin", "x"),
                Header::new("X-Folded", "a b"),
            ]
        );
        assert!(parse_head(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 20 OK\r\n\r\n").is_err());
        assert_eq!(head_end(b"HTTP/1.1 200 OK\n\nbody"), Some(17));
        assert_eq!(head_end(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n"), Some(25));
        assert_eq!(head_end(b"HTTP/1.1 200 OK\r\nA: b\r\n"), None);
    }

    #[test]
    fn request_bytes() {
        let req = WireRequest {
            method: "PUT".into(),
            url: Url::parse("http://127.0.0.1:8802/api/x?a=1#f").unwrap_or_else(|e| panic!("{e}")),
            headers: vec![Header::new("Origin", "http://a.test")],
            body: b"{}".to_vec(),
        };
        let s = String::from_utf8(http1_bytes(&req)).unwrap_or_default();
        assert_eq!(s, "PUT /api/x?a=1 HTTP/1.1\r\nHost: 127.0.0.1:8802\r\nOrigin: http://a.test\r\n\r\n{}");
    }

    proptest::proptest! {
        #[test]
        fn parse_head_never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = parse_head(&b);
            let _ = head_end(&b);
        }
    }
}
