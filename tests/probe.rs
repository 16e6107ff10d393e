//! `whycors probe` against `whycors lab`: for every lab scenario a plain
//! `fetch()`/XHR can express, the probe's verdict and reason per browser
//! are the ones the recorded browser fixture gives
//! (`tests/fixtures/<Reason>/<scenario>.<browser>.json`); the figures are
//! printed. Also: the JSON output is `whycors diagnose --json` of the
//! recorded exchanges, and what the probe sends (preflight headers per
//! browser, Origin after redirects, cookies, secrets).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

mod probe_common;

use probe_common::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// The command line for a scenario, as `www/probe-command.js` builds it.
fn probe_args(lab: &Lab, s: &Value, browser: &str, tag: &str) -> Vec<String> {
    let id = s["id"].as_str().unwrap_or("x");
    let server = lab.fill(s["server"].as_str().unwrap_or(""), tag);
    let t = format!("tag={}", url::form_urlencoded::byte_serialize(tag.as_bytes()).collect::<String>());
    let enc: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let base = lab.fill(s["target"].as_str().unwrap_or("{api}"), tag);
    let url = if server.is_empty() { format!("{base}/api/{enc}?{t}") } else { format!("{base}/api/{enc}?{server}&{t}") };
    let r = &s["request"];
    let mut a: Vec<String> = vec!["probe".into(), url, "--origin".into(), lab.page.clone(), "--browser".into(), browser.into(), "--json".into()];
    if let Some(m) = r["method"].as_str() {
        a.extend(["--method".into(), m.into()]);
    }
    if let Some(h) = r["headers"].as_object() {
        for (k, v) in h {
            a.extend(["-H".into(), format!("{k}: {}", v.as_str().unwrap_or(""))]);
        }
    }
    if !r["body"].is_null() {
        a.extend(["--body-type".into(), "text".into()]);
    }
    // `same-origin` is `omit` for a CORS check; the command line has the two.
    if r["credentials"].as_str() == Some("include") {
        a.extend(["--credentials".into(), "include".into()]);
        if let Some(c) = r["cookie"].as_str() {
            a.extend(["-H".into(), format!("Cookie: {c}")]);
        }
    }
    a
}

/// What identifies a request for the comparison with a browser's: the
/// listener, the method, the path, and the CORS request headers (page
/// origins written as `{page}`), consecutive repeats once (Firefox retries
/// a dropped request up to 10 times; Chromium once on a reused connection).
fn request_keys(records: &[Value], page: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in records {
        let rec = &r["received"];
        let header = |n: &str| {
            rec["headers"]
                .as_array()
                .and_then(|hs| hs.iter().find(|h| h["name"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(n))))
                .and_then(|h| h["value"].as_str())
                .map(|v| v.replace(page, "{page}"))
                .unwrap_or_else(|| "-".into())
        };
        let url = rec["url"].as_str().unwrap_or("");
        let path = url::Url::parse(url).map(|u| u.path().to_string()).unwrap_or_default();
        let key = format!(
            "{} {} {} origin={} acrm={} acrh={}",
            r["server"].as_str().unwrap_or("?"),
            rec["method"].as_str().unwrap_or("?"),
            path,
            header("origin"),
            header("access-control-request-method"),
            header("access-control-request-headers")
        );
        if out.last() != Some(&key) {
            out.push(key);
        }
    }
    out
}

/// Where the probe sends exactly what the browser sent (checked below) but
/// the engine on main diagnoses the recorded exchange differently: engine
/// gaps, reported to the engine track. Each is still counted as a
/// disagreement in the figures; the test fails if one of them starts to
/// agree (so this list stays true) or if any other scenario disagrees.
const KNOWN_ENGINE_GAPS: &[(&str, &str, &str)] = &[];

