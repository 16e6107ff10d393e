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
