//! The light verdict the extension's background computes at capture
//! (`core::assess::light`, the row of `webrequest::view::summarize_light`)
//! agrees with the full diagnosis (`report::diagnose::diagnose`, the row's
//! fields from `webrequest::view::flags`) on the verdict, the reason, each
//! browser's name and "blocked", over every stored exchange: the fixtures'
//! and every HAR's under tests/data. Its warning flag is never raised where
//! the full diagnosis' is not (the full one adds findings and console
//! lines, which the capture leaves out). And the rank of a diagnosis is
//! the same read from the engine's types or from its JSON.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use serde_json::Value;
use whycors::core::assess::light;
use whycors::diagnose::{diagnose, Options};
use whycors::exchange::Browser;
use whycors::webrequest::view::{flags, summarize_light};

mod stored;

#[test]
fn the_light_verdict_is_the_full_diagnosis_verdict() {
    let all = stored::all();
    assert!(all.len() > 300, "only {} exchanges", all.len());
    let mut problems = Vec::new();
    let mut compared = 0;
    for stored::Stored { label, exchange: ex, .. } in all {
        for browser in [Some(Browser::Chromium), Some(Browser::Firefox), None] {
            let l = light(ex, browser);
            let d = diagnose(ex, &Options { browser, ..Options::default() });
            let full = flags(&d);
            let row = summarize_light(ex, &l, "n/a", false);
            compared += 1;
            let got = (&row.v, &row.r, &row.c, &row.f, row.bl);
            let want = (&full.v, &full.r, &full.c, &full.f, full.bl);
            if got != want {
                problems.push(format!("{label} ({browser:?}): light {got:?}, full {want:?}"));
            }
            if row.w && !full.w {
                problems.push(format!("{label} ({browser:?}): light warns, the full diagnosis does not"));
            }
            if row.fx.is_some() {
                problems.push(format!("{label}: the light row has a fix"));
            }
        }
    }
    assert!(problems.is_empty(), "{} of {compared}:\n  {}", problems.len(), problems.join("\n  "));
}

/// The pages rank the diagnoses they hold as JSON (`view::rank_json`), the
/// extension the engine's own (`view::rank`): the same rank for every
/// stored exchange.
#[test]
fn the_rank_of_a_diagnosis_is_the_rank_of_its_json() {
    use whycors::webrequest::view::{rank, rank_json};
    let mut compared = 0;
    for stored::Stored { label, exchange: ex, .. } in stored::all() {
        for browser in [Some(Browser::Chromium), Some(Browser::Firefox), None] {
            let d = diagnose(ex, &Options { browser, ..Options::default() });
            let v: Value = serde_json::to_value(&d).unwrap();
            assert_eq!(rank(&d), rank_json(&v), "{label} ({browser:?})");
            compared += 1;
        }
    }
    assert!(compared > 900, "only {compared}");
}
