//! The golden snapshot: a compact digest of the diagnosis of every stored
//! exchange, kept in `tests/data/golden-diagnoses.json`.
//!
//! Its one purpose is to prove that reshaping the engine (the legs model,
//! one place per fact, the reason enum, the layers) changes no verdict,
//! reason, browser name, parameter, console line, evidence, fix, snippet,
//! hint, finding, note or missing fact, except for deliberate corrections.
//! It is the only test whose expectations come from this implementation's
//! own output; every change to the file is a correction listed in the commit
//! that makes it.
//!
//! What is digested:
//! - every fixture under `tests/fixtures/` (its stored `exchange`, diagnosed
//!   for the fixture's browser), and the HAR a fixture embeds (`har`);
//! - every HAR under `tests/data/` (`realistic.har`, `har/*.har`), each
//!   exchange among the HAR's others, as the CLI and `diagnoseHar` do;
//! - every reason's documented example (for its `example_browser`);
//! - the WPT-derived exchanges in `tests/data/wpt/`.
//!
//! Per exchange: verdict, reason, each browser's verdict, reason, name,
//! parameter and console lines (hashed), the evidence, the alternatives, the
//! explanation (hashed), the fix (summary id and hash, changes, verified
//! browsers, the snippets hashed), the ids of hints, findings, notes and
//! missing facts (and a hash of their texts), and the preflight request
//! (its URL hashed).
//!
//! `WHYCORS_BLESS=1 cargo test --test golden` rewrites the file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use whycors::diagnosis::Diagnosis;
use whycors::reasons::REASONS;
use whycors::Options;

const GOLDEN: &str = "tests/data/golden-diagnoses.json";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// FNV-1a, 64 bits, as 16 hex digits: stable across builds and platforms.
fn h(s: &str) -> String {
    let mut x: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        x ^= u64::from(b);
        x = x.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{x:016x}")
}

fn opt(s: Option<&str>) -> &str {
    s.unwrap_or("-")
}

fn ser<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| "?".into())
}

/// The digest of one diagnosis.
fn digest(d: &Diagnosis) -> Value {
    let mut o = Map::new();
    o.insert("v".into(), json!(d.verdict.as_str()));
    o.insert("r".into(), json!(opt(d.reason.as_deref())));
    let browsers: Vec<String> = d
        .browsers
        .iter()
        .map(|b| {
            format!(
                "{} {} {} {} param={} msg={} also={}",
                b.browser.as_str(),
                b.verdict.as_str(),
                opt(b.reason.as_deref()),
                opt(b.name.as_deref()),
                opt(b.parameter.as_deref()),
                b.message.as_deref().map(h).unwrap_or_else(|| "-".into()),
                if b.also.is_empty() { "-".to_string() } else { h(&b.also.join("\n")) }
            )
        })
        .collect();
    o.insert("b".into(), json!(browsers));
    if d.browsers_differ {
        o.insert("differ".into(), json!(true));
    }
    let ev: Vec<String> = d
        .evidence
        .iter()
        .map(|e| {
            format!(
                "{} hop={} header={} observed={} expected={} step={}",
                ser(&e.stage),
                e.hop.map(|k| k.to_string()).unwrap_or_else(|| "-".into()),
                opt(e.header.as_deref()),
                opt(e.observed.as_deref()),
                opt(e.expected.as_deref()),
                e.fetch_step
            )
        })
        .collect();
    if !ev.is_empty() {
        o.insert("ev".into(), json!(ev));
    }
    let alt: Vec<String> = d
        .alternatives
        .iter()
        .map(|a| {
            format!(
                "{} {} {} {}",
                a.browser.map(|b| b.as_str()).unwrap_or("both"),
                a.reason,
                opt(a.name.as_deref()),
                a.when.id
            )
        })
        .collect();
    if !alt.is_empty() {
        o.insert("alt".into(), json!(alt));
    }
    if let Some(x) = &d.explanation {
        o.insert("x".into(), json!(h(&format!("{}\n{}", x.id, x.text))));
    }
    if let Some(f) = &d.fix {
        let changes: Vec<String> = f
            .changes
            .iter()
            .map(|c| {
                format!(
                    "{} hop={} {} {} = {}",
                    ser(&c.stage),
                    c.hop.map(|k| k.to_string()).unwrap_or_else(|| "-".into()),
                    ser(&c.action),
                    c.target,
                    opt(c.value.as_deref())
                )
            })
            .collect();
        let verified: Vec<&str> = f.verified.iter().map(|b| b.as_str()).collect();
        let snippets = serde_json::to_string(&f.snippets).unwrap_or_default();
        o.insert(
            "fix".into(),
            json!({
                "s": format!("{} {}", f.summary.id, h(&f.summary.text)),
                "c": changes,
                "ok": verified,
                "sn": format!("{} {}", f.snippets.len(), h(&snippets)),
            }),
        );
    }
    let ids = |v: &[String]| -> Value { json!(v) };
    let texts = |parts: Vec<&str>| h(&parts.join("\n"));
    let hints: Vec<String> = d.hints.iter().map(|f| f.id.clone()).collect();
    let findings: Vec<String> = d.findings.iter().map(|f| f.id.clone()).collect();
    let notes: Vec<String> = d.notes.iter().map(|t| t.id.clone()).collect();
    let missing: Vec<String> = d.missing.iter().map(|t| t.id.clone()).collect();
    for (k, v) in [("hints", &hints), ("find", &findings), ("notes", &notes), ("miss", &missing)] {
        if !v.is_empty() {
            o.insert(k.into(), ids(v));
        }
    }
    let all_texts: Vec<&str> = d
        .hints
        .iter()
        .chain(&d.findings)
        .map(|f| f.text.text.as_str())
        .chain(d.notes.iter().chain(&d.missing).map(|t| t.text.as_str()))
        .collect();
    if !all_texts.is_empty() {
        o.insert("t".into(), json!(texts(all_texts)));
    }
    if let Some(p) = &d.preflight_request {
        let hs: Vec<String> = p.headers.iter().map(|x| format!("{}: {}", x.name, x.value)).collect();
        o.insert("pf".into(), json!(format!("{} {} url={} | {}", p.browser.as_str(), p.method, h(&p.url), hs.join(" | "))));
    }
    Value::Object(o)
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json" || x == "har") {
            out.push(p);
        }
    }
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

