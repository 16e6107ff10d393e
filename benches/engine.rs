//! Engine benchmarks over tests/data/realistic.har (a synthetic HAR in
//! Chrome's export shape: a few hundred entries, mixed same-origin and
//! cross-origin, about a fifth preflights, some blocked; regenerate with
//! `python3 tests/data/make_realistic_har.py`).
//!
//!     cargo bench --bench engine
//!
//! - `har/parse`: reading the HAR text into exchanges (pairing, chains).
//! - `verdict/check_evaluate`: `check::evaluate` for one browser and one
//!   credentials assumption, per exchange (the verdict and reason).
//! - `verdict/diagnose_verdict_only`: `diagnose` with `verdict_only` (both
//!   browsers, both credentials assumptions, messages; no fix, no snippets).
//! - `full/diagnose`: the full diagnosis (explanation, verified fix, snippets).
//! - `pipeline/parse_and_diagnose_all`: the whole HAR, parse + full diagnosis.
//!
//! Throughput is in exchanges (or entries for parsing). A plain summary
//! (per-exchange cost, exchanges per second) is printed at the end. No
//! assertions: figures only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::time::{Duration, Instant};
use whycors::exchange::{Browser, Exchange};
use whycors::{diagnose, Options};

fn har_text() -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/realistic.har");
    std::fs::read_to_string(p).expect("tests/data/realistic.har (python3 tests/data/make_realistic_har.py)")
}

fn exchanges(text: &str) -> Vec<Exchange> {
    whycors::input::parse(text).expect("the realistic HAR parses")
}

fn entry_count(text: &str) -> u64 {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v["log"]["entries"].as_array().map(|a| a.len() as u64))
        .unwrap_or(0)
}

fn benches(c: &mut Criterion) {
    let text = har_text();
    let exs = exchanges(&text);
    let n = exs.len() as u64;
    let verdict_only = Options { browser: None, verdict_only: true, credentials: None };
    let full = Options { browser: None, verdict_only: false, credentials: None };

    let mut g = c.benchmark_group("har");
    g.throughput(Throughput::Elements(entry_count(&text)));
    g.bench_function("parse", |b| b.iter(|| black_box(whycors::input::parse(black_box(&text)))));
    // Baseline: serde_json into a Value, the first step of `parse`.
    g.bench_function("json_value_only", |b| b.iter(|| black_box(serde_json::from_str::<serde_json::Value>(black_box(&text)).ok())));
    g.finish();

    let mut g = c.benchmark_group("verdict");
    g.throughput(Throughput::Elements(n));
    g.bench_function("check_evaluate", |b| {
        b.iter(|| {
            for ex in &exs {
                black_box(whycors::check::evaluate(black_box(ex), Browser::Chromium, false));
            }
        })
    });
    g.bench_function("diagnose_verdict_only", |b| {
        b.iter(|| {
            for ex in &exs {
                black_box(diagnose(black_box(ex), &verdict_only));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("full");
    g.throughput(Throughput::Elements(n));
    g.bench_function("diagnose", |b| {
        b.iter(|| {
            for ex in &exs {
                black_box(diagnose(black_box(ex), &full));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(n));
    g.bench_function("parse_and_diagnose_all", |b| {
        b.iter(|| {
            let exs = whycors::input::parse(black_box(&text)).unwrap_or_default();
            for ex in &exs {
                black_box(diagnose(ex, &full));
            }
        })
    });
    g.finish();
}

/// Mean time of `f` over enough runs to fill `budget`.
fn time<F: FnMut()>(budget: Duration, mut f: F) -> (Duration, u32) {
    f();
    let start = Instant::now();
    let mut runs = 0u32;
    while start.elapsed() < budget || runs < 3 {
        f();
        runs += 1;
    }
    (start.elapsed() / runs, runs)
}

fn summary() {
    let text = har_text();
    let exs = exchanges(&text);
    let n = exs.len().max(1) as u32;
    let budget = Duration::from_millis(1500);
    let verdict_only = Options { browser: None, verdict_only: true, credentials: None };
    let full = Options { browser: None, verdict_only: false, credentials: None };
    let (parse, _) = time(budget, || {
        black_box(whycors::input::parse(&text).ok());
    });
    let (eval, _) = time(budget, || {
        for ex in &exs {
            black_box(whycors::check::evaluate(ex, Browser::Chromium, false));
        }
    });
    let (vo, _) = time(budget, || {
        for ex in &exs {
            black_box(diagnose(ex, &verdict_only));
        }
    });
    let (fd, _) = time(budget, || {
        for ex in &exs {
            black_box(diagnose(ex, &full));
        }
    });
    let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(n);
    println!();
    println!("whycors engine, tests/data/realistic.har: {} entries, {} exchanges, {} bytes", entry_count(&text), n, text.len());
    println!("  HAR parse:                        {:>9.1} us per file ({:.1} MB/s)", parse.as_secs_f64() * 1e6, text.len() as f64 / parse.as_secs_f64() / 1e6);
    println!("  check::evaluate (1 browser):      {:>9.3} us per exchange", per(eval));
    println!("  diagnose, verdict only:           {:>9.3} us per exchange", per(vo));
    println!("  diagnose, full (fix, snippets):   {:>9.3} us per exchange", per(fd));
    println!(
        "  whole HAR, parse + full diagnose: {:>9.1} ms ({:.0} exchanges/s; verdict-only: {:.0} exchanges/s)",
        (parse + fd).as_secs_f64() * 1e3,
        f64::from(n) / (parse + fd).as_secs_f64(),
        f64::from(n) / (parse + vo).as_secs_f64()
    );
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .configure_from_args();
    benches(&mut c);
    c.final_summary();
    summary();
}
