//! HAR input end to end: the hand-written format samples in tests/data/har
//! (Chrome DevTools and Firefox DevTools export shapes; see
//! make_samples.py) read into exchanges and diagnosed. The scenarios and the
//! names expected for them are the rows of the side-by-side table in
//! /work/shared/reference/browsers.md ("Seen side by side"), measured in
//! Chromium 156 and Firefox ESR 153.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use whycors::diagnosis::Verdict;
use whycors::exchange::{Browser, Mode, PreflightObservation};
use whycors::{diagnose, Options};

mod engine_pending;

/// A fixture's stored exchange, read as any exchange JSON is.
fn stored_exchange(fx: &serde_json::Value) -> Result<whycors::Exchange, String> {
    whycors::input::exchange_from_str(&fx["exchange"].to_string()).map_err(|e| e.to_string())
}

/// The response to the request after every redirect.
fn final_response(ex: &whycors::Exchange) -> Option<&whycors::exchange::Response> {
    ex.legs.get(whycors::facts::hop_count(ex)).and_then(|l| l.response.as_ref())
}

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
    assert_eq!(exs.len(), 7, "{name}: {:#?}", exs.iter().map(|e| e.url()).collect::<Vec<_>>());
    assert!(exs.iter().all(|e| e.browser == Some(browser)));
    assert!(exs.iter().all(|e| e.page.mode == Some(Mode::Cors)), "{name}");
    // The file holds preflights, so exchanges without one were not preflighted.
    let plain = exs.iter().find(|e| e.url().ends_with("/api/c")).expect("api/c");
    assert_eq!(plain.preflight_observation, PreflightObservation::NotSent);
    let put = exs.iter().find(|e| e.url().ends_with("/api/b")).expect("api/b");
    assert!(put.legs[0].preflight.is_some(), "{name}: the PUT's preflight is paired");
    assert!(put.legs[0].response.is_none(), "{name}: blocked at the preflight, no actual response");
    let redirected = exs.iter().find(|e| e.url().ends_with("/api/r")).expect("api/r");
    assert_eq!(whycors::facts::hop_count(redirected), 1);

    for (suffix, chromium, firefox) in EXPECTED {
        let ex = exs.iter().find(|e| e.url().ends_with(suffix)).unwrap_or_else(|| panic!("{name}: {suffix}"));
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
    let allowed = exs.iter().find(|e| e.url().ends_with("/api/e")).expect("api/e");
    let d = diagnose(allowed, &Options { browser: None, verdict_only: true, credentials: None });
    // The exact origin without `Access-Control-Allow-Credentials: true`:
    // allowed without credentials, blocked with them. Chrome recorded the
    // outcome (`_error: null`: completed): allowed. Firefox records none, and
    // no Cookie shows the mode: undecided.
    let want = if export_undecided(allowed, browser) { Verdict::Undecided } else { Verdict::Allowed };
    assert_eq!(want, if browser == Browser::Firefox { Verdict::Undecided } else { Verdict::Allowed });
    assert_eq!(d.verdict, want, "{d:#?}");
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
    let urls = |v: &[whycors::Exchange]| v.iter().map(|e| (e.url().to_string(), e.page.method().to_string())).collect::<Vec<_>>();
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
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
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
                failures.push((name.clone(), format!("{name}: HAR not read: {e}")));
                continue;
            }
        };
        let stored = stored_exchange(&fx);
        let url = stored.as_ref().map(|e| e.url()).unwrap_or("");
        let in_har = har["log"]["entries"].as_array().is_some_and(|a| a.iter().any(|e| e["request"]["url"] == url));
        if !in_har {
            not_sent += 1;
            continue;
        }
        let Some(ex) = exs.iter().find(|e| e.url() == url) else {
            failures.push((name.clone(), format!("{name}: no exchange for {url} among {:?}", exs.iter().map(|e| e.url()).collect::<Vec<_>>())));
            continue;
        };
        let browser = match fx["browser"].as_str() {
            Some("firefox") => Browser::Firefox,
            _ => Browser::Chromium,
        };
        let recorded: &whycors::Exchange = match &stored {
            Ok(e) => e,
            Err(e) => {
                failures.push((name.clone(), format!("{name}: recorded exchange unreadable: {e}")));
                continue;
            }
        };
        let mut ex = ex.clone();
        if ex.page.credentials.is_none() {
            ex.page.credentials = recorded.page.credentials;
        }
        if ex.page.origin.is_none() {
            ex.page.origin = recorded.page.origin.clone();
        }
        if ex.context.is_none() {
            ex.context = recorded.context.clone();
        }
        let d = diagnose(&ex, &Options { browser: Some(browser), verdict_only: true, credentials: None });
        let got = d.browsers.iter().find(|b| b.browser == browser).and_then(|b| b.name.clone());
        let want = fx["reported"]["corsError"].as_str().map(str::to_string);
        checked += 1;
        labels.push(name.clone());
        match (&want, d.verdict) {
            (Some(w), _) if got.as_deref() != Some(w.as_str()) => {
                failures.push((name.clone(), format!("{name}: reported {w}, HAR exchange diagnosed {:?} ({got:?})", d.verdict)))
            }
            (None, v) if v.is_failure() && fx["reported"]["errorText"].is_null() => {
                failures.push((name.clone(), format!("{name}: allowed in the browser, HAR exchange diagnosed {v:?} ({got:?})")))
            }
            _ => {}
        }
    }
    println!("{checked} recorded HARs checked ({not_sent} scenarios never reached the network), {} mismatches", failures.len());
    let problems = engine_pending::load("recorded_fixture_hars_give_the_recorded_reason").problems(&labels, &failures);
    assert!(problems.is_empty(), "{} of {checked}:\n{}", problems.len(), problems.join("\n"));
}

