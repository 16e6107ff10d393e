//! Every fixture under `tests/fixtures/<ReasonId>/<scenario>.<browser>.json`
//! through the engine: the diagnosis for that browser must name the reason
//! and the browser's own name (Chromium's `CorsError`, Firefox's message key)
//! that the real browser reported when the fixture was recorded
//! (`tests/capture/capture.mjs`), or say allowed / network error where the
//! browser allowed it / failed it below CORS.
//!
//! Recorded fixtures carry the lab server's raw `records`; the exchange is
//! built from them here with `whycors::labrecord::exchange_from_records`
//! (plus the fixture's `context`, the facts the browser set-up made true:
//! address spaces, a disabled-CORS pref), and the engine is given, besides,
//! what the browser's network layer reported (`browser_report`: the error,
//! CDP's `blockedReason`, DevTools issues, Firefox's console categories;
//! never the CORS names). Hand-made fixtures (`source` other than
//! `"recorded"`) carry a literal `exchange`.
//!
//! Recorded fixtures also store that `exchange` (for other tests, e.g. the fix
//! property); `stored_exchanges_match_records` says when it is stale.
//!
//! The ignored test `exchange_builder` is the capture script's bridge to
//! labrecord: with `WHYCORS_RECORDS_IN` (a JSON array of
//! `{records, request, pageOrigin, context}`, or `{exchange}` for a
//! hand-made fixture) and `WHYCORS_EXCHANGES_OUT` set, it writes the
//! exchanges built from each entry (schema 2).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use serde_json::Value;
use std::path::{Path, PathBuf};
use whycors::diagnosis::{BrowserVerdict, Verdict};
use whycors::labrecord::{exchange_from_records, LabRequestInfo, Record};
use whycors::exchange::{Browser, Context, Exchange};
use whycors::{diagnose, Options};

mod browser_report;
mod engine_pending;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

struct Fixture {
    path: PathBuf,
    v: Value,
}

impl Fixture {
    fn label(&self) -> String {
        self.path
            .strip_prefix(fixtures_dir())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| self.path.display().to_string())
    }
    fn str(&self, key: &str) -> Option<&str> {
        self.v.get(key).and_then(Value::as_str)
    }
    fn recorded(&self) -> bool {
        self.str("source") == Some("recorded")
    }
    fn browser(&self) -> Result<Browser, String> {
        match self.str("browser") {
            Some("chromium") => Ok(Browser::Chromium),
            Some("firefox") => Ok(Browser::Firefox),
            other => Err(format!("browser is {other:?}")),
        }
    }
}

fn load_all() -> Vec<Fixture> {
    let mut files = Vec::new();
    json_files(&fixtures_dir(), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
            Fixture { path, v }
        })
        .collect()
}

/// The exchange a recorded entry's records make (records + what the page knew + context).
fn exchange_from_entry(v: &Value) -> Result<Exchange, String> {
    // A hand-made entry: its exchange, as exchange JSON (upgraded from the first format).
    if v.get("records").is_none() {
        if let Some(exv) = v.get("exchange").filter(|e| !e.is_null()) {
            return whycors::input::exchange_from_str(&exv.to_string()).map_err(|e| format!("exchange: {e}"));
        }
    }
    let records: Vec<Record> = match v.get("records") {
        Some(r) => serde_json::from_value(r.clone()).map_err(|e| format!("records: {e}"))?,
        None => Vec::new(),
    };
    let info: LabRequestInfo = match v.get("request") {
        Some(r) => serde_json::from_value(r.clone()).map_err(|e| format!("request: {e}"))?,
        None => LabRequestInfo::default(),
    };
    let origin = v.get("pageOrigin").and_then(Value::as_str).ok_or("no pageOrigin")?;
    let mut ex = exchange_from_records(&records, origin, &info)?;
    if let Some(c) = v.get("context") {
        let ctx: Context = serde_json::from_value(c.clone()).map_err(|e| format!("context: {e}"))?;
        ex.context = Some(ctx);
    }
    Ok(ex)
}

