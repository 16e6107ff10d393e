//! Stack detection, the stack-specific hints and the hints from neighbouring
//! requests (issue 9), natively, over exchanges the real-server suite
//! captured: `tests/data/servers/exchanges.json` holds what the extension
//! stored for the blocked configurations of `tests/servers/` in Chromium and
//! Firefox (each with the requests the page made to the same server first),
//! copied from `target/servers/exchanges.json` of a `./build.sh
//! test-servers` run (recorded, not written by hand). What each case must
//! produce comes from `tests/servers/cases.json` (measured there) and from
//! `tests/servers/expected-to-fail.json` (what the engine does not do yet).
//!
//!   cargo test --test servers_engine
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use serde_json::Value;
use std::collections::BTreeMap;
use whycors::report::diagnose::Options;
use whycors::report::diagnosis::Diagnosis;
use whycors::report::neighbours::diagnose_in_context;
use whycors::report::snippets::SERVERS;
use whycors::Exchange;
use whycors::Browser;

fn read(rel: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

struct Case {
    stack: String,
    id: String,
    snippet: String,
    def: Value,
}

fn cases() -> Vec<Case> {
    let d = read("tests/servers/cases.json");
    let mut out = Vec::new();
    for (stack, s) in d["stacks"].as_object().expect("stacks") {
        for c in s["cases"].as_array().expect("cases") {
            out.push(Case {
                stack: stack.clone(),
                id: c["id"].as_str().expect("id").to_string(),
                snippet: s["snippet"].as_str().expect("snippet").to_string(),
                def: c.clone(),
            });
        }
    }
    out
}

/// Whether expected-to-fail.json lists this check (in this browser).
fn listed(stack: &str, id: &str, check: &str, browser: &str) -> bool {
    let x = read("tests/servers/expected-to-fail.json");
    x["items"].as_array().expect("items").iter().any(|i| {
        i["stack"] == stack && i["case"] == id && i["check"] == check && (i["browser"].is_null() || i["browser"] == browser)
    })
}

fn browser(b: &str) -> Browser {
    if b == "firefox" { Browser::Firefox } else { Browser::Chromium }
}

fn recorded() -> BTreeMap<String, BTreeMap<String, (Exchange, Vec<Exchange>)>> {
    let d = read("tests/data/servers/exchanges.json");
    let mut out = BTreeMap::new();
    for (k, per) in d["cases"].as_object().expect("cases") {
        let mut m = BTreeMap::new();
        for (b, v) in per.as_object().expect("browsers") {
            let ex: Exchange = serde_json::from_value(v["exchange"].clone()).unwrap_or_else(|e| panic!("{k} {b}: {e}"));
            let near: Vec<Exchange> = v["neighbours"].as_array().map(|a| a.iter().map(|n| serde_json::from_value(n.clone()).expect("neighbour")).collect()).unwrap_or_default();
            m.insert(b.clone(), (ex, near));
        }
        out.insert(k.clone(), m);
    }
    out
}

fn hint_ids(d: &Diagnosis) -> Vec<&str> {
    d.hints.iter().map(|h| h.id.as_str()).collect()
}

#[test]
fn every_blocked_case_of_the_suite_is_recorded_here() {
    let rec = recorded();
    for c in cases().iter().filter(|c| c.def["class"] == "blocked") {
        let k = format!("{}/{}", c.stack, c.id);
        let per = rec.get(&k).unwrap_or_else(|| panic!("{k}: not in tests/data/servers/exchanges.json"));
        assert!(per.contains_key("chromium") && per.contains_key("firefox"), "{k}: both browsers");
    }
}

#[test]
fn the_stack_that_answered_comes_first_and_the_hints_name_the_layer() {
    let rec = recorded();
    let mut failures = Vec::new();
    let mut checked = 0;
    for c in cases().iter().filter(|c| c.def["class"] == "blocked") {
        let k = format!("{}/{}", c.stack, c.id);
        let Some(per) = rec.get(&k) else { continue };
        for (b, (ex, near)) in per {
            let opts = Options { browser: Some(browser(b)), ..Options::default() };
            let d = diagnose_in_context(ex, &opts, near);
            let mine = d.browsers.iter().find(|x| x.browser == browser(b)).expect("browser");
            let want = c.def["browsers"][b.as_str()].as_str().unwrap_or("");
            let mut check = |name: &str, ok: bool, detail: String| {
                checked += 1;
                let xfail = listed(&c.stack, &c.id, name, b);
                if ok == xfail {
                    failures.push(format!("{k} {b} {name}: {} ({detail})", if ok { "passes but is listed in expected-to-fail.json" } else { "fails" }));
                }
            };
            check("named-first", mine.name.as_deref() == Some(want), format!("first answer {:?}, the browser said {want}", mine.name));
            let first = d.fix.as_ref().and_then(|f| f.snippets.first()).map(|s| s.server.clone()).unwrap_or_default();
            check("first-snippet", first == c.snippet, format!("first snippet {first}, stack {}", c.snippet));
            if first == c.snippet {
                let why = d.fix.as_ref().and_then(|f| f.stack.as_ref()).map(|s| s.why.text.clone()).unwrap_or_default();
                assert!(!why.is_empty(), "{k} {b}: the stack comes first and a sentence says why");
            }
            let ids = hint_ids(&d);
            let hints: Vec<&str> = match &c.def["hint"] {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if !hints.is_empty() {
                check("hint", ids.iter().any(|h| hints.contains(h)), format!("want {hints:?}, got {ids:?}"));
            }
            if let Some(n) = c.def["neighbourHint"].as_str() {
                check("neighbour-hint", ids.contains(&n), format!("want {n}, got {ids:?}"));
            }
            if let Some(words) = c.def["hintNames"].as_array() {
                let words: Vec<&str> = words.iter().filter_map(Value::as_str).collect();
                let ok = d.hints.iter().any(|h| words.iter().all(|w| h.text.text.contains(w)));
                check("hint-names-layers", ok, format!("a hint naming {words:?}"));
            }
            let has = d.fix.as_ref().is_some_and(|f| f.snippets.iter().any(|s| s.server == c.snippet));
            check("snippet", has, format!("a {} snippet", c.snippet));
        }
    }
    assert!(checked > 100, "only {checked} checks ran");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_neighbour_hints_need_the_neighbours() {
    // Without the other requests the comparison cannot be made: the hint is
    // the neighbours' doing, not the status alone.
    let rec = recorded();
    for c in cases().iter().filter(|c| c.def["neighbourHint"].is_string()) {
        let k = format!("{}/{}", c.stack, c.id);
        let Some(per) = rec.get(&k) else { continue };
        for (b, (ex, near)) in per {
            assert!(!near.is_empty(), "{k} {b}: the page's earlier request to the same server is recorded");
            let opts = Options { browser: Some(browser(b)), ..Options::default() };
            let alone = diagnose_in_context(ex, &opts, &[]);
            assert!(!hint_ids(&alone).contains(&"error-path-skips-cors"), "{k} {b}: alone");
        }
    }
}

#[test]
fn every_snippet_says_what_it_was_verified_against() {
    let d = read("tests/servers/cases.json");
    let not_here: Vec<String> = d["notVerifiedHere"].as_object().expect("notVerifiedHere").keys().cloned().collect();
    let rec = recorded();
    let (ex, _) = rec.get("go/default-methods").and_then(|p| p.get("chromium")).expect("go/default-methods");
    let diag = whycors::report::diagnose::diagnose(ex, &Options::default());
    let snippets = &diag.fix.as_ref().expect("a fix").snippets;
    assert_eq!(snippets.len(), SERVERS.len());
    for s in snippets {
        let v = s.verified.as_ref().unwrap_or_else(|| panic!("{}: no verified", s.server));
        if not_here.contains(&s.server) {
            assert_eq!(v.id, "snippet.not-verified", "{}", s.server);
            assert!(v.text.contains("Not verified against a running server here"), "{}", v.text);
        } else {
            assert_eq!(v.id, "snippet.verified", "{}", s.server);
        }
    }
}

/// The numbers in a version string ("nginx/1.22.1" -> ["1.22.1"]).
fn numbers(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|t| t.trim_matches('.'))
        .filter(|t| t.contains('.') && t.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_versions_shown_are_the_versions_the_suite_ran() {
    // Each template's `verified:` line names exactly the versions the suite
    // recorded for its stack (tests/servers/recorded/<stack>.json `version`,
    // written by a run of ./build.sh test-servers).
    let d = read("tests/servers/cases.json");
    for (stack, s) in d["stacks"].as_object().expect("stacks") {
        let server = s["snippet"].as_str().expect("snippet");
        let file = if server == "go-rs-cors" { "go" } else { server };
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("src/report/snippets/{file}.tmpl"));
        let tmpl = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let line = tmpl.lines().find_map(|l| l.strip_prefix("verified:")).unwrap_or_else(|| panic!("{file}.tmpl: no verified line"));
        let ran = read(&format!("tests/servers/recorded/{stack}.json"))["version"].as_str().expect("version").to_string();
        let (shown, measured) = (numbers(line), numbers(&ran));
        assert!(!shown.is_empty(), "{file}.tmpl: {line}");
        for v in &shown {
            assert!(measured.iter().any(|m| m == v || m.starts_with(&format!("{v}-")) || m == &format!("{v}.0")), "{file}.tmpl says {v}; the suite ran {ran}");
        }
        assert_eq!(shown.len(), measured.len(), "{file}.tmpl names every version the suite ran ({ran}): {line}");
    }
}

#[test]
fn passing_requests_security_findings_as_measured() {
    // The happy paths stay free of security findings; a server that echoes
    // any origin with credentials (measured over HTTP by the suite) gets the
    // finding cases.json names, with the allow-list snippet, unless
    // expected-to-fail.json says why one exchange cannot show it.
    let rec = recorded();
    let mut checked = 0;
    for c in cases().iter().filter(|c| matches!(c.def["class"].as_str(), Some("allowed" | "warning-only" | "passes-insecure"))) {
        let k = format!("{}/{}", c.stack, c.id);
        let per = rec.get(&k).unwrap_or_else(|| panic!("{k}: not recorded"));
        for (b, (ex, near)) in per {
            let opts = Options { browser: Some(browser(b)), ..Options::default() };
            let d = diagnose_in_context(ex, &opts, near);
            let sec: Vec<&str> = d.findings.iter().filter(|f| f.severity == whycors::report::diagnosis::Severity::Security).map(|f| f.id.as_str()).collect();
            if c.def["class"] != "passes-insecure" {
                assert!(sec.is_empty(), "{k} {b}: security findings on a passing configuration: {sec:?}");
                continue;
            }
            let want = c.def["finding"].as_str().expect("finding");
            let ok = sec.contains(&want);
            assert_eq!(ok, !listed(&c.stack, &c.id, "finding", b), "{k} {b}: finding {want}, got {sec:?}");
            let snippet = d.fix.as_ref().and_then(|f| f.snippets.first()).map(|s| s.server.clone());
            assert_eq!(snippet.as_deref() == Some(c.snippet.as_str()), !listed(&c.stack, &c.id, "snippet", b), "{k} {b}: first snippet {snippet:?}");
            checked += 1;
        }
    }
    assert!(checked >= 8, "{checked}");
}
