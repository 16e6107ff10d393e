//! Cases from the Web Platform Tests (web-platform-tests/wpt, BSD-3-Clause),
//! turned into data by `tests/data/wpt/make_wpt_data.py`; each file names
//! its source file, commit and licence.
//!
//! - `kind: "evaluate"` files hold exchanges with an expected outcome; each
//!   runs through `whycors::check::evaluate` for both browsers, with the
//!   case's credentials assumption. `fail` must come out Blocked (at the
//!   stage named, where one is), `pass` Allowed.
//! - `kind: "safelist"` files hold request-header lists; a preflight is
//!   needed exactly when `fetch::safelist::unsafe_request_header_names` is
//!   non-empty (the method is safelisted in these tables).
//!
//! `expect` is the browsers' truth; it equals WPT's `wpt` except where a
//! case carries `departure` (with its source). Every case also carries what
//! the installed Chromium 156 and Firefox ESR 153 did (`measured`, written by
//! `measure_evaluate.mjs` / `measure_safelist.mjs`; five origin cases with a
//! NUL byte could not be served and say so). Every mismatch is collected and
//! reported together.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use serde::Deserialize;
use std::path::PathBuf;
use whycors::diagnosis::{Stage, Verdict};
use whycors::exchange::{Browser, Header};

#[derive(Deserialize)]
struct Source {
    repo: String,
    path: String,
    licence: String,
}

#[derive(Deserialize)]
struct File {
    title: String,
    source: Source,
    kind: String,
    cases: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct EvalCase {
    name: String,
    credentialed: bool,
    wpt: String,
    expect: String,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    departure: Option<String>,
    /// Exchange JSON (the first format: read, and upgraded, as any input).
    exchange: serde_json::Value,
}

#[derive(Deserialize)]
struct Preflight {
    preflight: bool,
}

#[derive(Deserialize)]
struct SafelistCase {
    name: String,
    method: String,
    headers: Vec<Header>,
    wpt: Preflight,
    expect: Preflight,
    #[serde(default)]
    departure: Option<String>,
}

fn files() -> Vec<(PathBuf, File)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/wpt");
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/wpt exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        // measured-*.json: raw browser measurements, read by the generator.
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).unwrap_or("").starts_with("measured"))
        .collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).expect("readable");
        let f: File = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        out.push((p, f));
    }
    out
}

fn stage_name(s: Stage) -> &'static str {
    match s {
        Stage::Request => "request",
        Stage::Preflight => "preflight",
        Stage::Redirect => "redirect",
        Stage::Actual => "actual",
    }
}

#[test]
fn every_file_has_attribution() {
    let fs = files();
    assert!(fs.len() >= 6, "expected the six WPT data files, found {}", fs.len());
    for (p, f) in &fs {
        assert_eq!(f.source.repo, "web-platform-tests/wpt", "{}", p.display());
        assert_eq!(f.source.licence, "BSD-3-Clause", "{}", p.display());
        assert!(!f.source.path.is_empty() && !f.title.is_empty(), "{}", p.display());
        assert!(!f.cases.is_empty(), "{}", p.display());
    }
}

#[test]
fn departures_are_cited() {
    for (p, f) in files() {
        for c in &f.cases {
            let wpt = &c["wpt"];
            let expect = &c["expect"];
            if wpt != expect {
                let dep = c["departure"].as_str().unwrap_or("");
                assert!(dep.len() > 20, "{}: case {} differs from WPT without a cited departure", p.display(), c["name"]);
            }
        }
    }
}

#[test]
fn expectations_agree_with_the_measurements() {
    let mut measured = 0;
    for (p, f) in files() {
        for c in &f.cases {
            for b in ["chromium", "firefox"] {
                let m = &c["measured"][b];
                if m.is_null() {
                    continue;
                }
                measured += 1;
                let want = c["browsers"][b]["preflight"].as_bool().or(c["expect"]["preflight"].as_bool());
                if let Some(o) = m["outcome"].as_str() {
                    assert_eq!(Some(o), c["expect"].as_str(), "{}: {} [{b}]", p.display(), c["name"]);
                } else if let Some(pf) = m["preflight"].as_bool() {
                    assert_eq!(Some(pf), want, "{}: {} [{b}]", p.display(), c["name"]);
                }
            }
        }
    }
    assert!(measured > 400, "only {measured} measured outcomes");
}

#[test]
fn evaluate_cases_match_both_browsers() {
    let mut failures = Vec::new();
    let mut total = 0;
    for (p, f) in files() {
        if f.kind != "evaluate" {
            continue;
        }
        let file = p.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
        for raw in &f.cases {
            let c: EvalCase = serde_json::from_value(raw.clone()).unwrap_or_else(|e| panic!("{file}: {e}: {raw}"));
            let _ = (&c.wpt, &c.departure);
            let exchange = whycors::input::exchange_from_str(&c.exchange.to_string())
                .unwrap_or_else(|e| panic!("{file}: {}: {e}", c.name));
            for b in Browser::ALL {
                total += 1;
                let out = whycors::check::evaluate(&exchange, b, c.credentialed);
                let got = match out.verdict {
                    Verdict::Allowed => "pass",
                    Verdict::Blocked => "fail",
                    _ => "other",
                };
                if got != c.expect {
                    failures.push(format!(
                        "{file} [{}] {}: expected {}, got {:?} ({:?})",
                        b.as_str(),
                        c.name,
                        c.expect,
                        out.verdict,
                        out.failure.as_ref().map(|f| f.reason)
                    ));
                    continue;
                }
                if let (Some(want), Some(fail)) = (&c.stage, &out.failure) {
                    let at = stage_name(fail.evidence.stage);
                    if at != want {
                        failures.push(format!(
                            "{file} [{}] {}: blocked at {at}, expected at {want} ({})",
                            b.as_str(),
                            c.name,
                            fail.reason
                        ));
                    }
                }
            }
        }
    }
    println!("{total} WPT evaluations, {} mismatches", failures.len());
    assert!(failures.is_empty(), "{} of {total} WPT evaluations disagree:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn safelist_cases_match_both_browsers() {
    let mut failures = Vec::new();
    let mut total = 0;
    for (p, f) in files() {
        if f.kind != "safelist" {
            continue;
        }
        let file = p.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
        for raw in &f.cases {
            let c: SafelistCase = serde_json::from_value(raw.clone()).unwrap_or_else(|e| panic!("{file}: {e}: {raw}"));
            let _ = (&c.wpt, &c.departure);
            assert!(whycors::fetch::safelist::is_safelisted_method(&c.method), "{file}: {}", c.name);
            for b in Browser::ALL {
                total += 1;
                let unsafe_names = whycors::fetch::safelist::unsafe_request_header_names(&c.headers, b);
                let needs = !unsafe_names.is_empty();
                // Where the browsers differ, `browsers.<name>.preflight` holds each one's truth.
                let want = raw["browsers"][b.as_str()]["preflight"].as_bool().unwrap_or(c.expect.preflight);
                if needs != want {
                    failures.push(format!(
                        "{file} [{}] {}: expected preflight {}, unsafe names {:?}",
                        b.as_str(),
                        c.name,
                        want,
                        unsafe_names
                    ));
                }
            }
        }
    }
    println!("{total} WPT safelist checks, {} mismatches", failures.len());
    assert!(failures.is_empty(), "{} of {total} WPT safelist checks disagree:\n{}", failures.len(), failures.join("\n"));
}
