//! `whycors probe` on the wire: HTTPS with a certificate made at test time
//! (`--cacert`), HTTP/2 through ALPN against Caddy (asserted: no fall back
//! to HTTP/1.1), the HTTP/2 facts measured in both browsers, bad input
//! (exit 2 with a clear message), bounds on requests, secrets and cookies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

mod probe_common;

use probe_common::*;
use std::sync::Arc;

const PAGE: &str = "https://app.example";

fn run(args: &[&str]) -> Out {
    let mut a = vec!["probe"];
    a.extend_from_slice(args);
    whycors(&a)
}

// ------------------------------------------------------------- bad input

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let refused = format!("http://127.0.0.1:{closed}/x");
    let certs = certs();
    let tls = serve(Arc::new(|_r: &Req| Some(response(200, &[("Access-Control-Allow-Origin", "*")]))), Some(tls_server(&certs, &[b"http/1.1"])));
    // A plain HTTP server that answers at once, whatever arrives (a TLS ClientHello too).
    let plain = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let plain_port = plain.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for c in plain.incoming().flatten() {
            let mut c = c;
            let _ = std::io::Write::write_all(&mut c, b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let tls_url = format!("https://127.0.0.1:{}/x", tls.port);
    let https_on_plain = format!("https://127.0.0.1:{plain_port}/x");
    let missing_ca = certs.dir.join("missing.pem");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["not a url", "--origin", PAGE], "is not a URL"),
        (vec!["ftp://a.example/", "--origin", PAGE], "only http:// and https://"),
        (vec!["https://u:p@a.example/", "--origin", PAGE], "includes credentials"),
        (vec!["https://a.example/", "--origin", "app.example"], "is not an origin"),
        (vec!["https://a.example/", "--origin", PAGE, "-H", "NoColon"], "expected 'Name: value'"),
        (vec!["https://a.example/", "--origin", PAGE, "-H", "Bad Name: v"], "not a valid header name"),
        (vec!["https://a.example/", "--origin", PAGE, "-H", "Origin: https://x.example"], "with --origin"),
        (vec!["https://a.example/", "--origin", PAGE, "-H", "Cookie: a=1"], "needs --credentials include"),
        (vec!["https://a.example/", "--origin", PAGE, "--method", "TRACE"], "refuses CONNECT, TRACE and TRACK"),
        (vec!["https://a.example/", "--origin", PAGE, "--body-type", "text"], "refuses a body on GET"),
        (vec!["https://a.example/", "--origin", PAGE, "--max-redirects", "21"], "at most 20"),
        (vec!["https://a.example/", "--origin", PAGE, "--timeout", "0"], "--timeout"),
        (vec!["http://whycors-probe-test.invalid/", "--origin", PAGE], "cannot resolve host"),
        (vec![refused.as_str(), "--origin", PAGE], "connection refused"),
        (vec![tls_url.as_str(), "--origin", PAGE], "TLS handshake failed"),
        (vec![https_on_plain.as_str(), "--origin", PAGE, "--insecure"], "TLS handshake failed"),
        (vec![tls_url.as_str(), "--origin", PAGE, "--cacert", path_str(&missing_ca)], "--cacert"),
    ];
    for (args, needle) in cases {
        let out = run(&args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.stderr.contains(needle), "{args:?}: expected {needle:?} in the message: {out:?}");
        assert!(!out.stderr.contains("panicked"), "{out:?}");
    }
    // The untrusted certificate: the message says what to do.
    let out = run(&[tls_url.as_str(), "--origin", PAGE]);
    assert!(out.stderr.contains("--cacert"), "{out:?}");
}

