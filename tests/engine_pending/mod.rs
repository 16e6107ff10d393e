//! Recorded fixtures where the browsers' behaviour is known but the engine
//! does not say the same yet, listed with why in
//! `tests/data/engine-pending.json` (by test, by fixture path under
//! `tests/fixtures/`). A test that meets a listed fixture reports it instead
//! of failing, and fails when a listed fixture now passes (so the list stays
//! exact: take the entry out) or when any fixture not listed disagrees.
//! The browser's side of each is still checked strictly elsewhere
//! (`capture.mjs --check`, the e2e suites).

use std::collections::BTreeMap;

pub struct Pending {
    test: String,
    listed: BTreeMap<String, String>,
}

/// The pending fixtures of one test.
pub fn load(test: &str) -> Pending {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/engine-pending.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let listed = v["tests"][test]
        .as_object()
        .map(|o| o.iter().map(|(k, why)| (k.clone(), why.as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default();
    Pending { test: test.to_string(), listed }
}

impl Pending {
    /// What is wrong: `failures` (fixture label, message) not listed, and
    /// listed fixtures among `checked` that did not fail. Listed failures
    /// are printed.
    pub fn problems(&self, checked: &[String], failures: &[(String, String)]) -> Vec<String> {
        let mut out = Vec::new();
        for (label, msg) in failures {
            match self.listed.get(label) {
                Some(why) => eprintln!("pending ({}): {msg}\n  because: {why}", self.test),
                None => out.push(msg.clone()),
            }
        }
        for (label, why) in &self.listed {
            assert!(!why.trim().is_empty(), "engine-pending.json: {}: {label} says no why", self.test);
            if checked.contains(label) && !failures.iter().any(|(l, _)| l == label) {
                out.push(format!(
                    "{label}: listed as pending for {} in tests/data/engine-pending.json, but the engine now agrees: take it out",
                    self.test
                ));
            }
        }
        out
    }
}
