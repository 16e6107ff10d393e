//! Writing answers: tiny_http serializes the response into a buffer, the lab
//! reads back the header lines it wrote (that is the record: exactly what went
//! on the wire), then writes the buffer to the connection. And `drop`: close
//! the connection without a byte.

use super::http::{Incoming, Responder};
use crate::labrecord::Sent;
use crate::exchange::Header;
use std::io::{Cursor, Read};

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
pub fn send<R: Read>(rq: &Incoming, out: &mut Responder<'_>, resp: tiny_http::Response<R>) -> Sent {
    send_then(rq, out, resp, |_| {})
}

/// Sends a response; `before_writing` sees what will be sent before the first
/// byte goes out (so a record is complete by the time the client has the
/// answer).
pub fn send_then<R: Read>(
    rq: &Incoming,
    out: &mut Responder<'_>,
    resp: tiny_http::Response<R>,
    before_writing: impl FnOnce(&Sent),
) -> Sent {
    let version = rq.version.clone();
    let head_only = rq.method == tiny_http::Method::Head;
    let mut buf: Vec<u8> = Vec::new();
    let printed = resp.raw_print(&mut buf, version, &rq.headers, head_only, None);
    if printed.is_err() {
        // The body could not be read (never for in-memory bodies). Nothing
        // was written yet: send a plain 500 instead.
        buf.clear();
        let _ = text(500, "whycors lab: could not build the response\n").raw_print(
            &mut buf,
            tiny_http::HTTPVersion(1, 1),
            &rq.headers,
            head_only,
            None,
        );
    }
    let (status, headers) = parse_head(&buf);
    let sent = Sent { status, headers, dropped: false };
    before_writing(&sent);
    // A write error means the client went away; nothing to do.
    out.write(&buf);
    sent
}

/// Closes the request's connection without writing a byte (the request's
/// body, if any, is read first, so the close is orderly: a FIN, not a reset).
pub fn drop_connection(out: &mut Responder<'_>, before_closing: impl FnOnce()) {
    before_closing();
    out.drop_connection();
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