fn browser_opt(v: Option<&str>) -> Option<whycors::exchange::Browser> {
    match v {
        Some("chromium") => Some(whycors::exchange::Browser::Chromium),
        Some("firefox") => Some(whycors::exchange::Browser::Firefox),
        _ => None,
    }
}

/// One exchange, as exchange JSON text, read the way the CLI reads it.
fn diagnose_text(text: &str, opts: &Options) -> Result<Vec<Diagnosis>, String> {
    let parsed = whycors::input::parse_with(text, &whycors::input::Limits::default()).map_err(|e| e.to_string())?;
    Ok(whycors::har::diagnose_exchanges(&parsed.exchanges, opts))
}

fn add_har(out: &mut BTreeMap<String, Value>, label: &str, text: &str) {
    match diagnose_text(text, &Options::default()) {
        Ok(list) => {
            for (i, d) in list.iter().enumerate() {
                let id = d.id.clone().unwrap_or_else(|| format!("#{i}"));
                let mut key = format!("{label}#{id}");
                if out.contains_key(&key) {
                    key = format!("{key}~{i}");
                }
                out.insert(key, digest(d));
            }
        }
        Err(e) => {
            out.insert(label.to_string(), json!({ "error": e }));
        }
    }
}

/// Every stored exchange's digest, by a stable label.
fn compute() -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();

    // Fixtures: the stored exchange for the fixture's browser, and the HAR it embeds.
    let mut files = Vec::new();
    json_files(&root().join("tests/fixtures"), &mut files);
    files.sort();
    for p in &files {
        let label = rel(p).trim_start_matches("tests/fixtures/").trim_end_matches(".json").to_string();
        let Ok(text) = std::fs::read_to_string(p) else { continue };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            out.insert(format!("fixture:{label}"), json!({ "error": "not JSON" }));
            continue;
        };
        let browser = browser_opt(v.get("browser").and_then(Value::as_str));
        if let Some(ex) = v.get("exchange").filter(|e| !e.is_null()) {
            let opts = Options { browser, verdict_only: false, credentials: None };
            let key = format!("fixture:{label}");
            match diagnose_text(&ex.to_string(), &opts) {
                Ok(list) => {
                    for d in list {
                        out.insert(key.clone(), digest(&d));
                    }
                }
                Err(e) => {
                    out.insert(key, json!({ "error": e }));
                }
            }
        }
        if let Some(har) = v.get("har").filter(|h| !h.is_null()) {
            add_har(&mut out, &format!("fixture-har:{label}"), &har.to_string());
        }
    }

    // HARs under tests/data.
    let mut hars = Vec::new();
    json_files(&root().join("tests/data"), &mut hars);
    hars.retain(|p| p.extension().is_some_and(|x| x == "har"));
    hars.sort();
    for p in &hars {
        let Ok(text) = std::fs::read_to_string(p) else { continue };
        add_har(&mut out, &format!("har:{}", rel(p).trim_start_matches("tests/data/")), &text);
    }

    // The reasons' documented examples.
    for r in REASONS {
        let opts = Options { browser: r.example_browser, verdict_only: false, credentials: None };
        let key = format!("example:{}", r.id);
        match diagnose_text(r.example, &opts) {
            Ok(list) => {
                for d in list {
                    out.insert(key.clone(), digest(&d));
                }
            }
            Err(e) => {
                out.insert(key, json!({ "error": e }));
            }
        }
    }

    // WPT-derived exchanges.
    let mut wpt = Vec::new();
    json_files(&root().join("tests/data/wpt"), &mut wpt);
    wpt.sort();
    for p in &wpt {
        let Ok(text) = std::fs::read_to_string(p) else { continue };
        let Ok(doc) = serde_json::from_str::<Value>(&text) else { continue };
        let file = p.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
        for (i, c) in doc.get("cases").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let Some(ex) = c.get("exchange") else { continue };
            let name = c.get("name").and_then(Value::as_str).unwrap_or("");
            let key = format!("wpt:{file}#{i} {name}");
            match diagnose_text(&ex.to_string(), &Options::default()) {
                Ok(list) => {
                    for d in list {
                        out.insert(key.clone(), digest(&d));
                    }
                }
                Err(e) => {
                    out.insert(key, json!({ "error": e }));
                }
            }
        }
    }
    out
}

