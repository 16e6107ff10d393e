//! The native counterpart of `benches/wasm.mjs`: the same work the wasm
//! boundary does per call (exchange JSON text -> `Exchange` -> diagnosis ->
//! diagnosis JSON text), natively, on tests/data/realistic.har. Prints figures
//! and writes them to target/bench-boundary.json, which `benches/wasm.mjs`
//! reads for the wasm/native ratio. No assertions.
//!
//!     cargo bench --bench boundary
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use std::hint::black_box;
use std::time::Instant;
use whycors::exchange::Exchange;
use whycors::{diagnose, Options};

/// Best-of-`rounds` rate (exchanges per second) of `f`, which handles `n` exchanges.
fn best_rate(n: usize, rounds: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..2 {
        f();
    }
    let mut best = 0.0f64;
    for _ in 0..rounds {
        let t0 = Instant::now();
        let mut done = 0usize;
        while t0.elapsed().as_millis() < 150 {
            f();
            done += n;
        }
        best = best.max(done as f64 / t0.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/realistic.har");
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("benches/boundary.rs: no tests/data/realistic.har");
        return;
    };
    let exchanges = match whycors::input::parse(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("benches/boundary.rs: {e}");
            return;
        }
    };
    let texts: Vec<String> = exchanges.iter().filter_map(|e| serde_json::to_string(e).ok()).collect();
    let n = texts.len();
    let full = Options::default();
    let verdict = Options { verdict_only: true, ..Options::default() };
    let rounds = 9;

    let text_verdict = best_rate(n, rounds, || {
        for t in &texts {
            if let Ok(ex) = serde_json::from_str::<Exchange>(t) {
                black_box(serde_json::to_string(&diagnose(&ex, &verdict)).ok());
            }
        }
    });
    let text_full = best_rate(n, rounds, || {
        for t in &texts {
            if let Ok(ex) = serde_json::from_str::<Exchange>(t) {
                black_box(serde_json::to_string(&diagnose(&ex, &full)).ok());
            }
        }
    });
    let engine_verdict = best_rate(n, rounds, || {
        for ex in &exchanges {
            black_box(diagnose(ex, &verdict));
        }
    });
    let engine_full = best_rate(n, rounds, || {
        for ex in &exchanges {
            black_box(diagnose(ex, &full));
        }
    });
    // The extension's on-demand path (whycors_ext's report part, webRequestView):
    // exchange JSON text -> full diagnosis + highlights + row fields -> text.
    let text_view = best_rate(n, rounds, || {
        for t in &texts {
            if let Ok(v) = whycors::webrequest::view_of(t, whycors::exchange::Browser::Chromium) {
                black_box(serde_json::to_string(&v).ok());
            }
        }
    });
    // What `diagnoseHar` (and the CLI) does: read, diagnose each exchange
    // among the HAR's others (report::neighbours), serialize.
    let limits = whycors::input::Limits::default();
    let pipeline = best_rate(n, rounds, || {
        if let Ok(parsed) = whycors::input::parse_with(&text, &limits) {
            let out = whycors::har::diagnose_exchanges(&parsed.exchanges, &full);
            black_box(serde_json::to_string(&out).ok());
        }
    });

    // The extension background's path (whycors_ext's WebRequestSession.feed):
    // the recorded burst of 165 calls (tests/data/webrequest/<browser>/burst.json),
    // every batch as the background fed it, into a fresh session; per row
    // handed out.
    let mut feeds = Vec::new();
    for browser in ["chromium", "firefox"] {
        let path = format!("{}/tests/data/webrequest/{browser}/burst.json", env!("CARGO_MANIFEST_DIR"));
        let trace: serde_json::Value = match std::fs::read_to_string(&path).map(|t| serde_json::from_str(&t)) {
            Ok(Ok(v)) => v,
            _ => {
                eprintln!("benches/boundary.rs: cannot read {path}");
                return;
            }
        };
        let config = trace["config"].to_string();
        let batches: Vec<(String, f64)> = trace["feeds"]
            .as_array()
            .map(|fs| fs.iter().map(|f| (f["items"].to_string(), f["now"].as_f64().unwrap_or(0.0))).collect())
            .unwrap_or_default();
        let replay = || {
            let mut session = whycors::webrequest::Session::from_json(&config);
            let mut rows = 0;
            for (items, now) in &batches {
                let out = session.feed(items, *now);
                rows += out.rows.len();
                black_box(serde_json::to_string(&out).ok());
            }
            rows
        };
        let rows = replay();
        let rate = best_rate(rows, rounds, || {
            black_box(replay());
        });
        feeds.push((browser, rows, rate));
    }

    let us = |r: f64| 1e6 / r;
    println!("whycors native, the work of one wasm call, tests/data/realistic.har ({n} exchanges), best of {rounds}:");
    println!("  text -> verdict only -> text   {:>9.2} us/exchange  {:>10.0} exchanges/s", us(text_verdict), text_verdict);
    println!("  text -> full diagnosis -> text {:>9.2} us/exchange  {:>10.0} exchanges/s", us(text_full), text_full);
    println!("  engine only, verdict           {:>9.2} us/exchange  {:>10.0} exchanges/s", us(engine_verdict), engine_verdict);
    println!("  engine only, full              {:>9.2} us/exchange  {:>10.0} exchanges/s", us(engine_full), engine_full);
    println!("  text -> extension view -> text {:>9.2} us/exchange  {:>10.0} exchanges/s", us(text_view), text_view);
    println!("  HAR text -> diagnoses JSON     {:>9.2} us/exchange  {:>10.0} exchanges/s", us(pipeline), pipeline);
    for (browser, rows, rate) in &feeds {
        println!("  webRequest batches -> rows text, {browser} burst ({rows} rows) {:>9.2} us/row", us(*rate));
    }
    let feed_of = |b: &str| feeds.iter().find(|f| f.0 == b).map_or(0.0, |f| f.2);
    let json = format!(
        "{{\"exchanges\":{n},\"textVerdict\":{text_verdict},\"textFull\":{text_full},\"engineVerdict\":{engine_verdict},\"engineFull\":{engine_full},\"pipeline\":{pipeline},\"textView\":{text_view},\"feedChromium\":{},\"feedFirefox\":{}}}\n",
        feed_of("chromium"),
        feed_of("firefox")
    );
    let out = concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench-boundary.json");
    if let Err(e) = std::fs::write(out, json) {
        eprintln!("could not write {out}: {e}");
    }
}
