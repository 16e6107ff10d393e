//! `whycors probe --scan`: a server built with exactly one hole (one
//! allow-list matcher, `whycors::probe::matchers`, each refusing an
//! arbitrary origin) gets exactly that finding, rated by what an attacker
//! gains; correct configurations, public `*` among them, get none.
//!
//! The server here answers the way the lab will once its grammar has
//! `acao-match=KIND:ARG` (docs/probe.md): the request's Origin is reflected
//! in one `Access-Control-Allow-Origin` line when an entry allows it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

mod probe_common;

use probe_common::*;
use std::sync::Arc;
use whycors::probe::matchers;

const PAGE: &str = "https://app.example.com";

/// A server whose allow-list is `specs`; `star`: `Access-Control-Allow-Origin: *` instead.
fn server(specs: &[&str], star: bool, credentials: bool) -> Server {
    let list: Vec<matchers::Matcher> = specs.iter().map(|s| matchers::parse(s).expect("matcher")).collect();
    serve(
        Arc::new(move |r: &Req| {
            let origin = r.header("origin").unwrap_or("").to_string();
            let mut h: Vec<(&str, &str)> = Vec::new();
            if star {
                h.push(("Access-Control-Allow-Origin", "*"));
            } else if matchers::allowed(&list, &origin) {
                h.push(("Access-Control-Allow-Origin", origin.as_str()));
            }
            if credentials {
                h.push(("Access-Control-Allow-Credentials", "true"));
            }
            h.push(("Vary", "Origin"));
            Some(response(200, &h))
        }),
        None,
    )
}

fn scan(s: &Server) -> (Out, serde_json::Value) {
    let out = whycors(&["probe", "--scan", &format!("{}/api/me", s.origin("http")), "--origin", PAGE, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out, v)
}

fn findings(v: &serde_json::Value) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (f["id"].as_str().unwrap_or("").to_string(), f["severity"].as_str().unwrap_or("").to_string()))
        .collect()
}

#[test]
fn each_hole_is_found_and_rated_by_what_an_attacker_gains() {
    // (allow-list, the finding, its severity with credentials)
    let holes: [(&[&str], &str, &str); 7] = [
        // Any origin reflected (every serialized origin but `null` holds a `/`).
        (&["substring:/", "exact:null"], "reflect-any", "severe"),
        (&["exact:https://app.example.com", "exact:null"], "null", "severe"),
        (&["prefix:https://app.example.com"], "prefix", "severe"),
        (&["suffix:example.com"], "suffix", "severe"),
        (&["unescaped-dot:https://app.example.com"], "unescaped-dot", "severe"),
        (&["subdomain:https://example.com"], "subdomain", "moderate"),
        (&["any-scheme:https://app.example.com"], "http-origin", "moderate"),
    ];
    for (specs, id, severe) in holes {
        for credentials in [true, false] {
            let s = server(specs, false, credentials);
            let (out, v) = scan(&s);
            let want = if credentials { severe } else { "low" };
            assert_eq!(findings(&v), [(id.to_string(), want.to_string())], "{specs:?} credentials={credentials}: {out:?}");
            let f = &v["findings"][0];
            assert_eq!(f["credentials"], credentials);
            assert!(f["text"]["id"].as_str().is_some_and(|t| t.starts_with("probe.scan.")), "{f}");
            // The fix: an exact allow-list of the page's origin, with the diagnosis' snippets.
            let snippets = f["fix"]["snippets"].as_array().cloned().unwrap_or_default();
            assert_eq!(snippets.len(), whycors::snippets::SERVERS.len(), "{f}");
            assert!(snippets.iter().all(|x| x["code"].as_str().is_some_and(|c| c.contains(PAGE))), "{snippets:?}");
            assert_eq!(out.code, if want == "low" { 0 } else { 1 }, "{out:?}");
        }
    }
}

#[test]
fn correct_configurations_have_no_finding() {
    for (specs, star, credentials, what) in [
        (vec!["exact:https://app.example.com"], false, true, "an exact allow-list with credentials"),
        (vec!["exact:https://app.example.com", "exact:https://admin.example.com"], false, false, "an exact allow-list of two"),
        (vec![], true, false, "public *"),
        (vec![], true, true, "* with Access-Control-Allow-Credentials: true (browsers refuse credentials with *)"),
    ] {
        let s = server(&specs, star, credentials);
        let (out, v) = scan(&s);
        assert_eq!(findings(&v), Vec::<(String, String)>::new(), "{what}: {out:?}");
        assert_eq!(out.code, 0, "{what}: {out:?}");
        // Every crafted origin was tried: a bounded number of requests.
        let n = s.count();
        assert!((8..=10).contains(&n), "{what}: {n} requests");
    }
    // The text report says so, and why `*` is fine.
    let s = server(&[], true, false);
    let out = whycors(&["probe", "--scan", &format!("{}/api/me", s.origin("http")), "--origin", PAGE]);
    assert!(out.stdout.contains("no finding") && out.stdout.contains("public by design"), "{out:?}");
}

#[test]
fn scan_needs_a_real_origin() {
    let out = whycors(&["probe", "--scan", "http://127.0.0.1:9/x", "--origin", "null"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("real origin"), "{out:?}");
}

/// The same holes from `whycors lab`, through its `acao-match` parameter.
#[test]
fn the_lab_serves_each_hole() {
    let lab = Lab::start();
    let cases: [(&[&str], &str, bool); 5] = [
        (&["exact:https://app.example.com", "exact:null"], "null", true),
        (&["suffix:example.com"], "suffix", true),
        (&["subdomain:https://example.com"], "subdomain", true),
        (&["any-scheme:https://app.example.com"], "http-origin", false),
        (&["exact:https://app.example.com"], "", true),
    ];
    for (specs, id, credentials) in cases {
        let mut q: Vec<String> = specs
            .iter()
            .map(|m| format!("acao-match={}", url::form_urlencoded::byte_serialize(m.as_bytes()).collect::<String>()))
            .collect();
        if credentials {
            q.push("acac=true".into());
        }
        q.push("vary=Origin".into());
        let url = format!("{}/api/me?{}", lab.api, q.join("&"));
        let out = whycors(&["probe", "--scan", &url, "--origin", PAGE, "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or(serde_json::Value::Null);
        let got: Vec<String> = findings(&v).into_iter().map(|(i, _)| i).collect();
        let want: Vec<String> = if id.is_empty() { vec![] } else { vec![id.to_string()] };
        assert_eq!(got, want, "{url}: {out:?}");
        // The baseline (the page's own origin) is allowed.
        assert!(v["baseline"]["reflected"] == true, "{url}: {}", v["baseline"]);
    }
    // A bad entry is the lab's 400, not a crash.
    let out = whycors(&["probe", &format!("{}/api/me?acao-match=nope:x", lab.api), "--origin", PAGE]);
    assert!(out.stdout.contains("< HTTP/1.1 400"), "{out:?}");
}