// ---------------------------------------------------------------------------
// Real exports. `tests/data/har/firefox-153-lab*.har` are HAR files Firefox
// ESR 153 itself wrote (DevTools' HAR auto-export, recorded by
// `tests/capture/firefox-har.mjs`), `chromium-156-lab*.har` files Chromium
// 156's DevTools HAR writer produced (`tests/capture/chromium-har.mjs`), both
// against the lab server: the scenarios of www/lab/scenarios.json listed
// there, fired from one page. What each browser reported for each scenario
// is in its recorded fixture, `tests/fixtures/<Reason>/<scenario>.<browser>.json`.

/// The scenarios the captures fired (`DEFAULT_IDS` in firefox-har.mjs).
const FIREFOX_SCENARIOS: &[&str] = &[
    "missing-acao-500",
    "xhr-missing-acao",
    "preflight-404",
    "preflight-missing-acao",
    "method-not-in-acam",
    "header-not-in-acah",
    "acao-two-lines",
    "acao-star-credentials",
    "xhr-credentials-star",
    "preflight-star-credentials",
    "acac-missing-credentials",
    "redirect-target-missing-acao",
    "redirect-cross-origin-origin-null",
    "dropped-connection",
    "allowed-preflight",
    "allowed-acao-star",
];

/// Whether an export leaves the outcome to the credentials mode it does not
/// record (so `undecided` is the exact answer): a Firefox export (it records
/// no outcome, and keeps a blocked response like any other) with no
/// `Cookie` sent to another origin (which shows `include`), with the final
/// response (a request never sent shows its failure), where a response on
/// the way fails the Fetch Standard's CORS check for a credentialed request
/// (`Access-Control-Allow-Origin: *`, or no
/// `Access-Control-Allow-Credentials: true`).
fn export_undecided(ex: &whycors::exchange::Exchange, browser: Browser) -> bool {
    use whycors::exchange::HeaderList;
    if browser != Browser::Firefox {
        return false;
    }
    let page = ex.page.origin.clone().or_else(|| ex.legs.first().and_then(|l| l.request_headers.first_trimmed("origin").map(str::to_string)));
    let origin_of = |u: &str| url::Url::parse(u).ok().map(|u| u.origin().ascii_serialization());
    let cookie_cross = ex.legs.iter().any(|l| l.request_headers.has("cookie") && origin_of(&l.url) != page);
    let Some(last) = ex.legs.last().and_then(|l| l.response.as_ref()) else { return false };
    let cors_responses = ex
        .legs
        .iter()
        .filter(|l| origin_of(&l.url) != page)
        .flat_map(|l| [l.preflight.as_ref().and_then(|p| p.response.as_ref()), l.response.as_ref()])
        .flatten()
        .chain(std::iter::once(last));
    let fails_credentialed = cors_responses.into_iter().any(|r| {
        r.headers.combined("access-control-allow-origin").as_deref() == Some("*")
            || r.headers.combined("access-control-allow-credentials").as_deref() != Some("true")
    });
    !cookie_cross && fails_credentialed
}

/// The scenario id of a lab URL (`.../api/<id>?...`).
fn scenario_of(url: &str) -> &str {
    let path = url.split('?').next().unwrap_or("");
    path.rsplit("/api/").next().unwrap_or("")
}