/// The exchange the engine is given for a fixture.
fn exchange_of(f: &Fixture) -> Result<Exchange, String> {
    if f.recorded() {
        exchange_from_entry(&f.v)
    } else {
        let exv = f.v.get("exchange").ok_or("hand-made fixture without `exchange`")?;
        whycors::input::exchange_from_str(&exv.to_string()).map_err(|e| format!("exchange: {e}"))
    }
}


fn engine_view(f: &Fixture) -> Result<(Browser, BrowserVerdict), String> {
    let browser = f.browser()?;
    let mut ex = exchange_of(f)?;
    if f.recorded() {
        browser_report::apply(&mut ex, &f.v);
    }
    let d = diagnose(&ex, &Options { browser: Some(browser), verdict_only: false, credentials: None });
    let bv = d
        .browsers
        .iter()
        .find(|b| b.browser == browser)
        .cloned()
        .ok_or_else(|| format!("diagnosis has no {} verdict", browser.as_str()))?;
    Ok((browser, bv))
}

fn show(bv: &BrowserVerdict) -> String {
    format!(
        "{} reason={:?} name={:?} parameter={:?}",
        bv.verdict.as_str(),
        bv.reason,
        bv.name,
        bv.parameter
    )
}

/// The verdict, reason and browser name of every fixture (those listed in
/// tests/data/engine-pending.json reported, not failing).
#[test]
fn every_fixture_names_what_the_browser_said() {
    let all = load_all();
    assert!(!all.is_empty(), "no fixtures under {}", fixtures_dir().display());
    let mut bad: Vec<(String, String)> = Vec::new();
    let mut checked: Vec<String> = Vec::new();
    for f in &all {
        checked.push(f.label());
        let (_, bv) = match engine_view(f) {
            Ok(x) => x,
            Err(e) => {
                bad.push((f.label(), format!("{}: {e}", f.label())));
                continue;
            }
        };
        let want_verdict = f.str("verdict").unwrap_or("blocked");
        let want_name = f.str("expect");
        let want_reason = f.str("reason");
        let ok = match want_verdict {
            "blocked" => {
                bv.verdict == Verdict::Blocked && bv.name.as_deref() == want_name && (want_reason.is_none() || bv.reason.as_deref() == want_reason)
            }
            "allowed" => bv.verdict == Verdict::Allowed,
            "network-error" => bv.verdict == Verdict::NetworkError && (want_name.is_none() || bv.name.as_deref() == want_name),
            "not-cors" => bv.verdict == Verdict::NotCors,
            other => {
                bad.push((f.label(), format!("{}: unknown verdict {other:?} in fixture", f.label())));
                continue;
            }
        };
        if !ok {
            let msg = format!(
                "{}: browser said {want_verdict} reason={want_reason:?} name={want_name:?}; engine says {}",
                f.label(),
                show(&bv)
            );
            bad.push((f.label(), msg));
        }
    }
    let problems = engine_pending::load("every_fixture_names_what_the_browser_said").problems(&checked, &bad);
    assert!(problems.is_empty(), "{} of {} fixtures:\n  {}", problems.len(), all.len(), problems.join("\n  "));
}

/// The parameter the browser printed (Chromium's `failedParameter`, the
/// `%2$S` of Firefox's message) where there is one.
#[test]
fn parameters_match_what_the_browser_printed() {
    let mut bad = Vec::new();
    let mut checked = 0;
    for f in load_all().iter().filter(|f| f.recorded()) {
        let Ok((browser, bv)) = engine_view(f) else { continue };
        let Some(rep) = f.v.get("reported") else { continue };
        let want = match browser {
            Browser::Chromium => rep.get("failedParameter").and_then(Value::as_str),
            Browser::Firefox => rep.get("param").and_then(Value::as_str),
        };
        // Empty (Chromium prints none) and Firefox's "(null)" status say nothing.
        let Some(want) = want.filter(|w| !w.is_empty() && *w != "(null)") else { continue };
        if bv.verdict != Verdict::Blocked {
            continue; // reported by the test above
        }
        checked += 1;
        if bv.parameter.as_deref() != Some(want) {
            bad.push(format!("{}: browser printed {want:?}; engine says {:?}", f.label(), bv.parameter));
        }
    }
    assert!(bad.is_empty(), "{} of {checked} parameters differ:\n  {}", bad.len(), bad.join("\n  "));
}

