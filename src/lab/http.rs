//! The lab's HTTP/1.1 connections: one listener per origin, one thread per
//! connection, requests on a connection answered in order.
//!
//! Why not `tiny_http::Server`: tiny_http 0.12 hands each accepted connection
//! to a task pool whose `spawn` queues the task whenever its count of idle
//! threads is non-zero, and that count still includes threads that were just
//! woken for an earlier task. When several connections arrive at once (a
//! browser opens six to a host for a burst of fetches) the pool's four idle
//! threads each take one connection and the others stay queued; a task is a
//! whole keep-alive connection, so a queued connection is not read until some
//! other connection closes: the browser's requests on it sit unanswered for
//! as long as the browser keeps its idle connections (a minute or more).
//!
//! So the lab accepts and reads connections itself, following tiny_http's
//! request reading (request line, `Name: value` header lines through
//! `tiny_http::Header`'s parser, `Expect`, `Connection`, bodies by
//! `Content-Length` or chunked), and still has every response serialized by
//! tiny_http (`Response::raw_print`), so the bytes on the wire are the same.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The longest request head (request line and header lines) the lab reads.
pub const MAX_HEAD: usize = 4 << 20;

/// A request as read from the connection (its body is read, and discarded,
/// by the [`Responder`] before the answer is written).
pub struct Incoming {
    pub method: tiny_http::Method,
    /// The request target as sent (`/api/x?a=1`).
    pub target: String,
    pub version: tiny_http::HTTPVersion,
    /// In order as received; values trimmed (tiny_http's header parser).
    pub headers: Vec<tiny_http::Header>,
}

impl Incoming {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &'static str) -> Option<&str> {
        self.headers.iter().find(|h| h.field.equiv(name)).map(|h| h.value.as_str())
    }
}

/// How the request body is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body {
    None,
    Length(u64),
    Chunked,
    /// `Connection: upgrade`: the rest of the stream; the connection closes
    /// after the answer.
    Rest,
}

/// Answers one request: exactly one of [`Responder::write`] or
/// [`Responder::drop_connection`].
pub struct Responder<'a> {
    reader: &'a mut BufReader<TcpStream>,
    writer: &'a mut TcpStream,
    body: Body,
    answered: bool,
    /// The connection ends after this answer.
    close: bool,
}

impl Responder<'_> {
    /// Reads the rest of the request body and throws it away, so the next
    /// request on the connection starts where it should. False when the
    /// connection cannot carry another request.
    fn finish_body(&mut self) -> bool {
        let body = std::mem::replace(&mut self.body, Body::None);
        match body {
            Body::None => true,
            Body::Length(n) => discard(self.reader, n),
            Body::Chunked => discard_chunked(self.reader),
            Body::Rest => false,
        }
    }

    /// Writes a complete serialized response (head and body).
    pub fn write(&mut self, bytes: &[u8]) {
        if self.answered {
            return;
        }
        self.answered = true;
        if !self.finish_body() {
            self.close = true;
        }
        if self.writer.write_all(bytes).and_then(|_| self.writer.flush()).is_err() {
            self.close = true;
        }
    }

    /// Closes the connection without writing a byte.
    pub fn drop_connection(&mut self) {
        if self.answered {
            return;
        }
        self.answered = true;
        self.close = true;
        // The body first: closing with unread bytes would send a reset
        // instead of an orderly close.
        let _ = self.finish_body();
        let _ = self.writer.shutdown(Shutdown::Both);
    }
}

/// Reads and discards `n` bytes; false on end of stream or error.
fn discard<R: BufRead>(reader: &mut R, n: u64) -> bool {
    matches!(std::io::copy(&mut reader.by_ref().take(n), &mut std::io::sink()), Ok(k) if k == n)
}

/// Reads and discards a chunked body (chunks, then trailer lines).
fn discard_chunked<R: BufRead>(reader: &mut R) -> bool {
    let mut budget = MAX_HEAD;
    loop {
        let Ok(line) = read_line(reader, &mut budget) else { return false };
        let size = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = u64::from_str_radix(size, 16) else { return false };
        if size == 0 {
            // Trailer lines up to an empty one.
            loop {
                match read_line(reader, &mut budget) {
                    Ok(l) if l.is_empty() => return true,
                    Ok(_) => {}
                    Err(_) => return false,
                }
            }
        }
        if !discard(reader, size) {
            return false;
        }
        let mut crlf = [0u8; 2];
        if reader.read_exact(&mut crlf).is_err() || &crlf != b"\r\n" {
            return false;
        }
    }
}

