//! Writing answers: tiny_http serializes the response into a buffer, the lab
//! reads back the header lines it wrote (that is the record: exactly what went
//! on the wire), then writes the buffer to the connection. And `drop`: close
//! the connection without a byte.

use crate::labrecord::Sent;
use crate::model::Header;
use std::io::{Cursor, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};

/// A plain-text response.
pub fn text(status: u16, body: &str) -> tiny_http::Response<Cursor<Vec<u8>>> {
    let mut r = tiny_http::Response::from_data(body.as_bytes().to_vec()).with_status_code(status);
    if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", "text/plain; charset=utf-8") {
        r.add_header(h);
    }
    r
}

/// The header lines of a serialized response head (`name: value` each, as
/// tiny_http writes them).
pub fn parse_head(buf: &[u8]) -> (u16, Vec<Header>) {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(buf.len());
    let head = String::from_utf8_lossy(buf.get(..end).unwrap_or(buf));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(": ").map(|(n, v)| Header::new(n, v)))
        .collect();
    (status, headers)
}

/// Sends a response and returns what was sent.
pub fn send<R: Read>(rq: tiny_http::Request, resp: tiny_http::Response<R>) -> Sent {
    send_then(rq, resp, |_| {})
}

/// Sends a response; `before_writing` sees what will be sent before the first
/// byte goes out (so a record is complete by the time the client has the
/// answer).
pub fn send_then<R: Read>(
    rq: tiny_http::Request,
    resp: tiny_http::Response<R>,
    before_writing: impl FnOnce(&Sent),
) -> Sent {
    let version = rq.http_version().clone();
    let head_only = *rq.method() == tiny_http::Method::Head;
    let req_headers: Vec<tiny_http::Header> = rq.headers().to_vec();
    let mut buf: Vec<u8> = Vec::new();
    let printed = resp.raw_print(&mut buf, version, &req_headers, head_only, None);
    let mut w = rq.into_writer();
    if printed.is_err() {
        // The body could not be read (never for in-memory bodies). Nothing
        // was written yet: send a plain 500 instead.
        buf.clear();
        let _ = text(500, "whycors lab: could not build the response\n").raw_print(
            &mut buf,
            tiny_http::HTTPVersion(1, 1),
            &req_headers,
            head_only,
            None,
        );
    }
    let (status, headers) = parse_head(&buf);
    let sent = Sent { status, headers, dropped: false };
    before_writing(&sent);
    // Errors here mean the client went away; nothing to do.
    let _ = w.write_all(&buf);
    let _ = w.flush();
    sent
}

/// Closes the request's connection without writing a byte. tiny_http has no
/// API for it (dropping a request answers 500; `into_writer` alone leaves the
/// connection open, waiting for the next request), so the lab finds the
/// connection's socket among the process's descriptors by its two addresses
/// and shuts it down; tiny_http's connection thread then sees end-of-file and
/// ends. Returns false if the socket was not found.
pub fn drop_connection(rq: tiny_http::Request, local_port: u16, before_closing: impl FnOnce()) -> bool {
    let peer = rq.remote_addr().copied();
    before_closing();
    // Take the writer so tiny_http does not answer 500 when the request drops.
    let w = rq.into_writer();
    let done = match peer {
        Some(p) => shutdown_socket(p, local_port),
        None => false,
    };
    drop(w);
    if !done {
        eprintln!("whycors lab: drop: could not find the connection's socket; it stays open");
    }
    done
}

#[cfg(unix)]
fn shutdown_socket(peer: SocketAddr, local_port: u16) -> bool {
    use std::os::fd::BorrowedFd;
    let fds: Vec<i32> = match std::fs::read_dir("/proc/self/fd") {
        Ok(dir) => dir.flatten().filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok())).collect(),
        // No /proc (macOS, BSD): try the low descriptor numbers.
        Err(_) => (0..4096).collect(),
    };
    for fd in fds {
        if fd < 3 {
            continue;
        }
        // SAFETY: the descriptor is only borrowed for the duration of
        // `try_clone_to_owned`, which dup()s it; if it was closed meanwhile
        // the dup fails or yields another descriptor, which the address check
        // below rejects. Only the duplicate is used and closed.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        let Ok(owned) = borrowed.try_clone_to_owned() else { continue };
        let s = TcpStream::from(owned);
        let same_peer = s.peer_addr().ok() == Some(peer);
        let same_local = s.local_addr().map(|a| a.port() == local_port).unwrap_or(false);
        if same_peer && same_local {
            let _ = s.shutdown(Shutdown::Both);
            return true;
        }
    }
    false
}

#[cfg(not(unix))]
fn shutdown_socket(_peer: SocketAddr, _local_port: u16) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_parsing() {
        let (s, h) = parse_head(b"HTTP/1.1 204 No Content\r\nServer: x\r\nA:  b \r\n\r\nbody");
        assert_eq!(s, 204);
        assert_eq!(h, vec![Header::new("Server", "x"), Header::new("A", " b ")]);
    }
}