#[test]
fn agrees_with_the_recorded_browsers() {
    let lab = Lab::start();
    let catalogue: Value = serde_json::from_str(&std::fs::read_to_string(root().join("www/lab/scenarios.json")).expect("catalogue")).expect("json");
    let scenarios = catalogue["scenarios"].as_array().cloned().unwrap_or_default();
    let mut figures: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut disagreements: Vec<String> = Vec::new();
    let mut known: Vec<String> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut wire: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut wire_diffs: Vec<String> = Vec::new();
    for s in &scenarios {
        let id = s["id"].as_str().unwrap_or("?");
        if !expressible(s) {
            skipped.push(id.to_string());
            continue;
        }
        for browser in ["chromium", "firefox"] {
            let Some(fx) = fixture(id, browser) else { continue };
            let tag = format!("probe-{id}.{browser}");
            let args = probe_args(&lab, s, browser, &tag);
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = whycors(&refs);
            let diagnoses: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
            let mine = diagnoses
                .as_array()
                .and_then(|a| a.first())
                .and_then(|d| d["browsers"].as_array())
                .and_then(|bs| bs.iter().find(|b| b["browser"] == browser))
                .map(|b| (b["verdict"].as_str().unwrap_or("?").to_string(), b["reason"].as_str().map(str::to_string)))
                .unwrap_or(("(no diagnosis)".into(), None));
            let want = (fx["verdict"].as_str().unwrap_or("?").to_string(), fx["reason"].as_str().map(str::to_string));
            // The requests, as the lab received them from the browser and from the probe.
            let theirs = request_keys(fx["records"].as_array().map(Vec::as_slice).unwrap_or_default(), fx["pageOrigin"].as_str().unwrap_or("?"));
            let ours = request_keys(&lab.records(&tag), &lab.page);
            let w = wire.entry(browser).or_default();
            w.1 += 1;
            if theirs == ours {
                w.0 += 1;
            } else {
                wire_diffs.push(format!("{id} ({browser}):\n  browser: {theirs:?}\n  probe:   {ours:?}"));
            }
            let e = figures.entry(browser).or_default();
            e.1 += 1;
            let exit_ok = match want.0.as_str() {
                "allowed" => out.code == 0,
                _ => out.code == 1,
            };
            let gap = KNOWN_ENGINE_GAPS.iter().find(|(i, b, _)| *i == id && *b == browser);
            if mine == want && exit_ok {
                e.0 += 1;
                if let Some((_, _, why)) = gap {
                    disagreements.push(format!("{id} ({browser}) now agrees: remove it from KNOWN_ENGINE_GAPS ({why})"));
                }
            } else if let Some((_, _, why)) = gap {
                known.push(format!("{id} ({browser}): probe {:?} {:?}, recorded {:?} {:?}: {why}", mine.0, mine.1, want.0, want.1));
            } else {
                disagreements.push(format!(
                    "{id} ({browser}): probe {:?} {:?} exit {}, recorded {:?} {:?}\n{}",
                    mine.0, mine.1, out.code, want.0, want.1, out.stderr
                ));
            }
        }
    }
    println!("probe vs the recorded browsers ({} scenarios a plain request expresses; {} not: {}):", scenarios.len() - skipped.len(), skipped.len(), skipped.join(", "));
    for (b, (ok, n)) in &figures {
        println!("  {b}: {ok}/{n} agree (verdict, reason and exit status)");
    }
    for k in &known {
        println!("  known engine gap: {k}");
    }
    for (b, (ok, n)) in &wire {
        println!("  {b}: {ok}/{n} send the browser's requests (listener, method, path, Origin, Access-Control-Request-Method/-Headers, in order)");
    }
    assert!(figures.values().all(|(_, n)| *n > 40), "too few scenarios compared: {figures:?}");
    assert!(wire_diffs.is_empty(), "{} request sequence(s) differ:\n{}", wire_diffs.len(), wire_diffs.join("\n"));
    assert!(disagreements.is_empty(), "{} disagreement(s):\n{}", disagreements.len(), disagreements.join("\n"));
}

/// The probe's diagnosis is `whycors diagnose`'s of the recorded exchanges:
/// `--json` prints exactly what `diagnose --json` prints for the file
/// `--record` wrote (schema 2), and the text output holds `diagnose`'s
/// blocks.
#[test]
fn the_diagnosis_is_diagnose_s() {
    let lab = Lab::start();
    let dir = temp_dir("same-as-diagnose");
    let cases = [
        // One exchange for both browsers (same requests), blocked.
        (format!("{}/api/x?status=500", lab.api), vec!["--method", "GET"]),
        // Per-browser exchanges: the second preflight differs (Origin).
        (
            format!("{}/api/x?pf.acao={p}&pf.acam=PUT&acao={p}&status=307&redirect={o}%2Fapi%2Ftarget%3Facao%3D%2A", lab.api, p = lab.page, o = lab.other),
            vec!["--method", "PUT"],
        ),
        // Allowed.
        (format!("{}/api/x?acao=*", lab.api), vec![]),
    ];
    for (i, (url, extra)) in cases.iter().enumerate() {
        let rec = dir.join(format!("rec{i}.json"));
        let mut args = vec!["probe", url.as_str(), "--origin", lab.page.as_str(), "--record", path_str(&rec)];
        args.extend(extra.iter().copied());
        let text = whycors(&args);
        let mut json_args = args.clone();
        json_args.push("--json");
        let json = whycors(&json_args);
        let v2: Vec<whycors::exchange::Exchange> = serde_json::from_str(&std::fs::read_to_string(&rec).expect("record")).expect("schema 2");
        assert!(v2.iter().all(|e| e.schema == 2 && !e.legs.is_empty()), "{v2:?}");
        let diag_json = whycors(&["diagnose", path_str(&rec), "--json"]);
        assert_eq!(json.stdout, diag_json.stdout, "case {i}: --json differs from diagnose --json");
        let diag_text = whycors(&["diagnose", path_str(&rec)]);
        // Every block diagnose prints (all but its summary line) is in the probe's text.
        let blocks = diag_text.stdout.rsplit_once("\n\n").map(|(b, _)| b).unwrap_or("");
        assert!(text.stdout.contains(blocks), "case {i}: diagnose's blocks\n{blocks}\nnot in\n{}", text.stdout);
        assert_eq!(text.code, json.code);
        assert_eq!(text.code, diag_text.code, "case {i}: exit status");
    }
}