#[derive(Debug)]
enum LineError {
    /// End of stream, a read error, or a line that is not ASCII (tiny_http
    /// closes the connection without an answer for these).
    Closed,
    /// Longer than [`MAX_HEAD`].
    TooLong,
}

/// Reads one line ending in CRLF (a bare LF does not end it, as in tiny_http);
/// returns it without the CRLF.
fn read_line<R: BufRead>(reader: &mut R, budget: &mut usize) -> Result<String, LineError> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        if *budget == 0 {
            return Err(LineError::TooLong);
        }
        let n = reader.by_ref().take(*budget as u64).read_until(b'\n', &mut buf).map_err(|_| LineError::Closed)?;
        *budget = budget.saturating_sub(n);
        if n == 0 {
            return Err(if *budget == 0 { LineError::TooLong } else { LineError::Closed });
        }
        if buf.ends_with(b"\r\n") {
            buf.truncate(buf.len() - 2);
            break;
        }
        if !buf.ends_with(b"\n") {
            // Stopped by the budget, or the stream ended mid-line.
            return Err(if *budget == 0 { LineError::TooLong } else { LineError::Closed });
        }
    }
    if !buf.is_ascii() {
        return Err(LineError::Closed);
    }
    String::from_utf8(buf).map_err(|_| LineError::Closed)
}

/// What reading a request head gave.
enum Head {
    Request(Incoming),
    /// The connection ended (or sent something unreadable): close, no answer.
    Closed,
    /// Answer this (already serialized) and close.
    Refuse(Vec<u8>),
}

fn empty_response(status: u16, version: tiny_http::HTTPVersion, head_only: bool) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = tiny_http::Response::new_empty(tiny_http::StatusCode(status)).raw_print(&mut buf, version, &[], head_only, None);
    buf
}

/// The request line: `METHOD target HTTP/x.y` (tiny_http's parser).
fn parse_request_line(line: &str) -> Option<(tiny_http::Method, String, tiny_http::HTTPVersion)> {
    let mut parts = line.split(' ');
    let method = parts.next().and_then(|w| tiny_http::Method::from_str(w).ok())?;
    let target = parts.next()?.to_string();
    let version = match parts.next()? {
        "HTTP/0.9" => tiny_http::HTTPVersion(0, 9),
        "HTTP/1.0" => tiny_http::HTTPVersion(1, 0),
        "HTTP/1.1" => tiny_http::HTTPVersion(1, 1),
        "HTTP/2.0" => tiny_http::HTTPVersion(2, 0),
        "HTTP/3.0" => tiny_http::HTTPVersion(3, 0),
        _ => return None,
    };
    Some((method, target, version))
}

fn read_head<R: BufRead>(reader: &mut R) -> Head {
    let mut budget = MAX_HEAD;
    let v11 = tiny_http::HTTPVersion(1, 1);
    let line = match read_line(reader, &mut budget) {
        Ok(l) => l,
        Err(LineError::Closed) => return Head::Closed,
        Err(LineError::TooLong) => return Head::Refuse(empty_response(400, v11, false)),
    };
    let Some((method, target, version)) = parse_request_line(line.trim()) else {
        return Head::Refuse(empty_response(400, v11, false));
    };
    let mut headers = Vec::new();
    loop {
        let line = match read_line(reader, &mut budget) {
            Ok(l) => l,
            Err(LineError::Closed) => return Head::Closed,
            Err(LineError::TooLong) => return Head::Refuse(empty_response(400, version, false)),
        };
        if line.is_empty() {
            break;
        }
        match tiny_http::Header::from_str(line.trim()) {
            Ok(h) => headers.push(h),
            Err(_) => return Head::Refuse(empty_response(400, version, false)),
        }
    }
    Head::Request(Incoming { method, target, version, headers })
}

