//! Each reason's documented example, run through `diagnose`, yields that
//! reason (for its `example_browser`, or in both browsers), with the
//! browser's own name and console message.

use whycors::diagnose::{diagnose, Options};
use whycors::model::Browser;
use whycors::reasons::REASONS;
use whycors::{Exchange, Verdict};

#[test]
fn every_example_yields_its_reason() {
    let mut failures = Vec::new();
    for r in REASONS {
        let ex: Exchange = match serde_json::from_str(r.example) {
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
            let d = diagnose(&ex, &Options { browser: Some(b), verdict_only: false });
            if d.reason.as_deref() != Some(r.id) {
                failures.push(format!("{} in {:?}: got {:?} / {:?}", r.id, b, d.verdict, d.reason));
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
                (Browser::Chromium, Some(n)) => r.chromium.contains(&n),
                (Browser::Chromium, None) => r.chromium.is_empty(),
                // Where Firefox has no key of its own (the userinfo redirect),
                // it logs the generic CORSDidNotSucceed2, or nothing.
                (Browser::Firefox, n) => {
                    n == r.firefox_key || (r.firefox_key.is_none() && (n.is_none() || n == Some("CORSDidNotSucceed2")))
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
                Some(t) if t.id == format!("reason.{}.explanation", r.id) && !t.text.contains('{') => {}
                other => failures.push(format!("{}: explanation {:?}", r.id, other.as_ref().map(|t| &t.text))),
            }
            assert_eq!(d.link.as_deref(), Some(r.link));
        }
    }
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}
