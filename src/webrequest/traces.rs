//! The adapter against event traces recorded with the real extension in
//! Chromium 156 and Firefox ESR 153 (`tests/data/webrequest/<browser>/*.json`,
//! written by `tests/e2e/extension-traces.mjs`): every batch the background
//! fed the adapter, as it fed it, with what the browser itself reported.
//!
//! For each trace, replayed into a fresh session:
//! - the rows are the ones decided live (the adapter is deterministic: same
//!   batches, same rows), joined the same way;
//! - each row names the browser's own reason (Chromium's `corsError`,
//!   Firefox's console key), or, where the browser allowed the request, says
//!   so (undecided only where no page record gave the credentials);
//! - the burst: every one of its 165 calls has its row, joined to the call,
//!   consistent with what was sent (credentials `include` exactly where the
//!   browser sent a Cookie), named as the browser named it.

use super::*;
use std::collections::BTreeMap;
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Feed {
    now: f64,
    items: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Live {
    tag: Option<String>,
    how: String,
    v: String,
    name: Option<String>,
    sw: bool,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Trace {
    browser: String,
    scenario: String,
    kind: String,
    tag: String,
    reported: Value,
    page_rejected: Option<bool>,
    config: Value,
    feeds: Vec<Feed>,
    live: Vec<Live>,
    calls: Vec<Value>,
}

fn dir(browser: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/webrequest").join(browser)
}

fn traces(browser: &str) -> Vec<(String, Trace)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir(browser)) else { return out };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        match serde_json::from_str::<Trace>(&text) {
            Ok(t) => out.push((p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(), t)),
            Err(e) => panic!("{}: {e}", p.display()),
        }
    }
    out
}

/// The rows a trace gives, replayed into a fresh session (updates folded in).
fn replay(t: &Trace) -> Vec<Row> {
    let mut s = Session::from_json(&t.config.to_string());
    let mut rows: Vec<Row> = Vec::new();
    for f in &t.feeds {
        let text = serde_json::to_string(&f.items).unwrap_or_default();
        let out = s.feed(&text, f.now);
        assert_eq!(out.skipped, 0, "{}: every item reads", t.scenario);
        for r in out.rows {
            match rows.iter_mut().find(|x| x.xid == r.xid && r.upd) {
                Some(x) => *x = r,
                None => rows.push(r),
            }
        }
    }
    rows
}

fn tag_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let tag = u.query_pairs().find(|(k, _)| k == "tag").map(|(_, v)| v.into_owned());
    tag
}

fn browser_of(t: &Trace) -> Browser {
    if t.browser == "firefox" {
        Browser::Firefox
    } else {
        Browser::Chromium
    }
}

fn mine(d: &Value, b: Browser) -> Option<&Value> {
    d.get("browsers")?.as_array()?.iter().find(|x| x.get("browser").and_then(Value::as_str) == Some(b.as_str()))
}

