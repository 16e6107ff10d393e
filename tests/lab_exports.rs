//! `whycors diagnose` over the real DevTools HAR exports of every lab
//! scenario (`tests/data/har/lab/`, Chromium 156 and Firefox ESR 153, with
//! and without the page's cookie), against what the browser did in the same
//! run (`*.verdicts.json`, tests/data/har/README.md).
//!
//! For each scenario, the CLI is run on a HAR holding that scenario's
//! entries (its `tag`, or its URL) and the page's own untagged entries (its
//! document, which carries the page's Content-Security-Policy): its exit
//! status must be 1 exactly when the browser blocked the request, and the
//! diagnosis' verdict must be the browser's outcome (`blocked`, `allowed`,
//! `network-error`, `not-cors`; a request the reader leaves out as not a
//! CORS request counts as `not-cors`). Where the engine names the browser's
//! reason or what stopped the request, the name must be the browser's.
//! A scenario with no entry in the export (`entries: 0`) has nothing to
//! diagnose and does not count.
//!
//! Chromium records the outcome (`_error`): every scenario must agree.
//! Firefox's export records none: where it decides (a response that fails
//! whatever the credentials, a request never sent, a network failure, a
//! Cookie sent to another origin...) the verdict must agree; where it does
//! not, the engine must say `undecided` (or `unknown`), and those are
//! counted. The figures are printed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn lab_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/har/lab")
}

fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The `tag` query parameter of a URL.
fn tag_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    u.query_pairs().find(|(k, _)| k == "tag").map(|(_, v)| v.into_owned())
}