#[test]
fn a_redirect_loop_exits_2() {
    // Every URL answers with a redirect to itself (`Location: #again`).
    let s = serve(Arc::new(|_r: &Req| Some(response(302, &[("Location", "#again"), ("Access-Control-Allow-Origin", "*")]))), None);
    let out = run(&[&format!("{}/loop", s.origin("http")), "--origin", PAGE]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("redirect loop"), "{out:?}");
    // The first request, then the loop is seen before the same request goes again.
    assert_eq!(s.count(), 1, "{:?}", s.requests());
    // A two-URL loop.
    let s = serve(
        Arc::new(|r: &Req| {
            let to = if r.target.starts_with("/a") { "/b" } else { "/a" };
            Some(response(307, &[("Location", to), ("Access-Control-Allow-Origin", "*")]))
        }),
        None,
    );
    let out = run(&[&format!("{}/a", s.origin("http")), "--origin", PAGE]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("redirect loop"), "{out:?}");
    assert_eq!(s.count(), 2);
}

// ------------------------------------------------------------- bounds

/// `/r/N` redirects to `/r/N+1` (a chain with no end, no loop).
fn chain() -> Server {
    serve(
        Arc::new(|r: &Req| {
            if r.method == "OPTIONS" {
                return Some(response(204, &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "PUT")]));
            }
            let n: u32 = r.target.trim_start_matches("/r/").parse().unwrap_or(0);
            let next = format!("/r/{}", n + 1);
            Some(response(307, &[("Location", next.as_str()), ("Access-Control-Allow-Origin", "*")]))
        }),
        None,
    )
}

