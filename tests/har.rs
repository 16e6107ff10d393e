//! HAR input end to end: the hand-written format samples in tests/data/har
//! (Chrome DevTools and Firefox DevTools export shapes; see
//! make_samples.py) read into exchanges and diagnosed. The scenarios and the
//! names expected for them are the rows of the side-by-side table in
//! /work/shared/reference/browsers.md ("Seen side by side"), measured in
//! Chromium 156 and Firefox ESR 153.

use whycors::diagnosis::Verdict;
use whycors::model::{Browser, Mode, PreflightObservation};
use whycors::{diagnose, Options};

fn read(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/har").join(name);
    std::fs::read_to_string(p).expect("sample HAR")
}

/// (URL suffix, Chromium corsError, Firefox key) from browsers.md's table.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("/api/a?status=500", "MissingAllowOriginHeader", "CORSMissingAllowOrigin2"),
    ("/api/b", "MethodDisallowedByPreflightResponse", "CORSMethodNotFound"),
    ("/api/c", "AllowOriginMismatch", "CORSAllowOriginNotMatchingOrigin"),
    ("/api/d", "MultipleAllowOriginValues", "CORSMultipleAllowOriginNotAllowed"),
    ("/api/f", "PreflightInvalidStatus", "CORSPreflightDidNotSucceed3"),
    ("/api/r", "AllowOriginMismatch", "CORSAllowOriginNotMatchingOrigin"),
];

fn check_sample(name: &str, browser: Browser) {
    let parsed = whycors::input::parse_with(&read(name), &whycors::input::Limits::default()).expect("parses");
    assert_eq!(parsed.format, whycors::input::Format::Har);
    let exs = parsed.exchanges;
    // Six blocked scenarios plus the allowed one; same-origin and no-cors entries skipped.
    assert_eq!(exs.len(), 7, "{name}: {:#?}", exs.iter().map(|e| &e.request.url).collect::<Vec<_>>());
    assert!(exs.iter().all(|e| e.browser == Some(browser)));
    assert!(exs.iter().all(|e| e.request.mode == Some(Mode::Cors)), "{name}");
    // The file holds preflights, so exchanges without one were not preflighted.
    let plain = exs.iter().find(|e| e.request.url.ends_with("/api/c")).expect("api/c");
    assert_eq!(plain.preflight_observation, PreflightObservation::NotSent);
    let put = exs.iter().find(|e| e.request.url.ends_with("/api/b")).expect("api/b");
    assert!(put.preflight.is_some(), "{name}: the PUT's preflight is paired");
    assert!(put.response.is_none(), "{name}: blocked at the preflight, no actual response");
    let redirected = exs.iter().find(|e| e.request.url.ends_with("/api/r")).expect("api/r");
    assert_eq!(redirected.redirects.len(), 1);

    for (suffix, chromium, firefox) in EXPECTED {
        let ex = exs.iter().find(|e| e.request.url.ends_with(suffix)).unwrap_or_else(|| panic!("{name}: {suffix}"));
        let d = diagnose(ex, &Options::default());
        assert_eq!(d.verdict, Verdict::Blocked, "{name} {suffix}: {d:#?}");
        for b in &d.browsers {
            let want = match b.browser {
                Browser::Chromium => chromium,
                Browser::Firefox => firefox,
            };
            assert_eq!(b.name.as_deref(), Some(*want), "{name} {suffix} [{}]", b.browser.as_str());
        }
    }
    let allowed = exs.iter().find(|e| e.request.url.ends_with("/api/e")).expect("api/e");
    let d = diagnose(allowed, &Options { browser: None, verdict_only: true });
    // Credentials are unknown from a HAR without cookies: allowed without them.
    assert!(matches!(d.verdict, Verdict::Allowed | Verdict::BlockedIfCredentialed), "{d:#?}");
}

#[test]
fn chrome_sample() {
    check_sample("chrome-sample.har", Browser::Chromium);
}

#[test]
fn firefox_sample() {
    check_sample("firefox-sample.har", Browser::Firefox);
}