/// A recorded fixture of a scenario in a browser.
fn fixture(id: &str, browser: &str) -> serde_json::Value {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for reason in std::fs::read_dir(&dir).expect("fixtures").flatten() {
        let p = reason.path().join(format!("{id}.{browser}.json"));
        if let Ok(text) = std::fs::read_to_string(&p) {
            return serde_json::from_str(&text).expect("fixture JSON");
        }
    }
    panic!("no fixture for {id} in {browser}");
}

fn read_real(name: &str) -> whycors::har::HarRead {
    let v: serde_json::Value = serde_json::from_str(&read(name)).expect("HAR JSON");
    whycors::har::read(&v, &whycors::input::Limits::default()).expect("reads")
}

/// Checks one real export against what its browser reported for each
/// scenario (the recorded fixtures). `cookies`: the page had set a cookie, so
/// a credentialed request carries `Cookie` where the browser records the
/// request headers it sent.
fn check_export(name: &str, browser: Browser, cookies: bool) {
    let r = read_real(name);
    assert_eq!(r.browser, Some(browser));
    let bname = browser.as_str();
    // The page, the image that held its load event and the favicon are
    // same-origin; preflights pair with their requests; redirect targets
    // fold into their chains: one exchange per scenario.
    let mut ids: Vec<&str> = r.exchanges.iter().map(|e| scenario_of(e.url())).collect();
    ids.sort_unstable();
    let mut want = FIREFOX_SCENARIOS.to_vec();
    want.sort_unstable();
    assert_eq!(ids, want, "{name}");
    let ds = whycors::har::diagnose_read(&r, &Options { browser: Some(browser), verdict_only: false, credentials: None });
    let mut inferred: Vec<&str> = Vec::new();
    for (i, (ex, d)) in r.exchanges.iter().zip(&ds).enumerate() {
        let id = scenario_of(ex.url());
        let fx = fixture(id, bname);
        let key = match browser {
            Browser::Chromium => fx["reported"]["corsError"].as_str(),
            Browser::Firefox => fx["reported"]["firefoxKey"].as_str(),
        };
        let credentialed = fx["request"]["credentials"] == "include";
        let inference = r.inferences.iter().find(|(j, _)| *j == i).map(|(_, inf)| inf);
        let mine = d.browsers.iter().find(|b| b.browser == browser).expect("verdict");
        // The recorded credentials mode: a Cookie header shows it. Chromium
        // records only provisional headers (no Cookie) for a request its
        // preflight stopped.
        let cookie_seen = cookies && credentialed && !(browser == Browser::Chromium && final_response(ex).is_none());
        // The reader records no credentials mode; the one credentials
        // function reads `include` from the Cookie sent to the api origin.
        assert_eq!(ex.page.credentials, None, "{name} {id}");
        assert_eq!(
            matches!(whycors::credentials::credentials(ex).source, whycors::credentials::Source::Cookie { .. }),
            cookie_seen,
            "{name} {id}"
        );
        if let Some(inf) = inference {
            inferred.push(id);
            assert_eq!(d.notes.first(), Some(&inf.note), "{name} {id}: the inference is said first");
        }
        match (id, key) {
            // Firefox reported CORSDidNotSucceed2 (the connection was
            // dropped); its HAR holds a status-0 entry with the timings of
            // the attempt (MEASURED.md §7): a network error.
            ("dropped-connection", Some("CORSDidNotSucceed2")) => {
                assert_eq!(d.verdict, Verdict::NetworkError, "{name} {id}: {d:#?}");
                assert_eq!(mine.name.as_deref(), Some("CORSDidNotSucceed2"), "{name} {id}");
            }
            // Chromium: net::ERR_EMPTY_RESPONSE, no CORS error.
            ("dropped-connection", None) => assert_eq!(d.verdict, Verdict::NetworkError, "{name} {id}"),
            // Allowed by the browser (credentials omitted): allowed, or with
            // the credentials mode unknown, allowed without credentials.
            (_, None) => {
                if export_undecided(ex, browser) {
                    assert_eq!(d.verdict, Verdict::Undecided, "{name} {id}: {:?}", d.verdict);
                } else {
                    assert_eq!(d.verdict, Verdict::Allowed, "{name} {id}: {:?}", d.verdict);
                }
                assert!(inference.is_none(), "{name} {id}");
            }
            (_, Some(k)) => {
                assert_eq!(mine.name.as_deref(), Some(k), "{name} {id}: {d:#?}");
                if credentialed && !cookie_seen {
                    // Nothing records the credentials. Chromium's error, or
                    // a request Firefox never sent after its preflight,
                    // leaves credentials as the one explanation: inferred
                    // and said. A Firefox response records no failure: the
                    // verdict stays conditional.
                    let firefox_response = browser == Browser::Firefox && final_response(ex).is_some();
                    if firefox_response {
                        assert!(export_undecided(ex, browser), "{name} {id}");
                        assert_eq!(d.verdict, Verdict::Undecided, "{name} {id}");
                        assert!(inference.is_none(), "{name} {id}");
                    } else {
                        assert_eq!(d.verdict, Verdict::Blocked, "{name} {id}");
                        let note = inference.map(|n| n.note.id.as_str());
                        let want = match (browser, final_response(ex).is_some()) {
                            (Browser::Firefox, _) => "har.note.credentials-inferred-not-sent",
                            (Browser::Chromium, true) => "har.note.credentials-inferred",
                            (Browser::Chromium, false) => "har.note.credentials-inferred-preflight",
                        };
                        assert_eq!(note, Some(want), "{name} {id}");
                    }
                } else {
                    assert_eq!(d.verdict, Verdict::Blocked, "{name} {id}: {d:#?}");
                    assert_eq!(d.reason.as_deref(), fx["reason"].as_str(), "{name} {id}");
                    assert!(inference.is_none(), "{name} {id}: {inference:?}");
                }
            }
        }
    }
    println!("{name}: {} exchanges, inferred: {inferred:?}", r.exchanges.len());
    // Shapes the reader relies on, as the browser wrote them.
    let pf = r.exchanges.iter().find(|e| scenario_of(e.url()) == "preflight-404").expect("preflight-404");
    assert_eq!(pf.legs[0].preflight.as_ref().and_then(|p| p.response.as_ref()).map(|r| r.status), Some(404));
    assert!(pf.legs[0].response.is_none(), "the PUT a failed preflight stopped has no response");
    let red = r.exchanges.iter().find(|e| scenario_of(e.url()) == "redirect-cross-origin-origin-null").expect("redirect");
    assert_eq!(whycors::facts::hop_count(red), 1);
    assert_eq!(final_response(red).map(|x| x.status), Some(200));
    assert!(r.exchanges.iter().all(|e| e.page.mode == Some(Mode::Cors)));
    assert!(r.exchanges.iter().all(|e| e.page.origin.as_deref() == Some("http://127.0.0.1:18801")));
}