/// The body framing of a request, or None for an `Expect` other than
/// `100-continue` (answered 417, as tiny_http does). A `100 Continue` is never
/// sent: the lab does not want bodies (the client sends it after its wait).
fn body_of(rq: &Incoming) -> Option<Body> {
    if let Some(e) = rq.header("Expect") {
        if !e.eq_ignore_ascii_case("100-continue") {
            return None;
        }
    }
    if rq.header("Connection").is_some_and(|c| c.to_ascii_lowercase().contains("upgrade")) {
        return Some(Body::Rest);
    }
    if rq.header("Transfer-Encoding").is_some() {
        return Some(Body::Chunked);
    }
    Some(match rq.header("Content-Length").and_then(|v| v.parse::<u64>().ok()) {
        Some(0) | None => Body::None,
        Some(n) => Body::Length(n),
    })
}

/// Whether the connection carries no request after this one (tiny_http's rule).
fn last_request(rq: &Incoming) -> bool {
    let v10 = rq.version == tiny_http::HTTPVersion(1, 0);
    match rq.header("Connection").map(|c| c.to_ascii_lowercase()) {
        Some(c) if c.contains("close") || c.contains("upgrade") => true,
        Some(c) => !c.contains("keep-alive") && v10,
        None => v10,
    }
}

/// Answers one request.
pub type Handler = dyn Fn(Incoming, &mut Responder<'_>) + Send + Sync;

/// The open connections, so stopping the lab closes them.
#[derive(Default)]
pub struct Connections {
    next: AtomicU64,
    open: Mutex<HashMap<u64, TcpStream>>,
}

impl Connections {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, TcpStream>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn add(&self, s: &TcpStream) -> Option<u64> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let dup = s.try_clone().ok()?;
        self.lock().insert(id, dup);
        Some(id)
    }
    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }
    /// Shuts every open connection down (their threads then end).
    pub fn close_all(&self) {
        for (_, s) in self.lock().drain() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// One listening origin: its accept thread.
pub struct Listening {
    wake: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl Listening {
    /// Ends the accept loop (the flag must be set first) and closes the port.
    pub fn stop(&mut self) {
        if let Some(t) = self.thread.take() {
            // Wake the blocking accept; it sees the flag and returns, which
            // closes the listener.
            if TcpStream::connect_timeout(&self.wake, Duration::from_secs(2)).is_ok() {
                let _ = t.join();
            }
        }
    }
}

/// Binds `addr` (`host:port`; port 0 picks one).
pub fn bind(addr: &str) -> Result<TcpListener, String> {
    TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))
}

/// Starts accepting on `listener`: each connection gets its own thread, which
/// reads its requests one after the other and answers each with `handler`.
pub fn serve(
    listener: TcpListener,
    name: &str,
    stop: Arc<AtomicBool>,
    conns: Arc<Connections>,
    handler: Arc<Handler>,
) -> Result<Listening, String> {
    let local = listener.local_addr().map_err(|e| format!("no local address: {e}"))?;
    let wake_ip = match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let wake = SocketAddr::new(wake_ip, local.port());
    let thread = std::thread::Builder::new()
        .name(format!("whycors-lab-{name}"))
        .spawn(move || accept_loop(listener, stop, conns, handler))
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    Ok(Listening { wake, thread: Some(thread) })
}