/// The CLI's answer for one HAR: exit status and the diagnoses.
fn run_cli(har: &Value) -> (i32, Vec<Value>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_whycors"))
        .args(["diagnose", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("whycors runs");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(har.to_string().as_bytes()).expect("stdin");
    }
    let out = child.wait_with_output().expect("whycors ends");
    let diagnoses: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
    (out.status.code().unwrap_or(-1), diagnoses, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// One scenario's comparison.
#[derive(Debug)]
struct Row {
    id: String,
    outcome: String,
    browser_name: Option<String>,
    stopped_by: Option<String>,
    exit: i32,
    verdict: String,
    name: Option<String>,
    engine_stopped_by: Option<String>,
}

/// Runs the CLI on every scenario of one verdicts file.
fn rows(prefix: &str) -> (Value, Vec<Row>) {
    let v = read_json(&lab_dir().join(format!("{prefix}.verdicts.json")));
    let browser = v["browser"].as_str().unwrap_or("?").to_string();
    let mut hars: std::collections::BTreeMap<String, Value> = Default::default();
    let mut out = Vec::new();
    for s in v["scenarios"].as_array().into_iter().flatten() {
        if s["entries"].as_u64() == Some(0) {
            continue;
        }
        let file = s["har"].as_str().unwrap_or("");
        let har = hars.entry(file.to_string()).or_insert_with(|| read_json(&lab_dir().join(file)));
        let tag = s["tag"].as_str().map(str::to_string);
        let url = s["url"].as_str().unwrap_or("");
        let mine = |u: &str| match &tag {
            Some(t) => tag_of(u).as_deref() == Some(t.as_str()),
            None => u == url,
        };
        let entries: Vec<Value> = har["log"]["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| {
                let u = e["request"]["url"].as_str().unwrap_or("");
                mine(u) || (tag.is_some() && tag_of(u).is_none())
            })
            .cloned()
            .collect();
        let mut one = har.clone();
        one["log"]["entries"] = json!(entries);
        let (exit, diagnoses, stderr) = run_cli(&one);
        assert!(exit == 0 || exit == 1, "{prefix} {}: exit {exit}: {stderr}", s["id"]);
        let found: Vec<&Value> = diagnoses.iter().filter(|d| mine(d["url"].as_str().unwrap_or(""))).collect();
        assert!(found.len() <= 1, "{prefix} {}: {} diagnoses", s["id"], found.len());
        let (verdict, name, engine_stopped_by) = match found.first() {
            Some(d) => {
                let bv = d["browsers"].as_array().into_iter().flatten().find(|b| b["browser"] == browser.as_str());
                (
                    d["verdict"].as_str().unwrap_or("?").to_string(),
                    bv.and_then(|b| b["name"].as_str()).map(str::to_string),
                    d["stoppedBy"]["id"].as_str().map(str::to_string),
                )
            }
            // The reader left it out: not a CORS request (same-origin, no-cors).
            None => ("not-cors".to_string(), None, None),
        };
        out.push(Row {
            id: s["id"].as_str().unwrap_or("?").to_string(),
            outcome: s["outcome"].as_str().unwrap_or("?").to_string(),
            browser_name: s["name"].as_str().map(str::to_string),
            stopped_by: s["stoppedBy"].as_str().map(str::to_string),
            exit,
            verdict,
            name,
            engine_stopped_by,
        });
    }
    (v, out)
}

/// What disagrees in a row the engine decided: the exit status, the
/// verdict, a name or stop the engine gives that is not the browser's.
fn problems(r: &Row) -> Vec<String> {
    let mut p = Vec::new();
    let want_exit = if r.outcome == "blocked" { 1 } else { 0 };
    if r.exit != want_exit {
        p.push(format!("exit {} (the browser: {})", r.exit, r.outcome));
    }
    if r.verdict != r.outcome {
        p.push(format!("verdict {} (the browser: {})", r.verdict, r.outcome));
    }
    if r.outcome == "blocked" {
        if let (Some(mine), Some(theirs)) = (&r.name, &r.browser_name) {
            if mine != theirs {
                p.push(format!("name {mine} (the browser: {theirs})"));
            }
        }
    }
    if let Some(mine) = &r.engine_stopped_by {
        if r.stopped_by.as_deref() != Some(mine.as_str()) {
            p.push(format!("stopped by {mine} (the browser: {:?})", r.stopped_by));
        }
    }
    p
}

fn chromium(prefix: &str) {
    let (v, rows) = rows(prefix);
    let all = v["scenarios"].as_array().map(Vec::len).unwrap_or(0);
    let mut bad = Vec::new();
    let mut named = 0;
    for r in &rows {
        let p = problems(r);
        if !p.is_empty() {
            bad.push(format!("{}: {}", r.id, p.join("; ")));
        }
        if r.outcome == "blocked" && r.name.is_some() {
            named += 1;
        }
    }
    let blocked = rows.iter().filter(|r| r.outcome == "blocked").count();
    println!(
        "{prefix}: {} of {} scenarios compared ({} with no entry); exit status and verdict equal Chromium's in {}; blocked {blocked}, named as Chromium named them {named} (the rest: blocked, the check not in the export)",
        rows.len(),
        all,
        all - rows.len(),
        rows.len() - bad.len()
    );
    assert!(rows.len() > 130, "{prefix}: only {} scenarios", rows.len());
    assert!(bad.is_empty(), "{prefix}: {} of {} differ from Chromium:\n  {}", bad.len(), rows.len(), bad.join("\n  "));
}

/// Scenarios whose Firefox export looks like another outcome's, measured:
/// the engine's verdict is the other outcome's; counted apart.
const FIREFOX_LOOKALIKES: &[(&str, &str)] = &[(
    "lna-public-page-firefox-denied",
    "a Local Network Access denial exports as a refused connection (status 0, all-zero timings, no error; MEASURED.md §2, §7); its page's public address space was a pref's override of 127.0.0.1",
)];

fn firefox(prefix: &str) {
    let (v, rows) = rows(prefix);
    let all = v["scenarios"].as_array().map(Vec::len).unwrap_or(0);
    let (mut agree, mut undecided, mut lookalike) = (0, Vec::new(), Vec::new());
    let mut bad = Vec::new();
    for r in &rows {
        if matches!(r.verdict.as_str(), "undecided" | "unknown") {
            undecided.push(format!("{} ({} {})", r.id, r.verdict, r.outcome));
            // Undecided: exit 0, whatever the browser did.
            if r.exit != 0 {
                bad.push(format!("{}: undecided with exit {}", r.id, r.exit));
            }
            continue;
        }
        let p = problems(r);
        if p.is_empty() {
            agree += 1;
        } else if let Some((_, why)) = FIREFOX_LOOKALIKES.iter().find(|(id, _)| *id == r.id) {
            lookalike.push(format!("{}: {} ({why})", r.id, p.join("; ")));
        } else {
            bad.push(format!("{}: {}", r.id, p.join("; ")));
        }
    }
    let decided = rows.len() - undecided.len();
    println!(
        "{prefix}: {} of {} scenarios compared ({} with no entry); decided by the export {decided}: equal to Firefox's {agree}, looks like another outcome {}; undecided {}",
        rows.len(),
        all,
        all - rows.len(),
        lookalike.len(),
        undecided.len()
    );
    for l in &lookalike {
        println!("  looks like another outcome: {l}");
    }
    println!("  undecided: {}", undecided.join(", "));
    assert!(rows.len() > 130, "{prefix}: only {} scenarios", rows.len());
    assert!(bad.is_empty(), "{prefix}: {} differ from Firefox:\n  {}", bad.len(), bad.join("\n  "));
}

#[test]
fn chromium_exports_with_cookie() {
    chromium("chromium-156");
}

#[test]
fn chromium_exports_without_cookie() {
    chromium("chromium-156-nocookie");
}

#[test]
fn firefox_exports_with_cookie() {
    firefox("firefox-153");
}

#[test]
fn firefox_exports_without_cookie() {
    firefox("firefox-153-nocookie");
}
