//! Each reason's documented example, run through `diagnose`, yields that
//! reason (for its `example_browser`, or in both browsers), with the
//! browser's own name and console message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use whycors::diagnose::{diagnose, Options};
use whycors::exchange::Browser;
use whycors::reasons::REASONS;
use whycors::{Exchange, Verdict};

mod browser_report;
mod engine_pending;

#[test]
fn every_example_yields_its_reason() {
    let mut failures = Vec::new();
    for r in REASONS {
        let ex: Exchange = match whycors::input::exchange_from_str(r.example) {
            Ok(ex) => ex,
            Err(e) => {
                failures.push(format!("{}: example does not parse: {e}", r.id));
                continue;
            }
        };
        let browsers: Vec<Browser> = match r.example_browser {
            Some(b) => vec![b],
            None => Browser::ALL.to_vec(),
        };
        for b in browsers {
            let d = diagnose(
                &ex,
                &Options {
                    browser: Some(b),
                    verdict_only: false, credentials: None },
            );
            if d.reason.as_deref() != Some(r.id.as_str()) {
                failures.push(format!(
                    "{} in {:?}: got {:?} / {:?}",
                    r.id, b, d.verdict, d.reason
                ));
                continue;
            }
            if !matches!(d.verdict, Verdict::Blocked | Verdict::NetworkError) {
                failures.push(format!("{} in {:?}: verdict {:?}", r.id, b, d.verdict));
            }
            let bv = d.browsers.iter().find(|v| v.browser == b);
            let Some(bv) = bv else {
                failures.push(format!("{}: no verdict for {:?}", r.id, b));
                continue;
            };
            // The browser's own name belongs to this reason.
            let name_ok = match (b, bv.name.as_deref()) {
                (Browser::Chromium, Some(n)) => r.chromium().contains(&n),
                (Browser::Chromium, None) => r.chromium().is_empty(),
                // Where Firefox has no key of its own (the userinfo redirect),
                // it logs the generic CORSDidNotSucceed2, or nothing.
                (Browser::Firefox, n) => {
                    n == r.firefox_key()
                        || (r.firefox_key().is_none()
                            && (n.is_none() || n == Some("CORSDidNotSucceed2")))
                }
            };
            if !name_ok {
                failures.push(format!("{} in {:?}: name {:?}", r.id, b, bv.name));
            }
            // A console message where the browser prints one.
            let prints = match b {
                Browser::Chromium => r.chromium_text.is_some(),
                Browser::Firefox => r.firefox_message.is_some(),
            };
            if prints && bv.message.as_deref().is_none_or(str::is_empty) {
                failures.push(format!("{} in {:?}: no console message", r.id, b));
            }
            // The explanation is rendered, with no placeholder left.
            match &d.explanation {
                Some(t)
                    if t.id == format!("reason.{}.explanation", r.id) && !t.text.contains('{') => {}
                other => failures.push(format!(
                    "{}: explanation {:?}",
                    r.id,
                    other.as_ref().map(|t| &t.text)
                )),
            }
            assert_eq!(d.link.as_deref(), Some(r.link));
            // The why and fix texts render for this exchange too.
            if let Some(f) = whycors::check::evaluate(
                &ex,
                b,
                ex.page.credentials == Some(whycors::exchange::Credentials::Include),
            )
            .failure
            {
                for part in ["why", "fix"] {
                    match whycors::diagnose::reason_text(&ex, &f, part) {
                        Some(t)
                            if !t.text.contains('{')
                                && t.id == format!("reason.{}.{part}", r.id) => {}
                        other => {
                            failures.push(format!("{} {part}: {:?}", r.id, other.map(|t| t.text)))
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The console lines the engine writes for each recorded fixture are the
/// ones the browser printed (`reported.message`, and Firefox's further lines
/// `reported.alsoMessages`), wherever the engine agrees on the reason.
#[test]
fn console_messages_match_recorded_fixtures() {
    use std::path::Path;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut checked = 0usize;
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let dirs = std::fs::read_dir(&root)
        .map(|d| d.filter_map(Result::ok).collect::<Vec<_>>())
        .unwrap_or_default();
    for dir in dirs {
        let files = std::fs::read_dir(dir.path())
            .map(|d| d.filter_map(Result::ok).collect::<Vec<_>>())
            .unwrap_or_default();
        for f in files {
            let path = f.path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(fx) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            if fx.get("source").and_then(|s| s.as_str()) != Some("recorded") {
                continue;
            }
            let browser = match fx.get("browser").and_then(|b| b.as_str()) {
                Some("chromium") => Browser::Chromium,
                Some("firefox") => Browser::Firefox,
                _ => continue,
            };
            let Some(message) = fx.pointer("/reported/message").and_then(|m| m.as_str()) else {
                continue;
            };
            let label = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
            let Some(mut ex) = fixture_exchange(&fx) else {
                problems.push((label, format!("{}: no exchange could be built", path.display())));
                continue;
            };
            // What the browser's network layer reported besides the headers.
            browser_report::apply(&mut ex, &fx);
            let d = diagnose(
                &ex,
                &Options {
                    browser: Some(browser),
                    verdict_only: false, credentials: None },
            );
            let recorded_reason = fx.get("reason").and_then(|r| r.as_str());
            if d.reason.as_deref() != recorded_reason {
                skipped.push(format!(
                    "{} (engine {:?}, recorded {:?})",
                    path.display(),
                    d.reason,
                    recorded_reason
                ));
                continue; // a reason disagreement is tests/fixtures.rs's business
            }
            let Some(bv) = d.browsers.iter().find(|v| v.browser == browser) else {
                continue;
            };
            checked += 1;
            labels.push(label.clone());
            if bv.message.as_deref() != Some(message) {
                let msg = format!("{}:\n  recorded {message}\n  engine   {:?}", path.display(), bv.message);
                problems.push((label.clone(), msg));
            }
            if browser == Browser::Firefox {
                if let Some(also) = fx
                    .pointer("/reported/alsoMessages")
                    .and_then(|a| a.as_array())
                {
                    let rec: Vec<&str> = also.iter().filter_map(|m| m.as_str()).collect();
                    if rec != bv.also.iter().map(String::as_str).collect::<Vec<_>>() {
                        let msg = format!("{}: further lines\n  recorded {rec:?}\n  engine   {:?}", path.display(), bv.also);
                        problems.push((label.clone(), msg));
                    }
                }
            }
        }
    }
    eprintln!(
        "{checked} recorded console messages compared; {} fixtures skipped (reason differs):",
        skipped.len()
    );
    for s in &skipped {
        eprintln!("  {s}");
    }
    assert!(
        checked > 0,
        "no recorded fixture with a console message under tests/fixtures/ yet"
    );
    let problems = engine_pending::load("console_messages_match_recorded_fixtures").problems(&labels, &problems);
    assert!(
        problems.is_empty(),
        "{} of {checked} messages differ:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A fixture's exchange: its `exchange`, or one built from the lab server's
/// `records` with what the page knew (`request`, `pageOrigin`).
fn fixture_exchange(fx: &serde_json::Value) -> Option<Exchange> {
    if let Some(exv) = fx.get("exchange") {
        return whycors::input::exchange_from_str(&exv.to_string()).ok();
    }
    let records: Vec<whycors::labrecord::Record> =
        serde_json::from_value(fx.get("records")?.clone()).ok()?;
    let info: whycors::labrecord::LabRequestInfo =
        serde_json::from_value(fx.get("request")?.clone()).ok()?;
    let page = fx.get("pageOrigin")?.as_str()?;
    whycors::labrecord::exchange_from_records(&records, page, &info).ok()
}

/// Prints, for every recorded fixture, the engine's reason, hints and
/// findings (for reading, not asserting): `cargo test --test examples -- --ignored --nocapture`.
#[test]
#[ignore]
fn print_fixture_hints_and_findings() {
    use std::path::Path;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<_> = std::fs::read_dir(&root)
        .map(|d| {
            d.filter_map(Result::ok)
                .flat_map(|e| {
                    std::fs::read_dir(e.path())
                        .map(|d| {
                            d.filter_map(Result::ok)
                                .map(|f| f.path())
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    for p in paths {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let Ok(fx) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let Some(ex) = fixture_exchange(&fx) else {
            continue;
        };
        let b = match fx.get("browser").and_then(|b| b.as_str()) {
            Some("firefox") => Browser::Firefox,
            _ => Browser::Chromium,
        };
        let d = diagnose(
            &ex,
            &Options {
                browser: Some(b),
                verdict_only: false, credentials: None },
        );
        let ids = |f: &[whycors::diagnosis::Finding]| {
            f.iter().map(|f| f.id.clone()).collect::<Vec<_>>().join(",")
        };
        println!(
            "{:<70} {:?} {:<36} hints=[{}] findings=[{}] alts={}",
            p.strip_prefix(&root)
                .map(|x| x.display().to_string())
                .unwrap_or_default(),
            d.verdict,
            d.reason.unwrap_or_default(),
            ids(&d.hints),
            ids(&d.findings),
            d.alternatives.len()
        );
        if std::env::var_os("WHYCORS_PRINT_TEXTS").is_some() {
            if let Some(t) = &d.explanation {
                println!("    explanation: {}", t.text);
            }
            for h in d.hints.iter().chain(d.findings.iter()) {
                println!("    {}: {}", h.id, h.text.text);
            }
        }
    }
}

/// Chromium flags `Authorization` covered by `Access-Control-Allow-Headers: *`
/// with a DevTools deprecation issue (`AuthorizationCoveredByWildcard`);
/// the engine's `authorization-wildcard` finding appears exactly on the
/// recorded exchanges where Chromium raised it.
#[test]
fn authorization_wildcard_finding_matches_chromium_deprecation_issue() {
    use std::path::Path;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen_issue = 0;
    let mut problems = Vec::new();
    for dir in std::fs::read_dir(&root)
        .map(|d| d.filter_map(Result::ok).collect::<Vec<_>>())
        .unwrap_or_default()
    {
        for f in std::fs::read_dir(dir.path())
            .map(|d| d.filter_map(Result::ok).collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let Ok(text) = std::fs::read_to_string(f.path()) else {
                continue;
            };
            let Ok(fx) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            if fx.get("browser").and_then(|b| b.as_str()) != Some("chromium")
                || fx.get("source").and_then(|s| s.as_str()) != Some("recorded")
            {
                continue;
            }
            let issue = fx
                .pointer("/reported/also")
                .and_then(|a| a.as_array())
                .is_some_and(|a| {
                    a.iter().any(|x| {
                        x.as_str()
                            .is_some_and(|s| s.contains("AuthorizationCoveredByWildcard"))
                    })
                });
            let Some(ex) = fixture_exchange(&fx) else {
                continue;
            };
            let d = diagnose(
                &ex,
                &Options {
                    browser: Some(Browser::Chromium),
                    verdict_only: false, credentials: None },
            );
            let finding = d.findings.iter().any(|f| f.id == "authorization-wildcard");
            if issue {
                seen_issue += 1;
            }
            if issue != finding {
                problems.push(format!(
                    "{}: Chromium issue {issue}, finding {finding}",
                    f.path().display()
                ));
            }
        }
    }
    assert!(
        seen_issue > 0,
        "no recorded fixture with Chromium's AuthorizationCoveredByWildcard issue"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