#[test]
fn firefox_153_export_with_cookie_matches_firefox() {
    check_export("firefox-153-lab.har", Browser::Firefox, true);
}

#[test]
fn firefox_153_export_without_cookie_matches_firefox() {
    check_export("firefox-153-lab-nocookie.har", Browser::Firefox, false);
}

#[test]
fn chromium_156_export_with_cookie_matches_chromium() {
    check_export("chromium-156-lab.har", Browser::Chromium, true);
}

#[test]
fn chromium_156_export_without_cookie_matches_chromium() {
    check_export("chromium-156-lab-nocookie.har", Browser::Chromium, false);
}

/// Chromium's HARs of the recorded fixtures carry `_error: net::ERR_FAILED`
/// on every failed request and no cookie (the capture page has none), so
/// nothing in them records the credentials mode. Where the scenario's
/// request was credentialed and Chromium named a CORS error, the observed
/// headers pass without credentials and fail with them: the engine infers
/// the credentials, says so in a note, and names what Chromium named.
/// Everywhere else it infers nothing.
#[test]
fn chromium_hars_infer_credentials_only_where_the_evidence_implies_them() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .flatten()
        .filter_map(|d| std::fs::read_dir(d.path()).ok())
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".chromium.json"))
        .collect();
    files.sort();
    let (mut inferred, mut not_inferred) = (0, 0);
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    for path in files {
        let Ok(fx) = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&path).unwrap_or_default()) else { continue };
        if !fx["har"].is_object() {
            continue;
        }
        let name = path.strip_prefix(&dir).unwrap_or(&path).display().to_string();
        let Ok(r) = whycors::har::read(&fx["har"], &whycors::input::Limits::default()) else {
            failures.push((name.clone(), format!("{name}: unreadable")));
            continue;
        };
        let stored = stored_exchange(&fx);
        let url = stored.as_ref().map(|e| e.url()).unwrap_or("");
        let Some(i) = r.exchanges.iter().position(|e| e.url() == url) else { continue };
        let has_inference = r.inferences.iter().any(|(j, _)| *j == i);
        labels.push(name.clone());
        // A Cookie sent to the other origin records `include`: evidence, not an inference.
        let cookie_sent = matches!(whycors::credentials::credentials(&r.exchanges[i]).source, whycors::credentials::Source::Cookie { .. });
        let credentialed = fx["request"]["credentials"] == "include" && !cookie_sent;
        let cors_error = fx["reported"]["corsError"].as_str();
        let ds = whycors::har::diagnose_read(&r, &Options { browser: Some(Browser::Chromium), verdict_only: false, credentials: None });
        let d = &ds[i];
        if credentialed && cors_error.is_some() {
            inferred += 1;
            let got = d.browsers.iter().find(|b| b.browser == Browser::Chromium).and_then(|b| b.name.as_deref());
            if !has_inference || d.verdict != Verdict::Blocked || got != cors_error {
                failures.push((name.clone(), format!("{name}: want inferred {cors_error:?}, got {:?} {got:?} (inference: {has_inference})", d.verdict)));
            }
            if !d.notes.first().is_some_and(|n| n.id.starts_with("har.note.credentials-inferred")) {
                failures.push((name.clone(), format!("{name}: the inference is not the first note: {:?}", d.notes.iter().map(|n| &n.id).collect::<Vec<_>>())));
            }
            // The recorded exchange stays as recorded.
            if r.exchanges[i].page.credentials.is_some() {
                failures.push((name.clone(), format!("{name}: the exchange records credentials {:?}", r.exchanges[i].page.credentials)));
            }
        } else {
            not_inferred += 1;
            if has_inference {
                failures.push((name.clone(), format!("{name}: inferred credentials for a {:?} request", fx["request"]["credentials"])));
            }
        }
    }
    println!("{inferred} credentialed failures inferred, {not_inferred} other recorded HARs left alone");
    assert!(inferred >= 9, "only {inferred} credentialed fixtures");
    let problems = engine_pending::load("chromium_hars_infer_credentials_only_where_the_evidence_implies_them").problems(&labels, &failures);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The rule on its own: the failure must be unexplained without credentials