fn accept_loop(listener: TcpListener, stop: Arc<AtomicBool>, conns: Arc<Connections>, handler: Arc<Handler>) {
    loop {
        let accepted = listener.accept();
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match accepted {
            Ok((stream, _)) => {
                let conns = conns.clone();
                let handler = handler.clone();
                let stop = stop.clone();
                let spawned = std::thread::Builder::new()
                    .name("whycors-lab-conn".into())
                    .spawn(move || connection(stream, &stop, &conns, &*handler));
                if let Err(e) = spawned {
                    // The stream went with the closure: the connection closes.
                    eprintln!("whycors lab: cannot start a connection thread: {e}");
                }
            }
            Err(e) => {
                // Out of descriptors and the like: wait, then go on accepting.
                eprintln!("whycors lab: accept: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

fn connection(stream: TcpStream, stop: &AtomicBool, conns: &Connections, handler: &Handler) {
    let _ = stream.set_nodelay(true);
    let Some(id) = conns.add(&stream) else { return };
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => {
            conns.remove(id);
            return;
        }
    };
    let mut reader = BufReader::with_capacity(8 * 1024, stream);
    while !stop.load(Ordering::SeqCst) {
        let rq = match read_head(&mut reader) {
            Head::Request(rq) => rq,
            Head::Closed => break,
            Head::Refuse(bytes) => {
                let _ = writer.write_all(&bytes);
                let _ = writer.flush();
                break;
            }
        };
        let Some(body) = body_of(&rq) else {
            let _ = writer.write_all(&empty_response(417, rq.version.clone(), true));
            let _ = writer.flush();
            break;
        };
        let last = last_request(&rq);
        let mut out = Responder { reader: &mut reader, writer: &mut writer, body, answered: false, close: false };
        if (rq.version.0, rq.version.1) > (1, 1) {
            let resp = tiny_http::Response::from_string("This server only supports HTTP versions 1.0 and 1.1")
                .with_status_code(505);
            let mut buf = Vec::new();
            let _ = resp.raw_print(&mut buf, tiny_http::HTTPVersion(1, 1), &[], false, None);
            out.write(&buf);
        } else {
            let version = rq.version.clone();
            let head_only = rq.method == tiny_http::Method::Head;
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(rq, &mut out)));
            if ran.is_err() || !out.answered {
                // What tiny_http does for a request dropped unanswered.
                out.write(&empty_response(500, version, head_only));
            }
        }
        if out.close || last {
            break;
        }
    }
    conns.remove(id);
    let _ = writer.shutdown(Shutdown::Both);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn head(bytes: &[u8]) -> Head {
        read_head(&mut Cursor::new(bytes.to_vec()))
    }

    #[test]
    fn heads() {
        let Head::Request(rq) = head(b"GET /api/x?a=1 HTTP/1.1\r\nHost: h\r\nX-A:  v \r\nx-b:\r\n\r\n") else { panic!() };
        assert_eq!(rq.method, tiny_http::Method::Get);
        assert_eq!(rq.target, "/api/x?a=1");
        assert_eq!(rq.version, tiny_http::HTTPVersion(1, 1));
        let hs: Vec<(String, String)> =
            rq.headers.iter().map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string())).collect();
        assert_eq!(hs, vec![("Host".into(), "h".into()), ("X-A".into(), "v".into()), ("x-b".into(), "".into())]);
        assert!(!last_request(&rq));
        assert!(matches!(head(b"GET /x HTTP/1.1\r\nHost"), Head::Closed));
        assert!(matches!(head(b""), Head::Closed));
        assert!(matches!(head(b"GET /x HTTP/1.1\r\nX: \xff\r\n\r\n"), Head::Closed));
        assert!(matches!(head(b"nonsense\r\n\r\n"), Head::Refuse(_)));
        assert!(matches!(head(b"GET /x HTTP/1.1\r\nBad Name: x\r\n\r\n"), Head::Refuse(_)));
        let Head::Request(rq) = head(b"GET / HTTP/1.0\r\n\r\n") else { panic!() };
        assert!(last_request(&rq));
        let Head::Request(rq) = head(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") else { panic!() };
        assert!(!last_request(&rq));
        let Head::Request(rq) = head(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n") else { panic!() };
        assert!(last_request(&rq));
        let Head::Request(rq) = head(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n") else { panic!() };
        assert_eq!(body_of(&rq), Some(Body::Length(5)));
        let Head::Request(rq) = head(b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n") else { panic!() };
        assert_eq!(body_of(&rq), Some(Body::Chunked));
        let Head::Request(rq) = head(b"POST / HTTP/1.1\r\nExpect: teapot\r\n\r\n") else { panic!() };
        assert_eq!(body_of(&rq), None);
        let long = [b"GET /".to_vec(), vec![b'a'; MAX_HEAD], b" HTTP/1.1\r\n\r\n".to_vec()].concat();
        assert!(matches!(head(&long), Head::Refuse(_)));
    }

    #[test]
    fn chunked_bodies_are_skipped() {
        let mut r = Cursor::new(b"5;x=1\r\nhello\r\n0\r\nT: 1\r\n\r\nGET".to_vec());
        assert!(discard_chunked(&mut r));
        let mut rest = String::new();
        r.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "GET");
        assert!(!discard_chunked(&mut Cursor::new(b"zz\r\n".to_vec())));
        assert!(!discard_chunked(&mut Cursor::new(b"5\r\nhel".to_vec())));
    }
}