#[test]
fn requests_are_bounded_in_count() {
    // The browsers follow 20 redirects; the 21st is a network error (exit 1):
    // 21 requests, sent once for both browsers (their bytes are the same).
    let s = chain();
    let out = run(&[&format!("{}/r/0", s.origin("http")), "--origin", PAGE]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(s.count(), 21);
    assert!(out.stdout.contains("21 requests sent"), "{out:?}");
    assert!(out.stdout.contains("net::ERR_TOO_MANY_REDIRECTS") || out.stdout.contains("network error"), "{out:?}");

    // A preflighted request: a preflight and a request per URL.
    let s = chain();
    let out = run(&[&format!("{}/r/0", s.origin("http")), "--origin", PAGE, "--method", "PUT", "--max-redirects", "3"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--max-redirects 3"), "{out:?}");
    assert_eq!(s.count(), 8, "{:?}", s.requests().iter().map(|r| format!("{} {}", r.method, r.target)).collect::<Vec<_>>());
    let methods: Vec<String> = s.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["OPTIONS", "PUT"].repeat(4));

    // --max-redirects 0: the first answer only.
    let s = chain();
    let out = run(&[&format!("{}/r/0", s.origin("http")), "--origin", PAGE, "--max-redirects", "0"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(s.count(), 1);
}

#[test]
fn requests_are_bounded_in_time() {
    // A server that never answers: the probe gives up after --timeout.
    let s = serve(
        Arc::new(|_r: &Req| {
            std::thread::sleep(std::time::Duration::from_secs(4));
            None
        }),
        None,
    );
    let out = run(&[&format!("{}/slow", s.origin("http")), "--origin", PAGE, "--timeout", "0.5"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("no response within 0.5 s"), "{out:?}");
    assert_eq!(s.count(), 1, "one request: the other browser's identical request is not sent again");
}

#[test]
fn network_errors_are_the_browsers_and_exit_1() {
    // The server closes without a byte: a network error in both browsers.
    let s = serve(Arc::new(|_r: &Req| None), None);
    let out = run(&[&format!("{}/drop", s.origin("http")), "--origin", PAGE, "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let d: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let verdicts: Vec<(String, String)> = d
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|x| x["browsers"].as_array().cloned().unwrap_or_default())
        .map(|b| (b["browser"].as_str().unwrap_or("").to_string(), b["verdict"].as_str().unwrap_or("").to_string()))
        .collect();
    assert!(verdicts.contains(&("chromium".into(), "network-error".into())), "{verdicts:?}");
    // Garbage instead of HTTP.
    let s = serve(Arc::new(|_r: &Req| Some(b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec())), None);
    let out = run(&[&format!("{}/x", s.origin("http")), "--origin", PAGE]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("net::ERR_INVALID_HTTP_RESPONSE"), "{out:?}");
}

// ------------------------------------------------------------- secrets

#[test]
fn secrets_are_redacted_and_cookies_stay_with_their_origin() {
    // Reflects the Origin it gets (`null` after the cross-origin redirect).
    let other = serve(
        Arc::new(|r: &Req| {
            let origin = r.header("origin").unwrap_or("").to_string();
            let h = [
                ("Access-Control-Allow-Origin", origin.as_str()),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Headers", "x-api-key"),
            ];
            Some(response(if r.method == "OPTIONS" { 204 } else { 200 }, &h))
        }),
        None,
    );
    let to = format!("{}/end", other.origin("http"));
    let first = serve(
        Arc::new(move |r: &Req| {
            if r.method == "OPTIONS" {
                return Some(response(
                    204,
                    &[("Access-Control-Allow-Origin", PAGE), ("Access-Control-Allow-Credentials", "true"), ("Access-Control-Allow-Headers", "authorization, x-api-key")],
                ));
            }
            Some(response(307, &[("Location", to.as_str()), ("Access-Control-Allow-Origin", PAGE), ("Access-Control-Allow-Credentials", "true")]))
        }),
        None,
    );
    let rec = temp_dir("record").join("rec.json");
    let url = format!("{}/start?access_token=tok123&page=2", first.origin("http"));
    let args = [
        url.as_str(), "--origin", PAGE, "--credentials", "include",
        "-H", "Authorization: Bearer s3cret-value", "-H", "X-Api-Key: k3y-value", "-H", "Cookie: sid=c00kie",
        "--record", path_str(&rec),
    ];
    let out = run(&args);
    let record = std::fs::read_to_string(&rec).expect("record");
    for secret in ["s3cret-value", "k3y-value", "c00kie", "tok123"] {
        assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret), "{secret} shown: {out:?}");
        assert!(!record.contains(secret), "{secret} recorded: {record}");
    }
    assert!(out.stdout.contains("Bearer <redacted>"), "{out:?}");
    // What was sent: the preflight carries no credential; the request to the
    // first origin carries them all; the other origin gets no cookie and no
    // Authorization (removed by the cross-origin redirect).
    let reqs = first.requests();
    let pf = reqs.iter().find(|r| r.method == "OPTIONS").expect("preflight");
    assert!(pf.header("cookie").is_none() && pf.header("authorization").is_none(), "{pf:?}");
    let get = reqs.iter().find(|r| r.method == "GET").expect("request");
    assert_eq!(get.header("cookie"), Some("sid=c00kie"));
    assert_eq!(get.header("authorization"), Some("Bearer s3cret-value"));
    let at_other = other.requests();
    // X-Api-Key is still CORS-unsafe: preflighted again at the target, with
    // `Origin: null` by Chromium, the page's origin by Firefox; the request
    // itself (`Origin: null` in both) is the same bytes, sent once.
    let seen: Vec<(&str, Option<&str>, Option<&str>)> =
        at_other.iter().map(|r| (r.method.as_str(), r.header("origin"), r.header("access-control-request-headers"))).collect();
    assert_eq!(seen, [("OPTIONS", Some("null"), Some("x-api-key")), ("GET", Some("null"), None), ("OPTIONS", Some(PAGE), Some("x-api-key"))]);
    for r in &at_other {
        assert!(r.header("cookie").is_none() && r.header("authorization").is_none(), "{r:?}");
    }
    assert_eq!(at_other.get(1).and_then(|r| r.header("x-api-key")), Some("k3y-value"), "only Authorization goes on a cross-origin redirect");
    // (The verdict is not asserted here: the engine on main still asks the
    // target's preflight for the Authorization the redirect removed; see
    // KNOWN_ENGINE_GAPS in tests/probe.rs.)
    // --show-secrets shows them.
    let mut shown = args.to_vec();
    shown.push("--show-secrets");
    let out = run(&shown);
    assert!(out.stdout.contains("s3cret-value") && out.stdout.contains("c00kie") && out.stdout.contains("tok123"), "{out:?}");
}

// ------------------------------------------------------------- HTTPS

#[test]
fn https_with_a_certificate_made_at_test_time() {
    let certs = certs();
    let s = serve(
        Arc::new(|_r: &Req| Some(response(200, &[("Access-Control-Allow-Origin", PAGE)]))),
        Some(tls_server(&certs, &[b"http/1.1"])),
    );
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("https://{host}:{}/x", s.port);
        let out = run(&[url.as_str(), "--origin", PAGE, "--cacert", path_str(&certs.ca_pem)]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stdout.contains("< HTTP/1.1 200  (TLS, ALPN http/1.1)"), "{out:?}");
        assert!(out.stdout.contains(&format!("--cacert {}", path_str(&certs.ca_pem))), "the curl line repeats --cacert: {out:?}");
    }
    // --insecure needs no CA.
    let out = run(&[&format!("https://127.0.0.1:{}/x", s.port), "--origin", PAGE, "--insecure"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("curl -i -k "), "{out:?}");
}

// ------------------------------------------------------------- HTTP/2

/// Caddy (TLS with the test certificate) serving routes on an h1+h2 port
/// and on an h1-only port.
struct Caddy {
    child: std::process::Child,
    h2: u16,
    h1: u16,
}

impl Drop for Caddy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port")
}

fn caddy(certs: &Certs, routes: &[(&str, &[(&str, &str)])]) -> Caddy {
    let bin = require_tool("caddy");
    let (h2, h1) = (free_port(), free_port());
    let mut site = String::new();
    for (name, headers) in routes {
        site.push_str(&format!("  route /{name} {{\n"));
        for (n, v) in *headers {
            site.push_str(&format!("    header {n} \"{v}\"\n"));
        }
        site.push_str("    respond \"ok\" 200\n  }\n");
    }
    let file = format!(
        "{{\n  admin off\n  auto_https off\n  servers :{h1} {{\n    protocols h1\n  }}\n  servers :{h2} {{\n    protocols h1 h2\n  }}\n}}\nhttps://127.0.0.1:{h2}, https://127.0.0.1:{h1} {{\n  tls {} {}\n{site}}}\n",
        path_str(&certs.cert_pem),
        path_str(&certs.key_pem)
    );
    let dir = certs.dir.clone();
    std::fs::write(dir.join("Caddyfile"), file).expect("Caddyfile");
    let child = std::process::Command::new(bin)
        .args(["run", "--config", path_str(&dir.join("Caddyfile")), "--adapter", "caddyfile"])
        .env("HOME", &dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start caddy");
    let c = Caddy { child, h2, h1 };
    for port in [h2, h1] {
        let mut up = false;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                up = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(up, "caddy did not listen on {port}");
    }
    c
}

/// Measured with Chromium 156.0.8078.114 and Firefox ESR 153.8.0 against
/// Caddy 2.6.2 serving the same routes over HTTP/2 (ALPN h2, header names
/// lower case on the wire) and HTTP/1.1 (Go writes `Access-Control-Allow-Origin`):
/// (route, protocol, Chromium's CorsError, Firefox's key). Recipe: docs/probe.md.
const MEASURED: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    ("one", "h2", None, None),
    ("two-same", "h2", Some("MultipleAllowOriginValues"), Some("CORSAllowOriginNotMatchingOrigin")),
    ("two-diff", "h2", Some("MultipleAllowOriginValues"), Some("CORSAllowOriginNotMatchingOrigin")),
    ("star-star", "h2", Some("MultipleAllowOriginValues"), Some("CORSAllowOriginNotMatchingOrigin")),
    ("one-line-comma", "h2", Some("MultipleAllowOriginValues"), Some("CORSAllowOriginNotMatchingOrigin")),
    ("one", "h1", None, None),
    ("two-same", "h1", Some("MultipleAllowOriginValues"), Some("CORSMultipleAllowOriginNotAllowed")),
    ("two-diff", "h1", Some("MultipleAllowOriginValues"), Some("CORSMultipleAllowOriginNotAllowed")),
    ("star-star", "h1", Some("MultipleAllowOriginValues"), Some("CORSMultipleAllowOriginNotAllowed")),
    ("one-line-comma", "h1", Some("MultipleAllowOriginValues"), Some("CORSAllowOriginNotMatchingOrigin")),
    // Credentialed.
    ("acac-two", "h2", Some("InvalidAllowCredentials"), Some("CORSMissingAllowCredentials")),
    ("acac-one", "h2", None, None),
    ("acac-two", "h1", Some("InvalidAllowCredentials"), Some("CORSMissingAllowCredentials")),
    ("acac-one", "h1", None, None),
];

#[test]
fn http2_through_alpn_as_the_browsers_measured() {
    let certs = certs();
    let ex = "http://example.com";
    let routes: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("one", vec![("Access-Control-Allow-Origin", PAGE)]),
        ("two-same", vec![("+Access-Control-Allow-Origin", PAGE), ("+Access-Control-Allow-Origin", PAGE)]),
        ("two-diff", vec![("+Access-Control-Allow-Origin", PAGE), ("+Access-Control-Allow-Origin", ex)]),
        ("star-star", vec![("+Access-Control-Allow-Origin", "*"), ("+Access-Control-Allow-Origin", "*")]),
        ("one-line-comma", vec![("Access-Control-Allow-Origin", "https://app.example, http://example.com")]),
        ("acac-two", vec![("Access-Control-Allow-Origin", PAGE), ("+Access-Control-Allow-Credentials", "true"), ("+Access-Control-Allow-Credentials", "true")]),
        ("acac-one", vec![("Access-Control-Allow-Origin", PAGE), ("Access-Control-Allow-Credentials", "true")]),
    ];
    let borrowed: Vec<(&str, &[(&str, &str)])> = routes.iter().map(|(n, h)| (*n, h.as_slice())).collect();
    let c = caddy(&certs, &borrowed);
    let ca = path_str(&certs.ca_pem).to_string();

    // ALPN negotiated h2, through the library: no silent fall back.
    let args = whycors::probe::ProbeArgs {
        url: format!("https://127.0.0.1:{}/one", c.h2),
        origin: PAGE.into(),
        cacert: Some(certs.ca_pem.clone()),
        credentials: "omit".into(),
        browser: "both".into(),
        ..Default::default()
    };
    let Ok(whycors::probe::Run::Probe(p)) = whycors::probe::execute(&args) else { panic!("probe failed") };
    let first = p.walks.first().and_then(|w| w.sent.first()).expect("a request");
    let resp = first.outcome.as_ref().expect("a response");
    assert_eq!(resp.alpn.as_deref(), Some("h2"));
    assert_eq!(resp.version, whycors::probe::net::HttpVersion::Http2);
    assert!(resp.headers.iter().any(|h| h.name == "access-control-allow-origin"), "HTTP/2 names are lower case: {:?}", resp.headers);

    let mut checked = 0;
    for (route, proto, chromium, firefox) in MEASURED {
        let port = if *proto == "h2" { c.h2 } else { c.h1 };
        for (browser, want) in [("chromium", chromium), ("firefox", firefox)] {
            let url = format!("https://127.0.0.1:{port}/{route}");
            let cred = if route.starts_with("acac") { "include" } else { "omit" };
            let out = run(&[url.as_str(), "--origin", PAGE, "--cacert", &ca, "--browser", browser, "--credentials", cred, "--json"]);
            let wire = if *proto == "h2" { "(TLS, ALPN h2)" } else { "(TLS, ALPN http/1.1)" };
            assert!(out.stderr.contains(wire), "{route} {proto}: {out:?}");
            let d: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
            let b = d[0]["browsers"].as_array().and_then(|bs| bs.iter().find(|b| b["browser"] == browser).cloned()).expect("browser");
            assert_eq!(b["name"].as_str(), *want, "{route} over {proto} in {browser}: {b}");
            assert_eq!(out.code, if want.is_some() { 1 } else { 0 }, "{out:?}");
            checked += 1;
        }
    }
    println!("HTTP/2 and HTTP/1.1 through Caddy: {checked} probe verdicts match the browsers' measured names");
}