/// One entry per line, so that a changed diagnosis is a changed line.
fn render(map: &BTreeMap<String, Value>) -> String {
    let mut s = String::from("{\n");
    let n = map.len();
    for (i, (k, v)) in map.iter().enumerate() {
        s.push_str(&format!("{}: {}", json!(k), v));
        s.push_str(if i + 1 < n { ",\n" } else { "\n" });
    }
    s.push_str("}\n");
    s
}

/// The fields of two digests that differ, as readable lines.
fn field_diff(old: &Value, new: &Value) -> Vec<String> {
    let empty = Map::new();
    let a = old.as_object().unwrap_or(&empty);
    let b = new.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for k in keys {
        let (x, y) = (a.get(k), b.get(k));
        if x == y {
            continue;
        }
        let show = |v: Option<&Value>| v.map(Value::to_string).unwrap_or_else(|| "(none)".into());
        out.push(format!("      {k}:\n        was {}\n        now {}", show(x), show(y)));
    }
    out
}

#[test]
fn diagnoses_of_every_stored_exchange_are_unchanged() {
    let now = compute();
    assert!(now.len() > 500, "only {} exchanges digested", now.len());
    let errors: Vec<&String> = now.iter().filter(|(_, v)| v.get("error").is_some()).map(|(k, _)| k).collect();
    assert!(errors.is_empty(), "stored exchanges that do not read: {errors:?}");
    let path = root().join(GOLDEN);
    if std::env::var("WHYCORS_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, render(&now)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (WHYCORS_BLESS=1 cargo test --test golden writes it)", path.display()));
    let was: BTreeMap<String, Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut report = Vec::new();
    for (k, v) in &was {
        match now.get(k) {
            None => report.push(format!("  - gone: {k}")),
            Some(n) if n != v => {
                report.push(format!("  - changed: {k}"));
                report.extend(field_diff(v, n));
            }
            Some(_) => {}
        }
    }
    for k in now.keys().filter(|k| !was.contains_key(*k)) {
        report.push(format!("  - new: {k}"));
    }
    assert!(
        report.is_empty(),
        "{} of {} diagnoses differ from {GOLDEN} (a deliberate correction: WHYCORS_BLESS=1 cargo test --test golden, and list it in the commit):\n{}",
        report.iter().filter(|l| l.starts_with("  - ")).count(),
        was.len(),
        report.join("\n")
    );
}