#[test]
fn both_samples_give_the_same_exchanges_modulo_shape() {
    let c = whycors::input::parse(&read("chrome-sample.har")).unwrap();
    let f = whycors::input::parse(&read("firefox-sample.har")).unwrap();
    let urls = |v: &[whycors::Exchange]| v.iter().map(|e| (e.request.url.clone(), e.request.method().to_string())).collect::<Vec<_>>();
    assert_eq!(urls(&c), urls(&f));
}

/// Every recorded fixture that carries a HAR (Chromium, recorded by
/// tests/capture from CDP in the DevTools HAR shape): the HAR, read by
/// `har.rs`, gives an exchange for the scenario's request whose diagnosis
/// names what Chromium reported. This checks the HAR reader (pairing,
/// chains, headers, statuses, mode) against browser truth, independently of
/// the exchange the capture built from the lab's records.
///
/// A HAR cannot carry the credentials mode (a request without cookies looks
/// the same either way), the address spaces, nor (these capture HARs have no
/// `pages`) a file: page's origin; those facts are taken from the recorded
/// exchange when the HAR leaves them unknown. Scenarios whose request never
/// reached the network (the browser refused it first) have no HAR entry and
/// are counted apart.
#[test]
fn recorded_fixture_hars_give_the_recorded_reason() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let Ok(reasons) = std::fs::read_dir(&dir) else { return };
    let mut checked = 0;
    let mut not_sent = 0;
    let mut failures = Vec::new();
    let mut files: Vec<_> = reasons.flatten().filter_map(|d| std::fs::read_dir(d.path()).ok()).flatten().flatten().map(|e| e.path()).collect();
    files.sort();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let Ok(fx) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        let har = &fx["har"];
        if !har.is_object() {
            continue;
        }
        let name = path.strip_prefix(&dir).unwrap_or(&path).display().to_string();
        let exs = match whycors::har::read(har, &whycors::input::Limits::default()) {
            Ok(r) => r.exchanges,
            Err(e) => {
                failures.push(format!("{name}: HAR not read: {e}"));
                continue;
            }
        };
        let url = fx["exchange"]["request"]["url"].as_str().unwrap_or("");
        let in_har = har["log"]["entries"].as_array().is_some_and(|a| a.iter().any(|e| e["request"]["url"] == url));
        if !in_har {
            not_sent += 1;
            continue;
        }
        let Some(ex) = exs.iter().find(|e| e.request.url == url) else {
            failures.push(format!("{name}: no exchange for {url} among {:?}", exs.iter().map(|e| &e.request.url).collect::<Vec<_>>()));
            continue;
        };
        let browser = match fx["browser"].as_str() {
            Some("firefox") => Browser::Firefox,
            _ => Browser::Chromium,
        };
        let recorded: whycors::Exchange = match serde_json::from_value(fx["exchange"].clone()) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{name}: recorded exchange unreadable: {e}"));
                continue;
            }
        };
        let mut ex = ex.clone();
        if ex.request.credentials.is_none() {
            ex.request.credentials = recorded.request.credentials;
        }
        if ex.request.origin.is_none() {
            ex.request.origin = recorded.request.origin.clone();
        }
        if ex.context.is_none() {
            ex.context = recorded.context.clone();
        }
        let d = diagnose(&ex, &Options { browser: Some(browser), verdict_only: true });
        let got = d.browsers.iter().find(|b| b.browser == browser).and_then(|b| b.name.clone());
        let want = fx["reported"]["corsError"].as_str().map(str::to_string);
        checked += 1;
        match (&want, d.verdict) {
            (Some(w), _) if got.as_deref() != Some(w.as_str()) => {
                failures.push(format!("{name}: reported {w}, HAR exchange diagnosed {:?} ({got:?})", d.verdict))
            }
            (None, v) if v.is_failure() && fx["reported"]["errorText"].is_null() => {
                failures.push(format!("{name}: allowed in the browser, HAR exchange diagnosed {v:?} ({got:?})"))
            }
            _ => {}
        }
    }
    println!("{checked} recorded HARs checked ({not_sent} scenarios never reached the network), {} mismatches", failures.len());
    assert!(failures.is_empty(), "{} of {checked}:\n{}", failures.len(), failures.join("\n"));
}