/// Firefox's second console line (CORSDidNotSucceed2 after a failed
/// preflight) and other lines, where the engine lists them in `also`.
#[test]
fn firefox_extra_lines_are_known() {
    let mut bad = Vec::new();
    for f in load_all().iter().filter(|f| f.recorded() && f.str("browser") == Some("firefox")) {
        let Ok((_, bv)) = engine_view(f) else { continue };
        let Some(also) = f.v.pointer("/reported/also").and_then(Value::as_array) else { continue };
        let keys: Vec<&str> = also.iter().filter_map(Value::as_str).collect();
        if keys.is_empty() || bv.verdict != Verdict::Blocked {
            continue;
        }
        // The engine's `also` holds console lines; each recorded key's line must be among them.
        for k in &keys {
            let marker = match *k {
                "CORSDidNotSucceed2" => "(Reason: CORS request did not succeed)",
                "CORSPreflightDidNotSucceed3" => "(Reason: CORS preflight response did not succeed)",
                _ => continue,
            };
            if !bv.also.iter().any(|l| l.contains(marker)) {
                bad.push(format!("{}: Firefox also printed {k}; engine's also = {:?}", f.label(), bv.also));
            }
        }
    }
    assert!(bad.is_empty(), "{} fixtures lack Firefox's extra lines:\n  {}", bad.len(), bad.join("\n  "));
}

/// The `exchange` stored in recorded fixtures is, exactly (schema 2), what
/// labrecord builds from their records today; rebuild them with
/// `node tests/capture/rebuild-exchanges.mjs` (offline, no browser).
#[test]
fn stored_exchanges_match_records() {
    let mut stale = Vec::new();
    for f in load_all().iter().filter(|f| f.recorded()) {
        let Some(stored) = f.v.get("exchange") else {
            stale.push(format!("{}: no stored exchange", f.label()));
            continue;
        };
        match exchange_from_entry(&f.v) {
            Ok(ex) => {
                let fresh = serde_json::to_value(&ex).unwrap_or(Value::Null);
                if *stored != fresh {
                    stale.push(format!("{}: stored exchange differs from the one built from its records", f.label()));
                }
            }
            Err(e) => stale.push(format!("{}: {e}", f.label())),
        }
    }
    assert!(
        stale.is_empty(),
        "{} recorded fixtures have a stale `exchange` (run `node tests/capture/rebuild-exchanges.mjs`):\n  {}",
        stale.len(),
        stale.join("\n  ")
    );
}

/// Hand-made fixtures store their exchange as schema 2.
#[test]
fn hand_made_exchanges_are_schema_2() {
    for f in load_all().iter().filter(|f| !f.recorded()) {
        let Some(stored) = f.v.get("exchange") else { continue };
        assert_eq!(stored.get("schema").and_then(Value::as_u64), Some(2), "{}", f.label());
        let ex: Exchange = serde_json::from_value(stored.clone()).unwrap_or_else(|e| panic!("{}: {e}", f.label()));
        assert!(!ex.legs.is_empty(), "{}", f.label());
    }
}

/// Hand-made fixtures say where their expectation comes from.
#[test]
fn hand_made_fixtures_cite_a_source() {
    for f in load_all() {
        let src = f.str("source").unwrap_or("");
        assert!(!src.trim().is_empty(), "{}: no `source`", f.label());
        if !f.recorded() {
            assert!(src.len() > 20, "{}: `source` must say where the expectation comes from", f.label());
            assert!(f.v.get("exchange").is_some(), "{}: hand-made fixture without `exchange`", f.label());
        }
    }
}

