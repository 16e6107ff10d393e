//! Every stored exchange: the fixtures' (tests/fixtures) and every HAR's
//! under tests/data, for the tests that hold a property over all of them
//! (tests/light.rs, tests/exchange_json.rs).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use whycors::exchange::{check_schema, Exchange};

/// One stored exchange: where it is, the exchange, and the fixture's own
/// exchange text where it is schema 2 (None for a HAR's).
pub struct Stored {
    pub label: String,
    pub exchange: Exchange,
    pub text: Option<String>,
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// Every stored exchange, read once per test binary.
pub fn all() -> &'static [Stored] {
    static ALL: OnceLock<Vec<Stored>> = OnceLock::new();
    ALL.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        let mut fx = Vec::new();
        files(&root.join("tests/fixtures"), "json", &mut fx);
        fx.sort();
        for p in fx {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            if let Some(ex) = v.get("exchange").filter(|e| !e.is_null()) {
                let text = ex.to_string();
                if let Ok(exchange) = whycors::input::exchange_from_str(&text) {
                    let text = (check_schema(ex) == Ok(2)).then_some(text);
                    out.push(Stored { label: p.display().to_string(), exchange, text });
                }
            }
        }
        let mut hars = Vec::new();
        files(&root.join("tests/data"), "har", &mut hars);
        hars.sort();
        for p in hars {
            if let Ok(list) = whycors::input::parse(&std::fs::read_to_string(&p).unwrap()) {
                for (i, exchange) in list.into_iter().enumerate() {
                    out.push(Stored { label: format!("{}#{i}", p.display()), exchange, text: None });
                }
            }
        }
        out
    })
}