/// and explained with them. Built from the recorded `allowed-credentials`
/// HAR (Chromium allowed it: exact origin and `Access-Control-Allow-Credentials: true`)
/// with an `_error` added: the headers pass either way, so credentials
/// explain nothing: no inference, and the verdict is the recorded failure.
#[test]
fn no_inference_when_credentials_do_not_explain_the_failure() {
    let fx = fixture("allowed-credentials", "chromium");
    let mut har = fx["har"].clone();
    let url = serde_json::Value::String(fx["exchange"]["legs"][0]["url"].as_str().unwrap_or("").to_string());
    for e in har["log"]["entries"].as_array_mut().expect("entries") {
        if e["request"]["url"] == url {
            e["response"]["_error"] = serde_json::Value::String("net::ERR_FAILED".into());
        }
    }
    let r = whycors::har::read(&har, &whycors::input::Limits::default()).expect("reads");
    assert!(r.inferences.is_empty(), "{:?}", r.inferences);
    let d = whycors::har::diagnose_read(&r, &Options::default());
    // Chromium's CORS layer failed it (its recorded outcome), for a reason
    // the headers do not show: blocked, the check not named.
    assert_eq!(d[0].verdict, Verdict::Blocked);
    assert_eq!(d[0].reason, None);
    assert!(d[0].notes.iter().any(|n| n.id == "check.note.recorded-failure"), "{:?}", d[0].notes);
    assert!(d[0].notes.iter().all(|n| !n.id.starts_with("har.note.credentials-inferred")));
    // A recorded Cookie is evidence, not an inference.
    let fx = fixture("acao-star-credentials", "chromium");
    let mut har = fx["har"].clone();
    for e in har["log"]["entries"].as_array_mut().expect("entries") {
        if let Some(h) = e["request"]["headers"].as_array_mut() {
            h.push(serde_json::json!({"name": "Cookie", "value": "s=1"}));
        }
    }
    let r = whycors::har::read(&har, &whycors::input::Limits::default()).expect("reads");
    assert!(r.inferences.is_empty());
    let d = whycors::har::diagnose_read(&r, &Options::default());
    assert_eq!(d[0].verdict, Verdict::Blocked);
    assert_eq!(d[0].reason.as_deref(), Some("CORSNotSupportingCredentials"));
}
