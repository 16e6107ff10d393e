//! The lab server, end to end: it runs on ephemeral ports and is spoken to
//! with raw TCP clients that read the bytes it really writes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

#![cfg(not(target_arch = "wasm32"))]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;
use whycors::lab::{start, LabConfig, LabHandle};
use whycors::labrecord::{exchange_from_records, exchange_from_records_json, LabRequestInfo, Record};
use whycors::exchange::{HeaderList, PreflightObservation};

fn www_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("whycors-lab-test-{}-{name}", std::process::id()));
    let _ = std::fs::create_dir_all(d.join("lab"));
    std::fs::write(d.join("index.html"), "<!doctype html><title>lab</title>").unwrap();
    std::fs::write(d.join("lab/index.html"), "<!doctype html><title>lab page</title>").unwrap();
    std::fs::write(d.join("engine.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(d.join("m.mjs"), "export default 1;").unwrap();
    std::fs::write(d.join("f.woff2"), "x").unwrap();
    d
}

fn lab(name: &str) -> LabHandle {
    start(LabConfig { bind: "127.0.0.1".into(), page_port: 0, api_port: 0, other_port: 0, www_dir: www_dir(name) })
        .expect("lab starts")
}

fn hostport(origin: &str) -> &str {
    origin.trim_start_matches("http://")
}

/// Sends raw bytes, reads until the server closes.
fn raw_bytes(origin: &str, request: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(hostport(origin)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// Sends raw bytes and half-closes, so a server waiting for more sees the end.
fn raw_bytes_eof(origin: &str, request: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(hostport(origin)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(request).unwrap();
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

struct Resp {
    raw: Vec<u8>,
    status: u16,
    /// Header lines exactly as written (without CRLF).
    lines: Vec<String>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Vec<String> {
        self.lines
            .iter()
            .filter_map(|l| l.split_once(": "))
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_string())
            .collect()
    }
}

fn parse(raw: Vec<u8>) -> Resp {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8(raw[..end].to_vec()).unwrap();
    let mut it = head.split("\r\n");
    let status = it.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let lines: Vec<String> = it.map(|s| s.to_string()).collect();
    let mut body = raw[end + 4..].to_vec();
    // Large bodies (the records of a burst) come chunked.
    if lines.iter().any(|l| l.eq_ignore_ascii_case("Transfer-Encoding: chunked")) {
        body = dechunk(&body);
    }
    Resp { raw, status, lines, body }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").expect("chunk size line");
        let size = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().split(';').next().unwrap().trim(), 16).unwrap();
        b = &b[eol + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[..size]);
        assert_eq!(&b[size..size + 2], b"\r\n");
        b = &b[size + 2..];
    }
}

/// One request with `Connection: close`; `extra` are header lines.
fn req(origin: &str, method: &str, target: &str, extra: &[&str]) -> Resp {
    let mut s = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", hostport(origin));
    for l in extra {
        s.push_str(l);
        s.push_str("\r\n");
    }
    s.push_str("Connection: close\r\n\r\n");
    parse(raw_bytes(origin, s.as_bytes()))
}

fn get(origin: &str, target: &str) -> Resp {
    req(origin, "GET", target, &[])
}

fn records(origin: &str, tag: &str) -> Vec<Record> {
    let r = get(origin, &format!("/__records?tag={tag}"));
    assert_eq!(r.status, 200);
    serde_json::from_slice(&r.body).expect("records are JSON")
}

#[test]
fn default_answer_has_no_cors_headers() {
    let l = lab("default");
    let r = get(l.api_url(), "/api/anything/at/all");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"ok");
    assert!(r.lines.iter().all(|l| !l.to_ascii_lowercase().starts_with("access-control-")), "{:?}", r.lines);
    assert_eq!(r.header("Content-Type"), vec!["text/plain; charset=utf-8"]);
    // The other origin and the page origin answer the API too.
    assert_eq!(get(l.other_url(), "/api/x?status=201").status, 201);
    assert_eq!(get(l.page_url(), "/api/x?status=202").status, 202);
    // Where the three origins are, on every origin.
    let j: serde_json::Value = serde_json::from_slice(&get(l.other_url(), "/__lab.json").body).unwrap();
    assert_eq!(j["page"], l.page_url());
    assert_eq!(j["api"], l.api_url());
    assert_eq!(j["other"], l.other_url());
    // Outside /api/ the api origin has nothing.
    assert_eq!(get(l.api_url(), "/x").status, 404);
}

#[test]
fn header_lines_byte_for_byte() {
    let l = lab("bytes");
    // Repeated lines, odd case, leading/trailing spaces and tabs, a colon in the value.
    let r = get(
        l.api_url(),
        "/api/x?h=aCCESS-control-allow-ORIGIN:%20%09*%20%09&acao=*&acao=http://a.test&h=X-Colon:a:b&status=418",
    );
    assert_eq!(r.status, 418);
    let text = String::from_utf8_lossy(&r.raw).to_string();
    assert!(text.starts_with("HTTP/1.1 418 "), "{text}");
    assert!(text.contains("\r\naCCESS-control-allow-ORIGIN:  \t* \t\r\n"), "{text:?}");
    assert!(text.contains("\r\nAccess-Control-Allow-Origin: *\r\nAccess-Control-Allow-Origin: http://a.test\r\n"), "{text:?}");
    assert!(text.contains("\r\nX-Colon: a:b\r\n"), "{text:?}");
    // Every shorthand.
    let r = get(l.api_url(), "/api/x?acao=o&acac=true&acam=PUT&acah=x-a&aceh=x-b&acma=5&vary=Origin");
    for (n, v) in [
        ("Access-Control-Allow-Origin", "o"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", "PUT"),
        ("Access-Control-Allow-Headers", "x-a"),
        ("Access-Control-Expose-Headers", "x-b"),
        ("Access-Control-Max-Age", "5"),
        ("Vary", "Origin"),
    ] {
        assert!(r.lines.contains(&format!("{n}: {v}")), "{n} in {:?}", r.lines);
    }
}

#[test]
fn preflight_parameters_apply_to_the_preflight_only() {
    let l = lab("pf");
    let q = "/api/x?pf.acao={origin}&pf.acam=PUT&pf.status=200&pf.h=X-Pf:1&acao=*&status=500&tag=pf1";
    let pf = req(l.api_url(), "OPTIONS", q, &["Origin: http://127.0.0.1:1", "Access-Control-Request-Method: PUT"]);
    assert_eq!(pf.status, 200);
    assert_eq!(pf.header("Access-Control-Allow-Origin"), vec!["http://127.0.0.1:1"]);
    assert_eq!(pf.header("Access-Control-Allow-Methods"), vec!["PUT"]);
    assert_eq!(pf.header("X-Pf"), vec!["1"]);
    let actual = req(l.api_url(), "PUT", q, &["Origin: http://127.0.0.1:1", "Content-Length: 0"]);
    assert_eq!(actual.status, 500);
    assert_eq!(actual.header("Access-Control-Allow-Origin"), vec!["*"]);
    assert!(actual.header("X-Pf").is_empty());
    // An OPTIONS without Access-Control-Request-Method is not a preflight.
    let plain = req(l.api_url(), "OPTIONS", q, &["Origin: http://127.0.0.1:1"]);
    assert_eq!(plain.status, 500);
    // Default preflight status: 204, no body.
    let pf = req(l.api_url(), "OPTIONS", "/api/x", &["Access-Control-Request-Method: PUT"]);
    assert_eq!(pf.status, 204);
    assert!(pf.body.is_empty());
    assert!(pf.header("Access-Control-Allow-Origin").is_empty());
}

#[test]
fn substitutions() {
    let l = lab("subst");
    let r = req(l.api_url(), "GET", "/api/x?acao={origin}&h=X-O:{other}&h=X-S:{self}&body={tag}&tag=abc", &["Origin: null"]);
    assert_eq!(r.header("Access-Control-Allow-Origin"), vec!["null"]);
    assert_eq!(r.header("X-O"), vec![l.other_url().to_string()]);
    assert_eq!(r.header("X-S"), vec![l.api_url().to_string()]);
    assert_eq!(r.body, b"abc");
    // No Origin header: {origin} is empty.
    let r = get(l.api_url(), "/api/x?h=X-A:[{origin}]");
    assert_eq!(r.header("X-A"), vec!["[]"]);
}

#[test]
fn redirects_hops_userinfo_and_status() {
    let l = lab("redirect");
    // Userinfo in Location, kept as given; status from `status`.
    let r = get(l.api_url(), "/api/x?redirect=http%3A%2F%2Fuser%3Apass%40example.test%2Fp&status=307");
    assert_eq!(r.status, 307);
    assert_eq!(r.header("Location"), vec!["http://user:pass@example.test/p"]);
    // Default 302; relative Location as given.
    let r = get(l.api_url(), "/api/x?redirect=%2Fapi%2Fy");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("Location"), vec!["/api/y"]);
    // Several hops across the three origins, the tag carried along.
    let hop2 = format!("{}/api/end?acao=*", l.page_url());
    let hop1 = format!("{{other}}/api/mid?acao=*&redirect={}", enc(&hop2));
    let start = format!("/api/start?acao=*&redirect={}&tag=chain", enc(&hop1));
    let r1 = get(l.api_url(), &start);
    assert_eq!(r1.status, 302);
    let loc1 = r1.header("Location").pop().unwrap();
    assert!(loc1.starts_with(&format!("{}/api/mid?acao=*&redirect=", l.other_url())), "{loc1}");
    assert!(loc1.ends_with("&tag=chain"), "{loc1}");
    let (o, t) = split_url(&loc1);
    let r2 = get(&o, &t);
    assert_eq!(r2.status, 302);
    let loc2 = r2.header("Location").pop().unwrap();
    assert_eq!(loc2, format!("{}/api/end?acao=*&tag=chain", l.page_url()));
    let (o, t) = split_url(&loc2);
    let r3 = get(&o, &t);
    assert_eq!(r3.status, 200);
    let recs = records(l.api_url(), "chain");
    assert_eq!(recs.iter().map(|r| r.server.as_str()).collect::<Vec<_>>(), vec!["api", "other", "page"]);
    // A redirected preflight.
    let r = req(l.api_url(), "OPTIONS", "/api/x?pf.redirect={other}/api/y", &["Access-Control-Request-Method: PUT"]);
    assert_eq!(r.status, 302);
    assert_eq!(r.header("Location"), vec![format!("{}/api/y", l.other_url())]);
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn split_url(u: &str) -> (String, String) {
    let rest = u.trim_start_matches("http://");
    let i = rest.find('/').unwrap();
    (format!("http://{}", &rest[..i]), rest[i..].to_string())
}

#[test]
fn drop_closes_without_a_byte() {
    let l = lab("drop");
    let raw = raw_bytes(l.api_url(), format!("GET /api/x?drop=1&tag=d HTTP/1.1\r\nHost: {}\r\n\r\n", hostport(l.api_url())).as_bytes());
    assert!(raw.is_empty(), "{:?}", String::from_utf8_lossy(&raw));
    // The preflight alone.
    let pf = raw_bytes(
        l.api_url(),
        b"OPTIONS /api/x?pf.drop=1&tag=d HTTP/1.1\r\nHost: x\r\nAccess-Control-Request-Method: PUT\r\n\r\n",
    );
    assert!(pf.is_empty());
    let recs = records(l.api_url(), "d");
    assert_eq!(recs.len(), 2);
    for r in &recs {
        let s = r.sent.as_ref().unwrap();
        assert!(s.dropped);
        assert_eq!(s.status, 0);
        assert!(s.headers.is_empty());
    }
    // The server is fine afterwards.
    assert_eq!(get(l.api_url(), "/api/x").status, 200);
}

#[test]
fn delay_does_not_hold_up_other_requests() {
    let l = lab("delay");
    let mut slow = TcpStream::connect(hostport(l.api_url())).unwrap();
    slow.write_all(b"GET /api/x?delay=4000&tag=slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    // Wait until the slow request is recorded (pending), then ask another.
    let mut pending = false;
    for _ in 0..200 {
        let recs = records(l.api_url(), "slow");
        if recs.len() == 1 {
            assert!(recs[0].sent.is_none(), "answered before its delay");
            pending = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(pending);
    let fast = get(l.api_url(), "/api/x?tag=fast");
    assert_eq!(fast.status, 200);
    // The slow one is still pending while the fast one has been answered.
    assert!(records(l.api_url(), "slow")[0].sent.is_none());
    let mut out = Vec::new();
    slow.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = slow.read_to_end(&mut out);
    assert_eq!(parse(out).status, 200);
    assert_eq!(records(l.api_url(), "slow")[0].sent.as_ref().unwrap().status, 200);
}

#[test]
fn bad_parameters_are_400_and_the_server_survives() {
    let l = lab("bad");
    for q in [
        "status=abc",
        "status=42",
        "h=NoColon",
        "h=Bad%20Name:x",
        "h=X:a%0D%0AInjected:1",
        "h=Transfer-Encoding:chunked",
        "acao=%C3%A9",
        "delay=x",
        "nope=1",
        "type=exe",
        "redirect=a&redirect=b",
    ] {
        let r = get(l.api_url(), &format!("/api/x?{q}&tag=bad"));
        assert_eq!(r.status, 400, "{q}");
        assert!(String::from_utf8_lossy(&r.body).starts_with("whycors lab: "), "{q}");
        assert_eq!(r.header("Content-Type"), vec!["text/plain; charset=utf-8"]);
        assert!(r.lines.iter().all(|l| !l.starts_with("Injected")), "{q}");
    }
    // Garbage on the wire: tiny_http refuses it, the lab keeps running.
    let _ = raw_bytes_eof(l.api_url(), b"\x00\x01\x02 nonsense\r\n\r\n");
    let _ = raw_bytes_eof(l.api_url(), b"GET /api/x HTTP/1.1\r\nX-\xff: \xfe\r\n\r\n");
    let _ = raw_bytes(l.api_url(), b"GET /api/x?%ff%fe=%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let _ = raw_bytes_eof(l.api_url(), b"GET");
    assert_eq!(get(l.api_url(), "/api/x").status, 200);
    assert_eq!(records(l.api_url(), "bad").len(), 11);
}

#[test]
fn typed_bodies() {
    let l = lab("types");
    let png = get(l.api_url(), "/api/i.png?type=png&acao=*");
    assert_eq!(png.header("Content-Type"), vec!["image/png"]);
    assert!(png.body.starts_with(b"\x89PNG\r\n\x1a\n"));
    let font = get(l.api_url(), "/api/f.woff2?type=woff2");
    assert_eq!(font.header("Content-Type"), vec!["font/woff2"]);
    assert!(font.body.starts_with(b"wOF2"));
    let js = get(l.api_url(), "/api/m.js?type=js");
    assert_eq!(js.header("Content-Type"), vec!["text/javascript"]);
    assert_eq!(js.body, b"export default 1;\n");
    let css = get(l.api_url(), "/api/s.css?type=css");
    assert_eq!(css.header("Content-Type"), vec!["text/css; charset=utf-8"]);
    // h=Content-Type wins over the type's.
    let r = get(l.api_url(), "/api/x?type=json&h=Content-Type:text/x-odd");
    assert_eq!(r.header("Content-Type"), vec!["text/x-odd"]);
    // 204: no body, no Content-Type, Content-Length 0.
    let r = get(l.api_url(), "/api/x?status=204");
    assert!(r.body.is_empty());
    assert!(r.header("Content-Type").is_empty());
    assert_eq!(r.header("Content-Length"), vec!["0"]);
    // HEAD: the head without the body.
    let r = req(l.api_url(), "HEAD", "/api/x?body=hello", &[]);
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
}

#[test]
fn records_say_what_was_received_and_sent() {
    let l = lab("records");
    let t = "/api/r?acao=*&h=X-Odd:%20v%20&tag=rec";
    let _ = req(l.api_url(), "GET", t, &["origin: http://127.0.0.1:9", "X-Mixed-CASE: a", "X-Mixed-CASE: b"]);
    let _ = req(l.other_url(), "POST", "/api/r?status=201&tag=rec", &["Content-Length: 0"]);
    let all = get(l.page_url(), "/__records?tag=rec");
    assert_eq!(all.header("Access-Control-Allow-Origin"), vec!["*"]);
    assert_eq!(all.header("Cache-Control"), vec!["no-store"]);
    assert_eq!(all.header("Content-Type"), vec!["application/json"]);
    let recs: Vec<Record> = serde_json::from_slice(&all.body).unwrap();
    assert_eq!(recs.len(), 2);
    let a = &recs[0];
    assert!(a.seq < recs[1].seq);
    assert_eq!(a.tag.as_deref(), Some("rec"));
    assert_eq!(a.origin, l.api_url());
    assert_eq!(a.server, "api");
    assert_eq!(a.received.method, "GET");
    assert_eq!(a.received.url, format!("{}{t}", l.api_url()));
    let names: Vec<&str> = a.received.headers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, vec!["Host", "origin", "X-Mixed-CASE", "X-Mixed-CASE", "Connection"]);
    assert_eq!(a.received.headers.values("x-mixed-case").collect::<Vec<_>>(), vec!["a", "b"]);
    let sent = a.sent.as_ref().unwrap();
    assert_eq!(sent.status, 200);
    assert!(!sent.dropped);
    let sent_names: Vec<&str> = sent.headers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        sent_names,
        vec!["Server", "Date", "Access-Control-Allow-Origin", "X-Odd", "Content-Type", "Content-Length"]
    );
    assert_eq!(sent.headers.values("X-Odd").next(), Some(" v "));
    assert!(a.at > 0);
    let b = &recs[1];
    assert_eq!((b.server.as_str(), b.origin.as_str(), b.received.method.as_str()), ("other", l.other_url(), "POST"));
    assert_eq!(b.sent.as_ref().unwrap().status, 201);
    // Every origin serves the same store; files and /__records are not recorded.
    assert_eq!(records(l.other_url(), "rec").len(), 2);
    let _ = get(l.page_url(), "/index.html?tag=rec");
    assert_eq!(records(l.api_url(), "rec").len(), 2);
    // since=
    let later = get(l.api_url(), &format!("/__records?tag=rec&since={}", b.seq));
    assert_eq!(serde_json::from_slice::<Vec<Record>>(&later.body).unwrap().len(), 1);
    // Reset one tag, then all.
    let _ = get(l.api_url(), "/api/x?tag=other");
    assert_eq!(get(l.api_url(), "/__reset").status, 405);
    let r = req(l.api_url(), "POST", "/__reset?tag=rec", &["Content-Length: 0"]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Access-Control-Allow-Origin"), vec!["*"]);
    assert!(records(l.api_url(), "rec").is_empty());
    assert_eq!(records(l.api_url(), "other").len(), 1);
    let _ = req(l.page_url(), "POST", "/__reset", &["Content-Length: 0"]);
    let r = get(l.api_url(), "/__records");
    assert_eq!(serde_json::from_slice::<Vec<Record>>(&r.body).unwrap().len(), 0);
}

#[test]
fn static_files_are_confined_and_typed() {
    let l = lab("files");
    let r = get(l.page_url(), "/");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), vec!["text/html; charset=utf-8"]);
    assert_eq!(get(l.page_url(), "/lab/").body, b"<!doctype html><title>lab page</title>");
    assert_eq!(get(l.page_url(), "/engine.wasm").header("Content-Type"), vec!["application/wasm"]);
    assert_eq!(get(l.page_url(), "/m.mjs").header("Content-Type"), vec!["text/javascript; charset=utf-8"]);
    assert_eq!(get(l.page_url(), "/f.woff2").header("Content-Type"), vec!["font/woff2"]);
    for bad in ["/../Cargo.toml", "/..%2f..%2fetc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/lab/..\\..\\x", "/nope.html"] {
        assert_eq!(get(l.page_url(), bad).status, 404, "{bad}");
    }
    // Files only on the page origin.
    assert_eq!(get(l.api_url(), "/index.html").status, 404);
}

#[test]
fn stop_closes_the_ports() {
    let l = lab("stop");
    let api = l.api_url().to_string();
    assert_eq!(get(&api, "/api/x").status, 200);
    l.stop();
    let mut refused = false;
    for _ in 0..100 {
        if TcpStream::connect(hostport(&api)).is_err() {
            refused = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(refused, "port still open after stop");
}

#[test]
fn records_become_an_exchange() {
    let l = lab("exchange");
    let page = l.page_url().to_string();
    let origin = format!("Origin: {page}");
    // A PUT preflighted on the api origin, redirected to the other origin.
    let target = format!("{}/api/end?acao=*", l.other_url());
    let q = format!("/api/start?pf.acao={{origin}}&pf.acam=PUT&pf.acah=x-a&acao={{origin}}&status=307&redirect={}&tag=ex", enc(&target));
    let pf = req(l.api_url(), "OPTIONS", &q, &[&origin, "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: x-a"]);
    assert_eq!(pf.status, 204);
    let first = req(l.api_url(), "PUT", &q, &[&origin, "X-A: 1", "Content-Length: 0"]);
    assert_eq!(first.status, 307);
    let loc = first.header("Location").pop().unwrap();
    let (o, t) = split_url(&loc);
    let last = req(&o, "PUT", &t, &["Origin: null", "X-A: 1", "Content-Length: 0"]);
    assert_eq!(last.status, 200);

    let recs = records(l.api_url(), "ex");
    assert_eq!(recs.len(), 3);
    let info = LabRequestInfo {
        kind: "fetch".into(),
        method: Some("PUT".into()),
        author_headers: Some(vec![whycors::exchange::Header::new("X-A", "1")]),
        ..LabRequestInfo::default()
    };
    let ex = exchange_from_records(&recs, &page, &info).unwrap();
    assert_eq!(ex.url(), format!("{}{q}", l.api_url()));
    assert_eq!(ex.page.origin.as_deref(), Some(page.as_str()));
    assert_eq!(ex.legs.len(), 2);
    let pf = ex.legs[0].preflight.as_ref().unwrap();
    let p = pf.response.as_ref().unwrap();
    assert_eq!(p.status, 204);
    assert_eq!(p.headers.values("Access-Control-Allow-Origin").collect::<Vec<_>>(), vec![page.as_str()]);
    assert_eq!(pf.request_headers.values("Access-Control-Request-Headers").next(), Some("x-a"));
    let hop = ex.legs[0].response.as_ref().unwrap();
    assert_eq!(hop.status, 307);
    assert_eq!(hop.headers.values("Location").next(), Some(loc.as_str()));
    assert_eq!(ex.legs[1].url, loc);
    let resp = ex.legs[1].response.as_ref().unwrap();
    assert_eq!(resp.headers.values("Access-Control-Allow-Origin").next(), Some("*"));
    assert_eq!(ex.legs[1].request_headers.values("Origin").next(), Some("null"));
    assert!(!resp.headers_merged);
    assert_eq!(ex.preflight_observation, PreflightObservation::Unknown);
    assert_eq!(ex.error, None);

    // The same through the JSON the server returns.
    let json = String::from_utf8(get(l.api_url(), "/__records?tag=ex").body).unwrap();
    let ex2 = exchange_from_records_json(&json, &page, &info).unwrap();
    assert_eq!(ex2, ex);

    // A dropped request: no response, a network error.
    let _ = raw_bytes(l.api_url(), format!("GET /api/x?drop=1&tag=exd HTTP/1.1\r\nHost: x\r\n{origin}\r\n\r\n").as_bytes());
    let ex = exchange_from_records(&records(l.api_url(), "exd"), &page, &LabRequestInfo { kind: "fetch".into(), ..Default::default() }).unwrap();
    assert!(ex.legs.iter().all(|l| l.response.is_none()));
    assert_eq!(ex.error.as_deref(), Some("net::ERR_EMPTY_RESPONSE"));
    assert_eq!(ex.preflight_observation, PreflightObservation::NotSent);
}

// ---------------------------------------------------------------- bursts

/// One response read off a keep-alive connection (framed by Content-Length).
struct Framed {
    status: u16,
    lines: Vec<String>,
    body: Vec<u8>,
}

/// Reads one response from a connection that stays open; None when the
/// server closed it before the first byte (a `drop`). Panics on a timeout or a
/// truncated response.
fn read_framed(r: &mut std::io::BufReader<TcpStream>, what: &str) -> Option<Framed> {
    use std::io::BufRead;
    let mut head = Vec::new();
    loop {
        let n = r.read_until(b'\n', &mut head).unwrap_or_else(|e| panic!("{what}: no answer: {e}"));
        if n == 0 {
            assert!(head.is_empty(), "{what}: connection closed mid-head: {:?}", String::from_utf8_lossy(&head));
            return None;
        }
        if head.ends_with(b"\r\n\r\n") {
            break;
        }
    }
    let text = String::from_utf8(head).expect("ASCII head");
    let mut it = text.trim_end().split("\r\n");
    let status_line = it.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{what}: {status_line}");
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let lines: Vec<String> = it.map(|s| s.to_string()).collect();
    let len: usize = lines
        .iter()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap_or_else(|| panic!("{what}: no Content-Length in {lines:?}"))
        .parse()
        .unwrap();
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap_or_else(|e| panic!("{what}: body cut short: {e}"));
    Some(Framed { status, lines, body })
}

/// What request `i` of the burst is: most are plain, a few wait, a few are
/// dropped, some carry a body (so the next request on the connection must be
/// found after it).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Plain,
    Delay,
    Drop,
    PostBody,
    Chunked,
}

fn kind_of(i: usize) -> Kind {
    match i % 200 {
        50 => Kind::Delay,
        150 => Kind::Drop,
        _ if i % 37 == 5 => Kind::PostBody,
        _ if i % 53 == 7 => Kind::Chunked,
        _ => Kind::Plain,
    }
}

fn burst_request(host: &str, i: usize) -> Vec<u8> {
    let base = format!("/api/burst/{i}?acao=*&h=X-I:{i}&body=b{i}&tag=burst&_i={i}");
    match kind_of(i) {
        Kind::Plain => format!("GET {base} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://127.0.0.1:1\r\n\r\n").into_bytes(),
        Kind::Delay => format!("GET {base}&delay=1500 HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes(),
        Kind::Drop => format!("GET {base}&drop=1 HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes(),
        Kind::PostBody => {
            let body = "x".repeat(3000 + i);
            format!("POST {base} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
        }
        Kind::Chunked => format!(
            "POST {base} HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n10;ext=1\r\n0123456789abcdef\r\n0\r\n\r\n"
        )
        .into_bytes(),
    }
}

fn check_answer(i: usize, f: &Framed) {
    assert_eq!(f.status, 200, "request {i}: {:?}", f.lines);
    assert_eq!(f.body, format!("b{i}").as_bytes(), "request {i} got another's body");
    assert!(f.lines.contains(&format!("X-I: {i}")), "request {i}: {:?}", f.lines);
    assert!(f.lines.contains(&"Access-Control-Allow-Origin: *".to_string()), "request {i}: {:?}", f.lines);
}

/// A burst like a page's 2,000 fetch()es: many keep-alive connections opened
/// at the same moment (a browser opens six or more to a host at once), each
/// carrying its share of the requests one after the other, with slow
/// (`delay`) and dropped requests mixed in, plus one client that pipelines.
/// Every answer must arrive, complete and the right one, and every request
/// must be recorded with what was sent. (tiny_http's own server left some of
/// the simultaneously opened connections unread until another closed.)
#[test]
fn a_burst_over_many_keep_alive_connections_is_answered_in_full() {
    use std::io::BufReader;
    use std::sync::{Arc, Barrier};
    const N: usize = 2000;
    const CONNS: usize = 24;
    let l = lab("burst");
    let host = hostport(l.api_url()).to_string();
    let connect = |host: &str| {
        let s = TcpStream::connect(host).expect("connect");
        // Generous: only there to fail rather than hang.
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(60))).unwrap();
        s
    };
    // The first CONNS - 1 clients take every index i with i % (CONNS - 1) == c,
    // except the pipelined block below.
    let pipelined: Vec<usize> = (1000..1040).filter(|&i| kind_of(i) == Kind::Plain).collect();
    let barrier = Arc::new(Barrier::new(CONNS));
    let mut workers = Vec::new();
    for c in 0..CONNS - 1 {
        let host = host.clone();
        let barrier = barrier.clone();
        let skip = pipelined.clone();
        workers.push(std::thread::spawn(move || {
            let mine: Vec<usize> = (0..N).filter(|i| i % (CONNS - 1) == c && !skip.contains(i)).collect();
            // All connections open together, then each sends its first request.
            let mut s = connect(&host);
            barrier.wait();
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut answered = 0;
            for &i in &mine {
                s.write_all(&burst_request(&host, i)).unwrap();
                match read_framed(&mut r, &format!("request {i}")) {
                    Some(f) => {
                        assert_ne!(kind_of(i), Kind::Drop, "request {i} should have been dropped");
                        check_answer(i, &f);
                        answered += 1;
                    }
                    None => {
                        assert_eq!(kind_of(i), Kind::Drop, "request {i} was not answered: the connection closed");
                        s = connect(&host);
                        r = BufReader::new(s.try_clone().unwrap());
                    }
                }
            }
            (mine.len(), answered)
        }));
    }
    // The last client pipelines its requests: all written at once, the
    // answers read back in order.
    {
        let host = host.clone();
        let barrier = barrier.clone();
        let list = pipelined.clone();
        workers.push(std::thread::spawn(move || {
            let mut s = connect(&host);
            barrier.wait();
            let all: Vec<u8> = list.iter().flat_map(|&i| burst_request(&host, i)).collect();
            s.write_all(&all).unwrap();
            let mut r = BufReader::new(s.try_clone().unwrap());
            for &i in &list {
                let f = read_framed(&mut r, &format!("pipelined request {i}")).expect("an answer");
                check_answer(i, &f);
            }
            (list.len(), list.len())
        }));
    }
    let mut sent = 0;
    let mut answered = 0;
    for w in workers {
        let (s, a) = w.join().expect("a client failed");
        sent += s;
        answered += a;
    }
    let dropped = (0..N).filter(|&i| kind_of(i) == Kind::Drop).count();
    assert_eq!(sent, N);
    assert_eq!(answered, N - dropped);

    // The records: one per request, complete, saying what was sent.
    let recs = records(l.api_url(), "burst");
    assert_eq!(recs.len(), N);
    let mut seen = vec![false; N];
    for rec in &recs {
        let i: usize = rec.received.url.split("&_i=").nth(1).and_then(|s| s.split('&').next()).unwrap().parse().unwrap();
        assert!(!seen[i], "request {i} recorded twice");
        seen[i] = true;
        let s = rec.sent.as_ref().unwrap_or_else(|| panic!("request {i} recorded without its answer"));
        if kind_of(i) == Kind::Drop {
            assert!(s.dropped && s.status == 0 && s.headers.is_empty(), "request {i}: {s:?}");
        } else {
            assert!(!s.dropped);
            assert_eq!(s.status, 200);
            assert_eq!(s.headers.values("X-I").next(), Some(i.to_string().as_str()));
            assert_eq!(s.headers.values("Content-Length").next(), Some((1 + i.to_string().len()).to_string().as_str()));
            let want = if matches!(kind_of(i), Kind::PostBody | Kind::Chunked) { "POST" } else { "GET" };
            assert_eq!(rec.received.method, want, "request {i}");
        }
    }
    assert!(seen.iter().all(|&x| x));
    // Arrival order is kept across connections: seq increases along the list.
    assert!(recs.windows(2).all(|w| w[0].seq < w[1].seq));
}

/// Connections opened at the same moment on a fresh lab (a browser opens six
/// or more to a host for a burst) are all read and answered, while the
/// earlier ones stay open and idle (keep-alive, preconnects). tiny_http's
/// server answered four (its idle pool threads) and left the rest unread.
#[test]
fn simultaneous_connections_are_all_answered() {
    use std::sync::{Arc, Barrier};
    let l = lab("simultaneous");
    let host = hostport(l.api_url()).to_string();
    let mut kept = Vec::new();
    for round in 0..3 {
        let barrier = Arc::new(Barrier::new(8));
        let clients: Vec<_> = (0..8)
            .map(|k| {
                let host = host.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let mut s = TcpStream::connect(&host).unwrap();
                    // Generous: only there to fail rather than hang.
                    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                    barrier.wait();
                    s.write_all(format!("GET /api/x?tag=sim&_r={round}&_k={k} HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes()).unwrap();
                    let mut r = std::io::BufReader::new(s.try_clone().unwrap());
                    let f = read_framed(&mut r, &format!("round {round}, connection {k}")).expect("an answer");
                    assert_eq!(f.status, 200);
                    // Kept open, idle, by the caller.
                    s
                })
            })
            .collect();
        for c in clients {
            kept.push(c.join().expect("a client failed"));
        }
    }
    assert_eq!(records(l.api_url(), "sim").len(), 24);
    // Also a connection that never sends anything does not hold anything up.
    let _silent = TcpStream::connect(&host).unwrap();
    assert_eq!(get(l.api_url(), "/api/x").status, 200);
    drop(kept);
}

/// HTTP/1.0, `Connection: close`, `Expect`, a request body before the next
/// request: the connection is kept or closed as tiny_http did.
#[test]
fn connection_handling() {
    let l = lab("conn");
    let host = hostport(l.api_url()).to_string();
    // HTTP/1.0 without keep-alive: one answer, then the server closes.
    let raw = raw_bytes(l.api_url(), b"GET /api/x?body=a HTTP/1.0\r\n\r\nGET /api/x?body=b HTTP/1.0\r\n\r\n");
    let text = String::from_utf8_lossy(&raw).to_string();
    assert!(text.starts_with("HTTP/1.0 200 "), "{text}");
    assert!(text.ends_with("\r\n\r\na"), "{text}");
    // Connection: close after two keep-alive requests (pipelined): three answers in order, then close.
    let raw = raw_bytes(
        l.api_url(),
        format!(
            "GET /api/x?body=1 HTTP/1.1\r\nHost: {host}\r\n\r\nPOST /api/x?body=2 HTTP/1.1\r\nHost: {host}\r\nContent-Length: 3\r\n\r\nxyzGET /api/x?body=3 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\nGET /api/x?body=4 HTTP/1.1\r\nHost: {host}\r\n\r\n"
        )
        .as_bytes(),
    );
    let text = String::from_utf8_lossy(&raw).to_string();
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 3, "{text}");
    assert!(text.contains("\r\n\r\n1HTTP/1.1") && text.contains("\r\n\r\n2HTTP/1.1") && text.ends_with("\r\n\r\n3"), "{text}");
    // An Expect other than 100-continue: 417, then close.
    let raw = raw_bytes(l.api_url(), format!("GET /api/x HTTP/1.1\r\nHost: {host}\r\nExpect: tea\r\n\r\n").as_bytes());
    assert!(String::from_utf8_lossy(&raw).starts_with("HTTP/1.1 417 "), "{:?}", String::from_utf8_lossy(&raw));
    // Expect: 100-continue: answered once the body has come (no 100 is sent).
    let raw = raw_bytes(
        l.api_url(),
        format!("PUT /api/x?status=201 HTTP/1.1\r\nHost: {host}\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok").as_bytes(),
    );
    assert!(String::from_utf8_lossy(&raw).starts_with("HTTP/1.1 201 "), "{:?}", String::from_utf8_lossy(&raw));
    // HTTP/2.0 in a request line: 505, the connection goes on.
    let raw = raw_bytes(
        l.api_url(),
        format!("GET /api/x HTTP/2.0\r\nHost: {host}\r\n\r\nGET /api/x?body=after HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    let text = String::from_utf8_lossy(&raw).to_string();
    assert!(text.starts_with("HTTP/1.1 505 "), "{text}");
    assert!(text.ends_with("\r\n\r\nafter"), "{text}");
}