fn alternatives(d: &Value, b: Browser) -> Vec<String> {
    d.get("alternatives")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|a| a.get("browser").and_then(Value::as_str).is_none_or(|x| x == b.as_str()))
        .filter_map(|a| a.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn sorted<T: Ord + Clone>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// One scenario's trace: its failures as text (none: it holds).
fn check_scenario(t: &Trace) -> Vec<String> {
    let mut problems = Vec::new();
    let b = browser_of(t);
    let rows: Vec<Row> = replay(t).into_iter().filter(|r| tag_of(r.x.url()).as_deref() == Some(t.tag.as_str())).collect();
    let hows: Vec<String> = rows.iter().map(|r| r.s.how.clone()).collect();
    let live: Vec<String> = t.live.iter().map(|l| l.how.clone()).collect();
    if sorted(&hows) != sorted(&live) {
        problems.push(format!("rows {hows:?}, live {live:?}"));
    }
    for (r, l) in rows.iter().zip(t.live.iter()) {
        if r.sw != l.sw {
            problems.push(format!("service worker attribution {} live {}", r.sw, l.sw));
        }
    }
    let reported = t.reported.get(if b == Browser::Chromium { "corsError" } else { "firefoxKey" }).and_then(Value::as_str);
    let Some(first) = rows.first() else { return problems };
    let d = serde_json::to_value(diagnose(&first.x, b)).unwrap_or_default();
    let m = mine(&d, b);
    let verdict = m.and_then(|x| x.get("verdict")).and_then(Value::as_str).unwrap_or("");
    let name = m.and_then(|x| x.get("name")).and_then(Value::as_str);
    let alts = alternatives(&d, b);
    match reported {
        Some(want) => {
            let alt = alts.iter().any(|a| a == want);
            if name != Some(want) && !alt {
                problems.push(format!("{b:?} reports {want}; whycors {verdict} {name:?} (alternatives {alts:?})"));
            }
            if !matches!(verdict, "blocked" | "network-error") && !alt {
                problems.push(format!("verdict {verdict}"));
            }
        }
        None if t.page_rejected == Some(false) => {
            let joined = matches!(first.s.how.as_str(), "call" | "element" | "page");
            let ok = matches!(verdict, "allowed" | "not-cors")
                || (!joined && verdict == "undecided" && first.x.page.credentials.is_none());
            if !ok {
                problems.push(format!("the browser allowed it; whycors {verdict} {name:?} ({})", first.s.how));
            }
        }
        None => {}
    }
    problems
}

fn check_burst(t: &Trace) -> Vec<String> {
    let mut problems = Vec::new();
    let b = browser_of(t);
    let rows = replay(t);
    let mut by_tag: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in &rows {
        if let Some(tag) = tag_of(r.x.url()).filter(|t| t.starts_with("jT-")) {
            by_tag.entry(tag).or_default().push(r);
        }
    }
    let mut calls: BTreeMap<String, usize> = BTreeMap::new();
    for c in &t.calls {
        if let Some(tag) = c.get("url").and_then(Value::as_str).and_then(tag_of) {
            *calls.entry(tag).or_insert(0) += 1;
        }
    }
    for (tag, n) in &calls {
        let got = by_tag.get(tag).cloned().unwrap_or_default();
        if got.len() != *n {
            problems.push(format!("{tag}: {n} calls, {} rows", got.len()));
        }
        for r in &got {
            if !r.s.hk || !matches!(r.s.how.as_str(), "call" | "page") {
                problems.push(format!("{tag}: not joined ({})", r.s.how));
            }
            let cookie = r.x.legs.first().is_some_and(|l| l.request_headers.iter().any(|h| h.name.eq_ignore_ascii_case("cookie")));
            let include = r.x.page.credentials == Some(crate::exchange::Credentials::Include);
            if r.s.how == "call" && cookie != include {
                problems.push(format!("{tag}: credentials {:?}, Cookie sent: {cookie}", r.x.page.credentials));
            }
        }
        let truth: Vec<String> = t.reported.get(tag).and_then(Value::as_array).into_iter().flatten().map(|v| v.as_str().unwrap_or("-").to_string()).collect();
        let said: Vec<String> = got
            .iter()
            .map(|r| {
                if r.s.v == "allowed" {
                    "-".to_string()
                } else if r.s.bl {
                    (if b == Browser::Chromium { r.s.c.clone() } else { r.s.f.clone() }).or_else(|| r.s.r.clone()).unwrap_or_default()
                } else {
                    r.s.v.clone()
                }
            })
            .collect();
        let firefox_silent = b == Browser::Firefox && got.iter().all(|r| r.s.how == "page");
        if !firefox_silent && sorted(&truth) != sorted(&said) {
            problems.push(format!("{tag}: {b:?} says {truth:?}; whycors {said:?}"));
        }
    }
    problems
}

/// Recorded scenarios the engine on main does not yet diagnose as the
/// browser did (issue 11; the engine is reshaped on its own branch): the
/// same list as tests/e2e/extension.test.mjs `ENGINE_PENDING`. Their joins
/// are still checked; only the verdict is left out.
const ENGINE_PENDING: [(&str, &str); 0] = [];

fn check_browser(browser: &str, min: usize) {
    let all = traces(browser);
    assert!(all.len() >= min, "{} traces in {} (record them: node tests/e2e/extension-traces.mjs)", all.len(), dir(browser).display());
    let mut failures = Vec::new();
    let mut burst = false;
    for (file, t) in &all {
        assert_eq!(t.browser, browser, "{file}");
        let pending = ENGINE_PENDING.iter().any(|(b, s)| *b == browser && *s == t.scenario);
        let problems = if t.scenario == "burst" {
            burst = true;
            check_burst(t)
        } else if pending {
            check_scenario(t).into_iter().filter(|p| p.starts_with("rows ") || p.starts_with("service worker")).collect()
        } else {
            check_scenario(t)
        };
        for p in problems {
            failures.push(format!("{file} ({}): {p}", t.kind));
        }
    }
    assert!(burst, "a burst trace for {browser}");
    assert!(failures.is_empty(), "{} of {} traces:\n{}", failures.len(), all.len(), failures.join("\n"));
}

#[test]
fn chromium_traces() {
    check_browser("chromium", 60);
}

#[test]
fn firefox_traces() {
    check_browser("firefox", 60);
}