/// The bridge to labrecord for the capture script (capture.mjs) and the
/// offline rebuild (tests/capture/rebuild-exchanges.mjs); not run by `cargo test`.
#[test]
#[ignore]
fn exchange_builder() {
    let (Ok(input), Ok(output)) = (std::env::var("WHYCORS_RECORDS_IN"), std::env::var("WHYCORS_EXCHANGES_OUT")) else {
        return;
    };
    let text = std::fs::read_to_string(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
    let entries: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{input}: {e}"));
    let out: Vec<Value> = entries
        .iter()
        .map(|v| match exchange_from_entry(v) {
            Ok(ex) => serde_json::to_value(&ex).unwrap_or(Value::Null),
            Err(e) => serde_json::json!({ "error": e }),
        })
        .collect();
    std::fs::write(&output, serde_json::to_string(&out).unwrap_or_default()).unwrap_or_else(|e| panic!("{output}: {e}"));
}

/// The HAR the capture exported from Chromium's DevTools protocol (shaped like
/// DevTools' own export) leads the engine to the same verdict and name,
/// exactly: a HAR does not carry the credentials mode, but Chromium's
/// recorded outcome (`_error`, or none) decides what the credentials
/// would.
#[test]
fn chromium_hars_name_what_the_browser_said() {
    let mut bad: Vec<(String, String)> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let mut checked = 0;
    for f in load_all().iter().filter(|f| f.recorded() && f.str("browser") == Some("chromium")) {
        let Some(har) = f.v.get("har").filter(|h| !h.is_null()) else { continue };
        // A HAR cannot show the facts a fixture's `context` holds (address
        // spaces, prefs), nor the origin of a file:// page.
        if f.v.get("context").is_some() || !f.str("pageOrigin").unwrap_or("").starts_with("http") {
            continue;
        }
        if har.pointer("/log/entries").and_then(Value::as_array).is_none_or(|e| e.is_empty()) {
            continue;
        }
        let url = f.v.pointer("/request/url").and_then(Value::as_str).unwrap_or("");
        let exchanges = match whycors::har::from_value(har) {
            Ok(x) => x,
            Err(e) => {
                bad.push((f.label(), format!("{}: HAR does not parse: {e:?}", f.label())));
                continue;
            }
        };
        let Some(ex) = exchanges.iter().find(|e| e.url() == url) else {
            bad.push((f.label(), format!("{}: no exchange for {url} in the HAR ({} exchanges)", f.label(), exchanges.len())));
            continue;
        };
        checked += 1;
        labels.push(f.label());
        let d = diagnose(ex, &Options { browser: Some(Browser::Chromium), verdict_only: true, credentials: None });
        let Some(bv) = d.browsers.iter().find(|b| b.browser == Browser::Chromium) else { continue };
        let want_name = f.str("expect");
        let ok = match f.str("verdict").unwrap_or("blocked") {
            "blocked" => bv.verdict == Verdict::Blocked && bv.name.as_deref() == want_name,
            "allowed" => bv.verdict == Verdict::Allowed,
            "network-error" => bv.verdict == Verdict::NetworkError,
            "not-cors" => bv.verdict == Verdict::NotCors,
            _ => false,
        };
        if !ok {
            let msg = format!(
                "{}: Chromium said {} {want_name:?}; engine on the HAR says {}",
                f.label(),
                f.str("verdict").unwrap_or("?"),
                show(bv)
            );
            bad.push((f.label(), msg));
        }
    }
    let problems = engine_pending::load("chromium_hars_name_what_the_browser_said").problems(&labels, &bad);
    assert!(problems.is_empty(), "{} of {checked} Chromium HARs:\n  {}", problems.len(), problems.join("\n  "));
}
